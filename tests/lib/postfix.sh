#!/bin/sh
# postfix.sh: a private Postfix instance on loopback for postie's tests.
#
# Source it for the pf_* functions, or run it:
#   postfix.sh start DIR [CADIR]    build DIR/etc, start, wait for both ports
#   postfix.sh stop DIR             stop it and anything it left behind
#   postfix.sh wait-mail DIR N [TIMEOUT]
#   postfix.sh strip-trace FILE
#
# Everything lives under DIR (config, queue, data, mail, sasldb, log); the
# machine's own Postfix configuration is neither read nor changed. Needs root
# (Postfix's master runs as root) and Postfix, saslpasswd2, python3.
#
# After start, DIR/env holds shell assignments:
#   PF_SMTPS_PORT       implicit TLS (wrapper mode), AUTH required
#   PF_SUBMISSION_PORT  STARTTLS required before AUTH, AUTH required
#   PF_MAILDIR          the one Maildir every accepted message lands in
#   PF_USER PF_PASSWORD the SASL account (login name without realm)
#   PF_DOVECOT_PORT     implicit TLS, AUTH through Dovecot's SASL server
#                       (smtpd_sasl_type dovecot), the way most self-hosted
#                       servers have it; empty when Dovecot is not installed.
#                       Its users: PF_USER with the password stored in
#                       plain text, so Dovecot derives SCRAM afresh with
#                       each login's own salt; and PF_SCRAM_USER ("carol",
#                       same password) stored as SCRAM-SHA-256 (one salt)
# Mail to any address @example.test is delivered (one file per recipient);
# any other domain is refused at RCPT with 554 (no relaying for anyone);
# reject@example.test is refused with 550 and tempfail@example.test with 450.
# A bare LF inside DATA is refused with 550 (the client must send CRLF).
# DIR/maillog is Postfix's log.

PF_USER=alice
PF_PASSWORD=wonderland-secret
PF_DOMAIN=example.test

pf_die() {
	echo "postfix.sh: $*" >&2
	return 1
}

