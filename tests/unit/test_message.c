/*
 * Unit tests for message: bytes in through a file or a pipe, bytes out
 * compared exactly, and what the pass learnt about the message.
 */
#define _XOPEN_SOURCE 700	/* strptime */

#include <errno.h>
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

#include <gnutls/gnutls.h>

#include "message.h"
#include "testlib.h"

/* After our headers: cmocka defines a fail() macro. */
#include <cmocka.h>

#define BLOCK 65536	/* message.c's read size */

struct result {
	int			 rc;
	struct failure		 f;
	struct message_info	 info;
	char			*out;
	size_t			 out_len;
};

static void
slurp(int fd, struct result *r)
{
	struct stat	st;
	ssize_t		n;
	size_t		got = 0;

	assert_int_equal(fstat(fd, &st), 0);
	r->out_len = (size_t)st.st_size;
	r->out = malloc(r->out_len + 1);
	assert_non_null(r->out);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while (got < r->out_len && (n = read(fd, r->out + got,
	    r->out_len - got)) > 0)
		got += (size_t)n;
	assert_int_equal(got, r->out_len);
	r->out[r->out_len] = '\0';
}

static void
run_fd(int in, const struct message_opts *o, struct result *r)
{
	struct message_info	init = MESSAGE_INFO_INIT;
	int			out;

	out = tmp_fd();
	r->info = init;
	failure_clear(&r->f);
	r->rc = message_read(in, out, o, &r->info, &r->f);
	slurp(out, r);
	close(out);
}

static void
run(const char *in, size_t len, int ignore_dots, int extract,
    struct result *r)
{
	struct message_opts	o;
	int			fd;

	memset(&o, 0, sizeof(o));
	o.ignore_dots = ignore_dots;
	o.extract_rcpts = extract;
	fd = tmp_fd();
	write_all(fd, in, len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	run_fd(fd, &o, r);
	close(fd);
}

static void
done(struct result *r)
{
	message_info_free(&r->info);
	free(r->out);
	r->out = NULL;
}

static void
expect(const char *in, int ignore_dots, const char *want)
{
	struct result	r;

	run(in, strlen(in), ignore_dots, 0, &r);
	if (r.rc != 0)
		fail_msg("%s", r.f.text);
	assert_int_equal(r.out_len, strlen(want));
	assert_memory_equal(r.out, want, r.out_len);
	assert_int_equal(r.info.size, (off_t)r.out_len);
	done(&r);
}

static void
expect_error(const char *in, size_t len, int extract, enum fail_kind kind,
    const char *text)
{
	struct result	r;

	run(in, len, 1, extract, &r);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.f.kind, kind);
	if (strstr(r.f.text, text) == NULL)
		fail_msg("want \"%s\" in \"%s\"", text, r.f.text);
	done(&r);
}

static void
assert_rcpts(const struct addrlist *l, const char *const *want)
{
	size_t	i;

	for (i = 0; want[i] != NULL; i++) {
		if (i >= l->n)
			fail_msg("only %zu recipients, want %s", l->n, want[i]);
		assert_string_equal(l->v[i], want[i]);
	}
	assert_int_equal(l->n, i);
}

static void
test_line_endings(void **state)
{
	(void)state;
	expect("To: a@x\nSubject: s\n\nbody\n",
	    1, "To: a@x\r\nSubject: s\r\n\r\nbody\r\n");
	expect("To: a@x\rSubject: s\r\rbody\r",
	    1, "To: a@x\r\nSubject: s\r\n\r\nbody\r\n");
	expect("To: a@x\r\nSubject: s\r\n\r\nbody\r\n",
	    1, "To: a@x\r\nSubject: s\r\n\r\nbody\r\n");
	/* PHP mail(): CRLF headers, LF body. */
	expect("To: a@x\r\nX-Mailer: PHP\r\n\r\nline 1\nline 2\n",
	    1, "To: a@x\r\nX-Mailer: PHP\r\n\r\nline 1\r\nline 2\r\n");
	/* CR CR LF is a bare CR, then CRLF; LF CR is two endings. */
	expect("S: x\n\na\r\r\nb\n\rc\n",
	    1, "S: x\r\n\r\na\r\n\r\nb\r\n\r\nc\r\n");
}

static void
test_missing_final_newline(void **state)
{
	(void)state;
	expect("S: x\n\nbody", 1, "S: x\r\n\r\nbody\r\n");
	expect("S: x\n\nbody\r", 1, "S: x\r\n\r\nbody\r\n");
	expect("S: x", 1, "S: x\r\n");
}

static void
test_header_only_and_empty(void **state)
{
	struct result	r;
	const char	in[] = "From: a@x\nDate: Mon, 1 Jan 2024 00:00 +0000\n";

	(void)state;
	expect("", 1, "");
	expect("", 0, "");
	run(in, strlen(in), 0, 0, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
	    "From: a@x\r\nDate: Mon, 1 Jan 2024 00:00 +0000\r\n");
	assert_true(r.info.has_from);
	assert_true(r.info.has_date);
	assert_false(r.info.has_message_id);
	done(&r);
}

