/*
 * smtpd: the server side of SMTP on standard input and output (see
 * smtpd.h).
 *
 * Input is read into one buffer and cut into lines at LF (a CR before it
 * is part of the ending). Replies are buffered and written only when the
 * input holds no further complete line, just before a read would block:
 * that is all PIPELINING (RFC 2920) asks of a server, and it cannot
 * deadlock. Commands go through a table that names the states they are
 * allowed in; a command in any other state gets 503. DATA reads the
 * message into an unlinked temporary file, and its reply waits for the
 * accept callback: 250 means the message is safe.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"
#include "smtpd.h"

#define SMTPD_CMD_MAX	  2048	/* RFC 5321 4.5.3.1.4 says 512; long
				   parameters (ORCPT, ENVID) need more */
#define SMTPD_TEXT_MAX	  998	/* RFC 5322 2.1.1, without the CRLF */
#define SMTPD_DATA_MAX	  (SMTPD_TEXT_MAX + 2) /* a stuffed dot, one more */
#define SMTPD_IN_SIZE	  65536
#define SMTPD_WRITE_SIZE  65536	/* message file writes */
#define SMTPD_RCPT_MAX	  1000
#define SMTPD_ERRORS_MAX  20	/* bad commands in a row */
#define SMTPD_TIMEOUT	  300	/* RFC 5321 4.5.3.2.7 */
#define SMTPD_ENVID_MAX	  100	/* RFC 3461 4.4 */
#define SMTPD_SHOW_MAX	  300	/* of a reason quoted in a reply */

enum smtpd_state {
	S_READY = 0,		/* no transaction */
	S_MAIL,			/* MAIL taken, no RCPT yet */
	S_RCPT,			/* at least one RCPT taken */
};

#define ST(s)		(1u << (s))
#define ST_ANY		(ST(S_READY) | ST(S_MAIL) | ST(S_RCPT))

enum smtpd_eol {
	EOL_NONE = 0,		/* a piece of a line too long to hold */
	EOL_LF,
	EOL_CRLF,
};

/* What went wrong while reading DATA; the first problem wins. */
enum smtpd_data {
	D_OK = 0,
	D_LONG,
	D_NUL,
	D_TOOBIG,
	D_WRITE,
};

/* The parameters of one MAIL or RCPT, before they are taken. */
struct smtpd_args {
	unsigned	 seen;		/* bits of smtpd_params_table */
	int		 eight_bit;
	char		*ret;
	char		*envid;
	char		*notify;
};

struct smtpd {
	const struct smtpd_params *p;
	struct failure		*f;
	const char		*host;		/* in replies */
	int			 timeout_ms;
	enum smtpd_state	 state;
	int			 errors;	/* bad commands in a row */
	enum smtpd_eol		 eol;		/* of the last line */
	int			 quit;

	/* The transaction. */
	char			*from;
	struct addrlist		 rcpts;
	int			 eight_bit;
	char			*ret, *envid, *notify;

	/* DATA. */
	int			 fd;
	off_t			 size;
	enum smtpd_data		 dstate;
	int			 derrno;
	struct buf		 wbuf;

	struct buf		 out;
	size_t			 ipos, ilen;
	char			 ibuf[SMTPD_IN_SIZE];
};

struct smtpd_cmd {
	const char	*name;
	int		(*fn)(struct smtpd *, char *);	/* NULL: 502 */
	unsigned	 states;
	const char	*refusal;	/* the 503 text elsewhere */
};

/* A parameter check returns one of these. */
enum smtpd_pres {
	P_OK = 0,
	P_SYNTAX,
	P_TOOBIG,
};

#define FOR_MAIL	0x1u
#define FOR_RCPT	0x2u

struct smtpd_param {
	const char	*name;
	unsigned	 cmds;
	enum smtpd_pres	(*fn)(struct smtpd *, struct smtpd_args *, char *);
};

static int	smtpd_loop(struct smtpd *);
static int	smtpd_command(struct smtpd *, char *, size_t);
static int	smtpd_reply(struct smtpd *, int, const char *, ...)
		    POSTIE_PRINTF(3, 4);
static int	smtpd_flush(struct smtpd *);
static int	smtpd_fill(struct smtpd *);
static int	smtpd_timeout(struct smtpd *);
static int	smtpd_getline(struct smtpd *, size_t, char **, size_t *,
		    enum smtpd_eol *);
static void	smtpd_txn_reset(struct smtpd *);
static void	smtpd_free(struct smtpd *);
static int	smtpd_cmd_ehlo(struct smtpd *, char *);
static int	smtpd_cmd_helo(struct smtpd *, char *);
static int	smtpd_cmd_mail(struct smtpd *, char *);
static int	smtpd_cmd_rcpt(struct smtpd *, char *);
static int	smtpd_cmd_data(struct smtpd *, char *);
static int	smtpd_cmd_rset(struct smtpd *, char *);
static int	smtpd_cmd_noop(struct smtpd *, char *);
static int	smtpd_cmd_quit(struct smtpd *, char *);
static int	smtpd_cmd_vrfy(struct smtpd *, char *);
static int	smtpd_cmd_help(struct smtpd *, char *);
static int	smtpd_path(char *, const char *, char **, char **);
static int	smtpd_address(const char *, int, char **, struct failure *);
static int	smtpd_params(struct smtpd *, char *, unsigned,
		    struct smtpd_args *);
