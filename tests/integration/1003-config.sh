#!/bin/sh
# Configuration errors exit 78 (EX_CONFIG) before any connection: a
# password in a file group or others can read, an unknown account.
. "$(dirname "$0")/../lib/lib.sh"
plan 6

printf 'Subject: x\n\nbody\n' >"$T/msg"
# nothing listens on this port: a connection attempt would exit 75
port=$(pf_free_ports 1)
{
	printf '%s\n' defaults "tls_trust_file $TEST_CA/ca.pem" account\ test \
	    "host localhost" "port $port" "tls on" "tls_starttls off" "auth on" \
	    "user alice" "password wonderland-secret" "from sender@example.test" \
	    "queue_dir $T/queue" "tls_session_cache $T/tls" "account default : test"
} | write_config "$T/rc"

chmod 644 "$T/rc"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "a world-readable file with a password exits 78" 78
check_err "the error names the file" "$T/rc"

chmod 640 "$T/rc"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "a group-readable file with a password exits 78" 78

chmod 600 "$T/rc"
postie_run -C "$T/rc" -a nosuchaccount rcpt@example.test <"$T/msg"
check_rc "an unknown account exits 78" 78
check_err "the error names the account" nosuchaccount

# the same file at 0600 is fine: now it gets as far as connecting, finds
# nobody, and queues the message
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_err "at mode 0600 it connects, finds nobody and queues" queued \
    "cannot connect"
