#!/bin/sh
# postie --import: an ssmtp, a nullmailer and a dma set-up, each pointed
# at the test Postfix, become postie configurations: the exact text is
# compared (what was carried over, the comments on what was not or what
# changed), and each account it prints delivers a message to Postfix
# with the credentials it carried over. An unreadable file exits 66, a
# file of no known format 78, an unknown format name 64: one line each.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 25

printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Subject: imported" "" "body" >"$T/msg"
CA=$TEST_CA/ca.pem

# send_with OUT ACCOUNT RCPT: the printed configuration, with this test's
# queue before it, sends $T/msg through ACCOUNT
send_with() {
	{ printf 'defaults\nqueue_dir %s\ntls_session_cache off\n\n' "$T/queue"
	  cat "$1"; } | write_config "$T/imported.rc"
	postie_run -C "$T/imported.rc" -a "$2" "$3" <"$T/msg"
}
# check_sent DESC N: N messages reached the Maildir so far
check_sent() {
	if delivered "$2"; then ok "$1"; else fail "$1" "$(cat "$T/pf_wait")"; fi
}

# --- ssmtp: implicit TLS, its CA, AUTH, RewriteDomain, revaliases ------
mkdir "$T/ssmtp"
cat >"$T/ssmtp/ssmtp.conf" <<CONF
# /etc/ssmtp/ssmtp.conf
root=postmaster@example.test
mailhub=localhost:$PF_SMTPS_PORT
RewriteDomain=example.test
hostname=client.example.test
UseTLS=YES
TLS_CA_File=$CA
AuthUser=$PF_USER
AuthPass=$PF_PASSWORD
FromLineOverride=YES
CONF
printf '%s\n' "# sender per local user" "bob:bob@example.test" \
    "carol:carol@example.test:localhost:$PF_SUBMISSION_PORT" >"$T/ssmtp/revaliases"
postie_run --import "$T/ssmtp/ssmtp.conf"
check_rc "ssmtp: exit 0" 0
check_eq "ssmtp: nothing on stderr" "" "$err"
cat >"$T/want" <<WANT
# postie configuration from the ssmtp set-up $T/ssmtp/ssmtp.conf
# (postie --import). Check it, then save it as ~/.config/postie/config,
# or for the whole machine as /etc/postie.conf (root:postie).
# It holds a password: the file must be mode 0600 (0640 root:postie for
# /etc/postie.conf), or postie refuses it.
#
# Not carried over, or changed:
# - root=postmaster@example.test: postie sends mail for root where an
#   aliases file says: write 'root: postmaster@example.test' and 'default:
#   postmaster@example.test' in one and name it with 'aliases FILE'

account default
host localhost
port $PF_SMTPS_PORT
tls on
tls_starttls off
tls_trust_file $CA
auth on
user $PF_USER
password $PF_PASSWORD
from %U@example.test
domain client.example.test
rewrite_domain example.test

account bob : default
# - revaliases: the mail of bob; postie picks this account with -a bob, or
#   for the sender bob@example.test
from bob@example.test

account carol : default
# - revaliases: the mail of carol; postie picks this account with -a carol,
#   or for the sender carol@example.test
host localhost
port $PF_SUBMISSION_PORT
tls on
tls_starttls off
from carol@example.test
WANT
check_file_eq "ssmtp: the configuration printed" "$T/want" "$T/stdout"
cp "$T/stdout" "$T/ssmtp.out"
send_with "$T/ssmtp.out" default rcpt@example.test
check_rc "ssmtp: its default account delivers" 0
send_with "$T/ssmtp.out" bob rcpt@example.test
check_rc "ssmtp: the revaliases account bob delivers" 0
check_sent "ssmtp: both reached Postfix" 2
check "ssmtp: bob's message has bob's envelope sender" \
    sh -c "cat \$(cat '$T/delivered') | grep -q '^Return-Path: <bob@example.test>'"
pf_clear_mail "$PF_DIR"

# --- nullmailer: STARTTLS and implicit TLS remotes, me, adminaddr ------
mkdir "$T/nullmailer"
printf '%s\n' "# the relays, in turn" \
    "localhost smtp --port=$PF_SUBMISSION_PORT --starttls --user=$PF_USER --pass=$PF_PASSWORD --x509cafile=$CA" \
    "localhost smtp --port=$PF_SMTPS_PORT --ssl --user=$PF_USER --pass=$PF_PASSWORD --x509cafile=$CA --insecure" \
    "old.example.test qmqp" >"$T/nullmailer/remotes"
echo client >"$T/nullmailer/me"
echo example.test >"$T/nullmailer/defaultdomain"
echo admin@example.test >"$T/nullmailer/adminaddr"
postie_run --import "$T/nullmailer/remotes"
check_rc "nullmailer: exit 0" 0
cat >"$T/want" <<WANT
# postie configuration from the nullmailer set-up $T/nullmailer/remotes
# (postie --import). Check it, then save it as ~/.config/postie/config,
# or for the whole machine as /etc/postie.conf (root:postie).
# It holds a password: the file must be mode 0600 (0640 root:postie for
# /etc/postie.conf), or postie refuses it.
#
# Not carried over, or changed:
# - the QMQP remote old.example.test: postie speaks SMTP only: left out
# - nullmailer tried the remotes in turn; postie sends through the default
#   account, the others with -a NAME
# - adminaddr admin@example.test: mail for local users went there; with
#   postie write 'default: admin@example.test' in an aliases file and name
#   it with 'aliases FILE'

