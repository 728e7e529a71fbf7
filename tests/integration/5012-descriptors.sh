#!/bin/sh
# passwordeval's command gets standard input, output and error and no
# other descriptor of postie's: not the spool file of a message being
# sent (queue off, -bs), not one postie itself inherited. And every file
# postie opens is close-on-exec, the temporary ones included: while it
# waits on a silent server (queue off) or in the middle of a -bs DATA,
# each descriptor above 2 has O_CLOEXEC in /proc/PID/fdinfo.
. "$(dirname "$0")/../lib/lib.sh"
plan 12

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
# $T/listfds FILE: lists the descriptors of its parent into FILE. The
# passwordeval shell runs it with no redirection of its own (which would
# give that shell a descriptor of its own making), so the listing is
# what postie passed on.
printf '%s\n' '#!/bin/sh' 'ls "/proc/$PPID/fd" >"$1"' >"$T/listfds"
chmod +x "$T/listfds"
# config_eval FILE PORT TAG [LINE...]: the fake account with a
# passwordeval that lists its shell's descriptors into $T/fds.TAG
config_eval() {
	ce=$1 cp=$2 tag=$3; shift 3
	config_fake "$ce.tmp" "$cp" implicit "$@"
	grep -v '^password ' "$ce.tmp" | sed '/^account default/d' >"$ce"
	printf '%s\n' "passwordeval \"$T/listfds $T/fds.$tag; echo wonderland-secret\"" \
	    "account default : test" >>"$ce"
	chmod 600 "$ce"
}
# check_fds DESC TAG: the listing holds 0, 1 and 2 and nothing else
check_fds() {
	check_eq "$1" "0 1 2" "$(sort -n "$T/fds.$2" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
}

# Each run inherits descriptor 7, not close-on-exec, from its parent.
fake_start serve --implicit-tls
config_eval "$T/rc" "$FAKE_PORT" qoff "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg" 7>"$T/inherited"
fake_wait
check_rc "queue off: delivered with passwordeval's password, exit 0" 0
check_fds "queue off: passwordeval's shell had only 0 1 2" qoff

fake_start serve --implicit-tls
config_eval "$T/rc" "$FAKE_PORT" queued
postie_run -C "$T/rc" rcpt@example.test <"$T/msg" 7>"$T/inherited"
fake_wait
check_rc "queued: delivered, exit 0" 0
check_fds "queued: passwordeval's shell had only 0 1 2" queued

fake_start serve --implicit-tls
config_eval "$T/rc" "$FAKE_PORT" bs
XDG_STATE_HOME=$T/state timeout 60 python3 "$TEST_LIB/bs-client.py" \
    -f sender@example.test -r rcpt@example.test "$T/msg" \
    -- "$POSTIE" -C "$T/rc" -bs >"$T/dialogue" 2>"$T/stderr" 7>"$T/inherited"
rc=$?
err=$(cat "$T/stderr")
fake_wait
check_rc "-bs: the client saw the message accepted" 0
check_fds "-bs: passwordeval's shell had only 0 1 2" bs

# fds_cloexec PID: every descriptor of PID above 2 that it opened
# itself (not open in this shell, which started it) is close-on-exec
# (fdinfo's flags are octal; O_CLOEXEC is 02000000); names the others
fds_cloexec() {
	fc_bad=
	for fc in "/proc/$1/fdinfo/"*; do
		fc_n=${fc##*/}
		[ "$fc_n" -gt 2 ] && [ ! -e "/proc/$$/fd/$fc_n" ] || continue
		fc_fl=$(awk '/^flags:/ { print $2 }' "$fc" 2>/dev/null) || continue
		[ -n "$fc_fl" ] || continue
		[ $((0$fc_fl & 02000000)) -ne 0 ] ||
		    fc_bad="$fc_bad $fc_n=$(readlink "/proc/$1/fd/$fc_n")"
	done
	[ -z "$fc_bad" ] || { diag "not close-on-exec:$fc_bad"; return 1; }
}
# wait_fd PID PATTERN: until a descriptor of PID points to PATTERN
wait_fd() {
	wf_i=0
	while [ $wf_i -lt 100 ]; do
		for wf in "/proc/$1/fd/"*; do
			case $(readlink "$wf" 2>/dev/null) in $2) return 0 ;; esac
		done
		sleep 0.05; wf_i=$((wf_i + 1))
	done
	return 1
}

# queue off, waiting on a silent server: the spool file and the socket
fake_start - <<'S'
sleep 10
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "timeout 8"
XDG_STATE_HOME=$T/state "$POSTIE" -C "$T/rc" rcpt@example.test <"$T/msg" \
    >/dev/null 2>&1 &
pid=$!
check "queue off: the spool file is open" wait_fd "$pid" "*/postie.*"
check "queue off: the socket is open" wait_fd "$pid" "socket:*"
check "queue off: every descriptor above 2 is close-on-exec" fds_cloexec "$pid"
kill "$pid"; wait "$pid" 2>/dev/null || :
kill "$FAKE_PID" 2>/dev/null

# -bs, in the middle of DATA: its spool file
mkfifo "$T/bs.in"
XDG_STATE_HOME=$T/state "$POSTIE" -C "$T/rc" -bs <"$T/bs.in" >"$T/bs.out" 2>&1 &
pid=$!
exec 8>"$T/bs.in"
printf 'EHLO client.test\r\nMAIL FROM:<sender@example.test>\r\nRCPT TO:<rcpt@example.test>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n' >&8
check "-bs: the DATA spool file is open" wait_fd "$pid" "*/postie-bs.*"
check "-bs: every descriptor above 2 is close-on-exec" fds_cloexec "$pid"
check "-bs: postie is still in DATA" kill -0 "$pid"
exec 8>&-
kill "$pid"; wait "$pid" 2>/dev/null || :
