#!/bin/sh
# tls_cert_file + tls_key_file: the client certificate is offered to a
# server that requires one (the fake server sees its subject, MAIL goes
# through); without one that server gets no mail; a key others can read,
# or one of the two keys alone, is a config error (exit 78) before the
# TLS handshake.
. "$(dirname "$0")/../lib/lib.sh"
plan 9

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

client_cert client

fake_start serve --implicit-tls --client-ca "$TEST_CA/ca.pem"
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" \
    "tls_cert_file $T/client.pem" "tls_key_file $T/client.key"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "with a client certificate: delivered" 0
check_transcript "the server saw the client certificate" '^# tls client: postie client$'
check_transcript "MAIL sent" '^C: MAIL FROM:<sender@example.test>'

fake_start serve --implicit-tls --client-ca "$TEST_CA/ca.pem"
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check "without one: not delivered" test "$rc" -ne 0
check_no_auth_no_mail "without one: no AUTH, no MAIL"

chmod 644 "$T/client.key"
fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" \
    "tls_cert_file $T/client.pem" "tls_key_file $T/client.key"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "key others can read: exit 78" 78
check_err "key others can read: said so" "tls_key_file" "others can read it"
chmod 600 "$T/client.key"

fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "tls_cert_file $T/client.pem"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "certificate without key: exit 78" 78
check_err "certificate without key: said so" "tls_cert_file without tls_key_file"