static enum smtpd_pres smtpd_p_body(struct smtpd *, struct smtpd_args *,
		    char *);
static enum smtpd_pres smtpd_p_envid(struct smtpd *, struct smtpd_args *,
		    char *);
static enum smtpd_pres smtpd_p_notify(struct smtpd *, struct smtpd_args *,
		    char *);
static enum smtpd_pres smtpd_p_orcpt(struct smtpd *, struct smtpd_args *,
		    char *);
static enum smtpd_pres smtpd_p_ret(struct smtpd *, struct smtpd_args *,
		    char *);
static enum smtpd_pres smtpd_p_size(struct smtpd *, struct smtpd_args *,
		    char *);
static enum smtpd_pres smtpd_p_smtputf8(struct smtpd *,
		    struct smtpd_args *, char *);
static int	smtpd_xtext_decode(char *);
static void	smtpd_upper(char *);
static int	smtpd_data_open(struct smtpd *);
static int	smtpd_data_read(struct smtpd *, int);
static void	smtpd_data_line(struct smtpd *, const char *, size_t);
static void	smtpd_data_bad(struct smtpd *, enum smtpd_data);
static int	smtpd_data_write(struct smtpd *);
static int	smtpd_data_done(struct smtpd *);
static int	smtpd_accepted(struct smtpd *);

/* Sorted by name; binary search is not worth it for a dozen. */
static const struct smtpd_cmd smtpd_cmds[] = {
	{ "ATRN",	NULL,		ST_ANY,		NULL },
	{ "AUTH",	NULL,		ST_ANY,		NULL },
	{ "BDAT",	NULL,		ST_ANY,		NULL },
	{ "DATA",	smtpd_cmd_data,	ST(S_MAIL) | ST(S_RCPT),
	    "need MAIL command" },
	{ "EHLO",	smtpd_cmd_ehlo,	ST_ANY,		NULL },
	{ "ETRN",	NULL,		ST_ANY,		NULL },
	{ "EXPN",	NULL,		ST_ANY,		NULL },
	{ "HELO",	smtpd_cmd_helo,	ST_ANY,		NULL },
	{ "HELP",	smtpd_cmd_help,	ST_ANY,		NULL },
	/* RFC 5321 4.1.4 has clients greet first; like Postfix, take
	 * MAIL without, for scripts that skip it. */
	{ "MAIL",	smtpd_cmd_mail,	ST(S_READY),	"nested MAIL command" },
	{ "NOOP",	smtpd_cmd_noop,	ST_ANY,		NULL },
	{ "QUIT",	smtpd_cmd_quit,	ST_ANY,		NULL },
	{ "RCPT",	smtpd_cmd_rcpt,	ST(S_MAIL) | ST(S_RCPT),
	    "need MAIL command" },
	{ "RSET",	smtpd_cmd_rset,	ST_ANY,		NULL },
	{ "SAML",	NULL,		ST_ANY,		NULL },
	{ "SEND",	NULL,		ST_ANY,		NULL },
	{ "SOML",	NULL,		ST_ANY,		NULL },
	{ "STARTTLS",	NULL,		ST_ANY,		NULL },
	{ "TURN",	NULL,		ST_ANY,		NULL },
	{ "VRFY",	smtpd_cmd_vrfy,	ST_ANY,		NULL },
};

static const struct smtpd_param smtpd_params_table[] = {
	{ "BODY",	FOR_MAIL,	smtpd_p_body },		/* RFC 6152 */
	{ "ENVID",	FOR_MAIL,	smtpd_p_envid },	/* RFC 3461 */
	{ "NOTIFY",	FOR_RCPT,	smtpd_p_notify },
	{ "ORCPT",	FOR_RCPT,	smtpd_p_orcpt },
	{ "RET",	FOR_MAIL,	smtpd_p_ret },
	{ "SIZE",	FOR_MAIL,	smtpd_p_size },		/* RFC 1870 */
	{ "SMTPUTF8",	FOR_MAIL,	smtpd_p_smtputf8 },	/* RFC 6531 */
};

/* The reply to DATA's content for each reading problem. */
static const struct {
	enum smtpd_data	 d;
	int		 code;
	const char	*text;
} smtpd_data_replies[] = {
	{ D_LONG,	554,	"5.6.0 Message has a line over 998 octets" },
	{ D_NUL,	554,	"5.6.0 Message contains a NUL octet" },
	{ D_TOOBIG,	552,	"5.3.4 Message size exceeds fixed limit" },
	{ D_WRITE,	451,	"4.3.0 Cannot write the message" },
};

