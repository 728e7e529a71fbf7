/*
 * Unit tests for cli: the command lines that sendmail's real callers pass
 * (DESIGN.md's caller table), and the errors a person can make.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"

/* After our headers: cmocka defines a fail() macro. */
#include <cmocka.h>

#define ARGV_MAX 32

struct run {
	struct invocation	inv;
	struct failure		f;
	int			rc;
};

/*
 * Runs cli_parse over a NULL-terminated list of words; the words are
 * copied into writable storage, as a real argv is.
 */
static void
parse(struct run *r, const char *const *words)
{
	static char	 store[ARGV_MAX][256];
	char		*argv[ARGV_MAX + 1];
	int		 argc;

	for (argc = 0; words[argc] != NULL; argc++) {
		assert_true(argc < ARGV_MAX);
		assert_true(strlcpy(store[argc], words[argc],
		    sizeof(store[0])) < sizeof(store[0]));
		argv[argc] = store[argc];
	}
	argv[argc] = NULL;
	failure_clear(&r->f);
	r->rc = cli_parse(&r->inv, argc, argv, &r->f);
}

static void
parse_ok(struct run *r, const char *const *words)
{
	parse(r, words);
	if (r->rc != 0)
		fail_msg("%s", r->f.text);
}

static void
parse_bad(struct run *r, const char *const *words, const char *text)
{
	parse(r, words);
	assert_int_equal(r->rc, -1);
	assert_int_equal(r->f.kind, FAIL_USAGE);
	if (strstr(r->f.text, text) == NULL)
		fail_msg("want \"%s\" in \"%s\"", text, r->f.text);
	cli_free(&r->inv);
}

static void
assert_rcpts(const struct invocation *inv, const char *const *want)
{
	size_t	i;

	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < inv->env.rcpts.n);
		assert_string_equal(inv->env.rcpts.v[i], want[i]);
	}
	assert_int_equal(inv->env.rcpts.n, i);
}

static void
test_debian_cron(void **state)
{
	const char *const argv[] = { "/usr/sbin/sendmail", "-i",
	    "-FCronDaemon", "-B8BITMIME", "-oem", "root,ops@example.org",
	    NULL };
	const char *const want[] = { "root", "ops@example.org", NULL };
	struct run r;

	(void)state;
	parse_ok(&r, argv);
	assert_int_equal(r.inv.mode, CLI_SEND);
	assert_true(r.inv.ignore_dots);
	assert_false(r.inv.extract_rcpts);
	assert_string_equal(r.inv.full_name, "CronDaemon");
	assert_null(r.inv.env.from);
	assert_rcpts(&r.inv, want);
	cli_free(&r.inv);
}

static void
test_cronie(void **state)
{
	const char *const argv[] = { "sendmail", "-FCronDaemon", "-i",
	    "-odi", "-oem", "-oi", "-t", "-f", "root", NULL };
	const char *const none[] = { NULL };
	struct run r;

	(void)state;
	parse_ok(&r, argv);
	assert_int_equal(r.inv.mode, CLI_SEND);
	assert_true(r.inv.ignore_dots);
	assert_true(r.inv.extract_rcpts);
	assert_string_equal(r.inv.env.from, "root");
	assert_string_equal(r.inv.full_name, "CronDaemon");
	assert_rcpts(&r.inv, none);
	cli_free(&r.inv);
}

static void
test_git_send_email(void **state)
{
	const char *const argv[] = { "sendmail", "-i", "-f", "a@b.example",
	    "x@y.example", "z@y.example", NULL };
	const char *const want[] = { "x@y.example", "z@y.example", NULL };
	struct run r;

	(void)state;
	parse_ok(&r, argv);
	assert_string_equal(r.inv.env.from, "a@b.example");
	assert_true(r.inv.ignore_dots);
	assert_rcpts(&r.inv, want);
	cli_free(&r.inv);
}

