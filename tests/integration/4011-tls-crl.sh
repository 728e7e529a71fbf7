#!/bin/sh
# tls_crl_file: a CRL from the test CA that lists the server's certificate
# makes it refused as revoked (exit 69, nothing sent inside TLS); a CRL
# that lists another certificate lets the message through. An account
# with a CRL resumes no TLS session: each handshake is checked against
# the list as it is then.
. "$(dirname "$0")/../lib/lib.sh"
plan 21

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
printf '%s\n' 'crl_next_update = 3650' 'crl_number = 1' >"$T/crl.tmpl"
certtool --generate-crl --load-ca-certificate "$TEST_CA/ca.pem" \
    --load-ca-privkey "$TEST_CA/ca.key" --load-certificate "$TEST_CA/server.pem" \
    --template "$T/crl.tmpl" --no-text --outfile "$T/revoked.crl" 2>/dev/null
certtool --generate-crl --load-ca-certificate "$TEST_CA/ca.pem" \
    --load-ca-privkey "$TEST_CA/ca.key" --load-certificate "$TEST_CA/wrongname.pem" \
    --template "$T/crl.tmpl" --no-text --outfile "$T/other.crl" 2>/dev/null

fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "tls_crl_file $T/revoked.crl"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "revoked: refused, exit 69" 69
check_err_at "revoked: said so" "$FAKE_PORT" "certificate for localhost" "revoked"
check_no_auth_no_mail "revoked: no AUTH, no MAIL"
check "revoked: nothing sent inside TLS" awk '/^# tls established/ { tls = 1 }
    tls && /^C: / { print; bad = 1 } END { exit bad }' "$T/transcript"

fake_start serve --implicit-tls --connections 2
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "tls_crl_file $T/other.crl"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "another certificate revoked: delivered" 0
postie_run -v -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "another certificate revoked, again: delivered" 0
check_transcript "another certificate revoked: MAIL sent" '^C: MAIL FROM:<sender@example.test>'
check "with a CRL: the second run made a full handshake" \
    grep -q "postie: TLS: full handshake" "$T/stderr"
check "with a CRL: no TLS session kept" \
    sh -c '! ls "$1"/tls/* >/dev/null 2>&1' - "$T"

# --serverinfo for a revoked certificate: the verdict says revoked, and no
# pin line is offered, since no pin overrides a revocation; pinned by
# tls_fingerprint, it is still reported revoked, as a submission refuses it.
fp=$(cert_sha256 "$TEST_CA/server.pem")
for pin in "" "tls_fingerprint $fp"; do
	t="--serverinfo, revoked${pin:+, pinned}"
	fake_start serve --implicit-tls
	config_fake "$T/rc" "$FAKE_PORT" implicit "tls_crl_file $T/revoked.crl" ${pin:+"$pin"}
	postie_run --serverinfo -C "$T/rc"
	fake_wait
	check_rc "$t: exit 69" 69
	check "$t: the verdict says revoked" \
	    grep -q '^verification: failed: .*revoked' "$T/stdout"
	check "$t: no tls_fingerprint line to paste" \
	    sh -c '! grep -q "tls_fingerprint [0-9A-F][0-9A-F]:" "$1"' - "$T/stdout"
	check "$t: says pinning is no use" \
	    grep -q 'to pin this certificate: no use: it is revoked' "$T/stdout"
done

# tls_certcheck off for a revoked certificate: refused, and the error
# says pinning would not help instead of offering the line.
fake_start serve --implicit-tls
config_fake "$T/rc" "$FAKE_PORT" implicit "tls_crl_file $T/revoked.crl" "tls_certcheck off"
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
fake_wait
check_rc "certcheck off, revoked: exit 78" 78
check_err "certcheck off, revoked: pinning would not help" \
    "tls_certcheck off is refused, and pinning this server would not help" "revoked"
check "certcheck off, revoked: no tls_fingerprint suggested" \
    sh -c '! grep -q "use instead: tls_fingerprint" "$1"' - "$T/stderr"
check_no_auth_no_mail "certcheck off, revoked: no AUTH, no MAIL"
