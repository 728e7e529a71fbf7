/*
 * test_sasl: mechanism choice, initial responses, challenge steps and the
 * password sources, against the libsasl2 plugins installed (no network).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <sasl/sasl.h>
#include <sasl/saslutil.h>

/* Before cmocka.h, whose fail() macro would swallow exitcode.h's. */
#include "password.h"
#include "sasl.h"

#include <cmocka.h>

static struct sasl_params
params(const char *mech, const char *offered)
{
	struct sasl_params	p;

	memset(&p, 0, sizeof(p));
	p.host = "mail.example";
	p.user = "user";
	p.password = "pass";
	p.mech = mech;
	p.offered = offered;
	p.tls_active = 1;
	p.no_prompt = 1;
	return p;
}

/* Starts with p and checks the chosen mechanism and initial response. */
static void
expect_start(const struct sasl_params *p, const char *mech,
    const char *initial)
{
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i;

	failure_clear(&f);
	assert_int_equal(sasl_start(p, &s, &m, &i, &f), 0);
	assert_non_null(s);
	assert_string_equal(m, mech);
	if (initial == NULL)
		assert_null(i);
	else
		assert_string_equal(i, initial);
	sasl_end(s);
}

/* Starts with p, expects failure kind and a piece of its text. */
static void
expect_fail(const struct sasl_params *p, enum fail_kind kind,
    const char *text)
{
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i;

	failure_clear(&f);
	assert_int_equal(sasl_start(p, &s, &m, &i, &f), -1);
	assert_null(s);
	assert_int_equal(f.kind, kind);
	if (strstr(f.text, text) == NULL)
		fail_msg("\"%s\" not in \"%s\"", text, f.text);
}

static void
test_plain_initial(void **state)
{
	struct sasl_params	p = params("PLAIN", "PLAIN LOGIN");

	(void)state;
	/* base64("\0user\0pass") */
	expect_start(&p, "PLAIN", "AHVzZXIAcGFzcw==");
	p.mech = "plain";
	expect_start(&p, "PLAIN", "AHVzZXIAcGFzcw==");
}

static void
test_auto_choice(void **state)
{
	struct sasl_params	p = params(NULL, "LOGIN PLAIN CRAM-MD5 DIGEST-MD5");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i;

	(void)state;
	expect_start(&p, "PLAIN", "AHVzZXIAcGFzcw==");
	p.offered = "DIGEST-MD5 CRAM-MD5 LOGIN";
	expect_start(&p, "LOGIN", NULL);
	p.offered = "PLAIN SCRAM-SHA-1 SCRAM-SHA-256 ANONYMOUS";
	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "SCRAM-SHA-256");
	/* base64("n,,n=user,r=") then the client nonce */
	assert_memory_equal(i, "biwsbj11c2VyLHI9", 16);
	sasl_end(s);
}

static void
test_no_common(void **state)
{
	struct sasl_params	p = params(NULL, "CRAM-MD5 ANONYMOUS");

	(void)state;
	expect_fail(&p, FAIL_AUTH, "the server offers CRAM-MD5 ANONYMOUS");
	p.offered = "";
	expect_fail(&p, FAIL_AUTH, "offers no authentication");
	p.offered = NULL;
	expect_fail(&p, FAIL_AUTH, "offers no authentication");
}

static void
test_named_not_offered(void **state)
{
	struct sasl_params	p = params("CRAM-MD5", "PLAIN LOGIN");

	(void)state;
	expect_fail(&p, FAIL_AUTH,
	    "the server does not offer AUTH CRAM-MD5; it offers: PLAIN LOGIN");
	/* A prefix of an offered name is not that name. */
	p.offered = "SCRAM-SHA-256";
	p.mech = "SCRAM-SHA";
	expect_fail(&p, FAIL_AUTH, "does not offer AUTH SCRAM-SHA;");
}

