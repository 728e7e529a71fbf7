/*
 * fuzz_data: the line-ending and dot-stuffing encoder, end to end. The
 * input (after a first byte: bit 0 is -i) is a message body read by
 * message_read() as standard input, then sent by smtp_send() over a
 * real conn to a well-behaved scripted server (peer in fuzz.h), which
 * decodes DATA as RFC 5321 4.5.2 says.
 *
 * Properties: the stream after the 354 holds no bare CR or LF, and no
 * line that is a lone "." before its end; decoded, it equals the input
 * normalised to CRLF (CR, LF and CRLF each end a line, a last line gets
 * its CRLF, without -i a lone "." line ends the input). The streaming
 * stuffer (smtp_dotstuff) gives the same bytes however its input is cut.
 * To a server offering CHUNKING the same message goes as one "BDAT n
 * LAST" whose n octets are exactly the normalised input, not stuffed,
 * and only QUIT follows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "conn.h"
#include "fuzz.h"
#include "message.h"
#include "smtp.h"

#define GREETING	"220 mx.example.test ESMTP\r\n"
#define EHLO_REPLY	"250-mx.example.test\r\n250-PIPELINING\r\n" \
	"250-8BITMIME\r\n250 SIZE 100000000\r\n"
#define ENVELOPE_REPLY	"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n"
#define QUEUED		"250 2.0.0 Ok: queued\r\n"
#define EHLO_CHUNKING	"250-mx.example.test\r\n250-PIPELINING\r\n" \
	"250-CHUNKING\r\n250 8BITMIME\r\n"
/* MAIL, RCPT and the one BDAT LAST of a message up to 64 KiB together. */
#define BDAT_REPLY	"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" QUEUED
#define BDAT_EARLY	65536
#define BYE		"221 2.0.0 Bye\r\n"

/* The input as message_read() should leave it; "\r\n" first: the
 * empty header block put in front of the body. */
static void
normalise(const uint8_t *in, size_t n, int ignore_dots, struct buf *out)
{
	size_t	i, start = 0;

	buf_reset(out);
	FUZZ_CHECK(buf_append(out, "\r\n", 2) == 0);
	for (i = 0; i <= n; i++) {
		if (i < n && in[i] != '\r' && in[i] != '\n')
			continue;
		if (i == n && start == n)
			break;
		if (!ignore_dots && i - start == 1 && in[start] == '.')
			break;
		FUZZ_CHECK(buf_append(out, in + start, i - start) == 0 &&
		    buf_append(out, "\r\n", 2) == 0);
		if (i + 1 < n && in[i] == '\r' && in[i + 1] == '\n')
			i++;
		start = i + 1;
	}
}

/* RFC 5321 4.5.2 at the server: the content of DATA, unstuffed. */
static void
decode(const struct buf *sent, struct buf *out)
{
	const char	*p, *end = sent->data + sent->len, *eol;

	buf_reset(out);
	p = strstr(sent->data, "\r\nDATA\r\n");
	FUZZ_CHECK(p != NULL);
	for (p += 8; p < end; p = eol + 2) {
		eol = memchr(p, '\n', (size_t)(end - p));
		FUZZ_CHECK(eol != NULL && eol > p && eol[-1] == '\r');
		eol--;
		FUZZ_CHECK(memchr(p, '\r', (size_t)(eol - p)) == NULL);
		if (eol - p == 1 && *p == '.')
			break;
		if (*p == '.')
			p++;
		FUZZ_CHECK(buf_append(out, p, (size_t)(eol - p)) == 0 &&
		    buf_append(out, "\r\n", 2) == 0);
	}
	FUZZ_CHECK(p < end);
	/* Only QUIT may follow the end of the data. */
	FUZZ_CHECK(strcmp(eol + 2, "QUIT\r\n") == 0);
}

/* The BDAT the client sent: "BDAT n LAST", n octets, then only QUIT. */
static void
check_bdat(const struct buf *sent, const struct buf *want)
{
	const char	*p, *end = sent->data + sent->len;
	char		 line[64];

	p = strstr(sent->data, "\r\nBDAT ");
	FUZZ_CHECK(p != NULL);
	p += 2;
	snprintf(line, sizeof(line), "BDAT %zu LAST\r\n", want->len);
	FUZZ_CHECK((size_t)(end - p) >= strlen(line) &&
	    memcmp(p, line, strlen(line)) == 0);
	p += strlen(line);
	FUZZ_CHECK((size_t)(end - p) == want->len + 6 &&
	    memcmp(p, want->data, want->len) == 0 &&
	    memcmp(p + want->len, "QUIT\r\n", 6) == 0);
}

