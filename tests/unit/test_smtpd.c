/*
 * Unit tests for smtpd: a client script in a file (or a live client on a
 * socket pair) in, the replies compared exactly, and what the accept
 * callback was handed.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "smtpd.h"
#include "testlib.h"

/* After our headers: cmocka defines a fail() macro. */
#include <cmocka.h>

#define HOST	"test.example"
#define GREET	"220 " HOST " ESMTP postie\r\n"
#define EHLO_R(size) \
	"250-" HOST "\r\n250-PIPELINING\r\n250-SIZE" size "\r\n" \
	"250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-DSN\r\n" \
	"250-SMTPUTF8\r\n250 HELP\r\n"
#define MAIL_OK	"250 2.1.0 Ok\r\n"
#define RCPT_OK	"250 2.1.5 Ok\r\n"
#define DATA_GO	"354 End data with <CR><LF>.<CR><LF>\r\n"
#define QUEUED	"250 2.0.0 Ok: queued as TEST\r\n"
#define BYE	"221 2.0.0 Bye\r\n"
#define MAXMSG	4

/* What the accept callback saw, message by message. */
struct rec {
	enum fail_kind	 mode;		/* FAIL_NONE: accept */
	int		 calls;
	char		*from[MAXMSG];
	char		*rcpts[MAXMSG];	/* joined with " " */
	char		*content[MAXMSG];
	off_t		 size[MAXMSG];
	int		 eight_bit[MAXMSG];
	char		*ret[MAXMSG], *envid[MAXMSG], *notify[MAXMSG];
};

struct result {
	int		 rc;
	struct failure	 f;
	char		*out;
	size_t		 out_len;
};

