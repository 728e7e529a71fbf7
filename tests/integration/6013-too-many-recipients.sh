#!/bin/sh
# RFC 5321 4.5.3.1.10: a server that takes 100 recipients a transaction
# answers the rest 452. postie sends them at once in a further
# transaction on the same connection: 150 recipients, each one copy.
# Killed (SIGKILL) between the two transactions, postie has recorded the
# first one's outcome: the next run sends only the other 50.
. "$(dirname "$0")/../lib/lib.sh"
plan 10

printf '%s\n' "From: sender@example.test" "Subject: many" "" "hi" >"$T/msg"
i=1 rcpts=
while [ $i -le 150 ]; do
	rcpts="$rcpts r$i@example.test"
	i=$((i + 1))
done
# taken FILE...: the RCPTs the server took, one a line, sorted
taken() {
	awk 'FNR == 1 { a = "" } /^C: RCPT TO:/ { a = $0; sub(/^C: RCPT TO:</, "", a);
		sub(/>.*/, "", a); next }
	    a != "" && /^S: / { if ($2 ~ /^2/) print a; a = "" }' "$@" | sort
}

fake_start - --implicit-tls <<'S'
rcpt-limit 100
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue_dir $T/q1"
postie_run -C "$T/rc" $rcpts <"$T/msg"
fake_wait
check_rc "150 recipients, 100 a transaction: exit 0" 0
check_eq "nothing on stderr" "" "$err"
check_eq "two transactions, one connection" "1 2" \
    "$(grep -c '^# connection' "$T/transcript") $(grep -c '^C: MAIL' "$T/transcript")"
check_eq "each of the 150 taken exactly once" \
    "$(printf '%s\n' $rcpts | sort)" "$(taken "$T/transcript")"
check_eq "the queue is empty" "" "$(ls "$T/q1/queue")"

# SIGKILL once the second transaction has begun.
fake_start - --implicit-tls --timeout 30 <<'S'
rcpt-limit 100
hang-after-messages 1
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue_dir $T/q2" "timeout 30"
XDG_STATE_HOME=$T/state "$POSTIE" -C "$T/rc" $rcpts <"$T/msg" \
    >"$T/stdout" 2>"$T/stderr" &
pid=$!
n=0
while [ "$(grep -c '^C: MAIL' "$T/transcript" 2>/dev/null)" -lt 2 ] &&
    [ $n -lt 200 ]; do
	sleep 0.05
	n=$((n + 1))
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
cp "$T/transcript" "$T/transcript.1"
check_eq "killed after the first transaction: 100 recorded delivered" 100 \
    "$(grep -c '^rcpt_state delivered' "$T"/q2/queue/*.env)"

fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue_dir $T/q2"
postie_run -C "$T/rc" -q
fake_wait
check_rc "the next run: exit 0" 0
check_eq "it sends only the 50 not yet delivered" 50 \
    "$(taken "$T/transcript" | wc -l | tr -d ' ')"
check_eq "over both runs, each of the 150 exactly once" \
    "$(printf '%s\n' $rcpts | sort)" "$(taken "$T/transcript.1" "$T/transcript")"
check_eq "the queue is empty" "" "$(ls "$T/q2/queue")"
