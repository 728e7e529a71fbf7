#!/bin/sh
# The server answers STARTTLS with 220 and then does not start TLS: it
# speaks plaintext instead of a ServerHello, or hangs up. postie refuses
# (plaintext: exit 69, saying the server answered its own 220 without TLS,
# not the implicit-TLS port hint; a hang-up: exit 75), sends nothing after
# STARTTLS, neither AUTH nor MAIL.
. "$(dirname "$0")/../lib/lib.sh"
plan 10

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# after LINE...: the server's lines after its 220 to STARTTLS
after() {
	{
		printf '%s\n' 'send 220 fake.test ESMTP' 'expect EHLO' \
		    'send 250-fake.test\n250-STARTTLS\n250 AUTH PLAIN' \
		    'expect STARTTLS' 'send 220 2.0.0 go ahead'
		printf '%s\n' "$@"
	} >"$T/after.script"
	fake_start "$T/after.script"
	config_fake "$T/rc" "$FAKE_PORT" starttls "queue off"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
}

after 'sleep 0.2' 'send 250 2.0.0 plaintext where TLS should be' 'expect-eof'
check_rc "plaintext after the 220: exit 69" 69
check_err_at "plaintext after the 220: the error says so" "$FAKE_PORT" \
    "TLS handshake failed" "220 to STARTTLS without TLS"
check "plaintext after the 220: no port hint" sh -c "! grep -q 'port 587' '$T/stderr'"
check_sent "plaintext after the 220: nothing after STARTTLS" "EHLO STARTTLS"
check_no_auth_no_mail "plaintext after the 220: no AUTH, no MAIL"

after close
check_rc "a hang-up after the 220: exit 75" 75
check_err_at "a hang-up after the 220: the error says so" "$FAKE_PORT" \
    "closed the connection during the TLS handshake"
check_sent "a hang-up after the 220: nothing after STARTTLS" "EHLO STARTTLS"
check_no_auth_no_mail "a hang-up after the 220: no AUTH, no MAIL"

# implicit TLS to a plaintext server keeps the port hint
fake_start - <<'S'
send 220 fake.test ESMTP
expect-eof
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_err_at "implicit TLS to a plaintext port: the hint names STARTTLS" "$FAKE_PORT" \
    "does the server speak TLS on this port"
