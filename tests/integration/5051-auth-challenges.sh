#!/bin/sh
# A server that abuses the AUTH exchange: a challenge that is not base64,
# or more challenges than the mechanism has. postie cancels with "*"
# (RFC 4954 4), takes the server's 501, says QUIT, and never sends MAIL;
# the exchange is bounded, whatever the server keeps asking.
. "$(dirname "$0")/../lib/lib.sh"
plan 13

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
# the client's lines, one per line, in order
client() { sed -n 's/^C: //p' "$T/transcript"; }

# chal MECH SCRIPT-LINE...: EHLO offers MECH; the lines follow AUTH
chal() {
	mech=$1; shift
	printf '%s\n' 'send 220 fake.test ESMTP' 'expect EHLO' \
	    "send 250-fake.test\\n250 AUTH $mech" "expect AUTH $mech" "$@" \
	    'expect-eof' >"$T/c.script"
	fake_start "$T/c.script" --implicit-tls
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "auth $(echo "$mech" | tr 'A-Z' 'a-z')"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
}

chal LOGIN 'send 334 !!!not-base64' 'expect *' 'send 501 5.7.0 authentication cancelled'
check_rc "a challenge that is not base64: exit 76" 76
check_err_at "not base64: the error says so" "$FAKE_PORT" "not base64"
check_eq "not base64: cancelled with '*', then QUIT; no user name, no password" \
    "EHLO vm
AUTH LOGIN
*
QUIT" "$(client)"
check "not base64: the script ran as written" test "$fake_rc" = 0

# PLAIN has one step: a challenge after the initial response is one too many
chal PLAIN 'send 334 ' 'expect *' 'send 501 5.7.0 authentication cancelled'
check_rc "PLAIN, a challenge after the response: a protocol error, exit 76" 76
check_err_at "PLAIN, a challenge after the response: one error line" "$FAKE_PORT" \
    "AUTH PLAIN" "challenge after the AUTH PLAIN exchange was complete"
check_transcript "PLAIN, a challenge after the response: cancelled with '*'" '^C: [*]$'
check_sent "PLAIN, a challenge after the response: '*', QUIT, no MAIL" \
    "EHLO AUTH * QUIT"
check "PLAIN: the script ran as written" test "$fake_rc" = 0

# LOGIN asks twice; the third challenge is cancelled, never answered with
# the password again
chal LOGIN 'send 334 VXNlcm5hbWU6' 'expect YWxpY2U=' 'send 334 UGFzc3dvcmQ6' \
    'expect d29uZGVybGFuZC1zZWNyZXQ=' 'send 334 UGFzc3dvcmQ6' 'expect *' \
    'send 501 5.7.0 authentication cancelled'
check "LOGIN, a third challenge: non-zero exit (got $rc)" test "$rc" -ne 0
check_eq "LOGIN, a third challenge: the password sent once" 1 \
    "$(grep -c '^C: d29uZGVybGFuZC1zZWNyZXQ=' "$T/transcript")"
check_sent "LOGIN, a third challenge: user, password, '*', QUIT, no MAIL" \
    "EHLO AUTH * * * QUIT"
check "LOGIN: the script ran as written" test "$fake_rc" = 0