static void
test_lone_dot(void **state)
{
	(void)state;
	expect("S: x\n\nbody\n.\nafter\n", 0, "S: x\r\n\r\nbody\r\n");
	expect("S: x\n\nbody\r\n.\r\nafter\r\n", 0, "S: x\r\n\r\nbody\r\n");
	expect("S: x\n\nbody\n.", 0, "S: x\r\n\r\nbody\r\n");
	expect("S: x\n\nbody\r.\rafter", 0, "S: x\r\n\r\nbody\r\n");
	expect(".\nS: x\n", 0, "");
	expect("S: x\n.\n\nbody\n", 0, "S: x\r\n");
	expect("S: x\n\nbody\n.\nafter\n", 1,
	    "S: x\r\n\r\nbody\r\n.\r\nafter\r\n");
	expect("S: x\n\nbody\n.", 1, "S: x\r\n\r\nbody\r\n.\r\n");
	/* Not lone dots; and stuffing is smtp's job, not ours. */
	expect("S: x\n\n..\n. \n.x\nx.\n", 0,
	    "S: x\r\n\r\n..\r\n. \r\n.x\r\nx.\r\n");
}

static void
test_nul(void **state)
{
	const char	in[] = "S: x\n\nline 3\nline\0 4\n";

	(void)state;
	expect_error(in, sizeof(in) - 1, 0, FAIL_DATA,
	    "line 4: the message holds a NUL byte");
	expect_error("\0", 1, 0, FAIL_DATA, "line 1: ");
}

static void
test_line_length(void **state)
{
	char		in[2100];
	char		want[2100];
	struct result	r;

	(void)state;
	memcpy(in, "S: x\n\n", 6);
	memset(in + 6, 'a', MESSAGE_LINE_MAX);
	memcpy(in + 6 + MESSAGE_LINE_MAX, "\n", 2);
	memcpy(want, "S: x\r\n\r\n", 8);
	memset(want + 8, 'a', MESSAGE_LINE_MAX);
	memcpy(want + 8 + MESSAGE_LINE_MAX, "\r\n", 3);
	expect(in, 1, want);
	/* 998 octets then CR LF: the CR is the line ending, not an octet. */
	memcpy(in + 6 + MESSAGE_LINE_MAX, "\r\n", 3);
	expect(in, 1, want);
	/* Without a final line ending too. */
	in[6 + MESSAGE_LINE_MAX] = '\0';
	expect(in, 1, want);
	memcpy(in + 6 + MESSAGE_LINE_MAX, "a\n", 3);
	expect_error(in, strlen(in), 0, FAIL_DATA,
	    "line 3 is longer than 998 octets (RFC 5322 2.1.1)");
	/* A long header line is refused the same way. */
	memset(in, 'h', 1200);
	memcpy(in, "X-Long: ", 8);
	run(in, 1200, 1, 0, &r);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.f.text,
	    "line 1 is longer than 998 octets (RFC 5322 2.1.1)");
	done(&r);
}

static void
test_bcc_removed(void **state)
{
	const char	in[] = "From: me@x\nBcc: hidden@x,\n  other@x,\n"
	    "\tmore@x\nTo: you@x\nbcc:\nSubject: s\n\nBcc: body@x\n";
	const char	want[] = "From: me@x\r\nTo: you@x\r\nSubject: s\r\n"
	    "\r\nBcc: body@x\r\n";
	const char *const rcpts[] = { "hidden@x", "other@x", "more@x",
	    "you@x", NULL };
	struct result	r;

	(void)state;
	expect(in, 1, want);
	run(in, strlen(in), 1, 1, &r);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, want);
	assert_rcpts(&r.info.rcpts, rcpts);
	done(&r);
}

static void
test_extract_rcpts(void **state)
{
	const char	in[] = "From: Me <me@x>\r\n"
	    "To: \"Doe, John\" <jd@x>, Team: a@x, b@x;,\r\n"
	    " root\r\n"
	    "CC: jd@X, (comment) c@x\r\n"
	    "Reply-To: not@x\r\n"
	    "X-To: nope@x\r\n"
	    "To: undisclosed-recipients:;\r\n"
	    "\r\nTo: body@x\r\n";
	const char *const want[] = { "jd@x", "a@x", "b@x", "root", "c@x",
	    NULL };
	struct result	r;

	(void)state;
	run(in, strlen(in), 1, 1, &r);
	if (r.rc != 0)
		fail_msg("%s", r.f.text);
	assert_rcpts(&r.info.rcpts, want);
	done(&r);
	/* Without -t, no recipients are collected. */
	run(in, strlen(in), 1, 0, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.info.rcpts.n, 0);
	done(&r);
}

static void
test_resent(void **state)
{
	const char	in[] = "Received: from a by b\n"
	    "Resent-From: fwd@x\n"
	    "Resent-To: new@x\n"
	    "Resent-Bcc: secret@x\n"
	    "Resent-Date: Tue, 2 Jan 2024 00:00 +0000\n"
	    "Received: from c by d\n"
	    "Resent-To: older@x\n"
	    "From: orig@x\n"
	    "To: first@x\n"
	    "Bcc: firstbcc@x\n"
	    "\nbody\n";
	const char	want[] = "Received: from a by b\r\n"
	    "Resent-From: fwd@x\r\n"
	    "Resent-To: new@x\r\n"
	    "Resent-Date: Tue, 2 Jan 2024 00:00 +0000\r\n"
	    "Received: from c by d\r\n"
	    "Resent-To: older@x\r\n"
	    "From: orig@x\r\n"
	    "To: first@x\r\n"
	    "\r\nbody\r\n";
	const char *const rcpts[] = { "new@x", "secret@x", NULL };
	struct result	r;

	(void)state;
	run(in, strlen(in), 1, 1, &r);
	if (r.rc != 0)
		fail_msg("%s", r.f.text);
	assert_string_equal(r.out, want);
	assert_rcpts(&r.info.rcpts, rcpts);
	assert_true(r.info.has_from);
	assert_false(r.info.has_date);
	done(&r);
}

