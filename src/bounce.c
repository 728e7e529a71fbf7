/*
 * bounce: the delivery status notification (see bounce.h).
 *
 * What is written, an RFC 6522 multipart/report of three parts:
 *   the report's header block
 *   --B  text/plain: what happened, in words
 *   --B  message/delivery-status (RFC 3464): per-message fields, then one
 *        block per recipient
 *   --B  text/rfc822-headers: the original's header block, never its body
 *   --B--
 * Every line goes through out_line(), which cuts at 998 octets (RFC 5322
 * 2.1.1) and lets no CR, LF or NUL through, so no reason, subject or
 * header of the original can make a longer line or an extra one. Text we
 * quote from outside goes through clean() first: printable ASCII only.
 * Output is gathered in one buffer and written in large blocks.
 * bounce_prepare() chooses its From and Reporting-MTA and makes its
 * envelope; the caller (attempt.c) queues and sends it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bounce.h"
#include "buf.h"
#include "fileio.h"
#include "localname.h"

#define LINE_OCTETS	998	/* RFC 5322 2.1.1, without the CRLF */
#define OUT_BLOCK	65536	/* written when the buffer holds this much */
#define HDR_CAP		65536	/* of the original's header block */
#define TEXT_MAX	900	/* a cleaned reason: with any prefix, a line */
#define FIELD_MAX	200	/* a Subject or Message-ID quoted in words */
#define ADDR_MAX	512	/* a cleaned address */
#define WRAP_COLS	76
#define DATE_MAX	48
#define BOUNDARY_MAX	64

struct out {
	struct buf	 b;
	int		 fd;
	int		 err;		/* errno of the first failure, sticky */
};

/* The original message's header block. */
struct original {
	char	*hdr;		/* without the empty line that ends it */
	size_t	 len;
	int	 cut;		/* longer than HDR_CAP: cut at a line end */
	int	 eightbit;
};

struct report {
	const struct bounce_params *p;
	const struct queue_envelope *env;
	struct out	 out;
	struct original	 orig;
	const char	*reply;		/* the SMTP reply in reason, or NULL */
	char		 reason[TEXT_MAX];
	char		 status[16];
	char		 host[256];
	char		 domain[256];
	char		 now[DATE_MAX];
	char		 created[DATE_MAX];
	char		 boundary[BOUNDARY_MAX];
	char		 subject[FIELD_MAX];
	char		 msgid[FIELD_MAX];
};

enum match {
	MATCH_EXACT,
	MATCH_PREFIX,
	MATCH_SUFFIX,
};

/*
 * Local parts of automatic senders (RFC 3834 section 2 names
 * MAILER-DAEMON, owner-* and *-request; the rest are what list managers
 * and bulk senders use for their return paths). A notification to them
 * reaches a daemon, not a person, and may start a loop. postmaster is
 * not here: it is a person's mailbox that must take mail (RFC 5321
 * 4.5.1), and the report's null sender already keeps it from looping.
 */
static const struct automatic {
	const char	*word;
	enum match	 how;
} automatic[] = {
	{ "-bounces",		MATCH_SUFFIX },	/* Mailman's return path */
	{ "-owner",		MATCH_SUFFIX },
	{ "-request",		MATCH_SUFFIX },
	{ "bounce",		MATCH_PREFIX },	/* bounce, bounces, bounce-... */
	{ "do-not-reply",	MATCH_EXACT },
	{ "donotreply",		MATCH_EXACT },
	{ "listserv",		MATCH_EXACT },
	{ "mailer-daemon",	MATCH_EXACT },
	{ "majordomo",		MATCH_EXACT },
	{ "no-reply",		MATCH_EXACT },
	{ "noreply",		MATCH_EXACT },
	{ "owner-",		MATCH_PREFIX },
};

static int	automatic_sender(const char *addr);
static int	notify_failure(const char *notify);
static void	out_flush(struct out *o);
static void	out_raw_line(struct out *o, const char *p, size_t n);
static void	out_line(struct out *o, const char *fmt, ...)
		    POSTIE_PRINTF(2, 3);