static void
test_tls_required(void **state)
{
	struct sasl_params	p = params(NULL, "PLAIN");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i;

	(void)state;
	p.tls_active = 0;
	expect_fail(&p, FAIL_AUTH, "without TLS");
	/* "tls off" to loopback: chosen by itself, never a mechanism that
	 * shows the password; named, it is the user's choice. */
	p.loopback = 1;
	expect_fail(&p, FAIL_AUTH, "without TLS the server offers only PLAIN, "
	    "which would show the password; no password was sent (use TLS, "
	    "or name the mechanism");
	p.offered = "LOGIN PLAIN CRAM-MD5";
	expect_fail(&p, FAIL_AUTH, "offers only LOGIN PLAIN CRAM-MD5, which");
	p.offered = "PLAIN LOGIN SCRAM-SHA-256";
	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "SCRAM-SHA-256");
	sasl_end(s);
	p.offered = "PLAIN";
	p.mech = "PLAIN";
	expect_start(&p, "PLAIN", "AHVzZXIAcGFzcw==");
	/* Over TLS PLAIN is chosen by itself, as before. */
	p.mech = NULL;
	p.tls_active = 1;
	p.loopback = 0;
	expect_start(&p, "PLAIN", "AHVzZXIAcGFzcw==");
}

static void
test_no_user_or_password(void **state)
{
	struct sasl_params	p = params(NULL, "PLAIN");

	(void)state;
	p.password = NULL;
	expect_fail(&p, FAIL_AUTH,
	    "no password for user (set password or passwordeval, add it to "
	    "~/.netrc for machine mail.example, or run postie on a terminal");
	p.user = NULL;
	expect_fail(&p, FAIL_AUTH, "no user name");
}

static void
test_passwordeval(void **state)
{
	struct sasl_params	p = params("PLAIN", "PLAIN");

	(void)state;
	p.password = NULL;
	p.passwordeval = "printf 'pw\\n'";
	expect_start(&p, "PLAIN", "AHVzZXIAcHc=");	/* \0user\0pw */
	p.passwordeval = "printf 'pw\\r\\n'";
	expect_start(&p, "PLAIN", "AHVzZXIAcHc=");
	p.passwordeval = "printf pw";
	expect_start(&p, "PLAIN", "AHVzZXIAcHc=");
	/* Only one newline goes. */
	p.passwordeval = "printf 'pw\\n\\n'";
	expect_start(&p, "PLAIN", "AHVzZXIAcHcK");	/* \0user\0pw\n */
	/* stdin is /dev/null, not the message. */
	p.passwordeval = "cat; printf pw";
	expect_start(&p, "PLAIN", "AHVzZXIAcHc=");
}

static void
test_passwordeval_fails(void **state)
{
	struct sasl_params	 p = params("PLAIN", "PLAIN");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i;

	(void)state;
	p.password = NULL;
	p.passwordeval = "echo hunter2; exit 3";
	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), -1);
	assert_int_equal(f.kind, FAIL_CONFIG);
	assert_string_equal(f.text, "passwordeval failed (exit 3)");
	assert_null(strstr(f.text, "hunter2"));
	p.passwordeval = "true";
	expect_fail(&p, FAIL_CONFIG, "printed no password");
	p.passwordeval = "kill -9 $$";
	expect_fail(&p, FAIL_CONFIG, "passwordeval failed (signal 9)");
	p.passwordeval = "head -c 70000 /dev/zero | tr '\\0' x";
	expect_fail(&p, FAIL_CONFIG, "more than 65536 bytes");
}

static void
test_login_steps(void **state)
{
	struct sasl_params	 p = params("LOGIN", "LOGIN");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i, *r;

	(void)state;
	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_null(i);
	assert_int_equal(sasl_step(s, "VXNlcm5hbWU6", 12, &r, &f), 0);
	assert_string_equal(r, "dXNlcg==");		/* user */
	assert_int_equal(sasl_step(s, "UGFzc3dvcmQ6", 12, &r, &f), 0);
	assert_string_equal(r, "cGFzcw==");		/* pass */
	sasl_end(s);
}

static void
test_cram_md5(void **state)
{
	/* RFC 2195 section 2's example. */
	const char		*ch = "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVz"
				    "dG9uLm1jaS5uZXQ+";
	struct sasl_params	 p = params("CRAM-MD5", "PLAIN CRAM-MD5");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i, *r;

	(void)state;
	p.user = "tim";
	p.password = "tanstaaftanstaaf";
	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "CRAM-MD5");
	assert_null(i);
	assert_int_equal(sasl_step(s, ch, strlen(ch), &r, &f), 0);
	assert_string_equal(r, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQz"
	    "ODkw");
	sasl_end(s);
}

