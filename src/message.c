/*
 * message: the one streaming pass over a message (see message.h).
 *
 * Input is read in blocks and cut into lines at CR, LF or CRLF; a line
 * never exceeds 998 octets, so it fits a fixed buffer. Body lines go
 * straight to a block writer. A header field is held whole (its folded
 * lines too) until the next line shows it has ended, because only then can
 * it be parsed for -t, dropped as Bcc or given rewrite_domain; that buffer
 * is the only memory that grows, and it has a cap.
 *
 * Fields we add (Date, Message-ID, From, To) go at the end of the header
 * block, once its end is seen: at the empty line, at the first line that
 * is not a header, or at the end of the input. So the pass never holds
 * more than one field.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "buf.h"
#include "fileio.h"
#include "message.h"

#define MESSAGE_BLOCK	65536

/* What a header field means to us. */
#define H_FROM		0x01
#define H_DATE		0x02
#define H_MSGID		0x04
#define H_RCPT		0x08	/* its addresses are recipients for -t */
#define H_RESENT	0x10	/* part of a Resent- block */
#define H_BCC		0x20	/* dropped unless keep_bcc */
#define H_TOCC		0x40	/* dropped with undisclosed */
#define H_ADDR		0x80	/* its bare names get rewrite_domain */

/*
 * RFC 2047 2: an encoded-word is at most 75 characters. 39 octets make
 * 52 base64 characters, a 64-character word, so that "From: " and the
 * word stay within the 76 a line holding one should keep.
 */
#define EW_CHUNK	39
#define EW_PREFIX	"=?UTF-8?B?"
#define EW_SUFFIX	"?="
#define FROM_ADDR_MAX	256	/* RFC 5321 4.5.3.1.3, a path */

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
	int			 headers_done;	/* our fields are written */
	int			 rewrite_ok;	/* rewrite_domain is usable */

	size_t			 out_len;
	char			 out[MESSAGE_BLOCK];
	char			 in[MESSAGE_BLOCK];
};

static const struct header_kind {
	const char	*name;
	int		 flags;
} header_kinds[] = {
	{ "Bcc",		H_RCPT | H_BCC | H_ADDR },
	{ "Cc",			H_RCPT | H_TOCC | H_ADDR },
	{ "Date",		H_DATE },
	{ "From",		H_FROM | H_ADDR },
	{ "Message-ID",		H_MSGID },
	{ "Reply-To",		H_ADDR },
	{ "Resent-Bcc",		H_RESENT | H_RCPT | H_BCC | H_ADDR },
	{ "Resent-Cc",		H_RESENT | H_RCPT | H_ADDR },
	{ "Resent-From",	H_RESENT | H_ADDR },
	{ "Resent-Reply-To",	H_RESENT | H_ADDR },
	{ "Resent-Sender",	H_RESENT | H_ADDR },
	{ "Resent-To",		H_RESENT | H_RCPT | H_ADDR },
	{ "Sender",		H_ADDR },
	{ "To",			H_RCPT | H_TOCC | H_ADDR },
};

static const char *const day_names[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};
static const char *const month_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
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
static int	field_dropped(const struct pass *p, int flags);
static int	flush_field(struct pass *p);
static int	rewrite_walk(struct pass *p, int emit);
static int	put_rewritten(struct pass *p);
static int	domain_ok(const char *d);
static int	put_added(struct pass *p, const char *s, size_t len);
static int	add_date(struct pass *p);
static int	add_msgid(struct pass *p);
static int	name_is_atoms(const char *name);
static int	put_quoted(struct buf *b, const char *name);
static int	put_encoded(struct buf *b, const char *name);
static int	put_name(struct buf *b, const char *name, size_t addr_len);
static int	add_from(struct pass *p);
static int	end_headers(struct pass *p);
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
	info->added = info->rewritten = 0;
	p->rewrite_ok = domain_ok(opts->rewrite_domain);
	rc = 0;
	if (opts->trace != NULL)
		rc = out_put(p, opts->trace, strlen(opts->trace));
	if (rc == 0)
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
	if (fileio_write_all(p->out_fd, data, len) == -1)
		/* A full disk empties again: worth trying later. */
		return fail(p->f, errno == ENOSPC || errno == EDQUOT ||
		    errno == EFBIG ? FAIL_TEMPFAIL : FAIL_IO,
		    "cannot write the message: %s", strerror(errno));
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

