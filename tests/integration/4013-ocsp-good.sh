#!/bin/sh
# A stapled OCSP response from the server's CA that says the certificate
# is good lets the message through, over implicit TLS 1.3, TLS 1.2 and
# STARTTLS: the control for 4012 and 4014 (the stapling server works, and
# a staple alone refuses nothing). A pinned server (tls_pin) whose staple
# says revoked but is signed by a stranger, not its CA, is delivered to:
# only a verified response can refuse a pinned key.
. "$(dirname "$0")/../lib/lib.sh"
plan 19

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
sh "$TEST_LIB/mkocsp.sh" "$TEST_CA" "$T/ocsp"

# check_delivered_fake DESC: exit 0, nothing on stderr, the message taken
check_delivered_fake() {
	check_rc "$1: delivered, exit 0" 0
	check_eq "$1: nothing on stderr" "" "$err"
	check_transcript "$1: MAIL sent" '^C: MAIL FROM:<sender@example.test>'
	check_transcript "$1: the message taken" '^S: 250 2.0.0 queued'
}

extra=
run_staple good implicit
check_delivered_fake "TLS 1.3"
check_transcript "TLS 1.3: negotiated" '^# tls established: TLSv1.3 '

run_staple good implicit --tls12
check_delivered_fake "TLS 1.2"
check_transcript "TLS 1.2: negotiated" '^# tls established: TLSv1.2 '

run_staple good starttls
check_delivered_fake "STARTTLS"
check "STARTTLS: EHLO again inside TLS" awk '/^# tls established/ { tls = 1 }
    tls && /^C: EHLO/ { found = 1 } END { exit !found }' "$T/transcript"

extra="tls_pin $(cert_spki_pin "$TEST_CA/server.pem")"
run_staple stranger-revoked implicit
check_delivered_fake "tls_pin, revoked by a stranger"
