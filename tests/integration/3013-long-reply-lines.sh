#!/bin/sh
# Reply lines longer than RFC 5321's 512 octets: accepted up to 4096 bytes
# a line (servers do send long ones) and 64 KiB a reply, the lines after
# them read in step; a line or a reply over the bound is a protocol error
# (exit 76), one error line, nothing sent after it (the stream is out of
# step, so not even QUIT), no crash and
# no truncation that would read the rest of the line as the next reply.
. "$(dirname "$0")/../lib/lib.sh"
plan 18

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
# x N: N letters x
x() { python3 -c 'import sys; sys.stdout.write("x" * int(sys.argv[1]))' "$1"; }

# run_ehlo EHLO-REPLY: the fake server answers EHLO with it, then serves
run_ehlo() {
	printf 'reply EHLO %s\nserve\n' "$1" >"$T/long.script"
	fake_start "$T/long.script" --implicit-tls
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
}

# 1000- and 4000-byte continuation lines before the capabilities: read
# whole, and AUTH, the line after them, still seen
run_ehlo "250-fake.test\\n250-X-LONG $(x 990)\\n250-X-LONGER $(x 3980)\\n250-AUTH PLAIN LOGIN\\n250 8BITMIME"
check_rc "continuation lines of 1000 and 4000 bytes: exit 0" 0
check_sent "long lines read in step: AUTH after them was seen" \
    "EHLO AUTH MAIL RCPT DATA QUIT"
check "long lines read in step: the message arrived" test -s "$T/data"

# a line of 4096 bytes of text plus CRLF: the bound itself, taken
run_ehlo "250-fake.test\\n250-X-$(x 4090)\\n250 AUTH PLAIN"
check_rc "a line of exactly 4096 bytes: exit 0" 0

# a line over the bound, in a multi-line reply
run_ehlo "250-fake.test\\n250-X-$(x 5000)\\n250 AUTH PLAIN"
check_rc "a 5006-byte reply line: exit 76" 76
check_err_at "a 5006-byte reply line: one error line saying so" "$FAKE_PORT" "longer than 4096"
check_sent "a 5006-byte reply line: nothing sent after EHLO" "EHLO"
check "a 5006-byte reply line: stderr does not hold the line" \
    sh -c "[ \$(wc -c <'$T/stderr') -lt 1000 ]"

# a line of 4097 bytes, the first past the bound
run_ehlo "250-fake.test\\n250-X-$(x 4091)\\n250 AUTH PLAIN"
check_rc "a line of 4097 bytes: exit 76" 76

# the first line of the greeting over the bound
printf 'reply GREETING 220 %s\nserve\n' "$(x 6000)" >"$T/long.script"
fake_start "$T/long.script" --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "a 6004-byte greeting: exit 76" 76
check_err_at "a 6004-byte greeting: one error line" "$FAKE_PORT" "longer than 4096"
check_no_auth_no_mail "a 6004-byte greeting: no AUTH, no MAIL"

# a reply of many lines, each in bounds, over 64 KiB together
many=$(python3 -c 'print("\\n".join(["250-X-" + "x" * 2000] * 40))')
run_ehlo "250-fake.test\\n$many\\n250 AUTH PLAIN"
check_rc "a reply of 80 KB: exit 76" 76
check_err_at "a reply of 80 KB: one error line naming the bound" "$FAKE_PORT" "longer than 65536"
check_sent "a reply of 80 KB: nothing sent after EHLO" "EHLO"

# a 250 reply to MAIL with a 3000-byte continuation: the RCPT and DATA
# replies that follow are read in step
printf 'reply MAIL 250-%s\\n250 2.1.0 ok\nserve\n' "$(x 3000)" >"$T/long.script"
fake_start "$T/long.script" --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "a long continuation in MAIL's reply: exit 0" 0
check_sent "a long continuation in MAIL's reply: one transaction" \
    "EHLO AUTH MAIL RCPT DATA QUIT"
check "a long continuation in MAIL's reply: the message arrived" test -s "$T/data"
