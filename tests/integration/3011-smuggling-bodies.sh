#!/bin/sh
# Bodies built to end DATA early and smuggle a second message (bare LF,
# bare CR, LF "." LF, CRLF "." CR, a "." line at the start or in the
# middle): each reaches the server as ONE message, every line ending in
# CRLF, every line that starts with a dot stuffed. The fake server records
# the DATA bytes exactly as they came over the wire, and the commands:
# exactly one MAIL, and nothing after the message but QUIT. (2003 sends
# the same kind of bodies through Postfix and checks the Maildir.)
. "$(dirname "$0")/../lib/lib.sh"
plan 40

hdr='From: sender@example.test\r\nTo: rcpt@example.test\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <3011@example.test>\r\nSubject: smuggling\r\n\r\n'

# wire FILE: FILE as it must go over the wire: every line end (CRLF, LF or
# a lone CR) a CRLF, a leading dot doubled
wire() {
	python3 -c '
import re, sys
data = open(sys.argv[1], "rb").read()
lines = re.split(rb"\r\n|\r|\n", data)
if lines and lines[-1] == b"":
    lines.pop()
sys.stdout.buffer.write(b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines))
' "$1"
}

# case NAME FLAG BODY: the message is the header block and BODY (printf
# escapes); with FLAG -i every byte is content
case_() {
	name=$1 flag=$2
	printf "$hdr$3" >"$T/msg.$name"
	fake_start serve --implicit-tls
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
	postie_run -C "$T/rc" $flag rcpt@example.test <"$T/msg.$name"
	fake_wait
	check_rc "$name: exit 0" 0
	check_sent "$name: one transaction, nothing after it but QUIT" \
	    "EHLO AUTH MAIL RCPT DATA QUIT"
	check_eq "$name: the server saw one message" 1 \
	    "$(grep -c '^# message of' "$T/transcript")"
	[ -n "${4:-}" ] && printf "$hdr$4" >"$T/msg.$name"
	wire "$T/msg.$name" >"$T/want.$name"
	if cmp -s "$T/want.$name" "$T/data"; then
		ok "$name: the DATA bytes, CRLF and stuffed"
	else
		fail "$name: the DATA bytes, CRLF and stuffed" "want:" \
		    "$(od -c "$T/want.$name")" "got:" "$(od -c "$T/data" 2>&1)"
	fi
	# no line end but CRLF: no bare CR, no bare LF
	if python3 -c '
import re, sys
d = open(sys.argv[1], "rb").read()
sys.exit(1 if re.search(rb"\r(?!\n)|(?<!\r)\n", d) else 0)' "$T/data"; then
		ok "$name: every line ends in CRLF"
	else
		fail "$name: every line ends in CRLF" "$(od -c "$T/data")"
	fi
}

case_ bare-lf -i 'one\r\ntwo\nthree\r\n'
case_ bare-cr -i 'one\rtwo\r\nthree\r\n'
case_ lf-dot-lf -i 'x\n.\nMAIL FROM:<evil@example.test>\nRCPT TO:<evil@example.test>\nDATA\n\nsmuggled\n'
case_ crlf-dot-cr -i 'x\r\n.\rMAIL FROM:<evil@example.test>\r\nDATA\r\n'
case_ cr-dot-cr -i 'x\r.\rMAIL FROM:<evil@example.test>\r\n'
case_ dot-at-start -i '.\r\nMAIL FROM:<evil@example.test>\r\n'
case_ dot-in-middle -i 'before\r\n.\r\nMAIL FROM:<evil@example.test>\r\n.\r\nafter\r\n'
# without -i a lone "." line ends the input (sendmail's rule): the rest is
# never read, let alone sent as commands
case_ no-i-dot-line '' 'before\n.\nMAIL FROM:<evil@example.test>\n' 'before\n'
