#!/bin/sh
# Replies that break the dialogue's step, with "queue off": a multi-line
# reply whose codes differ, a reply nobody asked for (with and without
# PIPELINING), codes that are not SMTP. Each is exit 76 (EX_PROTOCOL),
# one error line, and no message data sent once the step is lost. And a
# server that accepts DATA after refusing every RCPT gets only the lone
# "." RFC 2920 3.1 asks for, never the message (exit 67).
. "$(dirname "$0")/../lib/lib.sh"
plan 21

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
no_data() { ! grep -q '^D: ' "$T/transcript" && [ ! -e "$T/data" ]; }

# run SCRIPT-LINE...: the fake server (implicit TLS) runs them, then serve
run() {
	printf '%s\n' "$@" serve >"$T/g.script"
	fake_start "$T/g.script" --implicit-tls
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
}

run 'reply EHLO 250-fake.test\n550 5.0.0 changed its mind'
check_rc "250- then 550 in one reply: exit 76" 76
check_err_at "250- then 550: the error names both codes" "$FAKE_PORT" "250, then 550"
check_sent "250- then 550: nothing after EHLO" "EHLO"

run 'reply EHLO 250-fake.test\n250 AUTH PLAIN' 'reply MAIL 250 2.1.0 ok\r\n250 2.1.5 unasked'
check_rc "an unasked reply after MAIL: exit 76" 76
check_err_at "an unasked reply: the error says so" "$FAKE_PORT" "more than was asked" MAIL
check_sent "an unasked reply: nothing after MAIL" "EHLO AUTH MAIL"
check "an unasked reply: no message data" no_data

# pipelined: the extra 250 would answer RCPT, RCPT's answer DATA, and so on
run 'reply MAIL 250 2.1.0 ok\r\n250 2.1.5 unasked'
check_rc "an unasked reply in a pipelined batch: exit 76" 76
check_err_at "in a pipelined batch: the error names DATA's odd reply" "$FAKE_PORT" DATA 250
check_sent "in a pipelined batch: nothing after DATA, not even QUIT (the server took 354)" \
    "EHLO AUTH MAIL RCPT DATA"
check "in a pipelined batch: no message data" sh -c "! grep -q '^# message of' '$T/transcript'"

run 'reply MAIL 2500 ok'
check_rc "a four-digit code: exit 76" 76
check_err_at "a four-digit code: the error quotes it" "$FAKE_PORT" "not SMTP" 2500
check "a four-digit code: no message data" no_data

run 'reply RCPT 650 5.0.0 no such class'
check_rc "a 6xx code: exit 76" 76
check_err_at "a 6xx code: the error quotes it" "$FAKE_PORT" "not SMTP" 650

# every RCPT refused, DATA accepted all the same
run 'reply RCPT 550 5.1.1 no such user' 'reply DATA 354 go ahead anyway'
check_rc "354 after every RCPT refused: exit 67" 67
check_err_at "354 after every RCPT refused: the RCPT refusal is quoted" "$FAKE_PORT" 550 rcpt@example.test
check_transcript "354 after every RCPT refused: a lone dot ends it" '^# message of 0 bytes'
check "354 after every RCPT refused: no message data" sh -c "! grep -q '^D: ' '$T/transcript'"
check_sent "354 after every RCPT refused: then QUIT" "EHLO AUTH MAIL RCPT DATA QUIT"
