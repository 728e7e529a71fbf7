#!/bin/sh
# tls_fingerprint pins the server's own certificate by its SHA-256 and
# replaces the CA and name checks: a self-signed server whose fingerprint
# matches gets the message (implicit TLS and STARTTLS, the pin in lower
# case too); a server with a certificate the CA would vouch for but
# another fingerprint is refused (exit 69, expected and seen named,
# nothing sent inside TLS); SHA-1 and MD5 pins are refused at config time.
. "$(dirname "$0")/../lib/lib.sh"
plan 17

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

self_signed self
fp_self=$(cert_sha256 "$T/self.pem")
fp_ca=$(cert_sha256 "$TEST_CA/server.pem")
check "the two fingerprints differ" test "$fp_self" != "$fp_ca"

# delivered MODE PIN: the self-signed server (wrong name too) takes it
delivered_to_self() {
	mode=$1 pin=$2
	if [ $mode = implicit ]; then
		fake_start serve --implicit-tls --cert "$T/self.pem" --key "$T/self.key"
	else
		fake_start serve --cert "$T/self.pem" --key "$T/self.key"
	fi
	config_fake "$T/rc" "$FAKE_PORT" $mode "queue off" "tls_fingerprint $pin"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "self-signed, $mode: pinned, delivered (exit 0)" 0
	check_transcript "self-signed, $mode: MAIL sent" '^C: MAIL FROM:<sender@example.test>'
	check "self-signed, $mode: the body arrived" grep -q '^body' "$T/data"
}
delivered_to_self implicit "$fp_self"
delivered_to_self starttls "$(printf '%s' "$fp_self" | tr A-F a-f)"

# A certificate the test CA signed for localhost, but not the pinned one
for mode in implicit starttls; do
	if [ $mode = implicit ]; then
		fake_start serve --implicit-tls
	else
		fake_start serve
	fi
	config_fake "$T/rc" "$FAKE_PORT" $mode "queue off" "tls_fingerprint $fp_self"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "other certificate, $mode: refused, exit 69" 69
	check_err_at "other certificate, $mode: expected and seen named" "$FAKE_PORT" \
	    "does not match tls_fingerprint" "expected $fp_self" "the server's is $fp_ca"
	check_no_auth_no_mail "other certificate, $mode: no AUTH, no MAIL"
	check "other certificate, $mode: nothing sent inside TLS" awk '/^# tls established/ { tls = 1 }
	    tls && /^C: / { print; bad = 1 } END { exit bad }' "$T/transcript"
done

# Short hashes: refused before any connection
sha1=$(certtool --fingerprint --hash sha1 --infile "$T/self.pem" | sed 's/../&:/g; s/:$//')
config_fake "$T/rc" 1 implicit "queue off" "tls_fingerprint $sha1"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "SHA-1 pin: exit 78" 78
check_err "SHA-1 pin: too weak, use SHA-256" "tls_fingerprint" "SHA-1 fingerprint is too weak" "SHA-256"
