#!/bin/sh
# Expiry: a message older than queue_lifetime gets one more attempt at a
# queue run, and only when that fails too is it failed; its sender gets an
# RFC 3464 report (multipart/report; report-type=delivery-status, Status
# 4.4.7) through the same account from the null sender, queued like any
# message while the server is away. No report with "queue_bounce off", and
# none for a message from the null sender. An old message whose server is
# back is delivered, not expired.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 27

QD=$T/queue QD2=$T/queue2
dead=$(pf_free_ports 1)
# The envelopes name rc-always and rc2-always: pointing those at a port
# nobody listens on takes the server away for the queued messages.
down() {
	config_postfix "$T/rc-always" smtps "queue always" "queue_lifetime 1s" \
	    "queue_dir $QD" "port $1"
	config_postfix "$T/rc2-always" smtps "queue always" "queue_lifetime 1" \
	    "queue_bounce off" "queue_dir $QD2" "port $1"
}
down "$dead"
config_postfix "$T/rc" smtps "queue_lifetime 1s" "queue_dir $QD"
config_postfix "$T/rc2" smtps "queue_lifetime 1" "queue_bounce off" "queue_dir $QD2"
# msg ID: a message with Message-ID <ID@example.test>
msg() {
	printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <$1@example.test>" \
	    "Subject: expiry $1" "" "body of $1" >"$T/msg"
}

msg 6009-a
postie_run -C "$T/rc-always" rcpt@example.test <"$T/msg"
check_rc "queued (queue always, lifetime 1s): exit 0" 0
A=$(queue_ids "$QD")
msg 6009-null
postie_run -C "$T/rc-always" -f '' rcpt@example.test <"$T/msg"
check_rc "one from the null sender, queued: exit 0" 0
msg 6009-quiet
postie_run -C "$T/rc2-always" rcpt@example.test <"$T/msg"
check_rc "one with queue_bounce off, queued: exit 0" 0
sleep 2

postie_run -C "$T/rc" -qf
check_rc "postie -qf after the lifetime, server down: exit 0" 0
check_eq "both expired into failed/, the report queued" "1 2" \
    "$(queue_count "$QD") $(queue_count "$QD" failed)"
down "$PF_SMTPS_PORT"
postie_run -C "$T/rc" -qf
check_rc "server back: postie -qf exit 0" 0
check_eq "the report sent, the expired ones stay in failed/" "0 2" \
    "$(queue_count "$QD") $(queue_count "$QD" failed)"
if delivered 1; then
	ok "one report delivered"
	R=$(cat "$T/delivered")
else
	fail "one report delivered" "$(cat "$T/pf_wait")"
	R=/dev/null
fi
check_eq "the expired messages were not sent" "0 0" \
    "$(msgid_count 6009-a@example.test) $(msgid_count 6009-null@example.test)"
# the report's header, continuation lines unfolded
sed -n '/^$/q; p' "$R" | sed -e ':a' -e '$!N' -e 's/\n[[:blank:]]/ /' -e 'ta' -e 'P' -e 'D' \
    >"$T/rhead"
check "the report went to the sender" grep -qix 'X-Original-To: sender@example.test' "$T/rhead"
check "from the null sender (Return-Path: <>)" grep -qx 'Return-Path: <>' "$T/rhead"
check "To: the sender" grep -qi '^To:.*sender@example.test' "$T/rhead"
check "Content-Type: multipart/report; report-type=delivery-status" \
    grep -qiE '^Content-Type: *multipart/report;.*report-type="?delivery-status' "$T/rhead"
check "Auto-Submitted: auto-replied" grep -qi '^Auto-Submitted: *auto-replied' "$T/rhead"
check "a message/delivery-status part" grep -qi '^Content-Type: *message/delivery-status' "$R"
check "Status: 4.4.7 (expired)" grep -qi '^Status: *4\.4\.7' "$R"
check "the reason: the lifetime, the one last attempt and its error" \
    sh -c 'tr "\n" " " <"$1" | grep -qiE "1 delivery attempts? since then failed.*expired after 1 seconds? in the queue; last error: .*localhost: *$2: cannot connect"' - "$R" "$dead"
check "Final-Recipient: rfc822; rcpt@example.test, Action: failed" \
    sh -c 'grep -qi "^Final-Recipient: *rfc822; *rcpt@example.test" "$1" &&
        grep -qi "^Action: *failed" "$1"' - "$R"
check "the original's header is quoted" grep -q '^Message-ID: <6009-a@example.test>' "$R"

mailq_run -C "$T/rc"
check_listed "mailq shows the expired message as failed" "$A" "to rcpt@example.test" failed
check_counts "mailq: 0 queued, 2 failed" 0 2

before=$(pf_mail_count "$PF_DIR")
down "$dead"
postie_run -C "$T/rc2" -qf
check_rc "queue_bounce off: postie -qf exit 0" 0
check_eq "queue_bounce off: expired into failed/" "0 1" \
    "$(queue_count "$QD2") $(queue_count "$QD2" failed)"
sleep 1.5
check_eq "queue_bounce off: no report, nothing sent" 0 $(($(pf_mail_count "$PF_DIR") - before))

# Old, but the server is there: one more attempt, delivered.
down "$PF_SMTPS_PORT"
msg 6009-late
postie_run -C "$T/rc-always" rcpt@example.test <"$T/msg"
sleep 2
postie_run -C "$T/rc" -qf
check_rc "old message, server there: postie -qf exit 0" 0
check_eq "delivered, not expired: nothing queued, still 2 failed" "0 2" \
    "$(queue_count "$QD") $(queue_count "$QD" failed)"
sleep 1
check_eq "the old message arrived once" 1 "$(msgid_count 6009-late@example.test)"