static char *
dup_or_null(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

static char *
slurp_fd(int fd, size_t *lenp)
{
	struct buf	b = BUF_INIT;
	char		chunk[4096];
	ssize_t		n;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		assert_int_equal(buf_append(&b, chunk, (size_t)n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(buf_append(&b, "", 0), 0);
	if (lenp != NULL)
		*lenp = b.len;
	return b.data;
}

static int
accept_cb(void *arg, const struct smtpd_message *m, struct failure *f)
{
	struct rec	*r = arg;
	struct buf	 b = BUF_INIT;
	size_t		 i, len;
	int		 k;

	assert_true(r->calls < MAXMSG);
	k = r->calls++;
	r->from[k] = strdup(m->env.from);
	for (i = 0; i < m->env.rcpts.n; i++)
		assert_int_equal(buf_appendf(&b, "%s%s", i > 0 ? " " : "",
		    m->env.rcpts.v[i]), 0);
	assert_int_equal(buf_append(&b, "", 0), 0);
	r->rcpts[k] = b.data;
	assert_int_equal(lseek(m->fd, 0, SEEK_CUR), 0);
	r->content[k] = slurp_fd(m->fd, &len);
	assert_int_equal((off_t)len, m->env.size);
	r->size[k] = m->env.size;
	r->eight_bit[k] = m->env.eight_bit;
	r->ret[k] = dup_or_null(m->env.dsn_ret);
	r->envid[k] = dup_or_null(m->env.dsn_envid);
	r->notify[k] = dup_or_null(m->env.dsn_notify);
	if (r->mode == FAIL_NONE) {
		/* Success text goes into the 250 reply. */
		strlcpy(f->text, "queued as TEST", sizeof(f->text));
		return 0;
	}
	return (fail)(f, r->mode, "no, because: %s", "reasons");
}

static void
rec_free(struct rec *r)
{
	int	k;

	for (k = 0; k < r->calls; k++) {
		free(r->from[k]);
		free(r->rcpts[k]);
		free(r->content[k]);
		free(r->ret[k]);
		free(r->envid[k]);
		free(r->notify[k]);
	}
	memset(r, 0, sizeof(*r));
}

static void
params_init(struct smtpd_params *p, struct rec *r, int in, int out)
{
	memset(p, 0, sizeof(*p));
	p->in_fd = in;
	p->out_fd = out;
	p->hostname = HOST;
	p->accept = accept_cb;
	p->arg = r;
}

static void
run_len(const char *script, size_t len, off_t max_size, struct rec *r,
    struct result *res)
{
	struct smtpd_params	p;
	int			in, out;

	in = tmp_fd();
	out = tmp_fd();
	write_all(in, script, len);
	assert_int_equal(lseek(in, 0, SEEK_SET), 0);
	params_init(&p, r, in, out);
	p.max_size = max_size;
	failure_clear(&res->f);
	res->rc = smtpd_run(&p, &res->f);
	res->out = slurp_fd(out, &res->out_len);
	close(in);
	close(out);
}

static void
run(const char *script, off_t max_size, struct rec *r, struct result *res)
{
	run_len(script, strlen(script), max_size, r, res);
}

static void
assert_replies(const struct result *res, const char *want)
{
	if (strcmp(res->out, want) != 0)
		fail_msg("replies:\n%s\nwant:\n%s", res->out, want);
}

/* A session that ends with QUIT and the replies want. */
static void
expect(const char *script, off_t max_size, struct rec *r, const char *want)
{
	struct result	res;

	run(script, max_size, r, &res);
	if (res.rc != 0)
		fail_msg("smtpd_run: %s", res.f.text);
	assert_replies(&res, want);
	free(res.out);
}

static void
test_one_message(void **state)
{
	struct rec	r = { 0 };

	(void)state;
	expect("EHLO client.example\r\n"
	    "MAIL FROM:<a@example.org> BODY=8BITMIME SIZE=100\r\n"
	    "RCPT TO:<b@example.net> NOTIFY=success,failure "
	    "ORCPT=rfc822;b@example.net\r\n"
	    "RCPT TO:<root>\r\n"
	    "RCPT TO:<b@EXAMPLE.NET>\r\n"
	    "DATA\r\n"
	    "Subject: hi\r\n"
	    "\r\n"
	    "body\r\n"
	    ".\r\n"
	    "QUIT\r\n", 0, &r,
	    GREET EHLO_R("") MAIL_OK RCPT_OK RCPT_OK RCPT_OK DATA_GO QUEUED BYE);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.from[0], "a@example.org");
	/* A duplicate RCPT is taken, but once. */
	assert_string_equal(r.rcpts[0], "b@example.net root");
	assert_string_equal(r.content[0], "Subject: hi\r\n\r\nbody\r\n");
	assert_int_equal(r.size[0], 21);
	assert_int_equal(r.eight_bit[0], 1);
	assert_null(r.ret[0]);
	assert_null(r.envid[0]);
	assert_string_equal(r.notify[0], "SUCCESS,FAILURE");
	rec_free(&r);
}

static void
test_two_messages_rset(void **state)
{
	struct rec	r = { 0 };

	(void)state;
	expect("EHLO c\r\n"
	    "MAIL FROM:<a@x.test> RET=hdrs ENVID=id+2Bone+3D\r\n"
	    "RCPT TO:<b@y.test>\r\n"
	    "DATA\r\n"
	    "one\r\n"
	    ".\r\n"
	    "RSET\r\n"
	    "MAIL FROM:<c@x.test>\r\n"
	    "RSET\r\n"
	    "MAIL FROM:<>\r\n"
	    "RCPT TO:<d@y.test> NOTIFY=NEVER\r\n"
	    "RCPT TO:<e@y.test> NOTIFY=DELAY\r\n"
	    "DATA\r\n"
	    "two\r\n"
	    ".\r\n"
	    "QUIT\r\n", 0, &r,
	    GREET EHLO_R("") MAIL_OK RCPT_OK DATA_GO QUEUED
	    "250 2.0.0 Ok\r\n" MAIL_OK "250 2.0.0 Ok\r\n"
	    MAIL_OK RCPT_OK RCPT_OK DATA_GO QUEUED BYE);
	assert_int_equal(r.calls, 2);
	assert_string_equal(r.from[0], "a@x.test");
	assert_string_equal(r.content[0], "one\r\n");
	assert_string_equal(r.ret[0], "HDRS");
	assert_string_equal(r.envid[0], "id+one=");
	assert_int_equal(r.eight_bit[0], 0);
	assert_null(r.notify[0]);
	assert_string_equal(r.from[1], "");
	assert_string_equal(r.rcpts[1], "d@y.test e@y.test");
	assert_string_equal(r.content[1], "two\r\n");
	assert_null(r.ret[1]);
	assert_null(r.envid[1]);
	assert_string_equal(r.notify[1], "NEVER");
	rec_free(&r);
}

static void
test_dot_unstuffing(void **state)
{
	struct rec	r = { 0 };

	(void)state;
	expect("HELO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n"
	    "DATA\r\n"
	    "..\r\n"
	    "...\r\n"
	    "..x\r\n"
	    ". \r\n"
	    "x.\r\n"
	    ".\r\n"
	    "QUIT\r\n", 0, &r,
	    GREET "250 " HOST "\r\n" MAIL_OK RCPT_OK DATA_GO QUEUED BYE);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.content[0], ".\r\n..\r\n.x\r\n \r\nx.\r\n");
	rec_free(&r);
}

static void
test_empty_message(void **state)
{
	struct rec	r = { 0 };

	(void)state;
	expect("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n.\r\n"
	    "QUIT\r\n", 0, &r,
	    GREET MAIL_OK RCPT_OK DATA_GO QUEUED BYE);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.content[0], "");
	rec_free(&r);
}

