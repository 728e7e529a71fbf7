/*
 * scram: SCRAM's client side on GnuTLS (see scram.h).
 *
 * RFC 5802 section 3, with the names it uses:
 *	SaltedPassword	:= PBKDF2(SASLprep(password), salt, i)
 *	ClientKey	:= HMAC(SaltedPassword, "Client Key")
 *	StoredKey	:= H(ClientKey)
 *	AuthMessage	:= client-first-message-bare + "," +
 *			   server-first-message + "," +
 *			   client-final-message-without-proof
 *	ClientProof	:= ClientKey XOR HMAC(StoredKey, AuthMessage)
 *	ServerKey	:= HMAC(SaltedPassword, "Server Key")
 *	ServerSignature	:= HMAC(ServerKey, AuthMessage)
 * PBKDF2 is nettle's, under gnutls_pbkdf2(): the HMAC key is set up once
 * for all the iterations.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "scram.h"

#define NONCE_RAW	18	/* 24 base64 characters, no padding */

struct scram_hash {
	const char		*name;	/* after "SCRAM-" */
	gnutls_mac_algorithm_t	 mac;
	gnutls_digest_algorithm_t dig;
	size_t			 len;
};

enum state { ST_FIRST, ST_FINAL, ST_PROOF, ST_SIGNATURE, ST_DONE };

struct scram {
	const struct scram_hash	*h;
	enum state		 state;
	struct buf		 auth;	/* the AuthMessage, as it grows */
	struct buf		 gs2;	/* gs2 header, then the binding data */
	char			*nonce;	/* the server's whole nonce */
	size_t			 cnonce_len;	/* ours: its first bytes */
	unsigned char		 salt[SCRAM_SALT_MAX];
	size_t			 salt_len;
	unsigned		 iterations;
	struct scram_keys	 keys;
	int			 have_keys;
};

static const struct scram_hash hashes[] = {
	{ "SHA-1",	GNUTLS_MAC_SHA1,	GNUTLS_DIG_SHA1,	20 },
	{ "SHA-224",	GNUTLS_MAC_SHA224,	GNUTLS_DIG_SHA224,	28 },
	{ "SHA-256",	GNUTLS_MAC_SHA256,	GNUTLS_DIG_SHA256,	32 },
	{ "SHA-384",	GNUTLS_MAC_SHA384,	GNUTLS_DIG_SHA384,	48 },
	{ "SHA-512",	GNUTLS_MAC_SHA512,	GNUTLS_DIG_SHA512,	64 },
};

static const struct scram_hash *hash_find(const char *);
static int	 gs2_header(struct scram *, const struct scram_params *,
		    struct failure *);
static int	 nonce_make(const struct scram_params *, struct buf *,
		    struct failure *);
static int	 saslname(struct buf *, const char *);
static const char *attr(const char *, size_t, size_t *, char, size_t *);
static int	 nonce_check(struct scram *, const char *, size_t,
		    struct failure *);
static int	 salt_read(struct scram *, const char *, size_t,
		    struct failure *);
static int	 count_read(struct scram *, const char *, size_t,
		    struct failure *);
static int	 prep(const char *, size_t, gnutls_datum_t *, int *,
		    struct failure *);
static int	 b64_append(struct buf *, const void *, size_t);
static int	 same(const unsigned char *, const unsigned char *, size_t);

int
scram_known(const char *mech)
{
	return hash_find(mech) != NULL;
}

/* "SCRAM-SHA-256" and "SCRAM-SHA-256-PLUS" name the same hash. */
static const struct scram_hash *
hash_find(const char *mech)
{
	size_t	i, n;

	if (mech == NULL || strncasecmp(mech, "SCRAM-", 6) != 0)
		return NULL;
	mech += 6;
	n = strlen(mech);
	if (n > 5 && strcasecmp(mech + n - 5, "-PLUS") == 0)
		n -= 5;
	for (i = 0; i < POSTIE_NELEM(hashes); i++)
		if (strlen(hashes[i].name) == n &&
		    strncasecmp(mech, hashes[i].name, n) == 0)
			return &hashes[i];
	return NULL;
}

