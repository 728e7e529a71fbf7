/*
 * certinfo: what a person or a pin compares about an X.509 certificate,
 * computed from its DER: the SHA-256 fingerprint in msmtp's
 * tls_fingerprint format and the SPKI pin of tls_pin (RFC 7469).
 */
#ifndef POSTIE_CERTINFO_H
#define POSTIE_CERTINFO_H

#include <stddef.h>

/* "AB:CD:..." : 32 bytes, 3 characters each, the last ':' a NUL. */
#define CERTINFO_FINGERPRINT_LEN	(32 * 3)
/* base64 of 32 bytes: 44 characters and the NUL. */
#define CERTINFO_PIN_LEN		45

/*
 * Writes the SHA-256 fingerprint of the DER certificate as upper-case
 * hex bytes separated by colons into out (outsz >=
 * CERTINFO_FINGERPRINT_LEN). Returns 0, or -1 when out is too small or
 * hashing fails.
 */
int	certinfo_fingerprint(const unsigned char *der, size_t len, char *out,
	    size_t outsz);

/*
 * Writes base64(SHA-256(SubjectPublicKeyInfo)) of the DER certificate
 * into out (outsz >= CERTINFO_PIN_LEN). Returns 0, or -1 when der is not
 * a certificate, out is too small or hashing fails.
 */
int	certinfo_pin(const unsigned char *der, size_t len, char *out,
	    size_t outsz);

#endif