static void
test_mutt(void **state)
{
	const char *const argv[] = { "sendmail", "-oem", "-oi", "-f",
	    "a@b.example", "--", "x@y.example", "-dash@y.example", NULL };
	const char *const want[] = { "x@y.example", "-dash@y.example", NULL };
	struct run r;

	(void)state;
	parse_ok(&r, argv);
	assert_true(r.inv.ignore_dots);
	assert_string_equal(r.inv.env.from, "a@b.example");
	assert_rcpts(&r.inv, want);
	cli_free(&r.inv);
}

static void
test_mailx(void **state)
{
	const char *const argv[] = { "sendmail", "-i", "--", "x@y.example",
	    NULL };
	const char *const want[] = { "x@y.example", NULL };
	struct run r;

	(void)state;
	parse_ok(&r, argv);
	assert_true(r.inv.ignore_dots);
	assert_rcpts(&r.inv, want);
	cli_free(&r.inv);
}

static void
test_php(void **state)
{
	const char *const argv[] = { "/usr/sbin/sendmail", "-t", "-i", NULL };
	const char *const grouped[] = { "sendmail", "-ti", NULL };
	struct run r;

	(void)state;
	parse_ok(&r, argv);
	assert_true(r.inv.extract_rcpts);
	assert_true(r.inv.ignore_dots);
	assert_int_equal(r.inv.env.rcpts.n, 0);
	cli_free(&r.inv);
	parse_ok(&r, grouped);
	assert_true(r.inv.extract_rcpts);
	assert_true(r.inv.ignore_dots);
	cli_free(&r.inv);
}

static void
test_modes(void **state)
{
	static const struct {
		const char	*argv[4];
		enum cli_mode	 mode;
	} cases[] = {
		{ { "sendmail", "-bs", NULL }, CLI_SMTP_SERVER },
		{ { "sendmail", "-b", "s", NULL }, CLI_SMTP_SERVER },
		{ { "sendmail", "-bp", NULL }, CLI_LIST_QUEUE },
		{ { "sendmail", "-bi", NULL }, CLI_NEWALIASES },
		{ { "sendmail", "-bm", NULL }, CLI_SEND },
		{ { "sendmail", "-q", NULL }, CLI_QUEUE_RUN },
		{ { "sendmail", "-q30m", NULL }, CLI_QUEUE_RUN },
		{ { "sendmail", "-qf", NULL }, CLI_QUEUE_RUN },
		{ { "/usr/bin/mailq", NULL }, CLI_LIST_QUEUE },
		{ { "mailq", "-v", NULL }, CLI_LIST_QUEUE },
		{ { "/usr/bin/newaliases", NULL }, CLI_NEWALIASES },
		{ { "/usr/lib/sendmail", NULL }, CLI_SEND },
		{ { "postie", "--version", NULL }, CLI_VERSION },
		{ { "postie", "--help", NULL }, CLI_HELP },
		{ { "postie", "--queue-remove", "X1", NULL }, CLI_QUEUE_REMOVE },
		{ { "postie", "--queue-retry=X1", NULL }, CLI_QUEUE_RETRY },
		{ { NULL }, CLI_SEND },
	};
	struct run	r;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(&r, cases[i].argv);
		assert_int_equal(r.inv.mode, cases[i].mode);
		cli_free(&r.inv);
	}
}

