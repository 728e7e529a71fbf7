#!/bin/sh
# TLS session resumption against the fake server, whose transcript says
# whether the server resumed: the first run does a full handshake and
# stores the session (0600 file in a 0700 directory, no password in it),
# the second resumes it and delivers; "tls_session_cache off" neither
# stores nor resumes. Over implicit TLS and STARTTLS, TLS 1.3 and 1.2.
. "$(dirname "$0")/../lib/lib.sh"
plan 44

printf '%s\n' "From: a@example.test" "Subject: x" "" "body" >"$T/msg"

for mode in implicit starttls; do
for v in 13 12; do
	rm -rf "$T/tls"
	if [ $v = 12 ]; then o=--tls12; else o=; fi
	if [ $mode = implicit ]; then o="$o --implicit-tls"; fi
	# shellcheck disable=SC2086
	fake_start serve --connections 3 $o
	config_fake "$T/rc" "$FAKE_PORT" $mode "tls_session_cache $T/tls"
	postie_run -v -C "$T/rc" -i rcpt@example.test <"$T/msg"
	check_rc "$mode TLS$v: first run exit 0" 0
	check "$mode TLS$v: first run is a full handshake, stored" \
	    grep -q "postie: TLS: full handshake" "$T/stderr"
	set -- "$T"/tls/*
	check "$mode TLS$v: one session file, 0600 in a 0700 directory" \
	    test $# = 1 -a "$(stat -c %a "$1" "$T/tls")" = "600
700"
	check "$mode TLS$v: the session file holds no password" \
	    sh -c '! grep -q wonderland-secret "$1"' - "$1"
	postie_run -v -C "$T/rc" -i rcpt@example.test <"$T/msg"
	check_rc "$mode TLS$v: second run exit 0" 0
	check "$mode TLS$v: postie says it resumed" \
	    grep -q "postie: TLS session resumed" "$T/stderr"
	cksum "$T"/tls/* >"$T/sum"
	config_fake "$T/rc" "$FAKE_PORT" $mode "tls_session_cache off"
	postie_run -v -C "$T/rc" -i rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$mode TLS$v: tls_session_cache off: exit 0" 0
	check "$mode TLS$v: tls_session_cache off: a full handshake" \
	    grep -q "postie: TLS: full handshake" "$T/stderr"
	check "$mode TLS$v: tls_session_cache off: the cache is left alone" \
	    sh -c 'cksum "$1"/tls/* | cmp -s - "$1/sum"' - "$T"
	check_eq "$mode TLS$v: the server saw full, resumed, full handshakes" \
	    "full resumed full" "$(awk '/^# tls established/ {
	    printf "%s%s", sep, / resumed$/ ? "resumed" : "full"; sep = " " }' \
	    "$T/transcript")"
	check "$mode TLS$v: AUTH only after TLS, on the resumed connection too" \
	    awk '/^# connection/ { tls = 0 } /^# tls established/ { tls = 1 }
	    /^C: AUTH/ { n++; if (!tls) exit 1 } END { exit n != 3 }' \
	    "$T/transcript"
done
done
