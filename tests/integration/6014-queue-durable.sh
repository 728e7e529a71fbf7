#!/bin/sh
# Durable when it must be: the promise is the exit status (or -bs's 250),
# so a submission's queue files are written without fsync and made
# durable only if the message is still queued when postie says 0. Counted
# with strace: a message the server took costs no fsync, fdatasync or
# syncfs at all; a deferred one (server down, a recipient deferred, queue
# always, -bs) gets the message's, its envelope's and the directory's,
# after the attempt and before the exit or the 250.
#
# What a power loss can leave before exit 0 (a message file shorter than
# its envelope says, an envelope cut short, an envelope without its
# message) is never sent: the queue run moves it to damaged/ and says so
# in one line, mailq lists it with why, --queue-remove deletes it.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 49

QD=$T/queue
# msg ID: a message with Message-ID <ID@example.test>, about 2 KB
msg() {
	printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <$1@example.test>" \
	    "Subject: durable $1" ""
	i=0
	while [ $i -lt 30 ]; do
		echo "line $i of $1, which is there to make the message about 2 KB long"
		i=$((i + 1))
	done
}
# traced ARG...: postie ARG... (stdin $T/msg) under strace, which records
# the fsync family, connect and writes to standard output in $T/strace,
# each descriptor with its path (-y); sets $rc and $err. LeakSanitizer
# cannot work under ptrace: off for these runs only.
traced() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    XDG_STATE_HOME=$T/state timeout 120 strace -f -qq -y -o "$T/strace" \
	    -e trace=fsync,fdatasync,syncfs,sync,sync_file_range,connect,write \
	    "$POSTIE" "$@" <"$T/msg" >"$T/stdout" 2>"$T/stderr"
	rc=$? err=$(cat "$T/stderr")
}
# syncs: the fsync-family calls in $T/strace, one a line ("fsync(4</path>)")
syncs() {
	grep -E '(^|[^a-z_])(f?sync|fdatasync|syncfs|sync_file_range)\(' "$T/strace" |
	    grep -v resumed | sed 's/^[0-9]* *//; s/ *=.*//; s/ *<unfinished.*//'
}
nsyncs() { syncs | grep -c .; }
# synced_paths: what was fsynced, the queue's own part of each path
synced_paths() {
	syncs | sed -n "s|.*<$QD/\\(.*\\)>)\$|\\1|p" |
	    sed 's/[0-9a-f]\{24\}/ID/' | sort | tr '\n' ' '
}
# line_of REGEX: the number of the first line of $T/strace matching REGEX
line_of() { grep -nE "$1" "$T/strace" | head -n 1 | cut -d: -f1; }
# synced_after_connect: the first fsync comes after the first TCP connect
synced_after_connect() {
	sac_c=$(line_of 'connect\([0-9]+<[^>]*>, \{sa_family=AF_INET')
	sac_s=$(line_of '(^|[^a-z_])(f?sync|fdatasync|syncfs)\(')
	[ -n "$sac_c" ] && [ -n "$sac_s" ] && [ "$sac_c" -lt "$sac_s" ]
}
WHOLE="queue queue/ID.env queue/ID.msg "

# 1. delivered at once: no fsync at all
config_postfix "$T/rc" smtps "queue_dir $QD"
msg 6014-now >"$T/msg"
traced -C "$T/rc" rcpt@example.test
check_rc "delivered: exit 0" 0
check_eq "delivered: no fsync, fdatasync or syncfs" "0" "$(nsyncs)"
check_eq "delivered: nothing left in the queue" "" "$(find "$QD" -type f)"
delivered 1
check_eq "delivered: Postfix has it" 1 "$(msgid_count 6014-now@example.test)"

# 2. the server cannot be reached: queued, and durable before exit 0
port=$(pf_free_ports 1)
config_fake "$T/rc-down" "$port" implicit "queue_dir $QD"
msg 6014-down >"$T/msg"
traced -C "$T/rc-down" rcpt@example.test
check_rc "server down: exit 0 (queued)" 0
check_queued "server down: the one 'queued' line" "$port"
check_eq "server down: message, envelope and queue/ fsynced, once each" \
    "$WHOLE" "$(synced_paths)"
check "server down: the fsyncs come after the attempt to connect" synced_after_connect
check_eq "server down: the message is in the queue" 1 "$(queue_count "$QD")"
postie_run -C "$T/rc" --queue-remove "$qid"

