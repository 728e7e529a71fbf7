#!/bin/sh
# Through Postfix with Dovecot's SASL server (smtpd_sasl_type dovecot),
# the way most self-hosted servers have it, the built-in SCRAM is checked
# by a second, independent server implementation (Cyrus's: 5055):
# - "auth on" logs in with SCRAM-SHA-256 (Dovecot 2.3 offers no -PLUS);
# - a password Dovecot keeps in plain text gets a new salt each login:
#   the cached keys are not used, -v says why, and the login's keys
#   replace them: one file after two logins, not two;
# - a password kept as SCRAM-SHA-256 has one salt: the second login uses
#   the cached keys, and Dovecot takes the proof made with them;
# - SCRAM-SHA-1 and PLAIN work too; a wrong password is exit 77 with
#   Dovecot's 535, and nothing is delivered.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
[ -n "${PF_DOVECOT_PORT:-}" ] ||
    skip_all "Dovecot is not installed (contrib/install-deps installs dovecot-core)"
plan 21

printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Subject: dovecot" "" "body" >"$T/msg"
scram_files() { find "$T/tls" -name 'scram-*' 2>/dev/null | sort; }

# login DESC USER AUTH [PASSWORD]: one submission through the Dovecot
# listener with -v; exit status, delivery and the method Postfix logged
login() {
	ld=$1 lu=$2 la=$3 lp=${4:-$PF_PASSWORD}
	log_start=$(($(wc -l <"$PF_DIR/maillog") + 1))
	pf_clear_mail "$PF_DIR"
	config_postfix "$T/rc" smtps "port $PF_DOVECOT_PORT" "user $lu" \
	    "password $lp" "auth $la" "queue off"
	postie_run -v -C "$T/rc" rcpt@example.test <"$T/msg"
}
# logged DESC METHOD USER: Postfix logged that SASL login for the session
logged() {
	pf_sessions_since "$log_start" 1
	check "$1: Postfix (Dovecot) logged sasl_method=$2" \
	    grep -q "postfix/dovecot/smtpd.*sasl_method=$2, sasl_username=$3\$" "$T/maillog"
}
arrived() {
	if delivered 1; then ok "$1: delivered"; else fail "$1: delivered" "$(cat "$T/pf_wait")"; fi
}

login "plain-text password, first login" "$PF_USER" on
check_rc "plain-text password, first login: exit 0" 0
arrived "plain-text password, first login"
logged "plain-text password, first login" SCRAM-SHA-256 "$PF_USER"
F=$(scram_files)
check "plain-text password, first login: keys cached" \
    grep -q "SCRAM keys cached in $F\$" "$T/stderr"

login "plain-text password, second login" "$PF_USER" on
check_rc "plain-text password, second login: exit 0" 0
arrived "plain-text password, second login"
check "plain-text password, second login: Dovecot's new salt, -v says so" \
    grep -q "SCRAM key cache $F: made for another salt or count" "$T/stderr"
check_eq "plain-text password, second login: still one file" "$F" "$(scram_files)"

rm -rf "$T/tls"
login "SCRAM-SHA-256 stored, first login" "$PF_SCRAM_USER" on
check_rc "SCRAM-SHA-256 stored, first login: exit 0" 0
arrived "SCRAM-SHA-256 stored, first login"
login "SCRAM-SHA-256 stored, second login" "$PF_SCRAM_USER" on
check_rc "SCRAM-SHA-256 stored, second login: exit 0" 0
check "SCRAM-SHA-256 stored, second login: the keys from the cache" \
    grep -q "SCRAM keys from the cache $T/tls/scram-[0-9a-f]* (no PBKDF2)" "$T/stderr"
arrived "SCRAM-SHA-256 stored, second login"
logged "SCRAM-SHA-256 stored, second login" SCRAM-SHA-256 "$PF_SCRAM_USER"

login "SCRAM-SHA-1" "$PF_USER" scram-sha-1
check_rc "SCRAM-SHA-1: exit 0" 0
logged "SCRAM-SHA-1" SCRAM-SHA-1 "$PF_USER"

login "PLAIN" "$PF_USER" plain
check_rc "PLAIN: exit 0" 0
logged "PLAIN" PLAIN "$PF_USER"

login "wrong password" "$PF_USER" on not-the-password
check_rc "wrong password: exit 77" 77
check_err_any "wrong password: Dovecot's 535 named" "AUTH SCRAM-SHA-256: 535 "
pf_sessions_since "$log_start" 1
check "wrong password: Postfix saw the login fail and no MAIL" \
    grep -q 'disconnect from .* auth=0/1 quit=1 commands=2/3$' "$T/maillog"
