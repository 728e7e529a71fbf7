#!/bin/sh
# A message larger than one chunk (1 MiB) goes in several BDATs: every
# chunk but the last 1048576 octets, the last "LAST" with the rest, the
# lengths exactly what the server read, and the octets joined are the
# message. At the edges: exactly 1 MiB is one chunk, one octet more is
# two. The same with a server that offers CHUNKING without PIPELINING
# (each chunk waits for its reply).
. "$(dirname "$0")/../lib/lib.sh"
plan 20

# mkmsg FILE SIZE: a message of exactly SIZE octets, CRLF line ends
mkmsg() {
	python3 -c '
import sys
size = int(sys.argv[2])
head = (b"From: sender@example.test\r\nTo: rcpt@example.test\r\n"
        b"Subject: large\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\n"
        b"Message-ID: <3081@example.test>\r\n\r\n")
body = bytearray()
n = 0
while len(head) + len(body) < size:
    body += b".%07d the quick brown fox jumps over the lazy dog 0123456789\r\n" % n
    n += 1
data = head + bytes(body)
data = data[:size - 2] + b"\r\n"
open(sys.argv[1], "wb").write(data)
' "$1" "$2"
}

read_sizes() { sed -n 's/^# bdat chunk [0-9]*: \([0-9]*\) octets.*/\1/p' "$T/transcript" | tr '\n' ' ' | sed 's/ $//'; }

# case_ NAME SIZE CHUNKS [EHLO]: a SIZE-octet message goes as the BDATs
# CHUNKS ("1048576 1048576 LAST-SIZE"); EHLO overrides the capabilities
case_() {
	name=$1 sz=$2 want=$3
	mkmsg "$T/msg" "$sz"
	{
		[ -z "${4:-}" ] || printf 'reply EHLO %s\n' "$4"
		echo serve
	} >"$T/script"
	fake_start "$T/script" --implicit-tls --chunking
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$name: exit 0" 0
	check_eq "$name: the BDAT commands" "$want" "$(chunks)"
	check_eq "$name: the server read exactly what each announced" \
	    "$(echo "$want" | sed 's/ LAST//')" "$(read_sizes)"
	check_file_eq "$name: the octets joined are the message" "$T/msg" "$T/data"
}

M=1048576
case_ "2.5 MB" 2621440 "$M $M 524288 LAST"
case_ "exactly 1 MiB" $M "$M LAST"
case_ "1 MiB and one octet" $((M + 1)) "$M 1 LAST"
case_ "no PIPELINING, 2.5 MB" 2621440 "$M $M 524288 LAST" \
    '250-fake.test\n250-CHUNKING\n250-AUTH PLAIN LOGIN\n250 8BITMIME'
case_ "no PIPELINING, small" 4000 "4000 LAST" \
    '250-fake.test\n250-CHUNKING\n250-AUTH PLAIN LOGIN\n250 8BITMIME'
