#!/bin/sh
# at(1): atd mails a job's output with "sendmail -i USER": the message is
# "Subject: Output from your job N" and "To: USER", nothing else. The
# user has no alias of their own: the aliases file's "default:" catches
# every local name it does not list (as in msmtp).
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 8

printf '%s\n' 'root: root@example.test' 'default: ops@example.test' >"$T/aliases"
config_postfix "$T/rc" smtps "queue_dir $T/queue" "aliases $T/aliases"
# atd pads the job number to eight columns
cat >"$T/msg" <<'M'
Subject: Output from your job       42
To: alice

warning: commands will be executed using /bin/sh
.
job done
M

postie_run -C "$T/rc" -i alice <"$T/msg"
check_rc "exit 0" 0
check_eq "nothing on stderr" "" "$err"
check_caller_mail "alice went to the default alias (RCPT TO)" ops@example.test \
    "the rest is atd's message byte for byte (the lone dot kept)" Date Message-ID From

# root is listed: its own alias wins over default
pf_clear_mail "$PF_DIR"
postie_run -C "$T/rc" -i root <"$T/msg"
if delivered 1; then
	check_eq "root went to its own alias, not default" "root@example.test" \
	    "$(header "$(cat "$T/delivered")" X-Original-To)"
else
	fail "root went to its own alias, not default" "exit $rc: $err" \
	    "$(cat "$T/pf_wait")"
fi
