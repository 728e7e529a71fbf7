/*
 * Unit tests for exitcode: the one mapping from failure kinds to
 * sysexits codes, the escaping of failure texts, the context a failure
 * carries and the one line that shows both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

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

/* The context is stamped once; fail() rewords the text, never where. */
static void
test_context_survives_fail(void **state)
{
	struct failure	f;
	char		line[FAILURE_LINE_MAX];

	(void)state;
	failure_clear(&f);
	assert_string_equal(f.context, "");
	failure_context(&f, "%s: %s:%d", "work", "mail.example.org", 587);
	(fail)(&f, FAIL_TEMPFAIL, "1 of 2 recipients deferred");
	assert_string_equal(f.context, "work: mail.example.org:587");
	assert_string_equal(failure_line(&f, line, sizeof(line)),
	    "work: mail.example.org:587: 1 of 2 recipients deferred");
	failure_context(&f, "-bs");
	assert_string_equal(failure_line(&f, line, sizeof(line)),
	    "-bs: 1 of 2 recipients deferred");
	failure_clear(&f);
	assert_string_equal(f.context, "");
	assert_int_equal(f.kind, FAIL_NONE);
	(fail)(&f, FAIL_DATA, "no recipients");
	assert_string_equal(failure_line(&f, line, sizeof(line)),
	    "no recipients");
	failure_context(NULL, "ignored");
}

/* Everything fits: the longest context and text are not cut. */
static void
test_line_holds_longest(void **state)
{
	struct failure	f;
	char		line[FAILURE_LINE_MAX];

	(void)state;
	failure_clear(&f);
	memset(f.context, 'c', sizeof(f.context) - 1);
	f.context[sizeof(f.context) - 1] = '\0';
	memset(f.text, 't', sizeof(f.text) - 1);
	f.text[sizeof(f.text) - 1] = '\0';
	failure_line(&f, line, sizeof(line));
	assert_int_equal(strlen(line), sizeof(f.context) - 1 + 2 +
	    sizeof(f.text) - 1);
	assert_int_equal(line[sizeof(f.context) - 1], ':');
	assert_int_equal(line[strlen(line) - 1], 't');
}

/* What exitcode_report() writes to stderr, into out. */
static int
report_into(const struct failure *f, char *out, size_t len)
{
	FILE	*tmp;
	size_t	 n;
	int	 saved, rc;

	tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved != -1);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) != -1);
	rc = exitcode_report(f);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, len - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return rc;
}

/* The one line: "postie: CONTEXT: TEXT", printed once, by the reporter. */
static void
test_report_prints_context_once(void **state)
{
	struct failure	f;
	char		out[2 * FAILURE_LINE_MAX];

	(void)state;
	failure_clear(&f);
	failure_context(&f, "work: mail.example.org:465");
	(fail)(&f, FAIL_AUTH, "AUTH PLAIN: 535 5.7.8 bad");
	assert_int_equal(report_into(&f, out, sizeof(out)), EX_NOPERM);
	assert_string_equal(out, "postie: work: mail.example.org:465: AUTH "
	    "PLAIN: 535 5.7.8 bad\n");
	failure_clear(&f);
	(fail)(&f, FAIL_CONFIG, "no account");
	assert_int_equal(report_into(&f, out, sizeof(out)), EX_CONFIG);
	assert_string_equal(out, "postie: no account\n");
	failure_clear(&f);
	failure_context(&f, "-bs");
	f.kind = FAIL_IO;
	assert_int_equal(report_into(&f, out, sizeof(out)), EX_IOERR);
	assert_string_equal(out, "postie: -bs: failed\n");
	failure_clear(&f);
	failure_context(&f, "work: mail.example.org:465");
	assert_int_equal(report_into(&f, out, sizeof(out)), EX_OK);
	assert_string_equal(out, "");
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
		cmocka_unit_test(test_context_survives_fail),
		cmocka_unit_test(test_line_holds_longest),
		cmocka_unit_test(test_report_prints_context_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
