#!/bin/sh
# A server that offers CHUNKING (RFC 3030) gets the message by BDAT: one
# "BDAT n LAST" whose n is exactly the octets that follow, and those
# octets are the message with every line ending made CRLF and nothing
# else changed: a line starting with "." arrives as it is (no
# dot-stuffing), and the bodies of 3011 built to smuggle a second message
# arrive as one. A message without a final line end gets one, counted.
# -v shows "BDAT n LAST", never the message text.
. "$(dirname "$0")/../lib/lib.sh"
plan 41

hdr='From: sender@example.test\r\nTo: rcpt@example.test\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <3080@example.test>\r\nSubject: chunking\r\n\r\n'

# crlf FILE: FILE with every line end (CRLF, LF or a lone CR) made CRLF
# and a final one added: what BDAT must carry, octet for octet
crlf() {
	python3 -c '
import re, sys
data = open(sys.argv[1], "rb").read()
lines = re.split(rb"\r\n|\r|\n", data)
if lines and lines[-1] == b"":
    lines.pop()
sys.stdout.buffer.write(b"".join(l + b"\r\n" for l in lines))
' "$1"
}

size() { wc -c <"$1" | tr -d ' '; }

# case_ NAME BODY: the header block and BODY (printf escapes), sent with -i
case_() {
	name=$1
	printf "$hdr$2" >"$T/msg.$name"
	fake_start serve --implicit-tls --chunking
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
	postie_run -C "$T/rc" -i rcpt@example.test <"$T/msg.$name"
	fake_wait
	check_rc "$name: exit 0" 0
	check_sent "$name: BDAT instead of DATA, nothing after it but QUIT" \
	    "EHLO AUTH MAIL RCPT BDAT QUIT"
	crlf "$T/msg.$name" >"$T/want.$name"
	n=$(size "$T/want.$name")
	check_transcript "$name: one BDAT LAST with the exact length ($n)" \
	    "^C: BDAT $n LAST\$"
	check_eq "$name: one chunk, read as $n octets" \
	    "# bdat chunk 1: $n octets, last" "$(grep '^# bdat chunk' "$T/transcript")"
	if cmp -s "$T/want.$name" "$T/data"; then
		ok "$name: the octets, CRLF and not dot-stuffed"
	else
		fail "$name: the octets, CRLF and not dot-stuffed" "want:" \
		    "$(od -c "$T/want.$name")" "got:" "$(od -c "$T/data" 2>&1)"
	fi
}

case_ dots '.leading dot\r\n..two dots\r\nmiddle\r\n.\r\nafter a lone dot\r\n'
case_ bare-lf 'one\r\ntwo\nthree\r\n'
case_ bare-cr 'one\rtwo\r\nthree\r\n'
case_ lf-dot-lf 'x\n.\nMAIL FROM:<evil@example.test>\nRCPT TO:<evil@example.test>\nDATA\n\nsmuggled\n'
case_ crlf-dot-crlf 'x\r\n.\r\nMAIL FROM:<evil@example.test>\r\nRCPT TO:<evil@example.test>\r\nBDAT 10 LAST\r\n0123456789'
case_ cr-dot-cr 'x\r.\rMAIL FROM:<evil@example.test>\r\n'
case_ no-final-newline 'the last line has no end'
check_eq "no-final-newline: the message ends with the added CRLF" "d\\r\\n" \
    "$(tail -c 3 "$T/data" | od -An -c | tr -d ' ')"

# -v: the commands and BDAT's length, never the text of the message
printf "${hdr}secret-body-text\r\n.dot line\r\n" >"$T/msg"
fake_start serve --implicit-tls --chunking
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" -v rcpt@example.test <"$T/msg"
fake_wait
check_rc "-v: exit 0" 0
n=$(size "$T/data")
check "-v: shows '--> BDAT $n LAST'" grep -qx -- "--> BDAT $n LAST" "$T/stderr"
check "-v: says how much went in how many chunks" \
    grep -q "sent $n octets of message data in 1 BDAT chunk\$" "$T/stderr"
check "-v: no line of the message" sh -c "! grep -q -e secret-body-text -e 'dot line' -e 'Subject: chunking' '$T/stderr'"
check "-v: the reply to BDAT shown" grep -qx -- "<-- 250 2.0.0 queued" "$T/stderr"
