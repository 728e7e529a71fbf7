#!/bin/sh
# GNU mailutils' mail: "sendmail -oi -f user@host -t". The message has
# To, Cc and Subject and no From, Date or Message-ID: postie adds From
# from -f (the sender the user chose), Date and Message-ID.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 8

# header FILE NAME: the value of FILE's first NAME: header (any case)
header() {
	awk -v n="$2" 'BEGIN { n = tolower(n) ":" }
	    /^$/ { exit }
	    tolower(substr($0, 1, length(n))) == n {
		sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$1"
}
# split_added FILE NAME...: FILE (delivered) without Postfix's trace into
# $T/got, less the header lines NAME... (which postie adds) that go to
# $T/added
split_added() {
	sa_f=$1; shift
	pf_strip_trace "$sa_f" >"$T/full"
	awk -v names="$*" 'BEGIN { n = split(tolower(names), v, " ")
		for (i = 1; i <= n; i++) want[v[i]] = 1 }
	    !body && /^$/ { body = 1 }
	    !body { k = tolower($0); sub(/:.*/, "", k)
		if (k in want) { print >"/dev/stderr"; next } }
	    { print }' "$T/full" >"$T/got" 2>"$T/added"
}
# check_date_msgid DESC: $T/added holds one well-formed Date: and one
# Message-ID:
check_date_msgid() {
	if [ "$(grep -ciE '^date: ' "$T/added")" -eq 1 ] &&
	    grep -qE '^[Dd][Aa][Tt][Ee]: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$' "$T/added" &&
	    [ "$(grep -ciE '^message-id: ' "$T/added")" -eq 1 ] &&
	    grep -qiE '^message-id: <[^<>@ ]+@[^<>@ ]+>$' "$T/added"; then
		ok "$1"
	else
		fail "$1" "want one Date: and one Message-ID: added, got:" \
		    "$(cat "$T/added")"
	fi
}

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
	for f in $(cat "$T/delivered"); do header "$f" Delivered-To; done |
	    sort | tr '\n' ' ' >"$T/rcpts"
	check_eq "To and Cc got one copy each" \
	    "cc@example.test rcpt@example.test " "$(cat "$T/rcpts")"
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
