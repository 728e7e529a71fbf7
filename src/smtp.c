/*
 * smtp: the client protocol engine (see smtp.h).
 *
 * A blocking state machine in two switches: smtp_enter() sends what a
 * state sends, smtp_handle() judges the complete reply and picks the next
 * state; smtp_run() turns the crank and smtp_set_state() traces every
 * step with -vv. Each state but READY expects exactly one reply. With
 * PIPELINING, MAIL enters by sending MAIL, every RCPT and DATA at once;
 * RCPT and DATA then only name the command whose reply comes next.
 *
 * With CHUNKING (RFC 3030) BDAT replaces DATA: the message goes as it is
 * in the queue file (CRLF already, no dot-stuffing), in chunks whose
 * exact length the file's size gives. A small message's one "BDAT n
 * LAST" joins the pipelined envelope; BDAT then sends while fewer than
 * SMTP_BDAT_WINDOW chunks await their reply, and BDAT_DRAIN reads the
 * replies still owed after a refusal.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <libutil.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <idn2.h>

#include "log.h"
#include "smtp.h"
#include "tls.h"

#define SMTP_CMD_MAX	  512	/* RFC 5321 4.5.3.1.4, with the CRLF */
#define SMTP_AUTH_LINE_MAX 12288 /* RFC 4954 4, with the CRLF */
#define SMTP_REPLY_MAX	  65536	/* all lines of one reply together */
#define SMTP_DATA_BLOCK	  65536
/* BDAT: a chunk announces at most this much; a message no larger joins
 * the pipelined envelope (a refused envelope costs that much upload);
 * with PIPELINING this many chunks may await their reply at once. */
#define SMTP_BDAT_CHUNK	  (1024 * 1024)
#define SMTP_BDAT_EARLY	  65536
#define SMTP_BDAT_WINDOW  2
/* RFC 3461 5: what the DSN parameters may add to MAIL and to RCPT. */
#define SMTP_DSN_MAIL_EXTRA 100
#define SMTP_DSN_RCPT_EXTRA 500
#define SMTP_HUMAN_SIZE	  6	/* "5.0KB" */

enum smtp_state {
	S_INIT = 0,
	S_BANNER,
	S_EHLO,
	S_HELO,
	S_STARTTLS,
	S_AUTH,
	S_AUTH_CONT,
	S_READY,
	S_MAIL,
	S_RCPT,
	S_DATA,
	S_BODY,
	S_NOBODY,
	S_BDAT,
	S_BDAT_DRAIN,
	S_RSET,
	S_LAST
};

static const char *state_names[S_LAST] = {
	"INIT", "BANNER", "EHLO", "HELO", "STARTTLS", "AUTH", "AUTH_CONT",
	"READY", "MAIL", "RCPT", "DATA", "BODY", "NOBODY", "BDAT",
	"BDAT_DRAIN", "RSET",
};

/* A BDAT chunk sent, for the failure that quotes it. */
struct smtp_chunk {
	off_t	len;
	int	last;
};

struct smtp_session {
	struct conn		*conn;
	struct smtp_params	 p;
	enum smtp_state		 state;
	int			 dead;		/* the stream is out of step */
	int			 expect;	/* replies still to come */
	struct smtp_reply	 reply;
	char			 what[SMTP_CMD_MAX + SMTP_DSN_RCPT_EXTRA];
						/* names the reply */

	unsigned		 caps;
	long long		 size_max;	/* SIZE n; 0: unknown */
	struct buf		 mechs;		/* "PLAIN LOGIN ..." */
	int			 auth_before_tls; /* AUTH offered before
						   STARTTLS, to name it */

	struct sasl_client	*sasl;
	struct buf		 auth_deferred;	/* initial response, secret */
	int			 dsn_warned;	/* DSN dropped: said once */

	/* One smtp_send(). */
	const struct envelope *env;
	struct smtp_rcpt_result	*results;
	int			 fd;
	int			 batch;		/* commands already sent */
	size_t			 rcpt;		/* index of the next RCPT reply */
	size_t			 accepted;
	int			 rcpt_temp;	/* some RCPT got 4xx */
	struct failure		 mail_fail;	/* MAIL refused */
	struct failure		 rcpt_fail;	/* a refusal to quote */
	char			**addr;		/* from, then each recipient,
						   as they go out */
	/* BDAT (RFC 3030) for this message. */
	int			 bdat;
	int			 bdat_done;	/* the LAST chunk is sent */
	off_t			 bdat_file;	/* file octets not yet sent */
	int			 bdat_crlf;	/* octets of an added final
						   CRLF not yet sent */
	off_t			 bdat_octets;	/* sent so far */
	int			 bdat_sent;	/* chunks sent */
	int			 bdat_acked;	/* chunks answered */
	/* Chunks awaiting their reply, by number modulo the window. */
	struct smtp_chunk	 bdat_fly[SMTP_BDAT_WINDOW];
	struct failure		 body_fail;	/* a chunk refused */
	struct buf		 cmd;		/* an envelope command */
	struct buf		 in;
	struct buf		 out;
};

/* A capability keyword and what it sets; parse reads its arguments. */
struct smtp_cap {
	const char	*name;
	unsigned	 flag;
	void		(*parse)(struct smtp_session *, const char *, size_t);
};

static void	smtp_set_state(struct smtp_session *, enum smtp_state);
static int	smtp_run(struct smtp_session *, enum smtp_state,
		    struct failure *);
static int	smtp_enter(struct smtp_session *, struct failure *);
static int	smtp_handle(struct smtp_session *, struct failure *);
static int	smtp_broken(struct smtp_session *);
static int	smtp_read_reply(struct smtp_session *, struct failure *);
static int	smtp_reply_add(struct smtp_session *, const char *, size_t,
		    int, struct failure *);
static int	smtp_refused(struct smtp_session *, enum fail_kind,
		    struct failure *);
static int	smtp_label(struct smtp_session *, struct failure *,
		    const char *, ...) POSTIE_PRINTF(3, 4);
static int	smtp_what_check(struct smtp_session *, int, size_t,
		    struct failure *);
static int	smtp_put(struct smtp_session *, const char *, int,
		    struct failure *);
static int	smtp_flush(struct smtp_session *, struct failure *);
static void	smtp_cap_line(struct smtp_session *, const char *, size_t);
static void	smtp_cap_size(struct smtp_session *, const char *, size_t);
static void	smtp_cap_auth(struct smtp_session *, const char *, size_t);
static void	smtp_mech_add(struct smtp_session *, const char *, size_t);
static int	smtp_enter_ehlo(struct smtp_session *, const char *,
		    struct failure *);
static int	smtp_enter_starttls(struct smtp_session *, struct failure *);
static int	smtp_enter_auth(struct smtp_session *, struct failure *);
static int	smtp_enter_auth_cont(struct smtp_session *, struct failure *);
static int	smtp_auth_cancel(struct smtp_session *);
static int	smtp_prefix(struct failure *, const char *);
static int	smtp_timed_out(struct smtp_session *, struct failure *);
static int	smtp_enter_mail(struct smtp_session *, struct failure *);
static int	smtp_envelope_label(struct smtp_session *, enum smtp_state,
		    size_t, struct failure *);
static int	smtp_enter_envelope(struct smtp_session *, struct failure *);
static int	smtp_enter_body(struct smtp_session *, struct failure *);
static int	smtp_stream(struct smtp_session *, off_t *, struct failure *);
static ssize_t	smtp_read_block(struct smtp_session *, struct failure *);
static int	smtp_bdat_prepare(struct smtp_session *, struct failure *);
static int	smtp_bdat_final_crlf(struct smtp_session *, off_t,
		    struct failure *);
