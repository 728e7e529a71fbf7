/*
 * message: the one streaming pass over a message (see message.h).
 *
 * Input is read in blocks and cut into lines at CR, LF or CRLF; a line
 * never exceeds 998 octets, so it fits a fixed buffer. Body lines go
 * straight to a block writer. A header field is held whole (its folded
 * lines too) until the next line shows it has ended, because only then can
 * it be parsed for -t or dropped as Bcc; that buffer is the only memory
 * that grows, and it has a cap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "message.h"

#define MESSAGE_BLOCK	65536

/* What a header field means to us. */
#define H_FROM		0x01
#define H_DATE		0x02
#define H_MSGID		0x04
#define H_RCPT		0x08	/* its addresses are recipients for -t */
#define H_RESENT	0x10	/* part of a Resent- block */
#define H_DROP		0x20	/* never written: Bcc */

enum part {
	PART_FIRST,		/* before the first line */
	PART_HEADER,
	PART_BODY,
};

/* Where we are relative to the first (newest) Resent- block. */
enum resent {
	RESENT_NONE,
	RESENT_FIRST,
	RESENT_AFTER,
};

struct rcpt_source {
	struct addrlist	 list;
	struct failure	 err;		/* the first parse error, if any */
	int		 seen;		/* some field held addresses */
};

struct pass {
	const struct message_opts *opts;
	struct message_info	*info;
	struct failure		*f;
	int			 out_fd;
	int			 done;		/* the lone dot was read */
	enum part		 part;

	unsigned long		 lineno;	/* of the line being read */
	int			 skip_lf;	/* CR seen: an LF next is its */
	size_t			 len;
	int			 line_8bit;
	char			 line[MESSAGE_LINE_MAX];

	struct buf		 field;		/* raw lines, CRLF each */
	size_t			 name_len;
	size_t			 value_off;	/* after the colon */
	unsigned long		 field_line;
	int			 field_8bit;
	enum resent		 resent;
	struct rcpt_source	 plain;		/* To, Cc, Bcc */
	struct rcpt_source	 resent_rcpts;	/* of the first Resent- block */

	size_t			 out_len;
	char			 out[MESSAGE_BLOCK];
	char			 in[MESSAGE_BLOCK];
};

static const struct header_kind {
	const char	*name;
	int		 flags;
} header_kinds[] = {
	{ "Bcc",		H_RCPT | H_DROP },
	{ "Cc",			H_RCPT },
	{ "Date",		H_DATE },
	{ "From",		H_FROM },
	{ "Message-ID",		H_MSGID },
	{ "Resent-Bcc",		H_RESENT | H_RCPT | H_DROP },
	{ "Resent-Cc",		H_RESENT | H_RCPT },
	{ "Resent-To",		H_RESENT | H_RCPT },
	{ "To",			H_RCPT },
};

static const char resent_prefix[] = "Resent-";

static int	write_all(struct pass *p, const char *data, size_t len);
static int	out_flush(struct pass *p);
static int	out_put(struct pass *p, const char *data, size_t len);
static int	emit_line(struct pass *p);
static size_t	field_name_len(const char *line, size_t len,
		    size_t *value_off);
static int	header_flags(const char *name, size_t len);
static int	take_rcpts(struct pass *p, int flags);
static int	flush_field(struct pass *p);
static int	field_start(struct pass *p, size_t name_len, size_t value_off);
static int	field_continue(struct pass *p);
static int	header_line(struct pass *p);
static int	handle_line(struct pass *p);
static int	end_line(struct pass *p);
static int	feed(struct pass *p, const unsigned char *data, size_t n);
static int	pump(struct pass *p, int in_fd);
static int	choose_rcpts(struct pass *p);
static int	finish(struct pass *p);

int
message_read(int in_fd, int out_fd, const struct message_opts *opts,
    struct message_info *info, struct failure *f)
{
	struct pass	*p;
	int		 rc;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	p->opts = opts;
	p->info = info;
	p->f = f;
	p->out_fd = out_fd;
	p->lineno = 1;
	info->size = 0;
	info->has_from = info->has_date = info->has_message_id = 0;
	info->eight_bit = 0;
	rc = pump(p, in_fd);
	if (rc == 0)
		rc = finish(p);
	buf_free(&p->field, 0);
	addrlist_free(&p->plain.list);
	addrlist_free(&p->resent_rcpts.list);
	free(p);
	return rc;
}

void
message_info_free(struct message_info *info)
{
	addrlist_free(&info->rcpts);
}

