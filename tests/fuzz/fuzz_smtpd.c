/*
 * fuzz_smtpd: the -bs server (smtpd_run) reading any bytes from its
 * caller. The first input byte chooses a SIZE limit and whether the
 * accept callback takes the message, defers it or refuses it.
 * Properties: every message handed over has a recipient, a sender
 * without CR or LF, the size it says, and content of lines ending with
 * CRLF, none over 998 octets, no NUL; every line written back is an SMTP reply
 * (smtp_reply_line_parse) ending with CRLF.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "smtp.h"
#include "smtpd.h"

#define O_MAX_SIZE	0x01
#define O_DEFER		0x02
#define O_REFUSE	0x04

static struct buf	content;

static int
accept_msg(void *arg, const struct smtpd_message *m, struct failure *f)
{
	int	flags = *(int *)arg;
	size_t	i, col = 0;

	FUZZ_CHECK(m->env.from != NULL && strpbrk(m->env.from, "\r\n") == NULL);
	FUZZ_CHECK(m->env.rcpts.n > 0);
	for (i = 0; i < m->env.rcpts.n; i++)
		FUZZ_CHECK(strpbrk(m->env.rcpts.v[i], "\r\n") == NULL);
	fuzz_slurp(m->fd, &content);
	FUZZ_CHECK((off_t)content.len == m->env.size);
	/* A bare CR is a byte of its line here; message_read() makes it a
	 * line ending on the way into the queue. */
	for (i = 0; i < content.len; i++) {
		FUZZ_CHECK(content.data[i] != '\0');
		if (content.data[i] == '\n') {
			FUZZ_CHECK(i > 0 && content.data[i - 1] == '\r');
			FUZZ_CHECK(col <= 998 + 1);	/* and the CR */
			col = 0;
		} else
			col++;
	}
	FUZZ_CHECK(col == 0);
	if (flags & O_DEFER)
		return fail(f, FAIL_TEMPFAIL, "try later");
	if (flags & O_REFUSE)
		return fail(f, FAIL_DATA, "no");
	return 0;
}

static void
check_replies(const struct buf *out)
{
	const char	*p = out->data, *end = out->data + out->len, *lf;
	const char	*text;
	size_t		 tlen;
	int		 code, more;

	while (p < end) {
		lf = memchr(p, '\n', (size_t)(end - p));
		FUZZ_CHECK(lf != NULL && lf > p && lf[-1] == '\r');
		FUZZ_CHECK(smtp_reply_line_parse(p, (size_t)(lf - 1 - p), &code,
		    &more, &text, &tlen) == 0);
		p = lf + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct smtpd_params	 p;
	struct failure		 f;
	struct buf		 out = BUF_INIT;
	int			 flags;

	if (n == 0)
		return 0;
	flags = data[0];
	memset(&p, 0, sizeof(p));
	p.in_fd = fuzz_file(0, data + 1, n - 1);
	p.out_fd = fuzz_file(1, "", 0);
	p.hostname = "fuzz.example.test";
	p.max_size = flags & O_MAX_SIZE ? 100 : 0;
	p.timeout_sec = 1;
	p.tmpdir = fuzz_tmpdir();
	p.accept = accept_msg;
	p.arg = &flags;
	if (smtpd_run(&p, &f) == -1)
		FUZZ_CHECK(f.kind != FAIL_NONE && f.kind != FAIL_SOFTWARE);
	fuzz_slurp(p.out_fd, &out);
	check_replies(&out);
	buf_free(&out, 0);
	return 0;
}