/* A Resent- block without recipients leaves To/Cc/Bcc in charge. */
static void
test_resent_without_rcpts(void **state)
{
	const char	in[] = "Resent-From: fwd@x\nTo: a@x\n\n";
	const char *const rcpts[] = { "a@x", NULL };
	struct result	r;

	(void)state;
	run(in, strlen(in), 1, 1, &r);
	assert_int_equal(r.rc, 0);
	assert_rcpts(&r.info.rcpts, rcpts);
	done(&r);
}

static void
test_bad_address_list(void **state)
{
	const char	bad_to[] = "Subject: s\nTo: John Doe\n\n";
	const char	resent[] = "Resent-To: new@x\nTo: <broken\n\n";
	const char *const rcpts[] = { "new@x", NULL };
	struct result	r;

	(void)state;
	expect_error(bad_to, strlen(bad_to), 1, FAIL_DATA,
	    "line 2: To: a name without an address");
	/* Without -t the header is not ours to judge. */
	expect(bad_to, 1, "Subject: s\r\nTo: John Doe\r\n\r\n");
	/* With a Resent- block, To is not used, so not an error. */
	run(resent, strlen(resent), 1, 1, &r);
	if (r.rc != 0)
		fail_msg("%s", r.f.text);
	assert_rcpts(&r.info.rcpts, rcpts);
	done(&r);
}

static void
test_flags(void **state)
{
	const char	in[] = "FROM : a@x\nmessage-id: <1@x>\nDATE: now\n"
	    "\nplain ascii\n";
	const char	utf8[] = "Subject: s\n\nJ\xc3\xb6rg\n";
	const char	bcc8[] = "Bcc: J\xc3\xb6rg <j@x>\n\nascii\n";
	struct result	r;

	(void)state;
	run(in, strlen(in), 1, 0, &r);
	assert_int_equal(r.rc, 0);
	assert_true(r.info.has_from);
	assert_true(r.info.has_date);
	assert_true(r.info.has_message_id);
	assert_false(r.info.eight_bit);
	done(&r);
	run(utf8, strlen(utf8), 1, 0, &r);
	assert_true(r.info.eight_bit);
	assert_false(r.info.has_from);
	done(&r);
	/* The only 8-bit octets are in a header that is not sent. */
	run(bcc8, strlen(bcc8), 1, 0, &r);
	assert_false(r.info.eight_bit);
	done(&r);
}

static void
test_non_header_lines(void **state)
{
	(void)state;
	/* An mbox separator at the top is dropped. */
	expect("From me@x Mon Jan  1 00:00:00 2024\nSubject: s\n\nbody\n", 1,
	    "Subject: s\r\n\r\nbody\r\n");
	/* No header at all: an empty header block, then the body. */
	expect("hello\nworld\n", 1, "\r\nhello\r\nworld\r\n");
	expect(" indented\n", 1, "\r\n indented\r\n");
	/* A non-header line ends the header block. */
	expect("Subject: s\nnot a header\nX: y\n", 1,
	    "Subject: s\r\n\r\nnot a header\r\nX: y\r\n");
	expect("Subject: s\n: no name\n", 1, "Subject: s\r\n\r\n: no name\r\n");
	/* "From " later on is body text like any other. */
	expect("Subject: s\n\nFrom here\n", 1,
	    "Subject: s\r\n\r\nFrom here\r\n");
	/* Folded lines are kept as they are. */
	expect("Subject: a\n  b\n\tc\n\n", 1, "Subject: a\r\n  b\r\n\tc\r\n\r\n");
}

static void
test_field_cap(void **state)
{
	struct result	 r;
	char		*in;
	size_t		 len = 0, i;

	(void)state;
	in = malloc(MESSAGE_FIELD_MAX + 200);
	assert_non_null(in);
	len = (size_t)snprintf(in, 64, "X-Big: start\n");
	for (i = 0; len < MESSAGE_FIELD_MAX + 100; i++)
		len += (size_t)snprintf(in + len, 64, " %08zu\n", i);
	run(in, len, 1, 0, &r);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.f.kind, FAIL_DATA);
	assert_non_null(strstr(r.f.text, "the header field of line 1 is "
	    "longer than 65536 octets"));
	done(&r);
	free(in);
}

