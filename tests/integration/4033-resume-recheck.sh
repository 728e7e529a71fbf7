#!/bin/sh
# A resumed TLS session is checked again: a session planted in the cache
# file of an account whose certificate name does not match (here copied
# from another account of the same server, which accepts it) resumes on
# the wire but is refused by postie with the usual certificate error, no
# AUTH and no MAIL are sent, and the planted file is removed.
. "$(dirname "$0")/../lib/lib.sh"
plan 8

printf '%s\n' "From: a@example.test" "Subject: x" "" "body" >"$T/msg"
fake_start serve --connections 3
config_fake "$T/rc" "$FAKE_PORT" starttls
{
	cat "$T/rc"
	printf '%s\n' "account other : test" "tls_host_override wrong.example"
} >"$T/rc2"
mv "$T/rc2" "$T/rc"; chmod 600 "$T/rc"

postie_run -v -C "$T/rc" -i rcpt@example.test <"$T/msg"
check_rc "account test: exit 0" 0
good=$(sed -n 's/^postie: TLS session cache: //p' "$T/stderr")
postie_run -v -C "$T/rc" -a other -i rcpt@example.test <"$T/msg"
check_rc "account other, full handshake: certificate refused" 69
planted=$(sed -n 's/^postie: TLS session cache: //p' "$T/stderr")
check "the two accounts have different cache files" \
    test -n "$good" -a -n "$planted" -a "$good" != "$planted"
cp "$good" "$planted"

: >"$T/transcript"
postie_run -C "$T/rc" -a other -i rcpt@example.test <"$T/msg"
fake_wait
check "the server resumed the planted session" \
    grep -q '^# tls established.* resumed$' "$T/transcript"
check_rc "the resumed session's certificate is refused" 69
check_err "the usual error names the name" "certificate does not match wrong.example"
check_no_auth_no_mail "and sends no AUTH, no MAIL"
check "the planted file is removed" test ! -e "$planted"
