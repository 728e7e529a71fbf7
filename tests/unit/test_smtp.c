/*
 * Unit tests for smtp: reply line parsing, the streaming dot-stuffer and
 * the envelope commands (xtext, DSN, SIZE, 8BITMIME, SMTPUTF8, IDNA).
 * The dialogue itself needs a server; the integration tests script one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "exitcode.h"
#include "smtp.h"

/* cmocka defines a fail() macro; ours is not needed here. */
#include <cmocka.h>

struct parsed {
	int		 rc;
	int		 code;
	int		 more;
	const char	*text;
	size_t		 textlen;
};

static struct parsed
parse(const char *line)
{
	struct parsed	p;

	memset(&p, 0, sizeof(p));
	p.rc = smtp_reply_line_parse(line, strlen(line), &p.code, &p.more,
	    &p.text, &p.textlen);
	return p;
}

static void
assert_text(const struct parsed *p, const char *want)
{
	assert_int_equal(p->textlen, strlen(want));
	assert_memory_equal(p->text, want, p->textlen);
}

static void
test_reply_single_line(void **state)
{
	struct parsed	p;

	(void)state;
	p = parse("250 2.0.0 Ok: queued as 4XyZ");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.code, 250);
	assert_int_equal(p.more, 0);
	assert_text(&p, "2.0.0 Ok: queued as 4XyZ");
}

static void
test_reply_multi_line(void **state)
{
	struct parsed	p;

	(void)state;
	p = parse("250-PIPELINING");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.code, 250);
	assert_int_equal(p.more, 1);
	assert_text(&p, "PIPELINING");
	p = parse("250 SMTPUTF8");
	assert_int_equal(p.more, 0);
	assert_text(&p, "SMTPUTF8");
}

static void
test_reply_code_alone(void **state)
{
	struct parsed	p;

	(void)state;
	p = parse("250");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.code, 250);
	assert_int_equal(p.more, 0);
	assert_int_equal(p.textlen, 0);
	p = parse("250 ");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.textlen, 0);
	p = parse("354-");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.code, 354);
	assert_int_equal(p.more, 1);
	assert_int_equal(p.textlen, 0);
}

static void
test_reply_every_class(void **state)
{
	static const struct {
		const char	*line;
		int		 code;
	} ok[] = {
		{ "220 mx ESMTP", 220 }, { "235 2.7.0 ok", 235 },
		{ "334 ", 334 }, { "354 go ahead", 354 },
		{ "421 4.3.2 bye", 421 }, { "454 4.7.0 no TLS", 454 },
		{ "535 5.7.8 no", 535 }, { "554 5.5.0 go away", 554 },
		{ "200 x", 200 }, { "559 x", 559 },
	};
	struct parsed	p;
	size_t		i;

	(void)state;
	for (i = 0; i < POSTIE_NELEM(ok); i++) {
		p = parse(ok[i].line);
		assert_int_equal(p.rc, 0);
		assert_int_equal(p.code, ok[i].code);
	}
}

static void
test_reply_garbage(void **state)
{
	static const char *bad[] = {
		"", "2", "25", "hello", "+OK POP3 ready", "HTTP/1.1 400",
		"25x ok", "2 50 ok", " 250 ok", "250ok", "250_ok", "250\tok",
		"250=x", "2500 ok",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < POSTIE_NELEM(bad); i++)
		assert_int_equal(parse(bad[i]).rc, -1);
}

static void
test_reply_code_out_of_range(void **state)
{
	static const char *bad[] = {
		"199 x", "100 x", "099 x", "600 x", "999 x", "000", "260 x",
		"570 x",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < POSTIE_NELEM(bad); i++)
		assert_int_equal(parse(bad[i]).rc, -1);
}

static void
test_reply_long_lines(void **state)
{
	char		*line;
	struct parsed	 p;

	(void)state;
	/* Longer than RFC 5321's 512: real servers send such lines. */
	line = malloc(SMTP_REPLY_LINE_MAX + 2);
	assert_non_null(line);
	memset(line, 'x', SMTP_REPLY_LINE_MAX + 1);
	memcpy(line, "250-", 4);
	line[1000] = '\0';
	p = parse(line);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.textlen, 996);
	line[1000] = 'x';
	line[SMTP_REPLY_LINE_MAX] = '\0';
	assert_int_equal(parse(line).rc, 0);
	line[SMTP_REPLY_LINE_MAX] = 'x';
	line[SMTP_REPLY_LINE_MAX + 1] = '\0';
	assert_int_equal(parse(line).rc, -1);
	free(line);
}