/* A client that sends LF alone throughout is understood. */
static void
test_bare_lf(void **state)
{
	struct rec	r = { 0 };

	(void)state;
	expect("EHLO c\nMAIL FROM:<a@x.test>\nRCPT TO:<b@y.test>\nDATA\n"
	    "line one\nline two\r\n..dot\n.\nQUIT\n", 0, &r,
	    GREET EHLO_R("") MAIL_OK RCPT_OK DATA_GO QUEUED BYE);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.content[0], "line one\r\nline two\r\n.dot\r\n");
	rec_free(&r);
}

/*
 * A client that ended DATA with CRLF must end the content with
 * CRLF.CRLF: a dot next to a bare LF is content, never the end (SMTP
 * smuggling).
 */
static void
test_no_smuggling(void **state)
{
	struct rec	r = { 0 };

	(void)state;
	expect("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n"
	    "DATA\r\n"
	    "one\n.\n"
	    "MAIL FROM:<evil@x.test>\r\n"
	    "two\r\n.\n"
	    "three\n.\r\n"
	    "end\r\n"
	    ".\r\n"
	    "QUIT\r\n", 0, &r,
	    GREET EHLO_R("") MAIL_OK RCPT_OK DATA_GO QUEUED BYE);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.content[0], "one\r\n.\r\n"
	    "MAIL FROM:<evil@x.test>\r\ntwo\r\n.\r\nthree\r\n.\r\nend\r\n");
	rec_free(&r);
}