static int
write_all(struct pass *p, const char *data, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(p->out_fd, data, len)) == -1) {
			if (errno == EINTR)
				continue;
			return fail(p->f, FAIL_IO, "cannot write the message: "
			    "%s", strerror(errno));
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
out_flush(struct pass *p)
{
	if (write_all(p, p->out, p->out_len) == -1)
		return -1;
	p->out_len = 0;
	return 0;
}

static int
out_put(struct pass *p, const char *data, size_t len)
{
	size_t	n;

	p->info->size += (off_t)len;
	while (len > 0) {
		if (p->out_len == sizeof(p->out) && out_flush(p) == -1)
			return -1;
		n = sizeof(p->out) - p->out_len;
		if (n > len)
			n = len;
		memcpy(p->out + p->out_len, data, n);
		p->out_len += n;
		data += n;
		len -= n;
	}
	return 0;
}

static int
emit_line(struct pass *p)
{
	if (p->line_8bit)
		p->info->eight_bit = 1;
	if (out_put(p, p->line, p->len) == -1)
		return -1;
	return out_put(p, "\r\n", 2);
}

/*
 * RFC 5322 3.6.8: field-name is printable US-ASCII but ":"; obs-optional
 * (4.5.8) allows white space before the colon. Returns the name's length,
 * 0 when the line is not a field.
 */
static size_t
field_name_len(const char *line, size_t len, size_t *value_off)
{
	size_t	n, i;

	for (n = 0; n < len && line[n] > ' ' && line[n] < 0x7f &&
	    line[n] != ':'; n++)
		;
	for (i = n; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (n == 0 || i == len || line[i] != ':')
		return 0;
	*value_off = i + 1;
	return n;
}

static int
header_flags(const char *name, size_t len)
{
	size_t	i, plen = sizeof(resent_prefix) - 1;

	for (i = 0; i < POSTIE_NELEM(header_kinds); i++)
		if (strlen(header_kinds[i].name) == len &&
		    strncasecmp(name, header_kinds[i].name, len) == 0)
			return header_kinds[i].flags;
	/* Resent-From, Resent-Date, ...: they only mark the block. */
	if (len > plen && strncasecmp(name, resent_prefix, plen) == 0)
		return H_RESENT;
	return 0;
}

/*
 * The parse error is kept, not returned: it matters only if this source's
 * addresses are the ones taken in the end.
 */
static int
take_rcpts(struct pass *p, int flags)
{
	struct rcpt_source	*src;
	struct failure		 sub;

	if (flags & H_RESENT) {
		if (p->resent != RESENT_FIRST)
			return 0;
		src = &p->resent_rcpts;
	} else
		src = &p->plain;
	src->seen = 1;
	if (src->err.kind != FAIL_NONE)
		return 0;
	failure_clear(&sub);
	if (addr_parse_list(p->field.data + p->value_off,
	    p->field.len - p->value_off, &src->list, &sub) == 0)
		return 0;
	if (sub.kind != FAIL_DATA) {
		*p->f = sub;
		return -1;
	}
	fail(&src->err, FAIL_DATA, "line %lu: %.*s: %s", p->field_line,
	    (int)p->name_len, p->field.data, sub.text);
	return 0;
}

static int
flush_field(struct pass *p)
{
	int	flags;

	if (p->field.len == 0)
		return 0;
	flags = header_flags(p->field.data, p->name_len);
	p->info->has_from |= (flags & H_FROM) != 0;
	p->info->has_date |= (flags & H_DATE) != 0;
	p->info->has_message_id |= (flags & H_MSGID) != 0;
	if (flags & H_RESENT) {
		if (p->resent == RESENT_NONE)
			p->resent = RESENT_FIRST;
	} else if (p->resent == RESENT_FIRST)
		p->resent = RESENT_AFTER;
	if ((flags & H_RCPT) && p->opts->extract_rcpts &&
	    take_rcpts(p, flags) == -1)
		return -1;
	if (!(flags & H_DROP)) {
		if (p->field_8bit)
			p->info->eight_bit = 1;
		if (out_put(p, p->field.data, p->field.len) == -1)
			return -1;
	}
	buf_reset(&p->field);
	p->field_8bit = 0;
	return 0;
}

static int
field_continue(struct pass *p)
{
	if (p->field.len + p->len + 2 > MESSAGE_FIELD_MAX)
		return fail(p->f, FAIL_DATA, "line %lu: the header field of "
		    "line %lu is longer than %d octets", p->lineno,
		    p->field_line, MESSAGE_FIELD_MAX);
	if (buf_append(&p->field, p->line, p->len) == -1 ||
	    buf_append(&p->field, "\r\n", 2) == -1)
		return fail(p->f, FAIL_OS, "out of memory");
	p->field_8bit |= p->line_8bit;
	return 0;
}

static int
field_start(struct pass *p, size_t name_len, size_t value_off)
{
	if (flush_field(p) == -1)
		return -1;
	p->name_len = name_len;
	p->value_off = value_off;
	p->field_line = p->lineno;
	return field_continue(p);
}

static int
header_line(struct pass *p)
{
	size_t	name_len, value_off;

	if (p->len == 0) {
		p->part = PART_BODY;
		return flush_field(p) == -1 ? -1 : emit_line(p);
	}
	if ((p->line[0] == ' ' || p->line[0] == '\t') && p->field.len > 0)
		return field_continue(p);
	if ((name_len = field_name_len(p->line, p->len, &value_off)) > 0)
		return field_start(p, name_len, value_off);
	/* Not a header: the body starts here, after the empty line the
	 * header block lacked. */
	p->part = PART_BODY;
	if (flush_field(p) == -1 || out_put(p, "\r\n", 2) == -1)
		return -1;
	return emit_line(p);
}

static int
handle_line(struct pass *p)
{
	if (!p->opts->ignore_dots && p->len == 1 && p->line[0] == '.') {
		p->done = 1;
		return 0;
	}
	switch (p->part) {
	case PART_FIRST:
		p->part = PART_HEADER;
		/* An mbox envelope line, not part of the message. */
		if (p->len >= 5 && memcmp(p->line, "From ", 5) == 0)
			return 0;
		return header_line(p);
	case PART_HEADER:
		return header_line(p);
	case PART_BODY:
		return emit_line(p);
	}
	return fail(p->f, FAIL_SOFTWARE, "message: bad state %d", p->part);
}

static int
end_line(struct pass *p)
{
	if (handle_line(p) == -1)
		return -1;
	p->lineno++;
	p->len = 0;
	p->line_8bit = 0;
	return 0;
}

/*
 * CR, LF and CRLF each end a line (RFC 5321 2.3.8: a bare CR or LF is
 * never passed on). After a CR, an LF at the start of the next block is
 * still the same line ending.
 */
static int
feed(struct pass *p, const unsigned char *data, size_t n)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < n && !p->done; i++) {
		c = data[i];
		if (p->skip_lf) {
			p->skip_lf = 0;
			if (c == '\n')
				continue;
		}
		if (c == '\r' || c == '\n') {
			p->skip_lf = c == '\r';
			if (end_line(p) == -1)
				return -1;
			continue;
		}
		if (c == '\0')
			return fail(p->f, FAIL_DATA, "line %lu: the message "
			    "holds a NUL byte", p->lineno);
		if (p->len == MESSAGE_LINE_MAX)
			return fail(p->f, FAIL_DATA, "line %lu is longer than "
			    "%d octets (RFC 5322 2.1.1)", p->lineno,
			    MESSAGE_LINE_MAX);
		p->line_8bit |= c >= 0x80;
		p->line[p->len++] = (char)c;
	}
	return 0;
}

