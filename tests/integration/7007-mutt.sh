#!/bin/sh
# mutt and neomutt: "sendmail -oem -oi [-B8BITMIME] [-f FROM] [-N DSN]
# [-R RET] -- RCPT..." (Bcc already taken out and given as an argument).
# The message is complete (Date, From, Message-ID), 8-bit: it arrives
# untouched. -N and -R reach the wire as NOTIFY= and RET= when the server
# offers DSN. mutt shows stderr to the user: a problem is one line.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 13

config_postfix "$T/rc" submission "queue_dir $T/queue"
cat >"$T/msg" <<'M'
Date: Sat, 28 Nov 2026 18:00:00 +0100
From: Me <me@example.test>
To: Recipient <rcpt@example.test>
Cc: other@example.test
Subject: mutt to two, one hidden
Message-ID: <20261128170000.GA1234@host.example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Disposition: inline
Content-Transfer-Encoding: 8bit
User-Agent: Mutt/2.2.9 (2022-11-12)

Grüße,
> a quoted line
..a line with two dots
-- 
Me
M
args="-oem -oi -B8BITMIME -f me@example.test -N failure,delay -R hdrs --"

postie_run -C "$T/rc" $args rcpt@example.test other@example.test \
    hidden@example.test <"$T/msg"
check_rc "exit 0" 0
check_eq "nothing on stderr" "" "$err"
if delivered 3; then
	check_eq "To, Cc and the Bcc argument got one copy each" \
	    "hidden@example.test other@example.test rcpt@example.test" \
	    "$(delivered_to)"
	f=$(head -n 1 "$T/delivered")
	check_eq "envelope sender: -f" "<me@example.test>" \
	    "$(header "$f" Return-Path)"
	pf_strip_trace "$f" >"$T/got"
	check_file_eq "the message arrived byte for byte" "$T/msg" "$T/got"
else
	fail "To, Cc and the Bcc argument got one copy each" "$(cat "$T/pf_wait")"
	fail "envelope sender: -f"
	fail "the message arrived byte for byte"
fi

# A recipient the server refuses for now: queued, said in one line.
pf_clear_mail "$PF_DIR"
postie_run -C "$T/rc" $args tempfail@example.test <"$T/msg"
check_rc "450 for the recipient: exit 0 (queued)" 0
check_queued "450: one line, queued" tempfail@example.test
# Refused for good: mutt shows the line and keeps the draft.
postie_run -C "$T/rc" $args reject@example.test <"$T/msg"
check_rc "550 for the recipient: exit 67" 67
check_err "550: one line naming the recipient" reject@example.test

# DSN on the wire, from a server that offers it
fake_start - --implicit-tls <<'S' || exit 1
reply EHLO 250-fake.test\n250-PIPELINING\n250-8BITMIME\n250-DSN\n250-ENHANCEDSTATUSCODES\n250 AUTH PLAIN LOGIN
serve
S
config_fake "$T/rc.fake" "$FAKE_PORT" implicit "queue_dir $T/queue.fake"
postie_run -C "$T/rc.fake" $args rcpt@example.test <"$T/msg"
fake_wait
check_rc "DSN server: exit 0" 0
mail_line=$(grep '^C: MAIL FROM:' "$T/transcript")
rcpt_line=$(grep '^C: RCPT TO:' "$T/transcript")
if printf '%s\n' "$mail_line" | grep -qiE '^C: MAIL FROM:<me@example\.test>.* RET=HDRS( |$)'; then
	ok "-R hdrs: MAIL FROM ... RET=HDRS"
else
	fail "-R hdrs: MAIL FROM ... RET=HDRS" "$mail_line"
fi
if printf '%s\n' "$mail_line" | grep -qiE ' BODY=8BITMIME( |$)'; then
	ok "8-bit body: BODY=8BITMIME"
else
	fail "8-bit body: BODY=8BITMIME" "$mail_line"
fi
if printf '%s\n' "$rcpt_line" | grep -qiE '^C: RCPT TO:<rcpt@example\.test> .*NOTIFY=FAILURE,DELAY( |$)'; then
	ok "-N failure,delay: RCPT TO ... NOTIFY=FAILURE,DELAY"
else
	fail "-N failure,delay: RCPT TO ... NOTIFY=FAILURE,DELAY" "$rcpt_line"
fi
