#!/bin/sh
# The TLS session cache never trusts a file it should not: a corrupt file
# means a full, verified handshake (and the message is delivered), so
# does a session verified over a day ago, a file
# others can read is removed unused, another user's file is not used
# (and replaced: the directory is ours), a directory open to others is
# not used; one account's session is never offered for another account
# or host. Against the fake server, whose transcript says whether it
# resumed.
. "$(dirname "$0")/../lib/lib.sh"
plan 29

printf '%s\n' "From: a@example.test" "Subject: x" "" "body" >"$T/msg"
# kinds: "full" or "resumed" for each handshake the fake server made
kinds() {
	awk '/^# tls established/ { printf "%s%s", sep,
	    / resumed$/ ? "resumed" : "full"; sep = " " }' "$T/transcript"
}
run() { postie_run -v -C "$T/rc" -i rcpt@example.test <"$T/msg"; }

# A first run fills the cache; then the file is damaged each way.
fake_start serve --connections 7
config_fake "$T/rc" "$FAKE_PORT" starttls
run
set -- "$T"/tls/*
file=$1
check_rc "first run: exit 0" 0


printf 'postie-tls-session 1 %020d\ngarbage, not a session' "$(date +%s)" >"$file"
run
check_rc "corrupt session file: exit 0" 0
check "corrupt session file: said with -v, removed" \
    grep -q "unusable.*removed" "$T/stderr"
check "corrupt session file: a full handshake, certificate verified" \
    grep -q "certificate verified for" "$T/stderr"
check "corrupt session file: replaced by a good one" \
    test -s "$file" -a "$(head -c 20 "$file")" = "postie-tls-session 1"

printf 'not even the header of a session file, but long enough to be read' >"$file"
run
check_rc "file without the header: exit 0" 0
check "file without the header: malformed, removed" \
    grep -q "malformed; removed" "$T/stderr"

# a session whose full handshake was two days ago
{ printf 'postie-tls-session 1 %020d\n' $(($(date +%s) - 172800))
  tail -c +43 "$file"; } >"$T/old"
cat "$T/old" >"$file"
run
check_rc "session verified two days ago: exit 0" 0
check "session verified two days ago: removed unused" \
    grep -q "verified over a day ago; removed" "$T/stderr"

chmod 644 "$file"
run
check_rc "file readable by others: exit 0" 0
check "file readable by others: removed unused" \
    grep -q "readable or writable by others; removed" "$T/stderr"
check "file readable by others: the new one is 0600" \
    test "$(stat -c %a "$file")" = 600

chown nobody "$file"
run
check_rc "another user's file: exit 0" 0
check "another user's file: ignored" \
    grep -q "belongs to another user; ignored" "$T/stderr"
check "another user's file: replaced by one of ours" \
    test "$(stat -c %u "$file")" = "$(id -u)"

chmod 755 "$T/tls"
run
check_rc "directory open to others: exit 0" 0
check "directory open to others: not used" \
    grep -q "not a directory of ours closed to others" "$T/stderr"
chmod 700 "$T/tls"
fake_wait
check_eq "the server saw only full handshakes" \
    "full full full full full full full" "$(kinds)"

# Another account on the same server, and the same account name for
# another host name (127.0.0.1, verified as localhost): full handshakes,
# each with its own file; the first account still resumes.
rm -rf "$T/tls"
fake_start serve --connections 5
config_fake "$T/rc" "$FAKE_PORT" starttls
{
	cat "$T/rc"
	printf '%s\n' "account other : test" "account viaip : test" \
	    "host 127.0.0.1" "tls_host_override localhost"
} >"$T/rc2"
mv "$T/rc2" "$T/rc"; chmod 600 "$T/rc"
run
check_rc "account test: exit 0" 0
postie_run -v -C "$T/rc" -a other -i rcpt@example.test <"$T/msg"
check_rc "account other: exit 0" 0
check "account other: a full handshake" \
    grep -q "postie: TLS: full handshake" "$T/stderr"
postie_run -v -C "$T/rc" -a viaip -i rcpt@example.test <"$T/msg"
check_rc "host 127.0.0.1: exit 0" 0
check "host 127.0.0.1: a full handshake" \
    grep -q "postie: TLS: full handshake" "$T/stderr"
run
check "account test: resumed" grep -q "postie: TLS session resumed" "$T/stderr"
# The same account with a priority string: its session is not the one
# negotiated under the old priorities.
config_fake "$T/rc" "$FAKE_PORT" starttls "tls_priorities NORMAL"
run
check_rc "with tls_priorities: exit 0" 0
check "with tls_priorities: a full handshake" \
    grep -q "postie: TLS: full handshake" "$T/stderr"
fake_wait
check_eq "the server saw full, full, full, resumed, full" \
    "full full full resumed full" "$(kinds)"
check_eq "four session files" 4 "$(ls "$T/tls" | wc -l | tr -d ' ')"
check "no session file holds the password" \
    sh -c '! grep -q wonderland-secret "$1"/tls/*' - "$T"

