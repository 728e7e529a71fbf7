/*
 * test_sasl: mechanism choice, initial responses, challenge steps and the
 * password sources, against the libsasl2 plugins installed (no network).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

/* Before cmocka.h, whose fail() macro would swallow exitcode.h's. */
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

	(void)state;
	p.tls_active = 0;
	expect_fail(&p, FAIL_AUTH, "without TLS");
	p.loopback = 1;
	expect_start(&p, "PLAIN", "AHVzZXIAcGFzcw==");
}

static void
test_no_user_or_password(void **state)
{
	struct sasl_params	p = params(NULL, "PLAIN");

	(void)state;
	p.password = NULL;
	expect_fail(&p, FAIL_AUTH,
	    "no password for user (set password or passwordeval)");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
