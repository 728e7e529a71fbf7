#!/bin/sh
# STARTTLS response injection: plaintext sent after the 220 to STARTTLS,
# in the same packet, must not be taken as coming from inside TLS. postie
# aborts, and sends neither AUTH nor MAIL.
. "$(dirname "$0")/../lib/lib.sh"
plan 4

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
fake_start - <<'S'
send 220 fake.test ESMTP
expect EHLO
send 250-fake.test\n250-STARTTLS\n250 8BITMIME
expect STARTTLS
send-raw 220 2.0.0 go ahead\r\n250-injected.example\r\n250 AUTH PLAIN\r\n
starttls
serve
S
config_fake "$T/rc" "$FAKE_PORT" starttls
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check "injected plaintext: non-zero exit (got $rc)" test "$rc" -ne 0
check "and not a temporary failure (75)" test "$rc" -ne 75
check_err_at "the error line mentions STARTTLS" "$FAKE_PORT" STARTTLS
check_no_auth_no_mail "no AUTH, no MAIL"
