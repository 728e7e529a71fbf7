#!/bin/sh
# Two more certificates a hostile or broken server shows: one not valid
# until 2099 (right names, the test CA), and a self-signed one for
# localhost. Each is refused over implicit TLS and STARTTLS: exit 69, one
# error line that says why (the self-signed one with a hint to pin its
# key), nothing sent inside TLS, no AUTH, no MAIL.
. "$(dirname "$0")/../lib/lib.sh"
plan 16

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# The certificates, made here from the test CA (lib/mkca.sh makes the
# shared ones)
names='cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
organization = "postie tests"
tls_www_server
signing_key
encryption_key'
for n in future selfsigned; do
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --no-text --outfile "$T/$n.key" 2>/dev/null
done
printf '%s\n' "$names" 'activation_date = "2099-01-01 00:00:00 UTC"' \
    'expiration_date = "2100-01-01 00:00:00 UTC"' >"$T/future.tmpl"
certtool --generate-certificate --load-privkey "$T/future.key" \
    --load-ca-certificate "$TEST_CA/ca.pem" --load-ca-privkey "$TEST_CA/ca.key" \
    --template "$T/future.tmpl" --no-text --outfile "$T/future.pem" 2>/dev/null
printf '%s\n' "$names" 'expiration_days = 3650' >"$T/selfsigned.tmpl"
certtool --generate-self-signed --load-privkey "$T/selfsigned.key" \
    --template "$T/selfsigned.tmpl" --no-text --outfile "$T/selfsigned.pem" 2>/dev/null

# refused CERT WORDS...: the fake server shows CERT in both modes
refused() {
	cert=$1; shift
	for mode in implicit starttls; do
		if [ $mode = implicit ]; then
			fake_start serve --implicit-tls --cert "$T/$cert.pem" --key "$T/$cert.key"
		else
			fake_start serve --cert "$T/$cert.pem" --key "$T/$cert.key"
		fi
		config_fake "$T/rc" "$FAKE_PORT" $mode "queue off"
		postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
		fake_wait
		check_rc "$cert, $mode: refused, exit 69" 69
		check_err_at "$cert, $mode: one error line saying why" "$FAKE_PORT" certificate "$@"
		check_no_auth_no_mail "$cert, $mode: no AUTH, no MAIL"
		check "$cert, $mode: nothing sent inside TLS" awk '/^# tls established/ { tls = 1 }
		    tls && /^C: / { print; bad = 1 } END { exit bad }' "$T/transcript"
	done
}
refused future "not valid before 2099"
refused selfsigned "self-signed" "pin it with tls_fingerprint"
