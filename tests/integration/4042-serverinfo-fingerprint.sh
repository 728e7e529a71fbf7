#!/bin/sh
# postie --serverinfo for an account with tls_fingerprint verifies as a
# submission does: the pin replaces the CA and name checks. A server with
# another certificate (one the CA signed, so the CA checks alone would
# pass) is reported, not a failed probe: the chain is printed, the verdict
# is "verification: failed:" with the expected and the seen fingerprint,
# one error line, exit 69, and inside TLS nothing but QUIT (STARTTLS) or
# nothing (implicit TLS). The pinned self-signed server: "verification:
# ok", exit 0, with its capabilities after TLS and AUTH mechanisms.
. "$(dirname "$0")/../lib/lib.sh"
plan 24

self_signed self
fp_self=$(cert_sha256 "$T/self.pem")
fp_ca=$(cert_sha256 "$TEST_CA/server.pem")

for mode in starttls implicit; do
	t="another certificate, $mode"
	fake_start serve $([ $mode = implicit ] && echo --implicit-tls)
	config_fake "$T/rc" "$FAKE_PORT" $mode "tls_fingerprint $fp_self"
	postie_run --serverinfo -C "$T/rc"
	fake_wait
	out=$T/stdout
	check_rc "$t: exit 69" 69
	check "$t: the chain is printed, with the server's fingerprint" \
	    grep -qxF "    sha256 fingerprint: $fp_ca" "$out"
	check_eq "$t: the verdict names expected and seen" \
	    "verification: failed: certificate for localhost does not match tls_fingerprint: expected $fp_self, the server's is $fp_ca" \
	    "$(grep '^verification:' "$out")"
	check_err_at "$t: one error line, the same reason" "$FAKE_PORT" \
	    "does not match tls_fingerprint"
	check_no_auth_no_mail "$t: no AUTH, no MAIL"
	check "$t: inside TLS nothing but QUIT" tls_only_quit

	t="the pinned self-signed server, $mode"
	fake_start serve --cert "$T/self.pem" --key "$T/self.key" \
	    $([ $mode = implicit ] && echo --implicit-tls)
	config_fake "$T/rc" "$FAKE_PORT" $mode "tls_fingerprint $fp_self"
	postie_run --serverinfo -C "$T/rc"
	fake_wait
	check_rc "$t: exit 0" 0
	check "$t: verification: ok" grep -qx 'verification: ok' "$out"
	check "$t: the capabilities after TLS" grep -qx 'capabilities after TLS:' "$out"
	check "$t: the AUTH mechanisms" grep -q '^auth mechanisms: .*PLAIN' "$out"
	check_eq "$t: nothing on stderr" "" "$err"
	check_no_auth_no_mail "$t: no AUTH, no MAIL"
done
