#!/bin/sh
# Non-ASCII addresses (RFC 6531): with SMTPUTF8 offered they go as they
# are and MAIL says SMTPUTF8; without it a non-ASCII domain goes out in
# IDNA A-labels (xn--), and a non-ASCII local part is refused before any
# envelope command is sent (exit 69, a line naming the address).
. "$(dirname "$0")/../lib/lib.sh"
plan 11

printf 'From: sender@example.test\nTo: someone\nSubject: utf8\n\nbody\n' >"$T/msg"
NO_UTF8='reply EHLO 250-fake.test\n250-PIPELINING\n250-8BITMIME\n250-AUTH PLAIN LOGIN\n250 HELP'

printf '%s\nserve\n' "$NO_UTF8" >"$T/no-utf8"
fake_start "$T/no-utf8" --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit
postie_run -C "$T/rc" "rcpt@bücher.example" <"$T/msg"
fake_wait
check_rc "non-ASCII domain without SMTPUTF8: exit 0" 0
check_sent "non-ASCII domain without SMTPUTF8: the whole transaction" \
    "EHLO AUTH MAIL RCPT DATA QUIT"
check_transcript "RCPT names the domain in A-labels" \
    '^C: RCPT TO:<rcpt@xn--bcher-kva\.example>$'
if grep -q '^C: MAIL.*SMTPUTF8' "$T/transcript"; then
	fail "MAIL does not say SMTPUTF8 to a server without it" \
	    "$(grep '^C: MAIL' "$T/transcript")"
else
	ok "MAIL does not say SMTPUTF8 to a server without it"
fi

fake_start "$T/no-utf8" --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit
postie_run -C "$T/rc" "jörg@example.test" <"$T/msg"
fake_wait
check_rc "non-ASCII local part without SMTPUTF8: exit 69" 69
check_err_at "the error line names the address and SMTPUTF8" "$FAKE_PORT" \
    SMTPUTF8 "local part" "rg@example.test>"
check_sent "no envelope command was sent: QUIT after AUTH" "EHLO AUTH QUIT"

fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit
postie_run -C "$T/rc" "jörg@bücher.example" <"$T/msg"
fake_wait
check_rc "with SMTPUTF8 offered: exit 0" 0
check_sent "with SMTPUTF8 offered: the whole transaction" \
    "EHLO AUTH MAIL RCPT DATA QUIT"
check_transcript "MAIL says SMTPUTF8" '^C: MAIL FROM:<[^>]*>.* SMTPUTF8( |$)'
check_transcript "RCPT has the address as it is" '^C: RCPT TO:<jörg@bücher\.example>$'
