#!/bin/sh
# Every mechanism the test Postfix offers (PLAIN LOGIN CRAM-MD5 DIGEST-MD5
# SCRAM-SHA-1 SCRAM-SHA-256, Cyrus sasldb) logs in and delivers when
# named; "auth on" picks SCRAM-SHA-256 by itself; a named mechanism the
# server lacks is exit 77 with both sides' lists and nothing sent.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 23

printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <5003@example.test>" \
    "Subject: mechanisms" "" "body" >"$T/msg"

for mech in plain login cram-md5 digest-md5 scram-sha-1 scram-sha-256; do
	log_start=$(($(wc -l <"$PF_DIR/maillog") + 1))
	pf_clear_mail "$PF_DIR"
	config_postfix "$T/rc" smtps "auth $mech"
	postie_run -v -C "$T/rc" $mech@example.test <"$T/msg"
	check_rc "auth $mech: exit 0" 0
	M=$(echo $mech | tr a-z A-Z)
	if delivered 1; then ok "auth $mech: delivered"; else fail "auth $mech: delivered" "$(cat "$T/pf_wait")"; fi
	# Postfix writes its log line a moment after the reply.
	i=0
	while ! tail -n +"$log_start" "$PF_DIR/maillog" | grep -q "sasl_method=$M," && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	check "auth $mech: Postfix logged sasl_method=$M" sh -c \
	    "tail -n +$log_start '$PF_DIR/maillog' | grep -q 'sasl_method=$M, sasl_username=$PF_USER'"
done

# auth on: the strongest both have; -v says which and where the password came from
pf_clear_mail "$PF_DIR"
config_postfix "$T/rc" submission "auth on"
postie_run -v -C "$T/rc" on@example.test <"$T/msg"
check_rc "auth on: exit 0" 0
check "auth on: chose SCRAM-SHA-256" grep -q 'AUTH SCRAM-SHA-256' "$T/stderr"
check "auth on: -v names the password's source, not the password" sh -c \
    "grep -q 'password from the password key' '$T/stderr' && ! grep -q '$PF_PASSWORD' '$T/stderr'"

# named, but the server lacks it: the error has both lists, no AUTH, no mail
config_postfix "$T/rc" smtps "auth scram-sha-256-plus"
postie_run -C "$T/rc" plus@example.test <"$T/msg"
check_rc "auth scram-sha-256-plus, not offered: exit 77" 77
check_err_at "the error names it and what the server offers" "$PF_SMTPS_PORT" \
    "does not offer AUTH SCRAM-SHA-256-PLUS" "SCRAM-SHA-256" "CRAM-MD5"
