/*
 * Unit tests for aliases: the file's syntax and its errors, which
 * recipients are local, and what applying the aliases does to a list.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliases.h"
#include "localname.h"

/* Last: its fail() macro would clash with exitcode.h's fail(). */
#include <cmocka.h>

static struct aliases	*al;
static struct failure	 fl;
static char		 host[LOCALNAME_MAX];

static int
parse(const char *text)
{
	aliases_free(al);
	al = NULL;
	failure_clear(&fl);
	return aliases_parse(&al, "aliases", text, strlen(text), &fl);
}

static void
parse_ok(const char *text)
{
	if (parse(text) != 0)
		fail_msg("parse failed: %s", fl.text);
	assert_non_null(al);
}

static void
parse_fails(const char *text, const char *want)
{
	assert_int_equal(parse(text), -1);
	assert_null(al);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	assert_string_equal(fl.text, want);
}

/*
 * Applies the aliases to the comma-separated rcpts and compares the
 * result, joined the same way, with want.
 */
static void
apply(const char *rcpts, const char *want)
{
	struct addrlist	 l = ADDRLIST_INIT;
	char		 got[1024], *copy, *list, *a;
	size_t		 i;

	assert_non_null(copy = list = strdup(rcpts));
	while ((a = strsep(&list, ",")) != NULL)
		assert_int_equal(addrlist_add(&l, a, &fl), 0);
	free(copy);
	assert_int_equal(aliases_apply(al, &l, &fl), 0);
	got[0] = '\0';
	for (i = 0; i < l.n; i++) {
		if (i > 0)
			strlcat(got, ",", sizeof(got));
		strlcat(got, l.v[i], sizeof(got));
	}
	addrlist_free(&l);
	assert_string_equal(got, want);
}

static int
setup(void **state)
{
	(void)state;
	if (gethostname(host, sizeof(host)) == -1)
		return -1;
	host[sizeof(host) - 1] = '\0';
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	aliases_free(al);
	al = NULL;
	return 0;
}

/* ---- the file ---- */

static void
test_parse(void **state)
{
	(void)state;
	parse_ok("# The aliases of this machine\r\n"
	    "\n"
	    "   \t\n"
	    "root: admin@example.org, \"Ops, Team\" <ops@example.org>\r\n"
	    "  Postmaster :root@example.org   # the same person\n"
	    "www-data: \"web#master\"@example.org (web)\n"
	    "list: team: a@example.org, b@example.org;\n"
	    "cron: <@relay.example:cron@example.org>\n"
	    "default: me@example.org");		/* no final newline */
	apply("root", "admin@example.org,ops@example.org");
	apply("postmaster", "root@example.org");
	apply("www-data", "\"web#master\"@example.org");
	apply("list", "a@example.org,b@example.org");
	apply("cron", "cron@example.org");
	apply("nobody", "me@example.org");
}

static void
test_empty(void **state)
{
	(void)state;
	parse_ok("");
	apply("root,x@example.org", "root,x@example.org");
	parse_ok("# nothing\n\n");
	apply("root", "root");
}