/* RFC 5322 3.6.3: undisclosed recipients hide Bcc as well as To and Cc. */
static int
field_dropped(const struct pass *p, int flags)
{
	const struct message_opts	*o = p->opts;

	if ((flags & H_BCC) && (!o->keep_bcc || o->undisclosed))
		return 1;
	if ((flags & H_TOCC) && o->undisclosed)
		return 1;
	if ((flags & H_FROM) && o->replace_from && o->from_addr != NULL &&
	    *o->from_addr != '\0')
		return 1;
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
	if (!field_dropped(p, flags)) {
		if (p->field_8bit)
			p->info->eight_bit = 1;
		if ((flags & H_ADDR) && p->rewrite_ok) {
			if (put_rewritten(p) == -1)
				return -1;
		} else if (out_put(p, p->field.data, p->field.len) == -1)
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
		if (flush_field(p) == -1 || end_headers(p) == -1)
			return -1;
		return emit_line(p);
	}
	if ((p->line[0] == ' ' || p->line[0] == '\t') && p->field.len > 0)
		return field_continue(p);
	if ((name_len = field_name_len(p->line, p->len, &value_off)) > 0)
		return field_start(p, name_len, value_off);
	/* Not a header: the body starts here, after the empty line the
	 * header block lacked. */
	p->part = PART_BODY;
	if (flush_field(p) == -1 || end_headers(p) == -1 ||
	    out_put(p, "\r\n", 2) == -1)
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
	off_t	total = 0;

	while (!p->done) {
		if ((n = read(in_fd, p->in, sizeof(p->in))) == -1) {
			if (errno == EINTR)
				continue;
			return fail(p->f, FAIL_IO, "cannot read the message: %s",
			    strerror(errno));
		}
		if (n == 0)
			break;
		total += n;
		if (p->opts->read_max > 0 && total > p->opts->read_max)
			return fail(p->f, FAIL_DATA, "the message is longer "
			    "than %lld octets", (long long)p->opts->read_max);
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
	/* A message of headers only: ours follow them. */
	if (flush_field(p) == -1 || end_headers(p) == -1)
		return -1;
	if (p->opts->extract_rcpts && choose_rcpts(p) == -1)
		return -1;
	return out_flush(p);
}

/*
 * rewrite_domain: addr's iterator finds each bare local name of the field
 * (with ADDR_NULL, "<>" is passed by; a ";" outside a group is no
 * address list). Without emit, checks that the field parses and that no
 * line of it grows past 998 octets: returns the number of names, or -1
 * to leave the field as it is. With emit, writes it with "@domain" after
 * each bare name. The same walk twice, so that nothing is buffered. -2:
 * an error in *p->f (memory, writing).
 */
static int
rewrite_walk(struct pass *p, int emit)
{
	struct addr_iter	 it;
	struct addr_span	 a;
	struct failure		 sub;
	const char		*d = p->opts->rewrite_domain, *s, *eol;
	size_t			 ins, prev = 0, dlen = strlen(d) + 1, line = 0;
	size_t			 grow = 0, len = p->field.len;
	int			 rc, n = 0;

	s = p->field.data;
	addr_iter_init(&it, s + p->value_off, len - p->value_off, ADDR_NULL);
	while ((rc = addr_next(&it, &a, &sub)) == 1) {
		if (!a.bare)
			continue;
		n++;
		ins = p->value_off + a.end;
		if (emit) {
			if (out_put(p, s + prev, ins - prev) == -1 ||
			    out_put(p, "@", 1) == -1 ||
			    put_added(p, d, dlen - 1) == -1)
				break;
			prev = ins;
			continue;
		}
		/* Lines end in CRLF; ins is before its line's CR. */
		while ((eol = memchr(s + line, '\r', len - line)) != NULL &&
		    (size_t)(eol - s) < ins) {
			line = (size_t)(eol - s) + 2;
			grow = 0;
		}
		grow += dlen;
		eol = memchr(s + line, '\r', len - line);
		if (eol == NULL ||
		    (size_t)(eol - s) - line + grow > MESSAGE_LINE_MAX)
			break;
	}
	addr_iter_free(&it);
	if (emit) {
		if (rc == -1)
			*p->f = sub;
		if (rc != 0 || out_put(p, s + prev, len - prev) == -1)
			return -2;
		p->info->rewritten += n;
		return n;
	}
	if (rc == -1 && sub.kind == FAIL_OS) {
		*p->f = sub;
		return -2;
	}
	return rc == 0 ? n : -1;
}

static int
put_rewritten(struct pass *p)
{
	int	n;

	if ((n = rewrite_walk(p, 0)) == -2)
		return -1;
	if (n <= 0)
		return out_put(p, p->field.data, p->field.len);
	return rewrite_walk(p, 1) == -2 ? -1 : 0;
}

/* A domain that can follow "@" as it is; anything else disables it. */
static int
domain_ok(const char *d)
{
	if (d == NULL || *d == '\0')
		return 0;
	for (; *d != '\0'; d++)
		if (!addr_is_atext((unsigned char)*d) && *d != '.' &&
		    *d != '[' && *d != ']' && *d != ':')
			return 0;
	return 1;
}

/* Text of our own making: it may still carry UTF-8 from the config. */
static int
put_added(struct pass *p, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			p->info->eight_bit = 1;
	return out_put(p, s, len);
}

/*
 * RFC 5322 3.3 in the local zone. The names come from tables, not from
 * strftime's %a and %b, which follow the locale.
 */
static int
add_date(struct pass *p)
{
	char	line[80], date[MESSAGE_DATE_MAX];
	int	n;

	if (message_date(date, sizeof(date), time(NULL)) == -1)
		return fail(p->f, FAIL_OS, "cannot read the local time");
	n = snprintf(line, sizeof(line), "Date: %s\r\n", date);
	if (n < 0 || (size_t)n >= sizeof(line))
		return fail(p->f, FAIL_SOFTWARE, "message: date too long");
	p->info->added |= MESSAGE_ADDED_DATE;
	return put_added(p, line, (size_t)n);
}

int
message_date(char *buf, size_t len, time_t t)
{
	struct tm	tm;
	long		off;
	int		n;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	off = tm.tm_gmtoff / 60;
	n = snprintf(buf, len, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    day_names[tm.tm_wday % 7], tm.tm_mday, month_names[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * RFC 5322 3.6.4: the time in UTC and 64 random bits; the time alone
 * would repeat within a second, the bits alone say nothing when read.
 */
static int
add_msgid(struct pass *p)
{
	struct tm	 tm;
	time_t		 now;
	uint8_t		 rnd[8];
	char		 stamp[32];
	const char	*d = p->opts->msgid_domain;
	struct buf	 b = BUF_INIT;
	size_t		 i;
	int		 rc;

	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm) == 0)
		return fail(p->f, FAIL_OS, "cannot read the time");
	arc4random_buf(rnd, sizeof(rnd));
	rc = buf_appendf(&b, "Message-ID: <%s.", stamp);
	for (i = 0; rc == 0 && i < sizeof(rnd); i++)
		rc = buf_appendf(&b, "%02x", rnd[i]);
	if (rc == 0)
		rc = buf_appendf(&b, "@%s>\r\n", d);
	if (rc == -1)
		rc = fail(p->f, FAIL_OS, "out of memory");
	else if (b.len > MESSAGE_LINE_MAX + 2)
		rc = fail(p->f, FAIL_CONFIG, "the Message-ID domain %.60s... "
		    "is too long", d);
	else {
		p->info->added |= MESSAGE_ADDED_MSGID;
		rc = put_added(p, b.data, b.len);
	}
	buf_free(&b, 0);
	return rc;
}

/*
 * RFC 5322 3.2.5: a phrase of atoms separated by single spaces goes as
 * it is. "=?" would make a reader try RFC 2047 decoding on it.
 */
static int
name_is_atoms(const char *name)
{
	const char	*s;

	if (*name == ' ' || strstr(name, "=?") != NULL)
		return 0;
	for (s = name; *s != '\0'; s++)
		if (*s == ' ' ? s[1] == ' ' || s[1] == '\0' :
		    !addr_is_atext((unsigned char)*s))
			return 0;
	return 1;
}

/* RFC 5322 3.2.4: a quoted-string, "\" and DQUOTE escaped. */
static int
put_quoted(struct buf *b, const char *name)
{
	const char	*s;

	if (buf_append(b, "\"", 1) == -1)
		return -1;
	for (s = name; *s != '\0'; s++)
		if (((*s == '\\' || *s == '"') && buf_append(b, "\\", 1) == -1) ||
		    buf_append(b, s, 1) == -1)
			return -1;
	return buf_append(b, "\"", 1);
}

/*
 * RFC 2047 (B encoding), one word per line, folded. A word holds whole
 * UTF-8 characters (RFC 2047 5(3)): a chunk never ends before a
 * continuation octet, unless the name is not UTF-8 at all.
 */
static int
put_encoded(struct buf *b, const char *name)
{
	gnutls_datum_t	 in, out;
	size_t		 len = strlen(name), off, n, k;
	int		 rc;

	for (off = 0; off < len; off += n) {
		n = len - off < EW_CHUNK ? len - off : EW_CHUNK;
		for (k = n; k > 0 && off + k < len &&
		    ((unsigned char)name[off + k] & 0xc0) == 0x80; k--)
			;
		if (k > 0)
			n = k;
		in.data = (unsigned char *)(uintptr_t)(name + off);
		in.size = (unsigned int)n;
		if (gnutls_base64_encode2(&in, &out) < 0)
			return -1;
		rc = buf_appendf(b, "%s%s%.*s%s", off > 0 ? "\r\n " : "",
		    EW_PREFIX, (int)out.size, (char *)out.data, EW_SUFFIX);
		gnutls_free(out.data);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/*
 * The display name of an added From, in the lightest form that carries
 * it. Control characters (a -F argument may hold any) become spaces.
 */
static int
put_name(struct buf *b, const char *name, size_t addr_len)
{
	char	*s;
	size_t	 i;
	int	 rc, high = 0;

	if ((s = strdup(name)) == NULL)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			s[i] = ' ';
		high |= (unsigned char)s[i] >= 0x80;
	}
	/* "From: " "\"" name "\" <" addr ">", quotes escaped: 2 each. */
	if (!high && 6 + 2 * i + 4 + addr_len + 1 > MESSAGE_LINE_MAX)
		high = 1;
	if (high)
		rc = put_encoded(b, s);
	else if (name_is_atoms(s))
		rc = buf_append(b, s, i);
	else
		rc = put_quoted(b, s);
	free(s);
	return rc;
}

/*
 * "From: NAME <addr>", or "From: addr" without a name; a bare local name
 * gets rewrite_domain, as it would in the message's own From.
 */
static int
add_from(struct pass *p)
{
	const struct message_opts	*o = p->opts;
	const char			*name = o->from_name, *s;
	struct buf			 b = BUF_INIT;
	size_t				 alen = strlen(o->from_addr);
	int				 rc, named = 0, qualify;

	for (s = o->from_addr; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return fail(p->f, FAIL_USAGE, "the sender %.60s holds "
			    "a control character", o->from_addr);
	if (alen > FROM_ADDR_MAX)
		return fail(p->f, FAIL_USAGE, "the sender %.60s... is longer "
		    "than %d octets", o->from_addr, FROM_ADDR_MAX);
	for (s = name; s != NULL && *s != '\0'; s++)
		named |= (unsigned char)*s > ' ' && *s != 0x7f;
	qualify = p->rewrite_ok && strchr(o->from_addr, '@') == NULL;
	if (qualify)
		alen += strlen(o->rewrite_domain) + 1;
	rc = buf_append(&b, "From: ", 6);
	if (rc == 0 && named)
		rc = put_name(&b, name, alen);
	if (rc == 0)
		rc = buf_appendf(&b, "%s%s%s%s%s\r\n", named ? " <" : "",
		    o->from_addr, qualify ? "@" : "",
		    qualify ? o->rewrite_domain : "", named ? ">" : "");
	if (rc == -1)
		rc = fail(p->f, FAIL_OS, "out of memory");
	else {
		p->info->added |= MESSAGE_ADDED_FROM;
		p->info->rewritten += qualify;
		rc = put_added(p, b.data, b.len);
	}
	buf_free(&b, 0);
	return rc;
}

/* Once, where the header block ends (RFC 5322 3.6: any order will do). */
static int
end_headers(struct pass *p)
{
	const struct message_opts	*o = p->opts;
	static const char		 undisclosed[] =
	    "To: undisclosed-recipients:;\r\n";

	if (p->headers_done)
		return 0;
	p->headers_done = 1;
	if (o->add_date && !p->info->has_date && add_date(p) == -1)
		return -1;
	if (o->msgid_domain != NULL && *o->msgid_domain != '\0' &&
	    !p->info->has_message_id && add_msgid(p) == -1)
		return -1;
	if (o->from_addr != NULL && *o->from_addr != '\0' &&
	    (o->replace_from || !p->info->has_from) && add_from(p) == -1)
		return -1;
	if (o->undisclosed) {
		p->info->added |= MESSAGE_ADDED_TO;
		return out_put(p, undisclosed, sizeof(undisclosed) - 1);
	}
	return 0;
}
