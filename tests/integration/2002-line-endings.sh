#!/bin/sh
# Line endings: whatever the input uses (LF, CRLF, a mix, a lone CR, no
# final line end), every line leaves as CRLF (the test Postfix refuses a
# bare LF in DATA with 550) and arrives with its text unchanged.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 10

config_postfix "$T/rc" smtps
hdr='From: sender@example.test\nTo: rcpt@example.test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nMessage-ID: <2002.%s@example.test>\nSubject: line endings: %s\n'

# case NAME BODY-FORMAT: headers with LF, then BODY-FORMAT through printf
body() {
	case $1 in
	lf) printf "$hdr\nline one\nline two\n\nlast line\n" "$1" "$1" ;;
	crlf) printf "$hdr" "$1" "$1" | sed 's/$/\r/'
		printf '\r\nline one\r\nline two\r\n\r\nlast line\r\n' ;;
	mixed) printf "$hdr\r\nline one\r\nline two\n\r\nlast line\n" "$1" "$1" ;;
	cr) printf "$hdr\nbefore a lone CR\rafter it\nend\n" "$1" "$1" ;;
	noeol) printf "$hdr\nthe last line has no line end" "$1" "$1" ;;
	esac
}

for c in lf crlf mixed cr noeol; do
	pf_clear_mail "$PF_DIR"
	body $c >"$T/msg.$c"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg.$c"
	check_rc "$c: exit 0" 0
	to_lf "$T/msg.$c" >"$T/want.$c"
	check_delivered "$c: arrives unchanged" "$T/want.$c"
done
