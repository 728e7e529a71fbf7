/*
 * scramcache: cached SCRAM keys (see scramcache.h). The files are
 * tlscache's, with no age limit: the keys are as old as the password,
 * and the server's salt says when they are stale.
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

static int	key_text(const struct scramcache_key *, char *, size_t);

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
	if (key_text(k, text, sizeof(text)) == -1)
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
 * Lengths make the text unambiguous; the mechanism without "-PLUS",
 * upper case: binding changes the proof, not the keys.
 */
static int
key_text(const struct scramcache_key *k, char *out, size_t len)
{
	char	mech[32];
	size_t	i, n, at;
	int	r;

	n = strlen(k->mech);
	if (n > 5 && strcasecmp(k->mech + n - 5, "-PLUS") == 0)
		n -= 5;
	if (n >= sizeof(mech))
		return -1;
	for (i = 0; i < n; i++)
		mech[i] = (char)toupper((unsigned char)k->mech[i]);
	mech[n] = '\0';
	r = snprintf(out, len, "postie-scram 1\nhost=%zu:%s\nuser=%zu:%s\n"
	    "mech=%s\ni=%u\nsalt=", strlen(k->host), k->host, strlen(k->user),
	    k->user, mech, k->iterations);
	if (r < 0 || (size_t)r >= len || len - (size_t)r <= 2 * k->salt_len)
		return -1;
	at = (size_t)r;
	for (i = 0; i < k->salt_len; i++, at += 2)
		snprintf(out + at, 3, "%02x", k->salt[i]);
	return 0;
}

int
scramcache_load(const char *path, struct scram_keys *k)
{
	unsigned char	*data;
	size_t		 len;
	time_t		 when;

	if (tlscache_load_max(path, &data, &len, &when, 0) == -1)
		return -1;
	/* ClientKey then ServerKey, of one hash's size each. */
	if (len % 2 != 0 || len / 2 > SCRAM_KEY_MAX || len < 40) {
		log_info("SCRAM key cache %s: malformed; removed", path);
		freezero(data, len);
		scramcache_remove(path);
		return -1;
	}
	memset(k, 0, sizeof(*k));
	k->len = len / 2;
	memcpy(k->client, data, k->len);
	memcpy(k->server, data + k->len, k->len);
	freezero(data, len);
	return 0;
}

int
scramcache_store(const char *path, const struct scram_keys *k)
{
	unsigned char	data[2 * SCRAM_KEY_MAX];
	int		r;

	memcpy(data, k->client, k->len);
	memcpy(data + k->len, k->server, k->len);
	r = tlscache_store(path, data, 2 * k->len, time(NULL));
	explicit_bzero(data, sizeof(data));
	return r;
}

void
scramcache_remove(const char *path)
{
	tlscache_remove(path);
}
