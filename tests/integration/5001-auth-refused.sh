#!/bin/sh
# The server answers AUTH with 535: exit 77 (EX_NOPERM), the error line
# quotes the 535, no MAIL is sent, and the password is not on stderr.
. "$(dirname "$0")/../lib/lib.sh"
plan 10

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
for mode in implicit starttls; do
	if [ $mode = implicit ]; then
		fake_start serve --implicit-tls --user alice --password another-secret
	else
		fake_start serve --user alice --password another-secret
	fi
	config_fake "$T/rc" "$FAKE_PORT" $mode
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$mode: 535 to AUTH: exit 77" 77
	check_err_at "$mode: one error line with the 535" "$FAKE_PORT" 535
	check_transcript "$mode: AUTH was tried" '^C: AUTH '
	if [ $mode = implicit ]; then want="EHLO AUTH QUIT"; else
		want="EHLO STARTTLS EHLO AUTH QUIT"; fi
	check_sent "$mode: after the 535 only QUIT, no MAIL" "$want"
	check "$mode: the password is not on stderr" sh -c "! grep -q wonderland '$T/stderr'"
done