static void
test_errors(void **state)
{
	(void)state;
	parse_fails("# aliases\nroot admin@example.org\n",
	    "aliases:2: expected 'name: address, ...'");
	parse_fails("root@localhost: admin@example.org\n",
	    "aliases:1: 'root@localhost' is not a local name");
	parse_fails(": admin@example.org\n",
	    "aliases:1: '' is not a local name");
	parse_fails("two words: admin@example.org\n",
	    "aliases:1: 'two words' is not a local name");
	parse_fails("root: a@example.org\n\nROOT: b@example.org\n",
	    "aliases:3: alias ROOT is already defined at line 1");
	parse_fails("root:\n", "aliases:1: alias root: no address");
	parse_fails("root: # nobody\n", "aliases:1: alias root: no address");
	assert_int_equal(parse("a: x@example.org\nroot: \"admin@example.org\n"),
	    -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	if (strncmp(fl.text, "aliases:2: alias root: ", 23) != 0)
		fail_msg("unexpected failure text: %s", fl.text);
	assert_int_equal(parse("root: <admin@example.org\n"), -1);
	if (strncmp(fl.text, "aliases:1: alias root: ", 23) != 0)
		fail_msg("unexpected failure text: %s", fl.text);
}

static void
test_nul(void **state)
{
	static const char text[] = "a: x@example.org\nb: y@\0example.org\n";

	(void)state;
	failure_clear(&fl);
	assert_int_equal(aliases_parse(&al, "aliases", text, sizeof(text) - 1,
	    &fl), -1);
	assert_null(al);
	assert_string_equal(fl.text,
	    "aliases:2: contains a NUL byte; not a text file?");
}

static void
test_load(void **state)
{
	char	dir[] = "/tmp/test_aliases.XXXXXX", path[128], want[256];
	FILE	*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/aliases", dir);
	failure_clear(&fl);
	assert_int_equal(aliases_load(&al, path, &fl), -1);
	assert_int_equal(fl.kind, FAIL_CONFIG);
	snprintf(want, sizeof(want), "cannot read %s: %s", path,
	    strerror(ENOENT));
	assert_string_equal(fl.text, want);

	assert_int_equal(aliases_load(&al, dir, &fl), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	assert_string_equal(fl.text, want);

	assert_non_null(fp = fopen(path, "w"));
	fputs("root: admin@example.org\nbad line\n", fp);
	fclose(fp);
	assert_int_equal(aliases_load(&al, path, &fl), -1);
	snprintf(want, sizeof(want), "%s:2: expected 'name: address, ...'",
	    path);
	assert_string_equal(fl.text, want);

	assert_non_null(fp = fopen(path, "w"));
	fputs("root: admin@example.org\n", fp);
	fclose(fp);
	assert_int_equal(aliases_load(&al, path, &fl), 0);
	apply("root", "admin@example.org");
	unlink(path);
	rmdir(dir);
}

/* ---- which addresses are local ---- */

static void
test_is_local(void **state)
{
	char	addr[LOCALNAME_MAX + 16], canon[LOCALNAME_MAX];
	size_t	i;

	(void)state;
	assert_true(aliases_is_local("root"));
	assert_true(aliases_is_local("root@localhost"));
	assert_true(aliases_is_local("root@LocalHost"));
	snprintf(addr, sizeof(addr), "root@%s", host);
	assert_true(aliases_is_local(addr));
	for (i = strlen("root@"); addr[i] != '\0'; i++)
		addr[i] = (char)toupper((unsigned char)addr[i]);
	assert_true(aliases_is_local(addr));
	assert_int_equal(localname_canonical(canon, sizeof(canon)), 0);
	snprintf(addr, sizeof(addr), "root@%s", canon);
	assert_true(aliases_is_local(addr));
	assert_false(aliases_is_local("root@example.org"));
	assert_false(aliases_is_local("root@localhost.example.org"));
	snprintf(addr, sizeof(addr), "root@%s.invalid", host);
	assert_false(aliases_is_local(addr));
}

/* ---- applying ---- */

static void
test_apply(void **state)
{
	char	rcpts[1024], want[1024];

	(void)state;
	parse_ok("root: admin@example.org\n"
	    "Joe: joe@example.org, joe@work.example\n"
	    "ops: admin@example.org, ops@example.org\n");
	/* A bare name, and the same name at this host. */
	apply("root", "admin@example.org");
	apply("ROOT@localhost", "admin@example.org");
	snprintf(rcpts, sizeof(rcpts), "joe@%s", host);
	apply(rcpts, "joe@example.org,joe@work.example");
	/* Non-local addresses stay, even when their local part is an
	 * alias; local ones without an alias and no default stay. */
	apply("root@example.org", "root@example.org");
	apply("nobody,nobody@localhost", "nobody,nobody@localhost");
	/* Order kept, duplicates dropped (the domain ignoring case). */
	apply("x@example.org,root,ops,joe,ADMIN@EXAMPLE.ORG,x@Example.org",
	    "x@example.org,admin@example.org,ops@example.org,joe@example.org,"
	    "joe@work.example,ADMIN@EXAMPLE.ORG");
	snprintf(rcpts, sizeof(rcpts), "root,root@localhost,root@%s,"
	    "ops@%s", host, host);
	snprintf(want, sizeof(want), "admin@example.org,ops@example.org");
	apply(rcpts, want);
}

static void
test_apply_default(void **state)
{
	(void)state;
	parse_ok("default: catchall@example.org\n"
	    "root: admin@example.org, root\n");
	apply("root", "admin@example.org,root");
	/* Not expanded again: "root" from the alias stays "root". */
	apply("someone,other@localhost,x@example.org",
	    "catchall@example.org,x@example.org");
	apply("default", "catchall@example.org");
}

static void
test_apply_empty_list(void **state)
{
	struct addrlist	l = ADDRLIST_INIT;

	(void)state;
	parse_ok("root: admin@example.org\n");
	assert_int_equal(aliases_apply(al, &l, &fl), 0);
	assert_int_equal(l.n, 0);
	addrlist_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_parse, teardown),
		cmocka_unit_test_teardown(test_empty, teardown),
		cmocka_unit_test_teardown(test_errors, teardown),
		cmocka_unit_test_teardown(test_nul, teardown),
		cmocka_unit_test_teardown(test_load, teardown),
		cmocka_unit_test(test_is_local),
		cmocka_unit_test_teardown(test_apply, teardown),
		cmocka_unit_test_teardown(test_apply_default, teardown),
		cmocka_unit_test_teardown(test_apply_empty_list, teardown),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
