#!/bin/sh
# Crash safety: submissions and queue runs killed with SIGKILL at random
# moments (0-300 ms). Whatever got exit 0, and whatever is in the queue,
# is delivered by a final queue run: nothing is lost. Duplicates are
# allowed (a crash between the server's 250 and the removal) and counted.
# No half-written message is ever visible in the queue, and nothing half
# is delivered.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 10

S=50	# submission trials
R=25	# queue run trials
QD=$T/queue
config_postfix "$T/rc" smtps "queue_dir $QD"
config_postfix "$T/rc-always" smtps "queue always" "queue_dir $QD"

# msg ID: a message with Message-ID <ID@example.test>, big for odd trials
# (more time in DATA), ending with the line "end of ID"
msg() {
	printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <$1@example.test>" \
	    "Subject: crash $1" ""
	case $1 in *[13579]) seq 1 20000 ;; *) echo "small" ;; esac
	echo "end of $1"
}
# rand_ms: 0 to 300
rand_ms() { od -An -N2 -tu2 /dev/urandom | awk '{ print $1 % 301 }'; }
# killed_after ARG...: run postie ARG... (stdin: $T/m) in the background,
# SIGKILL it after a random delay; sets $st to its exit status
killed_after() {
	XDG_STATE_HOME=$T/state "$POSTIE" "$@" <"$T/m" >/dev/null 2>>"$T/postie.err" &
	ka_pid=$!
	sleep "$(printf '0.%03d' "$(rand_ms)")"
	kill -9 "$ka_pid" 2>/dev/null
	{ wait "$ka_pid"; } 2>/dev/null
	st=$?
}

: >"$T/accepted"
# queue runs first: the killed submissions that come last leave messages
# for the final run
badq= nrun0=0 j=1
while [ $j -le $R ]; do
	msg "6007-r$j" >"$T/m"
	if XDG_STATE_HOME=$T/state timeout 60 "$POSTIE" -C "$T/rc-always" \
	    rcpt@example.test <"$T/m" 2>>"$T/postie.err"; then
		echo "6007-r$j@example.test" >>"$T/accepted"
	else
		badq="$badq r$j"
	fi
	: >"$T/m"
	killed_after -C "$T/rc" -qf
	[ "$st" -eq 0 ] && nrun0=$((nrun0 + 1))
	j=$((j + 1))
done
diag "queue runs: $R, finished before the kill: $nrun0"
check_eq "every queue-always submission exited 0" "" "$badq"

nsub0=0 nkilled=0 other= i=1
while [ $i -le $S ]; do
	msg "6007-s$i" >"$T/m"
	killed_after -C "$T/rc" rcpt@example.test
	case $st in
	0) echo "6007-s$i@example.test" >>"$T/accepted"; nsub0=$((nsub0 + 1)) ;;
	137) nkilled=$((nkilled + 1)) ;;
	*) other="$other s$i:$st" ;;
	esac
	i=$((i + 1))
done
diag "submissions: $S, exit 0: $nsub0, killed: $nkilled${other:+, other:$other}"
check_eq "every submission exited 0 or was killed" "" "$other"

# and a few left waiting, so that the listing and the final run have work
for k in 1 2 3 4 5; do
	msg "6007-w$k" >"$T/m"
	XDG_STATE_HOME=$T/state timeout 60 "$POSTIE" -C "$T/rc-always" \
	    rcpt@example.test <"$T/m" 2>>"$T/postie.err" &&
	    echo "6007-w$k@example.test" >>"$T/accepted"
done

# what the queue holds now must be whole and is owed a delivery
mailq_run -C "$T/rc"
check_rc "mailq after the crashes: exit 0" 0
cp "$T/stdout" "$T/mailq.crashed"
# blocks without a recipient line (awk: a block starts with a line that
# does not start with a blank; the counts line is not a block)
half=$(awk '
	/^[[:space:]]*$/ { if (id != "" && !to) print id; id = ""; next }
	/^[^[:space:]]/ && !/ queued, / && !/^Mail queue is empty/ { id = $1; to = 0; next }
	/^[[:space:]]+to / { to = 1 }
	END { if (id != "" && !to) print id }' "$T/mailq.crashed")
check_eq "every listed message has its recipients" "" "$half"
listed=$(awk '/^[^[:space:]]/ && !/ queued, / && !/^Mail queue is empty/ { print $1 }' \
    "$T/mailq.crashed" | sort | tr '\n' ' ')
check_eq "mailq lists exactly the whole messages (ID.msg and ID.env) in the queue" \
    "$(queue_ids "$QD" | sort | tr '\n' ' ')" "$listed"
for id in $(queue_ids "$QD"); do
	sed -n '/^\r\{0,1\}$/q; s/^[Mm]essage-[Ii][Dd]: *<\([^>]*\)>.*/\1/p' "$QD/queue/$id.msg"
done >"$T/queued"
diag "in the queue before the final run: $(wc -l <"$T/queued" | tr -d ' ')," \
    "files left in tmp/: $(find "$QD/tmp" -type f 2>/dev/null | wc -l | tr -d ' ')"

postie_run -C "$T/rc" -qf
check_rc "the final postie -qf: exit 0" 0
pf_settle 30 || diag "Postfix still busy after 30s"

sort -u "$T/accepted" "$T/queued" >"$T/owed"
delivered_msgids | sort | uniq -c >"$T/counts"
lost=
while read -r m; do
	grep -q " $m\$" "$T/counts" || lost="$lost $m"
done <"$T/owed"
check_eq "none lost: every accepted or queued message delivered ($(wc -l <"$T/owed" | tr -d ' '))" "" "$lost"
dups=$(awk '$1 > 1 { n += $1 - 1 } END { print n + 0 }' "$T/counts")
diag "duplicates: $dups"
dupids=$(awk '$1 > 1 { print $2 }' "$T/counts" | tr '\n' ' ')
[ -z "$dupids" ] || diag "delivered more than once: $dupids" \
    "of which a submission that delivered it itself (exit 0) sent:" \
    "$(for m in $dupids; do case $m in 6007-s*)
	grep -qxF "$m" "$T/accepted" && printf '%s ' "$m" ;; esac; done)"
half=
for f in "$PF_MAILDIR"/new/*; do
	[ -f "$f" ] || continue
	m=$(sed -n 's/^Message-ID: <\(6007-[a-z0-9]*\)@example.test>.*/\1/p' "$f" | head -n 1)
	[ -n "$m" ] && [ "$(tail -n 1 "$f")" != "end of $m" ] && half="$half $m"
done
check_eq "every delivered message is whole" "" "$half"
check_eq "the queue is empty, nothing failed" "0 0" "$(queue_count "$QD") $(queue_count "$QD" failed)"
mailq_run -C "$T/rc"
check_counts "mailq: Mail queue is empty" 0 0
