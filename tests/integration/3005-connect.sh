#!/bin/sh
# With "queue off": nobody listening, or a server that never answers: exit 75 (EX_TEMPFAIL),
# and the account's timeout is honoured.
. "$(dirname "$0")/../lib/lib.sh"
plan 5

printf 'From: sender@example.test\nSubject: x\n\nbody\n' >"$T/msg"
port=$(pf_free_ports 1)
config_fake "$T/rc" "$port" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "connection refused: exit 75" 75
check_err_at "one line naming account and server" "$port"

# accepts, then stays silent (no TLS handshake, no greeting)
fake_start - <<'S'
sleep 8
S
config_fake "$T/rc" "$FAKE_PORT" starttls "timeout 2" "queue off"
start=$(date +%s)
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
took=$(($(date +%s) - start))
check_rc "silent server: exit 75" 75
check "gave up after the 2s timeout, not later (took ${took}s)" test "$took" -le 5
check_err_any "the error says it timed out" "timed out" timeout "no answer within"
kill "$FAKE_PID" 2>/dev/null
