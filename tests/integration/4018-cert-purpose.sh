#!/bin/sh
# A server certificate from the test CA, for the right name, whose
# extended key usage allows only TLS clients (clientAuth): refused over
# implicit TLS and STARTTLS with exit 69, one error line naming the key
# purpose, neither AUTH nor MAIL sent; --serverinfo gives the same
# verdict. A submission that accepted it would hand the password to a
# key its CA never meant for a server.
. "$(dirname "$0")/../lib/lib.sh"
plan 14

# The localhost names, signed by the test CA, for TLS clients only.
certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
    --no-text --outfile "$T/client-only.key" 2>/dev/null
printf '%s\n' 'cn = "localhost"' 'dns_name = "localhost"' \
    'ip_address = "127.0.0.1"' tls_www_client signing_key \
    'expiration_days = 3650' >"$T/client-only.tmpl"
certtool --generate-certificate --load-privkey "$T/client-only.key" \
    --load-ca-certificate "$TEST_CA/ca.pem" --load-ca-privkey "$TEST_CA/ca.key" \
    --template "$T/client-only.tmpl" --outfile "$T/client-only.pem" 2>/dev/null
check "the certificate's only key purpose is TLS client" sh -c \
    'certtool -i --infile "$1" | grep -A1 "Key Purpose" | grep -q "TLS WWW Client" &&
    ! certtool -i --infile "$1" | grep -q "TLS WWW Server"' sh "$T/client-only.pem"

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
for mode in implicit starttls; do
	set -- --cert "$T/client-only.pem" --key "$T/client-only.key"
	[ $mode = implicit ] && set -- --implicit-tls "$@"
	fake_start serve "$@"
	config_fake "$T/rc" "$FAKE_PORT" $mode "queue off"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$mode: refused, exit 69" 69
	check_err_at "$mode: one error line naming the key purpose" "$FAKE_PORT" \
	    certificate "not meant for TLS servers"
	check_no_auth_no_mail "$mode: no AUTH, no MAIL"

	fake_start serve "$@"
	config_fake "$T/rc" "$FAKE_PORT" $mode
	postie_run --serverinfo -C "$T/rc"
	fake_wait
	check_rc "$mode: --serverinfo: exit 69" 69
	check_err_at "$mode: --serverinfo: one error line naming the key purpose" \
	    "$FAKE_PORT" "not meant for TLS servers"
	check "$mode: --serverinfo: the verdict names the key purpose" \
	    grep -q '^verification: failed: .*not meant for TLS servers' "$T/stdout"
done
check "the fake server's usual certificate (TLS server) is still accepted" sh -c '
	certtool -i --infile "$1" | grep -q "TLS WWW Server"' sh "$TEST_CA/server.pem"
