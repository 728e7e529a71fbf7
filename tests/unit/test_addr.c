/*
 * Unit tests for addr: address lists as real mail and real command lines
 * carry them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

/* After our headers: cmocka defines a fail() macro. */
#include <cmocka.h>

struct parse_case {
	const char	*text;
	const char	*want[6];	/* NULL-terminated */
};

static const struct parse_case good_cases[] = {
	{ "a@example.org", { "a@example.org" } },
	{ "  a@example.org  ", { "a@example.org" } },
	{ "a@x.org,b@y.org", { "a@x.org", "b@y.org" } },
	{ "a@x.org, b@y.org ,c@z.org", { "a@x.org", "b@y.org", "c@z.org" } },
	{ "John Doe <jdoe@example.org>", { "jdoe@example.org" } },
	{ "\"Doe, John\" <jdoe@example.org>, other@example.org",
	    { "jdoe@example.org", "other@example.org" } },
	{ "\"Joe Q. Public\" <john.q.public@example.com>",
	    { "john.q.public@example.com" } },
	{ "Joe Q. Public <john.q.public@example.com>",
	    { "john.q.public@example.com" } },
	{ "\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	    { "sysservices@example.net" } },
	{ "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <b@x.net>",
	    { "boss@nil.test", "b@x.net" } },
	{ "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	    { "pete@silly.test" } },
	{ "(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
	    { NULL } },
	{ "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	    { "c@a.test", "joe@where.test", "jdoe@one.test" } },
	{ "undisclosed-recipients:;", { NULL } },
	{ "team: a@x.org, b@x.org;, c@y.org",
	    { "a@x.org", "b@x.org", "c@y.org" } },
	{ "<@relay.example:a@b.example>", { "a@b.example" } },
	{ "Route <@r1.example,@r2.example:a@b.example>", { "a@b.example" } },
	{ "root", { "root" } },
	{ "root, www-data", { "root", "www-data" } },
	{ "\"john doe\"@example.org", { "\"john doe\"@example.org" } },
	{ "\"a\\\"b\"@example.org", { "\"a\\\"b\"@example.org" } },
	{ "user@[192.0.2.1]", { "user@[192.0.2.1]" } },
	{ "john . doe @ example . org", { "john.doe@example.org" } },
	{ "a..b@docomo.ne.jp", { "a..b@docomo.ne.jp" } },
	{ "Jörg Müller <jörg@bücher.example>",
	    { "jörg@bücher.example" } },
	{ "=?UTF-8?Q?J=C3=B6rg?= <j@example.org>", { "j@example.org" } },
	{ "a@x.org,,b@x.org,", { "a@x.org", "b@x.org" } },
	{ "a@x.org; b@x.org", { "a@x.org", "b@x.org" } },
	{ "a@x.org, A@X.ORG, a@X.org", { "a@x.org", "A@X.ORG" } },
	{ "Name\r\n <folded@example.org>,\r\n\tnext@example.org",
	    { "folded@example.org", "next@example.org" } },
	{ "\"quoted\r\n fold\"@example.org", { "\"quoted fold\"@example.org" } },
	{ "a@example.org (the (nested) comment)", { "a@example.org" } },
	{ "", { NULL } },
	{ "   ", { NULL } },
	{ "(only a comment)", { NULL } },
	{ "a@b <c@d>", { "c@d" } },
};

static const struct {
	const char	*text;
	const char	*why;
} bad_cases[] = {
	{ "Name <a@b.example", "\"<\" without \">\"" },
	{ "a@b.example>", "\">\" without \"<\"" },
	{ "John Doe", "a name without an address" },
	{ "\"unterminated@x.org", "unterminated quoted string" },
	{ "a@x.org (open comment", "unterminated comment" },
	{ "<>", "empty address <>" },
	{ "a@", "bad domain" },
	{ "@x.org", "no local part" },
	{ "a@x..org", "bad domain" },
	{ "a@x.org.", "bad domain" },
	{ "a@b@c", "expected \",\" after an address" },
	{ "g1: g2: a@b;;", "a group inside a group" },
	{ "a\001b@x.org", "control character" },
	{ "user@[1.2.3.4", "unterminated domain literal" },
	{ "<@relay a@b>", "bad domain" },
	{ "<@relay;a@b>", "bad source route" },
	{ "x@y.org\\", "unexpected character" },
};

static void
check_list(const struct parse_case *c)
{
	struct addrlist	l = ADDRLIST_INIT;
	struct failure	f;
	size_t		i;

	failure_clear(&f);
	if (addr_parse_list(c->text, strlen(c->text), &l, &f) == -1)
		fail_msg("\"%s\": %s", c->text, f.text);
	for (i = 0; c->want[i] != NULL; i++) {
		if (i >= l.n)
			fail_msg("\"%s\": only %zu addresses", c->text, l.n);
		assert_string_equal(l.v[i], c->want[i]);
	}
	assert_int_equal(l.n, i);
	addrlist_free(&l);
}

static void
test_good_lists(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++)
		check_list(&good_cases[i]);
}

static void
test_bad_lists(void **state)
{
	struct addrlist	l = ADDRLIST_INIT;
	struct failure	f;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		failure_clear(&f);
		if (addr_parse_list(bad_cases[i].text,
		    strlen(bad_cases[i].text), &l, &f) == 0)
			fail_msg("\"%s\" parsed", bad_cases[i].text);
		assert_int_equal(f.kind, FAIL_DATA);
		if (strstr(f.text, bad_cases[i].why) == NULL)
			fail_msg("\"%s\": got \"%s\"", bad_cases[i].text,
			    f.text);
		addrlist_free(&l);
	}
}

/* The text need not be NUL-terminated: only len bytes are read. */
static void
test_length_bounded(void **state)
{
	struct addrlist	l = ADDRLIST_INIT;
	struct failure	f;
	const char	text[] = "a@x.org, b@y.org";

	(void)state;
	failure_clear(&f);
	assert_int_equal(addr_parse_list(text, 7, &l, &f), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "a@x.org");
	addrlist_free(&l);
}

static void
test_parse_appends_without_duplicates(void **state)
{
	struct addrlist	l = ADDRLIST_INIT;
	struct failure	f;

	(void)state;
	failure_clear(&f);
	assert_int_equal(addr_parse_list("a@x", 3, &l, &f), 0);
	assert_int_equal(addr_parse_list("b@x, a@X", 8, &l, &f), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1], "b@x");
	addrlist_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

static void
test_addrlist(void **state)
{
	struct addrlist	l = ADDRLIST_INIT;
	struct failure	f;
	char		name[32];
	int		i;

	(void)state;
	failure_clear(&f);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "u%d@Example.ORG", i);
		assert_int_equal(addrlist_add(&l, name, &f), 0);
	}
	/* addrlist_add itself does not dedupe. */
	assert_int_equal(addrlist_add(&l, "u0@Example.ORG", &f), 0);
	assert_int_equal(l.n, 101);
	assert_true(addrlist_has(&l, "u42@example.org"));
	assert_false(addrlist_has(&l, "U42@example.org"));
	assert_false(addrlist_has(&l, "u42"));
	assert_false(addrlist_has(&l, "u100@example.org"));
	addrlist_free(&l);
	assert_int_equal(addrlist_add(&l, "root", &f), 0);
	assert_true(addrlist_has(&l, "root"));
	assert_false(addrlist_has(&l, "root@x"));
	assert_false(addrlist_has(&l, "Root"));
	addrlist_free(&l);
}

