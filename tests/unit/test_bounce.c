/*
 * Unit tests for bounce: a report written to a file for an envelope
 * filled by hand, then checked line by line and part by part.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "bounce.h"

/* After our headers: cmocka defines a fail() macro. */
#include <cmocka.h>

#define NOW	((time_t)1700000000)	/* Tue, 14 Nov 2023 22:13:20 UTC */

static const char original[] =
    "From: Sender <sender@example.org>\r\n"
    "To: a@example.net, b@example.net\r\n"
    "Subject: Quarterly\r\n"
    "\tfigures\r\n"
    "Message-ID: <orig.1@example.org>\r\n"
    "\r\n"
    "BODY-SECRET first line\r\n"
    "second line\r\n";

struct fixture {
	struct queue_envelope	 env;
	struct bounce_params	 p;
	char			*out;
	size_t			 len;
};

static int
tmp_fd(void)
{
	char	path[] = "/tmp/test_bounce.XXXXXX";
	int	fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	unlink(path);
	return fd;
}

static int
file_with(const char *data, size_t len)
{
	int	fd = tmp_fd();

	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void
setup_env(struct fixture *x, const char *from, const char *reason,
    const char *msg, size_t msglen)
{
	struct failure	f;

	memset(x, 0, sizeof(*x));
	strlcpy(x->env.id, "Q1234abcd", sizeof(x->env.id));
	x->env.env.from = strdup(from);
	assert_int_equal(addrlist_add(&x->env.env.rcpts, "a@example.net", &f), 0);
	assert_int_equal(addrlist_add(&x->env.env.rcpts, "b@example.net", &f), 0);
	x->env.created = NOW - 3600;
	x->env.attempts = 3;
	x->p.env = &x->env;
	x->p.msg_fd = file_with(msg, msglen);
	x->p.reason = reason;
	x->p.reporting_mta = "host.example.org";
	x->p.from_addr = "MAILER-DAEMON@example.org";
	x->p.now = NOW;
}

static void
run(struct fixture *x)
{
	struct failure	f;
	struct stat	st;
	int		fd = tmp_fd();
	const char	*save;
	char		 path[512];
	static int	 saved;

	assert_int_equal(bounce_write(&x->p, fd, &f), 0);
	assert_int_equal(fstat(fd, &st), 0);
	x->len = (size_t)st.st_size;
	x->out = malloc(x->len + 1);
	assert_non_null(x->out);
	assert_int_equal(pread(fd, x->out, x->len, 0), (ssize_t)x->len);
	x->out[x->len] = '\0';
	close(fd);
	/* SAVE.1, SAVE.2...: for a look by hand or another parser. */
	if ((save = getenv("TEST_BOUNCE_SAVE")) != NULL) {
		snprintf(path, sizeof(path), "%s.%d", save, ++saved);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd != -1);
		assert_int_equal(write(fd, x->out, x->len), (ssize_t)x->len);
		close(fd);
	}
}

static void
done(struct fixture *x)
{
	close(x->p.msg_fd);
	queue_envelope_free(&x->env);
	free(x->out);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Every line ends in CRLF, no bare CR or LF, none over 998 octets. */
static void
assert_lines_sane(const char *s, size_t len)
{
	size_t	i, line = 0;

	assert_true(len >= 2);
	assert_memory_equal(s + len - 2, "\r\n", 2);
	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			assert_true(i + 1 < len && s[i + 1] == '\n');
			assert_true(line <= 998);
			line = 0;
			i++;
			continue;
		}
		assert_true(s[i] != '\n');
		assert_true(s[i] != '\0');
		line++;
	}
}

/* The header block of the report, as a new string. */
static char *
top_header(const char *s)
{
	const char	*end = strstr(s, "\r\n\r\n");

	assert_non_null(end);
	return strndup(s, (size_t)(end - s) + 2);
}

static void
get_boundary(const char *s, char *b, size_t size)
{
	const char	*p = strstr(s, "boundary=\""), *q;

	assert_non_null(p);
	p += strlen("boundary=\"");
	q = strchr(p, '"');
	assert_non_null(q);
	assert_true((size_t)(q - p) < size);
	memcpy(b, p, (size_t)(q - p));
	b[q - p] = '\0';
}

