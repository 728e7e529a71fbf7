#!/bin/sh
# Symfony Mailer and Laravel run "sendmail -bs" and speak SMTP to it over
# its standard input and output. Python's smtplib plays that client here:
# two messages in one session, each answered 250 only once Postfix has it,
# and both arrive byte for byte. A refused recipient is answered with the
# server's verdict, so the client library sees it.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 10

config_postfix "$T/rc" smtps
for n in 1 2; do
	printf '%s\n' "From: App <sender@example.test>" "To: rcpt@example.test" \
	    "Subject: message $n of a -bs session" \
	    "Date: Sat, 28 Nov 2026 12:00:0$n +0000" \
	    "Message-ID: <7090.$n@example.test>" "" "Body of message $n." \
	    ".a line starting with a dot" "." "the end" >"$T/msg$n"
done
XDG_STATE_HOME=$T/state timeout 120 python3 "$TEST_LIB/bs-client.py" \
    -f sender@example.test -r rcpt@example.test --rset "$T/msg1" "$T/msg2" \
    -- "$POSTIE" -C "$T/rc" -bs -i >"$T/dialogue" 2>"$T/stderr"
rc=$?
err=$(cat "$T/stderr")
check_rc "the client saw every message accepted and QUIT answered" 0
check "the greeting names postie" grep -q '^S: 220 .*postie' "$T/dialogue"
check "EHLO offers PIPELINING and 8BITMIME" \
    sh -c "grep -q '^S: 250.PIPELINING' '$T/dialogue' && grep -q '^S: 250.8BITMIME' '$T/dialogue'"
check_eq "two final 250s after the data, each saying delivered" 2 \
    "$(grep -c '^S: 250 2.0.0 Ok: delivered' "$T/dialogue")"
check_eq "nothing on stderr" "" "$err"
if delivered 2; then
	set -- $(cat "$T/delivered")
	pf_strip_trace "$1" >"$T/got1"
	pf_strip_trace "$2" >"$T/got2"
	# Order of arrival is the order sent: one connection, in turn.
	check_file_eq "message 1 arrived byte for byte" "$T/msg1" "$T/got1"
	check_file_eq "message 2 arrived byte for byte" "$T/msg2" "$T/got2"
else
	fail "message 1 arrived" "$(cat "$T/pf_wait")"
	fail "message 2 arrived" ""
fi

# A recipient Postfix refuses: the client gets a 5xx reply to its data.
pf_clear_mail "$PF_DIR"
XDG_STATE_HOME=$T/state timeout 120 python3 "$TEST_LIB/bs-client.py" \
    -r reject@example.test "$T/msg1" \
    -- "$POSTIE" -C "$T/rc" -bs >"$T/dialogue" 2>"$T/stderr"
check "a refused recipient comes back as a 5xx reply" \
    grep -q '^S: 5[0-9][0-9] .*reject@example.test' "$T/dialogue"

# An account that cannot be used as configured (tls_certcheck off is
# refused): a 451 4.3.5 reply, so the client keeps the message and tries
# again once the administrator has mended the file.
pf_clear_mail "$PF_DIR"
config_postfix "$T/rc" smtps "tls_certcheck off"
XDG_STATE_HOME=$T/state timeout 120 python3 "$TEST_LIB/bs-client.py" \
    -r rcpt@example.test "$T/msg1" \
    -- "$POSTIE" -C "$T/rc" -bs >"$T/dialogue" 2>"$T/stderr"
check "a configuration refusal comes back as 451 4.3.5, naming the key" \
    grep -q '^S: 451 4\.3\.5 .*tls_certcheck off is refused' "$T/dialogue"
check_eq "a configuration refusal: nothing delivered" "" \
    "$(ls "$PF_MAILDIR"/new 2>/dev/null)"