static void
test_bad_challenge(void **state)
{
	struct sasl_params	 p = params("LOGIN", "LOGIN");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i, *r;

	(void)state;
	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_int_equal(sasl_step(s, "not base64!", 11, &r, &f), -1);
	assert_int_equal(f.kind, FAIL_PROTOCOL);
	sasl_end(s);
}

static void
test_oauthbearer(void **state)
{
	struct sasl_params	 p = params("oauthbearer", "PLAIN OAUTHBEARER");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i, *r;
	const char		*err = "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=";

	(void)state;
	p.user = "us,er";
	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "OAUTHBEARER");
	/* "n,a=us=2Cer,^Ahost=mail.example^Aauth=Bearer pass^A^A" */
	assert_string_equal(i, "bixhPXVzPTJDZXIsAWhvc3Q9bWFpbC5leGFtcGxlAWF1"
	    "dGg9QmVhcmVyIHBhc3MBAQ==");
	/* The error challenge is answered with ^A, once. */
	assert_int_equal(sasl_step(s, err, strlen(err), &r, &f), 0);
	assert_string_equal(r, "AQ==");
	assert_int_equal(sasl_step(s, err, strlen(err), &r, &f), -1);
	assert_int_equal(f.kind, FAIL_PROTOCOL);
	sasl_end(s);
}

static void
test_xoauth2(void **state)
{
	struct sasl_params	 p = params("XOAUTH2", "XOAUTH2 PLAIN");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i, *r;

	(void)state;
	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "XOAUTH2");
	/* "user=user^Aauth=Bearer pass^A^A" */
	assert_string_equal(i, "dXNlcj11c2VyAWF1dGg9QmVhcmVyIHBhc3MBAQ==");
	assert_int_equal(sasl_step(s, "e30=", 4, &r, &f), 0);
	assert_string_equal(r, "");
	sasl_end(s);
	/* Never chosen by itself, and only when offered. */
	p.mech = NULL;
	p.offered = "XOAUTH2";
	expect_fail(&p, FAIL_AUTH, "no authentication mechanism in common");
	p.mech = "XOAUTH2";
	p.offered = "PLAIN";
	expect_fail(&p, FAIL_AUTH, "does not offer AUTH XOAUTH2");
}

/* A SCRAM-SHA-256 server (RFC 5802, 7677), enough to check the client. */
struct scram {
	char		bare[512];	/* client-first-message-bare */
	char		first[600];	/* server-first-message */
	unsigned char	salted[32];
};

static void
b64(const void *in, unsigned len, char *out, unsigned outsz)
{
	unsigned	n;

	assert_int_equal(sasl_encode64(in, len, out, outsz, &n), SASL_OK);
}

static void
unb64(const char *in, char *out, unsigned outsz, unsigned *n)
{
	assert_int_equal(sasl_decode64(in, (unsigned)strlen(in), out, outsz,
	    n), SASL_OK);
	out[*n] = '\0';
}

static void
hmac(const void *key, size_t keylen, const char *msg, unsigned char *out)
{
	assert_int_equal(gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, keylen, msg,
	    strlen(msg), out), 0);
}

/* Checks the client-final message; writes server-final into vout. */
static void
scram_final(struct scram *sc, const char *cfinal, char *vout, size_t vsz)
{
	unsigned char	ckey[32], stored[32], csig[32], skey[32], ssig[32];
	unsigned char	proof[32];
	char		auth[1024], expect[64], sig[64];
	const char	*p;
	size_t		i;

	assert_non_null(p = strstr(cfinal, ",p="));
	snprintf(auth, sizeof(auth), "%s,%s,%.*s", sc->bare, sc->first,
	    (int)(p - cfinal), cfinal);
	hmac(sc->salted, 32, "Client Key", ckey);
	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, ckey, 32,
	    stored), 0);
	hmac(stored, 32, auth, csig);
	for (i = 0; i < 32; i++)
		proof[i] = ckey[i] ^ csig[i];
	b64(proof, 32, expect, sizeof(expect));
	assert_string_equal(p + 3, expect);
	hmac(sc->salted, 32, "Server Key", skey);
	hmac(skey, 32, auth, ssig);
	b64(ssig, 32, sig, sizeof(sig));
	snprintf(vout, vsz, "v=%s", sig);
}

