#!/bin/sh
# Debian's cron: "sendmail -FCronDaemon -i -B8BITMIME -oem USER", a message
# with From/To/Subject and X-Cron-Env headers but no Date and no
# Message-ID, sent to a bare local name (or MAILTO's "a@x,b@y" as one
# argument). cron only logs the exit status: the mail must arrive, or at
# least be queued. The account's aliases file says who "root" is.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 13

printf '%s\n' '# who root is' 'root: root@example.test' >"$T/aliases"
config_postfix "$T/rc" smtps "queue_dir $T/queue" "aliases $T/aliases"
cat >"$T/msg" <<'M'
From: root (Cron Daemon)
To: root
Subject: Cron <root@host> /usr/local/bin/backup
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit
X-Cron-Env: <SHELL=/bin/sh>
X-Cron-Env: <HOME=/root>
X-Cron-Env: <PATH=/usr/bin:/bin>
X-Cron-Env: <LOGNAME=root>

backup: 3 files, 8-bit output: café
.
the line above was a lone dot: -i keeps it
M

postie_run -C "$T/rc" -FCronDaemon -i -B8BITMIME -oem root <"$T/msg"
check_rc "cron to root: exit 0" 0
check_eq "cron to root: nothing on stderr" "" "$err"
check_caller_mail "root went to the alias (RCPT TO)" root@example.test \
    "the rest is cron's message byte for byte (From, To kept)" Date Message-ID

# MAILTO="ops@example.test,dev@example.test": one argument, two recipients
pf_clear_mail "$PF_DIR"
sed 's/^To: root$/To: ops@example.test,dev@example.test/' "$T/msg" >"$T/msg2"
postie_run -C "$T/rc" -FCronDaemon -i -B8BITMIME -oem \
    "ops@example.test,dev@example.test" <"$T/msg2"
check_rc "MAILTO with two addresses in one argument: exit 0" 0
if delivered 2; then
	check_eq "each address got one copy" \
	    "dev@example.test ops@example.test" "$(delivered_to)"
	split_added "$(head -n 1 "$T/delivered")" Date Message-ID
	to_lf "$T/msg2" >"$T/want"
	check_file_eq "the copy is cron's message" "$T/want" "$T/got"
else
	fail "each address got one copy" "$(cat "$T/pf_wait")"
	fail "the copy is cron's message"
fi

# The server is down: cron ignores the status, so the mail must wait in
# the queue, and the status says it is safe.
set -- $(pf_free_ports 1)
config_postfix "$T/rc.down" smtps "queue_dir $T/queue.down" \
    "aliases $T/aliases"
sed -i "s/^port .*/port $1/" "$T/rc.down"
postie_run -C "$T/rc.down" -FCronDaemon -i -B8BITMIME -oem root <"$T/msg"
check_rc "server down: exit 0 (queued)" 0
check_eq "server down: the message waits in the queue" 1 \
    "$(queue_count "$T/queue.down")"
check_queued "server down: one line says it is queued" "localhost:$1"
qf=$(ls "$T/queue.down"/queue/*.env 2>/dev/null | head -n 1)
if [ -n "$qf" ] && grep -qF root@example.test "$qf"; then
	ok "server down: the queued envelope holds the alias"
else
	fail "server down: the queued envelope holds the alias" \
	    "$(cat "$qf" 2>/dev/null)"
fi
