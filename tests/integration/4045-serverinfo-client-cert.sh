#!/bin/sh
# postie --serverinfo offers the account's client certificate as a
# submission does, so a server that requires one can be probed: the fake
# server (--client-ca) sees the certificate's subject, the verdict is
# "verification: ok", exit 0, and no AUTH and no MAIL are sent. The
# refusal of tls_certcheck off reads such a server's certificate too.
. "$(dirname "$0")/../lib/lib.sh"
plan 7

client_cert client

fake_start serve --client-ca "$TEST_CA/ca.pem"
config_fake "$T/rc" "$FAKE_PORT" starttls \
    "tls_cert_file $T/client.pem" "tls_key_file $T/client.key"
postie_run --serverinfo -C "$T/rc"
fake_wait
check_rc "--serverinfo with a client certificate: exit 0" 0
check "--serverinfo: verification: ok" grep -qx 'verification: ok' "$T/stdout"
check_transcript "--serverinfo: the server saw the client certificate" \
    '^# tls client: postie client$'
check_no_auth_no_mail "--serverinfo: no AUTH, no MAIL"

fake_start serve --client-ca "$TEST_CA/ca.pem"
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_certcheck off" \
    "tls_cert_file $T/client.pem" "tls_key_file $T/client.key"
printf 'Subject: x\n\nbody\n' >"$T/msg"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "tls_certcheck off with a client certificate: exit 78" 78
check "tls_certcheck off: the fingerprint line all the same" sh -c \
    "tail -n 1 '$T/stderr' | grep -qF 'use instead: tls_fingerprint $(cert_sha256 "$TEST_CA/server.pem")'"
check_no_auth_no_mail "tls_certcheck off: no AUTH, no MAIL"
