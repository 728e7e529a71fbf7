#!/bin/sh
# Nobody listens on the account's port: the message is queued (exit 0, one
# "queued" line), mailq lists it; once the server is there, a queue run
# delivers it exactly once, byte for byte, and the queue is empty.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 14

QD=$T/queue
cat >"$T/msg" <<'M'
From: Sender <sender@example.test>
To: Recipient <rcpt@example.test>
Subject: queued while the server was down
Date: Sat, 28 Nov 2026 12:00:00 +0000
Message-ID: <6001@example.test>

Hello from the queue.
  Two leading spaces.
.
A lone dot above.
M
to_lf "$T/msg" >"$T/want"

port=$(pf_free_ports 1)
config_fake "$T/rc" "$port" implicit "queue_dir $QD"
postie_run -i -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "server down: exit 0 (queued)" 0
check_queued "one 'queued' line naming the account and server" "localhost:$port:"
check "the ID is in the queue directory (ID.msg and ID.env)" \
    sh -c '[ -n "$2" ] && [ -f "$1/queue/$2.msg" ] && [ -f "$1/queue/$2.env" ]' - "$QD" "$qid"
check_eq "nothing delivered yet" 0 "$(pf_mail_count "$PF_DIR")"

mailq_run -C "$T/rc"
check_rc "mailq: exit 0" 0
check_listed "mailq lists the message with its recipient and error" "$qid" \
    "to rcpt@example.test" error
check_counts "mailq: 1 queued, 0 failed" 1 0

# the server is back: the same account, now pointing at Postfix
config_postfix "$T/rc" smtps "queue_dir $QD"
postie_run -qf -C "$T/rc"
check_rc "postie -qf: exit 0" 0
check_eq "postie -qf: nothing on stderr" "" "$err"
check_delivered "delivered once, byte for byte" "$T/want"
check_eq "the message's files are gone" "" "$(ls -A "$QD/queue" 2>&1)"

mailq_run -C "$T/rc"
check_counts "mailq: Mail queue is empty" 0 0

# another run sends nothing again
postie_run -qf -C "$T/rc"
check_rc "a second postie -qf: exit 0" 0
sleep 1
check_eq "still exactly one message delivered" 1 "$(pf_mail_count "$PF_DIR")"
