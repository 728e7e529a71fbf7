#!/bin/sh
# A crash while postie holds the password must leave no core file, and
# the user's other processes must not read its memory: while it waits on
# a silent server, its core file size
# limit is 0, soft and hard, even when started with an unlimited one,
# and it is not dumpable, which Linux shows by giving /proc/PID to root
# (visible when postie runs as an ordinary user: here nobody).
. "$(dirname "$0")/../lib/lib.sh"
plan 8

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
nobody_uid=$(id -u nobody) || skip_all "no user nobody"

# wait_connected PID: until postie has a socket open; 0 when it has
wait_connected() {
	wc_i=0
	while [ $wc_i -lt 100 ]; do
		ls -l "/proc/$1/fd" 2>/dev/null | grep -q 'socket:' && return 0
		sleep 0.05; wc_i=$((wc_i + 1))
	done
	return 1
}
# start_silent: a fake server that accepts and says nothing, and a
# config $T/u/rc for it
start_silent() {
	fake_start - <<-'S'
	sleep 10
	S
	config_fake "$T/u/rc" "$FAKE_PORT" implicit "queue off" "timeout 8"
}
mkdir "$T/u"
chmod 711 "$T"
chown nobody "$T/u"

# As root, started with an unlimited core size.
start_silent
(ulimit -c unlimited; exec "$POSTIE" -C "$T/u/rc" rcpt@example.test \
    <"$T/msg" >"$T/stdout" 2>"$T/stderr") &
pid=$!
check "root: postie connected to the silent server" wait_connected "$pid"
limits=$(grep '^Max core file size' "/proc/$pid/limits")
check "root: the core size limit is 0, soft and hard" \
    sh -c 'printf "%s\n" "$1" | grep -Eq "^Max core file size +0 +0 +bytes"' sh "$limits"
check_eq "root: the shell it came from had no limit" unlimited \
    "$(sh -c 'ulimit -c unlimited; ulimit -c')"
kill "$pid"; wait "$pid" 2>/dev/null || :
kill "$FAKE_PID" 2>/dev/null

# As nobody (who may read $T/u and owns the config there): /proc/PID
# belongs to root, not to nobody.
start_silent
chown nobody "$T/u/rc"
(ulimit -c unlimited; exec setpriv --reuid=nobody --regid=nogroup \
    --clear-groups env HOME="$T/u" XDG_STATE_HOME="$T/u/state" \
    "$POSTIE" -C "$T/u/rc" rcpt@example.test \
    <"$T/msg" >"$T/stdout" 2>"$T/stderr") &
pid=$!
check "nobody: postie connected to the silent server" wait_connected "$pid"
check_eq "nobody: it runs as nobody" "$nobody_uid" \
    "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")"
check_eq "nobody: not dumpable: /proc/PID/status belongs to root" 0 \
    "$(stat -c %u "/proc/$pid/status")"
check_eq "nobody: not dumpable: /proc/PID/mem belongs to root" 0 \
    "$(stat -c %u "/proc/$pid/mem")"
limits=$(grep '^Max core file size' "/proc/$pid/limits")
check "nobody: the core size limit is 0, soft and hard" \
    sh -c 'printf "%s\n" "$1" | grep -Eq "^Max core file size +0 +0 +bytes"' sh "$limits"
kill "$pid"; wait "$pid" 2>/dev/null || :