int
smtpd_run(const struct smtpd_params *p, struct failure *f)
{
	struct smtpd	*s;
	int		 rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	s->p = p;
	s->f = f;
	s->host = p->hostname != NULL ? p->hostname : "localhost";
	s->fd = -1;
	s->timeout_ms = (p->timeout_sec > 0 && p->timeout_sec < INT_MAX / 1000 ?
	    p->timeout_sec : SMTPD_TIMEOUT) * 1000;
	rc = smtpd_reply(s, 220, "%s ESMTP postie", s->host);
	if (rc == 0)
		rc = smtpd_loop(s);
	smtpd_free(s);
	return rc;
}

static int
smtpd_loop(struct smtpd *s)
{
	char		*line;
	size_t		 len;
	enum smtpd_eol	 eol;
	int		 r, discard = 0;

	while (!s->quit) {
		r = smtpd_getline(s, SMTPD_CMD_MAX, &line, &len, &eol);
		if (r == -1)
			return -1;
		if (r == 0)
			return fail(s->f, FAIL_DROPPED, "input ended without "
			    "QUIT%s", s->state != S_READY ?
			    "; the message in progress was dropped" : "");
		if (eol == EOL_NONE) {
			discard = 1;
			continue;
		}
		if (discard) {
			discard = 0;
			r = smtpd_reply(s, 500, "5.5.2 Line too long");
		} else
			r = smtpd_command(s, line, len);
		if (r == -1)
			return -1;
		if (s->errors >= SMTPD_ERRORS_MAX) {
			(void)smtpd_reply(s, 421, "4.7.0 %s Too many errors",
			    s->host);
			(void)smtpd_flush(s);
			return fail(s->f, FAIL_PROTOCOL, "%d bad SMTP commands "
			    "in a row", s->errors);
		}
	}
	/* The client has what it came for: a lost 221 changes nothing. */
	(void)smtpd_flush(s);
	return 0;
}

static int
smtpd_command(struct smtpd *s, char *line, size_t len)
{
	const struct smtpd_cmd	*c = NULL;
	char			*args;
	size_t			 i, n;

	/* A NUL would cut the line short of what the checks see. */
	if (memchr(line, '\0', len) != NULL)
		return smtpd_reply(s, 501, "5.5.2 NUL octet in command");
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	n = strcspn(line, " ");
	args = line + n;
	while (*args == ' ')
		args++;
	for (i = 0; i < POSTIE_NELEM(smtpd_cmds); i++)
		if (strlen(smtpd_cmds[i].name) == n &&
		    strncasecmp(smtpd_cmds[i].name, line, n) == 0)
			c = &smtpd_cmds[i];
	if (c == NULL)
		return smtpd_reply(s, 500, "5.5.2 Command unrecognized");
	if (c->fn == NULL)
		return smtpd_reply(s, 502, "5.5.1 Command not implemented");
	if ((c->states & ST(s->state)) == 0)
		return smtpd_reply(s, 503, "5.5.1 Bad sequence of commands: %s",
		    c->refusal);
	return c->fn(s, args);
}

/*
 * Queues one reply line, at most 512 octets with its CRLF (RFC 5321
 * 4.5.3.1.5); a control character the client sent comes back as "?".
 * RFC 5321 4.2.1: a second digit 0 is a syntax error; those, and 555,
 * count toward the limit of bad commands.
 */
static int
smtpd_reply(struct smtpd *s, int code, const char *fmt, ...)
{
	char	 text[512 - 6];
	char	*p;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (p = text; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	if (code >= 500 && ((code / 10) % 10 == 0 || code == 555))
		s->errors++;
	else if (code < 400)
		s->errors = 0;
	if (buf_appendf(&s->out, "%03d %s\r\n", code, text) == -1)
		return fail(s->f, FAIL_OS, "out of memory");
	return 0;
}

/*
 * The replies, to a client that may stop reading: unlike
 * fileio_write_all(), each write waits in poll(2) for the timeout only.
 */
static int
smtpd_flush(struct smtpd *s)
{
	struct pollfd	pfd;
	ssize_t		n;
	int		r;

	while (s->out.len > 0) {
		pfd.fd = s->p->out_fd;
		pfd.events = POLLOUT;
		if ((r = poll(&pfd, 1, s->timeout_ms)) == 0)
			return fail(s->f, FAIL_TIMEOUT, "the SMTP client does "
			    "not read its replies");
		if (r == -1 && errno != EINTR)
			return fail(s->f, FAIL_IO, "poll: %s", strerror(errno));
		if (r == -1)
			continue;
		n = write(s->p->out_fd, s->out.data, s->out.len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			return fail(s->f, FAIL_IO, "cannot write to the SMTP "
			    "client: %s", strerror(errno));
		buf_consume(&s->out, (size_t)n);
	}
	return 0;
}

/*
 * Reads more input, flushing the replies first: the client may be
 * waiting for them before it sends more. Returns 1, 0 at the end of the
 * input, -1 with s->f set.
 */
static int
smtpd_fill(struct smtpd *s)
{
	struct pollfd	pfd;
	ssize_t		n;
	int		r;

	if (smtpd_flush(s) == -1)
		return -1;
	if (s->ipos > 0) {
		memmove(s->ibuf, s->ibuf + s->ipos, s->ilen - s->ipos);
		s->ilen -= s->ipos;
		s->ipos = 0;
	}
	for (;;) {
		pfd.fd = s->p->in_fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, s->timeout_ms)) == 0)
			return smtpd_timeout(s);
		if (r == -1 && errno != EINTR)
			return fail(s->f, FAIL_IO, "poll: %s", strerror(errno));
		if (r == -1)
			continue;
		n = read(s->p->in_fd, s->ibuf + s->ilen,
		    sizeof(s->ibuf) - s->ilen);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			return fail(s->f, FAIL_IO, "cannot read from the SMTP "
			    "client: %s", strerror(errno));
		s->ilen += (size_t)n;
		return n > 0;
	}
}