static void
test_check_envelope(void **state)
{
	static const char *const good[] = {
		"a@example.org", "<a@example.org>", "Name <a@example.org>",
		"\"Doe, J\" <a@x>", "root", "a@x,b@y", "\"<\"@x", "a@x (<)",
		"jörg@bücher.example", "a\t@x",
	};
	static const struct {
		const char	*addr;
		const char	*why;
	} bad[] = {
		{ "a@x\r\nRCPT TO:<b@y>", "control character" },
		{ "a@x\n", "control character" },
		{ "a@x\r", "control character" },
		{ "a\033[2J@x", "control character" },
		{ "<a@x", "\"<\" without \">\"" },
		{ "a@x>", "\">\" without \"<\"" },
		{ "<<a@x>>", "nested" },
		{ "", "null address" },
		{ "<>", "null address" },
	};
	struct failure	f;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		failure_clear(&f);
		if (addr_check_envelope(good[i], 0, &f) == -1)
			fail_msg("\"%s\": %s", good[i], f.text);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		failure_clear(&f);
		if (addr_check_envelope(bad[i].addr, 0, &f) == 0)
			fail_msg("\"%s\" accepted", bad[i].addr);
		assert_int_equal(f.kind, FAIL_USAGE);
		if (strstr(f.text, bad[i].why) == NULL)
			fail_msg("got \"%s\"", f.text);
		/* The error stays on one line. */
		assert_null(strchr(f.text, '\n'));
		assert_null(strchr(f.text, '\r'));
	}
	assert_int_equal(addr_check_envelope("", 1, &f), 0);
	assert_int_equal(addr_check_envelope("<>", 1, &f), 0);
	assert_true(addr_is_null(""));
	assert_true(addr_is_null("<>"));
	assert_false(addr_is_null("< >x"));
	assert_false(addr_is_null("a"));
}

