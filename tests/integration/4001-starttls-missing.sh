#!/bin/sh
# An account with tls_starttls on, and a server that does not offer
# STARTTLS or refuses it: postie stops (no plaintext fallback), says
# STARTTLS, and never sends AUTH or MAIL.
. "$(dirname "$0")/../lib/lib.sh"
plan 8

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

fake_start - <<'S'
send 220 fake.test ESMTP
expect EHLO
send 250-fake.test\n250-AUTH PLAIN LOGIN\n250 8BITMIME
expect-eof
S
config_fake "$T/rc" "$FAKE_PORT" starttls
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "STARTTLS not offered: exit 69" 69
check_err_at "the error line says STARTTLS" "$FAKE_PORT" STARTTLS
check_no_auth_no_mail "STARTTLS not offered: no AUTH, no MAIL"
check_sent "STARTTLS not offered: nothing after EHLO but QUIT" "EHLO QUIT"

fake_start - <<'S'
send 220 fake.test ESMTP
expect EHLO
send 250-fake.test\n250-STARTTLS\n250 AUTH PLAIN LOGIN
expect STARTTLS
send 454 4.7.0 TLS not available due to local problem
expect-eof
S
# A 454 is temporary: with the queue it would wait; "queue off" shows it.
config_fake "$T/rc" "$FAKE_PORT" starttls "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "STARTTLS refused with 454: exit 75" 75
check_err "the error line says STARTTLS and quotes the reply" STARTTLS 454
check_no_auth_no_mail "STARTTLS refused: no AUTH, no MAIL"
check_sent "STARTTLS refused: nothing after it but QUIT" "EHLO STARTTLS QUIT"