static void	put_wrapped(struct out *o, const char *first,
		    const char *cont, const char *text);
static void	clean(char *dst, size_t size, const char *src, size_t len);
static void	format_date(time_t t, char *buf, size_t size);
static int	numeric(int c);
static int	find_status(const char *s, char *code, size_t size);
static const char *find_reply(const char *s);
static void	pick_domain(struct report *r);
static int	read_original(int fd, struct original *o, struct failure *f);
static void	header_value(const struct original *o, const char *name,
		    char *dst, size_t size);
static int	contains(const char *hay, size_t len, const char *needle);
static int	make_boundary(struct report *r);
static int	report_init(struct report *r, const struct bounce_params *p,
		    int out_fd, struct failure *f);
static void	put_header(struct report *r);
static int	reported(const struct report *r, size_t i);
static void	rcpt_reason(const struct report *r, size_t i, char *buf,
		    size_t len);
static void	put_text(struct report *r);
static void	put_status(struct report *r);
static void	put_original(struct report *r);
static int	report_envelope(const struct queue_envelope *env,
		    struct queue_envelope *r, struct failure *f);

int
bounce_wanted(const struct queue_envelope *env)
{
	if (env->env.from == NULL || addr_is_null(env->env.from))
		return 0;
	if (!notify_failure(env->env.dsn_notify))
		return 0;
	return !automatic_sender(env->env.from);
}

/*
 * 0 when the sender asked for no report of a failure: NOTIFY=NEVER, or a
 * NOTIFY list without FAILURE (RFC 3461 4.1). No NOTIFY means the
 * default, which reports failures.
 */
static int
notify_failure(const char *notify)
{
	const char	*p;
	size_t		 n;

	if (notify == NULL || *notify == '\0')
		return 1;
	for (p = notify; *p != '\0'; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == 7 && strncasecmp(p, "FAILURE", 7) == 0)
			return 1;
	}
	return 0;
}

/* 1 when addr's local part names an automatic sender (see automatic[]). */
static int
automatic_sender(const char *addr)
{
	char		 local[256];
	const char	*at;
	size_t		 i, n = 0, wl;

	if ((at = strrchr(addr, '@')) == NULL)
		at = addr + strlen(addr);
	/* Quotes are syntax, not name; "+detail" is a subaddress (RFC 5233). */
	for (; addr < at && *addr != '+' && n < sizeof(local) - 1; addr++)
		if (*addr != '"')
			local[n++] = *addr;
	local[n] = '\0';
	for (i = 0; i < POSTIE_NELEM(automatic); i++) {
		wl = strlen(automatic[i].word);
		if (wl > n)
			continue;
		switch (automatic[i].how) {
		case MATCH_EXACT:
			if (wl == n && strcasecmp(local, automatic[i].word) == 0)
				return 1;
			break;
		case MATCH_PREFIX:
			if (strncasecmp(local, automatic[i].word, wl) == 0)
				return 1;
			break;
		case MATCH_SUFFIX:
			if (strcasecmp(local + n - wl, automatic[i].word) == 0)
				return 1;
			break;
		}
	}
	return 0;
}

int
bounce_write(const struct bounce_params *p, int out_fd, struct failure *f)
{
	struct report	*r;
	int		 rc = 0, err;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return fail(f, FAIL_OS, "bounce: %s", strerror(errno));
	if (report_init(r, p, out_fd, f) == -1) {
		free(r->orig.hdr);
		free(r);
		return -1;
	}
	put_header(r);
	put_text(r);
	put_status(r);
	put_original(r);
	out_line(&r->out, "--%s--", r->boundary);
	out_flush(&r->out);
	if ((err = r->out.err) != 0)
		rc = fail(f, err == ENOMEM ? FAIL_OS : FAIL_IO,
		    "cannot write the bounce for %s: %s", r->env->id,
		    strerror(err));
	buf_free(&r->out.b, 0);
	free(r->orig.hdr);
	free(r);
	return rc;
}

static int
report_init(struct report *r, const struct bounce_params *p, int out_fd,
    struct failure *f)
{
	const char	*reason;

