#!/bin/sh
# Replies that refuse a BDAT chunk (RFC 3030). The reply to BDAT LAST
# decides as the reply after DATA's final dot does: 5xx exits 69 (kept in
# failed/ with the queue), 4xx exits 75 or queues, a dropped connection
# queues. A refused chunk of a larger message stops it: no chunk is sent
# after the refusal is read, the one already on its way gets its reply
# read too, the error quotes the refused chunk, and on the same
# connection the next message of a queue run follows a RSET. A silent
# server is named with the chunk it was sent.
. "$(dirname "$0")/../lib/lib.sh"
plan 37

printf 'From: sender@example.test\nTo: rcpt@example.test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nMessage-ID: <3082@example.test>\nSubject: x\n\nbody\n' >"$T/msg"
python3 -c '
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"From: sender@example.test\nTo: rcpt@example.test\n"
            b"Date: Sat, 28 Nov 2026 12:00:00 +0000\n"
            b"Message-ID: <3082.big@example.test>\nSubject: big\n\n")
    line = b"x" * 510 + b"\n"
    for i in range(5120):
        f.write(line)
' "$T/big"
# octets with CRLF line ends: as queued, as BDAT counts them
small=$(sed 's/$/\r/' "$T/msg" | wc -c | tr -d ' ')
rest=$(($(sed 's/$/\r/' "$T/big" | wc -c) - 2097152))

messages() { grep -c '^# message of' "$T/transcript"; }

# run_ MSG [CONFIG-LINE...]: a fake server offering CHUNKING runs
# $T/script then serves; one submission of MSG
run_() {
	m=$1; shift
	echo serve >>"$T/script"
	fake_start "$T/script" --implicit-tls --chunking
	config_fake "$T/rc" "$FAKE_PORT" implicit "$@"
	postie_run -C "$T/rc" rcpt@example.test <"$m"
	fake_finish
}

# the reply to BDAT LAST, queue off: as after DATA's dot
echo 'reply . 554 5.6.0 message refused' >"$T/script"
run_ "$T/msg" "queue off"
check_rc "554 to BDAT LAST: exit 69" 69
check_err_at "554 to BDAT LAST: the error names BDAT and quotes the reply" \
    "$FAKE_PORT" "BDAT $small LAST: 554 5.6.0 message refused"
check_sent "554 to BDAT LAST: nothing after it but QUIT" \
    "EHLO AUTH MAIL RCPT BDAT QUIT"
check_eq "554 to BDAT LAST: the server kept no message" 0 "$(messages)"

echo 'reply . 451 4.3.0 try again later' >"$T/script"
run_ "$T/msg" "queue off"
check_rc "451 to BDAT LAST: exit 75" 75
check_err_at "451 to BDAT LAST: the error quotes the reply" "$FAKE_PORT" \
    "BDAT $small LAST: 451 4.3.0 try again later"

# with the queue: 4xx queued, 5xx kept in failed/, a hang-up queued
QD=$T/q-451
echo 'reply . 451 4.3.0 try again later' >"$T/script"
run_ "$T/msg" "queue_dir $QD"
check_rc "queue on, 451 to BDAT LAST: exit 0 (queued)" 0
check_queued "queue on, 451: the queued line quotes the reply" "BDAT $small LAST" 451
check_eq "queue on, 451: in the queue" "1 0" "$(queue_count "$QD") $(queue_count "$QD" failed)"

QD=$T/q-554
echo 'reply . 554 5.6.0 message refused' >"$T/script"
run_ "$T/msg" "queue_dir $QD"
check_rc "queue on, 554 to BDAT LAST: exit 69" 69
check_err_at "queue on, 554: the error quotes the reply" "$FAKE_PORT" 554 "message refused"
check_eq "queue on, 554: kept in failed/" "0 1" "$(queue_count "$QD") $(queue_count "$QD" failed)"

QD=$T/q-close
echo 'reply . close' >"$T/script"
run_ "$T/msg" "queue_dir $QD"
check_rc "no answer to BDAT LAST, the connection dropped: exit 0 (queued)" 0
check_queued "dropped: one queued line" "closed the connection"
check_eq "dropped: in the queue" "1 0" "$(queue_count "$QD") $(queue_count "$QD" failed)"