int
scram_start(const struct scram_params *p, struct scram **out,
    struct buf *first, struct failure *f)
{
	struct scram	*s;
	struct buf	 bare = BUF_INIT;
	int		 r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	if ((s->h = hash_find(p->mech)) == NULL) {
		scram_free(s);
		return fail(f, FAIL_SOFTWARE, "%s is not a SCRAM postie has",
		    p->mech);
	}
	/* client-first-message-bare: "n=" saslname ",r=" c-nonce; the
	 * authzid stays empty (the same as the user). */
	r = buf_append(&bare, "n=", 2) == -1 || saslname(&bare, p->user) ==
	    -1 || buf_append(&bare, ",r=", 3) == -1 ? -1 : 0;
	if (r == -1)
		r = fail(f, FAIL_OS, "out of memory");
	if (r == 0 && (r = nonce_make(p, &bare, f)) == 0) {
		s->cnonce_len = strlen(strstr(bare.data, ",r=") + 3);
		r = gs2_header(s, p, f);
	}
	if (r == 0 && (buf_append(first, s->gs2.data, s->gs2.len) == -1 ||
	    buf_append(first, bare.data, bare.len) == -1 ||
	    buf_append(&s->auth, bare.data, bare.len) == -1))
		r = fail(f, FAIL_OS, "out of memory");
	buf_free(&bare, 0);
	if (r == -1) {
		scram_free(s);
		return -1;
	}
	/* gs2 now holds the header then the binding: "c=" is its base64. */
	if (p->cb == SCRAM_CB_BIND &&
	    buf_append(&s->gs2, p->cb_data, p->cb_len) == -1) {
		scram_free(s);
		return fail(f, FAIL_OS, "out of memory");
	}
	*out = s;
	return 0;
}

/* RFC 5802 section 6: which gs2-cbind-flag, and only -PLUS binds. */
static int
gs2_header(struct scram *s, const struct scram_params *p, struct failure *f)
{
	size_t	n = strlen(p->mech);
	int	plus = n > 5 && strcasecmp(p->mech + n - 5, "-PLUS") == 0;
	int	r;

	if (plus != (p->cb == SCRAM_CB_BIND) || (plus && (p->cb_name == NULL ||
	    p->cb_data == NULL || p->cb_len == 0)))
		return fail(f, FAIL_AUTH, "%s needs TLS channel binding, and "
		    "only it binds", p->mech);
	switch (p->cb) {
	case SCRAM_CB_BIND:
		r = buf_appendf(&s->gs2, "p=%s,,", p->cb_name);
		break;
	case SCRAM_CB_OFFER:
		r = buf_append(&s->gs2, "y,,", 3);
		break;
	default:
		r = buf_append(&s->gs2, "n,,", 3);
		break;
	}
	return r == -1 ? fail(f, FAIL_OS, "out of memory") : 0;
}

/* Printable, without ",": base64 of random bytes is. */
static int
nonce_make(const struct scram_params *p, struct buf *out, struct failure *f)
{
	unsigned char	raw[NONCE_RAW];

	if (p->nonce != NULL)
		return buf_append(out, p->nonce, strlen(p->nonce)) == -1 ?
		    fail(f, FAIL_OS, "out of memory") : 0;
	if (gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof(raw)) < 0)
		return fail(f, FAIL_SOFTWARE, "no random nonce from GnuTLS");
	return b64_append(out, raw, sizeof(raw)) == -1 ?
	    fail(f, FAIL_OS, "out of memory") : 0;
}

/* RFC 5802 section 5.1: "," and "=" in a name are "=2C" and "=3D". */
static int
saslname(struct buf *b, const char *user)
{
	int	r = 0;

	for (; r == 0 && *user != '\0'; user++)
		r = *user == ',' ? buf_append(b, "=2C", 3) :
		    *user == '=' ? buf_append(b, "=3D", 3) :
		    buf_append(b, user, 1);
	return r;
}

int
scram_server_first(struct scram *s, const char *msg, size_t len,
    struct failure *f)
{
	const char	*v;
	size_t		 at = 0, vlen;

