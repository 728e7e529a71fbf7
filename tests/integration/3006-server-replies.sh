#!/bin/sh
# With "queue off": server replies that end a submission: a 5xx after the message exits 69
# (EX_UNAVAILABLE), a 4xx exits 75, garbage instead of a reply exits 76
# (EX_PROTOCOL); the error line quotes the reply where there is one.
. "$(dirname "$0")/../lib/lib.sh"
plan 13

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

fake_start - --implicit-tls <<'S'
reply . 554 5.6.0 message refused by the fake server
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "554 after the final dot: exit 69" 69
check_sent "554 after the final dot: then QUIT" "EHLO AUTH MAIL RCPT DATA QUIT"
check_err "the error line quotes the reply" 554 "message refused by the fake server"

fake_start - --implicit-tls <<'S'
reply . 451 4.3.0 try again later
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "451 after the final dot: exit 75" 75
check_sent "451 after the final dot: then QUIT" "EHLO AUTH MAIL RCPT DATA QUIT"
check_err "the error line quotes the reply" 451

fake_start - --implicit-tls <<'S'
reply MAIL 553 5.7.1 sender not allowed
serve
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "553 at MAIL: exit 69" 69
check_sent "553 at MAIL: the pipelined group, then QUIT" \
    "EHLO AUTH MAIL RCPT DATA QUIT"
check_err "the error line quotes the reply" 553

fake_start - --implicit-tls <<'S'
send-raw HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n
expect-eof
S
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "a greeting that is not SMTP: exit 76" 76
check_sent "a greeting that is not SMTP: no command sent" ""
check_err_at "one error line" "$FAKE_PORT"
check_no_auth_no_mail "no AUTH and no MAIL after garbage"
