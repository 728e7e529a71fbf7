#!/bin/sh
# postie --serverinfo for an account with tls_pin: as for tls_fingerprint
# (4042), the pins replace the CA and name checks. A key that matches no
# pin is reported with the server's pin ("verification: failed:", one
# error line, exit 69, nothing but QUIT inside TLS) after the chain; the
# pinned self-signed server verifies (exit 0). With both keys set, both
# must match: a right pin with a wrong fingerprint still fails.
. "$(dirname "$0")/../lib/lib.sh"
plan 16

self_signed self
pin_self=$(cert_spki_pin "$T/self.pem")
pin_ca=$(cert_spki_pin "$TEST_CA/server.pem")
fp_self=$(cert_sha256 "$T/self.pem")
out=$T/stdout

for mode in starttls implicit; do
	t="an unpinned key, $mode"
	fake_start serve $([ $mode = implicit ] && echo --implicit-tls)
	config_fake "$T/rc" "$FAKE_PORT" $mode "tls_pin $pin_self"
	postie_run --serverinfo -C "$T/rc"
	fake_wait
	check_rc "$t: exit 69" 69
	check "$t: the chain is printed, with the server's pin" \
	    grep -qxF "    spki pin (sha256, base64): $pin_ca" "$out"
	check_eq "$t: the verdict names the server's pin" \
	    "verification: failed: certificate for localhost: its key matches no tls_pin: the server's is $pin_ca" \
	    "$(grep '^verification:' "$out")"
	check_err_at "$t: one error line, the same reason" "$FAKE_PORT" \
	    "matches no tls_pin"
	check "$t: inside TLS nothing but QUIT" tls_only_quit
done

fake_start serve --cert "$T/self.pem" --key "$T/self.key"
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_pin $pin_ca, $pin_self"
postie_run --serverinfo -C "$T/rc"
fake_wait
check_rc "the pinned key, among two: exit 0" 0
check "the pinned key: verification: ok" grep -qx 'verification: ok' "$out"
check_no_auth_no_mail "the pinned key: no AUTH, no MAIL"

fake_start serve --cert "$T/self.pem" --key "$T/self.key"
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_pin $pin_self" \
    "tls_fingerprint $(cert_sha256 "$TEST_CA/server.pem")"
postie_run --serverinfo -C "$T/rc"
fake_wait
check_rc "right pin, wrong fingerprint: exit 69" 69
check "right pin, wrong fingerprint: the verdict names the fingerprint" \
    grep -q "^verification: failed: .*does not match tls_fingerprint: .*the server's is $fp_self" "$out"
check "right pin, wrong fingerprint: inside TLS nothing but QUIT" tls_only_quit
