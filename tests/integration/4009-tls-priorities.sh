#!/bin/sh
# tls_priorities is handed to GnuTLS: without TLS 1.3 the fake server sees
# TLS 1.2 (and 1.3 without the key); a string GnuTLS cannot parse is a
# config error (exit 78) naming the line and where in the string.
. "$(dirname "$0")/../lib/lib.sh"
plan 7

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "default: delivered" 0
check_transcript "default: TLS 1.3" '^# tls established: TLSv1\.3 '

fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "tls_priorities NORMAL:-VERS-TLS1.3"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "without 1.3: delivered" 0
check_transcript "without 1.3: the server saw TLS 1.2" '^# tls established: TLSv1\.2 '
check_transcript "without 1.3: MAIL sent" '^C: MAIL FROM:<sender@example.test>'

config_fake "$T/rc" 1 implicit "queue off" "tls_priorities NORMAL:+NO-SUCH-THING"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "bad string: exit 78" 78
check_err "bad string: named, with where" "tls_priorities" "not a GnuTLS priority string" "character 8" "+NO-SUCH-THING"
