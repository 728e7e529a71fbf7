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
if delivered 1; then
	f=$(cat "$T/delivered")
	check_eq "To: root went to the alias (RCPT TO)" "root@example.test" \
	    "$(header "$f" X-Original-To)"
	check_eq "envelope sender: the account's from" "<sender@example.test>" \
	    "$(header "$f" Return-Path)"
	split_added "$f" Date Message-ID From
	check_date_msgid "a Date: and a Message-ID: were added"
	check_eq "a From: with the account's from was added" \
	    "From: sender@example.test" "$(grep -i '^from:' "$T/added")"
	to_lf "$T/msg" >"$T/want"
	check_file_eq "the rest is the message byte for byte (To: root kept)" \
	    "$T/want" "$T/got"
else
	fail "To: root went to the alias (RCPT TO)" "$(cat "$T/pf_wait")"
	fail "envelope sender: the account's from"
	fail "a Date: and a Message-ID: were added"
	fail "a From: with the account's from was added"
	fail "the rest is the message byte for byte (To: root kept)"
fi
