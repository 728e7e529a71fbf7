#!/bin/sh
# timeout is a deadline for each whole reply (every line of a multi-line
# one) and for the TLS handshake, not a bound on each read: a server that
# trickles its greeting, a multi-line EHLO reply (plain or inside TLS) or
# its TLS handshake a byte at a time costs exit 75 (queue off) within the
# timeout and a little, with an error naming the stage and the timeout; a
# reply trickled slowly but whole within the timeout still works.
. "$(dirname "$0")/../lib/lib.sh"
plan 17

printf 'From: sender@example.test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nSubject: x\n\nbody\n' >"$T/msg"

# trickled DESC KIND TEXT...: run postie (timeout 2) against the script on
# stdin (a fake server without TLS of its own: it trickles what it is
# told); exit 75 after 1.8 s at least and 3.5 s at most, an error holding
# each TEXT
trickled() {
	sd=$1 kind=$2; shift 2
	timed_fake_run "$kind"
	check_rc "$sd: exit 75" 75
	check "$sd: gave up at the deadline, not before (took ${took}s)" \
	    awk -v t="$took" 'BEGIN { exit !(t >= 1.8 && t < 3.5) }'
	check_err_at "$sd: the error names the stage and the timeout" \
	    "$FAKE_PORT" "$@"
}

# 33 bytes, 0.5 s apart: 16 s, each read well within the timeout.
trickled "greeting a byte each 0.5 s" starttls \
    "the server's greeting: no whole answer within 2 s" <<'S'
trickle 0.5 220 fake.test ESMTP slowly, slowly
S
trickled "EHLO reply, each line on time, the whole late" starttls \
    "EHLO " ": no whole answer within 2 s" <<'S'
send 220 fake.test ESMTP
expect EHLO
trickle 0.25 250-fake.test\n250-PIPELINING\n250-8BITMIME\n250 STARTTLS
S
fake_script_tls_ehlo='send 220 fake.test ESMTP
expect EHLO
send 250-fake.test\n250 STARTTLS
expect STARTTLS
send 220 2.0.0 go ahead
starttls
expect EHLO'
trickled "EHLO reply inside TLS, a record a byte" starttls \
    "EHLO " ": no whole answer within 2 s" <<S
$fake_script_tls_ehlo
trickle 0.25 250-fake.test\n250-PIPELINING\n250 AUTH PLAIN
S
# A TLS record header announcing 48 bytes, then the 48, 0.3 s apart (16 s).
# After STARTTLS the server waits for the ClientHello first: a byte sent
# with the 220 would rightly be refused as injected plaintext.
hello='\x16\x03\x03\x00\x30'
body=$(printf 'x%.0s' $(seq 48))
trickled "implicit TLS handshake a byte each 0.3 s" implicit \
    "TLS handshake: no answer within 2 s" <<S
trickle-raw 0.3 $hello$body
S
trickled "STARTTLS handshake a byte each 0.3 s" starttls \
    "TLS handshake: no answer within 2 s" <<S
send 220 fake.test ESMTP
expect EHLO
send 250-fake.test\n250 STARTTLS
expect STARTTLS
send 220 2.0.0 go ahead
expect-raw
trickle-raw 0.3 $hello$body
S

# Slow but whole within the timeout (3 s): the greeting and both EHLO
# replies (the second inside TLS) take about a second each.
fake_start - <<'S'
trickle 0.04 220 fake.test ESMTP slowly
expect EHLO
trickle 0.02 250-fake.test\n250-PIPELINING\n250 STARTTLS
expect STARTTLS
send 220 2.0.0 go ahead
starttls
expect EHLO
trickle 0.02 250-fake.test\n250-PIPELINING\n250 AUTH PLAIN
serve
S
config_fake "$T/rc" "$FAKE_PORT" starttls "timeout 3" "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "slow but whole in time: exit 0" 0
check "slow but whole in time: the message arrived" grep -q '^D: body' "$T/transcript"
