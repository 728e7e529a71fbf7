#!/bin/sh
# timeout bounds every wait: a server that falls silent at any stage
# (greeting, after EHLO, after STARTTLS's 220, in the implicit-TLS
# handshake, after the final dot) costs exit 75 (queue off) within the
# timeout plus a second, with an error naming the stage; a server slow but
# within the timeout at every reply gets the message.
. "$(dirname "$0")/../lib/lib.sh"
plan 17

printf 'From: sender@example.test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nSubject: x\n\nbody\n' >"$T/msg"

# stall DESC KIND TEXT...: run postie (timeout 2) against the script on
# stdin; exit 75 within 3 s and an error holding each TEXT
stall() {
	sd=$1 kind=$2; shift 2
	timed_fake_run "$kind"
	check_rc "$sd: exit 75" 75
	check "$sd: gave up within timeout + 1 s (took ${took}s)" \
	    awk -v t="$took" 'BEGIN { exit !(t < 3) }'
	check_err_at "$sd: the error names the stage" "$FAKE_PORT" "$@"
}

stall "silent greeting" starttls "the server's greeting: no answer within 2 s" <<'S'
sleep 8
S
stall "silent after EHLO" starttls "EHLO " ": no answer within 2 s" <<'S'
send 220 fake.test ESMTP
expect EHLO
sleep 8
S
stall "silent after STARTTLS's 220" starttls "TLS handshake: no answer within 2 s" <<'S'
send 220 fake.test ESMTP
expect EHLO
send 250-fake.test\n250 STARTTLS
expect STARTTLS
send 220 2.0.0 go ahead
sleep 8
S
stall "no ServerHello (implicit TLS)" implicit "TLS handshake: no answer within 2 s" <<'S'
sleep 8
S
stall "silent after the final dot" starttls "message data: no answer within 2 s" <<'S'
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
data
sleep 8
S

# Every reply a second late with timeout 3: slow, but in time.
fake_start - <<'S'
sleep 1
send 220 fake.test ESMTP
expect EHLO
sleep 1
send 250-fake.test\n250 STARTTLS
expect STARTTLS
sleep 1
send 220 2.0.0 go ahead
starttls
expect EHLO
sleep 1
send 250-fake.test\n250 AUTH PLAIN
expect AUTH
sleep 1
send 235 2.7.0 ok
expect MAIL
sleep 1
send 250 2.1.0 ok
expect RCPT
sleep 1
send 250 2.1.5 ok
expect DATA
sleep 1
send 354 go ahead
data
sleep 1
send 250 2.0.0 queued
expect-eof
S
config_fake "$T/rc" "$FAKE_PORT" starttls "timeout 3" "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "slow but in time: exit 0" 0
check "and the message arrived" grep -q '^D: body' "$T/transcript"