static void
test_line_limits(void **state)
{
	struct rec	 r = { 0 };
	struct buf	 s = BUF_INIT, want = BUF_INIT;
	char		 line[4000];

	(void)state;
	memset(line, 'x', sizeof(line));
	/* 998 octets, and 998 once unstuffed: fine. */
	assert_int_equal(buf_appendf(&s, "MAIL FROM:<a@x.test>\r\n"
	    "RCPT TO:<b@y.test>\r\nDATA\r\n%.998s\r\n.%.998s\r\n.\r\n",
	    line, line), 0);
	/* 999 octets: refused, read to the dot, and the session goes on. */
	assert_int_equal(buf_appendf(&s, "MAIL FROM:<a@x.test>\r\n"
	    "RCPT TO:<b@y.test>\r\nDATA\r\nok\r\n%.999s\r\n.\r\n", line), 0);
	/* Far over the limit, and a dot at the start of the rest. */
	assert_int_equal(buf_appendf(&s, "MAIL FROM:<a@x.test>\r\n"
	    "RCPT TO:<b@y.test>\r\nDATA\r\n%.1000s.\r\n%.3999s\r\n.\r\n",
	    line, line), 0);
	assert_int_equal(buf_appendf(&s, "QUIT\r\n"), 0);
	assert_int_equal(buf_appendf(&want, GREET MAIL_OK RCPT_OK DATA_GO
	    QUEUED "%s%s" BYE,
	    MAIL_OK RCPT_OK DATA_GO
	    "554 5.6.0 Message has a line over 998 octets\r\n",
	    MAIL_OK RCPT_OK DATA_GO
	    "554 5.6.0 Message has a line over 998 octets\r\n"), 0);
	expect(s.data, 0, &r, want.data);
	assert_int_equal(r.calls, 1);
	assert_int_equal(strlen(r.content[0]), 2 * 1000);
	rec_free(&r);
	buf_free(&s, 0);
	buf_free(&want, 0);
}

static void
test_nul_in_data(void **state)
{
	static const char script[] = "MAIL FROM:<a@x.test>\r\n"
	    "RCPT TO:<b@y.test>\r\nDATA\r\nab\0c\r\n.\r\nQUIT\r\n";
	struct rec	r = { 0 };
	struct result	res;

	(void)state;
	run_len(script, sizeof(script) - 1, 0, &r, &res);
	assert_int_equal(res.rc, 0);
	assert_replies(&res, GREET MAIL_OK RCPT_OK DATA_GO
	    "554 5.6.0 Message contains a NUL octet\r\n" BYE);
	assert_int_equal(r.calls, 0);
	free(res.out);
}

static void
test_sequence(void **state)
{
	struct rec	r = { 0 };

	(void)state;
	expect("RCPT TO:<b@y.test>\r\n"
	    "DATA\r\n"
	    "MAIL FROM:<a@x.test>\r\n"
	    "MAIL FROM:<a@x.test>\r\n"
	    "DATA\r\n"
	    "RCPT TO:<b@y.test>\r\n"
	    "DATA x\r\n"
	    "EXPN list\r\n"
	    "BOGUS\r\n"
	    "NOOP\r\n"
	    "VRFY root\r\n"
	    "HELP\r\n"
	    "EHLO\r\n"
	    "EHLO c\r\n"
	    "DATA\r\n"
	    "QUIT\r\n", 0, &r,
	    GREET
	    "503 5.5.1 Bad sequence of commands: need MAIL command\r\n"
	    "503 5.5.1 Bad sequence of commands: need MAIL command\r\n"
	    MAIL_OK
	    "503 5.5.1 Bad sequence of commands: nested MAIL command\r\n"
	    "503 5.5.1 Bad sequence of commands: no valid recipients\r\n"
	    RCPT_OK
	    "501 5.5.4 Syntax: DATA\r\n"
	    "502 5.5.1 Command not implemented\r\n"
	    "500 5.5.2 Command unrecognized\r\n"
	    "250 2.0.0 Ok\r\n"
	    "252 2.5.2 Cannot VRFY user, but will accept message and "
	    "attempt delivery\r\n"
	    "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT "
	    "VRFY HELP\r\n"
	    "501 5.5.4 Syntax: EHLO hostname\r\n"
	    EHLO_R("")
	    /* EHLO ended the transaction. */
	    "503 5.5.1 Bad sequence of commands: need MAIL command\r\n"
	    BYE);
	assert_int_equal(r.calls, 0);
}

