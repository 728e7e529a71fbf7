#!/bin/sh
# postie --serverinfo against the test Postfix for accounts that pin it
# instead of trusting its CA (tls_trust_file system): with its
# certificate's tls_fingerprint or its key's tls_pin (as certtool and
# OpenSSL compute them) "verification: ok" and exit 0, over implicit TLS
# and STARTTLS; with a pin of another key, the chain and "verification:
# failed:" naming Postfix's pin, exit 69. Postfix saw no AUTH and no MAIL.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 15

fp=$(cert_sha256 "$TEST_CA/server.pem")
pin=$(cert_spki_pin "$TEST_CA/server.pem")
other=$(cert_spki_pin "$TEST_CA/other-ca.pem")
out=$T/stdout
log_start=$(($(wc -l <"$PF_DIR/maillog") + 1))
for kind in smtps submission; do
	for key in "tls_fingerprint $fp" "tls_pin $pin"; do
		t="$kind, ${key%% *}"
		config_postfix "$T/rc" $kind "tls_trust_file system" "$key"
		postie_run --serverinfo -C "$T/rc"
		check_rc "$t: exit 0" 0
		check "$t: verification: ok" grep -qx 'verification: ok' "$out"
	done
	config_postfix "$T/rc" $kind "tls_trust_file system" "tls_pin $other"
	postie_run --serverinfo -C "$T/rc"
	check_rc "$kind, another key pinned: exit 69" 69
	check_eq "$kind, another key pinned: the verdict names Postfix's pin" \
	    "verification: failed: certificate for localhost: its key matches no tls_pin: the server's is $pin" \
	    "$(grep '^verification:' "$out")"
	check "$kind, another key pinned: the chain is printed" \
	    grep -qxF "    sha256 fingerprint: $fp" "$out"
done
pf_sessions_since "$log_start" 6
check "Postfix saw neither AUTH nor MAIL" pf_no_auth_no_mail
