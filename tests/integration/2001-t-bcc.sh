#!/bin/sh
# -t takes the recipients from To:, Cc: and Bcc: (a quoted comma in a
# display name, a folded Bcc:), every one of them gets a copy, and no copy
# holds the Bcc: header; the rest of the message is untouched.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 6

config_postfix "$T/rc" submission
cat >"$T/msg" <<'M'
From: Sender <sender@example.test>
To: To Person <to@example.test>
Cc: "Doe, Jane" <cc@example.test>
Bcc: Hidden One <bcc@example.test>,
	bcc2@example.test
Subject: -t with To, Cc and Bcc
Date: Sat, 28 Nov 2026 12:00:00 +0000
Message-ID: <2001@example.test>

Everyone gets this; nobody sees the Bcc.
Bcc: this body line is not a header and stays.
M
# what each copy must be: the input without the Bcc: header
awk '/^$/ { body = 1 }
    !body && /^Bcc:/ { cont = 1; next }
    !body && cont && /^[ \t]/ { next }
    { cont = 0; print }' "$T/msg" >"$T/want"

postie_run -C "$T/rc" -t <"$T/msg"
check_rc "-t: exit 0" 0
if delivered 4; then
	ok "four copies delivered"
	check_eq "To, Cc and both Bcc addresses got one each" \
	    "bcc2@example.test bcc@example.test cc@example.test to@example.test" \
	    "$(delivered_to)"
	# header block only: the body keeps its "Bcc:" line
	if awk '/^$/ { exit } /^[Bb][Cc][Cc]:/ { found = 1 } END { exit !found }' \
	    $(cat "$T/delivered"); then
		fail "no copy has a Bcc: header" "$(grep -il '^bcc:' $(cat "$T/delivered"))"
	else
		ok "no copy has a Bcc: header"
	fi
	same=yes
	for f in $(cat "$T/delivered"); do
		pf_strip_trace "$f" >"$T/got"
		cmp -s "$T/want" "$T/got" || same=no
	done
	check_eq "every copy is the input without its Bcc: header" yes "$same"
	[ "$same" = yes ] || diag "$(diff "$T/want" "$T/got")"
else
	fail "four copies delivered" "$(cat "$T/pf_wait")"
	fail "To, Cc and both Bcc addresses got one each"
	fail "no copy has a Bcc: header"
	fail "every copy is the input without its Bcc: header"
fi
check_eq "nothing on stderr" "" "$err"