static void
test_bad_addresses(void **state)
{
	static const char script[] =
	    "MAIL FROM:<a\0b@x.test>\r\n"
	    "MAIL FROM:<a@x.test\r\n"
	    "MAIL FROM:a@x.test\r\n"
	    "MAIL FROM:<<a@x.test>>\r\n"
	    "MAIL FROM:<a@x.test>>\r\n"
	    "MAIL TO:<a@x.test>\r\n"
	    "MAIL FROM: <a@x.test>\r\n"
	    "RCPT TO:<>\r\n"
	    "RCPT TO:<b@y.test\r\n"
	    "RCPT TO:<b@y.test,c@y.test>\r\n"
	    "RCPT TO:<b\x01@y.test>\r\n"
	    "RCPT TO:<\"b>c\"@y.test>\r\n"
	    "RCPT TO:<@relay.test:d@y.test>\r\n"
	    "DATA\r\nx\r\n.\r\n"
	    "QUIT\r\n";
	struct rec	 r = { 0 };
	struct result	 res;
	const char	*p;
	int		 n501 = 0;

	(void)state;
	run_len(script, sizeof(script) - 1, 0, &r, &res);
	assert_int_equal(res.rc, 0);
	for (p = res.out; (p = strstr(p, "\r\n501 ")) != NULL; p++)
		n501++;
	if (n501 != 10)
		fail_msg("want ten 501s:\n%s", res.out);
	assert_non_null(strstr(res.out, "501 5.5.2 NUL octet in command\r\n"));
	assert_non_null(strstr(res.out, "501 5.1.3 Bad recipient address "
	    "syntax: \"<>\": the null address is not a valid recipient\r\n"));
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.from[0], "a@x.test");
	assert_string_equal(r.rcpts[0], "\"b>c\"@y.test d@y.test");
	rec_free(&r);
	free(res.out);
}

static void
test_parameters(void **state)
{
	struct rec	r = { 0 };

	(void)state;
	expect("EHLO c\r\n"
	    "MAIL FROM:<a@x.test> FOO=bar\r\n"
	    "MAIL FROM:<a@x.test> F\rO\r\n"
	    "MAIL FROM:<a@x.test> NOTIFY=NEVER\r\n"
	    "MAIL FROM:<a@x.test> BODY=BINARYMIME\r\n"
	    "MAIL FROM:<a@x.test> SIZE=12x\r\n"
	    "MAIL FROM:<a@x.test> RET=ALL\r\n"
	    "MAIL FROM:<a@x.test> ENVID=a+4\r\n"
	    "MAIL FROM:<a@x.test> ENVID=a+00\r\n"
	    "MAIL FROM:<a@x.test> SIZE=1 SIZE=2\r\n"
	    "MAIL FROM:<a@x.test> SMTPUTF8=yes\r\n"
	    "MAIL FROM:<a@x.test> SMTPUTF8 body=7bit  SIZE=5\r\n"
	    "RCPT TO:<b@y.test> NOTIFY=NEVER,DELAY\r\n"
	    "RCPT TO:<b@y.test> NOTIFY=SUCCESS,\r\n"
	    "RCPT TO:<b@y.test> ORCPT=rfc822\r\n"
	    "RCPT TO:<b@y.test> RET=FULL\r\n"
	    "QUIT\r\n", 0, &r,
	    GREET EHLO_R("")
	    "555 5.5.4 Unsupported parameter FOO\r\n"
	    "555 5.5.4 Unsupported parameter F?O\r\n"
	    "555 5.5.4 Unsupported parameter NOTIFY\r\n"
	    "501 5.5.4 Bad BODY parameter\r\n"
	    "501 5.5.4 Bad SIZE parameter\r\n"
	    "501 5.5.4 Bad RET parameter\r\n"
	    "501 5.5.4 Bad ENVID parameter\r\n"
	    "501 5.5.4 Bad ENVID parameter\r\n"
	    "501 5.5.4 Bad SIZE parameter\r\n"
	    "501 5.5.4 Bad SMTPUTF8 parameter\r\n"
	    MAIL_OK
	    "501 5.5.4 Bad NOTIFY parameter\r\n"
	    "501 5.5.4 Bad NOTIFY parameter\r\n"
	    "501 5.5.4 Bad ORCPT parameter\r\n"
	    "555 5.5.4 Unsupported parameter RET\r\n"
	    BYE);
}