account default
host localhost
port $PF_SUBMISSION_PORT
tls on
tls_starttls on
tls_trust_file $CA
auth on
user $PF_USER
password $PF_PASSWORD
from %U@client.example.test
domain client
rewrite_domain client.example.test

account remote2
# - nullmailer did not check the server's certificate here; postie refuses
#   to skip the check
host localhost
port $PF_SMTPS_PORT
tls on
tls_starttls off
tls_trust_file $CA
auth on
user $PF_USER
password $PF_PASSWORD
from %U@client.example.test
domain client
rewrite_domain client.example.test
WANT
check_file_eq "nullmailer: the configuration printed" "$T/want" "$T/stdout"
cp "$T/stdout" "$T/nullmailer.out"
send_with "$T/nullmailer.out" default rcpt@example.test
check_rc "nullmailer: the default account (STARTTLS) delivers" 0
send_with "$T/nullmailer.out" remote2 rcpt@example.test
check_rc "nullmailer: remote2 (implicit TLS, checked after all) delivers" 0
check_sent "nullmailer: both reached Postfix" 2
pf_clear_mail "$PF_DIR"

# --- dma: SECURETRANSFER, its FINGERPRINT, auth.conf by AUTHPATH -------
mkdir "$T/dma"
fp=$(certtool --fingerprint --hash sha256 --infile "$TEST_CA/server.pem")
cat >"$T/dma/dma.conf" <<CONF
# dma.conf
SMARTHOST localhost
PORT $PF_SMTPS_PORT
AUTHPATH $T/dma/secrets
SECURETRANSFER
INSECURE
FINGERPRINT $fp
MASQUERADE example.test
SPOOLDIR /var/spool/dma
CONF
printf '%s\n' "other|mx.example.test:nope" "$PF_USER|localhost:$PF_PASSWORD" >"$T/dma/secrets"
postie_run --import "$T/dma/dma.conf"
check_rc "dma: exit 0" 0
fpc=$(cert_sha256 "$TEST_CA/server.pem")
cat >"$T/want" <<WANT
# postie configuration from the dma set-up $T/dma/dma.conf
# (postie --import). Check it, then save it as ~/.config/postie/config,
# or for the whole machine as /etc/postie.conf (root:postie).
# It holds a password: the file must be mode 0600 (0640 root:postie for
# /etc/postie.conf), or postie refuses it.
#
# Not carried over, or changed:
# - SPOOLDIR: postie's queue and checks are its own: nothing to carry over

account default
# - INSECURE (log in without TLS): refused; postie sends a password only
#   over TLS
host localhost
port $PF_SMTPS_PORT
tls on
tls_starttls off
tls_fingerprint $fpc
auth on
user $PF_USER
password $PF_PASSWORD
from %U@example.test
WANT
check_file_eq "dma: the configuration printed" "$T/want" "$T/stdout"
cp "$T/stdout" "$T/dma.out"
send_with "$T/dma.out" default rcpt@example.test
check_rc "dma: its account (pinned by dma's fingerprint) delivers" 0
check_sent "dma: it reached Postfix" 1
pf_clear_mail "$PF_DIR"

# --- what is refused -----------------------------------------------------
# ssmtp without TLS to a remote host: STARTTLS asked for, and said so;
# the certificate checked against the system's CAs: the pin hint.
printf 'mailhub=mail.example.test\n' >"$T/plain.conf"
postie_run --import "ssmtp:$T/plain.conf"
check_rc "ssmtp without TLS (named by ssmtp:): exit 0" 0
check "ssmtp without TLS: STARTTLS on port 25, and why" sh -c \
    "grep -q '^tls_starttls on\$' '$T/stdout' && grep -q '^port 25\$' '$T/stdout' && grep -q 'ssmtp sent this mail without TLS; postie never does' '$T/stdout'"
check "ssmtp without a CA: the --serverinfo pin hint" \
    grep -q "pin it with the tls_fingerprint line that 'postie" "$T/stdout"
check "no password: no mode warning" sh -c "! grep -q 'holds a password' '$T/stdout'"

postie_run --import "$T/missing.conf"
check_rc "unreadable file: exit 66" 66
check_err "unreadable file: one line naming it" "cannot read $T/missing.conf"
printf 'hello world\n' >"$T/unknown"
postie_run --import "$T/unknown"
check_rc "unknown format: exit 78" 78
check_err "unknown format: one line with the hint" "not an ssmtp.conf" "ssmtp:FILE"
postie_run --import "exim:$T/unknown"
check_rc "unknown format name: exit 64" 64
