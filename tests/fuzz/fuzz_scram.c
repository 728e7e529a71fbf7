/*
 * fuzz_scram: what a SCRAM server sends (scram_server_first,
 * scram_server_final). Input: an option byte (bits 0-1: SHA-1, SHA-256,
 * SHA-512, SHA-256-PLUS; bit 2: the server-final message is the right
 * signature followed by "," and the second part; bit 3: derive the keys
 * from the third part as the password, when the count is small), then
 * the server-first message, "@@\n", the server-final message, "@@\n",
 * the password. The client's nonce is "fuzzNONCE".
 *
 * Properties: an accepted server-first message has a nonce that extends
 * ours and a count within SCRAM_ITER_MIN..SCRAM_ITER_MAX; the client's
 * final message carries that nonce and a proof; a server-final message
 * is accepted exactly when its v= is the signature of the AuthMessage
 * (computed here on its own), and the right one followed by anything
 * is; every failure is one of the kinds scram.h names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "fuzz.h"
#include "scram.h"

#define NONCE	"fuzzNONCE"

struct variant {
	const char		*mech;
	gnutls_mac_algorithm_t	 mac;
	size_t			 len;
};

static const struct variant variants[] = {
	{ "SCRAM-SHA-1", GNUTLS_MAC_SHA1, 20 },
	{ "SCRAM-SHA-256", GNUTLS_MAC_SHA256, 32 },
	{ "SCRAM-SHA-512", GNUTLS_MAC_SHA512, 64 },
	{ "SCRAM-SHA-256-PLUS", GNUTLS_MAC_SHA256, 32 },
};

static void	check_first(const char *, size_t);
static void	signature(const struct variant *, const struct scram_keys *,
		    const struct buf *, const char *, size_t,
		    const struct buf *, struct buf *);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const unsigned char cb[] = "binding data";
	const struct variant	*v;
	struct scram_params	 p;
	struct scram_keys	 keys;
	struct scram		*s = NULL;
	struct buf		 first = BUF_INIT, final = BUF_INIT,
				 sig = BUF_INIT, sfinal = BUF_INIT;
	struct failure		 f;
	const uint8_t		*sf = NULL, *sl = NULL, *pw = NULL;
	const unsigned char	*salt;
	size_t			 sflen = 0, sllen = 0, pwlen = 0, saltlen, i;
	unsigned		 iter, opt;
	int			 r;

	if (n == 0)
		return 0;
	opt = data[0];
	data++, n--;
	v = &variants[opt & 3];
	(void)fuzz_next_part(&data, &n, &sf, &sflen);
	(void)fuzz_next_part(&data, &n, &sl, &sllen);
	(void)fuzz_next_part(&data, &n, &pw, &pwlen);

	memset(&p, 0, sizeof(p));
	p.mech = v->mech;
	p.user = "u=s,er";
	p.nonce = NONCE;
	if ((opt & 3) == 3) {
		p.cb = SCRAM_CB_BIND;
		p.cb_name = "tls-exporter";
		p.cb_data = cb;
		p.cb_len = sizeof(cb) - 1;
	}
	FUZZ_CHECK(scram_start(&p, &s, &first, &f) == 0);
	r = scram_server_first(s, (const char *)sf, sflen, &f);
	if (r == -1) {
		FUZZ_CHECK(f.kind == FAIL_PROTOCOL || f.kind == FAIL_AUTH);
		goto out;
	}
	check_first((const char *)sf, sflen);
	scram_salt(s, &salt, &saltlen, &iter);
	FUZZ_CHECK(saltlen > 0 && saltlen <= SCRAM_SALT_MAX);
	FUZZ_CHECK(iter >= SCRAM_ITER_MIN && iter <= SCRAM_ITER_MAX);

	if ((opt & 8) != 0 && iter <= 2 * SCRAM_ITER_MIN) {
		r = scram_derive(s, (const char *)pw, pwlen, &f);
		FUZZ_CHECK(r == 0 || f.kind == FAIL_AUTH);
		if (r == -1)
			goto out;
	} else {
		memset(&keys, 0, sizeof(keys));
		for (i = 0; i < v->len; i++) {
			keys.client[i] = (unsigned char)i;
			keys.server[i] = (unsigned char)(0xa5 ^ i);
		}
		keys.len = v->len;
		FUZZ_CHECK(scram_keys_use(s, &keys) == 0);
	}
	keys = *scram_keys(s);
	FUZZ_CHECK(scram_client_final(s, &final, &f) == 0);
	FUZZ_CHECK(strncmp(final.data, "c=", 2) == 0);
	FUZZ_CHECK(strstr(final.data, ",p=") != NULL);

	signature(v, &keys, &first, (const char *)sf, sflen, &final, &sig);
	if ((opt & 4) != 0) {
		FUZZ_CHECK(buf_appendf(&sfinal, "v=%s,", sig.data) == 0);
		FUZZ_CHECK(buf_append(&sfinal, sl, sllen) == 0);
	} else
		FUZZ_CHECK(buf_append(&sfinal, sl, sllen) == 0);
	r = scram_server_final(s, sfinal.data, sfinal.len, &f);
	FUZZ_CHECK(r == 0 || f.kind == FAIL_PROTOCOL || f.kind == FAIL_AUTH);
	FUZZ_CHECK((r == 0) == scram_verified(s));
	/* Accepted exactly when v= is the signature. */
	if (r == 0)
		FUZZ_CHECK(strncmp(sfinal.data, "v=", 2) == 0 &&
		    strncmp(sfinal.data + 2, sig.data, sig.len) == 0 &&
		    (sfinal.len == 2 + sig.len || sfinal.data[2 + sig.len] ==
		    ','));
	if ((opt & 4) != 0 && (sllen == 0 || memchr(sl, '\0', sllen) == NULL) &&
	    sfinal.len <= SCRAM_MSG_MAX)
		FUZZ_CHECK(r == 0);
