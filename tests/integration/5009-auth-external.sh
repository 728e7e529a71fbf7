#!/bin/sh
# AUTH EXTERNAL (RFC 4422 appendix A) with the client certificate of
# tls_cert_file/tls_key_file: the certificate goes out in the handshake,
# AUTH EXTERNAL carries the empty authorisation identity ("=") and no
# password; without a certificate sent, postie refuses to try (exit 78).
. "$(dirname "$0")/../lib/lib.sh"
plan 11

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# A client certificate from the test CA.
certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --no-text \
    --outfile "$T/client.key" 2>/dev/null
printf '%s\n' 'cn = "alice client 5009"' 'tls_www_client' 'signing_key' \
    'expiration_days = 2' >"$T/client.tmpl"
certtool --generate-certificate --load-privkey "$T/client.key" \
    --load-ca-certificate "$TEST_CA/ca.pem" --load-ca-privkey "$TEST_CA/ca.key" \
    --template "$T/client.tmpl" --no-text --outfile "$T/client.pem" 2>/dev/null
chmod 600 "$T/client.key"

for mode in implicit starttls; do
	tls=; [ $mode = implicit ] && tls=--implicit-tls
	fake_start serve $tls --client-ca "$TEST_CA/ca.pem" --auth-mechs "PLAIN EXTERNAL"
	config_fake "$T/rc" "$FAKE_PORT" $mode "auth external" \
	    "tls_cert_file $T/client.pem" "tls_key_file $T/client.key"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$mode: exit 0" 0
	check_transcript "$mode: the server saw the client certificate" \
	    "^# tls client: alice client 5009"
	check "$mode: AUTH EXTERNAL =" grep -qx 'C: AUTH EXTERNAL =' "$T/transcript"
	check "$mode: the message arrived" test -s "$T/data"
done

# No certificate sent: refused before AUTH.
fake_start serve --implicit-tls --auth-mechs "PLAIN EXTERNAL"
config_fake "$T/rc" "$FAKE_PORT" implicit "auth external"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_finish
check_rc "no certificate: exit 78" 78
check_err_at "no certificate: says what to set" "$FAKE_PORT" "AUTH EXTERNAL needs a client certificate" "tls_cert_file"
check "no certificate: no AUTH sent" sh -c "! grep -q '^C: AUTH' '$T/transcript'"

