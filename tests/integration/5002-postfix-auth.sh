#!/bin/sh
# SASL against a real Postfix (Cyrus SASL, sasldb): each mechanism postie
# is asked for logs in and delivers; a wrong password exits 77 with 535;
# passwordeval supplies the password.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 12

printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <5002@example.test>" \
    "Subject: auth" "" "body" >"$T/msg"

log_start=$(($(wc -l <"$PF_DIR/maillog") + 1))
n=0
for mech in plain login scram-sha-256 scram-sha-1; do
	for kind in smtps submission; do
		[ "$kind" = submission ] && [ "$mech" != scram-sha-256 ] && continue
		config_postfix "$T/rc" $kind "auth $mech"
		postie_run -C "$T/rc" $mech.$kind@example.test <"$T/msg"
		check_rc "auth $mech over $kind: exit 0" 0
		n=$((n + 1))
	done
done
if delivered $n; then
	ok "all $n delivered"
else
	fail "all $n delivered" "$(cat "$T/pf_wait")"
fi
tail -n +"$log_start" "$PF_DIR/maillog" >"$T/maillog"
check "Postfix logged the SCRAM-SHA-256 logins" \
    grep -q 'sasl_method=SCRAM-SHA-256, sasl_username=alice' "$T/maillog"

pf_clear_mail "$PF_DIR"
config_postfix "$T/rc" smtps "password not-the-password"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "wrong password: exit 77" 77
check_err_at "one error line with the 535" "$PF_SMTPS_PORT" 535
check "the password is not on stderr" sh -c "! grep -q not-the-password '$T/stderr'"

# passwordeval instead of password (this file holds no password)
config_postfix "$T/rc" submission
grep -v '^password ' "$T/rc" >"$T/rc.eval"
printf 'passwordeval "printf %%s %s"\n' "$PF_PASSWORD" >>"$T/rc.eval"
sed -i "/^account default/d" "$T/rc.eval"
echo "account default : test" >>"$T/rc.eval"
chmod 600 "$T/rc.eval"
postie_run -C "$T/rc.eval" eval@example.test <"$T/msg"
check_rc "passwordeval: exit 0" 0
if delivered 1; then ok "passwordeval: delivered"; else fail "passwordeval: delivered" "$(cat "$T/pf_wait")"; fi
