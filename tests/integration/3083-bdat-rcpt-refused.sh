#!/bin/sh
# BDAT after a refused envelope. With PIPELINING a small message's "BDAT
# n LAST" leaves with MAIL and RCPT, so a refused envelope still gets a
# reply to it: postie reads every reply (the verdict is the envelope's,
# not the server's 503 to BDAT) and stays in step for the next message.
# A message larger than 64 KiB waits for the RCPT replies; so does every
# message without PIPELINING: a refused envelope then gets no BDAT.
. "$(dirname "$0")/../lib/lib.sh"
plan 28

printf 'From: sender@example.test\nTo: rcpt@example.test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nMessage-ID: <3083@example.test>\nSubject: x\n\nbody\n' >"$T/msg"
{
	printf 'From: sender@example.test\nTo: rcpt@example.test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nMessage-ID: <3083.big@example.test>\nSubject: big\n\n'
	python3 -c 'print(("y" * 99 + "\n") * 1000, end="")'
} >"$T/big"
small=$(sed 's/$/\r/' "$T/msg" | wc -c | tr -d ' ')

messages() { grep -c '^# message of' "$T/transcript"; }

# run_ MSG RCPTS SCRIPT-LINE...: a fake server offering CHUNKING runs the
# lines then serves; one submission of MSG to RCPTS, queue off
run_() {
	m=$1 r=$2; shift 2
	printf '%s\n' "$@" serve >"$T/script"
	fake_start "$T/script" --implicit-tls --chunking
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
	postie_run -C "$T/rc" $r <"$m"
	fake_wait
}

run_ "$T/msg" "rcpt@example.test bad@example.test" \
    "reply-rcpt bad@example.test 550 5.1.1 no such user"
check_rc "one of two refused, queue off: exit 67" 67
check "one of two refused: the error line names it" grep -q 'bad@example.test.*550' "$T/stderr"
check_sent "one of two refused: BDAT went with the envelope" \
    "EHLO AUTH MAIL RCPT RCPT BDAT QUIT"
check_eq "one of two refused: the server kept the message" 1 "$(messages)"

run_ "$T/msg" bad@example.test "reply-rcpt bad@example.test 550 5.1.1 no such user"
check_rc "every RCPT refused: exit 67" 67
check_err_at "every RCPT refused: the error quotes the RCPT reply" "$FAKE_PORT" \
    "RCPT TO:<bad@example.test>: 550 5.1.1 no such user"
check_sent "every RCPT refused: the pipelined BDAT, then only QUIT" \
    "EHLO AUTH MAIL RCPT BDAT QUIT"
check_transcript "every RCPT refused: the server answered BDAT" '^S: 503 5\.5\.1 no valid recipients$'
check_eq "every RCPT refused: no message kept" 0 "$(messages)"

run_ "$T/msg" bad@example.test "reply-rcpt bad@example.test 450 4.2.1 try later"
check_rc "every RCPT refused with 4xx: exit 75" 75
check_err_at "every RCPT refused with 4xx: the error quotes it" "$FAKE_PORT" "450 4.2.1 try later"

run_ "$T/msg" rcpt@example.test "reply MAIL 553 5.7.1 sender not allowed"
check_rc "MAIL refused: exit 69" 69
check_err_at "MAIL refused: the error quotes the MAIL reply" "$FAKE_PORT" \
    "MAIL FROM:<sender@example.test>" "553 5.7.1 sender not allowed"
check_sent "MAIL refused: the pipelined RCPT and BDAT, then only QUIT" \
    "EHLO AUTH MAIL RCPT BDAT QUIT"

# larger than 64 KiB: BDAT waits for the envelope's verdict
run_ "$T/big" bad@example.test "reply-rcpt bad@example.test 550 5.1.1 no such user"
check_rc "large, every RCPT refused: exit 67" 67
check_sent "large, every RCPT refused: no BDAT" "EHLO AUTH MAIL RCPT QUIT"
run_ "$T/big" rcpt@example.test
check_rc "large, accepted: exit 0" 0
check_sent "large, accepted: BDAT after the RCPT reply" "EHLO AUTH MAIL RCPT BDAT QUIT"
check "large, accepted: the message as sent" sh -c \
    "sed 's/\$/\\r/' '$T/big' | cmp -s - '$T/data'"

# without PIPELINING nothing is sent before its turn
run_ "$T/msg" bad@example.test \
    'reply EHLO 250-fake.test\n250-CHUNKING\n250-AUTH PLAIN LOGIN\n250 8BITMIME' \
    "reply-rcpt bad@example.test 550 5.1.1 no such user"
check_rc "no PIPELINING, RCPT refused: exit 67" 67
check_sent "no PIPELINING, RCPT refused: no BDAT" "EHLO AUTH MAIL RCPT QUIT"

# a queue run on one connection: after the refused envelope's BDAT reply,
# RSET, and the next message goes through in step
QD=$T/q
config_fake "$T/rc" 1 implicit "queue_dir $QD" "queue_bounce off"
postie_run -C "$T/rc" bad@example.test <"$T/msg"
check_rc "queue run: the first message queued (no server)" 0
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "queue run: the second queued" 0
printf '%s\n' "reply-rcpt bad@example.test 550 5.1.1 no such user" serve >"$T/script"
fake_start "$T/script" --implicit-tls --chunking
config_fake "$T/rc" "$FAKE_PORT" implicit "queue_dir $QD" "queue_bounce off"
postie_run -C "$T/rc" -qf
fake_wait
check_sent "queue run: BDAT answered, RSET, the next message" \
    "EHLO AUTH MAIL RCPT BDAT RSET MAIL RCPT BDAT QUIT"
check_eq "queue run: the BDATs" "BDAT $small LAST BDAT $small LAST" \
    "$(sed -n 's/^C: BDAT/BDAT/p' "$T/transcript" | tr '\n' ' ' | sed 's/ $//')"
check_eq "queue run: the server kept one message" 1 "$(messages)"
check "queue run: no protocol error" sh -c "! grep -qi 'more than was asked' '$T/stderr'"
check_eq "queue run: the refused one in failed/, the other delivered" "0 1" \
    "$(queue_count "$QD") $(queue_count "$QD" failed)"
