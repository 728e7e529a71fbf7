#!/bin/sh
# When BDAT is not used: "chunking off" (postie's own key, for a server
# whose BDAT is broken) sends DATA though CHUNKING is offered, inherited
# from defaults too; a server that does not offer CHUNKING gets DATA; and
# only the EHLO inside TLS counts (RFC 3207 4.2): CHUNKING offered before
# STARTTLS alone is forgotten, offered after it is used. A bad value is a
# configuration error naming the line.
. "$(dirname "$0")/../lib/lib.sh"
plan 17

printf 'From: sender@example.test\nTo: rcpt@example.test\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nMessage-ID: <3084@example.test>\nSubject: x\n\n.dot\nbody\n' >"$T/msg"
# as DATA carries it: CRLF, the leading dot doubled
printf 'From: sender@example.test\r\nTo: rcpt@example.test\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <3084@example.test>\r\nSubject: x\r\n\r\n..dot\r\nbody\r\n' >"$T/want.data"

fake_start serve --implicit-tls --chunking
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "chunking off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "chunking off: exit 0" 0
check_sent "chunking off: DATA though CHUNKING is offered" \
    "EHLO AUTH MAIL RCPT DATA QUIT"
check_file_eq "chunking off: the message dot-stuffed, as DATA sends it" \
    "$T/want.data" "$T/data"

# from defaults
fake_start serve --implicit-tls --chunking
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
sed -i 's/^defaults$/defaults\nchunking off/' "$T/rc"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "chunking off in defaults: exit 0" 0
check_sent "chunking off in defaults: DATA" "EHLO AUTH MAIL RCPT DATA QUIT"

# the account's own "chunking on" wins over defaults
fake_start serve --implicit-tls --chunking
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "chunking on"
sed -i 's/^defaults$/defaults\nchunking off/' "$T/rc"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "chunking on over defaults' off: exit 0" 0
check_sent "chunking on over defaults' off: BDAT" "EHLO AUTH MAIL RCPT BDAT QUIT"

# no CHUNKING offered
fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "no CHUNKING offered: exit 0" 0
check_sent "no CHUNKING offered: DATA" "EHLO AUTH MAIL RCPT DATA QUIT"
check_file_eq "no CHUNKING offered: the message dot-stuffed" "$T/want.data" "$T/data"

# STARTTLS: CHUNKING before TLS only is forgotten
fake_start - <<'S'
send 220 fake.test ESMTP
expect EHLO
send 250-fake.test\n250-PIPELINING\n250-CHUNKING\n250 STARTTLS
expect STARTTLS
send 220 2.0.0 go ahead
starttls
serve
S
config_fake "$T/rc" "$FAKE_PORT" starttls "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "CHUNKING before STARTTLS only: exit 0" 0
check_sent "CHUNKING before STARTTLS only: DATA" \
    "EHLO STARTTLS EHLO AUTH MAIL RCPT DATA QUIT"

fake_start serve --chunking
config_fake "$T/rc" "$FAKE_PORT" starttls "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "CHUNKING inside TLS: exit 0" 0
check_sent "CHUNKING inside TLS: BDAT" \
    "EHLO STARTTLS EHLO AUTH MAIL RCPT BDAT QUIT"

# a bad value
config_fake "$T/rc" 25 implicit "queue off" "chunking maybe"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "chunking maybe: exit 78" 78
check_err "chunking maybe: the error names the file, line and key" "$T/rc:" chunking
check_eq "chunking maybe: nothing queued" 0 "$(queue_count "$T/queue")"
