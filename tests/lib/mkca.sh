#!/bin/sh
# mkca.sh OUTDIR: a throwaway certificate authority for the tests.
#
# Writes into OUTDIR (created if missing), every key ECDSA P-256:
#   ca.pem ca.key                 the test CA (the only trust anchor tests use)
#   server.pem server.key         localhost: SAN DNS:localhost, IP:127.0.0.1,
#                                 IP:::1
#   wrongname.pem wrongname.key   valid, same CA, for wrong.example only
#   expired.pem expired.key       right names, same CA, expired in 2020
#   unknownca.pem unknownca.key   right names, signed by other-ca (not in ca.pem)
#   other-ca.pem other-ca.key     that second CA
# Idempotent: when everything is already there it does nothing. Otherwise it
# builds a fresh set in a temporary directory and moves it in at the end.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: mkca.sh OUTDIR" >&2
	exit 64
fi
out=$1
files="ca.pem ca.key server.pem server.key wrongname.pem wrongname.key
expired.pem expired.key unknownca.pem unknownca.key other-ca.pem other-ca.key"

complete=yes
for f in $files; do
	[ -s "$out/$f" ] || complete=no
done
[ "$complete" = yes ] && exit 0

command -v certtool >/dev/null 2>&1 || {
	echo "mkca.sh: certtool not found (install gnutls-bin)" >&2
	exit 69
}

mkdir -p "$out"
work=$(mktemp -d "$out/.mkca.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

key() {
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --no-text --outfile "$work/$1.key" 2>/dev/null
}

# ca NAME CN: a self-signed CA
ca() {
	key "$1"
	cat >"$work/$1.tmpl" <<-T
	cn = "$2"
	organization = "postie tests"
	ca
	cert_signing_key
	crl_signing_key
	expiration_days = 3650
	T
	certtool --generate-self-signed --load-privkey "$work/$1.key" \
	    --template "$work/$1.tmpl" --no-text --outfile "$work/$1.pem" 2>/dev/null
}

# leaf NAME ISSUER TEMPLATE-LINES: a TLS server certificate
leaf() {
	key "$1"
	printf '%s\n' "organization = \"postie tests\"" tls_www_server \
	    signing_key encryption_key "$3" >"$work/$1.tmpl"
	certtool --generate-certificate --load-privkey "$work/$1.key" \
	    --load-ca-certificate "$work/$2.pem" --load-ca-privkey "$work/$2.key" \
	    --template "$work/$1.tmpl" --no-text --outfile "$work/$1.pem" 2>/dev/null
}

right_names='cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
ip_address = "::1"'

ca ca "postie test CA"
ca other-ca "postie other CA"
leaf server ca "$right_names
expiration_days = 3650"
leaf wrongname ca 'cn = "wrong.example"
dns_name = "wrong.example"
expiration_days = 3650'
leaf expired ca "$right_names
activation_date = \"2019-01-01 00:00:00 UTC\"
expiration_date = \"2020-01-01 00:00:00 UTC\""
leaf unknownca other-ca "$right_names
expiration_days = 3650"

chmod 644 "$work"/*.pem "$work"/*.key
for f in $files; do
	mv -f "$work/$f" "$out/$f"
done