static int
smtpd_timeout(struct smtpd *s)
{
	(void)smtpd_reply(s, 421, "4.4.2 %s Error: timeout exceeded",
	    s->host);
	(void)smtpd_flush(s);
	return fail(s->f, FAIL_TIMEOUT, "the SMTP client sent nothing for "
	    "%d seconds%s", s->timeout_ms / 1000, s->state != S_READY ?
	    "; the message in progress was dropped" : "");
}

/*
 * The next line, its ending removed and NUL-terminated: *eol says which
 * ending it had. A line longer than max comes in pieces of max octets
 * (*eol EOL_NONE, not NUL-terminated) and then its rest. Returns 1, 0 at
 * the end of the input (a last line without LF is dropped), -1 with
 * s->f set.
 */
static int
smtpd_getline(struct smtpd *s, size_t max, char **line, size_t *len,
    enum smtpd_eol *eol)
{
	char	*p, *lf;
	size_t	 avail, n;
	int	 r;

	for (;;) {
		p = s->ibuf + s->ipos;
		avail = s->ilen - s->ipos;
		if ((lf = memchr(p, '\n', avail)) != NULL) {
			n = (size_t)(lf - p);
			*eol = n > 0 && p[n - 1] == '\r' ? EOL_CRLF : EOL_LF;
			if (*eol == EOL_CRLF)
				n--;
			if (n <= max) {
				s->eol = *eol;
				p[n] = '\0';
				*line = p;
				*len = n;
				s->ipos = (size_t)(lf + 1 - s->ibuf);
				return 1;
			}
		}
		/* max + 2 octets without LF: over max whatever comes. */
		if (lf != NULL || avail >= max + 2) {
			*eol = EOL_NONE;
			*line = p;
			*len = max;
			s->ipos += max;
			return 1;
		}
		if ((r = smtpd_fill(s)) <= 0)
			return r;
	}
}

static void
smtpd_txn_reset(struct smtpd *s)
{
	free(s->from);
	free(s->ret);
	free(s->envid);
	free(s->notify);
	s->from = s->ret = s->envid = s->notify = NULL;
	addrlist_free(&s->rcpts);
	s->eight_bit = 0;
	s->state = S_READY;
}

static void
smtpd_free(struct smtpd *s)
{
	smtpd_txn_reset(s);
	if (s->fd != -1)
		close(s->fd);
	buf_free(&s->wbuf, 0);
	buf_free(&s->out, 0);
	free(s);
}

static int
smtpd_cmd_ehlo(struct smtpd *s, char *args)
{
	if (*args == '\0')
		return smtpd_reply(s, 501, "5.5.4 Syntax: EHLO hostname");
	/* RFC 5321 4.1.4: EHLO ends any transaction, as RSET does. */
	smtpd_txn_reset(s);
	if (buf_appendf(&s->out, "250-%s\r\n250-PIPELINING\r\n",
	    s->host) == -1 ||
	    (s->p->max_size > 0 ? buf_appendf(&s->out, "250-SIZE %lld\r\n",
	    (long long)s->p->max_size) : buf_appendf(&s->out,
	    "250-SIZE\r\n")) == -1 ||
	    buf_appendf(&s->out, "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
	    "250-DSN\r\n250-SMTPUTF8\r\n") == -1)
		return fail(s->f, FAIL_OS, "out of memory");
	return smtpd_reply(s, 250, "HELP");
}

static int
smtpd_cmd_helo(struct smtpd *s, char *args)
{
	if (*args == '\0')
		return smtpd_reply(s, 501, "5.5.4 Syntax: HELO hostname");
	smtpd_txn_reset(s);
	return smtpd_reply(s, 250, "%s", s->host);
}