# 3. one recipient taken, one deferred (450): what stays is made durable
pf_clear_mail "$PF_DIR"
msg 6014-some >"$T/msg"
traced -C "$T/rc" rcpt@example.test tempfail@example.test
check_rc "one recipient deferred: exit 0" 0
check_eq "one recipient deferred: message, envelope and queue/ fsynced" \
    "$WHOLE" "$(synced_paths)"
check "one recipient deferred: after the attempt" synced_after_connect
delivered 1
check_eq "one recipient deferred: the other has it" 1 "$(msgid_count 6014-some@example.test)"
mailq_run -C "$T/rc"
check_listed "one recipient deferred: mailq shows who is pending" \
    "$(queue_ids "$QD")" "to rcpt@example.test (delivered)" "to tempfail@example.test (deferred"
for id in $(queue_ids "$QD"); do postie_run -C "$T/rc" --queue-remove "$id"; done

# 4. queue always: durable before exit 0, nothing sent
config_postfix "$T/rc-always" smtps "queue always" "queue_dir $QD"
msg 6014-always >"$T/msg"
traced -C "$T/rc-always" rcpt@example.test
check_rc "queue always: exit 0" 0
check_eq "queue always: message, envelope and queue/ fsynced" "$WHOLE" "$(synced_paths)"
check_eq "queue always: no connection" "" "$(line_of 'connect\([0-9]+<[^>]*>, \{sa_family=AF_INET')"

# 4b. a queue run that delivers three: the removals synced once, at its
# end, not once a message (a power loss before it can only send twice)
traced -C "$T/rc-always" rcpt@example.test
traced -C "$T/rc-always" rcpt@example.test
check_eq "queue run: three queued" 3 "$(queue_count "$QD")"
pf_clear_mail "$PF_DIR"
traced -C "$T/rc" -qf
check_rc "queue run: exit 0" 0
check_eq "queue run: all three sent" "" "$(find "$QD/queue" -type f)"
check_eq "queue run: queue/ fsynced once for the three removals" \
    "queue " "$(synced_paths)"
delivered 3

# 5. queue off: nothing kept, nothing fsynced
config_postfix "$T/rc-off" smtps "queue off" "queue_dir $QD"
msg 6014-off >"$T/msg"
traced -C "$T/rc-off" rcpt@example.test
check_rc "queue off: exit 0" 0
check_eq "queue off: no fsync" "0" "$(nsyncs)"

# 6. -bs: delivered costs nothing; queued is durable before its 250
msg 6014-bs >"$T/msg"
# bs_traced CONF: one -bs message from a Python SMTP client, postie under
# strace (fsyncs and writes, with the files they name); LeakSanitizer off
# (it cannot work under ptrace)
bs_traced() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    XDG_STATE_HOME=$T/state timeout 120 python3 "$TEST_LIB/bs-client.py" \
	    -f sender@example.test -r rcpt@example.test "$T/msg" \
	    -- strace -f -qq -y -o "$T/strace" \
	    -e trace=fsync,fdatasync,syncfs,write \
	    "$POSTIE" -C "$T/$1" -bs >"$T/dialogue" 2>"$T/stderr"
	rc=$? err=$(cat "$T/stderr")
}
bs_traced rc
check_rc "-bs, server fine: the client saw 250 and 221" 0
check "-bs, server fine: the 250 says delivered" grep -q '^S: 250 2.0.0 Ok: delivered' "$T/dialogue"
check_eq "-bs, server fine: no fsync" "0" "$(nsyncs)"
bs_traced rc-down
check_rc "-bs, server down: the client saw 250 and 221" 0
check "-bs, server down: the 250 says queued" grep -q '^S: 250 2.0.0 Ok: queued' "$T/dialogue"
check_eq "-bs, server down: message, envelope and queue/ fsynced" "$WHOLE" "$(synced_paths)"
bs_s=$(line_of '(^|[^a-z_])fsync\(') bs_w=$(line_of 'write\(1<[^>]*>, "250 2.0.0 Ok: queued')
check "-bs, server down: every fsync before the 250 (lines $bs_s, $bs_w)" \
    test -n "$bs_s" -a -n "$bs_w" -a "$(syncs | wc -l)" -gt 0 -a \
    "$(grep -nE '(^|[^a-z_])fsync\(' "$T/strace" | tail -n 1 | cut -d: -f1)" -lt "${bs_w:-0}"
