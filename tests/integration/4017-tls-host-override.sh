#!/bin/sh
# tls_host_override: the certificate is checked against that name instead
# of host, and that name goes out as SNI. A server whose certificate is
# for wrong.example only, reached as localhost or 127.0.0.1 with
# tls_host_override wrong.example: delivered, SNI wrong.example (over
# STARTTLS and implicit TLS). Without the key: exit 69 as in 4003, the
# error naming the name checked. An override naming yet another host:
# refused, naming it. An IP address as the override: checked against the
# certificate's IP addresses, and no SNI. --serverinfo checks the same name.
. "$(dirname "$0")/../lib/lib.sh"
plan 25

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
wrong="--cert $TEST_CA/wrongname.pem --key $TEST_CA/wrongname.key"

for host in localhost 127.0.0.1; do
	for mode in starttls implicit; do
		t="host $host, $mode"
		# shellcheck disable=SC2086
		fake_start serve $wrong $([ $mode = implicit ] && echo --implicit-tls)
		config_fake "$T/rc" "$FAKE_PORT" $mode "host $host" \
		    "tls_host_override wrong.example"
		postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
		fake_wait
		check_rc "$t, override wrong.example: delivered (exit 0)" 0
		check "$t: SNI wrong.example was sent" \
		    grep -qx '# tls sni: wrong.example' "$T/transcript"
		check "$t: the body arrived" grep -q '^D: body' "$T/transcript"
	done
done

# Without the override: refused, as in 4003, naming the host checked.
for host in localhost 127.0.0.1; do
	fake_start serve $wrong
	config_fake "$T/rc" "$FAKE_PORT" starttls "host $host"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "host $host, no override: exit 69" 69
	check_err "host $host, no override: the error names $host" certificate "$host"
	check_no_auth_no_mail "host $host, no override: no AUTH, no MAIL"
done

# An override the certificate does not hold: refused, naming it.
fake_start serve $wrong
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_host_override other.example"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "override other.example: exit 69" 69
check_err "override other.example: the error names it" certificate "other.example"
check "override other.example: it went out as SNI" \
    grep -qx '# tls sni: other.example' "$T/transcript"

# An IP address as the override: the certificate's IP:127.0.0.1, no SNI.
fake_start serve
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_host_override 127.0.0.1"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "override 127.0.0.1 (in the certificate): delivered (exit 0)" 0
check "override 127.0.0.1: no SNI" grep -qx '# tls sni: none' "$T/transcript"

# --serverinfo verifies the same name, and sends it as SNI.
fake_start serve $wrong
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_host_override wrong.example"
postie_run --serverinfo -C "$T/rc"
fake_wait
check_rc "--serverinfo with the override: exit 0" 0
check "--serverinfo with the override: verification: ok" \
    grep -qx 'verification: ok' "$T/stdout"