static int
smtpd_cmd_mail(struct smtpd *s, char *args)
{
	struct smtpd_args	 a;
	struct failure		 af;
	char			*path, *params, *addr;
	int			 r;

	if (smtpd_path(args, "FROM:", &path, &params) == -1)
		return smtpd_reply(s, 501, "5.5.4 Syntax: MAIL FROM:<address>");
	if (smtpd_address(path, 1, &addr, &af) == -1)
		return af.kind == FAIL_OS ? fail(s->f, FAIL_OS, "%s", af.text) :
		    smtpd_reply(s, 501, "5.1.7 Bad sender address syntax: "
		    "%.*s", SMTPD_SHOW_MAX, af.text);
	memset(&a, 0, sizeof(a));
	if ((r = smtpd_params(s, params, FOR_MAIL, &a)) != 0) {
		free(addr);
		return r == 1 ? 0 : -1;
	}
	s->from = addr;
	s->eight_bit = a.eight_bit;
	if ((a.ret != NULL && (s->ret = strdup(a.ret)) == NULL) ||
	    (a.envid != NULL && (s->envid = strdup(a.envid)) == NULL)) {
		smtpd_txn_reset(s);
		return fail(s->f, FAIL_OS, "out of memory");
	}
	s->state = S_MAIL;
	return smtpd_reply(s, 250, "2.1.0 Ok");
}

static int
smtpd_cmd_rcpt(struct smtpd *s, char *args)
{
	struct smtpd_args	 a;
	struct failure		 af;
	char			*path, *params, *addr;
	int			 r;

	if (smtpd_path(args, "TO:", &path, &params) == -1)
		return smtpd_reply(s, 501, "5.5.4 Syntax: RCPT TO:<address>");
	if (s->rcpts.n >= SMTPD_RCPT_MAX)
		return smtpd_reply(s, 452, "4.5.3 Too many recipients");
	if (smtpd_address(path, 0, &addr, &af) == -1)
		return af.kind == FAIL_OS ? fail(s->f, FAIL_OS, "%s", af.text) :
		    smtpd_reply(s, 501, "5.1.3 Bad recipient address syntax: "
		    "%.*s", SMTPD_SHOW_MAX, af.text);
	memset(&a, 0, sizeof(a));
	r = smtpd_params(s, params, FOR_RCPT, &a);
	if (r == 0 && !addrlist_has(&s->rcpts, addr))
		r = addrlist_add(&s->rcpts, addr, s->f);
	free(addr);
	if (r != 0)
		return r == 1 ? 0 : -1;
	if (a.notify != NULL && s->notify == NULL &&
	    (s->notify = strdup(a.notify)) == NULL)
		return fail(s->f, FAIL_OS, "out of memory");
	s->state = S_RCPT;
	return smtpd_reply(s, 250, "2.1.5 Ok");
}

/*
 * Cuts "FROM:<path> params" (RFC 5321 4.1.2) into the path, angle
 * brackets included, and the parameters. A space after the colon is
 * tolerated, as most servers do. Returns 0, or -1 on bad syntax.
 */
static int
smtpd_path(char *args, const char *prefix, char **path, char **params)
{
	size_t	 plen;
	char	*p;
	int	 quoted = 0;

	plen = strlen(prefix);
	if (strncasecmp(args, prefix, plen) != 0)
		return -1;
	for (p = args + plen; *p == ' '; p++)
		;
	if (*p != '<')
		return -1;
	*path = p;
	for (p++; *p != '\0' && (quoted || *p != '>'); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\\' && quoted && p[1] != '\0')
			p++;
	}
	if (*p != '>' || (p[1] != '\0' && p[1] != ' '))
		return -1;
	p++;
	if (*p == ' ')
		*p++ = '\0';
	while (*p == ' ')
		p++;
	*params = p;
	return 0;
}

/*
 * The addr-spec in path ("<...>"), malloc'd in *addr, "" for the null
 * path where null_ok. Returns 0, or -1 with af set (FAIL_OS on memory).
 */
static int
smtpd_address(const char *path, int null_ok, char **addr, struct failure *af)
{
	struct addrlist	l = ADDRLIST_INIT;

	failure_clear(af);
	if (addr_check_envelope(path, null_ok, af) == -1)
		return -1;
	if (addr_is_null(path))
		*addr = strdup("");
	else {
		if (addr_parse_list(path, strlen(path), &l, af) == -1) {
			addrlist_free(&l);
			return -1;
		}
		if (l.n != 1) {
			addrlist_free(&l);
			return fail(af, FAIL_USAGE, "not one address");
		}
		*addr = l.v[0];
		l.v[0] = NULL;
		l.n = 0;
		addrlist_free(&l);
	}
	if (*addr == NULL)
		return fail(af, FAIL_OS, "out of memory");
	return 0;
}

/*
 * Reads the ESMTP parameters of one MAIL or RCPT into a (pointing into
 * the line). Returns 0, 1 when a refusal was queued, -1 with s->f set.
 */
static int
smtpd_params(struct smtpd *s, char *params, unsigned cmd,
    struct smtpd_args *a)
{
	const struct smtpd_param	*pp;
	char				*word, *value;
	size_t				 i;
	enum smtpd_pres			 r;