	if (s->state != ST_FIRST)
		return fail(f, FAIL_PROTOCOL, "a SCRAM server-first message "
		    "out of turn");
	if (len > SCRAM_MSG_MAX || (len > 0 && memchr(msg, '\0', len) != NULL))
		return fail(f, FAIL_PROTOCOL, "the server's SCRAM message is "
		    "too long or holds a NUL");
	/* RFC 5802 section 5.1: "m" is an extension we cannot know. */
	if (len >= 2 && msg[0] == 'm' && msg[1] == '=')
		return fail(f, FAIL_PROTOCOL, "the server requires a SCRAM "
		    "extension postie does not know");
	if ((v = attr(msg, len, &at, 'r', &vlen)) == NULL ||
	    nonce_check(s, v, vlen, f) == -1)
		return v == NULL ? fail(f, FAIL_PROTOCOL, "the server's SCRAM "
		    "message has no nonce: %.*s", (int)len, msg) : -1;
	if ((v = attr(msg, len, &at, 's', &vlen)) == NULL ||
	    salt_read(s, v, vlen, f) == -1)
		return v == NULL ? fail(f, FAIL_PROTOCOL, "the server's SCRAM "
		    "message has no salt: %.*s", (int)len, msg) : -1;
	if ((v = attr(msg, len, &at, 'i', &vlen)) == NULL ||
	    count_read(s, v, vlen, f) == -1)
		return v == NULL ? fail(f, FAIL_PROTOCOL, "the server's SCRAM "
		    "message has no iteration count: %.*s", (int)len, msg) :
		    -1;
	/* Extensions may follow; they are part of the AuthMessage. */
	if (buf_append(&s->auth, ",", 1) == -1 ||
	    buf_append(&s->auth, msg, len) == -1)
		return fail(f, FAIL_OS, "out of memory");
	s->state = ST_FINAL;
	return 0;
}

/*
 * The value of attribute name at *at of msg ("name=value," or the end),
 * moving *at past it; NULL when the next attribute is another.
 */
static const char *
attr(const char *msg, size_t len, size_t *at, char name, size_t *vlen)
{
	const char	*v, *comma;

	if (*at > 0) {
		if (*at >= len || msg[*at] != ',')
			return NULL;
		(*at)++;
	}
	if (len - *at < 2 || msg[*at] != name || msg[*at + 1] != '=')
		return NULL;
	v = msg + *at + 2;
	comma = memchr(v, ',', len - (size_t)(v - msg));
	*vlen = comma != NULL ? (size_t)(comma - v) : len - (size_t)(v - msg);
	*at = (size_t)(v - msg) + *vlen;
	return v;
}

