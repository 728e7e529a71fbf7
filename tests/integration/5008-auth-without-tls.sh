#!/bin/sh
# No password leaves without TLS unless the server is on a loopback
# address: "tls off" to 127.0.0.1 authenticates in plaintext (the one
# exception, for a local relay); "tls off" to any other host is refused
# before a connection is made (exit 78).
. "$(dirname "$0")/../lib/lib.sh"
plan 7

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# A plaintext server that offers AUTH.
fake_start - <<'SCRIPT'
send 220 local.test ESMTP
expect EHLO
send 250-local.test\n250 AUTH PLAIN LOGIN
expect AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQtc2VjcmV0
send 235 2.7.0 ok
serve
SCRIPT
write_config "$T/rc" <<EOF
account test
host 127.0.0.1
port $FAKE_PORT
tls off
auth plain
user alice
password wonderland-secret
from sender@example.test
queue_dir $T/queue
tls_session_cache $T/tls
account default : test
EOF
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "tls off to 127.0.0.1: exit 0" 0
check "tls off to 127.0.0.1: the fake server's script ran to the end" test "$fake_rc" = 0
check_transcript "tls off to 127.0.0.1: AUTH PLAIN in plaintext" '^C: AUTH PLAIN '
check "tls off to 127.0.0.1: the message arrived" test -s "$T/data"

# Another host: refused from the configuration, nothing resolved or sent.
sed -i 's/^host 127.0.0.1$/host smtp.example.test/' "$T/rc"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "tls off to smtp.example.test: exit 78" 78
check_err "tls off to smtp.example.test: one line saying why" "tls off" "plaintext" "localhost only"
check "tls off to smtp.example.test: the password is not on stderr" sh -c "! grep -q wonderland '$T/stderr'"