	while ((word = strsep(&params, " ")) != NULL) {
		if (*word == '\0')
			continue;
		if ((value = strchr(word, '=')) != NULL)
			*value++ = '\0';
		for (i = 0, pp = NULL; i < POSTIE_NELEM(smtpd_params_table);
		    i++)
			if (strcasecmp(smtpd_params_table[i].name, word) == 0 &&
			    (smtpd_params_table[i].cmds & cmd) != 0)
				pp = &smtpd_params_table[i];
		if (pp == NULL)
			return smtpd_reply(s, 555, "5.5.4 Unsupported "
			    "parameter %.*s", SMTPD_SHOW_MAX, word) == -1 ? -1 : 1;
		if (a->seen & (1u << (pp - smtpd_params_table)))
			r = P_SYNTAX;
		else
			r = pp->fn(s, a, value);
		a->seen |= 1u << (pp - smtpd_params_table);
		if (r == P_TOOBIG)
			return smtpd_reply(s, 552, "5.3.4 Message size exceeds "
			    "fixed limit") == -1 ? -1 : 1;
		if (r == P_SYNTAX)
			return smtpd_reply(s, 501, "5.5.4 Bad %s parameter",
			    pp->name) == -1 ? -1 : 1;
	}
	return 0;
}

static enum smtpd_pres
smtpd_p_body(struct smtpd *s, struct smtpd_args *a, char *v)
{
	(void)s;
	if (v != NULL && strcasecmp(v, "7BIT") == 0)
		a->eight_bit = 0;
	else if (v != NULL && strcasecmp(v, "8BITMIME") == 0)
		a->eight_bit = 1;
	else
		return P_SYNTAX;	/* BINARYMIME needs BDAT */
	return P_OK;
}

/* RFC 3461 4.4: xtext, printable ASCII once decoded. */
static enum smtpd_pres
smtpd_p_envid(struct smtpd *s, struct smtpd_args *a, char *v)
{
	const char	*p;

	(void)s;
	if (v == NULL || *v == '\0' || smtpd_xtext_decode(v) == -1 ||
	    strlen(v) > SMTPD_ENVID_MAX)
		return P_SYNTAX;
	for (p = v; *p != '\0'; p++)
		if (*p < ' ' || *p > '~')
			return P_SYNTAX;
	a->envid = v;
	return P_OK;
}

/* RFC 3461 4.1: NEVER alone, or any of SUCCESS, FAILURE, DELAY. */
static enum smtpd_pres
smtpd_p_notify(struct smtpd *s, struct smtpd_args *a, char *v)
{
	static const char *const words[] = { "SUCCESS", "FAILURE", "DELAY" };
	const char	*w;
	size_t		 i, n;

	(void)s;
	if (v == NULL || *v == '\0')
		return P_SYNTAX;
	smtpd_upper(v);
	a->notify = v;
	if (strcmp(v, "NEVER") == 0)
		return P_OK;
	for (w = v; *w != '\0'; w += n + (w[n] == ',')) {
		n = strcspn(w, ",");
		for (i = 0; i < POSTIE_NELEM(words); i++)
			if (strlen(words[i]) == n &&
			    strncmp(w, words[i], n) == 0)
				break;
		if (i == POSTIE_NELEM(words) || (w[n] == ',' && w[n + 1] == '\0'))
			return P_SYNTAX;
	}
	return P_OK;
}

/*
 * RFC 3461 4.2: addr-type ";" xtext (RFC 6533 lets it hold UTF-8). Its
 * shape is checked, no more: the message struct has no place for it.
 */
static enum smtpd_pres
smtpd_p_orcpt(struct smtpd *s, struct smtpd_args *a, char *v)
{
	char	*semi;

	(void)s;
	(void)a;
	if (v == NULL || (semi = strchr(v, ';')) == NULL || semi == v ||
	    semi[1] == '\0')
		return P_SYNTAX;
	return P_OK;
}

static enum smtpd_pres
smtpd_p_ret(struct smtpd *s, struct smtpd_args *a, char *v)
{
	(void)s;
	if (v == NULL || (strcasecmp(v, "FULL") != 0 &&
	    strcasecmp(v, "HDRS") != 0))
		return P_SYNTAX;
	smtpd_upper(v);
	a->ret = v;
	return P_OK;
}

/* RFC 1870 6: refuse at MAIL what the announced limit cannot take. */
static enum smtpd_pres
smtpd_p_size(struct smtpd *s, struct smtpd_args *a, char *v)
{
	const char	*errstr;
	long long	 n;

	(void)a;
	if (v == NULL)
		return P_SYNTAX;
	n = strtonum(v, 0, LLONG_MAX, &errstr);
	if (errstr != NULL)
		return P_SYNTAX;
	if (s->p->max_size > 0 && n > (long long)s->p->max_size)
		return P_TOOBIG;
	return P_OK;
}

/*
 * RFC 6531 3.4: no value. Nothing to keep: the client side sends
 * SMTPUTF8 on for any address that is not ASCII.
 */
