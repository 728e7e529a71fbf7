#!/bin/sh
# GNU mailutils' mail: "sendmail -oi -f user@host -t". The message has
# To, Cc and Subject and no From, Date or Message-ID: postie adds From
# from -f (the sender the user chose), Date and Message-ID.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 8

config_postfix "$T/rc" submission "queue_dir $T/queue"
cat >"$T/msg" <<'M'
To: rcpt@example.test
Cc: cc@example.test
Subject: mailutils
X-Mailer: mail (GNU Mailutils 3.15)
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Sent with GNU mail.
.
Still the message (-oi).
M

postie_run -C "$T/rc" -oi -f user@example.test -t <"$T/msg"
check_rc "exit 0" 0
check_eq "nothing on stderr" "" "$err"
if delivered 2; then
	check_eq "To and Cc got one copy each" \
	    "cc@example.test rcpt@example.test" "$(delivered_to)"
	f=$(head -n 1 "$T/delivered")
	check_eq "envelope sender: -f" "<user@example.test>" \
	    "$(header "$f" Return-Path)"
	split_added "$f" Date Message-ID From
	check_date_msgid "Date: and Message-ID: added"
	check_eq "From: added from -f" "From: user@example.test" \
	    "$(grep -i '^from:' "$T/added")"
	check_file_eq "the rest byte for byte (the lone dot kept)" \
	    "$T/msg" "$T/got"
else
	fail "To and Cc got one copy each" "$(cat "$T/pf_wait")"
	fail "envelope sender: -f"
	fail "Date: and Message-ID: added"
	fail "From: added from -f"
	fail "the rest byte for byte (the lone dot kept)"
fi
check_eq "no copy left behind in the queue" 0 "$(queue_count "$T/queue")"