static int
send_message(int fd, int chunking)
{
	static const struct peer_chunk	 data_script[] = {
		{ GREETING, sizeof(GREETING) - 1 },
		{ EHLO_REPLY, sizeof(EHLO_REPLY) - 1 },
		{ ENVELOPE_REPLY, sizeof(ENVELOPE_REPLY) - 1 },
		{ QUEUED, sizeof(QUEUED) - 1 },
		{ BYE, sizeof(BYE) - 1 },
	};
	static const struct peer_chunk	 bdat_script[] = {
		{ GREETING, sizeof(GREETING) - 1 },
		{ EHLO_CHUNKING, sizeof(EHLO_CHUNKING) - 1 },
		{ BDAT_REPLY, sizeof(BDAT_REPLY) - 1 },
		{ BYE, sizeof(BYE) - 1 },
	};
	struct smtp_params		 p;
	struct envelope		 env;
	struct smtp_rcpt_result		 res[1];
	struct addrlist			 rcpts = ADDRLIST_INIT;
	struct smtp_session		*s;
	struct conn			*c;
	struct failure			 f;
	int				 rc;

	memset(&p, 0, sizeof(p));
	p.helo_name = "client.example.test";
	p.chunking = chunking;
	memset(&env, 0, sizeof(env));
	FUZZ_CHECK(addrlist_add(&rcpts, "bob@example.test", &f) == 0);
	env.from = "alice@example.test";
	env.rcpts = rcpts;
	if (chunking)
		peer_connect(bdat_script, POSTIE_NELEM(bdat_script), &c);
	else
		peer_connect(data_script, POSTIE_NELEM(data_script), &c);
	FUZZ_CHECK(smtp_open(c, &p, &s, &f) == 0);
	rc = smtp_send(s, &env, fd, res, &f);
	smtp_close(s);
	peer_close();
	conn_close(c);
	addrlist_free(&rcpts);
	return rc;
}

/* The stuffer cut at every stride-th byte equals the stuffer in one go. */
static void
check_cuts(const struct buf *text, size_t stride)
{
	struct buf	whole = BUF_INIT, cut = BUF_INIT;
	size_t		i, k;
	int		bol = 1;

	FUZZ_CHECK(smtp_dotstuff(&bol, text->data, text->len, &whole) == 0);
	bol = 1;
	for (i = 0; i < text->len; i += k) {
		k = text->len - i < stride ? text->len - i : stride;
		FUZZ_CHECK(smtp_dotstuff(&bol, text->data + i, k, &cut) == 0);
	}
	FUZZ_CHECK(whole.len == cut.len &&
	    memcmp(whole.data, cut.data, whole.len) == 0);
	buf_free(&whole, 0);
	buf_free(&cut, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct message_opts	 o;
	struct message_info	 info = MESSAGE_INFO_INIT;
	struct failure		 f;
	struct buf		 in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	int			 fd, msg;

	if (n == 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.ignore_dots = data[0] & 1;
	FUZZ_CHECK(buf_append(&in, "\n", 1) == 0 &&
	    buf_append(&in, data + 1, n - 1) == 0);
	fd = fuzz_file(1, in.data, in.len);
	msg = fuzz_file(2, "", 0);
	if (message_read(fd, msg, &o, &info, &f) == 0) {
		normalise(data + 1, n - 1, o.ignore_dots, &want);
		check_cuts(&want, 1 + data[0] / 2 % 7);
		FUZZ_CHECK(lseek(msg, 0, SEEK_SET) == 0);
		FUZZ_CHECK(send_message(msg, 0) == 0);
		decode(peer_received(), &got);
		FUZZ_CHECK(got.len == want.len &&
		    memcmp(got.data, want.data, want.len) == 0);
		if (want.len <= BDAT_EARLY) {
			FUZZ_CHECK(lseek(msg, 0, SEEK_SET) == 0);
			FUZZ_CHECK(send_message(msg, 1) == 0);
			check_bdat(peer_received(), &want);
		}
	} else
		FUZZ_CHECK(f.kind == FAIL_DATA);
	message_info_free(&info);
	buf_free(&in, 0);
	buf_free(&want, 0);
	buf_free(&got, 0);
	return 0;
}
