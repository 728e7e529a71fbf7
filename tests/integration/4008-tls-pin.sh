#!/bin/sh
# tls_pin: the server's key (base64 SHA-256 of its SubjectPublicKeyInfo)
# must be one of the pins, which replaces the CA and name checks: a
# self-signed server with a pinned key gets the message, also when the
# pin is one of several (comma separated, and on a second tls_pin line);
# a CA-signed server whose key is not pinned is refused (exit 69, its pin
# named, nothing sent inside TLS); a malformed pin is a config error.
. "$(dirname "$0")/../lib/lib.sh"
plan 11

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

self_signed self
pin_self=$(cert_spki_pin "$T/self.pem")
pin_ca=$(cert_spki_pin "$TEST_CA/server.pem")
check "the two pins differ" test "$pin_self" != "$pin_ca"

# run_self DESC KEY-LINE...: the self-signed server over implicit TLS
run_self() {
	d=$1; shift
	fake_start serve --implicit-tls --cert "$T/self.pem" --key "$T/self.key"
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "$@"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$d: delivered (exit 0)" 0
	check_transcript "$d: MAIL sent" '^C: MAIL FROM:<sender@example.test>'
}
run_self "one pin" "tls_pin $pin_self"
run_self "several pins" "tls_pin $pin_ca,$pin_ca" "tls_pin $pin_self"

fake_start serve
config_fake "$T/rc" "$FAKE_PORT" starttls "queue off" "tls_pin $pin_self, $pin_self"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "key not pinned: refused, exit 69" 69
check_err_at "key not pinned: the server's pin named" "$FAKE_PORT" \
    "matches no tls_pin" "the server's is $pin_ca"
check_no_auth_no_mail "key not pinned: no AUTH, no MAIL"
check "key not pinned: nothing sent inside TLS" awk '/^# tls established/ { tls = 1 }
    tls && /^C: / { print; bad = 1 } END { exit bad }' "$T/transcript"

config_fake "$T/rc" 1 implicit "queue off" "tls_pin abc="
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "malformed pin: exit 78" 78
check_err "malformed pin: said so" "tls_pin" "'abc=' is not a SHA-256 SPKI pin"