static void
test_size(void **state)
{
	struct rec	 r = { 0 };
	struct buf	 s = BUF_INIT;
	char		 line[80];

	(void)state;
	memset(line, 'y', sizeof(line));
	assert_int_equal(buf_appendf(&s, "EHLO c\r\n"
	    "MAIL FROM:<a@x.test> SIZE=101\r\n"
	    "MAIL FROM:<a@x.test> SIZE=100\r\n"
	    "RCPT TO:<b@y.test>\r\nDATA\r\n%.60s\r\n%.60s\r\n.\r\n"
	    "MAIL FROM:<a@x.test>\r\n"
	    "RCPT TO:<b@y.test>\r\nDATA\r\n%.60s\r\n%.36s\r\n.\r\n"
	    "QUIT\r\n", line, line, line, line), 0);
	expect(s.data, 100, &r, GREET EHLO_R(" 100")
	    "552 5.3.4 Message size exceeds fixed limit\r\n"
	    MAIL_OK RCPT_OK DATA_GO
	    "552 5.3.4 Message size exceeds fixed limit\r\n"
	    MAIL_OK RCPT_OK DATA_GO QUEUED BYE);
	/* Exactly the limit, counted with CRLF, is taken. */
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.size[0], 100);
	rec_free(&r);
	buf_free(&s, 0);
}

static void
expect_outcome(enum fail_kind kind, const char *reply)
{
	struct rec	r = { 0 };
	struct buf	want = BUF_INIT;

	r.mode = kind;
	assert_int_equal(buf_appendf(&want, GREET MAIL_OK RCPT_OK DATA_GO
	    "%s\r\n" MAIL_OK BYE, reply), 0);
	expect("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n"
	    "DATA\r\nx\r\n.\r\n"
	    /* The transaction is over, whatever the outcome. */
	    "MAIL FROM:<a@x.test>\r\nQUIT\r\n", 0, &r, want.data);
	assert_int_equal(r.calls, 1);
	rec_free(&r);
	buf_free(&want, 0);
}

static void
test_callback_failures(void **state)
{
	(void)state;
	expect_outcome(FAIL_TEMPFAIL, "451 4.3.0 no, because: reasons");
	expect_outcome(FAIL_CONNECT, "451 4.3.0 no, because: reasons");
	expect_outcome(FAIL_CONFIG, "451 4.3.5 no, because: reasons");
	expect_outcome(FAIL_DATA, "554 5.6.0 no, because: reasons");
	expect_outcome(FAIL_NOUSER, "550 5.1.1 no, because: reasons");
	expect_outcome(FAIL_REJECTED, "554 5.0.0 no, because: reasons");
}

static void
test_dropped(void **state)
{
	static const char *const scripts[] = {
		"",
		"EHLO c\r\nNOOP",
		"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n",
		"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nx\r\n",
		"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nx\r\n.",
	};
	struct rec	r = { 0 };
	struct result	res;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		run(scripts[i], 0, &r, &res);
		assert_int_equal(res.rc, -1);
		assert_int_equal(res.f.kind, FAIL_DROPPED);
		assert_int_equal(r.calls, 0);
		if (i >= 2)
			assert_non_null(strstr(res.f.text, "dropped"));
		free(res.out);
	}
}

