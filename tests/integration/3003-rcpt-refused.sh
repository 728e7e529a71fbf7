#!/bin/sh
# With "queue off" (msmtp's behaviour; the queue has its own 6xxx tests):
# recipients refused by a real Postfix at RCPT: all refused with 5xx exits
# 67 (EX_NOUSER), a 4xx exits 75 (EX_TEMPFAIL); the error line carries the
# server's reply, and nothing is delivered.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 8

config_postfix "$T/rc" smtps "queue off"
printf '%s\n' "From: sender@example.test" "To: someone" \
    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <3003@example.test>" \
    "Subject: refused" "" "body" >"$T/msg"

postie_run -C "$T/rc" reject@example.test <"$T/msg"
check_rc "550 for the only recipient: exit 67" 67
check_err "the error line has the 550 and the address" 550 reject@example.test

postie_run -C "$T/rc" reject@example.test somebody@elsewhere.example <"$T/msg"
check_rc "every recipient refused (550, 554 relay denied): exit 67" 67
check_err_any "the error line has a server reply" 550 554

postie_run -C "$T/rc" tempfail@example.test <"$T/msg"
check_rc "450 for the only recipient: exit 75" 75
check_err "the error line has the 450" 450

check "nothing was delivered" test "$(pf_mail_count "$PF_DIR")" -eq 0

# one refused, one accepted: the accepted one gets it
postie_run -C "$T/rc" reject@example.test accepted@example.test <"$T/msg"
if delivered 1 && grep -q '^X-Original-To: accepted@example.test' $(cat "$T/delivered"); then
	ok "with one recipient refused, the other still gets the message"
else
	fail "with one recipient refused, the other still gets the message" \
	    "exit $rc: $err" "$(cat "$T/pf_wait")"
fi