static enum smtpd_pres
smtpd_p_smtputf8(struct smtpd *s, struct smtpd_args *a, char *v)
{
	(void)s;
	(void)a;
	return v == NULL ? P_OK : P_SYNTAX;
}

/* RFC 3461 4: "+" and two hex digits for an octet, in place. */
static int
smtpd_xtext_decode(char *v)
{
	char		*w = v;
	unsigned	 hi, lo;

	for (; *v != '\0'; v++) {
		if (*v == '=' || *v < '!' || *v > '~')
			return -1;
		if (*v != '+') {
			*w++ = *v;
			continue;
		}
		if (!isxdigit((unsigned char)v[1]) ||
		    !isxdigit((unsigned char)v[2]))
			return -1;
		hi = isdigit((unsigned char)v[1]) ? v[1] - '0' :
		    (tolower((unsigned char)v[1]) - 'a' + 10);
		lo = isdigit((unsigned char)v[2]) ? v[2] - '0' :
		    (tolower((unsigned char)v[2]) - 'a' + 10);
		if ((hi | lo) == 0)
			return -1;	/* a NUL would cut the value short */
		*w++ = (char)(hi << 4 | lo);
		v += 2;
	}
	*w = '\0';
	return 0;
}

static void
smtpd_upper(char *v)
{
	for (; *v != '\0'; v++)
		*v = (char)toupper((unsigned char)*v);
}

static int
smtpd_cmd_data(struct smtpd *s, char *args)
{
	int	r;

	if (*args != '\0')
		return smtpd_reply(s, 501, "5.5.4 Syntax: DATA");
	if (s->state != S_RCPT)
		return smtpd_reply(s, 503, "5.5.1 Bad sequence of commands: "
		    "no valid recipients");
	if (smtpd_data_open(s) == -1)
		return smtpd_reply(s, 451, "4.3.0 Cannot create a temporary "
		    "file: %s", strerror(errno));
	if (smtpd_reply(s, 354, "End data with <CR><LF>.<CR><LF>") == -1)
		return -1;
	r = smtpd_data_read(s, s->eol == EOL_CRLF);
	if (r == 0)
		r = smtpd_data_done(s);
	close(s->fd);
	s->fd = -1;
	buf_free(&s->wbuf, 0);
	smtpd_txn_reset(s);
	return r;
}

