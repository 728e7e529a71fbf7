#!/bin/sh
# A server that accepts the connection and then says nothing: after the
# account's timeout the message is queued (exit 0 within a few seconds);
# a later queue run against a working server sends it.
. "$(dirname "$0")/../lib/lib.sh"
plan 10

QD=$T/queue
printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <6002@example.test>" \
    "Subject: silent server" "" "body" >"$T/msg"

# accepts, then stays silent: no greeting
fake_start - <<'S'
sleep 10
S
config_fake "$T/rc" "$FAKE_PORT" starttls "timeout 1" "queue_dir $QD"
start=$(date +%s)
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
took=$(($(date +%s) - start))
kill "$FAKE_PID" 2>/dev/null
check_rc "silent server: exit 0 (queued)" 0
check "returned soon after the 1s timeout (took ${took}s)" test "$took" -le 4
check_queued "one 'queued' line naming the account and server" "localhost:$FAKE_PORT:"
check_eq "one message in the queue" 1 "$(queue_count "$QD")"

postie_run -bp -C "$T/rc"
check_rc "postie -bp: exit 0" 0
check_listed "listed with recipient, attempt and error" "$qid" \
    "to rcpt@example.test" "attempts 1" error

# a server that works now
fake_start serve
config_fake "$T/rc" "$FAKE_PORT" starttls "timeout 5" "queue_dir $QD"
postie_run -qf -C "$T/rc"
fake_finish
check_rc "postie -qf against a working server: exit 0" 0
check_transcript "the queue run sent the message" '^C: MAIL FROM:<sender@example.test>'
check "the server got the message" grep -qs '^Message-ID: <6002@example.test>' "$T/data"
check_eq "the queue is empty" 0 "$(queue_count "$QD")"
