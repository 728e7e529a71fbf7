#!/bin/sh
# s-nail (mailx): "sendmail -i [-f FROM] -- RCPT...". Without -r the
# message has no From header: postie adds one from the account's from,
# with from_full_name as the display name. -r gives both -f and From.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 9

# header FILE NAME: the value of FILE's first NAME: header (any case)
header() {
	awk -v n="$2" 'BEGIN { n = tolower(n) ":" }
	    /^$/ { exit }
	    tolower(substr($0, 1, length(n))) == n {
		sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$1"
}
# split_added FILE NAME...: FILE (delivered) without Postfix's trace into
# $T/got, less the header lines NAME... (which postie adds) that go to
# $T/added
split_added() {
	sa_f=$1; shift
	pf_strip_trace "$sa_f" >"$T/full"
	awk -v names="$*" 'BEGIN { n = split(tolower(names), v, " ")
		for (i = 1; i <= n; i++) want[v[i]] = 1 }
	    !body && /^$/ { body = 1 }
	    !body { k = tolower($0); sub(/:.*/, "", k)
		if (k in want) { print >"/dev/stderr"; next } }
	    { print }' "$T/full" >"$T/got" 2>"$T/added"
}
# check_date_msgid DESC: $T/added holds one well-formed Date: and one
# Message-ID:
check_date_msgid() {
	if [ "$(grep -ciE '^date: ' "$T/added")" -eq 1 ] &&
	    grep -qE '^[Dd][Aa][Tt][Ee]: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$' "$T/added" &&
	    [ "$(grep -ciE '^message-id: ' "$T/added")" -eq 1 ] &&
	    grep -qiE '^message-id: <[^<>@ ]+@[^<>@ ]+>$' "$T/added"; then
		ok "$1"
	else
		fail "$1" "want one Date: and one Message-ID: added, got:" \
		    "$(cat "$T/added")"
	fi
}

config_postfix "$T/rc" smtps "queue_dir $T/queue" "from_full_name Postie Test"
cat >"$T/msg" <<'M'
Date: Sat, 28 Nov 2026 18:10:00 +0100
To: rcpt@example.test
Subject: s-nail without -r
Message-ID: <20261128171000.XyZ12%me@host.example.test>
User-Agent: s-nail v14.9.24
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

No From: header in here.
M

postie_run -C "$T/rc" -i -- rcpt@example.test <"$T/msg"
check_rc "exit 0" 0
check_eq "nothing on stderr" "" "$err"
if delivered 1; then
	f=$(cat "$T/delivered")
	check_eq "envelope sender: the account's from" "<sender@example.test>" \
	    "$(header "$f" Return-Path)"
	split_added "$f" From
	check_eq "From: added from the account, with from_full_name" \
	    "From: Postie Test <sender@example.test>" "$(cat "$T/added")"
	check_file_eq "the rest byte for byte (Date, Message-ID kept)" \
	    "$T/msg" "$T/got"
else
	fail "envelope sender: the account's from" "$(cat "$T/pf_wait")"
	fail "From: added from the account, with from_full_name"
	fail "the rest byte for byte (Date, Message-ID kept)"
fi

# s-nail -r me@example.test: "-i -f me@example.test -- RCPT" and a From:
pf_clear_mail "$PF_DIR"
{ echo 'From: me@example.test'; cat "$T/msg"; } >"$T/msg2"
postie_run -C "$T/rc" -i -f me@example.test -- rcpt@example.test <"$T/msg2"
check_rc "-r: exit 0" 0
if delivered 1; then
	f=$(cat "$T/delivered")
	check_eq "-r: envelope sender" "<me@example.test>" \
	    "$(header "$f" Return-Path)"
	pf_strip_trace "$f" >"$T/got"
	check_file_eq "-r: the message byte for byte" "$T/msg2" "$T/got"
else
	fail "-r: envelope sender" "$(cat "$T/pf_wait")"
	fail "-r: the message byte for byte"
fi
# "--" then a recipient that looks like an option is still a recipient:
# refused as an address, never taken as a flag
postie_run -C "$T/rc" -i -- -oi <"$T/msg"
if [ "$rc" = 64 ] || [ "$rc" = 67 ] || [ "$rc" = 65 ]; then
	ok "after --, '-oi' is a recipient (refused: exit $rc)"
else
	fail "after --, '-oi' is a recipient (refused: exit $rc)" "$err"
fi