/* Stuffs the pieces one call each and returns the whole output. */
static char *
stuff(const char **pieces, size_t n, int *at_bol)
{
	struct buf	out = BUF_INIT;
	size_t		i;

	*at_bol = 1;
	for (i = 0; i < n; i++)
		assert_int_equal(smtp_dotstuff(at_bol, pieces[i],
		    strlen(pieces[i]), &out), 0);
	if (out.data == NULL)
		assert_int_equal(buf_append(&out, "", 0), 0);
	return out.data;
}

static void
assert_stuffed(const char *in, const char *want)
{
	const char	*pieces[1] = { in };
	char		*got;
	int		 bol;

	got = stuff(pieces, 1, &bol);
	assert_string_equal(got, want);
	free(got);
}

static void
test_dotstuff_lines(void **state)
{
	(void)state;
	assert_stuffed("a\r\n.b\r\n..c\r\nd.e\r\n",
	    "a\r\n..b\r\n...c\r\nd.e\r\n");
	assert_stuffed("no dots at all\r\n", "no dots at all\r\n");
	assert_stuffed("x.\r\n", "x.\r\n");
}

static void
test_dotstuff_first_line(void **state)
{
	(void)state;
	assert_stuffed(".starts\r\n", "..starts\r\n");
	assert_stuffed(".\r\n", "..\r\n");
}

static void
test_dotstuff_end_of_data_in_body(void **state)
{
	(void)state;
	assert_stuffed("x\r\n.\r\ny\r\n", "x\r\n..\r\ny\r\n");
	assert_stuffed("\r\n.\r\n", "\r\n..\r\n");
}

static void
test_dotstuff_smuggling(void **state)
{
	(void)state;
	/* Bare line endings that escaped normalisation still start a
	 * line: "\n.\r\n" and "\r.\r\n" are what smuggling attacks use. */
	assert_stuffed("x\n.\r\nMAIL FROM:<e>\r\n",
	    "x\n..\r\nMAIL FROM:<e>\r\n");
	assert_stuffed("x\r.\r\n", "x\r..\r\n");
	assert_stuffed("x\n.\n", "x\n..\n");
}

static void
test_dotstuff_across_calls(void **state)
{
	const char	*a[] = { "line one\r\n", ".two\r\n" };
	const char	*b[] = { "one\r", "\n", ".", "two\r\n" };
	const char	*c[] = { "one.", ".two" };
	char		*got;
	int		 bol;

	(void)state;
	got = stuff(a, 2, &bol);
	assert_string_equal(got, "line one\r\n..two\r\n");
	assert_int_equal(bol, 1);
	free(got);
	got = stuff(b, 4, &bol);
	assert_string_equal(got, "one\r\n..two\r\n");
	free(got);
	got = stuff(c, 2, &bol);
	assert_string_equal(got, "one..two");
	assert_int_equal(bol, 0);
	free(got);
}