/* Part n (1..3) of the report, its MIME header included. */
static char *
part(const char *s, int n)
{
	char		 b[128], delim[140];
	const char	*p = s, *q;
	int		 i;

	get_boundary(s, b, sizeof(b));
	snprintf(delim, sizeof(delim), "\r\n--%s", b);
	for (i = 0; i < n; i++) {
		p = strstr(p, delim);
		assert_non_null(p);
		p += strlen(delim);
	}
	q = strstr(p, delim);
	assert_non_null(q);
	return strndup(p, (size_t)(q - p));
}

static void
test_two_recipients_rejected(void **state)
{
	const char	*reason = "RCPT TO: 550 5.1.1 <x@y>: Recipient address "
			    "rejected";
	struct fixture	 x;
	char		*h, *p1, *p2, *p3, b[128], line[160];

	(void)state;
	setup_env(&x, "sender@example.org", reason, original,
	    sizeof(original) - 1);
	run(&x);
	assert_lines_sane(x.out, x.len);

	h = top_header(x.out);
	assert_non_null(strstr(h, "\r\nTo: <sender@example.org>\r\n"));
	assert_non_null(strstr(h, "\r\nFrom: Mail Delivery System "
	    "<MAILER-DAEMON@example.org>\r\n"));
	assert_non_null(strstr(h, "\r\nAuto-Submitted: auto-replied\r\n"));
	assert_non_null(strstr(h, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(h, "\r\nContent-Type: multipart/report; "
	    "report-type=delivery-status;"));
	assert_non_null(strstr(h, "\r\nMessage-ID: <1700000000."));
	assert_non_null(strstr(h, "@example.org>\r\n"));
	assert_non_null(strstr(h, "Date: Tue, 14 Nov 2023 22:13:20 +0000"));
	assert_null(strstr(h, "Content-Transfer-Encoding"));

	/* The boundary: the parameter, three delimiters, one close. */
	get_boundary(h, b, sizeof(b));
	assert_non_null(strstr(b, "=_"));
	assert_int_equal(count(x.out, b), 5);
	snprintf(line, sizeof(line), "\r\n--%s\r\n", b);
	assert_int_equal(count(x.out, line), 3);
	snprintf(line, sizeof(line), "\r\n--%s--\r\n", b);
	assert_int_equal(count(x.out, line), 1);
	assert_string_equal(x.out + x.len - strlen(line), line);

	p1 = part(x.out, 1);
	assert_non_null(strstr(p1, "Content-Type: text/plain; "
	    "charset=us-ascii\r\n"));
	assert_non_null(strstr(p1, "<a@example.net>"));
	assert_non_null(strstr(p1, "<b@example.net>"));
	assert_non_null(strstr(p1, "Subject: Quarterly figures\r\n"));
	assert_non_null(strstr(p1, "Message-ID: <orig.1@example.org>\r\n"));
	assert_non_null(strstr(p1, "Tue, 14 Nov 2023 21:13:20 +0000"));
	assert_non_null(strstr(p1, "After 3 delivery attempts since then"));
	assert_non_null(strstr(p1, reason));
	assert_null(strstr(p1, "longer than allowed"));

	p2 = part(x.out, 2);
	assert_non_null(strstr(p2, "Content-Type: message/delivery-status"
	    "\r\n"));
	assert_non_null(strstr(p2, "\r\nReporting-MTA: dns; "
	    "host.example.org\r\n"));
	assert_non_null(strstr(p2, "\r\nArrival-Date: Tue, 14 Nov 2023 "
	    "21:13:20 +0000\r\n"));
	assert_null(strstr(p2, "Original-Envelope-Id"));
	assert_non_null(strstr(p2, "\r\n\r\nFinal-Recipient: rfc822; "
	    "a@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"));
	assert_non_null(strstr(p2, "\r\n\r\nFinal-Recipient: rfc822; "
	    "b@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"));
	assert_int_equal(count(p2, "Final-Recipient: "), 2);
	assert_int_equal(count(p2, "\r\nStatus: 5.1.1\r\n"), 2);
	assert_int_equal(count(p2, "\r\nDiagnostic-Code: smtp; 550 5.1.1 "
	    "<x@y>: Recipient address rejected\r\n"), 2);
	assert_int_equal(count(p2, "\r\nLast-Attempt-Date: Tue, 14 Nov 2023 "
	    "22:13:20 +0000\r\n"), 2);

	p3 = part(x.out, 3);
	assert_non_null(strstr(p3, "Content-Type: text/rfc822-headers\r\n"));
	assert_non_null(strstr(p3, "\r\n\r\nFrom: Sender "
	    "<sender@example.org>\r\n"));
	assert_non_null(strstr(p3, "\r\nSubject: Quarterly\r\n\tfigures\r\n"
	    "Message-ID: <orig.1@example.org>\r\n"));
	assert_null(strstr(x.out, "BODY-SECRET"));
	assert_null(strstr(x.out, "second line"));

	free(h);
	free(p1);
	free(p2);
	free(p3);
	done(&x);
}

/*
 * Each recipient has its own outcome: the report lists only those
 * refused for good, each with its own status and reply; the one
 * delivered is not in it, and the text says the others got it.
 */
static void
test_each_recipient_its_own(void **state)
{
	struct fixture	 x;
	struct failure	 f;
	char		*p1, *p2;

	(void)state;
	setup_env(&x, "sender@example.org", "not the reason shown", original,
	    sizeof(original) - 1);
	assert_int_equal(addrlist_add(&x.env.env.rcpts, "c@example.net", &f), 0);
	assert_int_equal(envelope_rcpt_set(&x.env.env, 0, RCPT_FAILED,
	    "RCPT TO:<a@example.net>: 550 5.1.1 no such user", &f), 0);
	assert_int_equal(envelope_rcpt_set(&x.env.env, 1, RCPT_DELIVERED, NULL,
	    &f), 0);
	assert_int_equal(envelope_rcpt_set(&x.env.env, 2, RCPT_FAILED,
	    "RCPT TO:<c@example.net>: 552 5.2.2 mailbox full", &f), 0);
	run(&x);
	assert_lines_sane(x.out, x.len);
	p1 = part(x.out, 1);
	assert_non_null(strstr(p1, "<a@example.net>\r\n    RCPT "
	    "TO:<a@example.net>: 550 5.1.1 no such user\r\n"));
	assert_non_null(strstr(p1, "<c@example.net>\r\n    RCPT "
	    "TO:<c@example.net>: 552 5.2.2 mailbox full\r\n"));
	assert_null(strstr(p1, "b@example.net"));
	assert_null(strstr(p1, "not the reason shown"));
	assert_non_null(strstr(p1, "Its other recipients got it."));
	p2 = part(x.out, 2);
	assert_int_equal(count(p2, "Final-Recipient: "), 2);
	assert_non_null(strstr(p2, "Final-Recipient: rfc822; a@example.net"
	    "\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: "
	    "smtp; 550 5.1.1 no such user\r\n"));
	assert_non_null(strstr(p2, "Final-Recipient: rfc822; c@example.net"
	    "\r\nAction: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: "
	    "smtp; 552 5.2.2 mailbox full\r\n"));
	assert_null(strstr(p2, "b@example.net"));
	free(p1);
	free(p2);
	done(&x);
}

static void
test_expired(void **state)
{
	struct fixture	 x;
	char		*p1, *p2;

	(void)state;
	setup_env(&x, "sender@example.org", "connect to smtp.example.org:465 "
	    "(192.0.2.1): Connection timed out", original,
	    sizeof(original) - 1);
	x.p.expired = 1;
	x.env.env.dsn_envid = strdup("envid+2Bx");
	run(&x);
	assert_lines_sane(x.out, x.len);
	p1 = part(x.out, 1);
	assert_non_null(strstr(p1, "longer than allowed"));
	assert_non_null(strstr(p1, "Connection timed out"));
	p2 = part(x.out, 2);
	assert_int_equal(count(p2, "\r\nStatus: 4.4.7\r\n"), 2);
	assert_null(strstr(p2, "Diagnostic-Code"));
	assert_non_null(strstr(p2, "\r\nOriginal-Envelope-Id: envid+2Bx\r\n"));
	free(p1);
	free(p2);
	done(&x);
}

/* Reply codes without an enhanced code, codes that are not codes. */
static void
test_status_and_diagnostic(void **state)
{
	static const struct {
		const char	*reason;
		int		 expired;
		const char	*status;
		const char	*diag;	/* NULL: no Diagnostic-Code */
	} cases[] = {
		{ "MAIL FROM: 550 no such sender", 0, "5.0.0",
		    "smtp; 550 no such sender" },
		{ "452-4.2.2 mailbox full", 1, "4.2.2",
		    "smtp; 452-4.2.2 mailbox full" },
		{ "DATA: 554 rejected (5.7.1).", 0, "5.7.1",
		    "smtp; 554 rejected (5.7.1)." },
		{ "host 10.5.1.1 said 5.1.10.2 nonsense", 0, "5.0.0", NULL },
		{ "smtp.example.org:550: refused", 0, "5.0.0", NULL },
		{ "TLS: certificate expired", 0, "5.0.0", NULL },
	};
	struct fixture	 x;
	char		*p2, want[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup_env(&x, "s@example.org", cases[i].reason, original,
		    sizeof(original) - 1);
		x.p.expired = cases[i].expired;
		run(&x);
		p2 = part(x.out, 2);
		snprintf(want, sizeof(want), "\r\nStatus: %s\r\n",
		    cases[i].status);
		assert_int_equal(count(p2, want), 2);
		if (cases[i].diag == NULL)
			assert_null(strstr(p2, "Diagnostic-Code"));
		else {
			snprintf(want, sizeof(want),
			    "\r\nDiagnostic-Code: %s\r\n", cases[i].diag);
			assert_int_equal(count(p2, want), 2);
		}
		free(p2);
		done(&x);
	}
}

/* A long reason with control and 8-bit bytes: folded, cut, escaped. */
static void
test_hostile_reason(void **state)
{
	struct fixture	 x;
	char		*reason, *p;
	size_t		 i, n = 6000;

	(void)state;
	reason = malloc(n + 1);
	assert_non_null(reason);
	memcpy(reason, "RCPT TO: 550 ", 13);
	for (i = 13; i < n; i++)
		reason[i] = i % 7 == 0 ? ' ' : "a\r\n\x1b\xc3\xa9x"[i % 7];
	/* A word far longer than a line. */
	memset(reason + 100, 'w', 2500);
	reason[n] = '\0';
	setup_env(&x, "s@example.org", reason, original, sizeof(original) - 1);
	run(&x);
	assert_lines_sane(x.out, x.len);
	for (i = 0; i < x.len; i++) {
		assert_true((unsigned char)x.out[i] < 0x80);
		assert_true(x.out[i] >= 0x20 || x.out[i] == '\r' ||
		    x.out[i] == '\n' || x.out[i] == '\t');
	}
	p = part(x.out, 2);
	assert_int_equal(count(p, "Diagnostic-Code: smtp; 550 "), 2);
	assert_non_null(strstr(p, "\\033"));
	assert_non_null(strstr(p, "\\303\\251"));
	free(p);
	free(reason);
	done(&x);
}

/* No body, a very long line, 8-bit bytes, more than the cap. */
static void
test_original_headers_only_and_cut(void **state)
{
	struct fixture	 x;
	char		*msg, *p3, *h;
	size_t		 i, len = 0, cap = 200000;

	(void)state;
	msg = malloc(cap);
	assert_non_null(msg);
	len += (size_t)snprintf(msg, cap, "Subject: caf\xc3\xa9\r\nX-Long: ");
	memset(msg + len, 'L', 3000);
	len += 3000;
	memcpy(msg + len, "\r\n", 2);
	len += 2;
	for (i = 0; len < 150000; i++)
		len += (size_t)snprintf(msg + len, cap - len,
		    "Received: from relay%zu.example.org by x\r\n", i);
	setup_env(&x, "s@example.org", "550 no", msg, len);
	run(&x);
	assert_lines_sane(x.out, x.len);
	h = top_header(x.out);
	assert_non_null(strstr(h, "Content-Transfer-Encoding: 8bit\r\n"));
	p3 = part(x.out, 3);
	assert_non_null(strstr(p3, "Content-Transfer-Encoding: 8bit\r\n"));
	assert_non_null(strstr(p3, "Subject: caf\xc3\xa9\r\n"));
	assert_non_null(strstr(p3, "Received: from relay0.example.org"));
	/* Cut under the cap, at a line end. */
	assert_true(strlen(p3) < 65536 + 200);
	assert_memory_equal(p3 + strlen(p3) - 3, "x\r\n", 3);
	assert_non_null(strstr(x.out, "(cut short)"));
	/* In words: escaped. */
	assert_non_null(strstr(x.out, "Subject: caf\\303\\251\r\n"));
	free(h);
	free(p3);
	free(msg);
	done(&x);
}

static void
test_write_error(void **state)
{
	struct fixture	 x;
	struct failure	 f;
	int		 fd;

	(void)state;
	setup_env(&x, "s@example.org", "550 no", original,
	    sizeof(original) - 1);
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd != -1);
	assert_int_equal(bounce_write(&x.p, fd, &f), -1);
	assert_int_equal(f.kind, FAIL_IO);
	close(fd);
	done(&x);
}