static off_t	smtp_bdat_left(const struct smtp_session *);
static int	smtp_enter_bdat(struct smtp_session *, struct failure *);
static int	smtp_bdat_chunk(struct smtp_session *, struct failure *);
static int	smtp_bdat_copy(struct smtp_session *, off_t, struct failure *);
static int	smtp_bdat_label(struct smtp_session *, struct failure *);
static int	smtp_on_bdat(struct smtp_session *, struct failure *);
static int	smtp_on_bdat_drain(struct smtp_session *, struct failure *);
static int	smtp_after_rcpts(struct smtp_session *, struct failure *);
static int	smtp_on_banner(struct smtp_session *, struct failure *);
static void	smtp_report(struct smtp_session *, enum smtp_setup_reply);
static int	smtp_on_ehlo(struct smtp_session *, struct failure *);
static int	smtp_on_starttls(struct smtp_session *, struct failure *);
static int	smtp_on_auth(struct smtp_session *, struct failure *);
static int	smtp_on_mail(struct smtp_session *, struct failure *);
static int	smtp_on_rcpt(struct smtp_session *, struct failure *);
static int	smtp_on_data(struct smtp_session *, struct failure *);
static int	smtp_verdict(struct smtp_session *, struct failure *);
static int	smtp_envelope_check(struct smtp_session *, struct failure *);
static int	smtp_addrs_prepare(struct smtp_session *, struct failure *);
static void	smtp_addrs_free(struct smtp_session *);
static int	smtp_size_check(struct smtp_session *, struct failure *);
static void	smtp_humanize(char [SMTP_HUMAN_SIZE], long long);
static int	smtp_dsn_asked(const struct envelope *);
static int	smtp_envelope_ascii(const struct envelope *);
static int	smtp_is_ascii(const char *);
static int	smtp_is_ascii_n(const char *, size_t);
static int	smtp_append_upper(struct buf *, const char *);
static void	smtp_auth_clear(struct smtp_session *);
static void	smtp_free(struct smtp_session *);

static const struct smtp_cap smtp_caps_table[] = {
	{ "8BITMIME",		SMTP_CAP_8BITMIME,	NULL },
	{ "AUTH",		SMTP_CAP_AUTH,		smtp_cap_auth },
	{ "CHUNKING",		SMTP_CAP_CHUNKING,	NULL },
	{ "DSN",		SMTP_CAP_DSN,		NULL },
	{ "ENHANCEDSTATUSCODES", SMTP_CAP_ENHANCEDSTATUSCODES, NULL },
	{ "PIPELINING",		SMTP_CAP_PIPELINING,	NULL },
	{ "SIZE",		SMTP_CAP_SIZE,		smtp_cap_size },
	{ "SMTPUTF8",		SMTP_CAP_SMTPUTF8,	NULL },
	{ "STARTTLS",		SMTP_CAP_STARTTLS,	NULL },
};

int
smtp_open(struct conn *c, const struct smtp_params *p,
    struct smtp_session **out, struct failure *f)
{
	struct smtp_session	*s;
	int			 rc;

