#!/bin/sh
# SCRAM keys cached after a login (RFC 5802 section 5.1) beside the TLS
# sessions: the next run to the same server, salt and count skips PBKDF2
# and -v says so; 0600 files in a 0700 directory; a password changed on
# the server (535) removes the entry; a password changed in the file
# never uses the old one's keys; another salt or count is not used, and
# its login's keys overwrite the entry (a server that salts each login
# afresh keeps one file, not one a login); a
# password from passwordeval or netrc-less prompt is never cached, one
# from netrc is; tls_session_cache off keeps none.
. "$(dirname "$0")/../lib/lib.sh"
plan 35

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
MECHS="PLAIN SCRAM-SHA-256"
export HOME="$T/home"
mkdir -p "$HOME"

# run_once PASSWORD-ON-THE-SERVER [FAKESMTP-OPTION...] -- [CONFIG-LINE...]
run_once() {
	ro_pw=$1; shift
	ro_fake=
	while [ "$1" != -- ]; do ro_fake="$ro_fake $1"; shift; done
	shift
	# shellcheck disable=SC2086
	fake_start serve --implicit-tls --tls12 --auth-mechs "$MECHS" --user alice \
	    --password "$ro_pw" $ro_fake
	config_fake "$T/rc" "$FAKE_PORT" implicit "auth on" "$@"
	postie_run -v -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
}
scram_files() { find "$T/tls" -name 'scram-*' 2>/dev/null | sort; }
nfiles() { scram_files | wc -l | tr -d ' '; }

run_once wonderland-secret --
check_rc "first run: exit 0" 0
check "first run: -v says where the keys were cached" \
    grep -q "SCRAM keys cached in $T/tls/scram-[0-9a-f]\{64\}\$" "$T/stderr"
check "first run: not from the cache" sh -c "! grep -q 'SCRAM keys from the cache' '$T/stderr'"
check_eq "first run: one file" 1 "$(nfiles)"
F=$(scram_files)
check_eq "the file is 0600" 600 "$(stat -c %a "$F")"
check_eq "its directory is 0700" 700 "$(stat -c %a "$T/tls")"
check "the file holds no password" sh -c "! grep -q wonderland '$F'"

run_once wonderland-secret --
check_rc "second run: exit 0" 0
check "second run: -v says the keys came from the cache" \
    grep -q "SCRAM keys from the cache $F (no PBKDF2)" "$T/stderr"
check_transcript "second run: the server verified the proof" '^# sasl: SCRAM-SHA-256 proof and binding verified'
check "second run: the server's signature verified too (the message went)" test -s "$T/data"

# Another salt (a new password on the server, or a server that salts
# each login afresh): not used; that login's keys take the entry's place.
run_once wonderland-secret --scram-salt new-salt --
check_rc "another salt: exit 0" 0
check "another salt: not from the cache" sh -c "! grep -q 'SCRAM keys from the cache' '$T/stderr'"
check "another salt: -v says why" grep -q "SCRAM key cache $F: made for another salt or count" "$T/stderr"
check_eq "another salt: still one file, the same" "$F" "$(scram_files)"
run_once wonderland-secret --
check_rc "the first salt again: exit 0" 0
check "the first salt again: PBKDF2, then cached again" grep -q "SCRAM keys cached in $F\$" "$T/stderr"
check_eq "the first salt again: one file" 1 "$(nfiles)"

# The password changed in the file, the server still has the old one:
# never the old keys (the file's name depends on the password); PBKDF2,
# 535, exit 77.
run_once wonderland-secret -- "password changed-secret"
check_rc "password changed in the file: exit 77" 77
check "password changed in the file: the cache was not used" \
    sh -c "! grep -q 'SCRAM keys from the cache' '$T/stderr'"
check_eq "password changed in the file: the old entry stays" 1 "$(nfiles)"

# The password changed on the server, same salt: the cached keys are
# refused, and removed.
run_once other-secret --
check_rc "password changed on the server: exit 77" 77
check "password changed on the server: the cache was tried" grep -q "SCRAM keys from the cache $F" "$T/stderr"
check "password changed on the server: -v says the entry went" \
    grep -q "SCRAM key cache $F: refused; removed" "$T/stderr"
check "password changed on the server: the file is gone" test ! -e "$F"
run_once wonderland-secret --
check "after the refusal: PBKDF2 again, and cached again" \
    sh -c "! grep -q 'SCRAM keys from the cache' '$T/stderr' && test -e '$F'"

# passwordeval: never cached.
rm -f "$T/tls"/scram-*
fake_start serve --implicit-tls --tls12 --auth-mechs "$MECHS" --user alice --password wonderland-secret
config_fake "$T/rc.tmp" "$FAKE_PORT" implicit "auth on" "passwordeval \"echo wonderland-secret\""
grep -v '^password ' "$T/rc.tmp" | write_config "$T/rc"
postie_run -v -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "passwordeval: exit 0" 0
check "passwordeval: -v names it" grep -q "password from passwordeval" "$T/stderr"
check_eq "passwordeval: no key file" 0 "$(nfiles)"
check "passwordeval: -v says nothing of the cache" sh -c "! grep -q 'SCRAM key' '$T/stderr'"

# netrc: a password in a file, cached.
printf 'machine localhost login alice password wonderland-secret\n' >"$HOME/.netrc"
chmod 600 "$HOME/.netrc"
fake_start serve --implicit-tls --tls12 --auth-mechs "$MECHS" --user alice --password wonderland-secret
config_fake "$T/rc.tmp" "$FAKE_PORT" implicit "auth on"
grep -v '^password ' "$T/rc.tmp" | write_config "$T/rc"
XDG_STATE_HOME=$T/state setsid -w timeout 60 "$POSTIE" -v -C "$T/rc" rcpt@example.test <"$T/msg" >"$T/stdout" 2>"$T/stderr"
rc=$?; err=$(cat "$T/stderr")
fake_wait
check_rc "netrc: exit 0" 0
check "netrc: -v names it" grep -q "password for localhost from $HOME/.netrc" "$T/stderr"
check_eq "netrc: one key file" 1 "$(nfiles)"

# tls_session_cache off: no SCRAM cache either.
rm -f "$T/tls"/scram-*
run_once wonderland-secret -- "tls_session_cache off"
check_rc "tls_session_cache off: exit 0" 0
check_eq "tls_session_cache off: no key file" 0 "$(nfiles)"