/* -qf and -q! force a run; other -q forms run what is due. */
static void
test_queue_options(void **state)
{
	static const char *const force[] = { "sendmail", "-qf", NULL };
	static const char *const bang[] = { "sendmail", "-q!", NULL };
	static const char *const due[] = { "sendmail", "-q30m", NULL };
	static const char *const rm[] = { "postie", "-C", "rc",
	    "--queue-remove", "0123abc", NULL };
	static const char *const retry[] = { "postie", "--queue-retry=77",
	    NULL };
	static const char *const noid[] = { "postie", "--queue-retry", NULL };
	static const char *const val[] = { "postie", "--version=2", NULL };
	static const char *const body[] = { "sendmail", "-B8BITMIME", "-B",
	    "7bit", "a@b", NULL };
	static const char *const badbody[] = { "sendmail", "-B", "binary",
	    "a@b", NULL };
	static const char *const xlog[] = { "sendmail", "-X", "/tmp/d.log",
	    "-i", "a@b", NULL };
	struct run	r;

	(void)state;
	parse_ok(&r, force);
	assert_true(r.inv.queue_force);
	cli_free(&r.inv);
	parse_ok(&r, bang);
	assert_true(r.inv.queue_force);
	cli_free(&r.inv);
	parse_ok(&r, due);
	assert_false(r.inv.queue_force);
	cli_free(&r.inv);
	parse_ok(&r, rm);
	assert_int_equal(r.inv.mode, CLI_QUEUE_REMOVE);
	assert_string_equal(r.inv.queue_id, "0123abc");
	assert_string_equal(r.inv.config_file, "rc");
	cli_free(&r.inv);
	parse_ok(&r, retry);
	assert_string_equal(r.inv.queue_id, "77");
	cli_free(&r.inv);
	parse_bad(&r, noid, "needs a queue id");
	cli_free(&r.inv);
	parse_bad(&r, val, "takes no value");
	cli_free(&r.inv);
	parse_ok(&r, body);
	assert_int_equal(r.inv.env.rcpts.n, 1);
	cli_free(&r.inv);
	parse_bad(&r, badbody, "expected 7BIT or 8BITMIME");
	cli_free(&r.inv);
	/* -X FILE is accepted and ignored, its argument taken with it. */
	parse_ok(&r, xlog);
	assert_true(r.inv.ignore_dots);
	assert_int_equal(r.inv.env.rcpts.n, 1);
	cli_free(&r.inv);
}

static void
test_attached_and_separate(void **state)
{
	const char *const attached[] = { "sendmail", "-fme@x.example",
	    "-FMy Name", "-aWork", "-C/tmp/rc", "-Nsuccess,failure",
	    "-Rhdrs", "-Venv-1", "-vv", "to@x.example", NULL };
	const char *const separate[] = { "sendmail", "-r", "me@x.example",
	    "-F", "My Name", "-a", "Work", "-C", "/tmp/rc", "-N", "never",
	    "-R", "FULL", "-V", "env-1", "-v", NULL };
	struct run r;

	(void)state;
	parse_ok(&r, attached);
	assert_string_equal(r.inv.env.from, "me@x.example");
	assert_string_equal(r.inv.full_name, "My Name");
	assert_string_equal(r.inv.account, "Work");
	assert_string_equal(r.inv.config_file, "/tmp/rc");
	assert_string_equal(r.inv.env.dsn_notify, "success,failure");
	assert_string_equal(r.inv.env.dsn_ret, "hdrs");
	assert_string_equal(r.inv.env.dsn_envid, "env-1");
	assert_int_equal(r.inv.verbose, 2);
	cli_free(&r.inv);
	parse_ok(&r, separate);
	assert_string_equal(r.inv.env.from, "me@x.example");
	assert_string_equal(r.inv.full_name, "My Name");
	assert_string_equal(r.inv.account, "Work");
	assert_string_equal(r.inv.config_file, "/tmp/rc");
	assert_string_equal(r.inv.env.dsn_notify, "never");
	assert_string_equal(r.inv.env.dsn_ret, "FULL");
	assert_int_equal(r.inv.verbose, 1);
	assert_int_equal(r.inv.env.rcpts.n, 0);
	cli_free(&r.inv);
}

