#!/bin/sh
# What a user drops while the system queue run is busy leaves in that
# same run. The path unit starts a run when a file is renamed into the
# maildrop (PathChanged), and a change during a run starts none; the run
# itself looks again at its end. A slow passwordeval keeps the first
# delivery busy for three seconds, long enough to drop the second.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 5

system_setup
system_user ptdave
sed -i "s/^password .*/passwordeval sleep 3; echo $PF_PASSWORD/" "$SYS_CONF"

printf 'Subject: before\n\nbefore the run\n' >"$T/m1"
printf 'Subject: during\n\nduring the run\n' >"$T/m2"
sys_run ptdave -i ok@example.test <"$T/m1"
check_rc "the first drop: exit 0" 0

(cd / && env -i PATH=/usr/bin:/bin HOME=/root "$SYS_BIN" -q) \
    >"$T/run.out" 2>"$T/run.err" &
run_pid=$!
sleep 1
sys_run ptdave -i ok@example.test <"$T/m2"
check_rc "the second drop, while the run delivers the first: exit 0" 0
wait "$run_pid"
rc=$?
check_rc "the queue run: exit 0" 0
check "both messages arrive from that one run" delivered 2 5
check_eq "the maildrop is empty after it" "0" \
    "$(find "$SYS_SPOOL/maildrop" -type f | wc -l)"
