#!/bin/sh
# postie --serverinfo against the test Postfix on its implicit-TLS and
# STARTTLS ports: the greeting, the capabilities (before and after TLS on
# 587), the TLS version, the chain with the certificate's subject and its
# SHA-256 fingerprint as certtool computes it, the AUTH mechanisms and
# "verification: ok", exit 0; Postfix saw no AUTH and no MAIL.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 23

fp=$(certtool --fingerprint --hash sha256 --infile "$TEST_CA/server.pem" |
    tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//')
log_start=$(($(wc -l <"$PF_DIR/maillog") + 1))
for kind in smtps submission; do
	config_postfix "$T/rc" $kind
	postie_run --serverinfo -C "$T/rc"
	out=$T/stdout
	check_rc "$kind: exit 0" 0
	check_eq "$kind: nothing on stderr" "" "$err"
	check "$kind: the greeting" grep -q '^greeting:' "$out"
	check "$kind: the greeting's 220 line" grep -q '^  220 ' "$out"
	check "$kind: the TLS version and cipher" grep -Eq '^tls: TLS1\.[23]' "$out"
	check "$kind: the chain's subject names localhost" grep -Eq '^    subject: .*CN=localhost' "$out"
	check "$kind: the fingerprint certtool computes" grep -qxF "    sha256 fingerprint: $fp" "$out"
	check "$kind: Postfix's AUTH mechanisms" grep -Eq '^auth mechanisms: .*PLAIN' "$out"
	check "$kind: the mechanism postie would use" grep -qx 'auth postie would use: the strongest of these that libsasl2 provides here' "$out"
	check "$kind: verification: ok" grep -qx 'verification: ok' "$out"
	if [ $kind = submission ]; then
		check "submission: capabilities before TLS, with STARTTLS" \
		    sh -c "sed -n '/^capabilities before TLS:/,/^[a-z]/p' '$out' | grep -q '^  STARTTLS'"
		check "submission: capabilities after TLS, without STARTTLS" \
		    sh -c "sed -n '/^capabilities after TLS:/,/^[a-z]/p' '$out' | grep -q '^  250' && ! sed -n '/^capabilities after TLS:/,/^[a-z]/p' '$out' | grep -q '^  STARTTLS'"
	fi
done
pf_sessions_since "$log_start" 2
check "Postfix saw neither AUTH nor MAIL" pf_no_auth_no_mail