static void
test_bounce_wanted(void **state)
{
	static const struct {
		const char	*from;
		const char	*notify;
		int		 want;
	} cases[] = {
		{ "", NULL, 0 },
		{ "<>", NULL, 0 },
		{ "MAILER-DAEMON@x.example", NULL, 0 },
		{ "mailer-daemon@x.example", NULL, 0 },
		{ "\"MAILER-DAEMON\"@x.example", NULL, 0 },
		{ "owner-list@x.example", NULL, 0 },
		{ "list-request@x.example", NULL, 0 },
		{ "list-bounces+u=y.example@x.example", NULL, 0 },
		{ "bounces@x.example", NULL, 0 },
		{ "noreply@x.example", NULL, 0 },
		{ "No-Reply@x.example", NULL, 0 },
		{ "user@example.org", NULL, 1 },
		{ "root", NULL, 1 },
		{ "postmaster@example.org", NULL, 1 },
		{ "requester@example.org", NULL, 1 },
		{ "user@example.org", "NEVER", 0 },
		{ "user@example.org", "SUCCESS,DELAY", 0 },
		{ "user@example.org", "SUCCESS,failure", 1 },
		{ "user@example.org", "FAILURE", 1 },
	};
	struct queue_envelope	env;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&env, 0, sizeof(env));
		env.env.from = (char *)cases[i].from;
		env.env.dsn_notify = (char *)cases[i].notify;
		if (bounce_wanted(&env) != cases[i].want)
			print_error("bounce_wanted(%s, %s)\n", cases[i].from,
			    cases[i].notify ? cases[i].notify : "-");
		assert_int_equal(bounce_wanted(&env), cases[i].want);
	}
}

