#!/bin/sh
# SIZE (RFC 1870): MAIL declares the message's size; a message larger than
# the server's announced limit is refused before MAIL (exit 69), the error
# line naming both sizes.
. "$(dirname "$0")/../lib/lib.sh"
plan 7

{
	printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: big\n\n'
	i=0
	while [ $i -lt 80 ]; do
		printf '%s\n' 'a line of about sixty-four octets, to make a message of 5 KB.'
		i=$((i + 1))
	done
} >"$T/msg"
SIZE_1000='reply EHLO 250-fake.test\n250-PIPELINING\n250-SIZE 1000\n250-AUTH PLAIN LOGIN\n250 HELP'

printf '%s\nserve\n' "$SIZE_1000" >"$T/script"
fake_start "$T/script" --implicit-tls
# Nothing added to the message: its size is known to the octet.
config_fake "$T/rc" "$FAKE_PORT" implicit "set_date_header off" \
    "set_msgid_header off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "a 5 KB message to a server taking 1000 octets: exit 69" 69
check_err_at "the error line names SIZE and both sizes" "$FAKE_PORT" \
    SIZE "1000 octets" "5106 octets" "5.0KB"
check_sent "no envelope command was sent: QUIT after AUTH" "EHLO AUTH QUIT"

# Under the limit, MAIL declares the size.
printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: small\n\nbody\n' >"$T/small"
fake_start "$T/script" --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit
postie_run -C "$T/rc" rcpt@example.test <"$T/small"
fake_wait
check_rc "a small message to the same server: exit 0" 0
check_sent "a small message: the whole transaction" \
    "EHLO AUTH MAIL RCPT DATA QUIT"
check_transcript "MAIL declares SIZE=" '^C: MAIL FROM:<[^>]*> SIZE=[1-9][0-9]*( |$)'
check_transcript "the message went" '^# message of'