/* Runs the exchange up to the server-final message, returned in vout. */
static struct sasl_client *
scram_run(struct scram *sc, char *vout, size_t vsz)
{
	struct sasl_params	 p = params(NULL, "PLAIN SCRAM-SHA-256");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i, *r;
	char			 raw[512], enc[512];
	unsigned		 n;
	gnutls_datum_t		 pw = { (unsigned char *)"pass", 4 };
	gnutls_datum_t		 salt = { (unsigned char *)"saltsalt", 8 };

	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "SCRAM-SHA-256");
	unb64(i, raw, sizeof(raw), &n);
	assert_memory_equal(raw, "n,,", 3);
	assert_true(strlcpy(sc->bare, raw + 3, sizeof(sc->bare)) <
	    sizeof(sc->bare));
	snprintf(sc->first, sizeof(sc->first), "r=%sSERVERNONCE,s=c2FsdHNhbHQ="
	    ",i=4096", strstr(sc->bare, "r=") + 2);
	assert_int_equal(gnutls_pbkdf2(GNUTLS_MAC_SHA256, &pw, &salt, 4096,
	    sc->salted, 32), 0);
	b64(sc->first, (unsigned)strlen(sc->first), enc, sizeof(enc));
	assert_int_equal(sasl_step(s, enc, strlen(enc), &r, &f), 0);
	unb64(r, raw, sizeof(raw), &n);
	scram_final(sc, raw, vout, vsz);
	return s;
}

static void
test_scram_sha256(void **state)
{
	struct scram		 sc;
	struct sasl_client	*s;
	struct failure		 f;
	const char		*r;
	char			 v[128], enc[256];

	(void)state;
	s = scram_run(&sc, v, sizeof(v));
	b64(v, (unsigned)strlen(v), enc, sizeof(enc));
	failure_clear(&f);
	assert_int_equal(sasl_step(s, enc, strlen(enc), &r, &f), 0);
	assert_string_equal(r, "");
	/* A third challenge is the server's error; a 235 is fine now. */
	assert_int_equal(sasl_step(s, enc, strlen(enc), &r, &f), -1);
	assert_int_equal(f.kind, FAIL_PROTOCOL);
	assert_int_equal(sasl_finish(s, 235, &f), 0);
	sasl_end(s);
}

/* A server that cannot prove it knows the password is refused. */
static void
test_scram_bad_server(void **state)
{
	struct scram		 sc;
	struct sasl_client	*s;
	struct failure		 f;
	const char		*r;
	char			 v[128], enc[256];

	(void)state;
	s = scram_run(&sc, v, sizeof(v));
	v[3] = v[3] == 'A' ? 'B' : 'A';
	b64(v, (unsigned)strlen(v), enc, sizeof(enc));
	failure_clear(&f);
	assert_int_equal(sasl_step(s, enc, strlen(enc), &r, &f), -1);
	assert_int_equal(f.kind, FAIL_PROTOCOL);
	sasl_end(s);
}

static int	mapped(const char *);

/* A 235 before the server's signature: the server proved nothing. */
static void
test_scram_accepted_unproven(void **state)
{
	struct scram		 sc;
	struct sasl_client	*s;
	struct failure		 f;
	char			 v[128];

	(void)state;
	s = scram_run(&sc, v, sizeof(v));
	failure_clear(&f);
	assert_int_equal(sasl_finish(s, 235, &f), -1);
	assert_int_equal(f.kind, FAIL_PROTOCOL);
	assert_non_null(strstr(f.text, "without proving"));
	/* A refusal is no failure of the client's own. */
	assert_int_equal(sasl_finish(s, 535, &f), 0);
	assert_int_equal(sasl_finish(s, 454, &f), 0);
	sasl_end(s);
}

/*
 * First of all: the built-in SCRAM initialises no libsasl2, so no
 * plugin and no libcrypto are in the process (issue 15).
 */
