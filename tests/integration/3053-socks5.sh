#!/bin/sh
# SOCKS5 (proxy_host, proxy_port): through tests/lib/socks5.py to the real
# Postfix, the host name goes to the proxy (ATYP 3, resolved there), TLS
# and the certificate check run end to end, and the message arrives. A
# proxy that refuses (reply 5): exit 75, the error gives its reason; one
# that never answers costs at most the timeout and a second.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 11

# socks_start [OPTION...]: the proxy, logging to $T/socks.log; sets SOCKS_PORT
socks_start() {
	rm -f "$T/socks.port" "$T/socks.log"
	python3 "$TEST_LIB/socks5.py" --port-file "$T/socks.port" \
	    --log "$T/socks.log" "$@" 2>"$T/socks.stderr" &
	SOCKS_PID=$!
	i=0
	while [ ! -s "$T/socks.port" ]; do
		i=$((i + 1))
		[ $i -le 100 ] && kill -0 "$SOCKS_PID" 2>/dev/null || {
			diag "socks5.py did not start:" "$(cat "$T/socks.stderr")"
			return 1
		}
		sleep 0.05
	done
	SOCKS_PORT=$(cat "$T/socks.port")
}

cat >"$T/msg" <<'M'
From: Sender <sender@example.test>
To: Recipient <rcpt@example.test>
Subject: through a SOCKS5 proxy
Message-ID: <3053@example.test>
Date: Sat, 28 Nov 2026 12:00:00 +0000

Hello through the tunnel.
M

socks_start
config_postfix "$T/rc" submission "proxy_host 127.0.0.1" \
    "proxy_port $SOCKS_PORT"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
wait "$SOCKS_PID"
check_rc "through the proxy: exit 0" 0
check_eq "nothing on stderr" "" "$err"
check_eq "the proxy was asked for the name, not an address" \
    "CONNECT atyp=3 host=localhost port=$PF_SUBMISSION_PORT" \
    "$(cat "$T/socks.log")"
to_lf "$T/msg" >"$T/want"
check_delivered "delivered byte for byte" "$T/want"

socks_start --reply 5
config_postfix "$T/rc" submission "proxy_host 127.0.0.1" \
    "proxy_port $SOCKS_PORT" "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
wait "$SOCKS_PID"
check_rc "the proxy refuses: exit 75" 75
check_err_at "the error gives the proxy's reason" "$PF_SUBMISSION_PORT" \
    "SOCKS5 proxy refused: connection refused by the destination"

# Nobody at the proxy's port: the error is about the proxy.
port=$(pf_free_ports 1)
config_postfix "$T/rc" submission "proxy_host 127.0.0.1" "proxy_port $port" \
    "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "no proxy listening: exit 75" 75
check_err_at "the error names the proxy" "$PF_SUBMISSION_PORT" \
    "SOCKS5 proxy 127.0.0.1: cannot connect: 127.0.0.1:"

# A proxy that accepts and never answers (the fake server, silent).
fake_start - <<'S'
sleep 8
S
config_postfix "$T/rc" submission "proxy_host 127.0.0.1" \
    "proxy_port $FAKE_PORT" "queue off" "timeout 2"
start=$(date +%s.%N)
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
check_rc "a silent proxy: exit 75" 75
check "within timeout + 1 s (took ${took}s)" \
    awk -v t="$took" 'BEGIN { exit !(t < 3) }'
check_err_at "the error says the proxy did not answer" "$PF_SUBMISSION_PORT" \
    "SOCKS5 proxy did not answer within 2 s"