	r->p = p;
	r->env = p->env;
	r->out.fd = out_fd;
	reason = p->reason != NULL ? p->reason : p->env->last_error;
	if (reason == NULL || *reason == '\0')
		reason = "no reason was recorded";
	clean(r->reason, sizeof(r->reason), reason, strlen(reason));
	r->reply = find_reply(r->reason);
	if (!find_status(r->reason, r->status, sizeof(r->status)))
		/* RFC 3463: 4.4.7 is "delivery time expired". */
		strlcpy(r->status, p->expired ? "4.4.7" : "5.0.0",
		    sizeof(r->status));
	reason = p->reporting_mta != NULL ? p->reporting_mta : "localhost";
	clean(r->host, sizeof(r->host), reason, strlen(reason));
	pick_domain(r);
	format_date(p->now, r->now, sizeof(r->now));
	format_date(r->env->created, r->created, sizeof(r->created));
	if (read_original(p->msg_fd, &r->orig, f) == -1)
		return -1;
	header_value(&r->orig, "Subject", r->subject, sizeof(r->subject));
	header_value(&r->orig, "Message-ID", r->msgid, sizeof(r->msgid));
	if (make_boundary(r) == -1)
		return fail(f, FAIL_SOFTWARE, "bounce: no boundary for %s",
		    r->env->id);
	return 0;
}