for id in $(queue_ids "$QD"); do postie_run -C "$T/rc" --queue-remove "$id"; done

# 7. what a power loss leaves: never sent half
# queue_three: three messages queued (queue always), their ids in $a $b $c
queue_three() {
	for n in a b c; do
		msg "6014-cut-$n" >"$T/msg"
		postie_run -C "$T/rc-always" rcpt@example.test <"$T/msg"
	done
	set -- $(queue_ids "$QD")
	a=$1 b=$2 c=$3
}
pf_clear_mail "$PF_DIR"
queue_three
check_eq "three messages queued" 3 "$(queue_count "$QD")"
size_a=$(wc -c <"$QD/queue/$a.msg" | tr -d ' ')
head -c 1000 "$QD/queue/$a.msg" >"$T/cut" && cat "$T/cut" >"$QD/queue/$a.msg"
# the envelope cut at a line: its last line ("end") lost
sed '$d' "$QD/queue/$b.env" >"$T/cut" && cat "$T/cut" >"$QD/queue/$b.env"
rm "$QD/queue/$c.msg"
postie_run -C "$T/rc" -q
check_rc "the queue run: exit 0" 0
check_eq "the queue run: one warning line for each" 3 "$(grep -c '^postie: warning: [0-9a-f]*: damaged (' "$T/stderr")"
check "the queue run: the cut message, with both sizes" grep -qF \
    "postie: warning: $a: damaged (the message has 1000 octets, its envelope says $size_a); moved to $QD/damaged/ (postie --queue-remove $a deletes it)" "$T/stderr"
check "the queue run: the cut envelope" grep -qE \
    "^postie: warning: $b: damaged \\(the envelope is unreadable: queue/$b.env: cut short \\(no \"end\" line\\)\\); moved to " "$T/stderr"
check "the queue run: the envelope without its message" grep -qF \
    "postie: warning: $c: damaged (an envelope without its message); moved to $QD/damaged/" "$T/stderr"
sleep 1
check_eq "the queue run: nothing sent" 0 "$(pf_mail_count "$PF_DIR")"
check_eq "the queue run: the queue is empty" 0 "$(queue_count "$QD")"
check_eq "the files are kept in damaged/" \
    "$a.env $a.msg $b.env $b.msg $c.env " "$(ls "$QD/damaged" | tr '\n' ' ')"

mailq_run -C "$T/rc"
check_rc "mailq: exit 0" 0
check_listed "mailq: the cut message and why" "$a" \
    "damaged: the message has 1000 octets, its envelope says $size_a" \
    "in $QD/damaged/; postie --queue-remove $a deletes it"
check_listed "mailq: the cut envelope and why" "$b" \
    "damaged: the envelope is unreadable: damaged/$b.env: cut short"
check_listed "mailq: the envelope without its message" "$c" \
    "damaged: an envelope without its message"
check_eq "mailq: the count line says damaged" "0 queued, 0 failed, 3 damaged" \
    "$(grep -v '^[[:space:]]*$' "$T/stdout" | tail -n 1)"

postie_run -C "$T/rc" --queue-remove "$a"
check_rc "--queue-remove of a damaged message: exit 0" 0
check_eq "--queue-remove: says so" "$a: removed" "$(cat "$T/stdout")"
postie_run -C "$T/rc" --queue-remove "$b"
postie_run -C "$T/rc" --queue-remove "$c"
mailq_run -C "$T/rc"
check_counts "mailq: empty again" 0 0

# one cut among whole ones: only it stays behind
queue_three
head -c 10 "$QD/queue/$b.msg" >"$T/cut" && cat "$T/cut" >"$QD/queue/$b.msg"
postie_run -C "$T/rc" -q
check_eq "a second run: the cut one reported, the two others sent" \
    "1 2" "$(grep -c "damaged (the message has 10 octets" "$T/stderr") $(delivered 2 && pf_mail_count "$PF_DIR")"
check_eq "a second run: the whole ones went, nothing else is queued" "0 2" \
    "$(queue_count "$QD") $(ls "$QD/damaged" | wc -l | tr -d ' ')"
