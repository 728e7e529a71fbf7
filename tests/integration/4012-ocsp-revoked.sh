#!/bin/sh
# A stapled OCSP response (RFC 6066 status_request) signed by the server's
# CA, or by a responder the CA certified, that says the certificate is
# revoked fails the handshake: exit 69, one line naming the staple and the
# revocation date, the certificate_revoked alert to the server, nothing
# sent inside TLS; over implicit TLS 1.3, TLS 1.2 and STARTTLS, also when
# the response is out of date (a revocation does not lapse). A pin
# (tls_pin, tls_fingerprint) replaces the CA checks but not revocation: a
# pinned key the CA's staple says is revoked is refused too, after the
# handshake and before anything is sent inside it.
. "$(dirname "$0")/../lib/lib.sh"
plan 28

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
sh "$TEST_LIB/mkocsp.sh" "$TEST_CA" "$T/ocsp"

# check_refused DESC: exit 69, the one line, nothing sent inside TLS
check_refused() {
	check_rc "$1: refused, exit 69" 69
	check_err_at "$1: the staple named" "$FAKE_PORT" \
	    "certificate for localhost is revoked" "(stapled OCSP response: revoked on 20"
	check "$1: nothing sent inside TLS" awk '
	    /^# tls established/ { tls = 1 } /^S: 220 2.0.0 ready/ { tls = 1 }
	    tls && /^C: / { print; bad = 1 } END { exit bad }' "$T/transcript"
}

extra=
run_staple revoked implicit
check_refused "TLS 1.3"
revoked_alert='^# connection ended: tls handshake failed: sslv3 alert certificate revoked$'
check_transcript "TLS 1.3: the server told why (alert)" "$revoked_alert"

run_staple revoked implicit --tls12
check_refused "TLS 1.2"
check_transcript "TLS 1.2: the server told why (alert)" "$revoked_alert"

run_staple revoked starttls
check_refused "STARTTLS"
check_transcript "STARTTLS: asked for it" '^C: STARTTLS'
check_transcript "STARTTLS: the server told why (alert)" "$revoked_alert"

run_staple revoked-delegated implicit
check_refused "delegated responder"

if [ -s "$T/ocsp/stale-revoked.der" ]; then
	run_staple stale-revoked implicit
	check_refused "out of date"
else
	for i in 1 2 3; do skip "out of date" "no faketime to date a response (contrib/install-deps)"; done
fi

extra="tls_pin $(cert_spki_pin "$TEST_CA/server.pem")"
run_staple revoked implicit
check_refused "tls_pin"
check_transcript "tls_pin: the handshake itself passed" '^# tls established'
check_no_auth_no_mail "tls_pin: no AUTH, no MAIL"

extra="tls_fingerprint $(cert_sha256 "$TEST_CA/server.pem")"
run_staple revoked starttls
check_refused "tls_fingerprint"
check_transcript "tls_fingerprint: the handshake itself passed" '^# tls established'
