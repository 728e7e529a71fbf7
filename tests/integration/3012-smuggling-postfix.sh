#!/bin/sh
# The bodies of 3011, built to smuggle a second message, sent with -i
# through the real Postfix: the Maildir holds exactly one message, its
# text as written (line ends made LF by the Maildir, dots unstuffed), and
# no message for evil@example.test.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 21

hdr='From: sender@example.test\r\nTo: rcpt@example.test\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <3012.%s@example.test>\r\nSubject: smuggling %s\r\n\r\n'
config_postfix "$T/rc" submission

case_() {
	pf_clear_mail "$PF_DIR"
	printf "$hdr$2" "$1" "$1" >"$T/msg.$1"
	postie_run -C "$T/rc" -i rcpt@example.test <"$T/msg.$1"
	check_rc "$1: exit 0" 0
	to_lf "$T/msg.$1" >"$T/want.$1"
	check_delivered "$1: the one message, as written" "$T/want.$1"
	pf_settle 10
	check_eq "$1: exactly one message in the Maildir" 1 "$(pf_mail_count "$PF_DIR")"
}

case_ bare-lf 'one\r\ntwo\nthree\r\n'
case_ bare-cr 'one\rtwo\r\nthree\r\n'
case_ lf-dot-lf 'x\n.\nMAIL FROM:<evil@example.test>\nRCPT TO:<evil@example.test>\nDATA\n\nsmuggled\n'
case_ crlf-dot-cr 'x\r\n.\rMAIL FROM:<evil@example.test>\r\nDATA\r\n'
case_ cr-dot-cr 'x\r.\rMAIL FROM:<evil@example.test>\r\n'
case_ dot-at-start '.\r\nMAIL FROM:<evil@example.test>\r\n'
case_ dot-in-middle 'before\r\n.\r\nMAIL FROM:<evil@example.test>\r\n.\r\nafter\r\n'
