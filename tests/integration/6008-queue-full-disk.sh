#!/bin/sh
# The queue cannot take the message (a file size limit: postie ignores
# SIGXFSZ and sees EFBIG, as with a full disk or a quota): exit 75, one
# error line saying the queue is full, nothing half-written left visible,
# and a message queued earlier is untouched.
. "$(dirname "$0")/../lib/lib.sh"
plan 13

QD=$T/queue
port=$(pf_free_ports 1)
config_fake "$T/rc" "$port" implicit "queue_dir $QD"
config_fake "$T/rc-always" "$port" implicit "queue always" "queue_dir $QD"

printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <6008-early@example.test>" \
    "Subject: early" "" "queued before the disk filled" >"$T/small"
{
	printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <6008-big@example.test>" \
	    "Subject: too big for the queue" ""
	seq 1 8000
} >"$T/big"

postie_run -C "$T/rc-always" rcpt@example.test <"$T/small"
check_rc "an earlier message, queued: exit 0" 0
E=$(queue_ids "$QD")
mkdir "$T/keep"
cp -p "$QD/queue/$E.msg" "$QD/queue/$E.env" "$T/keep/" 2>/dev/null
check "it is in the queue" test -n "$E" -a -f "$T/keep/$E.msg"

# full_run CONFIG: submit the big message with files limited to 4 KiB,
# in a subshell so that the limit stays there
full_run() {
	(
		ulimit -f 8 || exit 99
		XDG_STATE_HOME=$T/state timeout 60 "$POSTIE" -C "$1" rcpt@example.test \
		    <"$T/big" >"$T/stdout" 2>"$T/stderr"
		exit $?		# a status, not a death the shell would report
	) 2>/dev/null
	rc=$?
	err=$(cat "$T/stderr")
}
untouched() {
	cmp -s "$T/keep/$E.msg" "$QD/queue/$E.msg" && cmp -s "$T/keep/$E.env" "$QD/queue/$E.env"
}

for mode in auto always; do
	case $mode in auto) rc_file=$T/rc ;; always) rc_file=$T/rc-always ;; esac
	full_run "$rc_file"
	check_rc "queue $mode, queue full: exit 75" 75
	check_err "queue $mode: one error line saying the queue is full" queue full
	check_eq "queue $mode: no new message in the queue" "$E" "$(queue_ids "$QD" | tr '\n' ' ' | sed 's/ $//')"
	check_eq "queue $mode: nothing left in tmp/" "" "$(find "$QD/tmp" -type f 2>/dev/null)"
	check "queue $mode: the earlier message is untouched" untouched
done

mailq_run -C "$T/rc"
check_counts "mailq: 1 queued, 0 failed" 1 0