/* RFC 5802 section 5.1: the server's nonce is ours and more, printable. */
static int
nonce_check(struct scram *s, const char *v, size_t len, struct failure *f)
{
	const char	*ours = s->auth.data + s->auth.len - s->cnonce_len;
	size_t		 i;

	if (len <= s->cnonce_len || memcmp(v, ours, s->cnonce_len) != 0)
		return fail(f, FAIL_PROTOCOL, "the server's SCRAM nonce does "
		    "not extend the one postie sent (a replay, or a broken "
		    "server)");
	for (i = 0; i < len; i++)
		if (v[i] < 0x21 || v[i] > 0x7e)
			return fail(f, FAIL_PROTOCOL, "the server's SCRAM nonce "
			    "is not printable");
	if ((s->nonce = strndup(v, len)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	return 0;
}

static int
salt_read(struct scram *s, const char *v, size_t len, struct failure *f)
{
	gnutls_datum_t	in, out = { NULL, 0 };

	in.data = (unsigned char *)(uintptr_t)v;
	in.size = (unsigned)len;
	if (len == 0 || gnutls_base64_decode2(&in, &out) < 0 ||
	    out.size == 0 || out.size > sizeof(s->salt)) {
		gnutls_free(out.data);
		return fail(f, FAIL_PROTOCOL, "the server's SCRAM salt is not "
		    "base64 of 1 to %zu bytes", sizeof(s->salt));
	}
	memcpy(s->salt, out.data, out.size);
	s->salt_len = out.size;
	gnutls_free(out.data);
	return 0;
}

static int
count_read(struct scram *s, const char *v, size_t len, struct failure *f)
{
	char		 digits[16];
	const char	*err;
	long long	 n;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			break;
	if (len == 0 || i < len)
		return fail(f, FAIL_PROTOCOL, "the server's SCRAM iteration "
		    "count is not a number: %.*s", (int)(len > 20 ? 20 : len),
		    v);
	if (len >= sizeof(digits))
		n = LLONG_MAX;
	else {
		memcpy(digits, v, len);
		digits[len] = '\0';
		n = strtonum(digits, 0, LLONG_MAX, &err);
		if (err != NULL)
			n = LLONG_MAX;
	}
	if (n < SCRAM_ITER_MIN)
		return fail(f, FAIL_AUTH, "the server asks for %lld SCRAM "
		    "iterations, below the %d RFC 7677 requires; no proof was "
		    "sent", n, SCRAM_ITER_MIN);
	if (n > SCRAM_ITER_MAX)
		return fail(f, FAIL_AUTH, "the server asks for %.*s SCRAM "
		    "iterations, over postie's bound of %d; no proof was sent",
		    (int)(len > 20 ? 20 : len), v, SCRAM_ITER_MAX);
	s->iterations = (unsigned)n;
	return 0;
}

void
scram_salt(const struct scram *s, const unsigned char **salt, size_t *len,
    unsigned *iterations)
{
	*salt = s->salt;
	*len = s->salt_len;
	*iterations = s->iterations;
}

int
scram_derive(struct scram *s, const char *password, size_t len,
    struct failure *f)
{
	unsigned char	salted[SCRAM_KEY_MAX];
	gnutls_datum_t	key, salt;
	int		allocated = 0, r;

	if (s->state != ST_FINAL)
		return fail(f, FAIL_SOFTWARE, "scram_derive out of turn");
	if (prep(password, len, &key, &allocated, f) == -1)
		return -1;
	salt.data = s->salt;
	salt.size = (unsigned)s->salt_len;
	r = gnutls_pbkdf2(s->h->mac, &key, &salt, s->iterations, salted,
	    s->h->len);
	if (allocated) {
		explicit_bzero(key.data, key.size);
		gnutls_free(key.data);
	}
	if (r == 0)
		r = gnutls_hmac_fast(s->h->mac, salted, s->h->len,
		    "Client Key", 10, s->keys.client);
	if (r == 0)
		r = gnutls_hmac_fast(s->h->mac, salted, s->h->len,
		    "Server Key", 10, s->keys.server);
	explicit_bzero(salted, sizeof(salted));
	if (r < 0)
		return fail(f, FAIL_SOFTWARE, "SCRAM key derivation failed: %s",
		    gnutls_strerror(r));
	s->keys.len = s->h->len;
	s->have_keys = 1;
	return 0;
}

/*
 * SASLprep (RFC 4013). Printable ASCII is left as it is, which is what
 * SASLprep does to it; ASCII control characters are prohibited
 * (RFC 3454 C.2.1). Anything else goes through GnuTLS's RFC 8265
 * OpaqueString profile, SASLprep's successor (doc/deviations.md).
 */
static int
prep(const char *pw, size_t len, gnutls_datum_t *out, int *allocated,
    struct failure *f)
{
	size_t	i;
	int	ascii = 1;

	for (i = 0; i < len; i++) {
		if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f)
			return fail(f, FAIL_AUTH, "the password holds a control "
			    "character, which SCRAM (SASLprep) forbids");
		if ((unsigned char)pw[i] > 0x7f)
			ascii = 0;
	}
	*allocated = 0;
	if (ascii) {
		out->data = (unsigned char *)(uintptr_t)pw;
		out->size = (unsigned)len;
		return 0;
	}
	if (gnutls_utf8_password_normalize((const unsigned char *)pw,
	    (unsigned)len, out, 0) < 0)
		return fail(f, FAIL_AUTH, "the password is not UTF-8 that "
		    "SCRAM can use (SASLprep)");
	*allocated = 1;
	return 0;
}

int
scram_keys_use(struct scram *s, const struct scram_keys *k)
{
	if (s->state != ST_FINAL || k->len != s->h->len)
		return -1;
	s->keys = *k;
	s->have_keys = 1;
	return 0;
}

const struct scram_keys *
scram_keys(const struct scram *s)
{
	return s->have_keys ? &s->keys : NULL;
}

int
scram_client_final(struct scram *s, struct buf *out, struct failure *f)
{
	unsigned char	stored[SCRAM_KEY_MAX], proof[SCRAM_KEY_MAX];
	size_t		i, start = out->len;
	int		r;

	if (s->state != ST_FINAL || !s->have_keys)
		return fail(f, FAIL_SOFTWARE, "scram_client_final out of turn");
	/* client-final-message-without-proof: "c=" base64(gs2 header and
	 * binding) ",r=" nonce. */
	if (buf_append(out, "c=", 2) == -1 ||
	    b64_append(out, s->gs2.data, s->gs2.len) == -1 ||
	    buf_appendf(out, ",r=%s", s->nonce) == -1 ||
	    buf_append(&s->auth, ",", 1) == -1 ||
	    buf_append(&s->auth, out->data + start, out->len - start) == -1)
		return fail(f, FAIL_OS, "out of memory");
	r = gnutls_hash_fast(s->h->dig, s->keys.client, s->h->len, stored);
	if (r == 0)
		r = gnutls_hmac_fast(s->h->mac, stored, s->h->len,
		    s->auth.data, s->auth.len, proof);
	explicit_bzero(stored, sizeof(stored));
	if (r < 0)
		return fail(f, FAIL_SOFTWARE, "SCRAM proof failed: %s",
		    gnutls_strerror(r));
	for (i = 0; i < s->h->len; i++)
		proof[i] ^= s->keys.client[i];
	r = buf_append(out, ",p=", 3) == -1 ||
	    b64_append(out, proof, s->h->len) == -1 ? -1 : 0;
	explicit_bzero(proof, sizeof(proof));
	if (r == -1)
		return fail(f, FAIL_OS, "out of memory");
	s->state = ST_SIGNATURE;
	return 0;
}

int
scram_server_final(struct scram *s, const char *msg, size_t len,
    struct failure *f)
{
	unsigned char	want[SCRAM_KEY_MAX];
	gnutls_datum_t	in, got = { NULL, 0 };
	const char	*v;
	size_t		at = 0, vlen;
	int		ok;

	if (s->state != ST_SIGNATURE)
		return fail(f, FAIL_PROTOCOL, "a SCRAM server-final message "
		    "out of turn");
	if (len > SCRAM_MSG_MAX || (len > 0 && memchr(msg, '\0', len) != NULL))
		return fail(f, FAIL_PROTOCOL, "the server's SCRAM message is "
		    "too long or holds a NUL");
	if ((v = attr(msg, len, &at, 'e', &vlen)) != NULL)
		return fail(f, FAIL_AUTH, "the server refused the SCRAM proof: "
		    "%.*s", (int)(vlen > 100 ? 100 : vlen), v);
	if ((v = attr(msg, len, &at, 'v', &vlen)) == NULL)
		return fail(f, FAIL_PROTOCOL, "the server's SCRAM final message "
		    "has no signature: %.*s", (int)(len > 100 ? 100 : len),
		    msg);
	if (gnutls_hmac_fast(s->h->mac, s->keys.server, s->h->len,
	    s->auth.data, s->auth.len, want) < 0)
		return fail(f, FAIL_SOFTWARE, "SCRAM signature failed");
	in.data = (unsigned char *)(uintptr_t)v;
	in.size = (unsigned)vlen;
	ok = vlen > 0 && gnutls_base64_decode2(&in, &got) == 0 &&
	    got.size == s->h->len && same(got.data, want, s->h->len);
	gnutls_free(got.data);
	explicit_bzero(want, sizeof(want));
	if (!ok)
		return fail(f, FAIL_PROTOCOL, "the server's SCRAM signature is "
		    "wrong: it does not know the password, or someone is in "
		    "the middle; nothing was sent");
	s->state = ST_DONE;
	return 0;
}

/* Constant time: the comparison does not say how much matched. */
static int
same(const unsigned char *a, const unsigned char *b, size_t len)
{
	unsigned char	d = 0;
	size_t		i;

	for (i = 0; i < len; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

int
scram_verified(const struct scram *s)
{
	return s != NULL && s->state == ST_DONE;
}

static int
b64_append(struct buf *b, const void *data, size_t len)
{
	gnutls_datum_t	in, out = { NULL, 0 };
	int		r;

	in.data = (unsigned char *)(uintptr_t)data;
	in.size = (unsigned)len;
	if (len == 0)
		return buf_append(b, "", 0);
	if (gnutls_base64_encode2(&in, &out) < 0)
		return -1;
	r = buf_append(b, out.data, out.size);
	gnutls_free(out.data);
	return r;
}

void
scram_free(struct scram *s)
{
	if (s == NULL)
		return;
	buf_free(&s->auth, 1);
	buf_free(&s->gs2, 1);
	free(s->nonce);
	explicit_bzero(s, sizeof(*s));
	free(s);
}