static void
test_scram_loads_nothing(void **state)
{
	struct sasl_params	 p = params(NULL, "PLAIN LOGIN SCRAM-SHA-256");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i;

	(void)state;
	if (mapped("libc") != 1)
		skip();
	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "SCRAM-SHA-256");
	sasl_end(s);
	assert_int_equal(mapped("/sasl2/"), 0);
	assert_int_equal(mapped("libcrypto"), 0);
	p.offered = "SCRAM-SHA-1 SCRAM-SHA-512 PLAIN";
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "SCRAM-SHA-512");
	sasl_end(s);
	assert_int_equal(mapped("/sasl2/"), 0);
}


/* Whether a shared object whose name holds name is mapped in. */
static int
mapped(const char *name)
{
	FILE	*fp;
	char	 line[1024];
	int	 found = 0;

	if ((fp = fopen("/proc/self/maps", "r")) == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, name) != NULL;
	fclose(fp);
	return found;
}

/*
 * First of all (libsasl2 is initialised once per process): only the
 * plugins of the mechanisms that can be chosen are loaded, and a later
 * server that needs another gets it.
 */
static void
test_lazy_plugins(void **state)
{
	struct sasl_params	p = params(NULL, "PLAIN CRAM-MD5 ANONYMOUS");

	(void)state;
	if (mapped("libc") != 1)
		skip();
	expect_start(&p, "PLAIN", "AHVzZXIAcGFzcw==");
	assert_int_equal(mapped("/sasl2/libplain.so"), 1);
	assert_int_equal(mapped("/sasl2/libscram.so"), 0);
	assert_int_equal(mapped("/sasl2/libcrammd5.so"), 0);
	assert_int_equal(mapped("/sasl2/libdigestmd5.so"), 0);
	assert_int_equal(mapped("/sasl2/libanonymous.so"), 0);
	assert_int_equal(mapped("/sasl2/libsasldb.so"), 0);
	p.offered = "LOGIN";
	expect_start(&p, "LOGIN", NULL);
	assert_int_equal(mapped("/sasl2/liblogin.so"), 1);
	assert_int_equal(mapped("/sasl2/libscram.so"), 0);
	/* PLAIN still works after the second initialisation. */
	p.offered = "PLAIN";
	expect_start(&p, "PLAIN", "AHVzZXIAcGFzcw==");
}

/* The gs2 header of the SCRAM client-first message in i (base64). */
static void
expect_gs2(const char *i, const char *gs2)
{
	char		raw[512];
	unsigned	n;

	assert_int_equal(sasl_decode64(i, (unsigned)strlen(i), raw,
	    sizeof(raw), &n), SASL_OK);
	raw[n] = '\0';
	if (strncmp(raw, gs2, strlen(gs2)) != 0 || raw[strlen(gs2)] != 'n')
		fail_msg("\"%s\" does not start with \"%sn=\"", raw, gs2);
}

static void
test_channel_binding(void **state)
{
	static const unsigned char cb[12] = "0123456789a";
	struct sasl_params	 p = params(NULL,
				    "PLAIN SCRAM-SHA-256 SCRAM-SHA-1-PLUS");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i;

	(void)state;
	p.cb_name = "tls-unique";
	p.cb_data = cb;
	p.cb_len = sizeof(cb);
	failure_clear(&f);
	/* Any -PLUS before any other. */
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "SCRAM-SHA-1-PLUS");
	expect_gs2(i, "p=tls-unique,,");
	sasl_end(s);
	/* Chosen by postie, without -PLUS offered: "y". */
	p.offered = "PLAIN SCRAM-SHA-256";
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "SCRAM-SHA-256");
	expect_gs2(i, "y,,");
	sasl_end(s);
	/* Named: exactly that, "n". */
	p.mech = "SCRAM-SHA-256";
	p.offered = "SCRAM-SHA-256 SCRAM-SHA-256-PLUS";
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "SCRAM-SHA-256");
	expect_gs2(i, "n,,");
	sasl_end(s);
	p.mech = "scram-sha-256-plus";
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "SCRAM-SHA-256-PLUS");
	expect_gs2(i, "p=tls-unique,,");
	sasl_end(s);
	/* Without a binding: never a -PLUS, and a named one fails. */
	p.cb_name = NULL;
	expect_fail(&p, FAIL_AUTH, "needs TLS channel binding");
	p.mech = NULL;
	p.offered = "SCRAM-SHA-256-PLUS PLAIN";
	expect_start(&p, "PLAIN", "AHVzZXIAcGFzcw==");
}