static void
test_too_many_errors(void **state)
{
	struct rec	r = { 0 };
	struct buf	s = BUF_INIT;
	struct result	res;
	int		i;

	(void)state;
	for (i = 0; i < 19; i++)
		assert_int_equal(buf_appendf(&s, "BAD\r\n"), 0);
	/* A good command starts the count again. */
	assert_int_equal(buf_appendf(&s, "NOOP\r\n"), 0);
	for (i = 0; i < 25; i++)
		assert_int_equal(buf_appendf(&s, "RCPT TO:<a@x.test>\r\n"), 0);
	run(s.data, 0, &r, &res);
	assert_int_equal(res.rc, -1);
	assert_int_equal(res.f.kind, FAIL_PROTOCOL);
	assert_non_null(strstr(res.out, "250 2.0.0 Ok\r\n" "503 "));
	assert_non_null(strstr(res.out, "503 5.5.1 Bad sequence of commands: "
	    "need MAIL command\r\n421 4.7.0 " HOST " Too many errors\r\n"));
	assert_null(strstr(res.out, "421 4.7.0 " HOST " Too many errors\r\n5"));
	free(res.out);
	buf_free(&s, 0);
}

static void
test_long_command(void **state)
{
	struct rec	r = { 0 };
	struct buf	s = BUF_INIT;
	char		line[3000];

	(void)state;
	memset(line, 'z', sizeof(line));
	assert_int_equal(buf_appendf(&s, "NOOP %.2999s\r\nNOOP %.2040s\r\n"
	    "QUIT\r\n", line, line), 0);
	expect(s.data, 0, &r, GREET "500 5.5.2 Line too long\r\n"
	    "250 2.0.0 Ok\r\n" BYE);
	buf_free(&s, 0);
}

static void
test_too_many_recipients(void **state)
{
	struct rec	r = { 0 };
	struct buf	s = BUF_INIT;
	struct result	res;
	int		i;

	(void)state;
	assert_int_equal(buf_appendf(&s, "MAIL FROM:<a@x.test>\r\n"), 0);
	for (i = 0; i < 1001; i++)
		assert_int_equal(buf_appendf(&s, "RCPT TO:<r%d@y.test>\r\n", i),
		    0);
	assert_int_equal(buf_appendf(&s, "DATA\r\nx\r\n.\r\nQUIT\r\n"), 0);
	run(s.data, 0, &r, &res);
	assert_int_equal(res.rc, 0);
	assert_non_null(strstr(res.out, RCPT_OK "452 4.5.3 Too many "
	    "recipients\r\n" DATA_GO QUEUED BYE));
	assert_int_equal(r.calls, 1);
	assert_non_null(strstr(r.rcpts[0], " r999@y.test"));
	assert_null(strstr(r.rcpts[0], "r1000@"));
	rec_free(&r);
	free(res.out);
	buf_free(&s, 0);
}

