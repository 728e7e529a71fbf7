/*
 * test_scram: the SCRAM engine against the test vectors of RFC 5802
 * section 5 (SHA-1) and RFC 7677 section 3 (SHA-256), and what it must
 * refuse from a server: a nonce that does not extend ours, counts out of
 * bounds, a wrong signature, malformed messages; channel binding's c=.
 * And the key cache's names and files (scramcache).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sys/stat.h>

#include <stdlib.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

/* Before cmocka.h, whose fail() macro would swallow exitcode.h's. */
#include "scram.h"
#include "scramcache.h"

#include <cmocka.h>

struct vector {
	const char	*mech, *nonce, *first, *server_first, *final,
			*server_final;
};

static const struct vector rfc5802 = {
	"SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL",
	"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
	"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,"
	    "i=4096",
	"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

static const struct vector rfc7677 = {
	"SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO",
	"n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

static struct scram_params
params(const char *mech, const char *user, const char *nonce)
{
	struct scram_params	p;

	memset(&p, 0, sizeof(p));
	p.mech = mech;
	p.user = user;
	p.nonce = nonce;
	return p;
}

/* Starts v's exchange and checks the client-first message. */
static struct scram *
start(const struct vector *v)
{
	struct scram_params	 p = params(v->mech, "user", v->nonce);
	struct scram		*s = NULL;
	struct buf		 out = BUF_INIT;
	struct failure		 f;

	failure_clear(&f);
	assert_int_equal(scram_start(&p, &s, &out, &f), 0);
	assert_string_equal(out.data, v->first);
	buf_free(&out, 0);
	return s;
}

/* The whole exchange of a vector; keys from the password or cached. */
static void
run_vector(const struct vector *v, const struct scram_keys *cached,
    struct scram_keys *keys_out)
{
	struct scram	*s = start(v);
	struct buf	 out = BUF_INIT;
	struct failure	 f;

	failure_clear(&f);
	assert_int_equal(scram_server_first(s, v->server_first,
	    strlen(v->server_first), &f), 0);
	if (cached != NULL)
		assert_int_equal(scram_keys_use(s, cached), 0);
	else
		assert_int_equal(scram_derive(s, "pencil", 6, &f), 0);
	assert_int_equal(scram_client_final(s, &out, &f), 0);
	assert_string_equal(out.data, v->final);
	assert_false(scram_verified(s));
	assert_int_equal(scram_server_final(s, v->server_final,
	    strlen(v->server_final), &f), 0);
	assert_true(scram_verified(s));
	if (keys_out != NULL)
		*keys_out = *scram_keys(s);
	buf_free(&out, 0);
	scram_free(s);
}

static void
test_rfc5802_sha1(void **state)
{
	(void)state;
	run_vector(&rfc5802, NULL, NULL);
}

static void
test_rfc7677_sha256(void **state)
{
	(void)state;
	run_vector(&rfc7677, NULL, NULL);
}

/* RFC 5802 section 5.1: the keys alone make the same proof. */
static void
test_cached_keys(void **state)
{
	struct scram_keys	k;

	(void)state;
	run_vector(&rfc7677, NULL, &k);
	assert_int_equal(k.len, 32);
	run_vector(&rfc7677, &k, NULL);
	run_vector(&rfc5802, NULL, &k);
	assert_int_equal(k.len, 20);
	run_vector(&rfc5802, &k, NULL);
}

/* Keys of another hash are not used. */
static void
test_cached_keys_wrong_hash(void **state)
{
	struct scram_keys	 k;
	struct scram		*s;
	struct failure		 f;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.len = 20;
	s = start(&rfc7677);
	assert_int_equal(scram_server_first(s, rfc7677.server_first,
	    strlen(rfc7677.server_first), &f), 0);
	assert_int_equal(scram_keys_use(s, &k), -1);
	scram_free(s);
}

/* Runs v's first steps with server-first sf; expects kind and text. */
static void
expect_first_fails(const char *sf, enum fail_kind kind, const char *text)
{
	struct scram	*s = start(&rfc7677);
	struct failure	 f;

	failure_clear(&f);
	assert_int_equal(scram_server_first(s, sf, strlen(sf), &f), -1);
	assert_int_equal(f.kind, kind);
	assert_non_null(strstr(f.text, text));
	scram_free(s);
}

static void
test_nonce_must_extend(void **state)
{
	(void)state;
	/* Our nonce alone, another one, a shorter one, a changed one. */
	expect_first_fails("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
	    "i=4096", FAIL_PROTOCOL, "does not extend");
	expect_first_fails("r=XXXXXXXXXXXXXXXXXXXXXXXXXXXX,s=W22ZaJ0SNY7soEsUEjb6"
	    "gQ==,i=4096", FAIL_PROTOCOL, "does not extend");
	expect_first_fails("r=rOprNG,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	    FAIL_PROTOCOL, "does not extend");
	expect_first_fails("r=rOprNGfwEbeRWgbNEkqP%hvYD,s=W22ZaJ0SNY7soEsUEjb6"
	    "gQ==,i=4096", FAIL_PROTOCOL, "does not extend");
	expect_first_fails("r=rOprNGfwEbeRWgbNEkqO\001x,s=W22ZaJ0SNY7soEsUEjb6"
	    "gQ==,i=4096", FAIL_PROTOCOL, "not printable");
}

static void
test_iteration_bounds(void **state)
{
	const char	*pre = "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6"
			    "gQ==,i=";
	char		 sf[256];
	struct scram	*s;
	struct failure	 f;

	(void)state;
	snprintf(sf, sizeof(sf), "%s4095", pre);
	expect_first_fails(sf, FAIL_AUTH, "4095 SCRAM iterations, below");
	snprintf(sf, sizeof(sf), "%s0", pre);
	expect_first_fails(sf, FAIL_AUTH, "below");
	snprintf(sf, sizeof(sf), "%s1000001", pre);
	expect_first_fails(sf, FAIL_AUTH, "over postie's bound");
	snprintf(sf, sizeof(sf), "%s99999999999999999999999999", pre);
	expect_first_fails(sf, FAIL_AUTH, "over postie's bound");
	snprintf(sf, sizeof(sf), "%s-5000", pre);
	expect_first_fails(sf, FAIL_PROTOCOL, "not a number");
	snprintf(sf, sizeof(sf), "%s", "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7s"
	    "oEsUEjb6gQ==");
	expect_first_fails(sf, FAIL_PROTOCOL, "no iteration count");
	/* The bounds themselves are fine. */
	snprintf(sf, sizeof(sf), "%s1000000,x=ext", pre);
	s = start(&rfc7677);
	assert_int_equal(scram_server_first(s, sf, strlen(sf), &f), 0);
	scram_free(s);
}

static void
test_malformed_first(void **state)
{
	(void)state;
	expect_first_fails("m=ext,r=rOprNGfwEbeRWgbNEkqOxyz,s=QSXC,i=4096",
	    FAIL_PROTOCOL, "extension");
	expect_first_fails("s=QSXC,r=rOprNGfwEbeRWgbNEkqOxyz,i=4096",
	    FAIL_PROTOCOL, "no nonce");
	expect_first_fails("r=rOprNGfwEbeRWgbNEkqOxyz,i=4096", FAIL_PROTOCOL,
	    "no salt");
	expect_first_fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=,i=4096",
	    FAIL_PROTOCOL, "salt");
	expect_first_fails("r=rOprNGfwEbeRWgbNEkqOxyz,s=!!!!,i=4096",
	    FAIL_PROTOCOL, "salt");
	expect_first_fails("", FAIL_PROTOCOL, "no nonce");
}

/* Runs the RFC 7677 exchange up to the server-final message sf. */
static void
expect_final_fails(const char *sf, enum fail_kind kind, const char *text)
{
	struct scram	*s = start(&rfc7677);
	struct buf	 out = BUF_INIT;
	struct failure	 f;

	failure_clear(&f);
	assert_int_equal(scram_server_first(s, rfc7677.server_first,
	    strlen(rfc7677.server_first), &f), 0);
	assert_int_equal(scram_derive(s, "pencil", 6, &f), 0);
	assert_int_equal(scram_client_final(s, &out, &f), 0);
	assert_int_equal(scram_server_final(s, sf, strlen(sf), &f), -1);
	assert_int_equal(f.kind, kind);
	assert_non_null(strstr(f.text, text));
	assert_false(scram_verified(s));
	buf_free(&out, 0);
	scram_free(s);
}

static void
test_wrong_signature(void **state)
{
	(void)state;
	/* One bit off, too short, not base64, absent, the server's error. */
	expect_final_fails("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=",
	    FAIL_PROTOCOL, "signature is wrong");
	expect_final_fails("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5n",
	    FAIL_PROTOCOL, "signature is wrong");
	expect_final_fails("v=!!!!", FAIL_PROTOCOL, "signature is wrong");
	expect_final_fails("v=", FAIL_PROTOCOL, "signature is wrong");
	expect_final_fails("", FAIL_PROTOCOL, "no signature");
	expect_final_fails("e=invalid-proof", FAIL_AUTH, "invalid-proof");
	/* The SHA-1 vector's signature is not SHA-256's. */
	expect_final_fails(rfc5802.server_final, FAIL_PROTOCOL,
	    "signature is wrong");
}

/* Out of turn: a second server-first, a final before the proof. */
static void
test_out_of_turn(void **state)
{
	struct scram	*s = start(&rfc7677);
	struct failure	 f;

	(void)state;
	assert_int_equal(scram_server_final(s, rfc7677.server_final,
	    strlen(rfc7677.server_final), &f), -1);
	assert_int_equal(f.kind, FAIL_PROTOCOL);
	assert_int_equal(scram_server_first(s, rfc7677.server_first,
	    strlen(rfc7677.server_first), &f), 0);
	assert_int_equal(scram_server_first(s, rfc7677.server_first,
	    strlen(rfc7677.server_first), &f), -1);
	assert_int_equal(f.kind, FAIL_PROTOCOL);
	scram_free(s);
}

/* RFC 5802 section 5.1: "=" and "," in the user name. */
static void
test_username_escaped(void **state)
{
	struct scram_params	 p = params("SCRAM-SHA-256", "a=b,c@d", "N");
	struct scram		*s = NULL;
	struct buf		 out = BUF_INIT;
	struct failure		 f;

	(void)state;
	assert_int_equal(scram_start(&p, &s, &out, &f), 0);
	assert_string_equal(out.data, "n,,n=a=3Db=2Cc@d,r=N");
	buf_free(&out, 0);
	scram_free(s);
}

/* A random nonce: printable, without ",", different each time. */
static void
test_random_nonce(void **state)
{
	struct scram_params	 p = params("SCRAM-SHA-1", "u", NULL);
	struct scram		*s = NULL, *t = NULL;
	struct buf		 a = BUF_INIT, b = BUF_INIT;
	struct failure		 f;

	(void)state;
	assert_int_equal(scram_start(&p, &s, &a, &f), 0);
	assert_int_equal(scram_start(&p, &t, &b, &f), 0);
	assert_true(strncmp(a.data, "n,,n=u,r=", 9) == 0);
	assert_true(strlen(a.data + 9) >= 24);
	assert_null(strchr(a.data + 9, ','));
	assert_string_not_equal(a.data, b.data);
	buf_free(&a, 0);
	buf_free(&b, 0);
	scram_free(s);
	scram_free(t);
}

/* -PLUS: "p=NAME", and c= is base64 of the header then the binding. */
static void
test_channel_binding(void **state)
{
	static const unsigned char cb[] = { 0x01, 0x02, 0x03, 0xff };
	struct scram_params	 p = params("SCRAM-SHA-256-PLUS", "user", "N");
	struct scram		*s = NULL;
	struct buf		 out = BUF_INIT;
	struct failure		 f;
	const char		*sf = "r=NX,s=QSXCR+Q6sek8bf92,i=4096";

	(void)state;
	p.cb = SCRAM_CB_BIND;
	p.cb_name = "tls-exporter";
	p.cb_data = cb;
	p.cb_len = sizeof(cb);
	assert_int_equal(scram_start(&p, &s, &out, &f), 0);
	assert_string_equal(out.data, "p=tls-exporter,,n=user,r=N");
	buf_reset(&out);
	assert_int_equal(scram_server_first(s, sf, strlen(sf), &f), 0);
	assert_int_equal(scram_derive(s, "pencil", 6, &f), 0);
	assert_int_equal(scram_client_final(s, &out, &f), 0);
	/* base64("p=tls-exporter,," 01 02 03 ff) */
	assert_true(strncmp(out.data, "c=cD10bHMtZXhwb3J0ZXIsLAECA/8=,r=NX,p=",
	    38) == 0);
	buf_free(&out, 0);
	scram_free(s);

	/* "y": no binding data, c= is base64("y,,"). */
	p = params("SCRAM-SHA-256", "user", "N");
	p.cb = SCRAM_CB_OFFER;
	assert_int_equal(scram_start(&p, &s, &out, &f), 0);
	assert_string_equal(out.data, "y,,n=user,r=N");
	buf_reset(&out);
	assert_int_equal(scram_server_first(s, sf, strlen(sf), &f), 0);
	assert_int_equal(scram_derive(s, "pencil", 6, &f), 0);
	assert_int_equal(scram_client_final(s, &out, &f), 0);
	assert_true(strncmp(out.data, "c=eSws,r=NX,p=", 14) == 0);
	buf_free(&out, 0);
	scram_free(s);

	/* -PLUS without a binding, a binding without -PLUS: refused. */
	p = params("SCRAM-SHA-256-PLUS", "user", "N");
	assert_int_equal(scram_start(&p, &s, &out, &f), -1);
	assert_int_equal(f.kind, FAIL_AUTH);
	p = params("SCRAM-SHA-256", "user", "N");
	p.cb = SCRAM_CB_BIND;
	p.cb_name = "tls-unique";
	p.cb_data = cb;
	p.cb_len = sizeof(cb);
	assert_int_equal(scram_start(&p, &s, &out, &f), -1);
	buf_free(&out, 0);
}

/* SASLprep: control characters refused; non-ASCII normalised (NFC),
 * so that a decomposed and a composed password give the same keys. */
static void
test_saslprep(void **state)
{
	struct scram_keys	 k1, k2;
	struct scram		*s;
	struct failure		 f;
	const char		*sf = rfc7677.server_first;

	(void)state;
	s = start(&rfc7677);
	assert_int_equal(scram_server_first(s, sf, strlen(sf), &f), 0);
	assert_int_equal(scram_derive(s, "pen\tcil", 7, &f), -1);
	assert_int_equal(f.kind, FAIL_AUTH);
	assert_non_null(strstr(f.text, "control character"));
	assert_int_equal(scram_derive(s, "\xff\xfe", 2, &f), -1);
	assert_int_equal(f.kind, FAIL_AUTH);
	/* U+00E9 composed, then e + U+0301 combining acute. */
	assert_int_equal(scram_derive(s, "caf\xc3\xa9", 5, &f), 0);
	k1 = *scram_keys(s);
	assert_int_equal(scram_derive(s, "cafe\xcc\x81", 6, &f), 0);
	k2 = *scram_keys(s);
	assert_memory_equal(k1.client, k2.client, k1.len);
	/* U+00A0 no-break space is mapped to a space (RFC 4013 2.1). */
	assert_int_equal(scram_derive(s, "a b", 3, &f), 0);
	k1 = *scram_keys(s);
	assert_int_equal(scram_derive(s, "a\xc2\xa0" "b", 4, &f), 0);
	k2 = *scram_keys(s);
	assert_memory_equal(k1.client, k2.client, k1.len);
	scram_free(s);
}

static void
test_known(void **state)
{
	(void)state;
	assert_true(scram_known("SCRAM-SHA-1"));
	assert_true(scram_known("scram-sha-256-plus"));
	assert_true(scram_known("SCRAM-SHA-512"));
	assert_false(scram_known("SCRAM-MD5"));
	assert_false(scram_known("SCRAM-"));
	assert_false(scram_known("PLAIN"));
	assert_false(scram_known(NULL));
}

static const unsigned char salt[] = "salt";

static struct scramcache_key
cache_key(void)
{
	struct scramcache_key	k;

	memset(&k, 0, sizeof(k));
	k.host = "mx.example";
	k.user = "user";
	k.mech = "SCRAM-SHA-256";
	k.salt = salt;
	k.salt_len = 4;
	k.iterations = 4096;
	k.password = "pencil";
	k.password_len = 6;
	return k;
}

static void
expect_path(const struct scramcache_key *k, char *out, size_t len)
{
	struct failure	f;

	assert_int_equal(scramcache_path("/d", k, out, len, &f), 0);
	assert_int_equal(strncmp(out, "/d/scram-", 9), 0);
	assert_int_equal(strlen(out), 9 + 64);
}

/* One name for the same key, -PLUS or not, whatever the salt and the
 * count (which the file holds); another for any other change. */
static void
test_cache_names(void **state)
{
	struct scramcache_key	k = cache_key(), o;
	char			a[256], b[256];

	(void)state;
	expect_path(&k, a, sizeof(a));
	expect_path(&k, b, sizeof(b));
	assert_string_equal(a, b);
	o = k;
	o.mech = "scram-sha-256-plus";
	expect_path(&o, b, sizeof(b));
	assert_string_equal(a, b);
	o = k;
	o.password = "pencil2";
	o.password_len = 7;
	expect_path(&o, b, sizeof(b));
	assert_string_not_equal(a, b);
	o = k;
	o.iterations = 4097;
	expect_path(&o, b, sizeof(b));
	assert_string_equal(a, b);
	o = k;
	o.salt_len = 3;
	expect_path(&o, b, sizeof(b));
	assert_string_equal(a, b);
	o = k;
	o.host = "mx.other";
	expect_path(&o, b, sizeof(b));
	assert_string_not_equal(a, b);
	o = k;
	o.user = "user2";
	expect_path(&o, b, sizeof(b));
	assert_string_not_equal(a, b);
	o = k;
	o.mech = "SCRAM-SHA-1";
	expect_path(&o, b, sizeof(b));
	assert_string_not_equal(a, b);
}

/* Stored 0600 in a 0700 directory made for it, read back for the same
 * salt and count only, overwritten for another; a file of the wrong
 * size or mode is not used, and removed. */
static void
test_cache_files(void **state)
{
	struct scramcache_key	 k = cache_key(), o;
	struct scram_keys	 keys, got;
	struct failure		 f;
	struct stat		 st;
	char			 tmpl[] = "/tmp/test_scram.XXXXXX", dir[64],
				 path[256];
	size_t			 i;
	FILE			*fp;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s/cache", tmpl);
	assert_int_equal(scramcache_path(dir, &k, path, sizeof(path), &f), 0);
	assert_int_equal(scramcache_load(path, &k, &got), -1);
	memset(&keys, 0, sizeof(keys));
	keys.len = 32;
	for (i = 0; i < 32; i++) {
		keys.client[i] = (unsigned char)i;
		keys.server[i] = (unsigned char)(255 - i);
	}
	assert_int_equal(scramcache_store(path, &k, &keys), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(scramcache_load(path, &k, &got), 0);
	assert_int_equal(got.len, 32);
	assert_memory_equal(got.client, keys.client, 32);
	assert_memory_equal(got.server, keys.server, 32);
	/* Another salt, another count: not used, and kept until the keys
	 * of the login that follows overwrite it. */
	o = k;
	o.salt_len = 3;
	assert_int_equal(scramcache_load(path, &o, &got), -1);
	o = k;
	o.iterations = 4097;
	assert_int_equal(scramcache_load(path, &o, &got), -1);
	assert_int_equal(access(path, F_OK), 0);
	keys.client[0] = 99;
	assert_int_equal(scramcache_store(path, &o, &keys), 0);
	assert_int_equal(scramcache_load(path, &k, &got), -1);
	assert_int_equal(scramcache_load(path, &o, &got), 0);
	assert_int_equal(got.client[0], 99);
	/* Another user's mode: not used, removed. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(scramcache_load(path, &o, &got), -1);
	assert_int_equal(access(path, F_OK), -1);
	/* A size no hash has: removed. */
	keys.len = 13;
	assert_int_equal(scramcache_store(path, &k, &keys), 0);
	assert_int_equal(scramcache_load(path, &k, &got), -1);
	assert_int_equal(access(path, F_OK), -1);
	/* Not ours to trust: the first line is not the format's. */
	assert_non_null(fp = fopen(path, "w"));
	fputs("garbage that is long enough to be a pair of keys, surely\n", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(scramcache_load(path, &k, &got), -1);
	scramcache_remove(path);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(rmdir(tmpl), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5802_sha1),
		cmocka_unit_test(test_rfc7677_sha256),
		cmocka_unit_test(test_cached_keys),
		cmocka_unit_test(test_cached_keys_wrong_hash),
		cmocka_unit_test(test_nonce_must_extend),
		cmocka_unit_test(test_iteration_bounds),
		cmocka_unit_test(test_malformed_first),
		cmocka_unit_test(test_wrong_signature),
		cmocka_unit_test(test_out_of_turn),
		cmocka_unit_test(test_username_escaped),
		cmocka_unit_test(test_random_nonce),
		cmocka_unit_test(test_channel_binding),
		cmocka_unit_test(test_saslprep),
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_cache_names),
		cmocka_unit_test(test_cache_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