	*out = NULL;
	if (p->implicit_tls && !conn_is_tls(c))
		return fail(f, FAIL_SOFTWARE, "implicit TLS is not up");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	s->conn = c;
	s->p = *p;
	s->fd = -1;
	s->expect = 1;		/* the greeting */
	rc = smtp_run(s, S_BANNER, f);
	smtp_auth_clear(s);
	if (rc == -1) {
		smtp_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

unsigned
smtp_caps(const struct smtp_session *s)
{
	return s->caps;
}

const struct smtp_reply *
smtp_last_reply(const struct smtp_session *s)
{
	return &s->reply;
}

int
smtp_send(struct smtp_session *s, const struct envelope *env, int fd,
    struct smtp_rcpt_result *results, struct failure *f)
{
	size_t	i;
	int	rc;

	if (s->dead)
		return fail(f, FAIL_SOFTWARE, "smtp_send on a broken session");
	for (i = 0; i < env->rcpts.n; i++) {
		results[i].code = 0;
		results[i].reply[0] = '\0';
	}
	s->env = env;
	s->results = results;
	s->fd = fd;
	s->batch = 0;
	s->rcpt = s->accepted = 0;
	s->rcpt_temp = 0;
	failure_clear(&s->mail_fail);
	failure_clear(&s->rcpt_fail);
	failure_clear(&s->body_fail);
	rc = smtp_envelope_check(s, f);
	if (rc == 0)
		rc = smtp_bdat_prepare(s, f);
	if (rc == 0)
		rc = smtp_run(s, S_MAIL, f);
	smtp_addrs_free(s);
	s->env = NULL;
	s->results = NULL;
	s->fd = -1;
	return rc;
}

int
smtp_alive(const struct smtp_session *s)
{
	return !s->dead;
}

int
smtp_rset(struct smtp_session *s, struct failure *f)
{
	if (s->dead)
		return fail(f, FAIL_SOFTWARE, "smtp_rset on a broken session");
	return smtp_run(s, S_RSET, f);
}

void
smtp_close(struct smtp_session *s)
{
	struct failure	ignored;

	if (s == NULL)
		return;
	/* RFC 5321 4.1.1.10; whatever the answer, the session is over. */
	if (!s->dead && smtp_label(s, &ignored, "QUIT") == 0 &&
	    smtp_put(s, s->what, 0, &ignored) == 0 &&
	    smtp_flush(s, &ignored) == 0)
		(void)smtp_read_reply(s, &ignored);
	smtp_free(s);
}

static void
smtp_free(struct smtp_session *s)
{
	smtp_auth_clear(s);
	buf_free(&s->reply.text, 0);
	buf_free(&s->mechs, 0);
	buf_free(&s->in, 0);
	buf_free(&s->out, 0);
	buf_free(&s->cmd, 0);
	smtp_addrs_free(s);
	free(s);
}

static void
smtp_auth_clear(struct smtp_session *s)
{
	if (s->sasl != NULL)
		sasl_end(s->sasl);
	s->sasl = NULL;
	buf_free(&s->auth_deferred, 1);
}

/* The machine. */

static void
smtp_set_state(struct smtp_session *s, enum smtp_state next)
{
	if (log_verbose() >= 2)
		log_info("smtp: %s -> %s", state_names[s->state],
		    state_names[next]);
	s->state = next;
}

static int
smtp_run(struct smtp_session *s, enum smtp_state first, struct failure *f)
{
	int	next = first;

	while (next != S_READY) {
		smtp_set_state(s, next);
		if (smtp_enter(s, f) == -1 || smtp_read_reply(s, f) == -1)
			return -1;
		if ((next = smtp_handle(s, f)) == -1)
			return -1;
	}
	smtp_set_state(s, S_READY);
	return 0;
}

/* Sends what the state sends; every state then waits for one reply. */
static int
smtp_enter(struct smtp_session *s, struct failure *f)
{
	switch (s->state) {
	case S_BANNER:
		return smtp_label(s, f, "the server's greeting");
	case S_EHLO:
		return smtp_enter_ehlo(s, "EHLO", f);
	case S_HELO:
		return smtp_enter_ehlo(s, "HELO", f);
	case S_STARTTLS:
		return smtp_enter_starttls(s, f);
	case S_AUTH:
		return smtp_enter_auth(s, f);
	case S_AUTH_CONT:
		return smtp_enter_auth_cont(s, f);
	case S_MAIL:
		return smtp_enter_mail(s, f);
	case S_RCPT:
	case S_DATA:
		return smtp_enter_envelope(s, f);
	case S_BODY:
		return smtp_enter_body(s, f);
	case S_NOBODY:
		/* RFC 2920 3.1: DATA was accepted though no RCPT was; "the
		 * client SMTP should send a single dot". */
		if (smtp_label(s, f, "message data") == -1 ||
		    smtp_put(s, ".", 0, f) == -1)
			return -1;
		return smtp_flush(s, f);
	case S_BDAT:
		return smtp_enter_bdat(s, f);
	case S_BDAT_DRAIN:
		/* Nothing more is sent; the next reply is owed to a chunk. */
		return smtp_bdat_label(s, f);
	case S_RSET:
		if (smtp_label(s, f, "RSET") == -1 ||
		    smtp_put(s, s->what, 0, f) == -1)
			return -1;
		return smtp_flush(s, f);
	default:
		return fail(f, FAIL_SOFTWARE, "smtp: nothing to send in %s",
		    state_names[s->state]);
	}
}

/* Judges the reply to the state's command; returns the next state. */
static int
smtp_handle(struct smtp_session *s, struct failure *f)
{
	int	code = s->reply.code;

	switch (s->state) {
	case S_BANNER:
		return smtp_on_banner(s, f);
	case S_EHLO:
	case S_HELO:
		return smtp_on_ehlo(s, f);
	case S_STARTTLS:
		return smtp_on_starttls(s, f);
	case S_AUTH:
	case S_AUTH_CONT:
		return smtp_on_auth(s, f);
	case S_MAIL:
		return smtp_on_mail(s, f);
	case S_RCPT:
		return smtp_on_rcpt(s, f);
	case S_DATA:
		return smtp_on_data(s, f);
	case S_BODY:
		if (code / 100 == 2)
			return S_READY;
		return smtp_refused(s, FAIL_REJECTED, f);
	case S_NOBODY:
		/* Whatever the server thinks of an empty message with no
		 * recipient, the envelope's verdict stands. */
		return smtp_verdict(s, f);
	case S_BDAT:
		return smtp_on_bdat(s, f);
	case S_BDAT_DRAIN:
		return smtp_on_bdat_drain(s, f);
	case S_RSET:
		if (code / 100 == 2)
			return S_READY;
		return smtp_refused(s, FAIL_REJECTED, f);
	default:
		return fail(f, FAIL_SOFTWARE, "smtp: no reply expected in %s",
		    state_names[s->state]);
	}
}

/* The stream is out of step with the dialogue: no more commands. */
static int
smtp_broken(struct smtp_session *s)
{
	s->dead = 1;
	return -1;
}

/* Replies. */

int
smtp_reply_line_parse(const char *line, size_t len, int *code, int *more,
    const char **text, size_t *textlen)
{
	/* RFC 5321 4.2: three digits, the first 2-5, the second 0-5. */
	if (len < 3 || len > SMTP_REPLY_LINE_MAX ||
	    line[0] < '2' || line[0] > '5' ||
	    line[1] < '0' || line[1] > '5' ||
	    line[2] < '0' || line[2] > '9')
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*more = len > 3 && line[3] == '-';
	*text = len > 3 ? line + 4 : line + 3;
	*textlen = len > 3 ? len - 4 : 0;
	return 0;
}

static int
smtp_read_reply(struct smtp_session *s, struct failure *f)
{
	const char	*line;
	size_t		 len;
	int		 more, nlines = 0;

	buf_reset(&s->reply.text);
	s->reply.code = 0;
	/* One deadline for the whole reply, every line of it: a server
	 * trickling a byte a second must not hold us for hours. */
	conn_deadline(s->conn);
	do {
		if (conn_read_line(s->conn, &line, &len, SMTP_REPLY_LINE_MAX,
		    f) == -1)
			return smtp_timed_out(s, f);
		if ((more = smtp_reply_add(s, line, len, nlines++, f)) == -1)
			return smtp_broken(s);
	} while (more);
	s->expect--;
	/* RFC 5321 3.8: 421, whatever it answers, is the server closing. */
	if (s->reply.code == 421) {
		(void)smtp_refused(s, FAIL_TEMPFAIL, f);
		return smtp_broken(s);
	}
	/* Bytes nobody asked for mean a server out of step, or someone
	 * injecting commands' answers; conn_starttls() says which. */
	if (s->expect <= 0 && s->state != S_STARTTLS &&
	    conn_pending(s->conn) > 0) {
		fail(f, FAIL_PROTOCOL, "the server sent more than was asked "
		    "for (after %s)", s->what);
		return smtp_broken(s);
	}
	return 0;
}

/* Adds line number nth to the reply; returns its "more" flag, or -1. */
static int
smtp_reply_add(struct smtp_session *s, const char *line, size_t len,
    int nth, struct failure *f)
{
	const char	*text;
	size_t		 tlen;
	int		 code, more;

	if (smtp_reply_line_parse(line, len, &code, &more, &text, &tlen) == -1)
		return fail(f, FAIL_PROTOCOL, "the server's reply is not SMTP: "
		    "%.*s", (int)len, line);
	if (nth > 0 && code != s->reply.code)
		return fail(f, FAIL_PROTOCOL, "the server's reply is not SMTP "
		    "(%d, then %d): %.*s", s->reply.code, code, (int)len, line);
	if (s->reply.text.len + tlen + 3 > SMTP_REPLY_MAX)
		return fail(f, FAIL_PROTOCOL, "the server's reply to %s is "
		    "longer than %d bytes", s->what, SMTP_REPLY_MAX);
	s->reply.code = code;
	if ((nth > 0 && buf_append(&s->reply.text, " / ", 3) == -1) ||
	    buf_append(&s->reply.text, text, tlen) == -1)
		return fail(f, FAIL_OS, "out of memory");
	/* The first line of the EHLO reply is the server's name. */
	if (s->state == S_EHLO && nth > 0 && code == 250)
		smtp_cap_line(s, text, tlen);
	return more;
}

/*
 * Fails with the command and the reply: 4xx is temporary, 5xx is kind,
 * anything else was not a possible answer.
 */
static int
smtp_refused(struct smtp_session *s, enum fail_kind kind, struct failure *f)
{
	const char	*sep = s->reply.text.len > 0 ? " " : "";
	const char	*text = s->reply.text.len > 0 ? s->reply.text.data : "";

	switch (s->reply.code / 100) {
	case 4:
		kind = FAIL_TEMPFAIL;
		break;
	case 5:
		break;
	default:
		/* A 2xx or 3xx where it cannot be is a reply to something
		 * else: after a 354 even QUIT would be message text. */
		fail(f, FAIL_PROTOCOL, "%s: unexpected reply %d%s%s",
		    s->what, s->reply.code, sep, text);
		return smtp_broken(s);
	}
	return fail(f, kind, "%s: %d%s%s", s->what, s->reply.code, sep, text);
}

/* Commands. */

/* Names the command whose reply comes next, as failures will quote it. */
static int
smtp_label(struct smtp_session *s, struct failure *f, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(s->what, sizeof(s->what), fmt, ap);
	va_end(ap);
	return smtp_what_check(s, n, SMTP_CMD_MAX, f);
}

/* The label of n characters must fit max with its CRLF, on one line. */
static int
smtp_what_check(struct smtp_session *s, int n, size_t max,
    struct failure *f)
{
	if (n < 0 || (size_t)n > max - 2 || (size_t)n >= sizeof(s->what))
		return fail(f, FAIL_DATA, "command longer than SMTP allows "
		    "(RFC 5321 4.5.3.1.4): %.60s...", s->what);
	/* An address holding a line break would smuggle a command. */
	if (strpbrk(s->what, "\r\n") != NULL)
		return fail(f, FAIL_DATA, "refusing to send a line break "
		    "inside a command: %s", s->what);
	return 0;
}

static int
smtp_put(struct smtp_session *s, const char *line, int secret,
    struct failure *f)
{
	if (conn_write_line(s->conn, line, secret, f) == -1)
		return smtp_broken(s);
	s->expect++;
	return 0;
}

static int
smtp_flush(struct smtp_session *s, struct failure *f)
{
	if (conn_flush(s->conn, f) == -1)
		return smtp_timed_out(s, f);
	return 0;
}

/*
 * A wait that ran out says which one ("EHLO host: no answer within 5 s"):
 * that is what a person needs. Any failure of the stream breaks the
 * session; returns -1.
 */
static int
smtp_timed_out(struct smtp_session *s, struct failure *f)
{
	if (f->kind == FAIL_TIMEOUT)
		(void)smtp_prefix(f, s->what);
	return smtp_broken(s);
}

/* Puts "what: " before a failure's text; returns -1. */
static int
smtp_prefix(struct failure *f, const char *what)
{
	char	text[sizeof(f->text)];

	/* The text is escaped already; escaping it again changes nothing. */
	(void)strlcpy(text, f->text, sizeof(text));
	return fail(f, f->kind, "%s: %s", what, text);
}

/* Capabilities (RFC 5321 4.1.1.1: keywords are case-insensitive). */

static void
smtp_cap_line(struct smtp_session *s, const char *text, size_t len)
{
	size_t	i, klen;

	/* The old "AUTH=PLAIN LOGIN" form ends its keyword with "=". */
	for (klen = 0; klen < len && text[klen] != ' ' && text[klen] != '=';
	    klen++)
		;
	for (i = 0; i < POSTIE_NELEM(smtp_caps_table); i++) {
		if (strlen(smtp_caps_table[i].name) != klen ||
		    strncasecmp(text, smtp_caps_table[i].name, klen) != 0)
			continue;
		s->caps |= smtp_caps_table[i].flag;
		if (smtp_caps_table[i].parse != NULL)
			smtp_caps_table[i].parse(s, text + klen, len - klen);
		return;
	}
}

static void
smtp_cap_size(struct smtp_session *s, const char *args, size_t len)
{
	char		 num[32];
	const char	*err;
	long long	 n;

	/* RFC 1870 4: "SIZE" alone or "SIZE 0" declares no fixed limit. */
	while (len > 0 && *args == ' ') {
		args++;
		len--;
	}
	if (len == 0 || len >= sizeof(num))
		return;
	memcpy(num, args, len);
	num[len] = '\0';
	n = strtonum(num, 0, LLONG_MAX, &err);
	if (err == NULL)
		s->size_max = n;
}

static void
smtp_cap_auth(struct smtp_session *s, const char *args, size_t len)
{
	size_t	i = 0, start;

	while (i < len) {
		while (i < len && (args[i] == ' ' || args[i] == '='))
			i++;
		start = i;
		while (i < len && args[i] != ' ')
			i++;
		if (i > start)
			smtp_mech_add(s, args + start, i - start);
	}
}

/* Adds one mechanism name, upper case (RFC 4422 3.1), once. */
static void
smtp_mech_add(struct smtp_session *s, const char *name, size_t len)
{
	char	word[64];
	size_t	i;
	char	*hit;
	int	c;

	if (len >= sizeof(word))
		return;
	for (i = 0; i < len; i++) {
		/* RFC 4422 3.1: A-Z, 0-9, "-", "_". Anything else, a NUL
		 * byte above all (strstr() below would overrun), names no
		 * mechanism we could use. */
		c = toupper((unsigned char)name[i]);
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return;
		word[i] = (char)c;
	}
	word[len] = '\0';
	for (hit = s->mechs.data; hit != NULL &&
	    (hit = strstr(hit, word)) != NULL; hit += len)
		if ((hit == s->mechs.data || hit[-1] == ' ') &&
		    (hit[len] == ' ' || hit[len] == '\0'))
			return;
	if (s->mechs.len > 0)
		(void)buf_append(&s->mechs, " ", 1);
	(void)buf_append(&s->mechs, word, len);
}

/* Session setup. */

/* The reply to the caller that asked to see it. */
static void
smtp_report(struct smtp_session *s, enum smtp_setup_reply which)
{
	if (s->p.events != NULL && s->p.events->reply != NULL)
		s->p.events->reply(s->p.events->arg, which, s->reply.code,
		    s->reply.text.data != NULL ? s->reply.text.data : "");
}

static int
smtp_on_banner(struct smtp_session *s, struct failure *f)
{
	smtp_report(s, SMTP_GREETING);
	if (s->reply.code == 220)
		return S_EHLO;
	return smtp_refused(s, FAIL_REJECTED, f);
}

static int
smtp_enter_ehlo(struct smtp_session *s, const char *verb, struct failure *f)
{
	/* RFC 3207 4.2: what was offered before TLS counts for nothing. */
	s->caps = 0;
	s->size_max = 0;
	buf_reset(&s->mechs);
	if (smtp_label(s, f, "%s %s", verb, s->p.helo_name) == -1 ||
	    smtp_put(s, s->what, 0, f) == -1)
		return -1;
	return smtp_flush(s, f);
}

static int
smtp_on_ehlo(struct smtp_session *s, struct failure *f)
{
	int	code = s->reply.code;

	if (code / 100 != 2) {
		/* RFC 5321 3.2: a server that does not know EHLO; but
		 * without extensions there is neither STARTTLS nor AUTH. */
		if (code / 100 == 5 && s->state == S_EHLO && !s->p.starttls &&
		    !s->p.auth)
			return S_HELO;
		return smtp_refused(s, FAIL_REJECTED, f);
	}
	smtp_report(s, conn_is_tls(s->conn) ? SMTP_EHLO_TLS :
	    SMTP_EHLO_PLAIN);
	if (s->p.starttls && !conn_is_tls(s->conn))
		return S_STARTTLS;
	if (s->p.auth)
		return S_AUTH;
	return S_READY;
}

static int
smtp_enter_starttls(struct smtp_session *s, struct failure *f)
{
	/* No fallback to plaintext, ever: a missing STARTTLS is what a
	 * downgrade attack looks like. */
	if ((s->caps & SMTP_CAP_STARTTLS) == 0)
		return fail(f, FAIL_TLS, "the server does not offer STARTTLS "
		    "(an attacker may have removed it); nothing was sent");
	if (smtp_label(s, f, "STARTTLS") == -1 ||
	    smtp_put(s, s->what, 0, f) == -1)
		return -1;
	return smtp_flush(s, f);
}

static int
smtp_on_starttls(struct smtp_session *s, struct failure *f)
{
	struct tls_params	tp;

	if (s->reply.code != 220)
		return smtp_refused(s, FAIL_TLS, f);
	tp = *s->p.tls;
	tp.after_starttls = 1;
	if (conn_starttls(s->conn, &tp, f) == -1)
		return smtp_broken(s);
	s->auth_before_tls = (s->caps & SMTP_CAP_AUTH) != 0;
	/* The caller may end it here (--serverinfo, after a certificate
	 * that did not verify): nothing but QUIT then. */
	if (s->p.events != NULL && s->p.events->tls_up != NULL &&
	    s->p.events->tls_up(s->p.events->arg, s->conn, f) == -1)
		return -1;
	log_info("TLS is up; asking for the capabilities again");
	return S_EHLO;
}

static int
smtp_enter_auth(struct smtp_session *s, struct failure *f)
{
	struct sasl_params	 sp;
	struct buf		 line = BUF_INIT;
	const char		*mech, *initial;
	unsigned char		 cb[64];
	int			 rc;

	/* A server that offers AUTH in plaintext only would have the
	 * password where anyone on the path can read it, or an attacker
	 * stripped AUTH from the EHLO inside TLS: say which we saw. */
	if ((s->caps & SMTP_CAP_AUTH) == 0 && s->auth_before_tls)
		return fail(f, FAIL_AUTH, "the server offered AUTH only before "
		    "STARTTLS, none over TLS; no password was sent");
	if ((s->caps & SMTP_CAP_AUTH) == 0)
		return fail(f, FAIL_AUTH, "the server offers no authentication "
		    "(AUTH) on this connection (is this its submission port?)");
	sp = s->p.sasl;
	sp.offered = s->mechs.data != NULL ? s->mechs.data : "";
	sp.tls_active = conn_is_tls(s->conn);
	/* For SCRAM-*-PLUS; sasl_start() copies it. */
	if (sp.tls_active && tls_channel_binding(conn_tls(s->conn),
	    &sp.cb_name, cb, sizeof(cb), &sp.cb_len) == 0)
		sp.cb_data = cb;
	sp.client_cert = sp.tls_active &&
	    tls_client_cert_sent(conn_tls(s->conn));
	if (sasl_start(&sp, &s->sasl, &mech, &initial, f) == -1)
		return -1;
	if (smtp_label(s, f, "AUTH %s", mech) == -1)
		return -1;
	/* RFC 4954 4: an initial response that would make the line too
	 * long waits for the server's empty challenge instead. */
	if (initial != NULL &&
	    strlen(s->what) + 1 + strlen(initial) + 2 > SMTP_AUTH_LINE_MAX) {
		if (buf_append(&s->auth_deferred, initial,
		    strlen(initial)) == -1)
			return fail(f, FAIL_OS, "out of memory");
		initial = NULL;
	}
	if (buf_appendf(&line, "%s%s%s", s->what, initial != NULL ? " " : "",
	    initial != NULL ? initial : "") == -1)
		return fail(f, FAIL_OS, "out of memory");
	rc = smtp_put(s, line.data, 1, f);
	buf_free(&line, 1);
	return rc == -1 ? -1 : smtp_flush(s, f);
}

/* Answers the 334 challenge held in the reply. */
static int
smtp_enter_auth_cont(struct smtp_session *s, struct failure *f)
{
	const char	*response;
	int		 rc;

	if (s->auth_deferred.len > 0) {
		rc = smtp_put(s, s->auth_deferred.data, 1, f);
		buf_free(&s->auth_deferred, 1);
		return rc == -1 ? -1 : smtp_flush(s, f);
	}
	if (sasl_step(s->sasl, s->reply.text.data != NULL ?
	    s->reply.text.data : "", s->reply.text.len, &response, f) == -1) {
		(void)smtp_auth_cancel(s);
		return smtp_prefix(f, s->what);
	}
	if (smtp_put(s, response, 1, f) == -1)
		return -1;
	return smtp_flush(s, f);
}

/* RFC 4954 4: "*" ends the exchange; the server answers 501. */
static int
smtp_auth_cancel(struct smtp_session *s)
{
	struct failure	ignored;

	if (smtp_put(s, "*", 0, &ignored) == -1 ||
	    smtp_flush(s, &ignored) == -1 ||
	    smtp_read_reply(s, &ignored) == -1)
		return -1;
	return 0;
}

static int
smtp_on_auth(struct smtp_session *s, struct failure *f)
{
	const char	*err;
	int		 code = s->reply.code;

	if (code == 334)
		return S_AUTH_CONT;
	if (code / 100 == 2) {
		if (sasl_finish(s->sasl, code, f) == -1)
			return smtp_prefix(f, s->what);
		log_info("authenticated (%s)", s->what);
		/* The password is not needed again: wipe it now. */
		sasl_end(s->sasl);
		s->sasl = NULL;
		return S_READY;
	}
	(void)sasl_finish(s->sasl, code, NULL);
	/* OAuth: the 535 alone does not say why; the JSON status does. */
	if (code / 100 == 5 && (err = sasl_server_error(s->sasl)) != NULL)
		return fail(f, FAIL_AUTH, "%s: %d %s (the server said: %s)",
		    s->what, code, s->reply.text.len > 0 ?
		    s->reply.text.data : "", err);
	return smtp_refused(s, FAIL_AUTH, f);
}

/* The envelope. */

/* Checks what can be checked before anything is sent. */
static int
smtp_envelope_check(struct smtp_session *s, struct failure *f)
{
	const struct envelope	*env = s->env;
	size_t				 i;

	if (env->rcpts.n == 0)
		return fail(f, FAIL_DATA, "no recipient");
	if (smtp_addrs_prepare(s, f) == -1)
		return -1;
	for (i = 0; i < env->rcpts.n; i++)
		if (smtp_envelope_label(s, S_RCPT, i, f) == -1)
			return -1;
	if (smtp_envelope_label(s, S_MAIL, 0, f) == -1)
		return -1;
	if (smtp_size_check(s, f) == -1)
		return -1;
	/* RFC 3461 4: the parameters are for a server that offers DSN;
	 * dropping them loses a courtesy, not the message. */
	if (smtp_dsn_asked(env) && (s->caps & SMTP_CAP_DSN) == 0 &&
	    !s->dsn_warned) {
		s->dsn_warned = 1;
		log_warn("the server does not offer DSN: the delivery status "
		    "notification requests (NOTIFY, RET, ENVID) were dropped");
	}
	if (env->eight_bit && (s->caps & SMTP_CAP_8BITMIME) == 0)
		log_info("8-bit message, but the server does not offer "
		    "8BITMIME; sending it as it is");
	return 0;
}

/* RFC 1870 6: a message over the declared limit is not sent. */
static int
smtp_size_check(struct smtp_session *s, struct failure *f)
{
	char	have[SMTP_HUMAN_SIZE], max[SMTP_HUMAN_SIZE];

	if ((s->caps & SMTP_CAP_SIZE) == 0 || s->size_max <= 0 ||
	    s->env->size <= s->size_max)
		return 0;
	smtp_humanize(have, s->env->size);
	smtp_humanize(max, s->size_max);
	return fail(f, FAIL_REJECTED, "the message is %s (%lld octets), over "
	    "the server's SIZE limit of %s (%lld octets); nothing was sent",
	    have, (long long)s->env->size, max, s->size_max);
}

/* "5.0KB": three digits at most, then the unit. */
static void
smtp_humanize(char out[SMTP_HUMAN_SIZE], long long n)
{
	if (humanize_number(out, SMTP_HUMAN_SIZE, n, "B", HN_AUTOSCALE,
	    HN_DECIMAL | HN_NOSPACE) == -1)
		strlcpy(out, "?", SMTP_HUMAN_SIZE);
}

/* Every address as it goes out to this server, in s->addr. */
static int
smtp_addrs_prepare(struct smtp_session *s, struct failure *f)
{
	const struct envelope	*env = s->env;
	size_t				 i, n = env->rcpts.n;
	int				 utf8 = s->caps & SMTP_CAP_SMTPUTF8;

	smtp_addrs_free(s);
	if ((s->addr = calloc(n + 2, sizeof(*s->addr))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	if (smtp_address_out(env->from, utf8, &s->addr[0], f) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (smtp_address_out(env->rcpts.v[i], utf8, &s->addr[i + 1],
		    f) == -1)
			return -1;
	return 0;
}

static void
smtp_addrs_free(struct smtp_session *s)
{
	size_t	i;

	if (s->addr == NULL)
		return;
	for (i = 0; s->addr[i] != NULL; i++)
		free(s->addr[i]);
	free(s->addr);
	s->addr = NULL;
}

/*
 * RFC 6531 3.2: without SMTPUTF8 an address must be ASCII. A domain can
 * be written so (RFC 5890 A-labels); a local part cannot.
 */
int
smtp_address_out(const char *addr, int smtputf8, char **out,
    struct failure *f)
{
	const char	*at;
	char		*domain;
	size_t		 len;
	int		 rc;

	*out = NULL;
	if (smtputf8 || smtp_is_ascii(addr)) {
		if ((*out = strdup(addr)) == NULL)
			return fail(f, FAIL_OS, "out of memory");
		return 0;
	}
	at = strrchr(addr, '@');
	if (at == NULL || !smtp_is_ascii_n(addr, (size_t)(at - addr)))
		return fail(f, FAIL_REJECTED, "the server does not offer "
		    "SMTPUTF8, and the local part of <%s> is not ASCII", addr);
	rc = idn2_to_ascii_8z(at + 1, &domain,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		return fail(f, FAIL_REJECTED, "the server does not offer "
		    "SMTPUTF8, and the domain of <%s> has no ASCII form "
		    "(IDNA: %s)", addr, idn2_strerror(rc));
	len = (size_t)(at - addr) + 1 + strlen(domain) + 1;
	if ((*out = malloc(len)) != NULL)
		snprintf(*out, len, "%.*s@%s", (int)(at - addr), addr, domain);
	idn2_free(domain);
	if (*out == NULL)
		return fail(f, FAIL_OS, "out of memory");
	log_info("the server does not offer SMTPUTF8: <%s> goes out as <%s>",
	    addr, *out);
	return 0;
}

/*
 * RFC 3461 4: xtext, for ENVID and ORCPT. Printable ASCII but "+" and
 * "=" stands for itself; any other octet is "+" and two upper-case hex
 * digits.
 */
int
smtp_xtext(const char *in, struct buf *out)
{
	const unsigned char	*p;
	int			 rc = 0;

	for (p = (const unsigned char *)in; *p != '\0' && rc == 0; p++) {
		if (*p >= 33 && *p <= 126 && *p != '+' && *p != '=')
			rc = buf_append(out, p, 1);
		else
			rc = buf_appendf(out, "+%02X", *p);
	}
	return rc;
}

int
smtp_mail_command(const struct envelope *env, const char *from,
    unsigned caps, struct buf *out)
{
	int	dsn = (caps & SMTP_CAP_DSN) != 0;

	buf_reset(out);
	if (buf_appendf(out, "MAIL FROM:<%s>", from) == -1)
		return -1;
	/* RFC 1870 3 */
	if ((caps & SMTP_CAP_SIZE) && env->size > 0 &&
	    buf_appendf(out, " SIZE=%lld", (long long)env->size) == -1)
		return -1;
	/* RFC 6152 2 */
	if (env->eight_bit && (caps & SMTP_CAP_8BITMIME) &&
	    buf_appendf(out, " BODY=8BITMIME") == -1)
		return -1;
	/* RFC 6531 3.4 */
	if ((caps & SMTP_CAP_SMTPUTF8) && !smtp_envelope_ascii(env) &&
	    buf_appendf(out, " SMTPUTF8") == -1)
		return -1;
	/* RFC 3461 4.3, 4.4 */
	if (dsn && env->dsn_ret != NULL &&
	    (buf_appendf(out, " RET=") == -1 ||
	    smtp_append_upper(out, env->dsn_ret) == -1))
		return -1;
	if (dsn && env->dsn_envid != NULL &&
	    (buf_appendf(out, " ENVID=") == -1 ||
	    smtp_xtext(env->dsn_envid, out) == -1))
		return -1;
	return 0;
}

int
smtp_rcpt_command(const struct envelope *env, size_t i,
    const char *rcpt, unsigned caps, struct buf *out)
{
	const char	*orig = env->rcpts.v[i];
	int		 dsn = (caps & SMTP_CAP_DSN) && smtp_dsn_asked(env);

	buf_reset(out);
	if (buf_appendf(out, "RCPT TO:<%s>", rcpt) == -1)
		return -1;
	/* RFC 3461 4.1 */
	if (dsn && env->dsn_notify != NULL &&
	    (buf_appendf(out, " NOTIFY=") == -1 ||
	    smtp_append_upper(out, env->dsn_notify) == -1))
		return -1;
	/* RFC 3461 4.2: the address as given, for the DSN to name. A
	 * non-ASCII one would need RFC 6533's "utf-8" type: left out. */
	if (dsn && smtp_is_ascii(orig) &&
	    (buf_appendf(out, " ORCPT=rfc822;") == -1 ||
	    smtp_xtext(orig, out) == -1))
		return -1;
	return 0;
}

static int
smtp_dsn_asked(const struct envelope *env)
{
	return env->dsn_notify != NULL || env->dsn_ret != NULL ||
	    env->dsn_envid != NULL;
}

static int
smtp_envelope_ascii(const struct envelope *env)
{
	size_t	i;

	if (!smtp_is_ascii(env->from))
		return 0;
	for (i = 0; i < env->rcpts.n; i++)
		if (!smtp_is_ascii(env->rcpts.v[i]))
			return 0;
	return 1;
}

static int
smtp_is_ascii(const char *p)
{
	return smtp_is_ascii_n(p, strlen(p));
}

static int
smtp_is_ascii_n(const char *p, size_t n)
{
	for (; n > 0; p++, n--)
		if ((unsigned char)*p >= 0x80)
			return 0;
	return 1;
}

static int
smtp_append_upper(struct buf *out, const char *p)
{
	char	c;

	for (; *p != '\0'; p++) {
		c = (char)toupper((unsigned char)*p);
		if (buf_append(out, &c, 1) == -1)
			return -1;
	}
	return 0;
}

/* Puts the command for state st (RCPT number i) in the label. */
static int
smtp_envelope_label(struct smtp_session *s, enum smtp_state st, size_t i,
    struct failure *f)
{
	const struct envelope	*env = s->env;
	int				 dsn, rc;
	size_t				 max = SMTP_CMD_MAX;

	if (st == S_DATA)
		return smtp_label(s, f, "DATA");
	dsn = (s->caps & SMTP_CAP_DSN) && smtp_dsn_asked(env);
	if (st == S_RCPT) {
		rc = smtp_rcpt_command(env, i, s->addr[i + 1], s->caps,
		    &s->cmd);
		max += dsn ? SMTP_DSN_RCPT_EXTRA : 0;
	} else {
		rc = smtp_mail_command(env, s->addr[0], s->caps, &s->cmd);
		max += dsn ? SMTP_DSN_MAIL_EXTRA : 0;
	}
	if (rc == -1)
		return fail(f, FAIL_OS, "out of memory");
	rc = snprintf(s->what, sizeof(s->what), "%s", s->cmd.data);
	return smtp_what_check(s, rc, max, f);
}

/* With PIPELINING, the whole envelope leaves as one write (RFC 2920). */
static int
smtp_enter_mail(struct smtp_session *s, struct failure *f)
{
	size_t	i, n = s->env->rcpts.n;

	/* smtp_envelope_check() has tried every label: none fails. */
	s->batch = (s->caps & SMTP_CAP_PIPELINING) != 0;
	if (!s->batch)
		return smtp_enter_envelope(s, f);
	if (smtp_envelope_label(s, S_MAIL, 0, f) == -1 ||
	    smtp_put(s, s->what, 0, f) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (smtp_envelope_label(s, S_RCPT, i, f) == -1 ||
		    smtp_put(s, s->what, 0, f) == -1)
			return -1;
	/* RFC 3030 4.2: BDAT may be pipelined; a larger message waits for
	 * the envelope's verdict rather than risk sending it for nothing. */
	if (s->bdat && smtp_bdat_left(s) <= SMTP_BDAT_EARLY) {
		if (smtp_bdat_chunk(s, f) == -1)
			return -1;
	} else if (!s->bdat && (smtp_envelope_label(s, S_DATA, 0, f) == -1 ||
	    smtp_put(s, s->what, 0, f) == -1))
		return -1;
	if (smtp_flush(s, f) == -1)
		return -1;
	return smtp_envelope_label(s, S_MAIL, 0, f);
}

/* Names (and without PIPELINING sends) MAIL, RCPT or DATA. */
static int
smtp_enter_envelope(struct smtp_session *s, struct failure *f)
{
	if (smtp_envelope_label(s, s->state, s->rcpt, f) == -1)
		return -1;
	if (s->batch)
		return 0;
	if (smtp_put(s, s->what, 0, f) == -1)
		return -1;
	return smtp_flush(s, f);
}

static int
smtp_on_mail(struct smtp_session *s, struct failure *f)
{
	if (s->reply.code / 100 == 2)
		return S_RCPT;
	(void)smtp_refused(s, FAIL_REJECTED, &s->mail_fail);
	/* The RCPT and DATA replies are on their way: read them all. */
	if (s->batch)
		return S_RCPT;
	return smtp_verdict(s, f);
}

static int
smtp_on_rcpt(struct smtp_session *s, struct failure *f)
{
	struct failure	own;
	int		code = s->reply.code;

	/* After a refused MAIL, "need MAIL first" says nothing of it. */
	s->results[s->rcpt].code = s->mail_fail.kind != FAIL_NONE ? 0 : code;
	s->results[s->rcpt].reply[0] = '\0';
	if (s->results[s->rcpt].code / 100 == 4 ||
	    s->results[s->rcpt].code / 100 == 5) {
		/* Its own words, for the queue and the sender's report. */
		failure_clear(&own);
		(void)smtp_refused(s, FAIL_NOUSER, &own);
		strlcpy(s->results[s->rcpt].reply, own.text,
		    sizeof(s->results[s->rcpt].reply));
	}
	s->rcpt++;
	if (code / 100 == 2)
		s->accepted++;
	else if (s->rcpt_fail.kind == FAIL_NONE ||
	    (code / 100 == 4 && !s->rcpt_temp)) {
		/* Quote a 4xx when there is one: it decides the verdict. */
		(void)smtp_refused(s, FAIL_NOUSER, &s->rcpt_fail);
		s->rcpt_temp = s->rcpt_temp || code / 100 == 4;
	}
	if (s->rcpt < s->env->rcpts.n)
		return S_RCPT;
	return smtp_after_rcpts(s, f);
}

/* Every RCPT has its reply: the message, or the replies still owed. */
static int
smtp_after_rcpts(struct smtp_session *s, struct failure *f)
{
	int	hopeless = s->mail_fail.kind != FAIL_NONE || s->accepted == 0;

	if (!s->bdat)
		return s->batch || !hopeless ? S_DATA : smtp_verdict(s, f);
	if (!hopeless)
		return S_BDAT;
	/* RFC 3030 2: the server reads and refuses a chunk that came with
	 * a refused envelope; its reply is owed all the same. */
	if (s->bdat_sent > s->bdat_acked)
		return S_BDAT_DRAIN;
	return smtp_verdict(s, f);
}

static int
smtp_on_data(struct smtp_session *s, struct failure *f)
{
	int	hopeless = s->mail_fail.kind != FAIL_NONE || s->accepted == 0;

	if (s->reply.code == 354)
		return hopeless ? S_NOBODY : S_BODY;
	if (hopeless)
		return smtp_verdict(s, f);
	return smtp_refused(s, FAIL_REJECTED, f);
}

/* The failure of an envelope nobody can receive. */
static int
smtp_verdict(struct smtp_session *s, struct failure *f)
{
	size_t	n = s->env->rcpts.n;

	if (s->mail_fail.kind != FAIL_NONE) {
		*f = s->mail_fail;
		return -1;
	}
	if (n == 1)
		*f = s->rcpt_fail;
	else
		fail(f, FAIL_NOUSER, "%s (all %zu recipients refused)",
		    s->rcpt_fail.text, n);
	/* Some 4xx: worth trying again later. */
	f->kind = s->rcpt_temp ? FAIL_TEMPFAIL : FAIL_NOUSER;
	return -1;
}

/* The content. */

static int
smtp_enter_body(struct smtp_session *s, struct failure *f)
{
	off_t	octets = 0;

	if (smtp_label(s, f, "message data") == -1)
		return -1;
	if (smtp_stream(s, &octets, f) == -1)
		return -1;
	if (smtp_put(s, ".", 0, f) == -1 || smtp_flush(s, f) == -1)
		return -1;
	log_info("sent %lld octets of message data", (long long)octets);
	return 0;
}

/*
 * Copies fd to the server, dot-stuffed, ending with CRLF. Any failure
 * here leaves a half-sent message that no "." may end: the session is
 * broken and the caller must drop the connection.
 */
static int
smtp_stream(struct smtp_session *s, off_t *octets, struct failure *f)
{
	ssize_t	n;
	int	at_bol = 1, crlf = 1;
	char	last = '\0';

	if (buf_reserve(&s->in, SMTP_DATA_BLOCK) == -1)
		goto nomem;
	while ((n = smtp_read_block(s, f)) > 0) {
		buf_reset(&s->out);
		if (smtp_dotstuff(&at_bol, s->in.data, (size_t)n,
		    &s->out) == -1)
			goto nomem;
		if (conn_write(s->conn, s->out.data, s->out.len, f) == -1)
			return smtp_timed_out(s, f);
		*octets += (off_t)s->out.len;
		crlf = s->out.len >= 2 ?
		    memcmp(s->out.data + s->out.len - 2, "\r\n", 2) == 0 :
		    last == '\r' && s->out.data[0] == '\n';
		last = s->out.data[s->out.len - 1];
	}
	if (n == -1)
		return smtp_broken(s);
	if (!crlf && conn_write(s->conn, "\r\n", 2, f) == -1)
		return smtp_broken(s);
	return 0;
nomem:
	fail(f, FAIL_OS, "out of memory");
	return smtp_broken(s);
}

/* Reads the next block of the message into s->in; 0 at its end. */
static ssize_t
smtp_read_block(struct smtp_session *s, struct failure *f)
{
	ssize_t	n;

	while ((n = read(s->fd, s->in.data, SMTP_DATA_BLOCK)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1)
		return fail(f, FAIL_IO, "cannot read the message: %s",
		    strerror(errno));
	return n;
}

/* BDAT (RFC 3030). */

/*
 * BDAT when the account allows it, the server offers CHUNKING and the
 * message is a file whose size says each chunk's exact length. DATA's
 * rule holds: the message ends with CRLF, added when the file lacks it.
 */
static int
smtp_bdat_prepare(struct smtp_session *s, struct failure *f)
{
	struct stat	st;
	off_t		at;

	s->bdat = s->bdat_done = 0;
	s->bdat_crlf = 0;
	s->bdat_file = s->bdat_octets = 0;
	s->bdat_sent = s->bdat_acked = 0;
	if (!s->p.chunking || (s->caps & SMTP_CAP_CHUNKING) == 0)
		return 0;
	if (fstat(s->fd, &st) == -1 || (at = lseek(s->fd, 0, SEEK_CUR)) == -1)
		return fail(f, FAIL_IO, "cannot size the message: %s",
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return 0;
	s->bdat = 1;
	s->bdat_file = st.st_size > at ? st.st_size - at : 0;
	return smtp_bdat_final_crlf(s, st.st_size, f);
}

/* Whether the message, which ends at size, needs a CRLF added. */
static int
smtp_bdat_final_crlf(struct smtp_session *s, off_t size, struct failure *f)
{
	char	end[2];
	ssize_t	n;

	if (s->bdat_file == 0)
		return 0;
	if (s->bdat_file >= 2) {
		while ((n = pread(s->fd, end, 2, size - 2)) == -1 &&
		    errno == EINTR)
			;
		if (n == -1)
			return fail(f, FAIL_IO, "cannot read the message: %s",
			    strerror(errno));
		if (n == 2 && end[0] == '\r' && end[1] == '\n')
			return 0;
	}
	s->bdat_crlf = 2;
	return 0;
}

/* Octets of the message not yet announced. */
static off_t
smtp_bdat_left(const struct smtp_session *s)
{
	return s->bdat_file + s->bdat_crlf;
}

/*
 * Sends chunks while there is more and fewer than the window await their
 * reply (one at a time without PIPELINING), then names the chunk whose
 * reply comes next.
 */
static int
smtp_enter_bdat(struct smtp_session *s, struct failure *f)
{
	int	window = s->caps & SMTP_CAP_PIPELINING ? SMTP_BDAT_WINDOW : 1;
	int	sent = 0;

	while (!s->bdat_done && s->bdat_sent - s->bdat_acked < window) {
		if (smtp_bdat_chunk(s, f) == -1)
			return -1;
		sent = 1;
	}
	if (sent && smtp_flush(s, f) == -1)
		return -1;
	return smtp_bdat_label(s, f);
}

/*
 * "BDAT n" or "BDAT n LAST" and the n octets after it, unflushed. The
 * last chunk announces what is left, possibly 0 octets (an empty
 * message). A failure here leaves the server waiting for octets that
 * will not come: the session is broken.
 */
static int
smtp_bdat_chunk(struct smtp_session *s, struct failure *f)
{
	struct smtp_chunk	*c;
	off_t			 left = smtp_bdat_left(s);

	c = &s->bdat_fly[s->bdat_sent % SMTP_BDAT_WINDOW];
	c->len = left > SMTP_BDAT_CHUNK ? SMTP_BDAT_CHUNK : left;
	c->last = c->len == left;
	if (smtp_label(s, f, "BDAT %lld%s", (long long)c->len,
	    c->last ? " LAST" : "") == -1)
		return smtp_broken(s);
	if (smtp_put(s, s->what, 0, f) == -1 ||
	    smtp_bdat_copy(s, c->len, f) == -1)
		return -1;
	s->bdat_sent++;
	s->bdat_octets += c->len;
	s->bdat_done = c->last;
	if (c->last)
		log_info("sent %lld octets of message data in %d BDAT "
		    "chunk%s", (long long)s->bdat_octets, s->bdat_sent,
		    s->bdat_sent == 1 ? "" : "s");
	return 0;
}

/* Copies n octets of the message: the file, then the added CRLF. */
static int
smtp_bdat_copy(struct smtp_session *s, off_t n, struct failure *f)
{
	static const char	crlf[] = "\r\n";
	size_t			k;
	ssize_t			got;

	if (buf_reserve(&s->in, SMTP_DATA_BLOCK) == -1) {
		fail(f, FAIL_OS, "out of memory");
		return smtp_broken(s);
	}
	for (; n > 0 && s->bdat_file > 0; n -= (off_t)k) {
		k = SMTP_DATA_BLOCK;
		if ((off_t)k > n)
			k = (size_t)n;
		if ((off_t)k > s->bdat_file)
			k = (size_t)s->bdat_file;
		while ((got = read(s->fd, s->in.data, k)) == -1 &&
		    errno == EINTR)
			;
		/* A short read of a regular file is its end: the length
		 * already announced can no longer be kept. */
		if (got != (ssize_t)k) {
			fail(f, FAIL_IO, "cannot read the message: %s",
			    got == -1 ? strerror(errno) : "the file shrank");
			return smtp_broken(s);
		}
		if (conn_write(s->conn, s->in.data, k, f) == -1)
			return smtp_timed_out(s, f);
		s->bdat_file -= (off_t)k;
	}
	if (n > 0) {
		k = (size_t)n;
		if (conn_write(s->conn, &crlf[2 - s->bdat_crlf], k, f) == -1)
			return smtp_timed_out(s, f);
		s->bdat_crlf -= (int)k;
	}
	return 0;
}

/* Names the oldest chunk awaiting its reply, as failures quote it. */
static int
smtp_bdat_label(struct smtp_session *s, struct failure *f)
{
	const struct smtp_chunk	*c;

	if (s->bdat_acked >= s->bdat_sent)
		return fail(f, FAIL_SOFTWARE, "smtp: no BDAT awaits a reply");
	c = &s->bdat_fly[s->bdat_acked % SMTP_BDAT_WINDOW];
	return smtp_label(s, f, "BDAT %lld%s", (long long)c->len,
	    c->last ? " LAST" : "");
}

static int
smtp_on_bdat(struct smtp_session *s, struct failure *f)
{
	s->bdat_acked++;
	if (s->reply.code / 100 == 2)
		return s->bdat_acked < s->bdat_sent || !s->bdat_done ?
		    S_BDAT : S_READY;
	/* RFC 3030 2: after a refused chunk no more is sent; a chunk
	 * already on its way is read and refused by the server, and its
	 * reply must be read to stay in step. */
	(void)smtp_refused(s, FAIL_REJECTED, f);
	if (s->dead)
		return -1;
	if (s->bdat_acked == s->bdat_sent)
		return -1;
	s->body_fail = *f;
	return S_BDAT_DRAIN;
}

/* The replies still owed once the message cannot be accepted. */
static int
smtp_on_bdat_drain(struct smtp_session *s, struct failure *f)
{
	s->bdat_acked++;
	/* A 3xx answers no BDAT: the stream is out of step. */
	if (s->reply.code / 100 == 3)
		return smtp_refused(s, FAIL_PROTOCOL, f);
	if (s->bdat_acked < s->bdat_sent)
		return S_BDAT_DRAIN;
	if (s->body_fail.kind != FAIL_NONE) {
		*f = s->body_fail;
		return -1;
	}
	return smtp_verdict(s, f);
}

/*
 * RFC 5321 4.5.2. A line starts after LF and, for input that escaped
 * normalisation, after a bare CR too: no stray line ending followed by
 * "." can end DATA at a server that reads line endings loosely (SMTP
 * smuggling).
 */
int
smtp_dotstuff(int *at_bol, const char *in, size_t n, struct buf *out)
{
	const char	*end = in + n;
	char		*o;
	int		 bol = *at_bol;

	/* Worst case: ".\n" over and over, three bytes for two. */
	if (n > (SIZE_MAX - 1) / 3 * 2 ||
	    buf_reserve(out, n + n / 2 + 1) == -1)
		return -1;
	o = out->data + out->len;
	for (; in < end; in++) {
		if (bol && *in == '.')
			*o++ = '.';
		*o++ = *in;
		bol = *in == '\n' || *in == '\r';
	}
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
	*at_bol = bol;
	return 0;
}
