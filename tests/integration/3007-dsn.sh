#!/bin/sh
# Delivery status notification requests (RFC 3461): -N, -R and -V go out
# as NOTIFY=, RET= and ENVID= (xtext) when the server offers DSN; without
# DSN they are dropped with a warning, and the message still goes.
. "$(dirname "$0")/../lib/lib.sh"
plan 11

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: dsn\n\nbody\n' >"$T/msg"

fake_start - --implicit-tls <<'S'
reply EHLO 250-fake.test\n250-PIPELINING\n250-DSN\n250-8BITMIME\n250-AUTH PLAIN LOGIN\n250 HELP
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit
postie_run -C "$T/rc" -N success,failure -R hdrs -V id+1 rcpt@example.test <"$T/msg"
fake_wait
check_rc "with DSN offered: exit 0" 0
check_sent "with DSN offered: the whole transaction" \
    "EHLO AUTH MAIL RCPT DATA QUIT"
check_transcript "RCPT carries NOTIFY=SUCCESS,FAILURE" \
    '^C: RCPT TO:<rcpt@example\.test> NOTIFY=SUCCESS,FAILURE( |$)'
check_transcript "RCPT carries ORCPT=rfc822;" \
    '^C: RCPT TO:<rcpt@example\.test> .*ORCPT=rfc822;rcpt@example\.test'
check_transcript "MAIL carries RET=HDRS" '^C: MAIL FROM:<[^>]*>.* RET=HDRS( |$)'
check_transcript "MAIL carries ENVID as xtext (+ is +2B)" \
    '^C: MAIL FROM:<[^>]*>.* ENVID=id\+2B1( |$)'

fake_start - --implicit-tls <<'S'
reply EHLO 250-fake.test\n250-PIPELINING\n250-8BITMIME\n250-AUTH PLAIN LOGIN\n250 HELP
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit
postie_run -C "$T/rc" -N success,failure -R hdrs -V id+1 rcpt@example.test <"$T/msg"
fake_wait
check_rc "without DSN: still delivered, exit 0" 0
check_sent "without DSN: the whole transaction" "EHLO AUTH MAIL RCPT DATA QUIT"
if grep -qE '^C: (MAIL|RCPT).*(NOTIFY|RET|ENVID|ORCPT)=' "$T/transcript"; then
	fail "without DSN: no DSN parameter is sent" \
	    "$(grep -E '^C: (MAIL|RCPT)' "$T/transcript")"
else
	ok "without DSN: no DSN parameter is sent"
fi
check_transcript "the message went" '^# message of'
check "a warning says the DSN requests were dropped" \
    grep -qi 'warning:.*DSN' "$T/stderr"
