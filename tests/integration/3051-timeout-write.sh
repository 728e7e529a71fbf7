#!/bin/sh
# A server that stops reading in the middle of a large message (inside
# TLS): postie's writes block, and timeout ends them: exit 75 (queue off)
# within the timeout plus a second, the error saying the server took no
# data. postie never hangs on a full socket.
. "$(dirname "$0")/../lib/lib.sh"
plan 4

{
	printf 'From: sender@example.test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nSubject: big\n\n'
	# 16 MB of 64-byte lines: far more than the socket buffers hold.
	awk 'BEGIN { l = sprintf("%063d", 0); for (i = 0; i < 262144; i++) print l }'
} >"$T/msg"

fake_start - <<'S'
send 220 fake.test ESMTP
expect EHLO
send 250-fake.test\n250 STARTTLS
expect STARTTLS
send 220 2.0.0 go ahead
starttls
expect EHLO
send 250-fake.test\n250 AUTH PLAIN
expect AUTH
send 235 2.7.0 ok
expect MAIL
send 250 2.1.0 ok
expect RCPT
send 250 2.1.5 ok
expect DATA
send 354 go ahead
sleep 15
S
config_fake "$T/rc" "$FAKE_PORT" starttls "timeout 2" "queue off"
start=$(date +%s.%N)
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
check_rc "the server stopped reading: exit 75" 75
# The clock starts before postie reads 16 MB and talks to the server;
# only the stalled write may take the 2 s.
check "gave up within timeout + 1 s of stalling (took ${took}s)" \
    awk -v t="$took" 'BEGIN { exit !(t < 4) }'
check_err_at "the error says the server took no data" "$FAKE_PORT" \
    "message data: the server took no data within 2 s"
check "the fake server did hold out (took ${took}s, at least 2 s)" \
    awk -v t="$took" 'BEGIN { exit !(t >= 2) }'
