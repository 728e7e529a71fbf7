#!/bin/sh
# source_ip: the connection leaves from that address (the fake server
# records its peer); an address this machine does not have is a one-line
# error naming it; a malformed one is a configuration error (78).
. "$(dirname "$0")/../lib/lib.sh"
plan 7

printf 'From: sender@example.test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nSubject: x\n\nbody\n' >"$T/msg"
fake_start serve
config_fake "$T/rc" "$FAKE_PORT" starttls "source_ip 127.0.0.2"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "delivered: exit 0" 0
check "the server saw the connection come from 127.0.0.2" \
    grep -q '^# connection 1 from 127\.0\.0\.2:' "$T/transcript"
check "and the message arrived" test -s "$T/data"

# 192.0.2.1 (TEST-NET-1, RFC 5737) is on no interface here.
port=$(pf_free_ports 1)
config_fake "$T/rc" "$port" starttls "source_ip 192.0.2.1" "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "an address not on this machine: exit 75" 75
check_err_at "the error names source_ip and the address" "$port" \
    "cannot bind to source_ip 192.0.2.1"

config_fake "$T/rc" "$port" starttls "source_ip 127.0.0.300" "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "a malformed address: exit 78" 78
check_err "the error names the key and the value" "source_ip" "127.0.0.300"
