/*
 * fuzz_message: the message pass (message_read) on any bytes as
 * standard input would give them, under options chosen by the first
 * input byte: -i, -t, remove_bcc_headers off, the added Date,
 * Message-ID and From (the display name taken from the input, up to
 * its first line feed), set_from_header on, undisclosed_recipients and
 * rewrite_domain.
 * Properties of what it writes: every line ends with CRLF, no bare CR
 * or LF, no NUL, no line over 998 octets, info.size is the output's
 * size, every recipient is non-empty. (The address lexer that -t and
 * rewrite_domain use is fuzz_addr's, with its own properties.)
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "message.h"

#define O_IGNORE_DOTS	0x01
#define O_EXTRACT	0x02
#define O_KEEP_BCC	0x04
#define O_ADD		0x08	/* Date, Message-ID, From */
#define O_NAME		0x10	/* From's display name from the input */
#define O_REPLACE_FROM	0x20
#define O_UNDISCLOSED	0x40
#define O_REWRITE	0x80

static void
check_output(const struct buf *b, const struct message_info *info)
{
	size_t	i, col = 0;

	FUZZ_CHECK((size_t)info->size == b->len);
	FUZZ_CHECK(b->len == 0 || b->len >= 2);
	for (i = 0; i < b->len; i++) {
		FUZZ_CHECK(b->data[i] != '\0');
		if (b->data[i] == '\r') {
			FUZZ_CHECK(i + 1 < b->len && b->data[i + 1] == '\n');
			FUZZ_CHECK(col <= MESSAGE_LINE_MAX);
			col = 0;
			i++;
			continue;
		}
		FUZZ_CHECK(b->data[i] != '\n');
		col++;
	}
	FUZZ_CHECK(col == 0);
	for (i = 0; i < info->rcpts.n; i++)
		FUZZ_CHECK(info->rcpts.v[i][0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct message_opts	 o;
	struct message_info	 info = MESSAGE_INFO_INIT;
	struct failure		 f;
	struct buf		 out = BUF_INIT;
	const uint8_t		*lf;
	char			*name = NULL;
	int			 in, fd, flags;

	if (n == 0)
		return 0;
	flags = data[0];
	data++, n--;
	memset(&o, 0, sizeof(o));
	o.ignore_dots = (flags & O_IGNORE_DOTS) != 0;
	o.extract_rcpts = (flags & O_EXTRACT) != 0;
	o.keep_bcc = (flags & O_KEEP_BCC) != 0;
	if (flags & O_ADD) {
		o.add_date = 1;
		o.msgid_domain = "host.example.test";
		o.from_addr = flags & O_REWRITE ? "root" : "me@example.test";
	}
	if ((flags & O_NAME) && (lf = memchr(data, '\n', n)) != NULL) {
		name = fuzz_strndup(data, (size_t)(lf - data));
		o.from_name = name;
		n -= (size_t)(lf - data) + 1;
		data = lf + 1;
	}
	o.replace_from = (flags & O_REPLACE_FROM) != 0;
	o.undisclosed = (flags & O_UNDISCLOSED) != 0;
	o.rewrite_domain = flags & O_REWRITE ? "example.test" : NULL;

	in = fuzz_file(0, data, n);
	fd = fuzz_file(1, "", 0);
	if (message_read(in, fd, &o, &info, &f) == 0) {
		fuzz_slurp(fd, &out);
		check_output(&out, &info);
	} else
		FUZZ_CHECK(f.kind == FAIL_DATA || f.kind == FAIL_OS);
	message_info_free(&info);
	buf_free(&out, 0);
	free(name);
	return 0;
}
