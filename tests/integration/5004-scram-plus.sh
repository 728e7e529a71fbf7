#!/bin/sh
# SCRAM with TLS channel binding against the fake server, which checks the
# proof and the binding itself (lib/fakesasl.py): a -PLUS variant is
# preferred and binds to tls-unique on TLS 1.2, to tls-exporter on TLS
# 1.3; a binding that does not match is refused (exit 77, the 535 said);
# without -PLUS on offer the client says "y" (RFC 5802 section 6), and a
# SCRAM named in the configuration says "n".
. "$(dirname "$0")/../lib/lib.sh"
plan 24

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
MECHS="PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256 SCRAM-SHA-256-PLUS"

for mode in implicit starttls; do
	tls=; [ $mode = implicit ] && tls=--implicit-tls
	fake_start serve $tls --tls12 --auth-mechs "$MECHS" --user alice --password wonderland-secret
	config_fake "$T/rc" "$FAKE_PORT" $mode "auth on"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$mode, TLS 1.2: exit 0" 0
	check_transcript "$mode: AUTH SCRAM-SHA-256-PLUS with its first message" '^C: AUTH SCRAM-SHA-256-PLUS [A-Za-z0-9+/=]+$'
	check_transcript "$mode: bound to tls-unique" "^# sasl: SCRAM-SHA-256-PLUS gs2 header 'p=tls-unique,,' user 'alice'"
	check_transcript "$mode: the server verified proof and binding" '^# sasl: SCRAM-SHA-256-PLUS proof and binding verified'
	check "$mode: the message arrived" test -s "$T/data"
done

# The binding the server computes differs: refused, and postie says so.
fake_start serve --implicit-tls --tls12 --cb-wrong --auth-mechs "$MECHS" --user alice --password wonderland-secret
config_fake "$T/rc" "$FAKE_PORT" implicit "auth on"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "binding mismatch: exit 77" 77
check_err_at "binding mismatch: one line with the 535" "$FAKE_PORT" 535 "channel binding mismatch"
check "binding mismatch: no MAIL" sh -c "! grep -q '^C: MAIL' '$T/transcript'"

# TLS 1.3: tls-exporter (RFC 9266). Python cannot compute it, so the fake
# server refuses; what counts is what postie asked for.
fake_start serve --implicit-tls --auth-mechs "$MECHS" --user alice --password wonderland-secret
config_fake "$T/rc" "$FAKE_PORT" implicit "auth on"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_transcript "TLS 1.3: the session is TLS 1.3" '^# tls established: TLSv1.3'
check_transcript "TLS 1.3: bound to tls-exporter" "^# sasl: SCRAM-SHA-256-PLUS gs2 header 'p=tls-exporter,,'"
check_rc "TLS 1.3, the server cannot bind: exit 77" 77

# No -PLUS on offer: SCRAM-SHA-256 with "y", verified.
fake_start serve --implicit-tls --tls12 --auth-mechs "PLAIN SCRAM-SHA-1 SCRAM-SHA-256" --user alice --password wonderland-secret
config_fake "$T/rc" "$FAKE_PORT" implicit "auth on"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "no -PLUS offered: exit 0" 0
check_transcript "no -PLUS offered: y (able to bind)" "^# sasl: SCRAM-SHA-256 gs2 header 'y,,'"
check_transcript "no -PLUS offered: verified" '^# sasl: SCRAM-SHA-256 proof and binding verified'

# Named in the configuration: exactly that one, "n", even with -PLUS offered.
fake_start serve --implicit-tls --tls12 --auth-mechs "$MECHS" --user alice --password wonderland-secret
config_fake "$T/rc" "$FAKE_PORT" implicit "auth scram-sha-1"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "auth scram-sha-1: exit 0" 0
check_transcript "auth scram-sha-1: n" "^# sasl: SCRAM-SHA-1 gs2 header 'n,,'"
check_transcript "auth scram-sha-1: verified" '^# sasl: SCRAM-SHA-1 proof and binding verified'

# A wrong password: the proof does not verify, 535, exit 77.
fake_start serve --implicit-tls --tls12 --auth-mechs "$MECHS" --user alice --password other-secret
config_fake "$T/rc" "$FAKE_PORT" implicit "auth on"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "wrong password: exit 77" 77
check "wrong password: the password is not on stderr" sh -c "! grep -q wonderland '$T/stderr'"
