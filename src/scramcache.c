/*
 * scramcache: cached SCRAM keys (see scramcache.h). The files are
 * tlscache's, with no age limit: the keys are as old as the password,
 * and the server's salt and count say when they are stale.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "log.h"
#include "scramcache.h"
#include "sysuser.h"
#include "tlscache.h"

#define DIGEST_LEN	32	/* SHA-256 */
#define TAG_LEN		DIGEST_LEN

static int	name_text(const struct scramcache_key *, char *, size_t);
static int	salt_tag(const struct scramcache_key *,
		    unsigned char [TAG_LEN]);

int
scramcache_path(const char *dir, const struct scramcache_key *k,
    char *path, size_t len, struct failure *f)
{
	unsigned char	 digest[DIGEST_LEN];
	char		 text[3072], base[1024], hex[2 * DIGEST_LEN + 1];
	size_t		 i;
	int		 n;

	if (dir == NULL) {
		if (sysuser_state_dir("/lib/postie/tls", "/tls",
		    "TLS session cache", base, sizeof(base), f) == -1)
			return -1;
		dir = base;
	}
	if (name_text(k, text, sizeof(text)) == -1)
		return fail(f, FAIL_SOFTWARE, "SCRAM cache key too long");
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, k->password, k->password_len,
	    text, strlen(text), digest) < 0)
		return fail(f, FAIL_SOFTWARE, "cannot hash the SCRAM cache key");
	explicit_bzero(text, sizeof(text));
	for (i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	n = snprintf(path, len, "%s/scram-%s", dir, hex);
	if (n < 0 || (size_t)n >= len)
		return fail(f, FAIL_SOFTWARE, "SCRAM cache name too long: %s",
		    dir);
	return 0;
}

/*
 * What the name stands for: the server, the user and the hash, not the
 * salt or the count, so that a server which salts each login afresh
 * (Dovecot deriving SCRAM from a plain password does) keeps one file,
 * overwritten, not one more a login. Lengths make the text unambiguous;
 * the mechanism without "-PLUS", upper case: binding changes the proof,
 * not the keys.
 */
static int
name_text(const struct scramcache_key *k, char *out, size_t len)
{
	char	mech[32];
	size_t	i, n;
	int	r;

	n = strlen(k->mech);
	if (n > 5 && strcasecmp(k->mech + n - 5, "-PLUS") == 0)
		n -= 5;
	if (n >= sizeof(mech))
		return -1;
	for (i = 0; i < n; i++)
		mech[i] = (char)toupper((unsigned char)k->mech[i]);
	mech[n] = '\0';
	r = snprintf(out, len, "postie-scram 2\nhost=%zu:%s\nuser=%zu:%s\n"
	    "mech=%s\n", strlen(k->host), k->host, strlen(k->user), k->user,
	    mech);
	return r < 0 || (size_t)r >= len ? -1 : 0;
}

/* The salt and the count the keys were made with, as the first bytes
 * of the file: keys of another salt or count are not used. */
static int
salt_tag(const struct scramcache_key *k, unsigned char tag[TAG_LEN])
{
	static const char	domain[] = "postie-scram salt 2\n";
	gnutls_hash_hd_t	h;
	unsigned char		count[4];

	count[0] = (unsigned char)(k->iterations >> 24);
	count[1] = (unsigned char)(k->iterations >> 16);
	count[2] = (unsigned char)(k->iterations >> 8);
	count[3] = (unsigned char)k->iterations;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return -1;
	if (gnutls_hash(h, domain, sizeof(domain) - 1) < 0 ||
	    gnutls_hash(h, count, sizeof(count)) < 0 ||
	    gnutls_hash(h, k->salt, k->salt_len) < 0) {
		gnutls_hash_deinit(h, NULL);
		return -1;
	}
	gnutls_hash_deinit(h, tag);
	return 0;
}

int
scramcache_load(const char *path, const struct scramcache_key *k,
    struct scram_keys *out)
{
	unsigned char	*data, tag[TAG_LEN];
	size_t		 len, keys;
	time_t		 when;

	if (tlscache_load_max(path, &data, &len, &when, 0) == -1)
		return -1;
	/* The tag, then ClientKey and ServerKey, of one hash's size each. */
	keys = len > TAG_LEN ? len - TAG_LEN : 0;
	if (keys % 2 != 0 || keys / 2 > SCRAM_KEY_MAX || keys < 40) {
		log_info("SCRAM key cache %s: malformed; removed", path);
		freezero(data, len);
		scramcache_remove(path);
		return -1;
	}
	if (salt_tag(k, tag) == -1 ||
	    memcmp(tag, data, TAG_LEN) != 0) {
		log_info("SCRAM key cache %s: made for another salt or "
		    "count", path);
		freezero(data, len);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->len = keys / 2;
	memcpy(out->client, data + TAG_LEN, out->len);
	memcpy(out->server, data + TAG_LEN + out->len, out->len);
	freezero(data, len);
	return 0;
}

int
scramcache_store(const char *path, const struct scramcache_key *k,
    const struct scram_keys *keys)
{
	unsigned char	data[TAG_LEN + 2 * SCRAM_KEY_MAX];
	int		r;

	if (salt_tag(k, data) == -1)
		return -1;
	memcpy(data + TAG_LEN, keys->client, keys->len);
	memcpy(data + TAG_LEN + keys->len, keys->server, keys->len);
	r = tlscache_store(path, data, TAG_LEN + 2 * keys->len, time(NULL));
	explicit_bzero(data, sizeof(data));
	return r;
}

void
scramcache_remove(const char *path)
{
	tlscache_remove(path);
}