static void
test_ignored(void **state)
{
	const char *const argv[] = { "sendmail", "-oem", "-odi", "-odb",
	    "-om", "-O", "DeliveryMode=b", "-OErrorMode=m", "-L", "tag",
	    "-Lcron", "-m", "-n", "-G", "-U", "-h", "17", "-Am", "-Ac",
	    "-d0.1", "-B", "7BIT", "-B8BITMIME", "-mnGU",
	    "a@x.example", NULL };
	const char *const want[] = { "a@x.example", NULL };
	struct run r;

	(void)state;
	parse_ok(&r, argv);
	assert_false(r.inv.ignore_dots);
	assert_int_equal(r.inv.mode, CLI_SEND);
	assert_rcpts(&r.inv, want);
	/* -L: the last simple tag is the syslog ident. */
	assert_string_equal(r.inv.syslog_tag, "cron");
	cli_free(&r.inv);
}

/* --import FILE, --import=FILE; the file, not a queue id. */
static void
test_import(void **state)
{
	static const char *const sep[] = { "postie", "--import",
	    "/etc/ssmtp/ssmtp.conf", NULL };
	static const char *const eq[] = { "postie", "--import=dma:/x/dma.conf",
	    NULL };
	static const char *const none[] = { "postie", "--import", NULL };
	struct run	r;

	(void)state;
	parse_ok(&r, sep);
	assert_int_equal(r.inv.mode, CLI_IMPORT);
	assert_string_equal(r.inv.import_file, "/etc/ssmtp/ssmtp.conf");
	assert_null(r.inv.queue_id);
	cli_free(&r.inv);
	parse_ok(&r, eq);
	assert_string_equal(r.inv.import_file, "dma:/x/dma.conf");
	cli_free(&r.inv);
	parse_bad(&r, none, "option --import needs a file");
	cli_free(&r.inv);
}

/* -L tags that are not one simple word are ignored, not refused. */
static void
test_syslog_tag(void **state)
{
	const char *const odd[] = { "sendmail", "-Lcron job", "a@x", NULL };
	const char *const nl[] = { "sendmail", "-L", "a\nb", "a@x", NULL };
	const char *const big[] = { "sendmail", "-L",
	    "a23456789012345678901234567890123", "a@x", NULL };
	const char *const fine[] = { "sendmail", "-L", "my-cron_2.x", "a@x",
	    NULL };
	const char *const *bad[] = { odd, nl, big };
	struct run	r;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_ok(&r, bad[i]);
		assert_null(r.inv.syslog_tag);
		cli_free(&r.inv);
	}
	parse_ok(&r, fine);
	assert_string_equal(r.inv.syslog_tag, "my-cron_2.x");
	cli_free(&r.inv);
}

static void
test_null_sender(void **state)
{
	const char *const angle[] = { "sendmail", "-f", "<>", "a@x", NULL };
	const char *const empty[] = { "sendmail", "-f", "", "a@x", NULL };
	const char *const attached[] = { "sendmail", "-f<>", "a@x", NULL };
	const char *const *cases[] = { angle, empty, attached };
	struct run	r;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(&r, cases[i]);
		assert_non_null(r.inv.env.from);
		assert_string_equal(r.inv.env.from, "");
		cli_free(&r.inv);
	}
}

static void
test_from_forms(void **state)
{
	static const struct {
		const char	*arg;
		const char	*want;
	} cases[] = {
		{ "<a@b.example>", "a@b.example" },
		{ "Name <a@b.example>", "a@b.example" },
		{ "\"Doe, J\" <a@b.example>", "a@b.example" },
		{ "a@b.example (me)", "a@b.example" },
		{ "root", "root" },
	};
	const char	*argv[] = { "sendmail", "-f", NULL, "-f", NULL, NULL };
	struct run	 r;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The second -f wins, and the first one's memory is freed. */
		argv[2] = "first@x.example";
		argv[4] = cases[i].arg;
		parse_ok(&r, argv);
		assert_string_equal(r.inv.env.from, cases[i].want);
		cli_free(&r.inv);
	}
}