static int
smtpd_data_open(struct smtpd *s)
{
	const char	*dir;
	char		 path[PATH_MAX];
	int		 n;

	if ((dir = s->p->tmpdir) == NULL && (dir = getenv("TMPDIR")) == NULL)
		dir = "/tmp";
	n = snprintf(path, sizeof(path), "%s/postie-bs.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((s->fd = mkostemp(path, O_CLOEXEC)) == -1)
		return -1;
	(void)unlink(path);
	s->size = 0;
	s->dstate = D_OK;
	return 0;
}

/*
 * Reads the content up to the final dot (RFC 5321 4.1.1.4, 4.5.2). A
 * bare LF ends a line, for clients that never send CR. But a client that
 * ended DATA with CRLF must end the content with CRLF "." CRLF: a lone
 * dot after or before a bare LF is content then, as Postfix's
 * smtpd_forbid_bare_newline=normalize has it, so that a message that
 * passed through a careless client cannot end early and smuggle commands.
 * Returns 0 at the dot, -1 with s->f set (the input ended: FAIL_DROPPED).
 */
static int
smtpd_data_read(struct smtpd *s, int strict)
{
	char		*line;
	size_t		 len;
	enum smtpd_eol	 eol, prev = EOL_CRLF;
	int		 r, piece = 0;

	for (;;) {
		r = smtpd_getline(s, SMTPD_DATA_MAX, &line, &len, &eol);
		if (r == 0)
			return fail(s->f, FAIL_DROPPED, "input ended in DATA; "
			    "the message was dropped");
		if (r == -1)
			return -1;
		if (eol == EOL_NONE) {
			smtpd_data_bad(s, D_LONG);
			piece = 1;
			continue;
		}
		if (piece) {
			piece = 0;
			prev = eol;
			continue;
		}
		if (len == 1 && line[0] == '.' &&
		    (!strict || (eol == EOL_CRLF && prev == EOL_CRLF)))
			return 0;
		prev = eol;
		/* RFC 5321 4.5.2: a lone dot here is not a stuffed one. */
		if (len > 1 && line[0] == '.') {
			line++;
			len--;
		}
		smtpd_data_line(s, line, len);
	}
}

static void
smtpd_data_line(struct smtpd *s, const char *line, size_t len)
{
	if (memchr(line, '\0', len) != NULL)
		smtpd_data_bad(s, D_NUL);
	else if (len > SMTPD_TEXT_MAX)
		smtpd_data_bad(s, D_LONG);
	s->size += (off_t)len + 2;
	if (s->p->max_size > 0 && s->size > s->p->max_size)
		smtpd_data_bad(s, D_TOOBIG);
	/* A refused message is still read to its dot, but not kept. */
	if (s->dstate != D_OK)
		return;
	if (buf_append(&s->wbuf, line, len) == -1 ||
	    buf_append(&s->wbuf, "\r\n", 2) == -1) {
		s->derrno = ENOMEM;
		smtpd_data_bad(s, D_WRITE);
		return;
	}
	if (s->wbuf.len >= SMTPD_WRITE_SIZE)
		(void)smtpd_data_write(s);
}

static void
smtpd_data_bad(struct smtpd *s, enum smtpd_data d)
{
	if (s->dstate == D_OK)
		s->dstate = d;
}

static int
smtpd_data_write(struct smtpd *s)
{
	int	rc;

	if ((rc = fileio_write_all(s->fd, s->wbuf.data, s->wbuf.len)) == -1) {
		s->derrno = errno;
		smtpd_data_bad(s, D_WRITE);
	}
	buf_reset(&s->wbuf);
	return rc;
}

/* The reply to the final dot. */
static int
smtpd_data_done(struct smtpd *s)
{
	size_t	i;

	if (s->dstate == D_OK && smtpd_data_write(s) == 0 &&
	    lseek(s->fd, 0, SEEK_SET) == -1) {
		s->derrno = errno;
		smtpd_data_bad(s, D_WRITE);
	}
	if (s->dstate == D_OK)
		return smtpd_accepted(s);
	for (i = 0; i < POSTIE_NELEM(smtpd_data_replies); i++)
		if (smtpd_data_replies[i].d == s->dstate)
			break;
	if (s->dstate == D_WRITE)
		return smtpd_reply(s, 451, "%s: %s", smtpd_data_replies[i].text,
		    strerror(s->derrno));
	return smtpd_reply(s, smtpd_data_replies[i].code, "%s",
	    smtpd_data_replies[i].text);
}

/* Hands the message over; smtpd.h says which reply each outcome gets. */
static int
smtpd_accepted(struct smtpd *s)
{
	struct smtpd_message	m;
	struct failure		cf;

	memset(&m, 0, sizeof(m));
	m.env.from = s->from;
	m.env.rcpts = s->rcpts;
	m.env.size = s->size;
	m.env.eight_bit = s->eight_bit;
	m.env.dsn_ret = s->ret;
	m.env.dsn_envid = s->envid;
	m.env.dsn_notify = s->notify;
	m.fd = s->fd;
	failure_clear(&cf);
	if (s->p->accept(s->p->arg, &m, &cf) == 0)
		return smtpd_reply(s, 250, "2.0.0 Ok%s%.*s",
		    cf.text[0] != '\0' ? ": " : "", SMTPD_SHOW_MAX, cf.text);
	if (cf.text[0] == '\0')
		strlcpy(cf.text, "Message not accepted", sizeof(cf.text));
	if (fail_is_temporary(cf.kind))
		return smtpd_reply(s, 451, "4.3.0 %.*s", SMTPD_SHOW_MAX,
		    cf.text);
	/* Mended by the administrator, not the sender: the client keeps
	 * the message and tries again, as with Postfix's 4.3.5. */
	if (cf.kind == FAIL_CONFIG)
		return smtpd_reply(s, 451, "4.3.5 %.*s", SMTPD_SHOW_MAX,
		    cf.text);
	if (cf.kind == FAIL_DATA)
		return smtpd_reply(s, 554, "5.6.0 %.*s", SMTPD_SHOW_MAX,
		    cf.text);
	if (cf.kind == FAIL_NOUSER)
		return smtpd_reply(s, 550, "5.1.1 %.*s", SMTPD_SHOW_MAX,
		    cf.text);
	return smtpd_reply(s, 554, "5.0.0 %.*s", SMTPD_SHOW_MAX, cf.text);
}

static int
smtpd_cmd_rset(struct smtpd *s, char *args)
{
	(void)args;
	smtpd_txn_reset(s);
	return smtpd_reply(s, 250, "2.0.0 Ok");
}

static int
smtpd_cmd_noop(struct smtpd *s, char *args)
{
	(void)args;
	return smtpd_reply(s, 250, "2.0.0 Ok");
}

static int
smtpd_cmd_quit(struct smtpd *s, char *args)
{
	(void)args;
	s->quit = 1;
	return smtpd_reply(s, 221, "2.0.0 Bye");
}

/* RFC 5321 3.5.3: 252, the address is not checked before RCPT. */
static int
smtpd_cmd_vrfy(struct smtpd *s, char *args)
{
	if (*args == '\0')
		return smtpd_reply(s, 501, "5.5.4 Syntax: VRFY address");
	return smtpd_reply(s, 252, "2.5.2 Cannot VRFY user, but will accept "
	    "message and attempt delivery");
}

static int
smtpd_cmd_help(struct smtpd *s, char *args)
{
	(void)args;
	return smtpd_reply(s, 214, "2.0.0 Commands: HELO EHLO MAIL RCPT DATA "
	    "RSET NOOP QUIT VRFY HELP");
}
