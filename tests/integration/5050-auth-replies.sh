#!/bin/sh
# Replies to AUTH, with the default queue: a 454 (temporary) queues the
# message (exit 0, the queued line quotes the reply); a 535 is final
# (exit 77), nothing queued, since retrying the same password cannot help.
# A 454 or 535 after the server's 334 challenge (AUTH LOGIN, in the middle
# of the exchange) is handled the same. No MAIL in any case, and the
# password never on stderr.
. "$(dirname "$0")/../lib/lib.sh"
plan 20

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# auth MECH SCRIPT-LINES: the fake server (implicit TLS) runs the lines
auth() {
	mech=$1; shift
	printf '%s\n' "$@" >"$T/auth.script"
	rm -rf "$T/queue"
	fake_start "$T/auth.script" --implicit-tls
	config_fake "$T/rc" "$FAKE_PORT" implicit "auth $mech"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
}

auth plain 'reply AUTH 454 4.7.0 temporary authentication failure' serve
check_rc "PLAIN, 454: queued, exit 0" 0
check_queued "PLAIN, 454: the queued line quotes the reply" 454
check_eq "PLAIN, 454: one message queued" 1 "$(queue_count "$T/queue")"
check_sent "PLAIN, 454: no MAIL" "EHLO AUTH QUIT"
check "PLAIN, 454: the password is not on stderr" sh -c "! grep -q wonderland '$T/stderr'"

auth plain 'reply AUTH 535 5.7.8 authentication credentials invalid' serve
check_rc "PLAIN, 535: exit 77" 77
check_err_at "PLAIN, 535: one error line quoting the reply" "$FAKE_PORT" 535
check_eq "PLAIN, 535: nothing queued" 0 "$(queue_count "$T/queue")"
check_sent "PLAIN, 535: no MAIL" "EHLO AUTH QUIT"
check "PLAIN, 535: the password is not on stderr" sh -c "! grep -q wonderland '$T/stderr'"

# AUTH LOGIN: the server takes the user name, then refuses
login() {
	auth login 'send 220 fake.test ESMTP' 'expect EHLO' \
	    'send 250-fake.test\n250 AUTH LOGIN' 'expect AUTH LOGIN' \
	    'send 334 VXNlcm5hbWU6' 'expect YWxpY2U=' "send $1" 'expect-eof'
}
login '454 4.7.0 temporary authentication failure'
check_rc "LOGIN, 454 after the user name: queued, exit 0" 0
check_queued "LOGIN, 454 after the user name: the queued line quotes it" 454
check_eq "LOGIN, 454 after the user name: one message queued" 1 "$(queue_count "$T/queue")"
check "LOGIN, 454 after the user name: no MAIL" sh -c "! grep -q '^C: MAIL' '$T/transcript'"
check "LOGIN, 454: the script ran as written" test "$fake_rc" = 0

login '535 5.7.8 authentication credentials invalid'
check_rc "LOGIN, 535 after the user name: exit 77" 77
check_err_at "LOGIN, 535 after the user name: one error line quoting it" "$FAKE_PORT" 535
check_eq "LOGIN, 535 after the user name: nothing queued" 0 "$(queue_count "$T/queue")"
check "LOGIN, 535 after the user name: no MAIL, no password sent" \
    sh -c "! grep -qE '^C: (MAIL|d29uZGVy)' '$T/transcript'"
check "LOGIN, 535: the password is not on stderr" sh -c "! grep -q wonderland '$T/stderr'"
