/*
 * scram: the client side of SCRAM (RFC 5802, RFC 7677) and its -PLUS
 * variants with TLS channel binding, on GnuTLS's primitives (PBKDF2,
 * HMAC, hashes, base64, random nonce). It builds and reads the SCRAM
 * messages themselves, not their SMTP base64 wrapping (sasl does that).
 * An engine: no I/O, never prints, never exits, reads no configuration.
 *
 * One exchange:
 *	scram_start()		 client-first message
 *	scram_server_first()	 checks the server's nonce, salt, count
 *	scram_derive() or scram_keys_use()	the keys, from the password
 *				 or from a cache (RFC 5802 section 5.1)
 *	scram_client_final()	 the proof
 *	scram_server_final()	 checks the server's signature
 * Secrets (the password's derivations, the keys) are wiped by
 * scram_free().
 */
#ifndef POSTIE_SCRAM_H
#define POSTIE_SCRAM_H

#include <stddef.h>

#include "buf.h"
#include "exitcode.h"

/*
 * RFC 7677 section 4: a count below 4096 is too weak to hide the
 * password from whoever steals the server's verifiers. A count far
 * above what any server uses would make postie spin on PBKDF2 at a
 * hostile server's say-so.
 */
#define SCRAM_ITER_MIN		4096
#define SCRAM_ITER_MAX		1000000
#define SCRAM_KEY_MAX		64	/* SHA-512 */
#define SCRAM_SALT_MAX		256
#define SCRAM_MSG_MAX		4096	/* a server message, decoded */

/* The gs2-cbind-flag (RFC 5802 section 7). */
enum scram_cb {
	SCRAM_CB_NONE,		/* "n": the client cannot bind */
	SCRAM_CB_OFFER,		/* "y": it could, the server seems not to */
	SCRAM_CB_BIND		/* "p=NAME": bound to the TLS session */
};

/* What a cache keeps: enough for the proof and to check the server. */
struct scram_keys {
	unsigned char	client[SCRAM_KEY_MAX];	/* ClientKey */
	unsigned char	server[SCRAM_KEY_MAX];	/* ServerKey */
	size_t		len;			/* the hash's size */
};

struct scram_params {
	const char		*mech;	/* "SCRAM-SHA-256", "-PLUS" or not */
	const char		*user;	/* escaped here (=2C, =3D) */
	enum scram_cb		 cb;
	const char		*cb_name;	/* with SCRAM_CB_BIND */
	const unsigned char	*cb_data;
	size_t			 cb_len;
	const char		*nonce;	/* NULL: random; for test vectors */
};

struct scram;

/* 1 when mech (case-insensitive, -PLUS or not) is built in here. */
int	scram_known(const char *mech);

/*
 * Begins an exchange: *out gets the client-first message (raw, not
 * base64). Errors: FAIL_AUTH (SCRAM_CB_BIND without a binding, or a
 * binding on a mechanism without -PLUS), FAIL_OS, FAIL_SOFTWARE (no
 * randomness).
 */
int	scram_start(const struct scram_params *p, struct scram **out,
	    struct buf *first, struct failure *f);

/*
 * Reads the server-first message (raw, len bytes). Its nonce must begin
 * with ours and add to it; the salt must be base64; the count within
 * SCRAM_ITER_MIN..SCRAM_ITER_MAX. Errors: FAIL_PROTOCOL (malformed, a
 * nonce that does not extend ours, a mandatory extension), FAIL_AUTH (a
 * count out of bounds), FAIL_OS.
 */
int	scram_server_first(struct scram *s, const char *msg, size_t len,
	    struct failure *f);

/* The salt and count of the server-first message, for a cache's key. */
void	scram_salt(const struct scram *s, const unsigned char **salt,
	    size_t *len, unsigned *iterations);

/*
 * Derives the keys from the password (len bytes): SASLprep (RFC 4013;
 * see doc/deviations.md for non-ASCII), then PBKDF2. Errors: FAIL_AUTH
 * (a password SASLprep refuses: a control character, bad UTF-8),
 * FAIL_SOFTWARE.
 */
int	scram_derive(struct scram *s, const char *password, size_t len,
	    struct failure *f);

/* Uses keys a cache kept instead of scram_derive(). 0, or -1 when they
 * are not for this hash (wrong length). */
int	scram_keys_use(struct scram *s, const struct scram_keys *k);

/* The keys in use, for a cache. */
const struct scram_keys *scram_keys(const struct scram *s);

/* The client-final message with the proof, into *out. Errors: FAIL_OS,
 * FAIL_SOFTWARE. */
int	scram_client_final(struct scram *s, struct buf *out,
	    struct failure *f);

/*
 * Reads the server-final message: "v=" must be the signature only a
 * server that knows our keys can compute. Errors: FAIL_PROTOCOL
 * (malformed, a wrong signature: the server does not know the password,
 * or someone is in the middle), FAIL_AUTH (the server's "e=" error).
 */
int	scram_server_final(struct scram *s, const char *msg, size_t len,
	    struct failure *f);

/* 1 once scram_server_final() verified the server's signature. */
int	scram_verified(const struct scram *s);

/* Wipes and frees; NULL is fine. */
void	scram_free(struct scram *s);

#endif
