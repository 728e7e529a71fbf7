#!/bin/sh
# The built-in SCRAM checks the server (lib/fakesasl.py plays a hostile
# one): a wrong server signature, or a 235 without one, is exit 76 with
# no MAIL (the server does not know the password); a nonce that does not
# extend ours is exit 76 before any proof is sent; an iteration count
# below 4096 or above 1,000,000 is exit 77, no proof sent. Counts within
# the bounds, another salt and the other hashes log in.
. "$(dirname "$0")/../lib/lib.sh"
plan 31

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# scram_case DESC EXIT TEXT FAKESMTP-OPTION...: one run against the
# hostile server; the error line, and no MAIL
scram_case() {
	sc_d=$1 want=$2 text=$3; shift 3
	fake_start serve --implicit-tls --tls12 --auth-mechs "PLAIN SCRAM-SHA-256" \
	    --user alice --password wonderland-secret "$@"
	config_fake "$T/rc" "$FAKE_PORT" implicit "auth on"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$sc_d: exit $want" "$want"
	check_err_at "$sc_d: one line saying why" "$FAKE_PORT" "$text"
	check "$sc_d: no MAIL" sh -c "! grep -q '^C: MAIL' '$T/transcript'"
}
# The client-final message starts "c=", in base64 "Yz1".
proof_sent() { grep -q '^C: Yz1' "$T/transcript"; }

scram_case "wrong server signature" 76 "SCRAM signature is wrong" --scram-final wrong
check "wrong server signature: the proof went, then the exchange was cancelled" \
    sh -c "grep -q '^C: Yz1' '$T/transcript' && grep -q '^C: \*\$' '$T/transcript'"

scram_case "235 without a signature" 76 "without proving that it knows the password" \
    --scram-final none

scram_case "the server's nonce is ours alone" 76 "does not extend" --scram-nonce ours
check "nonce ours: no proof sent" sh -c "! grep -q '^C: Yz1' '$T/transcript'"
scram_case "the server's nonce is another" 76 "does not extend" --scram-nonce other

scram_case "4095 iterations" 77 "4095 SCRAM iterations, below the 4096" --scram-iterations 4095
check "4095 iterations: no proof sent" sh -c "! grep -q '^C: Yz1' '$T/transcript'"
scram_case "1000001 iterations" 77 "over postie's bound of 1000000" --scram-iterations 1000001
check "1000001 iterations: no proof sent" sh -c "! grep -q '^C: Yz1' '$T/transcript'"

# Within the bounds, with another salt: logs in and delivers.
fake_start serve --implicit-tls --tls12 --auth-mechs "PLAIN SCRAM-SHA-256" \
    --user alice --password wonderland-secret --scram-iterations 20000 --scram-salt other-salt
config_fake "$T/rc" "$FAKE_PORT" implicit "auth on"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "20000 iterations, another salt: exit 0" 0
check_transcript "20000 iterations: the count the server sent" '^# sasl: SCRAM-SHA-256 server-first .*,i=20000$'
check_transcript "20000 iterations: verified" '^# sasl: SCRAM-SHA-256 proof and binding verified'
check "20000 iterations: delivered" test -s "$T/data"

# SHA-512 before SHA-1 when both are offered; SHA-1 when named.
fake_start serve --implicit-tls --tls12 --auth-mechs "SCRAM-SHA-1 SCRAM-SHA-512 PLAIN" \
    --user alice --password wonderland-secret
config_fake "$T/rc" "$FAKE_PORT" implicit "auth on"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "SCRAM-SHA-512: exit 0" 0
check_transcript "SCRAM-SHA-512: chosen" '^C: AUTH SCRAM-SHA-512 '
check_transcript "SCRAM-SHA-512: verified" '^# sasl: SCRAM-SHA-512 proof and binding verified'
fake_start serve --implicit-tls --tls12 --auth-mechs "SCRAM-SHA-1 SCRAM-SHA-512 PLAIN" \
    --user alice --password wonderland-secret
config_fake "$T/rc" "$FAKE_PORT" implicit "auth scram-sha-1"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "auth scram-sha-1: exit 0" 0
check_transcript "auth scram-sha-1: verified" '^# sasl: SCRAM-SHA-1 proof and binding verified'