static void
test_named_others(void **state)
{
	struct sasl_params	p = params("ANONYMOUS", "PLAIN ANONYMOUS");
	struct sasl_client	*s = NULL;
	struct failure		 f;
	const char		*m, *i;

	(void)state;
	/* ANONYMOUS when named, with libsasl2's trace (RFC 4505). */
	failure_clear(&f);
	assert_int_equal(sasl_start(&p, &s, &m, &i, &f), 0);
	assert_string_equal(m, "ANONYMOUS");
	assert_non_null(i);
	sasl_end(s);
	/* EXTERNAL: needs a client certificate; the response is empty. */
	p.mech = "EXTERNAL";
	p.offered = "PLAIN EXTERNAL";
	expect_fail(&p, FAIL_CONFIG, "needs a client certificate");
	p.client_cert = 1;
	p.password = NULL;
	expect_start(&p, "EXTERNAL", "=");
	p.password = "pass";
	p.mech = "DIGEST-MD5";
	p.offered = "DIGEST-MD5";
	expect_start(&p, "DIGEST-MD5", NULL);
}

static void
expect_netrc(const char *text, const char *host, const char *user,
    int want, const char *pw)
{
	char	got[32];

	assert_int_equal(password_netrc_find(text, strlen(text), host, user,
	    got, sizeof(got)), want);
	if (want == 1)
		assert_string_equal(got, pw);
}

static void
test_netrc(void **state)
{
	const char	*t = "# comment\n"
			    "machine other login user password wrong\n"
			    "machine mail.example login bob password bobs\n"
			    "macdef init\nmachine mail.example password macro\n\n"
			    "machine MAIL.example\n\tlogin user\n"
			    "\tpassword \"sp ace\\\"q\"\taccount x\n"
			    "default login user password fallback\n";

	(void)state;
	expect_netrc(t, "mail.example", "user", 1, "sp ace\"q");
	expect_netrc(t, "mail.example", "bob", 1, "bobs");
	expect_netrc(t, "other", "user", 1, "wrong");
	expect_netrc(t, "nowhere", "user", 1, "fallback");
	expect_netrc(t, "nowhere", "eve", 0, NULL);
	expect_netrc(t, "mail.example", "eve", 0, NULL);
	/* No login in the entry: any user; login before or after. */
	expect_netrc("machine h password p", "h", "u", 1, "p");
	expect_netrc("machine h password p login u", "h", "u", 1, "p");
	expect_netrc("machine h password p login v", "h", "u", 0, NULL);
	expect_netrc("machine h login u", "h", "u", 0, NULL);
	expect_netrc("", "h", "u", 0, NULL);
	/* Too long for the buffer: an error, not a cut password. */
	expect_netrc("machine h password 0123456789012345678901234567890123",
	    "h", "u", -1, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scram_loads_nothing),
		cmocka_unit_test(test_lazy_plugins),
		cmocka_unit_test(test_scram_accepted_unproven),
		cmocka_unit_test(test_plain_initial),
		cmocka_unit_test(test_auto_choice),
		cmocka_unit_test(test_no_common),
		cmocka_unit_test(test_named_not_offered),
		cmocka_unit_test(test_tls_required),
		cmocka_unit_test(test_no_user_or_password),
		cmocka_unit_test(test_passwordeval),
		cmocka_unit_test(test_passwordeval_fails),
		cmocka_unit_test(test_login_steps),
		cmocka_unit_test(test_cram_md5),
		cmocka_unit_test(test_bad_challenge),
		cmocka_unit_test(test_oauthbearer),
		cmocka_unit_test(test_xoauth2),
		cmocka_unit_test(test_scram_sha256),
		cmocka_unit_test(test_scram_bad_server),
		cmocka_unit_test(test_channel_binding),
		cmocka_unit_test(test_named_others),
		cmocka_unit_test(test_netrc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
