#!/bin/sh
# "tls off" is for a server on this machine, and the name alone does not
# make it so: with proxy_host (the proxy carries the plaintext on) and for
# "localhost." (a name the resolver may send to DNS) it is refused from
# the configuration, exit 78, one line naming the file, the account and
# why, before any connection. Without TLS, "auth on" chooses only a
# mechanism that never shows the password (SCRAM): a server offering only
# PLAIN and LOGIN is refused with a hint, exit 77, and gets nothing after
# EHLO but QUIT; one offering SCRAM too gets SCRAM. (That the connected
# peer's address is checked is in tests/unit/test_conn.c: on this machine
# a loopback name cannot be made to lead elsewhere.)
. "$(dirname "$0")/../lib/lib.sh"
plan 17

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# plain_config HOST [LINE...]: account "test", tls off, to HOST at the
# fake server's port, user alice
plain_config() {
	h=$1; shift
	{
		printf '%s\n' "account test" "host $h" "port $FAKE_PORT" "tls off" \
		    "user alice" "password wonderland-secret" \
		    "from sender@example.test" "queue_dir $T/queue" \
		    "tls_session_cache $T/tls" "queue off"
		printf '%s\n' "$@" "account default : test"
	} | write_config "$T/rc"
}
no_connection() {
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	! grep -q '^# connection' "$T/transcript" 2>/dev/null
}

# The "proxy" is the fake server: a connection would show there.
fake_start serve
plain_config 127.0.0.1 "auth on" "proxy_host 127.0.0.1" "proxy_port $FAKE_PORT"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "tls off with proxy_host: exit 78" 78
check_err "tls off with proxy_host: one line naming the file, the account and why" \
    "$T/rc" "account default" "'tls off' with proxy_host 127.0.0.1" "off this machine"
check "tls off with proxy_host: no connection made" no_connection

fake_start serve
plain_config localhost. "auth on"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "tls off to localhost.: exit 78" 78
check_err "tls off to localhost.: one line saying why" \
    "$T/rc" "account default" "'tls off' for localhost." "localhost only"
check "tls off to localhost.: no connection made" no_connection

# A plaintext server on loopback offering only PLAIN and LOGIN.
fake_start - <<'S'
send 220 local.test ESMTP
expect EHLO
send 250-local.test\n250-PIPELINING\n250 AUTH PLAIN LOGIN
expect-eof
S
plain_config 127.0.0.1 "auth on"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "only PLAIN LOGIN without TLS: exit 77" 77
check_err_any "only PLAIN LOGIN without TLS: the hint says why and what to do" \
    "offers only PLAIN LOGIN, which would show the password; no password was sent (use TLS, or name the mechanism"
check "only PLAIN LOGIN without TLS: one line" test "$(wc -l <"$T/stderr")" -eq 1
check_sent "only PLAIN LOGIN without TLS: nothing after EHLO but QUIT" \
    "EHLO QUIT"
check "only PLAIN LOGIN without TLS: the password is not on stderr" \
    sh -c "! grep -q wonderland '$T/stderr'"

# Named, PLAIN is the user's choice on loopback (5008 too).
fake_start serve --auth-without-tls --user alice --password wonderland-secret
plain_config 127.0.0.1 "auth plain"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "auth plain named, without TLS to loopback: exit 0" 0
check_transcript "auth plain named: AUTH PLAIN" '^C: AUTH PLAIN '

# A server offering SCRAM as well: auth on takes SCRAM.
fake_start serve --auth-without-tls --auth-mechs "PLAIN LOGIN SCRAM-SHA-256" \
    --user alice --password wonderland-secret
plain_config localhost "auth on"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "PLAIN LOGIN SCRAM-SHA-256 without TLS, to localhost: exit 0" 0
check_transcript "PLAIN LOGIN SCRAM-SHA-256 without TLS: AUTH SCRAM-SHA-256" \
    '^C: AUTH SCRAM-SHA-256 '
check "PLAIN LOGIN SCRAM-SHA-256 without TLS: neither PLAIN nor LOGIN" \
    sh -c "! grep -qE '^C: AUTH (PLAIN|LOGIN)' '$T/transcript'"
check "PLAIN LOGIN SCRAM-SHA-256 without TLS: the message arrived" test -s "$T/data"