# pf_free_ports N: print N currently free loopback TCP ports
pf_free_ports() {
	python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# pf_port_open PORT: does something accept on 127.0.0.1:PORT?
pf_port_open() {
	python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
' "$1"
}

pf_write_main_cf() {
	# $1 DIR  $2 CADIR
	cat >"$1/etc/main.cf" <<EOF
# Written by tests/lib/postfix.sh; private to the tests.
compatibility_level = 3.6
config_directory = $1/etc
queue_directory = $1/queue
data_directory = $1/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.$PF_DOMAIN
mydomain = $PF_DOMAIN
myorigin = \$mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
alias_maps =
alias_database =
local_recipient_maps =
smtputf8_enable = yes
maillog_file = $1/maillog
maillog_file_prefixes = $1
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C

# Deliver everything for example.test into one Maildir, as nobody.
virtual_mailbox_domains = $PF_DOMAIN
virtual_mailbox_base = $1/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:$3
virtual_gid_maps = static:$4
virtual_minimum_uid = 1
virtual_mailbox_limit = 0
mailbox_size_limit = 0
message_size_limit = 209715200
local_transport = error:no local delivery in the tests
default_transport = error:no outside delivery in the tests
relayhost =

# Leave the message alone: no headers added for loopback clients, no
# rewriting, no MIME conversion; only the trace headers are prepended.
local_header_rewrite_clients =
always_add_missing_headers = no
append_dot_mydomain = no
disable_mime_output_conversion = yes
# Strict about the wire format: a bare LF in DATA is refused with 550.
smtpd_forbid_bare_newline = reject
smtpd_forbid_bare_newline_exclusions =

# Submission only: SASL for everyone, no relaying for anyone.
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $1/etc/sasl
smtpd_sasl_local_domain = $PF_DOMAIN
smtpd_sasl_security_options = noanonymous
smtpd_sasl_auth_enable = yes
smtpd_client_restrictions =
smtpd_helo_restrictions =
smtpd_sender_restrictions =
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access
    inline:{ {reject@$PF_DOMAIN=550 5.1.1 refused by the test server},
    {tempfail@$PF_DOMAIN=450 4.2.0 try again later} },
    permit_sasl_authenticated, reject
smtpd_delay_reject = yes

smtpd_tls_chain_files = $2/server.key, $2/server.pem
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1
smtpd_tls_received_header = no
smtpd_tls_session_cache_database =
tls_random_source = dev:/dev/urandom
EOF
}

pf_write_master_cf() {
	# $1 DIR  $2 smtps port  $3 submission port  [$4 Dovecot SASL port]
	cat >"$1/etc/master.cf" <<EOF
# Written by tests/lib/postfix.sh; no chroot anywhere.
127.0.0.1:$2 inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
127.0.0.1:$3 inet n - n - - smtpd
  -o syslog_name=postfix/submission
EOF
	[ -z "${4:-}" ] || cat >>"$1/etc/master.cf" <<EOF
127.0.0.1:$4 inet n - n - - smtpd
  -o syslog_name=postfix/dovecot
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=$1/dovecot/run/auth-client
EOF
	cat >>"$1/etc/master.cf" <<EOF
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
local     unix - n n - - local
virtual   unix - n n - - virtual
lmtp      unix - - n - - lmtp
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

pf_write_sasl() {
	# $1 DIR
	# Debian's Postfix reads $config_directory/sasl/ whatever cyrus_sasl_config_path says.
	mkdir -p "$1/etc/sasl"
	cat >"$1/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $1/sasldb2
mech_list: PLAIN LOGIN SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 DIGEST-MD5
EOF
	rm -f "$1/sasldb2"
	printf '%s' "$PF_PASSWORD" |
	    saslpasswd2 -f "$1/sasldb2" -a smtpd -u "$PF_DOMAIN" -c -p "$PF_USER" ||
	    return 1
	chown root:postfix "$1/sasldb2"
	chmod 640 "$1/sasldb2"
}

# pf_have_dovecot: is Dovecot installed?
pf_have_dovecot() {
	PATH=$PATH:/usr/sbin:/sbin command -v dovecot >/dev/null 2>&1
}

# pf_start_dovecot DIR: a private Dovecot under DIR/dovecot with no
# protocols, only its SASL server for Postfix (auth-client socket)
pf_start_dovecot() {
	pf_dv=$1/dovecot
	mkdir -p "$pf_dv" || return 1
	chmod 755 "$pf_dv"
	pf_scram=$(doveadm pw -s SCRAM-SHA-256 -p "$PF_PASSWORD") || return 1
	printf '%s:{PLAIN}%s\ncarol:%s\n' "$PF_USER" "$PF_PASSWORD" \
	    "$pf_scram" >"$pf_dv/users"
	chown root:dovecot "$pf_dv/users"
	chmod 640 "$pf_dv/users"
	cat >"$pf_dv/dovecot.conf" <<EOF
# Written by tests/lib/postfix.sh; private to the tests.
base_dir = $pf_dv/run
state_dir = $pf_dv/state
instance_name = postie-tests-$$
protocols = none
listen = 127.0.0.1
log_path = $pf_dv/log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login scram-sha-1 scram-sha-256
passdb {
  driver = passwd-file
  args = username_format=%n $pf_dv/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener auth-client {
    mode = 0666
  }
}
EOF
	# Its standard descriptors go to the log: the daemon keeps them, and a
	# caller reading this script's output (bench/run) would wait forever.
	dovecot -c "$pf_dv/dovecot.conf" </dev/null >>"$pf_dv/log" 2>&1 ||
	    return 1
	pf_i=0
	until [ -S "$pf_dv/run/auth-client" ]; do
		pf_i=$((pf_i + 1))
		[ "$pf_i" -lt 100 ] || return 1
		sleep 0.1
	done
}

# pf_stop_dovecot DIR: stop DIR's Dovecot, if it runs
pf_stop_dovecot() {
	pf_dvm=$(cat "$1/dovecot/run/master.pid" 2>/dev/null) || return 0
	kill "$pf_dvm" 2>/dev/null || return 0
	pf_i=0
	while kill -0 "$pf_dvm" 2>/dev/null && [ "$pf_i" -lt 50 ]; do
		sleep 0.1
		pf_i=$((pf_i + 1))
	done
	kill -9 "$pf_dvm" 2>/dev/null
	return 0
}

# pf_start DIR [CADIR]: configure and start an instance, wait for its ports
pf_start() {
	pf_dir=$1
	pf_ca=${2:-$1/ca}
	[ "$(id -u)" -eq 0 ] || { pf_die "needs root (Postfix's master runs as root)"; return 1; }
	for c in postfix postconf saslpasswd2 python3; do
		command -v "$c" >/dev/null 2>&1 ||
		    PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null 2>&1 ||
		    { pf_die "$c not found (run contrib/install-deps)"; return 1; }
	done
	PATH=$PATH:/usr/sbin:/sbin
	case $pf_dir in /*) ;; *) pf_dir=$(pwd)/$pf_dir ;; esac
	case $pf_ca in /*) ;; *) pf_ca=$(pwd)/$pf_ca ;; esac
	pf_stop "$pf_dir" 2>/dev/null
	mkdir -p "$pf_dir/etc" "$pf_dir/queue" "$pf_dir/data" || return 1
	# Postfix's users must reach the queue, the Maildir and the sasldb.
	chmod 755 "$pf_dir"
	if [ ! -s "$pf_ca/server.pem" ]; then
		sh "${PF_LIB:-$(dirname "$0")}/mkca.sh" "$pf_ca" || return 1
	fi
	chown postfix "$pf_dir/data"
	pf_uid=$(id -u nobody) pf_gid=$(id -g nobody)
	mkdir -p "$pf_dir/mail/inbox/new" "$pf_dir/mail/inbox/cur" "$pf_dir/mail/inbox/tmp"
	chown -R "$pf_uid:$pf_gid" "$pf_dir/mail"
	chmod 755 "$pf_dir/mail"
	set -- $(pf_free_ports 3)
	if pf_have_dovecot; then
		pf_start_dovecot "$pf_dir" ||
		    { pf_die "Dovecot did not start; see $pf_dir/dovecot/log"; return 1; }
	else
		set -- "$1" "$2" ""
	fi
	pf_write_main_cf "$pf_dir" "$pf_ca" "$pf_uid" "$pf_gid"
	pf_write_master_cf "$pf_dir" "$1" "$2" "$3"
	pf_write_sasl "$pf_dir" || { pf_die "saslpasswd2 failed"; return 1; }
	cat >"$pf_dir/env" <<EOF
PF_DIR=$pf_dir
PF_SMTPS_PORT=$1
PF_SUBMISSION_PORT=$2
PF_DOVECOT_PORT=$3
PF_MAILDIR=$pf_dir/mail/inbox
PF_USER=$PF_USER
PF_SCRAM_USER=carol
PF_PASSWORD=$PF_PASSWORD
EOF
	: >"$pf_dir/maillog"
	if ! postfix -c "$pf_dir/etc" start >"$pf_dir/start.log" 2>&1; then
		pf_die "postfix start failed: $(tail -n 3 "$pf_dir/start.log" | tr '\n' ' ')"
		return 1
	fi
	pf_i=0
	until pf_port_open "$1" && pf_port_open "$2" &&
	    { [ -z "$3" ] || pf_port_open "$3"; }; do
		pf_i=$((pf_i + 1))
		if [ "$pf_i" -ge 100 ]; then
			pf_die "ports $1/$2 not listening after 10s; see $pf_dir/maillog"
			return 1
		fi
		sleep 0.1
	done
}

# pf_pids DIR: the instance's master and its children
pf_pids() {
	pf_m=$(tr -d ' \n' <"$1/queue/pid/master.pid" 2>/dev/null)
	[ -n "$pf_m" ] || return 0
	case $(ps -o args= -p "$pf_m" 2>/dev/null) in
	*master*) echo "$pf_m"; ps -o pid= --ppid "$pf_m" ;;
	esac
}

# pf_alive PID...: print those still running
pf_alive() {
	for pf_p; do
		kill -0 "$pf_p" 2>/dev/null && echo "$pf_p"
	done
}

# pf_stop DIR: stop the instance and make sure none of it is left
pf_stop() {
	pf_stop_dovecot "$1"
	[ -f "$1/etc/main.cf" ] || return 0
	PATH=$PATH:/usr/sbin:/sbin
	pf_left=$(pf_pids "$1")
	postfix -c "$1/etc" stop >/dev/null 2>&1
	pf_i=0
	while [ -n "$pf_left" ] && [ "$pf_i" -lt 50 ]; do
		sleep 0.1
		pf_left=$(pf_alive $pf_left)
		pf_i=$((pf_i + 1))
	done
	for pf_p in $pf_left; do
		kill -9 "$pf_p" 2>/dev/null
	done
	return 0
}

# pf_mail_count DIR: number of delivered messages in the Maildir
pf_mail_count() {
	find "$1/mail/inbox/new" -type f | wc -l | tr -d ' '
}

# pf_queue_empty DIR: nothing left in Postfix's queue
pf_queue_empty() {
	[ -z "$(find "$1/queue/maildrop" "$1/queue/incoming" "$1/queue/active" \
	    "$1/queue/deferred" "$1/queue/hold" -type f 2>/dev/null)" ]
}

# pf_wait_mail DIR N [TIMEOUT]: wait until N messages are in new/ and the
# queue is empty; fail (listing what is there) on timeout
pf_wait_mail() {
	pf_deadline=$(($(date +%s) + ${3:-20}))
	while :; do
		pf_n=$(pf_mail_count "$1")
		if [ "$pf_n" -ge "$2" ] && pf_queue_empty "$1"; then
			[ "$pf_n" -eq "$2" ] && return 0
			echo "pf_wait_mail: $pf_n messages, expected $2" >&2
			return 1
		fi
		if [ "$(date +%s)" -ge "$pf_deadline" ]; then
			echo "pf_wait_mail: $pf_n of $2 messages after ${3:-20}s" >&2
			return 1
		fi
		sleep 0.1
	done
}

# pf_clear_mail DIR: empty the Maildir before a test
pf_clear_mail() {
	find "$1/mail/inbox/new" "$1/mail/inbox/cur" -type f -exec rm -f {} +
}

# pf_strip_trace FILE: print a delivered message without what Postfix
# prepended: Return-Path:, X-Original-To:, Delivered-To: (any number) and
# then one Received: header, each with its continuation lines.
pf_strip_trace() {
	python3 - "$1" <<'PY'
import sys
with open(sys.argv[1], "rb") as f:
    data = f.read()
pos, received = 0, False
while pos < len(data):
    end = data.find(b"\n", pos)
    end = len(data) if end < 0 else end + 1
    while end < len(data) and data[end:end + 1] in (b" ", b"\t"):
        nxt = data.find(b"\n", end)
        end = len(data) if nxt < 0 else nxt + 1
    name = data[pos:data.find(b":", pos, end)].lower() if b":" in data[pos:end] else b""
    if name in (b"return-path", b"x-original-to", b"delivered-to") and not received:
        pos = end
    elif name == b"received" and not received:
        received, pos = True, end
    else:
        break
sys.stdout.buffer.write(data[pos:])
PY
}

if [ "${0##*/}" = postfix.sh ]; then
	PF_LIB=$(cd "$(dirname "$0")" && pwd)
	pf_usage() {
		echo "usage: postfix.sh start DIR [CADIR] | stop DIR |" \
		    "wait-mail DIR N [TIMEOUT] | strip-trace FILE" >&2
		exit 64
	}
	cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $cmd:$# in
	start:1 | start:2) pf_start "$@" ;;
	stop:1) pf_stop "$1" ;;
	wait-mail:2 | wait-mail:3) pf_wait_mail "$@" ;;
	strip-trace:1) pf_strip_trace "$1" ;;
	*) pf_usage ;;
	esac
fi
