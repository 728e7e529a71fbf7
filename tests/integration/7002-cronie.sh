#!/bin/sh
# cronie: "sendmail -FCronDaemon -i -odi -oem -oi -t -f root", a message
# "From: root (Cron Daemon)", "To: alice" (the crontab's owner), no Date,
# no Message-ID. With rewrite_domain, the bare names become addresses: in
# the envelope (RCPT TO from -t, MAIL FROM from -f root) and in From/To.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 11

config_postfix "$T/rc" smtps "queue_dir $T/queue" "rewrite_domain example.test"
cat >"$T/msg" <<'M'
From: root (Cron Daemon)
To: alice
Subject: Cron <alice@host> /home/alice/bin/sync
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Auto-Submitted: auto-generated
Precedence: bulk
X-Cron-Env: <LANG=C.UTF-8>
X-Cron-Env: <SHELL=/bin/sh>
X-Cron-Env: <HOME=/home/alice>
X-Cron-Env: <LOGNAME=alice>
X-Cron-Env: <USER=alice>

sync: nothing to do
M
args="-FCronDaemon -i -odi -oem -oi -t -f root"

postie_run -C "$T/rc" $args <"$T/msg"
check_rc "exit 0" 0
check_eq "nothing on stderr" "" "$err"
if delivered 1; then
	f=$(cat "$T/delivered")
	check_eq "To: alice went to alice@example.test (RCPT TO)" \
	    "alice@example.test" "$(header "$f" X-Original-To)"
	split_added "$f" Date Message-ID
	check_date_msgid "a Date: and a Message-ID: were added"
	sed -e 's/^From: root (Cron Daemon)$/From: root@example.test (Cron Daemon)/' \
	    -e 's/^To: alice$/To: alice@example.test/' "$T/msg" >"$T/want"
	check_file_eq "From and To qualified, the rest byte for byte" \
	    "$T/want" "$T/got"
else
	fail "To: alice went to alice@example.test (RCPT TO)" "$(cat "$T/pf_wait")"
	fail "a Date: and a Message-ID: were added"
	fail "From and To qualified, the rest byte for byte"
fi

# Postfix would qualify a bare "root" itself; a provider refuses it. So
# the envelope is read on the wire, from the fake server.
fake_start serve || exit 1
config_fake "$T/rc.fake" "$FAKE_PORT" starttls "queue_dir $T/queue.fake" \
    "rewrite_domain example.test"
postie_run -C "$T/rc.fake" $args <"$T/msg"
fake_wait
check_rc "fake server: exit 0" 0
check_transcript "-f root: MAIL FROM:<root@example.test>" \
    '^C: MAIL FROM:<root@example\.test>( |$)'
check_transcript "-t To: alice: RCPT TO:<alice@example.test>" \
    '^C: RCPT TO:<alice@example\.test>( |$)'
if grep -qE '^C: (MAIL FROM|RCPT TO):<[^@>]*>' "$T/transcript"; then
	fail "no bare name on the wire" "$(grep -E '^C: (MAIL|RCPT)' "$T/transcript")"
else
	ok "no bare name on the wire"
fi
check_eq "one RCPT TO" 1 "$(grep -c '^C: RCPT TO:' "$T/transcript")"
check_eq "fake server: nothing on stderr" "" "$err"
