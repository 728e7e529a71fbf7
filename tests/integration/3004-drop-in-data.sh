#!/bin/sh
# With "queue off": the server drops the connection in the middle of DATA: exit 75
# (EX_TEMPFAIL), one error line naming the account and server.
. "$(dirname "$0")/../lib/lib.sh"
plan 5

fake_start - --implicit-tls <<'S'
drop-data-after 3
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
{
	printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <3004@example.test>" \
	    "Subject: dropped" ""
	seq 1 20000
} >"$T/msg"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "dropped in DATA: exit 75" 75
check_err_at "one line: account and server" "$FAKE_PORT"
check_transcript "the message was under way" '^# server drops the connection'
check "the client did not report success" test "$rc" -ne 0
check "the server never saw the end of the message" \
    sh -c "! grep -q '^# message of' '$T/transcript' && test ! -e '$T/data'"
