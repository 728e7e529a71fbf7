#!/bin/sh
# An IP literal as host: no SNI is sent (RFC 6066 section 3 forbids IP
# literals there), and the certificate must hold that address as an
# iPAddress name. The test certificate has IP:127.0.0.1: delivered. One
# made for wrong.example only: refused (69), the error names the address.
# The same for ::1 (the test certificate has IP:::1 too).
. "$(dirname "$0")/../lib/lib.sh"
plan 11

printf 'From: sender@example.test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nSubject: x\n\nbody\n' >"$T/msg"

fake_start serve
config_fake "$T/rc" "$FAKE_PORT" starttls "host 127.0.0.1"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "certificate with IP:127.0.0.1: exit 0" 0
check_eq "nothing on stderr" "" "$err"
check "no SNI was sent" grep -qx '# tls sni: none' "$T/transcript"
check "and the message arrived" grep -q '^D: body' "$T/transcript"

fake_start serve --cert "$TEST_CA/wrongname.pem" --key "$TEST_CA/wrongname.key"
config_fake "$T/rc" "$FAKE_PORT" starttls "host 127.0.0.1"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "certificate without that address: exit 69" 69
check_err "the error names the address" "127.0.0.1" "certificate"
check_no_auth_no_mail "no AUTH, no MAIL"

# The same server by name: SNI is sent (so the check above can fail).
fake_start serve
config_fake "$T/rc" "$FAKE_PORT" starttls
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check "by name, SNI localhost was sent" grep -qx '# tls sni: localhost' \
    "$T/transcript"

fake_start serve --listen ::1
config_fake "$T/rc" "$FAKE_PORT" starttls "host ::1"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "host ::1, certificate with IP:::1: exit 0" 0
check "no SNI was sent" grep -qx '# tls sni: none' "$T/transcript"

fake_start serve --listen ::1 --cert "$TEST_CA/wrongname.pem" \
    --key "$TEST_CA/wrongname.key"
config_fake "$T/rc" "$FAKE_PORT" starttls "host ::1"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "host ::1, certificate without it: exit 69" 69
