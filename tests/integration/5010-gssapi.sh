#!/bin/sh
# GSSAPI and GS2-KRB5 (Kerberos) against a throwaway MIT KDC and a Postfix
# instance of this script's own that knows the service key: postie, given
# a ticket for alice (KRB5CCNAME), logs in without any password and
# delivers; without a ticket, exit 77 and no password is asked for.
. "$(dirname "$0")/../lib/lib.sh"
PATH=$PATH:/usr/sbin:/sbin
[ "$(id -u)" -eq 0 ] || skip_all "needs root (Postfix's master runs as root)"
for c in krb5kdc kdb5_util kadmin.local kinit postfix; do
	command -v $c >/dev/null 2>&1 || skip_all "$c not found (run contrib/install-deps)"
done
[ -e /usr/lib/x86_64-linux-gnu/sasl2/libgssapiv2.so ] || [ -n "$(find /usr/lib* -name libgssapiv2.so 2>/dev/null | head -n 1)" ] ||
    skip_all "no libsasl2 GSSAPI plugin (install libsasl2-modules-gssapi-mit)"
plan 9

# The sanitizer build: Debian's libsasl2 GSSAPI plugin never releases the
# credential libgssapi_krb5 acquires for the exchange (gss_acquire_cred_from).
# That memory is the Kerberos libraries', not postie's: ignore leaks whose
# stack is inside them, and only those.
printf '%s\n' 'leak:libgssapi_krb5.so' 'leak:libkrb5.so' >"$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

K=$T/krb
mkdir -p "$K"
chmod 755 "$T" "$K"   # smtpd runs as postfix and reads the keytab here
kport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$K/krb5.conf" <<EOF
[libdefaults]
	default_realm = EXAMPLE.TEST
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
[realms]
	EXAMPLE.TEST = {
		kdc = 127.0.0.1:$kport
	}
[domain_realm]
	localhost = EXAMPLE.TEST
EOF
cat >"$K/kdc.conf" <<EOF
[kdcdefaults]
	kdc_ports = $kport
	kdc_tcp_ports = $kport
[realms]
	EXAMPLE.TEST = {
		database_name = $K/principal
		key_stash_file = $K/stash
		acl_file = $K/kadm5.acl
	}
[logging]
	kdc = FILE:$K/kdc.log
EOF
chmod 644 "$K/krb5.conf"
export KRB5_CONFIG="$K/krb5.conf" KRB5_KDC_PROFILE="$K/kdc.conf" KRB5CCNAME="FILE:$K/cc"
kadm() { kadmin.local -q "$1" >>"$K/kadmin.log" 2>&1; }
kdb5_util create -s -r EXAMPLE.TEST -P "master-$$" >"$K/kdb.log" 2>&1 ||
    { fail "kdb5_util create" "$(cat "$K/kdb.log")"; exit 1; }
kadm "addprinc -pw alice-krb-pw alice"
kadm "addprinc -randkey smtp/localhost"
kadm "ktadd -k $K/smtp.keytab smtp/localhost"
chown postfix "$K/smtp.keytab"
krb5kdc -n -P "$K/kdc.pid" >"$K/kdc.out" 2>&1 &
fake_pids="$fake_pids $!"

# Postfix, as tests/lib/postfix.sh builds it, named localhost (the
# service principal is smtp/localhost), with the keytab and GSSAPI.
trap 'tst=$?; pf_stop "$T/pf" >/dev/null 2>&1; (exit $tst); tap_end' EXIT
pf_start "$T/pf" "$TEST_CA" 2>"$T/pf.err" || { fail "Postfix started" "$(cat "$T/pf.err")"; exit 1; }
. "$T/pf/env"
postconf -c "$T/pf/etc" -e "myhostname = localhost" \
    "import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C KRB5_KTNAME=FILE:$K/smtp.keytab KRB5_CONFIG=$K/krb5.conf"
sed -i 's/^mech_list: .*/& GSSAPI GS2-KRB5/' "$T/pf/etc/sasl/smtpd.conf"
postfix -c "$T/pf/etc" stop >/dev/null 2>&1
postfix -c "$T/pf/etc" start >/dev/null 2>&1
i=0
until pf_port_open "$PF_SMTPS_PORT" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done

printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Subject: kerberos" "" "body" >"$T/msg"
# config_krb MECH: the account, with a user but no password anywhere
config_krb() {
	write_config "$T/rc" <<EOF
defaults
tls_trust_file $TEST_CA/ca.pem
queue_dir $T/queue
tls_session_cache $T/tls
queue off
account test
host localhost
port $PF_SMTPS_PORT
tls on
tls_starttls off
auth $1
user alice
from sender@example.test
account default : test
EOF
}

echo alice-krb-pw | kinit alice >"$K/kinit.log" 2>&1
check "kinit alice" test -s "$K/cc"
for mech in gssapi gs2-krb5; do
	M=$(echo $mech | tr a-z A-Z)
	config_krb $mech
	log_start=$(($(wc -l <"$T/pf/maillog") + 1))
	postie_run -C "$T/rc" $mech@example.test <"$T/msg"
	check_rc "auth $mech with a ticket: exit 0" 0
	i=0
	while ! tail -n +"$log_start" "$T/pf/maillog" | grep -q "sasl_method=$M," && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	check "auth $mech: Postfix logged sasl_method=$M for alice" sh -c \
	    "tail -n +$log_start '$T/pf/maillog' | grep -q 'sasl_method=$M, sasl_username=alice@'"
done
PF_DIR=$T/pf
if delivered 2; then ok "both messages delivered"; else fail "both messages delivered" "$(cat "$T/pf_wait")"; fi

# No ticket: refused, exit 77, no prompt, nothing delivered.
kdestroy >/dev/null 2>&1 || rm -f "$K/cc"
config_krb gssapi
XDG_STATE_HOME=$T/state setsid -w timeout 60 "$POSTIE" -C "$T/rc" rcpt@example.test \
    <"$T/msg" >"$T/stdout" 2>"$T/stderr"
rc=$? err=$(cat "$T/stderr")
check_rc "no ticket: exit 77" 77
check_err_at "no ticket: one error line" "$PF_SMTPS_PORT" "GSSAPI"
check "no ticket: no password was asked for" sh -c "! grep -qi 'password for' '$T/stderr'"