/*
 * bounce_prepare(): From MAILER-DAEMON at the account's domain (else this
 * host), the report's own envelope from the null sender to the sender,
 * with the same configuration and account, and the message rewound.
 */
static void
test_prepare(void **state)
{
	struct queue_envelope	env;
	struct bounce_report	r;
	struct failure		f;
	char			host[256], want[300];
	int			fd;

	(void)state;
	memset(&env, 0, sizeof(env));
	env.config = "/etc/postie.conf";
	env.account = "work";
	env.env.from = "sender@example.org";
	fd = file_with(original, sizeof(original) - 1);
	failure_clear(&f);
	assert_int_equal(bounce_prepare(&env, fd, "example.org", NULL, 1, &r,
	    &f), 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
	assert_string_equal(r.params.from_addr, "MAILER-DAEMON@example.org");
	assert_ptr_equal(r.params.env, &env);
	assert_int_equal(r.params.msg_fd, fd);
	assert_null(r.params.reason);
	assert_int_equal(r.params.expired, 1);
	assert_string_equal(r.env.env.from, "");
	assert_int_equal(r.env.env.rcpts.n, 1);
	assert_string_equal(r.env.env.rcpts.v[0], "sender@example.org");
	assert_string_equal(r.env.config, "/etc/postie.conf");
	assert_string_equal(r.env.account, "work");
	bounce_report_free(&r);

	assert_int_equal(bounce_prepare(&env, fd, NULL, "expired", 0, &r, &f),
	    0);
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	snprintf(want, sizeof(want), "MAILER-DAEMON@%s", host);
	assert_string_equal(r.params.from_addr, want);
	assert_string_equal(r.params.reporting_mta, host);
	assert_string_equal(r.params.reason, "expired");
	bounce_report_free(&r);
	close(fd);

	/* A message file that cannot be rewound: nothing to report from. */
	assert_int_equal(bounce_prepare(&env, -1, NULL, NULL, 0, &r, &f), -1);
	assert_int_equal(f.kind, FAIL_IO);
	bounce_report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_recipients_rejected),
		cmocka_unit_test(test_each_recipient_its_own),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_status_and_diagnostic),
		cmocka_unit_test(test_hostile_reason),
		cmocka_unit_test(test_original_headers_only_and_cut),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_bounce_wanted),
		cmocka_unit_test(test_prepare),
	};

	/* Dates in the report are local: make them known. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
