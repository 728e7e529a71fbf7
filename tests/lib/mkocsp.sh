#!/bin/sh
# mkocsp.sh CADIR OUTDIR [CERT]: OCSP responses about mkca.sh's server
# certificate (or CERT, issued by the same CA), DER, for fakesmtp.py
# --ocsp-staple. Made at test time (they expire), with
# `openssl ocsp` as its own responder (-index: no network):
#   good.der              good, signed by the CA itself
#   revoked.der           revoked (now), signed by the CA
#   revoked-delegated.der revoked, signed by ocsp-signer, a responder the
#                         CA certified for OCSP signing (RFC 6960 4.2.2.2)
#   other.der             good, but about wrongname.pem (another certificate)
#   stranger.der          good, signed by other-ca (not the server's CA)
#   stranger-revoked.der  revoked, signed by other-ca
#   badsig.der            good.der with its signature broken
#   stale.der             good, made ten days ago: its next update has passed
#                         (needs faketime)
#   stale-revoked.der     revoked, made ten days ago
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: mkocsp.sh CADIR OUTDIR [CERT]" >&2
	exit 64
fi
ca=$1 out=$2 leaf=${3:-$1/server.pem}
mkdir -p "$out"

# index FILE CERT V|R: the responder's database (openssl ca's index.txt):
# status, expiry, revocation time, serial, file, subject
index() {
	serial=$(openssl x509 -in "$2" -noout -serial | sed 's/^serial=//')
	subject=$(openssl x509 -in "$2" -noout -subject -nameopt compat |
	    sed 's/^subject=//')
	if [ "$3" = R ]; then rev=$(date -u +%y%m%d%H%M%SZ); else rev=; fi
	printf '%s\t491231235959Z\t%s\t%s\tunknown\t%s\n' "$3" "$rev" \
	    "$serial" "$subject" >"$1"
}

# respond OUT INDEX CERT SIGNER [OPENSSL OCSP OPTION...]: a response about
# CERT (issued by the test CA), signed by SIGNER (.pem and .key), good
# for a day from now, or from $made (a faketime offset)
respond() {
	o=$1 idx=$2 cert=$3 signer=$4
	shift 4
	${made:+faketime -f "$made"} openssl ocsp -index "$idx" \
	    -CA "$ca/ca.pem" -issuer "$ca/ca.pem" -cert "$cert" \
	    -rsigner "$signer.pem" -rkey "$signer.key" -no_nonce -ndays 1 \
	    -respout "$out/$o" "$@" >/dev/null
}

index "$out/good.idx" "$leaf" V
index "$out/revoked.idx" "$leaf" R
index "$out/other.idx" "$ca/wrongname.pem" V

# A delegated responder: issued by the CA, for OCSP signing only.
certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --no-text \
    --outfile "$out/ocsp-signer.key" 2>/dev/null
printf '%s\n' 'cn = "postie test OCSP responder"' ocsp_signing_key signing_key \
    'expiration_days = 30' >"$out/ocsp-signer.tmpl"
certtool --generate-certificate --load-privkey "$out/ocsp-signer.key" \
    --load-ca-certificate "$ca/ca.pem" --load-ca-privkey "$ca/ca.key" \
    --template "$out/ocsp-signer.tmpl" --no-text \
    --outfile "$out/ocsp-signer.pem" 2>/dev/null

respond good.der "$out/good.idx" "$leaf" "$ca/ca"
respond revoked.der "$out/revoked.idx" "$leaf" "$ca/ca"
respond revoked-delegated.der "$out/revoked.idx" "$leaf" \
    "$out/ocsp-signer"
respond other.der "$out/other.idx" "$ca/wrongname.pem" "$ca/ca"
respond stranger.der "$out/good.idx" "$leaf" "$ca/other-ca"
respond stranger-revoked.der "$out/revoked.idx" "$leaf" \
    "$ca/other-ca"
respond badsig.der "$out/good.idx" "$leaf" "$ca/ca" -badsig
if command -v faketime >/dev/null 2>&1; then
	made=-10d respond stale.der "$out/good.idx" "$leaf" "$ca/ca"
	made=-10d respond stale-revoked.der "$out/revoked.idx" \
	    "$leaf" "$ca/ca"
fi