static int
pump(struct pass *p, int in_fd)
{
	ssize_t	n;

	while (!p->done) {
		if ((n = read(in_fd, p->in, sizeof(p->in))) == -1) {
			if (errno == EINTR)
				continue;
			return fail(p->f, FAIL_IO, "cannot read the message: %s",
			    strerror(errno));
		}
		if (n == 0)
			break;
		if (feed(p, (unsigned char *)p->in, (size_t)n) == -1)
			return -1;
	}
	return 0;
}

/* RFC 5322 3.6.6: the newest Resent- block names who it goes to now. */
static int
choose_rcpts(struct pass *p)
{
	const struct rcpt_source	*src;
	size_t				 i;

	src = p->resent_rcpts.seen ? &p->resent_rcpts : &p->plain;
	if (src->err.kind != FAIL_NONE) {
		*p->f = src->err;
		return -1;
	}
	for (i = 0; i < src->list.n; i++)
		if (!addrlist_has(&p->info->rcpts, src->list.v[i]) &&
		    addrlist_add(&p->info->rcpts, src->list.v[i], p->f) == -1)
			return -1;
	return 0;
}

static int
finish(struct pass *p)
{
	/* A last line without its line ending. */
	if (!p->done && p->len > 0 && end_line(p) == -1)
		return -1;
	if (flush_field(p) == -1)
		return -1;
	if (p->opts->extract_rcpts && choose_rcpts(p) == -1)
		return -1;
	return out_flush(p);
}