# a larger message: the first chunk refused; the second, sent before the
# first reply came (PIPELINING), is answered and read; no third
echo 'reply-chunk 1 552 5.3.4 too big for this mailbox' >"$T/script"
run_ "$T/big" "queue off"
check_rc "552 to the first chunk: exit 69" 69
check_err_at "552 to the first chunk: the error quotes that chunk's reply" \
    "$FAKE_PORT" "BDAT 1048576: 552 5.3.4 too big for this mailbox"
check_eq "552 to the first chunk: no chunk after those already sent" \
    "1048576 1048576" "$(chunks)"
check_sent "552 to the first chunk: then only QUIT" \
    "EHLO AUTH MAIL RCPT BDAT BDAT QUIT"
check_transcript "552 to the first chunk: the server read the second and refused it" \
    '^S: 503 5.5.1 an earlier chunk was refused$'
check_eq "552 to the first chunk: the server kept no message" 0 "$(messages)"

echo 'reply-chunk 2 451 4.3.0 disk full' >"$T/script"
run_ "$T/big" "queue off"
check_rc "451 to the second chunk: exit 75" 75
check_err_at "451 to the second chunk: the error quotes that chunk's reply" \
    "$FAKE_PORT" "BDAT 1048576: 451 4.3.0 disk full"
check_eq "451 to the second chunk: the last chunk was on its way, nothing after" \
    "1048576 1048576 $rest LAST" "$(chunks)"
check_sent "451 to the second chunk: then only QUIT" \
    "EHLO AUTH MAIL RCPT BDAT BDAT BDAT QUIT"
check_eq "451 to the second chunk: the server kept no message" 0 "$(messages)"

# a queue run on one connection: the large message refused at its first
# chunk goes to failed/, RSET, the next message is delivered, then the
# bounce of the large one to its sender
QD=$T/q-run
config_fake "$T/rc" 1 implicit "queue_dir $QD"
postie_run -C "$T/rc" rcpt@example.test <"$T/big"
check_rc "queue run: the large message queued (no server)" 0
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "queue run: the small one queued after it" 0
printf '%s\n' 'reply-chunk 1 552 5.3.4 too big for this mailbox' serve >"$T/script"
fake_start "$T/script" --implicit-tls --chunking
config_fake "$T/rc" "$FAKE_PORT" implicit "queue_dir $QD"
postie_run -C "$T/rc" -qf
fake_finish
check_sent "queue run: one connection, RSET after the refused message" \
    "EHLO AUTH MAIL RCPT BDAT BDAT RSET MAIL RCPT BDAT MAIL RCPT BDAT QUIT"
got=$(chunks)
case $got in
"1048576 1048576 $small LAST "[0-9]*" LAST" | \
"1048576 1048576 "[0-9]*" LAST $small LAST") ok "queue run: the chunks" ;;
*) fail "queue run: the chunks" "want: 1048576 1048576, then $small LAST and the bounce's N LAST" "got:  $got" ;;
esac
check_eq "queue run: the server kept two messages" 2 "$(messages)"
check "queue run: the small message" grep -q '^D: Message-ID: <3082@example.test>$' "$T/transcript"
check "queue run: the bounce, to the sender, names the refusal" sh -c \
    "grep -q '^C: RCPT TO:<sender@example.test>' '$T/transcript' &&
    grep -q '^D: .*552 5.3.4 too big for this mailbox' '$T/transcript'"
check_eq "queue run: the large one in failed/, the queue empty" "0 1" \
    "$(queue_count "$QD") $(queue_count "$QD" failed)"
check "queue run: RSET answered 250" grep -q '^S: 250 2.0.0 ok$' "$T/transcript"

# a server that reads BDAT and falls silent: the wait ends with the
# timeout, the error naming the chunk (queue off: exit 75)
cat >"$T/script" <<'S'
send 220 fake.test ESMTP
expect EHLO
send 250-fake.test\n250-PIPELINING\n250-CHUNKING\n250 AUTH PLAIN
expect AUTH
send 235 2.7.0 authenticated
expect MAIL
expect RCPT
expect BDAT
send 250 2.1.0 sender ok\n250 2.1.5 recipient ok
sleep 6
S
fake_start "$T/script" --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "timeout 1"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_finish 1
check_rc "silent after BDAT LAST: exit 75" 75
check_err_at "silent after BDAT LAST: the error names the chunk" "$FAKE_PORT" \
    "BDAT $small LAST: no answer within 1 s"