static void
test_recipient_lists(void **state)
{
	const char *const argv[] = { "sendmail", "a@x.example,b@x.example",
	    "\"Doe, John\" <jd@x.example>", "Team: c@x.example, a@X.EXAMPLE;",
	    "root", NULL };
	const char *const want[] = { "a@x.example", "b@x.example",
	    "jd@x.example", "c@x.example", "root", NULL };
	struct run r;

	(void)state;
	parse_ok(&r, argv);
	assert_rcpts(&r.inv, want);
	cli_free(&r.inv);
}

static void
test_errors(void **state)
{
	static const struct {
		const char	*argv[6];
		const char	*text;
	} cases[] = {
		{ { "sendmail", "-x", NULL }, "unknown option -x" },
		{ { "sendmail", "-tx", NULL }, "unknown option -x" },
		{ { "sendmail", "-c", NULL }, "unknown option -c" },
		{ { "sendmail", "--frobnicate", NULL },
		    "unknown option --frobnicate" },
		{ { "sendmail", "-f", NULL }, "option -f needs an argument" },
		{ { "sendmail", "-i", "-F", NULL },
		    "option -F needs an argument" },
		{ { "sendmail", "-B", NULL }, "option -B needs an argument" },
		{ { "sendmail", "-bd", NULL }, "unsupported mode -bd" },
		{ { "sendmail", "-bpx", NULL }, "unsupported mode -bpx" },
		{ { "sendmail", "a@x\r\nRCPT TO:<b@y>", NULL },
		    "control character" },
		{ { "sendmail", "a@x\n", NULL }, "control character" },
		{ { "sendmail", "<a@x", NULL }, "recipient \"<a@x\"" },
		{ { "sendmail", "a@x>", NULL }, "\">\" without \"<\"" },
		{ { "sendmail", "John Doe", NULL }, "a name without an address" },
		{ { "sendmail", "", NULL }, "null address" },
		{ { "sendmail", "<>", NULL }, "null address" },
		{ { "sendmail", "undisclosed:;", NULL }, "names no address" },
		{ { "sendmail", "a@x", "-t", NULL },
		    "option -t after a recipient" },
		{ { "sendmail", "-f", "a@x\r\n", NULL }, "-f " },
		{ { "sendmail", "-f", "a@x, b@x", NULL },
		    "the sender is one address" },
		{ { "sendmail", "-f", "<a@x", NULL }, "without" },
		{ { "sendmail", "-F", "Evil\r\nBcc: x@y", NULL },
		    "control character" },
		{ { "sendmail", "-N", "sometimes", NULL }, "-N \"sometimes\"" },
		{ { "sendmail", "-N", "success,,delay", NULL }, "-N" },
		{ { "sendmail", "-R", "body", NULL }, "-R \"body\"" },
		{ { "sendmail", "-V", "has space", NULL }, "-V" },
		{ { "sendmail", "-a", "", NULL }, "-a" },
	};
	struct run	r;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_bad(&r, cases[i].argv, cases[i].text);
		assert_null(strchr(r.f.text, '\n'));
	}
}

static void
test_usage(void **state)
{
	const char	*u;

	(void)state;
	u = cli_usage();
	assert_non_null(strstr(u, "usage: postie"));
	assert_non_null(strstr(u, "[recipient ...]"));
	assert_non_null(strstr(u, "mailq"));
	assert_int_equal(u[strlen(u) - 1], '\n');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_cron),
		cmocka_unit_test(test_queue_options),
		cmocka_unit_test(test_cronie),
		cmocka_unit_test(test_git_send_email),
		cmocka_unit_test(test_mutt),
		cmocka_unit_test(test_mailx),
		cmocka_unit_test(test_php),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_attached_and_separate),
		cmocka_unit_test(test_ignored),
		cmocka_unit_test(test_syslog_tag),
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_null_sender),
		cmocka_unit_test(test_from_forms),
		cmocka_unit_test(test_recipient_lists),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
