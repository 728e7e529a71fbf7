#!/bin/sh
# Temporary replies (4xx at MAIL, at RCPT, after the final dot; a dropped
# connection) queue the message: exit 0 and one "queued" line with the
# reply. Permanent ones (5xx) exit as before (67, 69) with the reply on
# stderr, and keep the message in failed/, where mailq shows it.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 28

{
	printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <6003@example.test>" \
	    "Subject: server replies" ""
	seq 1 200
} >"$T/msg"

# fake_case NAME SCRIPT-LINE...: a fake server (implicit TLS) running the
# script lines then "serve"; one submission with its own queue $T/q-NAME
fake_case() {
	QD=$T/q-$1; shift
	printf '%s\n' "$@" serve >"$T/script"
	fake_start "$T/script" --implicit-tls
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue_dir $QD"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_finish
}

# temporary: queued
fake_case mail "reply MAIL 451 4.3.0 mail later"
check_rc "451 at MAIL: exit 0 (queued)" 0
check_queued "451 at MAIL: the queued line has the reply" \
    "localhost:$FAKE_PORT:" 451 "mail later"
check_eq "451 at MAIL: in the queue" "1 0" "$(queue_count "$QD") $(queue_count "$QD" failed)"

fake_case rcpt "reply RCPT 450 4.2.0 rcpt later"
check_rc "450 at RCPT: exit 0 (queued)" 0
check_queued "450 at RCPT: the queued line has the reply" 450 "rcpt later"
check_eq "450 at RCPT: in the queue" "1 0" "$(queue_count "$QD") $(queue_count "$QD" failed)"

fake_case dot "reply . 451 4.3.0 data later"
check_rc "451 after the final dot: exit 0 (queued)" 0
check_queued "451 after the dot: the queued line has the reply" 451 "data later"
check_eq "451 after the dot: in the queue" "1 0" "$(queue_count "$QD") $(queue_count "$QD" failed)"

fake_case drop "drop-data-after 3"
check_rc "dropped in DATA: exit 0 (queued)" 0
check_queued "dropped in DATA: one queued line" "localhost:$FAKE_PORT:"
check_eq "dropped in DATA: in the queue" "1 0" "$(queue_count "$QD") $(queue_count "$QD" failed)"

# permanent: failed/
fake_case mail5 "reply MAIL 553 5.7.1 sender not allowed"
check_rc "553 at MAIL: exit 69" 69
check_err_at "553 at MAIL: the error line quotes the reply" "$FAKE_PORT" 553 "sender not allowed"
check_eq "553 at MAIL: kept in failed/" "0 1" "$(queue_count "$QD") $(queue_count "$QD" failed)"

fake_case dot5 "reply . 554 5.6.0 message refused"
check_rc "554 after the final dot: exit 69" 69
check_err_at "554 after the dot: the error line quotes the reply" "$FAKE_PORT" 554 "message refused"
check_eq "554 after the dot: kept in failed/" "0 1" "$(queue_count "$QD") $(queue_count "$QD" failed)"

# the real Postfix: 450 for tempfail@, 550 for reject@
QD=$T/q-postfix
config_postfix "$T/rc" smtps "queue_dir $QD"
postie_run -C "$T/rc" tempfail@example.test <"$T/msg"
check_rc "Postfix 450 at RCPT: exit 0 (queued)" 0
check_queued "Postfix 450: the queued line has the reply" 450
tempid=$qid

postie_run -C "$T/rc" reject@example.test <"$T/msg"
check_rc "Postfix 550 at RCPT: exit 67" 67
check_err "Postfix 550: the error line has the reply and the address" 550 reject@example.test
check_eq "Postfix: one queued, one failed" "1 1" "$(queue_count "$QD") $(queue_count "$QD" failed)"
rejid=$(queue_ids "$QD" failed)

mailq_run -C "$T/rc"
check_rc "mailq: exit 0" 0
check_listed "mailq: the 450 one is queued, with its error" "$tempid" \
    "to tempfail@example.test" error 450
check_listed "mailq: the 550 one is shown as failed, with its error" "$rejid" \
    "to reject@example.test" failed error 550
check_counts "mailq: 1 queued, 1 failed" 1 1
check_eq "Postfix delivered nothing" 0 "$(pf_mail_count "$PF_DIR")"
