#!/bin/sh
# STARTTLS discards what the server said before it (RFC 3207 4.2): the
# capabilities of the EHLO after TLS are the only ones that count. AUTH
# offered only after TLS is used; PIPELINING and SIZE count as the second
# EHLO has them, whatever the first said.
. "$(dirname "$0")/../lib/lib.sh"
plan 20

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# caps BEFORE AFTER [SCRIPT-LINE...]: the first EHLO is answered with the
# capability lines BEFORE, the one after TLS with AFTER (each "\n"
# separated, the fake.test line and STARTTLS added), then serve
caps() {
	before=$1 after=$2; shift 2
	{
		echo 'send 220 fake.test ESMTP'
		echo 'expect EHLO'
		printf '%s\n' "send 250-fake.test\\n250-STARTTLS\\n$before"
		echo 'expect STARTTLS'
		echo 'send 220 2.0.0 go ahead'
		echo 'starttls'
		printf '%s\n' "reply EHLO 250-fake.test\\n$after"
		printf '%s\n' "$@"
		echo 'serve'
	} >"$T/caps.script"
	fake_start "$T/caps.script"
	config_fake "$T/rc" "$FAKE_PORT" starttls "queue off"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
}

# AUTH only after TLS: used
caps '250 8BITMIME' '250-AUTH PLAIN LOGIN\n250 8BITMIME'
check_rc "AUTH offered only after TLS: exit 0" 0
check_sent "AUTH offered only after TLS: AUTH sent after the second EHLO" \
    "EHLO STARTTLS EHLO AUTH MAIL RCPT DATA QUIT"
check "AUTH offered only after TLS: the message arrived" test -s "$T/data"

# PIPELINING before TLS only: not used after it. A refused MAIL shows it:
# without PIPELINING postie waits for MAIL's reply and sends only QUIT
caps '250-PIPELINING\n250 8BITMIME' '250-AUTH PLAIN\n250 8BITMIME' \
    'reply MAIL 553 5.7.1 sender not allowed'
check_rc "PIPELINING only before TLS, MAIL 553: exit 69" 69
check_sent "PIPELINING only before TLS: not pipelined after it" \
    "EHLO STARTTLS EHLO AUTH MAIL QUIT"
check_err_at "PIPELINING only before TLS: the error quotes the 553" "$FAKE_PORT" 553

# PIPELINING after TLS only: used
caps '250 8BITMIME' '250-PIPELINING\n250-AUTH PLAIN\n250 8BITMIME' \
    'reply MAIL 553 5.7.1 sender not allowed'
check_rc "PIPELINING only after TLS, MAIL 553: exit 69" 69
check_sent "PIPELINING only after TLS: MAIL, RCPT and DATA in one batch" \
    "EHLO STARTTLS EHLO AUTH MAIL RCPT DATA QUIT"

# SIZE 100 before TLS, none after: the limit is gone, and MAIL carries
# no SIZE= (the server no longer offers the extension)
caps '250-SIZE 100\n250 8BITMIME' '250-AUTH PLAIN\n250 8BITMIME'
check_rc "SIZE 100 only before TLS: exit 0" 0
check_transcript "SIZE only before TLS: MAIL sent" '^C: MAIL FROM:<sender@example.test>'
check "SIZE only before TLS: MAIL without SIZE=" sh -c "! grep -qi '^C: MAIL .*SIZE=' '$T/transcript'"
check "SIZE only before TLS: the message arrived" test -s "$T/data"

# SIZE 100 only after TLS: the message is too big, refused before MAIL
caps '250 8BITMIME' '250-SIZE 100\n250-AUTH PLAIN\n250 8BITMIME'
check_rc "SIZE 100 only after TLS: exit 69" 69
check_err_at "SIZE 100 only after TLS: the error line names SIZE" "$FAKE_PORT" SIZE 100
check "SIZE only after TLS: no MAIL" sh -c "! grep -q '^C: MAIL' '$T/transcript'"

# AUTH before TLS only, with a password to send: no AUTH at all, neither
# in plaintext nor after TLS, exit 77, and the error says the server
# offered AUTH only before STARTTLS
caps '250-AUTH PLAIN LOGIN\n250 8BITMIME' '250 8BITMIME'
check_rc "AUTH only before TLS: exit 77" 77
check_err_at "AUTH only before TLS: the error line says so" "$FAKE_PORT" \
    "AUTH only before STARTTLS" "no password was sent"
check_sent "AUTH only before TLS: no AUTH, no MAIL" "EHLO STARTTLS EHLO QUIT"
check "AUTH only before TLS: the password is not on stderr" sh -c "! grep -q wonderland '$T/stderr'"
check "AUTH only before TLS: the message did not go" test ! -e "$T/data"
