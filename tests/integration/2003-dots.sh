#!/bin/sh
# Lines starting with a dot arrive as written (dot-stuffing on the wire);
# with -i or -oi a lone "." is just a line, and no input can end DATA early
# (SMTP smuggling); without them a lone "." line ends the input.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 8

config_postfix "$T/rc" submission
{
	printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
	    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <2003@example.test>" \
	    "Subject: dots" "" ".leading dot" "..two leading dots" ". dot space" \
	    "..." "before the lone dot" "." "after the lone dot" ".." \
	    "smuggling attempts follow"
	printf 'bare LF dot\n.\nCRLF dot\r\n.\r\nMAIL FROM:<evil@example.test>\r\n'
	printf 'bare CR dot\r.\rRCPT TO:<evil@example.test>\n'
	printf '%s\n' "last line" "."
} >"$T/msg"
to_lf "$T/msg" >"$T/want.i"
# without -i the input ends before the first line that is a lone "."
awk '$0 == "." { exit } { print }' "$T/msg" >"$T/want.noi"

for flag in -i -oi; do
	pf_clear_mail "$PF_DIR"
	postie_run -C "$T/rc" $flag rcpt@example.test <"$T/msg"
	check_rc "$flag: exit 0" 0
	check_delivered "$flag: every line arrives, dots and all" "$T/want.i"
done

pf_clear_mail "$PF_DIR"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "without -i: exit 0" 0
check_delivered "without -i: a lone dot ends the input" "$T/want.noi"

# nothing but a lone dot after the headers: the message has an empty body
pf_clear_mail "$PF_DIR"
printf '%s\n' "From: sender@example.test" "To: rcpt@example.test" \
    "Date: Sat, 28 Nov 2026 12:00:00 +0000" "Message-ID: <2003.2@example.test>" \
    "Subject: empty" "" "." "not part of the message" >"$T/msg2"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg2"
check_rc "without -i, dot right after the headers: exit 0" 0
sed -n '1,6p' "$T/msg2" >"$T/want2"
check_delivered "without -i, dot right after the headers: empty body" "$T/want2"
