#!/bin/sh
# systemd-cron: "sendmail -i -B8BITMIME USER", run by a system user (no
# home, no XDG directories) with a message that has no From, no Date and
# no Message-ID. postie adds them, the aliases file says who root is.
# Here the system user is nobody with a configuration of its own (-C): the
# machine-wide path (maildrop, /etc/postie.conf) is the queue's to test.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 8

if ! command -v runuser >/dev/null 2>&1 && ! command -v setpriv >/dev/null 2>&1; then
	skip_all "neither runuser nor setpriv to run as nobody"
fi
if ! runuser -u nobody -- test -x "$POSTIE" 2>/dev/null; then
	skip_all "nobody cannot run $POSTIE (a directory on its path is closed)"
fi
# nobody walks through $T into its own directory, owns its files
chmod 711 "$T"
mkdir "$T/sys"
printf '%s\n' 'root: root@example.test' >"$T/sys/aliases"
config_postfix "$T/sys/rc" smtps "queue_dir $T/sys/queue" \
    "aliases $T/sys/aliases"
chown -R nobody "$T/sys"
chmod 700 "$T/sys"

cat >"$T/msg" <<'M'
Content-Type: text/plain; charset=UTF-8
Subject: [host] job cron-daily-backup.service failed
To: root
Auto-Submitted: auto-generated
Content-Transfer-Encoding: 8bit
MIME-Version: 1.0

× cron-daily-backup.service - [Cron] "backup"
     Loaded: loaded (/etc/crontab; generated)
     Active: failed (Result: exit-code)
M

runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME=/nonexistent LANG=C.UTF-8 \
    "$POSTIE" -C "$T/sys/rc" -i -B8BITMIME root <"$T/msg" \
    >"$T/stdout" 2>"$T/stderr"
rc=$? err=$(cat "$T/stderr")
check_rc "as nobody: exit 0" 0
check_eq "as nobody: nothing on stderr" "" "$err"
check_caller_mail "root went to the alias (RCPT TO)" root@example.test \
    "the rest is the message byte for byte" Date Message-ID From
left=$(find "$T" -type f -newer "$T/msg" ! -user nobody ! -name stdout ! -name stderr \
    ! -name delivered ! -name pf_wait ! -name full ! -name got ! -name added \
    ! -name want 2>/dev/null)
check_eq "nothing created outside nobody's own files" "" "$left"
