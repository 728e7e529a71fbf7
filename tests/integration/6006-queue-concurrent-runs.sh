#!/bin/sh
# Two queue runs at once (postie -qf and postie -q!) over 100 queued
# messages: the per-message lock means each message is delivered exactly
# once, and the queue is empty afterwards.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 9

N=100
QD=$T/queue
config_postfix "$T/rc-always" smtps "queue always" "queue_dir $QD"
config_postfix "$T/rc" smtps "queue_dir $QD"

bad=0 i=1
while [ $i -le $N ]; do
	printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <6006-$i@example.test>" \
	    "Subject: concurrent runs $i" "" "body $i" |
	    XDG_STATE_HOME=$T/state timeout 60 "$POSTIE" -C "$T/rc-always" \
	    rcpt@example.test 2>>"$T/submit.err" || bad=$((bad + 1))
	i=$((i + 1))
done
check_eq "$N submissions with queue always: all exit 0" 0 "$bad"
check_eq "$N messages in the queue" $N "$(queue_count "$QD")"

XDG_STATE_HOME=$T/state timeout 60 "$POSTIE" -C "$T/rc" -qf >"$T/run1.out" 2>"$T/run1.err" &
p1=$!
XDG_STATE_HOME=$T/state timeout 60 "$POSTIE" -C "$T/rc" -q! >"$T/run2.out" 2>"$T/run2.err" &
p2=$!
fake_pids="$fake_pids $p1 $p2"	# stopped on exit if still running
wait $p1
rc1=$?
wait $p2
rc2=$?
check_eq "both queue runs exit 0" "0 0" "$rc1 $rc2"
check_eq "neither run wrote to stderr" "" "$(cat "$T/run1.err" "$T/run2.err")"

# wait for Postfix to deliver all it took
pf_settle 60 || diag "Postfix still busy after 60s"
delivered_msgids | sort | uniq -c >"$T/counts"
distinct=$(wc -l <"$T/counts" | tr -d ' ')
dups=$(awk '$1 > 1 { n += $1 - 1 } END { print n + 0 }' "$T/counts")
missing=0 i=1
while [ $i -le $N ]; do
	grep -q " 6006-$i@example.test\$" "$T/counts" || missing=$((missing + 1))
	i=$((i + 1))
done
check_eq "all $N delivered" "$N" "$distinct"
check_eq "none lost" 0 "$missing"
check_eq "none delivered twice" 0 "$dups"
check_eq "the queue is empty" "0 0" "$(queue_count "$QD") $(queue_count "$QD" failed)"
mailq_run -C "$T/rc"
check_counts "mailq: Mail queue is empty" 0 0
