#!/bin/sh
# A server certificate signed by a CA that is not trusted: refused over
# implicit TLS and over STARTTLS with exit 69 (EX_UNAVAILABLE), an error
# line that says why, and neither AUTH nor MAIL sent. Also: the system's
# trust store (tls_trust_file system) does not hold the test CA.
. "$(dirname "$0")/../lib/lib.sh"
plan 12

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
for mode in implicit starttls; do
	if [ $mode = implicit ]; then
		fake_start serve --implicit-tls --cert "$TEST_CA/unknownca.pem" --key "$TEST_CA/unknownca.key"
	else
		fake_start serve --cert "$TEST_CA/unknownca.pem" --key "$TEST_CA/unknownca.key"
	fi
	config_fake "$T/rc" "$FAKE_PORT" $mode
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$mode: refused, exit 69" 69
	check_err_at "$mode: one error line about the certificate" "$FAKE_PORT" certificate
	check_err_any "$mode: the error line says it is not trusted" "not trusted" "untrusted" "unknown" "issuer"
	check_no_auth_no_mail "$mode: no AUTH, no MAIL"
	check "$mode: nothing sent inside TLS" awk '/^# tls established/ { tls = 1 }
	    tls && /^C: / { print; bad = 1 } END { exit bad }' "$T/transcript"
done

# the right certificate, but trust taken from the system store
fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "tls_trust_file system"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "tls_trust_file system: the test CA is not trusted, exit 69" 69
check_no_auth_no_mail "tls_trust_file system: no AUTH, no MAIL"
