#!/bin/sh
# A real cron daemon, busybox crond (Debian's busybox-static: the plain
# busybox package has no crond), runs an ordinary user's crontab and
# mails the job's output the way it does on any machine: as that user,
# "sendmail -ti" found in its PATH (here postie; Postfix keeps
# /usr/sbin/sendmail), the message "To: MAILTO", "Subject: cron: COMMAND"
# and the output. The user cannot read postie.conf, so postie drops it
# into the maildrop and says nothing; postie -q as postie sends it
# through the test Postfix with %U as the sender and a Received: field
# naming the user.
#
# Cron's clock has minutes: the job runs at the first minute boundary
# after crond starts, so the test lasts up to a minute and a few seconds.
# busybox crond keeps each job's output in /var/spool/cron (made, and
# removed afterwards, when missing), writes /run/crond.pid and notes its
# first start in /run/crond.reboot: each is put back as it was.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 17

CROND_SPOOL=/var/spool/cron
CROND_REBOOT=/run/crond.reboot
CROND_PIDFILE=/run/crond.pid
U=ptdave

if ! busybox crond --help >/dev/null 2>&1; then
	echo "Bail out! busybox crond is missing (contrib/install-deps installs busybox-static)"
	exit 1
fi

system_setup
system_user $U
uid=$(id -u $U)

crond_pid='' made_spool='' made_reboot=''
# crond_stop: stop the daemon (its jobs run in process groups of their own)
crond_stop() {
	[ -n "$crond_pid" ] || return 0
	kill "$crond_pid" 2>/dev/null
	wait "$crond_pid" 2>/dev/null
	crond_pid=
}
cron_teardown() {
	crond_stop
	rm -f "$CROND_SPOOL/cron.$U".*
	[ -z "$made_spool" ] || rmdir "$CROND_SPOOL"
	[ -z "$made_reboot" ] || rm -f "$CROND_REBOOT"
	if [ -e "$T/crond.pid.saved" ]; then
		cp -p "$T/crond.pid.saved" "$CROND_PIDFILE"
	else
		rm -f "$CROND_PIDFILE"
	fi
	system_teardown
}
tap_cleanup=cron_teardown

if [ ! -d "$CROND_SPOOL" ]; then
	mkdir -m 755 "$CROND_SPOOL" && made_spool=1
fi
[ -e "$CROND_REBOOT" ] || made_reboot=1
[ ! -e "$CROND_PIDFILE" ] || cp -p "$CROND_PIDFILE" "$T/crond.pid.saved"

# crond's PATH: sendmail is postie, everything else the system's.
mkdir -p "$T/cron/bin" "$T/cron/crontabs"
chmod 755 "$T/cron" "$T/cron/bin"
ln -s "$SYS_BIN" "$T/cron/bin/sendmail"
job="echo \"nightly report from \$(id -un)\"; test -r $SYS_CONF || echo \"$SYS_CONF: not readable here\""
printf '%s\n' "MAILTO=$U" "* * * * * $job" >"$T/cron/crontabs/$U"
chmod 600 "$T/cron/crontabs/$U"
printf '%s\n' "nightly report from $U" "$SYS_CONF: not readable here" \
    >"$T/body.want"

# A start in a minute's last seconds might see the minute end before it
# has read the crontab: start in the next minute then.
[ "$(date +%S)" -lt 57 ] || sleep $((61 - $(date +%S)))
start=$(date +%s)
env -i PATH="$T/cron/bin:/usr/bin:/bin" SHELL=/bin/sh \
    busybox crond -f -c "$T/cron/crontabs" -L "$T/crond.log" \
    >"$T/crond.out" 2>&1 &
crond_pid=$!

# Wait for the job's mail in the maildrop (files appear there complete),
# then for the user's processes (the job, postie) to end.
deadline=$((start + 130))
while [ -z "$(find "$SYS_SPOOL/maildrop" -type f)" ] &&
    [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$crond_pid" 2>/dev/null; do
	sleep 0.5
done
i=0
while pgrep -u $U >/dev/null && [ $i -lt 40 ]; do
	sleep 0.25; i=$((i + 1))
done
waited=$(($(date +%s) - start))
alive=no
kill -0 "$crond_pid" 2>/dev/null && alive=yes
crond_stop
diag "waited ${waited}s from crond's start for the job and its mail"

check_eq "crond was running until the job's mail was dropped" yes "$alive"
if grep -q "USER $U pid *[0-9][0-9]* cmd " "$T/crond.log"; then
	ok "crond started $U's job (its log says so)"
else
	fail "crond started $U's job (its log says so)" "crond's log:" \
	    "$(cat "$T/crond.log")"
fi
check_eq "crond ran sendmail (postie) and it printed nothing" "" \
    "$(cat "$T/crond.out")"
as_user $U cat "$SYS_CONF" >/dev/null 2>&1
check_eq "$U cannot read postie.conf" 1 "$?"
check_eq "one file waits in the maildrop: $U's own, group postie, mode 640" \
    "$U:postie:640" \
    "$(find "$SYS_SPOOL/maildrop" -type f -exec stat -c '%U:%G:%a' {} +)"
check_eq "nothing is sent before the queue run" 0 "$(pf_mail_count "$PF_DIR")"

log_from=$(($(wc -l <"$PF_DIR/maillog") + 1))
sys_run postie -q
check_rc "postie -q as postie: exit 0" 0
check_eq "postie -q as postie: nothing on stderr" "" "$err"
check_eq "the maildrop is empty after the run" 0 \
    "$(find "$SYS_SPOOL/maildrop" -type f | wc -l | tr -d ' ')"

if delivered 1; then
	f=$(cat "$T/delivered")
	check_eq "the envelope sender is $U's %U address" \
	    "<$U@example.test>" "$(header "$f" Return-Path)"
	check_eq "MAILTO=$U is the recipient, qualified" \
	    "$U@example.test" "$(header "$f" X-Original-To)"
	check_eq "cron's To: $U is qualified (rewrite_domain)" \
	    "$U@example.test" "$(header "$f" To)"
	check_eq "From: is $U's %U address" "$U@example.test" \
	    "$(header "$f" From)"
	check_eq "Subject: is cron's" "cron: $job" "$(header "$f" Subject)"
	check_eq "a Received: field names the user" \
	    "Received: by $(hostname) (postie, from userid $uid, user $U);" \
	    "$(grep -m1 'postie, from userid' "$f" | tr -d '\r')"
	tr -d '\r' <"$f" | sed '1,/^$/d' >"$T/body.got"
	check_file_eq "the body is the job's output: it ran as $U, who cannot read postie.conf" \
	    "$T/body.want" "$T/body.got"
	sleep 0.5
	check_eq "it was sent authenticated as the system account ($PF_USER)" 1 \
	    "$(tail -n +"$log_from" "$PF_DIR/maillog" |
	    grep -c "sasl_username=$PF_USER@")"
else
	fail "the envelope sender is $U's %U address" "$(cat "$T/pf_wait")"
	fail "MAILTO=$U is the recipient, qualified"
	fail "cron's To: $U is qualified (rewrite_domain)"
	fail "From: is $U's %U address"
	fail "Subject: is cron's"
	fail "a Received: field names the user"
	fail "the body is the job's output: it ran as $U, who cannot read postie.conf"
	fail "it was sent authenticated as the system account ($PF_USER)"
fi