out:
	buf_free(&first, 1);
	buf_free(&final, 1);
	buf_free(&sig, 1);
	buf_free(&sfinal, 1);
	scram_free(s);
	return 0;
}

/* The message starts with our nonce and more, before the next ",". */
static void
check_first(const char *sf, size_t len)
{
	const char	*comma;
	size_t		 nlen;

	FUZZ_CHECK(len > 2 + strlen(NONCE) && strncmp(sf, "r=" NONCE,
	    2 + strlen(NONCE)) == 0);
	comma = memchr(sf, ',', len);
	FUZZ_CHECK(comma != NULL);
	nlen = (size_t)(comma - sf) - 2;
	FUZZ_CHECK(nlen > strlen(NONCE));
}

/*
 * base64(HMAC(ServerKey, AuthMessage)), the AuthMessage made here from
 * the messages as they went: the client-first without its gs2 header,
 * the server-first, the client-final up to ",p=".
 */
static void
signature(const struct variant *v, const struct scram_keys *k,
    const struct buf *first, const char *sf, size_t sflen,
    const struct buf *final, struct buf *out)
{
	unsigned char	 mac[64];
	struct buf	 auth = BUF_INIT;
	const char	*bare = strstr(first->data, ",,") + 2;
	gnutls_datum_t	 in, b64 = { NULL, 0 };

	FUZZ_CHECK(buf_appendf(&auth, "%s,", bare) == 0);
	FUZZ_CHECK(buf_append(&auth, sf, sflen) == 0);
	FUZZ_CHECK(buf_appendf(&auth, ",%.*s", (int)(strstr(final->data,
	    ",p=") - final->data), final->data) == 0);
	FUZZ_CHECK(gnutls_hmac_fast(v->mac, k->server, k->len, auth.data,
	    auth.len, mac) == 0);
	in.data = mac;
	in.size = (unsigned)v->len;
	FUZZ_CHECK(gnutls_base64_encode2(&in, &b64) == 0);
	FUZZ_CHECK(buf_append(out, b64.data, b64.size) == 0);
	gnutls_free(b64.data);
	buf_free(&auth, 0);
}
