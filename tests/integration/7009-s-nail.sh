#!/bin/sh
# s-nail (mailx): "sendmail -i [-f FROM] -- RCPT...". Without -r the
# message has no From header: postie adds one from the account's from,
# with from_full_name as the display name. -r gives both -f and From.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 9

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
