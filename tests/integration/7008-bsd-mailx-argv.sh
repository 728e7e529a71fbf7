#!/bin/sh
# bsd-mailx's command line, "sendmail -i -t [-f FROM]": the recipients
# are in To, Cc and Bcc; no Date, no Message-ID, and no From unless -r.
# Every address gets a copy, no copy shows Bcc. 7021 runs the real mail(1).
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 11

config_postfix "$T/rc" smtps "queue_dir $T/queue"
# what "mail -s subj -c cc@... -b bcc@... rcpt@..." writes
cat >"$T/msg" <<'M'
To: rcpt@example.test
Subject: mailx with a blind copy
Cc: cc@example.test
Bcc: bcc@example.test
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: 8bit

Seen by rcpt and cc; bcc is hidden.
M
grep -v '^Bcc:' "$T/msg" >"$T/want"

postie_run -C "$T/rc" -i -t <"$T/msg"
check_rc "-i -t: exit 0" 0
check_eq "-i -t: nothing on stderr" "" "$err"
if delivered 3; then
	check_eq "To, Cc and Bcc got one copy each" \
	    "bcc@example.test cc@example.test rcpt@example.test" \
	    "$(delivered_to)"
	same=yes added=yes
	for f in $(cat "$T/delivered"); do
		split_added "$f" Date Message-ID From
		cmp -s "$T/want" "$T/got" || same=no
		grep -qx 'From: sender@example.test' "$T/added" || added=no
	done
	check_eq "every copy: the message less its Bcc: header" yes "$same"
	[ "$same" = yes ] || diag "$(diff "$T/want" "$T/got")"
	check_date_msgid "Date: and Message-ID: added (last copy)"
	check_eq "every copy: From: the account's from, added" yes "$added"
else
	fail "To, Cc and Bcc got one copy each" "$(cat "$T/pf_wait")"
	fail "every copy: the message less its Bcc: header"
	fail "Date: and Message-ID: added (last copy)"
	fail "every copy: From: the account's from, added"
fi

# mail -r me@example.test: "-i -t -f me@example.test" and a From: header
pf_clear_mail "$PF_DIR"
{ echo 'From: me@example.test'; grep -v '^Bcc:' "$T/msg"; } >"$T/msg2"
postie_run -C "$T/rc" -i -t -f me@example.test <"$T/msg2"
check_rc "-f: exit 0" 0
if delivered 2; then
	f=$(head -n 1 "$T/delivered")
	check_eq "-f: the envelope sender" "<me@example.test>" \
	    "$(header "$f" Return-Path)"
	split_added "$f" Date Message-ID
	check_file_eq "-f: From: kept, nothing else changed" "$T/msg2" "$T/got"
	check_eq "-f: no second From: added" "" "$(grep -i '^from:' "$T/added")"
else
	fail "-f: the envelope sender" "$(cat "$T/pf_wait")"
	fail "-f: From: kept, nothing else changed"
	fail "-f: no second From: added"
fi
check_eq "-f: nothing on stderr" "" "$err"