static void
test_dotstuff_empty(void **state)
{
	struct buf	out = BUF_INIT;
	int		bol = 1;

	(void)state;
	assert_int_equal(smtp_dotstuff(&bol, "", 0, &out), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(bol, 1);
	bol = 0;
	assert_int_equal(smtp_dotstuff(&bol, "", 0, &out), 0);
	assert_int_equal(bol, 0);
	buf_free(&out, 0);
}

static void
test_dotstuff_worst_case(void **state)
{
	struct buf	 out = BUF_INIT;
	char		*in, *want;
	size_t		 i, n = 3 * 65536;
	int		 bol = 1;

	(void)state;
	in = malloc(n);
	want = malloc(n / 2 * 3);
	assert_non_null(in);
	assert_non_null(want);
	for (i = 0; i < n / 2; i++) {
		memcpy(in + 2 * i, ".\n", 2);
		memcpy(want + 3 * i, "..\n", 3);
	}
	assert_int_equal(smtp_dotstuff(&bol, in, n, &out), 0);
	assert_int_equal(out.len, n / 2 * 3);
	assert_memory_equal(out.data, want, out.len);
	buf_free(&out, 0);
	free(in);
	free(want);
}

static void
test_dotstuff_appends(void **state)
{
	struct buf	out = BUF_INIT;
	int		bol = 1;

	(void)state;
	assert_int_equal(buf_append(&out, "kept:", 5), 0);
	assert_int_equal(smtp_dotstuff(&bol, ".x", 2, &out), 0);
	assert_string_equal(out.data, "kept:..x");
	buf_free(&out, 0);
}

/* Envelope commands. */

static void
assert_xtext(const char *in, const char *want)
{
	struct buf	out = BUF_INIT;

	assert_int_equal(smtp_xtext(in, &out), 0);
	if (out.data == NULL)
		assert_int_equal(buf_append(&out, "", 0), 0);
	assert_string_equal(out.data, want);
	buf_free(&out, 0);
}

static void
test_xtext(void **state)
{
	(void)state;
	assert_xtext("", "");
	assert_xtext("plain-Text_1.2@x", "plain-Text_1.2@x");
	assert_xtext("id+1", "id+2B1");
	assert_xtext("a=b", "a+3Db");
	assert_xtext("a b", "a+20b");
	assert_xtext("!~", "!~");
	assert_xtext("\x01\x7f", "+01+7F");
	assert_xtext("b\xc3\xbc", "b+C3+BC");
}

/* One envelope to build commands from. */
struct env_fixture {
	char			*v[2];
	struct addrlist		 rcpts;
	struct envelope	 env;
	struct buf		 out;
};

/* e->out must be BUF_INIT or a buffer: it is kept. */
static void
env_init(struct env_fixture *e, const char *from, const char *rcpt)
{
	struct buf	out = e->out;

	memset(e, 0, sizeof(*e));
	e->out = out;
	e->v[0] = (char *)rcpt;
	e->rcpts.v = e->v;
	e->rcpts.n = 1;
	e->env.from = (char *)(uintptr_t)from;
	e->env.rcpts = e->rcpts;
	e->env.size = 1234;
}

static const char *
mail(struct env_fixture *e, unsigned caps)
{
	assert_int_equal(smtp_mail_command(&e->env, e->env.from, caps,
	    &e->out), 0);
	return e->out.data;
}

static const char *
rcpt(struct env_fixture *e, unsigned caps)
{
	assert_int_equal(smtp_rcpt_command(&e->env, 0, e->v[0], caps,
	    &e->out), 0);
	return e->out.data;
}

static void
test_mail_plain(void **state)
{
	struct env_fixture	e = { .out = BUF_INIT };

	(void)state;
	env_init(&e, "a@example.test", "b@example.test");
	assert_string_equal(mail(&e, 0), "MAIL FROM:<a@example.test>");
	assert_string_equal(mail(&e, SMTP_CAP_SIZE),
	    "MAIL FROM:<a@example.test> SIZE=1234");
	e.env.size = 0;
	assert_string_equal(mail(&e, SMTP_CAP_SIZE),
	    "MAIL FROM:<a@example.test>");
	env_init(&e, "", "b@example.test");
	assert_string_equal(mail(&e, 0), "MAIL FROM:<>");
	assert_string_equal(rcpt(&e, ~0u), "RCPT TO:<b@example.test>");
	buf_free(&e.out, 0);
}

static void
test_mail_8bitmime(void **state)
{
	struct env_fixture	e = { .out = BUF_INIT };

	(void)state;
	env_init(&e, "a@example.test", "b@example.test");
	e.env.eight_bit = 1;
	assert_string_equal(mail(&e, SMTP_CAP_SIZE | SMTP_CAP_8BITMIME),
	    "MAIL FROM:<a@example.test> SIZE=1234 BODY=8BITMIME");
	assert_string_equal(mail(&e, SMTP_CAP_SIZE),
	    "MAIL FROM:<a@example.test> SIZE=1234");
	e.env.eight_bit = 0;
	assert_string_equal(mail(&e, SMTP_CAP_8BITMIME),
	    "MAIL FROM:<a@example.test>");
	buf_free(&e.out, 0);
}

static void
test_mail_smtputf8(void **state)
{
	struct env_fixture	e = { .out = BUF_INIT };

	(void)state;
	env_init(&e, "a@example.test", "j\xc3\xb6rg@example.test");
	assert_string_equal(mail(&e, SMTP_CAP_SMTPUTF8),
	    "MAIL FROM:<a@example.test> SMTPUTF8");
	/* Without it the addresses were made ASCII first: no keyword. */
	assert_string_equal(mail(&e, 0), "MAIL FROM:<a@example.test>");
	env_init(&e, "a@example.test", "b@example.test");
	assert_string_equal(mail(&e, SMTP_CAP_SMTPUTF8),
	    "MAIL FROM:<a@example.test>");
	buf_free(&e.out, 0);
}

static void
test_dsn_offered(void **state)
{
	struct env_fixture	e = { .out = BUF_INIT };
	unsigned		caps = SMTP_CAP_DSN | SMTP_CAP_SIZE;

	(void)state;
	env_init(&e, "a@example.test", "b+x@example.test");
	e.env.dsn_notify = "success,failure";
	e.env.dsn_ret = "hdrs";
	e.env.dsn_envid = "id+1";
	assert_string_equal(mail(&e, caps), "MAIL FROM:<a@example.test> "
	    "SIZE=1234 RET=HDRS ENVID=id+2B1");
	assert_string_equal(rcpt(&e, caps), "RCPT TO:<b+x@example.test> "
	    "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bx@example.test");
	e.env.dsn_notify = "never";
	e.env.dsn_ret = NULL;
	e.env.dsn_envid = NULL;
	assert_string_equal(mail(&e, caps),
	    "MAIL FROM:<a@example.test> SIZE=1234");
	assert_string_equal(rcpt(&e, caps), "RCPT TO:<b+x@example.test> "
	    "NOTIFY=NEVER ORCPT=rfc822;b+2Bx@example.test");
	buf_free(&e.out, 0);
}

static void
test_dsn_not_offered(void **state)
{
	struct env_fixture	e = { .out = BUF_INIT };

	(void)state;
	env_init(&e, "a@example.test", "b@example.test");
	e.env.dsn_notify = "delay";
	e.env.dsn_ret = "full";
	e.env.dsn_envid = "x";
	assert_string_equal(mail(&e, SMTP_CAP_SIZE),
	    "MAIL FROM:<a@example.test> SIZE=1234");
	assert_string_equal(rcpt(&e, SMTP_CAP_SIZE),
	    "RCPT TO:<b@example.test>");
	buf_free(&e.out, 0);
}

static void
test_dsn_none_asked(void **state)
{
	struct env_fixture	e = { .out = BUF_INIT };

	(void)state;
	/* No DSN option: the commands are what they always were. */
	env_init(&e, "a@example.test", "b@example.test");
	assert_string_equal(mail(&e, SMTP_CAP_DSN),
	    "MAIL FROM:<a@example.test>");
	assert_string_equal(rcpt(&e, SMTP_CAP_DSN), "RCPT TO:<b@example.test>");
	/* A non-ASCII recipient gets no rfc822 ORCPT. */
	env_init(&e, "a@example.test", "j\xc3\xb6rg@example.test");
	e.env.dsn_notify = "failure";
	assert_string_equal(rcpt(&e, SMTP_CAP_DSN | SMTP_CAP_SMTPUTF8),
	    "RCPT TO:<j\xc3\xb6rg@example.test> NOTIFY=FAILURE");
	buf_free(&e.out, 0);
}

static void
assert_address_out(const char *in, int smtputf8, const char *want)
{
	struct failure	f;
	char		*out;

	failure_clear(&f);
	assert_int_equal(smtp_address_out(in, smtputf8, &out, &f), 0);
	assert_string_equal(out, want);
	free(out);
}

static void
test_address_out(void **state)
{
	struct failure	 f;
	char		*out;

	(void)state;
	assert_address_out("a@example.test", 0, "a@example.test");
	assert_address_out("", 0, "");
	assert_address_out("r@b\xc3\xbc" "cher.example", 0,
	    "r@xn--bcher-kva.example");
	/* Non-transitional (UTS 46): sharp s stays, it is not "ss". */
	assert_address_out("r@fa\xc3\x9f.de", 0, "r@xn--fa-hia.de");
	assert_address_out("j\xc3\xb6rg@b\xc3\xbc" "cher.example", 1,
	    "j\xc3\xb6rg@b\xc3\xbc" "cher.example");

	failure_clear(&f);
	assert_int_equal(smtp_address_out("j\xc3\xb6rg@example.test", 0,
	    &out, &f), -1);
	assert_null(out);
	assert_int_equal(f.kind, FAIL_REJECTED);
	assert_non_null(strstr(f.text, "SMTPUTF8"));
	assert_non_null(strstr(f.text, "local part"));
	failure_clear(&f);
	assert_int_equal(smtp_address_out("r@\xff\xfe.example", 0, &out, &f),
	    -1);
	assert_int_equal(f.kind, FAIL_REJECTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_single_line),
		cmocka_unit_test(test_reply_multi_line),
		cmocka_unit_test(test_reply_code_alone),
		cmocka_unit_test(test_reply_every_class),
		cmocka_unit_test(test_reply_garbage),
		cmocka_unit_test(test_reply_code_out_of_range),
		cmocka_unit_test(test_reply_long_lines),
		cmocka_unit_test(test_dotstuff_lines),
		cmocka_unit_test(test_dotstuff_first_line),
		cmocka_unit_test(test_dotstuff_end_of_data_in_body),
		cmocka_unit_test(test_dotstuff_smuggling),
		cmocka_unit_test(test_dotstuff_across_calls),
		cmocka_unit_test(test_dotstuff_empty),
		cmocka_unit_test(test_dotstuff_worst_case),
		cmocka_unit_test(test_dotstuff_appends),
		cmocka_unit_test(test_xtext),
		cmocka_unit_test(test_mail_plain),
		cmocka_unit_test(test_mail_8bitmime),
		cmocka_unit_test(test_mail_smtputf8),
		cmocka_unit_test(test_dsn_offered),
		cmocka_unit_test(test_dsn_not_offered),
		cmocka_unit_test(test_dsn_none_asked),
		cmocka_unit_test(test_address_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