/* The domain for our Message-ID: from_addr's, else the host name. */
static void
pick_domain(struct report *r)
{
	const char	*from = r->p->from_addr, *d;

	d = from != NULL && strrchr(from, '@') != NULL ?
	    strrchr(from, '@') + 1 : r->host;
	if (*d == '\0' || d[strspn(d, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")] != '\0' ||
	    strlcpy(r->domain, d, sizeof(r->domain)) >= sizeof(r->domain))
		strlcpy(r->domain, "localhost", sizeof(r->domain));
}

/* memmem(3) is not in POSIX.1-2008. */
static int
contains(const char *hay, size_t len, const char *needle)
{
	const char	*p = hay, *end = hay + len;
	size_t		 n = strlen(needle);

	while ((p = memchr(p, needle[0], (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= n && memcmp(p, needle, n) == 0)
			return 1;
		p++;
	}
	return 0;
}

/*
 * A boundary that occurs nowhere in what the parts quote. "=_" cannot
 * appear in base64 or quoted-printable, the random part makes it
 * unguessable, and the check makes sure.
 */
static int
make_boundary(struct report *r)
{
	unsigned char	rnd[12];
	char		*b = r->boundary;
	size_t		 i, tries;

	for (tries = 0; tries < 16; tries++) {
		arc4random_buf(rnd, sizeof(rnd));
		strlcpy(b, "=_postie_", BOUNDARY_MAX);
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(b + strlen(b), BOUNDARY_MAX - strlen(b),
			    "%02x", rnd[i]);
		if (!contains(r->orig.hdr, r->orig.len, b) &&
		    strstr(r->reason, b) == NULL)
			return 0;
	}
	return -1;
}

/*
 * Reads the original's header block: from offset 0 up to the first empty
 * line, at most HDR_CAP bytes (then cut after the last whole line). A
 * message without a body is all header.
 */
static int
read_original(int fd, struct original *o, struct failure *f)
{
	size_t	 got = 0, pos = 0;
	ssize_t	 n;
	char	*nl;

	if ((o->hdr = malloc(HDR_CAP)) == NULL)
		return fail(f, FAIL_OS, "bounce: %s", strerror(errno));
	while (got < HDR_CAP) {
		n = pread(fd, o->hdr + got, HDR_CAP - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return fail(f, FAIL_IO, "cannot read the message "
			    "to bounce: %s", strerror(errno));
		if (n == 0)
			break;
		got += (size_t)n;
	}
	for (;;) {
		nl = memchr(o->hdr + pos, '\n', got - pos);
		if (nl == NULL) {
			o->cut = got == HDR_CAP;
			o->len = o->cut ? pos : got;
			break;
		}
		if (nl == o->hdr + pos ||
		    (nl == o->hdr + pos + 1 && o->hdr[pos] == '\r')) {
			o->len = pos;
			break;
		}
		pos = (size_t)(nl - o->hdr) + 1;
	}
	for (pos = 0; pos < o->len; pos++)
		if ((unsigned char)o->hdr[pos] >= 0x80)
			o->eightbit = 1;
	return 0;
}

/*
 * The cleaned, unfolded value of the first field called name in the
 * original's header block; "" when there is none.
 */
static void
header_value(const struct original *o, const char *name, char *dst,
    size_t size)
{
	const char	*p = o->hdr, *end = o->hdr + o->len, *v, *nl;
	size_t		 nlen = strlen(name);

	*dst = '\0';
	while (p < end) {
		if ((size_t)(end - p) > nlen && p[nlen] == ':' &&
		    strncasecmp(p, name, nlen) == 0)
			break;
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl == NULL ? end : nl + 1;
	}
	if (p >= end)
		return;
	v = p + nlen + 1;
	/* The field goes on while lines start with white space (2.2.3). */
	for (p = v; (nl = memchr(p, '\n', (size_t)(end - p))) != NULL &&
	    nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t'); p = nl + 1)
		;
	clean(dst, size, v, nl == NULL ? (size_t)(end - v) :
	    (size_t)(nl - v));
}

/*
 * Copies src into dst as printable ASCII, as our own lines need: a run of
 * white space (CR, LF and TAB included) becomes one space, other bytes
 * become \ooo as vis(3) writes them, leading and trailing space goes, and
 * a text too long for dst ends with "...".
 */
static void
clean(char *dst, size_t size, const char *src, size_t len)
{
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 i, n = 0;
	int			 space = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n') {
			space = n > 0;
			continue;
		}
		/* Room for a space, an escape, then "..." and the NUL. */
		if (n + 1 + 4 + 4 > size) {
			strlcpy(dst + n, "...", size - n);
			return;
		}
		if (space)
			dst[n++] = ' ';
		space = 0;
		if (s[i] > 0x20 && s[i] < 0x7f)
			dst[n++] = (char)s[i];
		else
			n += (size_t)snprintf(dst + n, size - n, "\\%03o",
			    s[i]);
	}
	dst[n] = '\0';
}

/*
 * RFC 5322 3.3 date-time in the local zone. Day and month names come
 * from tables: strftime's %a and %b follow the locale.
 */
static void
format_date(time_t t, char *buf, size_t size)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	struct tm	tm;
	char		zone[8];

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(zone, sizeof(zone), "%z", &tm) == 0) {
		memset(&tm, 0, sizeof(tm));
		if (gmtime_r(&t, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		strlcpy(zone, "+0000", sizeof(zone));
	}
	snprintf(buf, size, "%s, %d %s %lld %02d:%02d:%02d %s",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    (long long)tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    zone);
}

/* 1 when c may not touch a code: it would be part of a longer number. */
static int
numeric(int c)
{
	return isdigit((unsigned char)c) || c == '.';
}

/*
 * Copies the first enhanced status code in s (RFC 3463 2: class 4 or 5,
 * subject and detail of one to three digits) into code; 0 when none.
 */
static int
find_status(const char *s, char *code, size_t size)
{
	size_t	 i, a, b;

	for (i = 0; s[i] != '\0'; i++) {
		if ((s[i] != '4' && s[i] != '5') || s[i + 1] != '.' ||
		    (i > 0 && numeric(s[i - 1])))
			continue;
		a = strspn(s + i + 2, "0123456789");
		if (a < 1 || a > 3 || s[i + 2 + a] != '.')
			continue;
		b = strspn(s + i + 3 + a, "0123456789");
		if (b < 1 || b > 3)
			continue;
		/* A sentence may end right after it: "(5.1.1)." */
		if (s[i + 3 + a + b] == '.' &&
		    isdigit((unsigned char)s[i + 4 + a + b]))
			continue;
		if (3 + a + b >= size)
			return 0;
		memcpy(code, s + i, 3 + a + b);
		code[3 + a + b] = '\0';
		return 1;
	}
	return 0;
}

/*
 * Where an SMTP reply starts in s: a 4yz or 5yz code (RFC 5321 4.2) at
 * the start or after a space, then a space, a hyphen or the end. NULL
 * when there is none: the failure was not the server's word.
 */
static const char *
find_reply(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i > 0 && s[i - 1] != ' ')
			continue;
		if ((s[i] == '4' || s[i] == '5') &&
		    isdigit((unsigned char)s[i + 1]) &&
		    isdigit((unsigned char)s[i + 2]) &&
		    (s[i + 3] == ' ' || s[i + 3] == '-' || s[i + 3] == '\0'))
			return s + i;
	}
	return NULL;
}

static void
put_header(struct report *r)
{
	const struct bounce_params *p = r->p;
	struct out	*o = &r->out;
	char		 to[ADDR_MAX], from[ADDR_MAX], rnd[17];
	uint32_t	 a = arc4random(), b = arc4random();

	if (r->env->env.from != NULL)
		clean(to, sizeof(to), r->env->env.from, strlen(r->env->env.from));
	else
		*to = '\0';
	if (p->from_addr != NULL)
		clean(from, sizeof(from), p->from_addr, strlen(p->from_addr));
	else
		snprintf(from, sizeof(from), "MAILER-DAEMON@%s", r->domain);
	snprintf(rnd, sizeof(rnd), "%08x%08x", a, b);
	out_line(o, "Date: %s", r->now);
	out_line(o, "From: Mail Delivery System <%s>", from);
	out_line(o, "To: <%s>", to);
	out_line(o, "Subject: Undelivered Mail Returned to Sender");
	out_line(o, "Message-ID: <%lld.%s@%s>", (long long)p->now, rnd,
	    r->domain);
	/* RFC 3834 5: so that no responder answers the report. */
	out_line(o, "Auto-Submitted: auto-replied");
	out_line(o, "MIME-Version: 1.0");
	out_line(o, "Content-Type: multipart/report; "
	    "report-type=delivery-status;");
	out_line(o, "\tboundary=\"%s\"", r->boundary);
	/* A multipart holding an 8bit part is 8bit itself (RFC 2045 6.4). */
	if (r->orig.eightbit)
		out_line(o, "Content-Transfer-Encoding: 8bit");
	out_line(o, "%s", "");
	out_line(o, "This is a MIME-encapsulated delivery status notification.");
	out_line(o, "%s", "");
}

/*
 * Listed in the report: a recipient refused for good; when the message
 * expired, also one still pending. A message from before recipients had
 * states (none has one) lists them all, as then.
 */
static int
reported(const struct report *r, size_t i)
{
	enum rcpt_state	st = envelope_rcpt_state(&r->env->env, i);

	if (envelope_rcpt_count(&r->env->env, RCPT_FAILED) == 0 &&
	    envelope_rcpt_count(&r->env->env, RCPT_DELIVERED) == 0)
		return 1;
	return st == RCPT_FAILED || (st == RCPT_PENDING && r->p->expired);
}

/* Recipient i's own reply, cleaned; else the report's reason. */
static void
rcpt_reason(const struct report *r, size_t i, char *buf, size_t len)
{
	const char	*own = envelope_rcpt_reply(&r->env->env, i);

	if (own != NULL && !(r->p->expired &&
	    envelope_rcpt_state(&r->env->env, i) == RCPT_PENDING))
		clean(buf, len, own, strlen(own));
	else
		strlcpy(buf, r->reason, len);
}

static void
put_text(struct report *r)
{
	const struct queue_envelope *env = r->env;
	struct out	*o = &r->out;
	size_t		 i;
	char		 addr[ADDR_MAX], why[TEXT_MAX];

	out_line(o, "--%s", r->boundary);
	out_line(o, "Content-Type: text/plain; charset=us-ascii");
	out_line(o, "Content-Description: Notification");
	out_line(o, "%s", "");
	out_line(o, "This is the mail system at host %s.", r->host);
	out_line(o, "%s", "");
	out_line(o, "Your message");
	if (*r->msgid != '\0')
		put_wrapped(o, "  Message-ID: ", "    ", r->msgid);
	if (*r->subject != '\0')
		put_wrapped(o, "  Subject: ", "    ", r->subject);
	out_line(o, "  Queue ID: %s", env->id);
	out_line(o, "submitted on %s could not be delivered", r->created);
	out_line(o, "to the following recipients, and will not be tried again:");
	out_line(o, "%s", "");
	for (i = 0; i < env->env.rcpts.n; i++) {
		if (!reported(r, i))
			continue;
		clean(addr, sizeof(addr), env->env.rcpts.v[i],
		    strlen(env->env.rcpts.v[i]));
		out_line(o, "  <%s>", addr);
		rcpt_reason(r, i, why, sizeof(why));
		put_wrapped(o, "    ", "    ", why);
	}
	out_line(o, "%s", "");
	if (envelope_rcpt_count(&env->env, RCPT_DELIVERED) > 0)
		out_line(o, "Its other recipients got it.");
	if (r->p->expired) {
		out_line(o, "It stayed in the queue for longer than allowed: "
		    "%u delivery attempt%s", env->attempts,
		    env->attempts == 1 ? "" : "s");
		out_line(o, "since then failed, and the mail system gave up. "
		    "The last one failed because:");
		out_line(o, "%s", "");
		put_wrapped(o, "  ", "  ", r->reason);
	} else if (env->attempts > 1)
		out_line(o, "After %u delivery attempts since then, it failed "
		    "for good.", env->attempts);
	else
		out_line(o, "It failed for good at the first delivery "
		    "attempt.");
	out_line(o, "%s", "");
	out_line(o, "The headers of your message are attached below%s; "
	    "its body is not.", r->orig.cut ? " (cut short)" : "");
	out_line(o, "%s", "");
}

static void
put_status(struct report *r)
{
	const struct queue_envelope *env = r->env;
	struct out	*o = &r->out;
	const char	*reply;
	size_t		 i;
	char		 addr[ADDR_MAX], why[TEXT_MAX], status[16];

	out_line(o, "--%s", r->boundary);
	out_line(o, "Content-Type: message/delivery-status");
	out_line(o, "Content-Description: Delivery report");
	out_line(o, "%s", "");
	out_line(o, "Reporting-MTA: dns; %s", r->host);
	out_line(o, "X-Postie-Queue-ID: %s", env->id);
	if (env->env.dsn_envid != NULL && *env->env.dsn_envid != '\0') {
		clean(addr, sizeof(addr), env->env.dsn_envid,
		    strlen(env->env.dsn_envid));
		out_line(o, "Original-Envelope-Id: %s", addr);
	}
	out_line(o, "Arrival-Date: %s", r->created);
	for (i = 0; i < env->env.rcpts.n; i++) {
		if (!reported(r, i))
			continue;
		clean(addr, sizeof(addr), env->env.rcpts.v[i],
		    strlen(env->env.rcpts.v[i]));
		rcpt_reason(r, i, why, sizeof(why));
		if (!find_status(why, status, sizeof(status)))
			strlcpy(status, r->status, sizeof(status));
		out_line(o, "%s", "");
		out_line(o, "Final-Recipient: rfc822; %s", addr);
		out_line(o, "Action: failed");
		out_line(o, "Status: %s", status);
		if ((reply = find_reply(why)) != NULL)
			put_wrapped(o, "Diagnostic-Code: smtp; ", " ", reply);
		out_line(o, "Last-Attempt-Date: %s", r->now);
	}
	out_line(o, "%s", "");
}

static void
put_original(struct report *r)
{
	const char	*p = r->orig.hdr, *end = p + r->orig.len, *nl;
	struct out	*o = &r->out;
	size_t		 n;

	out_line(o, "--%s", r->boundary);
	out_line(o, "Content-Type: text/rfc822-headers");
	out_line(o, "Content-Description: Undelivered Message Headers");
	if (r->orig.eightbit)
		out_line(o, "Content-Transfer-Encoding: 8bit");
	out_line(o, "%s", "");
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl == NULL ? (size_t)(end - p) : (size_t)(nl - p);
		out_raw_line(o, p, n > 0 && p[n - 1] == '\r' ? n - 1 : n);
		p += n + (nl != NULL);
	}
	out_line(o, "%s", "");
}

/*
 * Writes text after first, broken at spaces so that lines stay near
 * WRAP_COLS; each further line starts with cont. With cont " " this is
 * header folding (RFC 5322 2.2.3): a space becomes CRLF SP, so unfolding
 * gives the text back. text is clean(): single spaces, none at the ends.
 */
static void
put_wrapped(struct out *o, const char *first, const char *cont,
    const char *text)
{
	const char	*prefix = first, *sp;
	size_t		 room, cut;

	for (;;) {
		room = strlen(prefix) < WRAP_COLS - 20 ?
		    WRAP_COLS - strlen(prefix) : 20;
		if (strlen(text) <= room)
			break;
		for (cut = room; cut > 0 && text[cut] != ' '; cut--)
			;
		/* A word longer than the line goes whole: out_line caps it. */
		if (cut == 0) {
			if ((sp = strchr(text, ' ')) == NULL)
				break;
			cut = (size_t)(sp - text);
		}
		out_line(o, "%s%.*s", prefix, (int)cut, text);
		text += cut + 1;
		prefix = cont;
	}
	out_line(o, "%s%s", prefix, text);
}

static void
out_line(struct out *o, const char *fmt, ...)
{
	char	line[LINE_OCTETS + 1];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	out_raw_line(o, line, (size_t)n < sizeof(line) ? (size_t)n :
	    sizeof(line) - 1);
}

/* One line and its CRLF: cut at 998 octets, CR, LF and NUL made '?'. */
static void
out_raw_line(struct out *o, const char *p, size_t n)
{
	char	*start;
	size_t	 i;

	if (o->err != 0)
		return;
	if (n > LINE_OCTETS)
		n = LINE_OCTETS;
	if (buf_append(&o->b, p, n) == -1 ||
	    buf_append(&o->b, "\r\n", 2) == -1) {
		o->err = ENOMEM;
		return;
	}
	start = o->b.data + o->b.len - n - 2;
	for (i = 0; i < n; i++)
		if (start[i] == '\r' || start[i] == '\n' || start[i] == '\0')
			start[i] = '?';
	if (o->b.len >= OUT_BLOCK)
		out_flush(o);
}

static void
out_flush(struct out *o)
{
	if (o->err == 0 && fileio_write_all(o->fd, o->b.data, o->b.len) == -1)
		o->err = errno;
	buf_reset(&o->b);
}

/* The report's own envelope: from the null sender to the sender. */
static int
report_envelope(const struct queue_envelope *env, struct queue_envelope *r,
    struct failure *f)
{
	if ((env->config != NULL && (r->config = strdup(env->config)) ==
	    NULL) || (r->account = strdup(env->account)) == NULL ||
	    (r->env.from = strdup("")) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	return addrlist_add(&r->env.rcpts, env->env.from, f);
}

int
bounce_prepare(const struct queue_envelope *env, int msg_fd,
    const char *domain, const char *reason, int expired,
    struct bounce_report *r, struct failure *f)
{
	struct bounce_params	*bp = &r->params;

	memset(r, 0, sizeof(*r));
	if (localname_host(r->host, sizeof(r->host)) == -1)
		strlcpy(r->host, "localhost", sizeof(r->host));
	snprintf(r->from, sizeof(r->from), "MAILER-DAEMON@%s",
	    domain != NULL ? domain : r->host);
	bp->env = env;
	bp->msg_fd = msg_fd;
	bp->reason = reason;
	bp->reporting_mta = r->host;
	bp->from_addr = r->from;
	bp->now = time(NULL);
	bp->expired = expired;
	if (lseek(msg_fd, 0, SEEK_SET) == -1)
		return fail(f, FAIL_IO, "cannot rewind the message: %s",
		    strerror(errno));
	return report_envelope(env, &r->env, f);
}

void
bounce_report_free(struct bounce_report *r)
{
	queue_envelope_free(&r->env);
}