/* The obvious normaliser, to check the streaming one against. */
static size_t
reference(const char *in, size_t len, char *out)
{
	size_t	i, o = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '\r' || in[i] == '\n') {
			if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
				i++;
			out[o++] = '\r';
			out[o++] = '\n';
		} else
			out[o++] = in[i];
	}
	if (len > 0 && in[len - 1] != '\r' && in[len - 1] != '\n') {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

static void
compare_with_reference(const char *in, size_t len)
{
	struct result	 r;
	char		*want;
	size_t		 wlen;

	want = malloc(2 * len + 2);
	assert_non_null(want);
	wlen = reference(in, len, want);
	run(in, len, 1, 0, &r);
	if (r.rc != 0)
		fail_msg("%s", r.f.text);
	assert_int_equal(r.out_len, wlen);
	assert_memory_equal(r.out, want, wlen);
	assert_int_equal(r.info.size, (off_t)wlen);
	done(&r);
	free(want);
}

/* A CR that ends one read block, and its LF that starts the next. */
static void
test_block_boundary(void **state)
{
	static const char	 head[] = "Subject: boundary\n\n";
	char			*in;
	size_t			 size = 3 * BLOCK, shift, i;

	(void)state;
	in = malloc(size);
	assert_non_null(in);
	for (shift = 0; shift < 4; shift++) {
		memcpy(in, head, sizeof(head) - 1);
		for (i = sizeof(head) - 1; i < size; i++)
			in[i] = i % 80 == 79 ? '\n' : 'a' + i % 26;
		in[BLOCK - 2 + shift] = '\r';
		in[BLOCK - 1 + shift] = '\n';
		in[2 * BLOCK - 1] = '\r';
		in[2 * BLOCK] = '\r';
		in[2 * BLOCK + 1] = '\n';
		compare_with_reference(in, size);
	}
	free(in);
}

/* The lone dot split over two blocks still ends the message. */
static void
test_dot_at_boundary(void **state)
{
	struct result	 r;
	char		*in;
	size_t		 i;

	(void)state;
	in = malloc(BLOCK + 100);
	assert_non_null(in);
	memcpy(in, "S: x\n\n", 6);
	for (i = 6; i < BLOCK - 2; i++)
		in[i] = i % 50 == 0 ? '\n' : 'z';
	memcpy(in + BLOCK - 2, "\r.\r\nafter\n", 10);
	run(in, BLOCK + 8, 0, 0, &r);
	assert_int_equal(r.rc, 0);
	assert_true(r.out_len > 4);
	assert_memory_equal(r.out + r.out_len - 3, "z\r\n", 3);
	assert_null(strstr(r.out, "after"));
	done(&r);
	free(in);
}

/* Random bytes, with every ending mixed in, through many blocks. */
static void
test_random_against_reference(void **state)
{
	static const char	 alphabet[] = "ab.\r\n\r\n \xc3\t";
	char			*in;
	size_t			 size = 5 * BLOCK + 123, i, run_len = 0;
	uint32_t		 seed = 12345;

	(void)state;
	in = malloc(size);
	assert_non_null(in);
	memcpy(in, "S: r\n\n", 6);
	for (i = 6; i < size; i++) {
		seed = seed * 1103515245u + 12345u;
		in[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		run_len = in[i] == '\r' || in[i] == '\n' ? 0 : run_len + 1;
		if (run_len > 900)
			in[i] = '\n';
	}
	compare_with_reference(in, size);
	free(in);
}

/* 50 MB in constant memory: only the size is checked here. */
static void
test_large_message(void **state)
{
	struct message_opts	o;
	struct result		r;
	char			line[77];
	char			*block;
	size_t			i, lines, total = 50u * 1024 * 1024;
	int			fd;

	(void)state;
	memset(line, 'm', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	block = malloc(BLOCK * 2);
	assert_non_null(block);
	for (i = 0; i + sizeof(line) <= BLOCK * 2; i += sizeof(line))
		memcpy(block + i, line, sizeof(line));
	lines = i / sizeof(line);
	fd = tmp_fd();
	write_all(fd, "Subject: big\n\n", 14);
	for (i = 0; i * lines * sizeof(line) < total; i++)
		write_all(fd, block, lines * sizeof(line));
	lines *= i;
	free(block);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	memset(&o, 0, sizeof(o));
	run_fd(fd, &o, &r);
	close(fd);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.out_len, 16 + lines * (sizeof(line) + 1));
	assert_int_equal(r.info.size, (off_t)r.out_len);
	assert_true(r.out_len >= total);
	done(&r);
}

static void
test_pipe_input(void **state)
{
	struct message_opts	o;
	struct result		r;
	int			fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	write_all(fds[1], "To: a@x\n\nvia a pipe\n.\n", 22);
	close(fds[1]);
	memset(&o, 0, sizeof(o));
	o.extract_rcpts = 1;
	run_fd(fds[0], &o, &r);
	close(fds[0]);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "To: a@x\r\n\r\nvia a pipe\r\n");
	assert_int_equal(r.info.rcpts.n, 1);
	done(&r);
}

static void
test_io_errors(void **state)
{
	struct message_opts	o;
	struct message_info	info = MESSAGE_INFO_INIT;
	struct failure		f;
	int			in, dir;

	(void)state;
	memset(&o, 0, sizeof(o));
	failure_clear(&f);
	in = tmp_fd();
	write_all(in, "S: x\n\nbody\n", 11);
	assert_int_equal(lseek(in, 0, SEEK_SET), 0);
	assert_int_equal(message_read(in, -1, &o, &info, &f), -1);
	assert_int_equal(f.kind, FAIL_IO);
	assert_non_null(strstr(f.text, "cannot write the message"));
	close(in);
	dir = open("/", O_RDONLY);
	assert_true(dir != -1);
	failure_clear(&f);
	assert_int_equal(message_read(dir, -1, &o, &info, &f), -1);
	assert_int_equal(f.kind, FAIL_IO);
	assert_non_null(strstr(f.text, "cannot read the message"));
	close(dir);
	message_info_free(&info);
}

/* --- the options: fields added, dropped and rewritten ------------------ */

static void
run_opts(const char *in, const struct message_opts *o, struct result *r)
{
	int	fd;

	fd = tmp_fd();
	write_all(fd, in, strlen(in));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	run_fd(fd, o, r);
	close(fd);
}

/* want's "*" stands for any run of octets but CR and LF. */
static int
glob_match(const char *want, const char *got, size_t len)
{
	size_t	i = 0;

	for (; *want != '\0'; want++) {
		if (*want == '*') {
			while (i < len && got[i] != '\r' && got[i] != '\n')
				i++;
			continue;
		}
		if (i == len || got[i] != *want)
			return 0;
		i++;
	}
	return i == len;
}

static void
expect_opts(const char *in, const struct message_opts *o, const char *want)
{
	struct result	r;

	run_opts(in, o, &r);
	if (r.rc != 0)
		fail_msg("%s", r.f.text);
	if (!glob_match(want, r.out, r.out_len))
		fail_msg("want:\n%s\ngot:\n%s", want, r.out);
	assert_int_equal(r.info.size, (off_t)r.out_len);
	done(&r);
}

/* The value of the first "name: " line of out, in buf. */
static void
field_value(const char *out, const char *name, char *buf, size_t size)
{
	const char	*p, *e;
	size_t		 n = strlen(name);

	for (p = out; p != NULL && *p != '\0'; p = strstr(p, "\r\n"),
	    p = p != NULL ? p + 2 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ')
			break;
	if (p == NULL || *p == '\0')
		fail_msg("no %s: in %s", name, out);
	p += n + 2;
	e = strstr(p, "\r\n");
	assert_non_null(e);
	assert_true((size_t)(e - p) < size);
	memcpy(buf, p, (size_t)(e - p));
	buf[e - p] = '\0';
}

static void
opts_init(struct message_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ignore_dots = 1;
}

static void
test_add_date(void **state)
{
	struct message_opts	o;
	struct result		r;
	struct tm		tm;
	char			v[100], *end;
	time_t			t, now;
	const char		dated[] = "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
	    "\nbody\n";

	(void)state;
	opts_init(&o);
	o.add_date = 1;
	expect_opts("Subject: s\n\nbody\n", &o,
	    "Subject: s\r\nDate: *\r\n\r\nbody\r\n");
	/* Parsed back: RFC 5322 3.3 in the C locale, and now. */
	run_opts("Subject: s\n\nbody\n", &o, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.info.added, MESSAGE_ADDED_DATE);
	field_value(r.out, "Date", v, sizeof(v));
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S %z", &tm);
	if (end == NULL || *end != '\0')
		fail_msg("Date: %s does not parse", v);
	t = timegm(&tm) - tm.tm_gmtoff;
	now = time(NULL);
	assert_true(t <= now && t >= now - 5);
	done(&r);
	/* One there already: the message is left as it was. */
	expect_opts(dated, &o, "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	    "\r\nbody\r\n");
	o.add_date = 0;
	expect_opts("Subject: s\n\nbody\n", &o, "Subject: s\r\n\r\nbody\r\n");
}

static void
test_date_zone(void **state)
{
	struct message_opts	o;
	struct result		r;
	char			v[100], *old, *saved = NULL;
	static const struct {
		const char	*tz, *suffix;
	} zones[] = {
		{ "UTC0", " +0000" },
		{ "IST-5:30", " +0530" },
		{ "NST+3:30", " -0330" },
		{ "NPT-5:45", " +0545" },
	};
	size_t			i;

	(void)state;
	if ((old = getenv("TZ")) != NULL)
		saved = strdup(old);
	opts_init(&o);
	o.add_date = 1;
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		setenv("TZ", zones[i].tz, 1);
		tzset();
		run_opts("S: x\n", &o, &r);
		assert_int_equal(r.rc, 0);
		field_value(r.out, "Date", v, sizeof(v));
		if (strlen(v) < 6 ||
		    strcmp(v + strlen(v) - 6, zones[i].suffix) != 0)
			fail_msg("TZ=%s: Date: %s", zones[i].tz, v);
		done(&r);
	}
	if (saved != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

static void
check_msgid(const char *v)
{
	size_t	i;

	/* <YYYYMMDDhhmmss.16 hex digits@example.test> */
	assert_int_equal(strlen(v), 1 + 14 + 1 + 16 + 14);
	assert_int_equal(v[0], '<');
	for (i = 1; i < 15; i++)
		assert_true(v[i] >= '0' && v[i] <= '9');
	assert_int_equal(v[15], '.');
	for (i = 16; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", v[i]));
	assert_string_equal(v + 32, "@example.test>");
}

static void
test_add_msgid(void **state)
{
	struct message_opts	o;
	struct result		r;
	char			a[100], b[100];

	(void)state;
	opts_init(&o);
	o.msgid_domain = "example.test";
	expect_opts("S: x\n\nbody\n", &o, "S: x\r\nMessage-ID: *\r\n\r\n"
	    "body\r\n");
	run_opts("S: x\n\nbody\n", &o, &r);
	assert_int_equal(r.info.added, MESSAGE_ADDED_MSGID);
	field_value(r.out, "Message-ID", a, sizeof(a));
	done(&r);
	run_opts("S: x\n\nbody\n", &o, &r);
	field_value(r.out, "Message-ID", b, sizeof(b));
	done(&r);
	check_msgid(a);
	check_msgid(b);
	assert_string_not_equal(a, b);
	/* Any case of the name counts as one. */
	expect_opts("message-id: <x@y>\n\nbody\n", &o,
	    "message-id: <x@y>\r\n\r\nbody\r\n");
	o.msgid_domain = "";
	expect_opts("S: x\n\nbody\n", &o, "S: x\r\n\r\nbody\r\n");
	o.msgid_domain = NULL;
	expect_opts("S: x\n\nbody\n", &o, "S: x\r\n\r\nbody\r\n");
}

static void
expect_from(const char *name, const char *want)
{
	struct message_opts	o;
	struct result		r;
	char			v[200];

	opts_init(&o);
	o.from_addr = "root@example.test";
	o.from_name = name;
	run_opts("S: x\n\nbody\n", &o, &r);
	if (r.rc != 0)
		fail_msg("%s", r.f.text);
	assert_int_equal(r.info.added, MESSAGE_ADDED_FROM);
	field_value(r.out, "From", v, sizeof(v));
	assert_string_equal(v, want);
	assert_false(r.info.eight_bit);
	done(&r);
}

static void
test_add_from(void **state)
{
	struct message_opts	o;

	(void)state;
	expect_from("CronDaemon", "CronDaemon <root@example.test>");
	expect_from("Cron Daemon", "Cron Daemon <root@example.test>");
	expect_from(NULL, "root@example.test");
	expect_from("", "root@example.test");
	expect_from(" \t", "root@example.test");
	expect_from("Doe, John", "\"Doe, John\" <root@example.test>");
	expect_from("John Q. Public", "\"John Q. Public\" <root@example.test>");
	expect_from("a \"b\" \\c", "\"a \\\"b\\\" \\\\c\" <root@example.test>");
	expect_from("two  spaces", "\"two  spaces\" <root@example.test>");
	expect_from("=?x?=", "\"=?x?=\" <root@example.test>");
	/* A -F argument cannot start a new header line. */
	expect_from("x\r\nBcc: y", "\"x  Bcc: y\" <root@example.test>");
	expect_from("J\xc3\xbcrgen",
	    "=?UTF-8?B?SsO8cmdlbg==?= <root@example.test>");

	opts_init(&o);
	o.from_addr = "root@example.test";
	o.from_name = "CronDaemon";
	expect_opts("S: x\n\nbody\n", &o, "S: x\r\nFrom: CronDaemon "
	    "<root@example.test>\r\n\r\nbody\r\n");
	/* The message's own From wins, unless replace_from. */
	expect_opts("FROM: me@x\n\nbody\n", &o, "FROM: me@x\r\n\r\nbody\r\n");
	o.replace_from = 1;
	expect_opts("S: x\nFROM: me@x\n (folded)\nT: y\n\nbody\n", &o,
	    "S: x\r\nT: y\r\nFrom: CronDaemon <root@example.test>\r\n\r\n"
	    "body\r\n");
	/* No sender, nothing to add or replace with. */
	o.from_addr = "";
	expect_opts("From: me@x\n\nbody\n", &o, "From: me@x\r\n\r\nbody\r\n");
	o.from_addr = NULL;
	expect_opts("S: x\n\nbody\n", &o, "S: x\r\n\r\nbody\r\n");
}

/*
 * A long UTF-8 name: folded into encoded-words of at most 75 characters,
 * lines of at most 76, each word whole characters, the whole decoding
 * back to the name.
 */
static void
test_from_encoded_long(void **state)
{
	struct message_opts	o;
	struct result		r;
	char			name[400], got[400];
	const char		*p, *e, *w;
	gnutls_datum_t		in, out;
	size_t			n = 0, words = 0;

	(void)state;
	while (n + 3 < 300) {
		memcpy(name + n, n % 7 == 0 ? "a" : "\xe2\x98\x83", 1 +
		    2 * (n % 7 != 0));
		n += n % 7 == 0 ? 1 : 3;
	}
	name[n] = '\0';
	opts_init(&o);
	o.from_addr = "x@example.test";
	o.from_name = name;
	run_opts("S: x\n\nbody\n", &o, &r);
	assert_int_equal(r.rc, 0);
	p = strstr(r.out, "From: ");
	assert_non_null(p);
	got[0] = '\0';
	for (;;) {
		e = strstr(p, "\r\n");
		assert_true(e - p <= 76);
		w = strstr(p, "=?UTF-8?B?");
		if (w == NULL || w > e)
			break;
		p = strstr(w, "?=");
		assert_true(p - w + 2 <= 75);
		in.data = (unsigned char *)(uintptr_t)(w + 10);
		in.size = (unsigned)(p - w - 10);
		assert_int_equal(gnutls_base64_decode2(&in, &out), 0);
		/* Whole characters: no word starts with a continuation. */
		assert_true((out.data[0] & 0xc0) != 0x80);
		strncat(got, (char *)out.data, out.size);
		gnutls_free(out.data);
		words++;
		p = e + 2;
		if (*p != ' ')
			break;
	}
	assert_true(words > 2);
	assert_string_equal(got, name);
	assert_non_null(strstr(r.out, "?= <x@example.test>\r\n\r\nbody\r\n"));
	done(&r);
}

static void
test_keep_bcc(void **state)
{
	const char		in[] = "To: a@x\nBcc: b@x,\n c@x\n"
	    "X: y\n\nbody\n";
	const char *const	rcpts[] = { "a@x", "b@x", "c@x", NULL };
	struct message_opts	o;
	struct result		r;

	(void)state;
	opts_init(&o);
	o.extract_rcpts = 1;
	expect_opts(in, &o, "To: a@x\r\nX: y\r\n\r\nbody\r\n");
	expect_opts("Resent-Bcc: d@x\n\nbody\n", &o, "\r\nbody\r\n");
	o.keep_bcc = 1;
	expect_opts(in, &o, "To: a@x\r\nBcc: b@x,\r\n c@x\r\n"
	    "X: y\r\n\r\nbody\r\n");
	expect_opts("Resent-Bcc: d@x\n\nbody\n", &o,
	    "Resent-Bcc: d@x\r\n\r\nbody\r\n");
	run_opts(in, &o, &r);
	assert_int_equal(r.rc, 0);
	assert_rcpts(&r.info.rcpts, rcpts);
	done(&r);
}

static void
test_undisclosed(void **state)
{
	const char		in[] = "From: me@x\nTo: a@x,\n b@x\ncc: c@x\n"
	    "Bcc: d@x\nResent-To: e@x\nSubject: s\n\nTo: body@x\n";
	const char *const	rcpts[] = { "e@x", NULL };
	const char *const	plain[] = { "a@x", "b@x", "c@x", "d@x", NULL };
	struct message_opts	o;
	struct result		r;

	(void)state;
	opts_init(&o);
	o.undisclosed = 1;
	o.keep_bcc = 1;
	o.extract_rcpts = 1;
	expect_opts(in, &o, "From: me@x\r\nResent-To: e@x\r\nSubject: s\r\n"
	    "To: undisclosed-recipients:;\r\n\r\nTo: body@x\r\n");
	/* -t reads the fields that were dropped (here the Resent- block's). */
	run_opts(in, &o, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.info.added, MESSAGE_ADDED_TO);
	assert_rcpts(&r.info.rcpts, rcpts);
	done(&r);
	run_opts("To: a@x,\n b@x\ncc: c@x\nBcc: d@x\n\nx\n", &o, &r);
	assert_int_equal(r.rc, 0);
	assert_rcpts(&r.info.rcpts, plain);
	assert_string_equal(r.out, "To: undisclosed-recipients:;\r\n\r\n"
	    "x\r\n");
	done(&r);
}

static void
expect_rewrite(const char *in, const char *want, int n)
{
	struct message_opts	o;
	struct result		r;

	opts_init(&o);
	o.rewrite_domain = "example.test";
	run_opts(in, &o, &r);
	if (r.rc != 0)
		fail_msg("%s", r.f.text);
	if (r.out_len != strlen(want) || memcmp(r.out, want, r.out_len) != 0)
		fail_msg("want:\n%s\ngot:\n%s", want, r.out);
	assert_int_equal(r.info.rewritten, n);
	assert_int_equal(r.info.size, (off_t)r.out_len);
	done(&r);
}

static void
test_rewrite_domain(void **state)
{
	struct message_opts	o;
	char			in[1200], want[1200];

	(void)state;
	expect_rewrite("To: root, Bob <bob>, x@y, \"q r\" <q>, (c) root2\n"
	    "\nbody root\n",
	    "To: root@example.test, Bob <bob@example.test>, x@y, "
	    "\"q r\" <q@example.test>, (c) root2@example.test\r\n"
	    "\r\nbody root\r\n", 4);
	expect_rewrite("Cc: Root User <root>,\n\t(the admin) admin (x),\n"
	    " \"odd \\\" , <name>\"\n  <odd> ,\n\n",
	    "Cc: Root User <root@example.test>,\r\n"
	    "\t(the admin) admin@example.test (x),\r\n"
	    " \"odd \\\" , <name>\"\r\n  <odd@example.test> ,\r\n\r\n", 3);
	expect_rewrite("From: root (Cron Daemon)\nSender: a.b\n"
	    "Reply-To: \"x y\"\nRESENT-FROM: <root>\n"
	    "Resent-Sender: r\nResent-To: t\nResent-Cc: c\n"
	    "Resent-Reply-To: rr\nSubject: root\nX-To: root\n\n",
	    "From: root@example.test (Cron Daemon)\r\n"
	    "Sender: a.b@example.test\r\n"
	    "Reply-To: \"x y\"@example.test\r\n"
	    "RESENT-FROM: <root@example.test>\r\n"
	    "Resent-Sender: r@example.test\r\n"
	    "Resent-To: t@example.test\r\nResent-Cc: c@example.test\r\n"
	    "Resent-Reply-To: rr@example.test\r\n"
	    "Subject: root\r\nX-To: root\r\n\r\n", 8);
	/* Groups, empty elements, routes, literals. */
	expect_rewrite("To: friends: root, x@y;, undisclosed-recipients:;,"
	    " ,a\n\n",
	    "To: friends: root@example.test, x@y;, "
	    "undisclosed-recipients:;, ,a@example.test\r\n\r\n", 2);
	expect_rewrite("To: <@relay.x:root>, <@r:u@[1.2.3.4]>, <>\n\n",
	    "To: <@relay.x:root@example.test>, <@r:u@[1.2.3.4]>, <>\r\n\r\n",
	    1);
	expect_rewrite("To: =?UTF-8?B?SsO8cmdlbg==?= <j>, J\xc3\xbcrgen <k>\n"
	    "\n", "To: =?UTF-8?B?SsO8cmdlbg==?= <j@example.test>, "
	    "J\xc3\xbcrgen <k@example.test>\r\n\r\n", 2);
	/* What does not parse stays as it was, byte for byte. */
	expect_rewrite("To: John Doe\n\n", "To: John Doe\r\n\r\n", 0);
	expect_rewrite("To: root, \"open\n\n", "To: root, \"open\r\n\r\n", 0);
	expect_rewrite("To: root (open\n\n", "To: root (open\r\n\r\n", 0);
	expect_rewrite("To: <root\n\n", "To: <root\r\n\r\n", 0);
	expect_rewrite("To: root>\n\n", "To: root>\r\n\r\n", 0);
	expect_rewrite("To: a; b\n\n", "To: a; b\r\n\r\n", 0);
	expect_rewrite("To: g: a\n\n", "To: g: a@example.test\r\n\r\n", 1);
	expect_rewrite("To: [1.2.3.4]\n\n", "To: [1.2.3.4]\r\n\r\n", 0);
	expect_rewrite("To: <a> b\n\n", "To: <a> b\r\n\r\n", 0);
	expect_rewrite("To:\n\n", "To:\r\n\r\n", 0);
	/* A line that would pass 998 octets is left alone: 998 - 13
	 * octets grow to 998, one more would not fit. */
	memset(in, 'r', sizeof(in));
	memcpy(in, "To: ", 4);
	memcpy(in + 985, "\n\n", 3);
	memcpy(want, in, 985);
	strlcpy(want + 985, "@example.test\r\n\r\n", sizeof(want) - 985);
	expect_rewrite(in, want, 1);
	memset(in, 'r', sizeof(in));
	memcpy(in, "To: ", 4);
	memcpy(in + 986, "\n\n", 3);
	memcpy(want, in, 986);
	strlcpy(want + 986, "\r\n\r\n", sizeof(want) - 986);
	expect_rewrite(in, want, 0);
	/* Off: nothing changes. */
	opts_init(&o);
	expect_opts("To: root\n\n", &o, "To: root\r\n\r\n");
	/* An added From is qualified too. */
	o.rewrite_domain = "example.test";
	o.from_addr = "root";
	o.from_name = "CronDaemon";
	expect_opts("To: root\n\n", &o, "To: root@example.test\r\n"
	    "From: CronDaemon <root@example.test>\r\n\r\n");
}

/* -t takes bare names as they are; qualifying them is the caller's. */
static void
test_rewrite_rcpts(void **state)
{
	const char *const	rcpts[] = { "root", "bob", NULL };
	struct message_opts	o;
	struct result		r;

	(void)state;
	opts_init(&o);
	o.rewrite_domain = "example.test";
	o.extract_rcpts = 1;
	run_opts("To: root, Bob <bob>\n\nx\n", &o, &r);
	assert_int_equal(r.rc, 0);
	assert_rcpts(&r.info.rcpts, rcpts);
	assert_string_equal(r.out, "To: root@example.test, "
	    "Bob <bob@example.test>\r\n\r\nx\r\n");
	done(&r);
}

static void
all_on(struct message_opts *o)
{
	opts_init(o);
	o->add_date = 1;
	o->msgid_domain = "example.test";
	o->from_addr = "me@example.test";
	o->from_name = "Me";
}

#define ADDED "Date: *\r\nMessage-ID: *\r\nFrom: Me <me@example.test>\r\n"

/* Where the header block ends, in each of its shapes. */
static void
test_added_placement(void **state)
{
	struct message_opts	o;
	struct result		r;

	(void)state;
	all_on(&o);
	/* Headers only, with and without the last line ending. */
	expect_opts("Subject: s\n", &o, "Subject: s\r\n" ADDED);
	expect_opts("Subject: s\n folded", &o, "Subject: s\r\n folded\r\n"
	    ADDED);
	/* No headers at all: ours, then the empty line. */
	expect_opts("body\n", &o, ADDED "\r\nbody\r\n");
	expect_opts("\nbody\n", &o, ADDED "\r\nbody\r\n");
	expect_opts("", &o, ADDED);
	/* A line that is no header ends the block: ours go before the
	 * empty line that is put in front of it. */
	expect_opts("Subject: s\nnot a header\n", &o,
	    "Subject: s\r\n" ADDED "\r\nnot a header\r\n");
	/* The mbox line goes, ours come after the real headers. */
	expect_opts("From me Sat Nov 28 17:30:00 2026\nSubject: s\n\nb\n", &o,
	    "Subject: s\r\n" ADDED "\r\nb\r\n");
	/* The lone dot ends a message that is headers only. */
	o.ignore_dots = 0;
	expect_opts("Subject: s\n.\nmore\n", &o, "Subject: s\r\n" ADDED);
	o.ignore_dots = 1;
	/* All three present: byte for byte as it came. */
	expect_opts("date: d\nFrom: x@y\nMESSAGE-ID: <m@y>\n\nbody\n", &o,
	    "date: d\r\nFrom: x@y\r\nMESSAGE-ID: <m@y>\r\n\r\nbody\r\n");
	run_opts("Subject: s\n\nbody\n", &o, &r);
	assert_int_equal(r.info.added, MESSAGE_ADDED_DATE |
	    MESSAGE_ADDED_MSGID | MESSAGE_ADDED_FROM);
	assert_false(r.info.has_from);
	done(&r);
	/* "From:" in the body is not the message's From. */
	expect_opts("S: x\n\nFrom: body@x\n", &o, "S: x\r\n" ADDED
	    "\r\nFrom: body@x\r\n");
	/* The limits still hold, with the line named. */
	expect_error("S: x\n\nok\nb\0d\n", 12, 0, FAIL_DATA, "line 4");
}

/* Each option off leaves the output exactly as the plain pass makes it. */
static void
test_options_off(void **state)
{
	const char		in[] = "From: root\nTo: a, <b>\nCc: c@x\n"
	    "Bcc: d@x\n\nbody\n";
	struct message_opts	o;
	struct result		r;

	(void)state;
	opts_init(&o);
	expect_opts(in, &o, "From: root\r\nTo: a, <b>\r\nCc: c@x\r\n\r\n"
	    "body\r\n");
	run_opts(in, &o, &r);
	assert_int_equal(r.info.added, 0);
	assert_int_equal(r.info.rewritten, 0);
	done(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_missing_final_newline),
		cmocka_unit_test(test_header_only_and_empty),
		cmocka_unit_test(test_lone_dot),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_bcc_removed),
		cmocka_unit_test(test_extract_rcpts),
		cmocka_unit_test(test_resent),
		cmocka_unit_test(test_resent_without_rcpts),
		cmocka_unit_test(test_bad_address_list),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_non_header_lines),
		cmocka_unit_test(test_field_cap),
		cmocka_unit_test(test_block_boundary),
		cmocka_unit_test(test_dot_at_boundary),
		cmocka_unit_test(test_random_against_reference),
		cmocka_unit_test(test_large_message),
		cmocka_unit_test(test_pipe_input),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_add_date),
		cmocka_unit_test(test_date_zone),
		cmocka_unit_test(test_add_msgid),
		cmocka_unit_test(test_add_from),
		cmocka_unit_test(test_from_encoded_long),
		cmocka_unit_test(test_keep_bcc),
		cmocka_unit_test(test_undisclosed),
		cmocka_unit_test(test_rewrite_domain),
		cmocka_unit_test(test_rewrite_rcpts),
		cmocka_unit_test(test_added_placement),
		cmocka_unit_test(test_options_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
