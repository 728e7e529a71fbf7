#!/bin/sh
# The account's "queue" key. always: exit 0 at once, nothing sent, the
# message waits for a queue run (-q sends it: it is due). off: msmtp's way,
# exit 75 on a temporary failure and nothing kept. auto (the default):
# delivered at once leaves nothing behind, and a delivered submission takes
# the account's other due messages along over the same connection.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 24

QD=$T/queue
# msg ID: a message with Message-ID <ID@example.test>
msg() {
	printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <$1@example.test>" \
	    "Subject: queue modes $1" "" "body of $1"
}
# nothing_kept: no file at all under the queue directory
nothing_kept() { [ -z "$(find "$QD" -type f 2>/dev/null)" ]; }
# connects: how many connections Postfix has logged so far
connects() { grep -c 'smtpd\[[0-9]*\]: connect from' "$PF_DIR/maillog"; }

# queue always
config_postfix "$T/rc" smtps "queue always" "queue_dir $QD"
msg 6004-always >"$T/msg"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "queue always: exit 0" 0
check_eq "queue always: nothing on stderr" "" "$err"
check_eq "queue always: the message is in the queue" 1 "$(queue_count "$QD")"
sleep 1
check_eq "queue always: nothing sent" 0 "$(pf_mail_count "$PF_DIR")"
postie_run -q -C "$T/rc"
check_rc "postie -q (the message is due): exit 0" 0
to_lf "$T/msg" >"$T/want"
check_delivered "postie -q delivered it byte for byte" "$T/want"
check "the queue is empty" nothing_kept

# queue off
port=$(pf_free_ports 1)
config_fake "$T/rc" "$port" implicit "queue off" "queue_dir $QD"
msg 6004-off-refused >"$T/msg"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "queue off, connection refused: exit 75" 75
check_err_at "queue off: one error line naming account and server" "$port"
check "queue off: nothing kept" nothing_kept

config_postfix "$T/rc" smtps "queue off" "queue_dir $QD"
msg 6004-off-450 >"$T/msg"
postie_run -C "$T/rc" tempfail@example.test <"$T/msg"
check_rc "queue off, 450 at RCPT: exit 75" 75
check_err "queue off, 450: the error line has the reply" 450
check "queue off, 450: nothing kept" nothing_kept

pf_clear_mail "$PF_DIR"
msg 6004-off-ok >"$T/msg"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "queue off, server fine: exit 0" 0
delivered 1
check_eq "queue off, server fine: delivered" 1 "$(msgid_count 6004-off-ok@example.test)"
check "queue off, server fine: nothing kept" nothing_kept

# queue auto, the default
pf_clear_mail "$PF_DIR"
config_postfix "$T/rc" smtps "queue_dir $QD"
msg 6004-auto >"$T/msg"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "queue auto, server fine: exit 0" 0
check_eq "queue auto, server fine: nothing on stderr" "" "$err"
delivered 1
check_eq "queue auto, server fine: delivered" 1 "$(msgid_count 6004-auto@example.test)"
check "queue auto, server fine: nothing kept" nothing_kept

# a delivered submission takes the waiting message along (one queued
# with the same configuration file: a message remembers its -C file)
pf_clear_mail "$PF_DIR"
config_postfix "$T/rc" smtps "queue always" "queue_dir $QD"
msg 6004-waiting >"$T/msg"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
config_postfix "$T/rc" smtps "queue_dir $QD"
before=$(connects)
msg 6004-carrier >"$T/msg"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "a submission with one message waiting: exit 0" 0
delivered 2
check_eq "both delivered, once each" "1 1" \
    "$(msgid_count 6004-waiting@example.test) $(msgid_count 6004-carrier@example.test)"
check "nothing left in the queue" nothing_kept
sleep 0.5
check_eq "over one connection" 1 $(($(connects) - before))
