#!/bin/sh
# A server certificate for another name (wrong.example): refused over
# implicit TLS and over STARTTLS with exit 69 (EX_UNAVAILABLE), an error
# line that says why, and neither AUTH nor MAIL sent.
. "$(dirname "$0")/../lib/lib.sh"
plan 10

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
for mode in implicit starttls; do
	if [ $mode = implicit ]; then
		fake_start serve --implicit-tls --cert "$TEST_CA/wrongname.pem" --key "$TEST_CA/wrongname.key"
	else
		fake_start serve --cert "$TEST_CA/wrongname.pem" --key "$TEST_CA/wrongname.key"
	fi
	config_fake "$T/rc" "$FAKE_PORT" $mode
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$mode: refused, exit 69" 69
	check_err_at "$mode: one error line about the certificate" "$FAKE_PORT" certificate
	check_err_any "$mode: the error line says it does not match" "match"
	check_no_auth_no_mail "$mode: no AUTH, no MAIL"
	check "$mode: nothing sent inside TLS" awk '/^# tls established/ { tls = 1 }
	    tls && /^C: / { print; bad = 1 } END { exit bad }' "$T/transcript"
done
