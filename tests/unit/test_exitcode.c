/*
 * Unit tests for exitcode: the one mapping from failure kinds to
 * sysexits codes, and the escaping of failure texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sysexits.h>

#include "exitcode.h"

/* cmocka defines a fail() macro; ours is reached as (fail). */
#include <cmocka.h>

static void
test_every_kind_has_its_code(void **state)
{
	static const struct {
		enum fail_kind	kind;
		int		code;
	} want[] = {
		{ FAIL_NONE, EX_OK },		{ FAIL_USAGE, EX_USAGE },
		{ FAIL_DATA, EX_DATAERR },	{ FAIL_NOUSER, EX_NOUSER },
		{ FAIL_REJECTED, EX_UNAVAILABLE }, { FAIL_CERT, EX_UNAVAILABLE },
		{ FAIL_TLS, EX_UNAVAILABLE },	{ FAIL_SOFTWARE, EX_SOFTWARE },
		{ FAIL_OS, EX_OSERR },		{ FAIL_CANTCREAT, EX_CANTCREAT },
		{ FAIL_IO, EX_IOERR },		{ FAIL_TEMPFAIL, EX_TEMPFAIL },
		{ FAIL_CONNECT, EX_TEMPFAIL },	{ FAIL_TIMEOUT, EX_TEMPFAIL },
		{ FAIL_DROPPED, EX_TEMPFAIL },	{ FAIL_PROTOCOL, EX_PROTOCOL },
		{ FAIL_AUTH, EX_NOPERM },	{ FAIL_CONFIG, EX_CONFIG },
		{ FAIL_NOINPUT, EX_NOINPUT },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < POSTIE_NELEM(want); i++)
		assert_int_equal(exitcode_of(want[i].kind), want[i].code);
}

static void
test_only_75_is_temporary(void **state)
{
	(void)state;
	assert_true(fail_is_temporary(FAIL_TIMEOUT));
	assert_true(fail_is_temporary(FAIL_TEMPFAIL));
	assert_true(fail_is_temporary(FAIL_DROPPED));
	assert_true(fail_is_temporary(FAIL_CONNECT));
	assert_false(fail_is_temporary(FAIL_CERT));
	assert_false(fail_is_temporary(FAIL_AUTH));
	assert_false(fail_is_temporary(FAIL_REJECTED));
}

static void
test_fail_returns_minus_one_and_formats(void **state)
{
	struct failure	f;

	(void)state;
	failure_clear(&f);
	assert_int_equal((fail)(&f, FAIL_AUTH, "AUTH %s: %d %s", "PLAIN", 535,
	    "5.7.8 bad"), -1);
	assert_int_equal(f.kind, FAIL_AUTH);
	assert_string_equal(f.text, "AUTH PLAIN: 535 5.7.8 bad");
	assert_int_equal((fail)(NULL, FAIL_AUTH, "ignored"), -1);
}

/* A server reply must not be able to move the cursor or end the line. */
static void
test_control_characters_are_escaped(void **state)
{
	struct failure	f;

	(void)state;
	(fail)(&f, FAIL_REJECTED, "550 %s", "evil\r\n\033[2Jtext");
	assert_null(strchr(f.text, '\n'));
	assert_null(strchr(f.text, '\r'));
	assert_null(strchr(f.text, '\033'));
	assert_non_null(strstr(f.text, "evil"));
	assert_non_null(strstr(f.text, "text"));
}

static void
test_long_text_is_truncated_safely(void **state)
{
	struct failure	f;
	char		big[4 * FAILURE_TEXT_MAX];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	(fail)(&f, FAIL_PROTOCOL, "%s", big);
	assert_true(strlen(f.text) < sizeof(f.text));
}

/* libbsd 0.11's strnvis() writes its NUL after size bytes of text: the
 * text must stop short of the end, nothing written past it. */
static void
test_long_text_stays_inside(void **state)
{
	struct {
		struct failure	f;
		char		after[8];
	} s;
	char	big[4 * FAILURE_TEXT_MAX];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(s.after, 'C', sizeof(s.after));
	(fail)(&s.f, FAIL_PROTOCOL, "%s", big);
	assert_int_equal(s.after[0], 'C');
	assert_true(strlen(s.f.text) < sizeof(s.f.text));
	assert_true(strlen(s.f.text) >= sizeof(s.f.text) - 2);
	memset(big, '\x7f', 900);
	big[900] = '\0';
	(fail)(&s.f, FAIL_PROTOCOL, "%s", big);
	assert_int_equal(s.after[0], 'C');
	assert_true(strlen(s.f.text) < sizeof(s.f.text));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_has_its_code),
		cmocka_unit_test(test_only_75_is_temporary),
		cmocka_unit_test(test_fail_returns_minus_one_and_formats),
		cmocka_unit_test(test_control_characters_are_escaped),
		cmocka_unit_test(test_long_text_is_truncated_safely),
		cmocka_unit_test(test_long_text_stays_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