/*
 * The iterator: each address's span in the text (the octets from its
 * first token to its last, where rewrite_domain puts "@domain") and
 * whether it is a bare name, as "[x]" marks them here.
 */
static void
expect_spans(const char *text, int flags, const char *want)
{
	struct addr_iter	it;
	struct addr_span	a;
	struct failure		f;
	char			got[256];
	size_t			len = strlen(text), n = 0;
	int			rc;

	addr_iter_init(&it, text, len, flags);
	while ((rc = addr_next(&it, &a, &f)) == 1) {
		assert_true(a.end < sizeof(got) && n + a.end - a.start + 8 <
		    sizeof(got));
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s[%.*s]%s",
		    n > 0 ? " " : "", (int)(a.end - a.start), text + a.start,
		    a.null ? "<>" : a.bare ? "bare" : "");
	}
	got[n] = '\0';
	addr_iter_free(&it);
	if (rc == -1)
		fail_msg("\"%s\": %s", text, f.text);
	assert_string_equal(got, want);
}

static void
test_iterator(void **state)
{
	struct addr_iter	it;
	struct addr_span	a;
	struct failure		f;

	(void)state;
	expect_spans("root, Bob <bob>, x@y, \"q r\" <q>, (c) root2", 0,
	    "[root]bare [bob]bare [x@y] [q]bare [root2]bare");
	expect_spans("a . b (c) @ x . org, \"x y\"(c), <@r:u@[1.2.3.4]>", 0,
	    "[a . b (c) @ x . org] [\"x y\"]bare [u@[1.2.3.4]]");
	expect_spans("friends: root, x@y;, empty:;, a", 0,
	    "[root]bare [x@y] [a]bare");
	expect_spans("Root\r\n <root>,\r\n\tadmin (x)", 0,
	    "[root]bare [admin]bare");
	expect_spans("", 0, "");
	/* The two leniencies a caller may choose. */
	expect_spans("a; b", ADDR_SEMICOLON, "[a]bare [b]bare");
	expect_spans("root, <>", ADDR_NULL, "[root]bare []<>");
	addr_iter_init(&it, "a; b", 4, 0);
	assert_int_equal(addr_next(&it, &a, &f), 1);
	assert_int_equal(addr_next(&it, &a, &f), -1);
	assert_string_equal(f.text, "\";\" outside a group in \"; b\"");
	addr_iter_free(&it);
	/* An address before an error is yielded; the error comes next. */
	addr_iter_init(&it, "a@b \"c\"", 7, 0);
	assert_int_equal(addr_next(&it, &a, &f), 1);
	assert_string_equal(a.spec, "a@b");
	assert_int_equal(addr_next(&it, &a, &f), -1);
	assert_non_null(strstr(f.text, "expected \",\" after an address"));
	addr_iter_free(&it);
	addr_iter_init(&it, "x, <>", 5, 0);
	assert_int_equal(addr_next(&it, &a, &f), 1);
	assert_int_equal(addr_next(&it, &a, &f), -1);
	assert_string_equal(f.text, "empty address <> in \"<>\"");
	addr_iter_free(&it);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_lists),
		cmocka_unit_test(test_bad_lists),
		cmocka_unit_test(test_length_bounded),
		cmocka_unit_test(test_parse_appends_without_duplicates),
		cmocka_unit_test(test_addrlist),
		cmocka_unit_test(test_check_envelope),
		cmocka_unit_test(test_iterator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
