#!/bin/sh
# The built-in SCRAM against the test Postfix (Cyrus, sasldb): "auth on"
# logs in with SCRAM-SHA-256 and caches the keys; the second run uses
# them (-v) and Postfix takes the proof again; both messages arrive.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 8

printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Subject: scram cache" "" "body" >"$T/msg"

for run in first second; do
	log_start=$(($(wc -l <"$PF_DIR/maillog") + 1))
	pf_clear_mail "$PF_DIR"
	config_postfix "$T/rc" smtps "auth on"
	postie_run -v -C "$T/rc" rcpt@example.test <"$T/msg"
	check_rc "$run run: exit 0" 0
	if delivered 1; then ok "$run run: delivered"; else fail "$run run: delivered" "$(cat "$T/pf_wait")"; fi
	pf_sessions_since "$log_start" 1
	check "$run run: Postfix logged sasl_method=SCRAM-SHA-256" \
	    grep -q "sasl_method=SCRAM-SHA-256, sasl_username=$PF_USER" "$T/maillog"
	if [ $run = first ]; then
		check "first run: keys cached" grep -q "SCRAM keys cached in $T/tls/scram-" "$T/stderr"
	else
		check "second run: keys from the cache" grep -q "SCRAM keys from the cache $T/tls/scram-" "$T/stderr"
	fi
done
