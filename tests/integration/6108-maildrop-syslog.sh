#!/bin/sh
# The system queue logs to syslog by default: root's queue run works as
# the postie user, and its deliveries of what users dropped leave one
# line each (LOG_MAIL, ident postie), so cron's mail leaves a trace in
# the system log with no key in postie.conf. The run is in a mount
# namespace whose /dev/log is the test's (devlog_start, ns_run).
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
command -v unshare >/dev/null && unshare -m true 2>/dev/null ||
    skip_all "no mount namespace (unshare -m needs root and CAP_SYS_ADMIN)"
plan 5

system_setup
system_user pterin
devlog_start

printf 'Subject: cron\n\nthe job said something\n' >"$T/m"
sys_run pterin -i pterin <"$T/m"
check_rc "the user's drop: exit 0" 0

n=$(lines_now)
(cd / && ns_run -- env -i PATH=/usr/bin:/bin HOME=/root "$SYS_BIN" -q)
check_rc "root's queue run: exit 0" 0
new_lines "$n"
check "one LOG_MAIL line (<22>: LOG_INFO) with ident postie" \
    grep -q '^<22>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* postie\[[0-9]*\]: ' "$T/new"
check "it names the account, the user's %U sender and the outcome" \
    grep -q "account=default .* from=pterin@example.test recipients=pterin@example.test .*result=delivered" "$T/new"
check "the message arrived" delivered 1
