#!/bin/sh
# Date, Message-ID and From, when the message lacks them, are added at the
# end of its header block and the rest arrives byte for byte. The added
# From is the account's sender with the -F name (which wins over
# from_full_name; a name that is not ASCII is RFC 2047-encoded). A message
# that has all three arrives exactly as sent; set_*_header off adds
# nothing; set_from_header on replaces the message's own From.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 19

# header_names FILE: the names of FILE's header fields, lower case
header_names() {
	awk '/^$/ { exit } /^[^ \t]/ { k = tolower($0); sub(/:.*/, "", k)
	    print k }' "$1"
}

config_postfix "$T/rc" smtps "queue_dir $T/queue" "from_full_name Config Name"
cat >"$T/bare" <<'M'
To: rcpt@example.test
Subject: no Date, no Message-ID, no From
X-Folded: one
	two

From here on it is the body, not a header.
Date: neither is this.
M

# 1. All three added; -F wins over from_full_name.
pf_clear_mail "$PF_DIR"
postie_run -C "$T/rc" -F "Cron Daemon" -i rcpt@example.test <"$T/bare"
check_rc "bare message: exit 0" 0
check_eq "bare message: nothing on stderr" "" "$err"
if delivered 1; then
	split_added "$(cat "$T/delivered")" Date Message-ID From
	check_eq "From: the account's sender with the -F name" \
	    "From: Cron Daemon <sender@example.test>" \
	    "$(grep -i '^from:' "$T/added")"
	check_date_msgid "one well-formed Date: and Message-ID: added" own
	check_eq "the added fields end the header block" "date from message-id" \
	    "$(header_names "$T/full" | tail -n 3 | sort | tr '\n' ' ' |
	    sed 's/ $//')"
	to_lf "$T/bare" >"$T/want"
	check_file_eq "the rest byte for byte" "$T/want" "$T/got"
else
	fail "From: the account's sender with the -F name" "$(cat "$T/pf_wait")"
	fail "one well-formed Date: and Message-ID: added"
	fail "the added fields end the header block"
	fail "the rest byte for byte"
fi

# 2. from_full_name, not ASCII: an RFC 2047 encoded-word.
config_postfix "$T/rc.utf8" smtps "queue_dir $T/queue" \
    "from_full_name Jürgen Müller"
sed -e '1i\
Date: Sat, 28 Nov 2026 12:00:00 +0000\
Message-ID: <2005.2@example.test>' "$T/bare" >"$T/dated"
pf_clear_mail "$PF_DIR"
postie_run -C "$T/rc.utf8" -i rcpt@example.test <"$T/dated"
check_rc "from_full_name Jürgen Müller: exit 0" 0
if delivered 1; then
	split_added "$(cat "$T/delivered")" From
	check_eq "From: the name as encoded-words, decoded back" \
	    "Jürgen Müller <sender@example.test>" \
	    "$(sed 's/^From: //' "$T/added" | python3 -c 'import sys
from email.header import decode_header, make_header
v = sys.stdin.buffer.read().strip()
if not v.isascii() or b"=?UTF-8?B?" not in v:
    print("not encoded:", v)
else:
    print(str(make_header(decode_header(v.decode()))))')"
	to_lf "$T/dated" >"$T/want"
	check_file_eq "only From added; Date and Message-ID kept" \
	    "$T/want" "$T/got"
else
	fail "From: the name as encoded-words, decoded back" "$(cat "$T/pf_wait")"
	fail "only From added; Date and Message-ID kept"
fi

# 3. All three present: exactly the originals.
cat >"$T/full_msg" <<'M'
from: Someone Else <someone@example.test>
To: rcpt@example.test
Subject: has them all
DATE: Sat, 28 Nov 2026 12:00:00 +0000
Message-Id: <2005.3@example.test>

body
M
pf_clear_mail "$PF_DIR"
postie_run -C "$T/rc" -F "Cron Daemon" -i rcpt@example.test <"$T/full_msg"
check_rc "complete message: exit 0" 0
to_lf "$T/full_msg" >"$T/want"
check_delivered "complete message: exactly the original fields" "$T/want"

# 3b. -v says what was written into the header block, and only that.
postie_run -v -C "$T/rc" -F "Cron Daemon" -i rcpt@example.test <"$T/bare"
check_eq "-v, bare message: says Date, Message-ID and From were written" \
    "postie: added a Date: header|postie: added a Message-ID: header|postie: wrote the From: header from the account" \
    "$(grep -E 'added a|wrote the' "$T/stderr" | tr '\n' '|' | sed 's/|$//')"
postie_run -v -C "$T/rc" -F "Cron Daemon" -i rcpt@example.test <"$T/full_msg"
check_rc "-v, complete message: exit 0" 0
check_eq "-v, complete message: nothing said written" "" \
    "$(grep -E 'added a|wrote the' "$T/stderr")"

# 4. set_*_header off: nothing is added.
config_postfix "$T/rc.off" smtps "queue_dir $T/queue" "set_date_header off" \
    "set_msgid_header off" "set_from_header off"
pf_clear_mail "$PF_DIR"
postie_run -C "$T/rc.off" -F "Cron Daemon" -i rcpt@example.test <"$T/bare"
check_rc "set_*_header off: exit 0" 0
to_lf "$T/bare" >"$T/want"
check_delivered "set_*_header off: nothing added" "$T/want"

# 5. set_from_header on: the message's From is replaced by ours.
config_postfix "$T/rc.on" smtps "queue_dir $T/queue" "set_from_header on"
pf_clear_mail "$PF_DIR"
postie_run -C "$T/rc.on" -F "Cron Daemon" -i rcpt@example.test <"$T/full_msg"
check_rc "set_from_header on: exit 0" 0
if delivered 1; then
	split_added "$(cat "$T/delivered")" From
	check_eq "set_from_header on: one From, ours" \
	    "From: Cron Daemon <sender@example.test>" "$(cat "$T/added")"
	grep -iv '^from:' "$T/full_msg" >"$T/want"
	check_file_eq "set_from_header on: the rest byte for byte" \
	    "$T/want" "$T/got"
else
	fail "set_from_header on: one From, ours" "$(cat "$T/pf_wait")"
	fail "set_from_header on: the rest byte for byte"
fi
