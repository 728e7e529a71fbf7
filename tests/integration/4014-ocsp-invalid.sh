#!/bin/sh
# A stapled OCSP response that does not settle the certificate's status
# fails the handshake as GnuTLS judges it: one about another certificate,
# one signed by a CA that is not the server's (even one saying revoked:
# it is refused as unsigned, not as revoked), one whose signature is
# broken, one past its next update. Exit 69, one line saying which, the
# bad_certificate_status_response alert to the server (RFC 6066 section
# 8), nothing sent inside TLS. A certificate that requires a staple (OCSP
# Must-Staple, RFC 7633) is refused when the server sends none, and taken
# with a good one.
. "$(dirname "$0")/../lib/lib.sh"
plan 26

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
sh "$TEST_LIB/mkocsp.sh" "$TEST_CA" "$T/ocsp"

# refused RESPONSE DESC WHY: the fake server staples $T/ocsp/RESPONSE.der
# over implicit TLS; postie refuses it saying WHY
refused() {
	fake_start serve --implicit-tls --ocsp-staple "$T/ocsp/$1.der"
	config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$2: refused, exit 69" 69
	check_err_at "$2: said why" "$FAKE_PORT" \
	    "certificate for localhost: the server's stapled OCSP response $3"
	check "$2: the handshake failed, nothing sent inside TLS" awk '
	    /^# tls established/ || /^C: / { print; bad = 1 }
	    /^# connection ended: tls handshake failed/ { failed = 1 }
	    END { exit bad || !failed }' "$T/transcript"
	check_transcript "$2: the server told why (alert)" \
	    '^# connection ended: tls handshake failed: tlsv1 bad certificate status response$'
}

unsigned="is not signed by the certificate's CA or an OCSP responder it certified"
refused other "another certificate" "is about another certificate"
refused stranger "signed by another CA" "$unsigned"
refused stranger-revoked "revoked, signed by another CA" "$unsigned"
refused badsig "broken signature" "$unsigned"
if [ -s "$T/ocsp/stale.der" ]; then
	refused stale "out of date" "is out of date (its next update was due 20"
else
	for i in 1 2 3 4; do skip "out of date" "no faketime to date a response (contrib/install-deps)"; done
fi

# A Must-Staple certificate for localhost, from the test CA.
certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --no-text \
    --outfile "$T/must.key" 2>/dev/null
printf '%s\n' 'cn = "localhost"' 'dns_name = "localhost"' tls_www_server \
    signing_key 'tls_feature = 5' 'expiration_days = 30' >"$T/must.tmpl"
certtool --generate-certificate --load-privkey "$T/must.key" \
    --load-ca-certificate "$TEST_CA/ca.pem" --load-ca-privkey "$TEST_CA/ca.key" \
    --template "$T/must.tmpl" --no-text --outfile "$T/must.pem" 2>/dev/null
sh "$TEST_LIB/mkocsp.sh" "$TEST_CA" "$T/ocsp-must" "$T/must.pem"

fake_start serve --implicit-tls --cert "$T/must.pem" --key "$T/must.key"
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "Must-Staple, none stapled: refused, exit 69" 69
check_err_at "Must-Staple, none stapled: said so" "$FAKE_PORT" \
    "certificate for localhost requires a stapled OCSP response (OCSP Must-Staple) and the server sent none"
check "Must-Staple, none stapled: nothing sent inside TLS" awk '
    /^# tls established/ || /^C: / { print; bad = 1 } END { exit bad }' "$T/transcript"

fake_start serve --implicit-tls --cert "$T/must.pem" --key "$T/must.key" \
    --ocsp-staple "$T/ocsp-must/good.der"
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "Must-Staple, a good one stapled: delivered, exit 0" 0
check_eq "Must-Staple, a good one stapled: nothing on stderr" "" "$err"
check_transcript "Must-Staple, a good one stapled: the message taken" '^S: 250 2.0.0 queued'
