#!/bin/sh
# Nothing is loaded that a run does not use (issue 15): while postie
# waits for the server's answer to MAIL (fakesmtp's hang-at), its
# /proc/PID/maps holds no libcrypto and no libsasl2 plugin after the
# default login (the built-in SCRAM); after "auth plain", only the PLAIN
# plugin, and still no libcrypto. GnuTLS is there in both: the maps are
# read while the session is up.
. "$(dirname "$0")/../lib/lib.sh"
plan 10

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# maps_at_mail AUTH-LINE: $T/maps, postie's maps once it sent MAIL
maps_at_mail() {
	printf 'hang-at MAIL\nserve\n' >"$T/hang.script"
	fake_start "$T/hang.script" --implicit-tls --tls12 \
	    --auth-mechs "PLAIN LOGIN SCRAM-SHA-256" --user alice --password wonderland-secret
	config_fake "$T/rc" "$FAKE_PORT" implicit "$1" "queue off"
	XDG_STATE_HOME=$T/state "$POSTIE" -C "$T/rc" rcpt@example.test <"$T/msg" \
	    >"$T/stdout" 2>"$T/stderr" &
	mm_pid=$!
	mm_i=0
	while ! grep -q '^C: MAIL' "$T/transcript" 2>/dev/null && [ $mm_i -lt 200 ]; do
		sleep 0.05; mm_i=$((mm_i + 1))
	done
	cat "/proc/$mm_pid/maps" >"$T/maps" 2>/dev/null
	kill "$mm_pid" 2>/dev/null
	wait "$mm_pid" 2>/dev/null
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
}
mapped() { grep -q -- "$1" "$T/maps"; }

maps_at_mail "auth on"
check_transcript "auth on: SCRAM-SHA-256 chosen" '^C: AUTH SCRAM-SHA-256 '
check_transcript "auth on: the server verified the proof" '^# sasl: SCRAM-SHA-256 proof and binding verified'
check "auth on: the maps were read during the session (GnuTLS mapped)" mapped libgnutls
check "auth on: no libcrypto" sh -c "! grep -q libcrypto '$T/maps'"
check "auth on: no libsasl2 plugin" sh -c "! grep -q '/sasl2/' '$T/maps'"

maps_at_mail "auth plain"
check_transcript "auth plain: PLAIN" '^C: AUTH PLAIN '
check "auth plain: the maps were read during the session" mapped libgnutls
check "auth plain: the PLAIN plugin" mapped /sasl2/libplain.so
check "auth plain: no other plugin" sh -c "[ \$(grep '/sasl2/' '$T/maps' | grep -vc libplain) = 0 ]"
check "auth plain: no libcrypto" sh -c "! grep -q libcrypto '$T/maps'"
