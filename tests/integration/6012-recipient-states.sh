#!/bin/sh
# Each recipient has its own state in the queue. A server takes one of
# three recipients, refuses one for good (550) and one for now (450):
# exit 0, a line for each refused one; mailq shows the three states. On
# retry only the deferred one is sent, and the sender gets one report
# naming the refused one with its own reply. Each got exactly one copy.
. "$(dirname "$0")/../lib/lib.sh"
plan 22

printf '%s\n' "From: sender@example.test" "To: team@example.test" \
    "Subject: per-recipient states" "" "hello" >"$T/msg"
QD=$T/queue

# rcpts_taken FILE...: the RCPTs the server took, one address a line, sorted
rcpts_taken() {
	awk 'FNR == 1 { a = "" } /^C: RCPT TO:/ { a = $0; sub(/^C: RCPT TO:</, "", a);
		sub(/>.*/, "", a); next }
	    a != "" && /^S: / { if ($2 ~ /^2/) print a; a = "" }' "$@" | sort
}

fake_start - --implicit-tls <<'S'
reply-rcpt bad@example.test 550 5.1.1 <bad@example.test>: no such user
reply-rcpt later@example.test 450 4.2.1 <later@example.test>: mailbox busy
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue_dir $QD" \
    "logfile $T/deliveries.log"
postie_run -C "$T/rc" -f sender@example.test ok@example.test \
    bad@example.test later@example.test <"$T/msg"
fake_wait
cp "$T/transcript" "$T/transcript.1"
check_rc "one taken, one refused, one deferred: exit 0" 0
check_sent "one transaction with the three RCPTs" \
    "EHLO AUTH MAIL RCPT RCPT RCPT DATA QUIT"
check_eq "one warning line for the refused recipient" 1 \
    "$(grep -c '^postie: warning: recipient <bad@example.test> refused: RCPT TO:<bad@example.test>: 550 5.1.1' "$T/stderr")"
check_eq "one for the deferred one" 1 \
    "$(grep -c '^postie: warning: recipient <later@example.test> deferred: .*450 4.2.1' "$T/stderr")"
check_eq "and the queued line says how many wait" 1 \
    "$(grep -c '^postie: queued [0-9a-f]*: test: localhost:[0-9]*: 1 of 3 recipients deferred' "$T/stderr")"
check_eq "the server took the message for ok@ alone" "ok@example.test" \
    "$(rcpts_taken "$T/transcript.1")"

check_eq "the delivery log: one line per outcome, each naming its own" \
    "recipients=ok@example.test result=delivered|recipients=later@example.test result=deferred|recipients=bad@example.test result=failed" \
    "$(sed 's/.* \(recipients=[^ ]*\) .* \(result=[a-z]*\).*/\1 \2/' "$T/deliveries.log" | tr '\n' '|' | sed 's/|$//')"
check "the failed line quotes its own reply" grep -q \
    'recipients=bad@example.test .*result=failed error=.*550\\s5.1.1' "$T/deliveries.log"
postie_run -C "$T/rc" -bp
check_eq "mailq: each recipient's state" \
    "ok@example.test (delivered)|bad@example.test (failed: RCPT TO:<bad@example.test>: 550 5.1.1 <bad@example.test>: no such user)|later@example.test (deferred: RCPT TO:<later@example.test>: 450 4.2.1 <later@example.test>: mailbox busy)" \
    "$(sed -n 's/^  to //p' "$T/stdout" | tr '\n' '|' | sed 's/|$//')"
check_eq "the envelope keeps the states" "2" \
    "$(grep -c '^rcpt_state ' "$QD"/queue/*.env)"

# The retry: a server that takes everything.
fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue_dir $QD" \
    "logfile $T/deliveries.log"
postie_run -C "$T/rc" -qf
fake_wait
check_rc "the retry: exit 0" 0
check_sent "the retry: the deferred one, then the report" \
    "EHLO AUTH MAIL RCPT DATA MAIL RCPT DATA QUIT"
check_eq "the retry sends the deferred one, then the report to the sender" \
    "later@example.test sender@example.test" \
    "$(awk '/^C: RCPT TO:/ { a = $0; sub(/^C: RCPT TO:</, "", a);
	sub(/>.*/, "", a); printf "%s%s", sep, a; sep = " " }' "$T/transcript")"
check_eq "exactly one copy each, over both runs" \
    "later@example.test ok@example.test" \
    "$(cat "$T/transcript.1" >"$T/both"; grep -v 'sender@example.test' "$T/transcript" >>"$T/both"; rcpts_taken "$T/both" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the report comes from the null sender" 1 \
    "$(grep -c '^C: MAIL FROM:<>' "$T/transcript")"
check "the report names the refused recipient with its own status" \
    grep -q '^Final-Recipient: rfc822; bad@example.test' "$T/data.2"
check "with its own reply" grep -q \
    '^Diagnostic-Code: smtp; 550 5.1.1 <bad@example.test>: no such user' \
    "$T/data.2"
check_eq "and only it: ok@ and later@ are not in the report" 1 \
    "$(grep -c '^Final-Recipient:' "$T/data.2")"
check_eq "the message was sent again once" "hello" "$(tail -n 1 "$T/data" | tr -d '\r')"
check_eq "the retry's log line names later@ alone, delivered" \
    "recipients=later@example.test result=delivered" \
    "$(sed -n '4p' "$T/deliveries.log" | sed 's/.* \(recipients=[^ ]*\) .* \(result=[a-z]*\).*/\1 \2/')"
check_eq "the queue is empty" "" "$(ls "$QD/queue")"
check_eq "nothing in failed/" "" "$(ls "$QD/failed")"
