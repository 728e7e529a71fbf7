/*
 * certinfo: fingerprints and SPKI pins of certificates. GnuTLS does the
 * parsing, the hashing and the base64; this module only fixes the text
 * form both tls_fingerprint and tls_pin are compared in.
 */
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "certinfo.h"

static int	 spki_der(const unsigned char *, size_t, gnutls_datum_t *);

int
certinfo_fingerprint(const unsigned char *der, size_t len, char *out,
    size_t outsz)
{
	static const char	hex[] = "0123456789ABCDEF";
	unsigned char		md[32];
	size_t			i;

	if (outsz < CERTINFO_FINGERPRINT_LEN ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, der, len, md) < 0)
		return -1;
	for (i = 0; i < sizeof(md); i++) {
		out[3 * i] = hex[md[i] >> 4];
		out[3 * i + 1] = hex[md[i] & 0xf];
		out[3 * i + 2] = ':';
	}
	out[CERTINFO_FINGERPRINT_LEN - 1] = '\0';
	return 0;
}

int
certinfo_pin(const unsigned char *der, size_t len, char *out, size_t outsz)
{
	unsigned char	md[32];
	gnutls_datum_t	spki, in, b64;
	int		r;

	if (spki_der(der, len, &spki) == -1)
		return -1;
	r = gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, md);
	gnutls_free(spki.data);
	if (r < 0)
		return -1;
	in.data = md;
	in.size = sizeof(md);
	if (gnutls_base64_encode2(&in, &b64) < 0)
		return -1;
	r = b64.size < outsz ? 0 : -1;
	if (r == 0) {
		memcpy(out, b64.data, b64.size);
		out[b64.size] = '\0';
	}
	gnutls_free(b64.data);
	return r;
}

/* The certificate's SubjectPublicKeyInfo as DER, freed by the caller. */
static int
spki_der(const unsigned char *der, size_t len, gnutls_datum_t *spki)
{
	gnutls_x509_crt_t	crt;
	gnutls_pubkey_t		pub;
	gnutls_datum_t		d;
	int			r = -1;

	d.data = (unsigned char *)der;
	d.size = (unsigned)len;
	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) == 0 &&
	    gnutls_pubkey_init(&pub) == 0) {
		if (gnutls_pubkey_import_x509(pub, crt, 0) == 0 &&
		    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, spki) == 0)
			r = 0;
		gnutls_pubkey_deinit(pub);
	}
	gnutls_x509_crt_deinit(crt);
	return r;
}