/* Reads replies from fd until want has come, within a few seconds. */
static int
client_expect(int fd, const char *want)
{
	char	got[4096];
	size_t	len = 0, wlen = strlen(want);
	ssize_t	n;

	while (len < wlen) {
		n = read(fd, got + len, wlen - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	return memcmp(got, want, wlen) == 0 ? 0 : -1;
}

static void
client_send(int fd, const char *s)
{
	size_t	len = strlen(s);

	if (write(fd, s, len) != (ssize_t)len)
		_exit(3);
}

/*
 * A live client that waits for each group's replies before sending the
 * next group, as a PIPELINING client does: the server must flush its
 * replies before it blocks, or both wait forever.
 */
static void
client(int fd)
{
	alarm(10);
	if (client_expect(fd, GREET) == -1)
		_exit(1);
	client_send(fd, "EHLO c\r\n");
	if (client_expect(fd, EHLO_R("")) == -1)
		_exit(1);
	client_send(fd, "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n"
	    "RCPT TO:<c@y.test>\r\nDATA\r\n");
	if (client_expect(fd, MAIL_OK RCPT_OK RCPT_OK DATA_GO) == -1)
		_exit(1);
	client_send(fd, "Subject: piped\r\n\r\nhello\r\n.\r\n");
	if (client_expect(fd, QUEUED) == -1)
		_exit(1);
	client_send(fd, "RSET\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<>\r\n"
	    "DATA\r\n");
	if (client_expect(fd, "250 2.0.0 Ok\r\n" MAIL_OK) == -1 ||
	    client_expect(fd, "501 5.1.3 ") == -1)
		_exit(1);
	client_send(fd, "QUIT\r\n");
	_exit(0);
}

static void
test_pipelining_live(void **state)
{
	struct smtpd_params	 p;
	struct failure		 f;
	struct rec		 r = { 0 };
	pid_t			 pid;
	int			 sv[2], status;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		client(sv[1]);
	}
	assert_true(pid > 0);
	close(sv[1]);
	params_init(&p, &r, sv[0], sv[0]);
	p.timeout_sec = 5;
	failure_clear(&f);
	assert_int_equal(smtpd_run(&p, &f), 0);
	close(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.rcpts[0], "b@y.test c@y.test");
	assert_string_equal(r.content[0], "Subject: piped\r\n\r\nhello\r\n");
	rec_free(&r);
}

static void
test_timeout(void **state)
{
	struct smtpd_params	 p;
	struct failure		 f;
	struct rec		 r = { 0 };
	char			*out;
	int			 in[2], o;

	(void)state;
	assert_int_equal(pipe(in), 0);
	o = tmp_fd();
	write_all(in[1], "MAIL FROM:<a@x.test>\r\n", 22);
	params_init(&p, &r, in[0], o);
	p.timeout_sec = 1;
	failure_clear(&f);
	assert_int_equal(smtpd_run(&p, &f), -1);
	assert_int_equal(f.kind, FAIL_TIMEOUT);
	out = slurp_fd(o, NULL);
	assert_string_equal(out, GREET MAIL_OK
	    "421 4.4.2 " HOST " Error: timeout exceeded\r\n");
	free(out);
	close(in[0]);
	close(in[1]);
	close(o);
}

static void
test_epipe(void **state)
{
	struct smtpd_params	 p;
	struct failure		 f;
	struct rec		 r = { 0 };
	int			 in, out[2];

	(void)state;
	in = tmp_fd();
	write_all(in, "NOOP\r\n", 6);
	assert_int_equal(lseek(in, 0, SEEK_SET), 0);
	assert_int_equal(pipe(out), 0);
	close(out[0]);
	params_init(&p, &r, in, out[1]);
	failure_clear(&f);
	assert_int_equal(smtpd_run(&p, &f), -1);
	assert_int_equal(f.kind, FAIL_IO);
	close(in);
	close(out[1]);
}

static void
test_tmpdir(void **state)
{
	struct smtpd_params	 p;
	struct failure		 f;
	struct rec		 r = { 0 };
	char			*out;
	int			 in, o;
	static const char	 script[] = "MAIL FROM:<a@x.test>\r\n"
	    "RCPT TO:<b@y.test>\r\nDATA\r\nQUIT\r\n";

	(void)state;
	in = tmp_fd();
	o = tmp_fd();
	write_all(in, script, sizeof(script) - 1);
	assert_int_equal(lseek(in, 0, SEEK_SET), 0);
	params_init(&p, &r, in, o);
	p.tmpdir = "/nonexistent/postie-test";
	failure_clear(&f);
	assert_int_equal(smtpd_run(&p, &f), 0);
	out = slurp_fd(o, NULL);
	assert_string_equal(out, GREET MAIL_OK RCPT_OK "451 4.3.0 Cannot "
	    "create a temporary file: No such file or directory\r\n" BYE);
	free(out);
	close(in);
	close(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_message),
		cmocka_unit_test(test_two_messages_rset),
		cmocka_unit_test(test_dot_unstuffing),
		cmocka_unit_test(test_empty_message),
		cmocka_unit_test(test_bare_lf),
		cmocka_unit_test(test_no_smuggling),
		cmocka_unit_test(test_line_limits),
		cmocka_unit_test(test_nul_in_data),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_parameters),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_callback_failures),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_long_command),
		cmocka_unit_test(test_too_many_recipients),
		cmocka_unit_test(test_pipelining_live),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_epipe),
		cmocka_unit_test(test_tmpdir),
	};

	/* As main does for -bs: a client gone is EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
