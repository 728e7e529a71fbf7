/*
 * Unit tests for message: bytes in through a file or a pipe, bytes out
 * compared exactly, and what the pass learnt about the message.
 */
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
#include <unistd.h>

#include "message.h"

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

static int
tmp_fd(void)
{
	char	path[] = "/tmp/test_message.XXXXXX";
	int	fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	unlink(path);
	return fd;
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(fd, p, n);
		assert_true(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
