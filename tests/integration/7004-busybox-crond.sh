#!/bin/sh
# busybox crond: "sendmail -t -oem -i" on a message that is only
# "To: USER" and "Subject: cron: COMMAND", then the job's output. postie
# adds From (the account's), Date and Message-ID; -t reads the bare
# recipient from To, and the aliases file says who it is.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 7

printf '%s\n' 'root: root@example.test' >"$T/aliases"
config_postfix "$T/rc" submission "queue_dir $T/queue" "aliases $T/aliases"
printf 'To: root\nSubject: cron: /etc/periodic/daily/logrotate\n\nlogrotate: error: skipping "/var/log/app.log"\n' >"$T/msg"

postie_run -C "$T/rc" -t -oem -i <"$T/msg"
check_rc "exit 0" 0
check_eq "nothing on stderr" "" "$err"
check_caller_mail "To: root went to the alias (RCPT TO)" root@example.test \
    "the rest is the message byte for byte (To: root kept)" Date Message-ID From
