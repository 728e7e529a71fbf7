/*
 * log: -v output and warnings on stderr, the delivery log's lines to
 * the logfile and syslog (see log.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "buf.h"
#include "log.h"

#define NOTE_MAX	256

static int		 verbosity;
static int		 syslog_default = LOG_SYSLOG_OFF;
static const char	*ident = "postie";

/* The last session deliver opened, and what it said to the last message. */
static struct {
	char	account[NOTE_MAX];
	char	host[NOTE_MAX];
	int	port;
	char	tls_version[32];
	char	reply[NOTE_MAX * 2];
} note;

static void	log_vprint(const char *prefix, const char *fmt, va_list ap)
		    POSTIE_PRINTF(2, 0);
static int	append_escaped(struct buf *b, const char *value);
static int	append_value(struct buf *b, const char *key, const char *value);
static int	log_open(const char *path);
static int	delivery_line(struct buf *b, const struct log_delivery *d);
static int	note_is_for(const struct log_delivery *d);
static void	log_file(const char *path, const char *line, size_t len);
static void	log_syslog(int facility, const char *result,
		    const char *line);

void
log_set_verbose(int level)
{
	verbosity = level;
}

int
log_verbose(void)
{
	return verbosity;
}

static void
log_vprint(const char *prefix, const char *fmt, va_list ap)
{
	char	raw[1024], safe[4 * sizeof(raw)];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	strnvis(safe, raw, sizeof(safe), VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_NOSLASH);
	fprintf(stderr, "postie: %s%s\n", prefix, safe);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vprint("warning: ", fmt, ap);
	va_end(ap);
}

void
log_trace(char dir, const char *line, size_t len)
{
	char	*safe;

	if (verbosity < 1)
		return;
	if ((safe = malloc(4 * len + 1)) == NULL)
		return;
	strnvisx(safe, 4 * len + 1, line, len, VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_NOSLASH);
	fprintf(stderr, "%s %s\n", dir == '<' ? "<--" : "-->", safe);
	free(safe);
}

/* value escaped so that it stays one word of the line. */
static int
append_escaped(struct buf *b, const char *value)
{
	char	*safe;
	size_t	 len;
	int	 r;

	len = strlen(value);
	if ((safe = malloc(4 * len + 1)) == NULL)
		return -1;
	strnvis(safe, value, 4 * len + 1,
	    VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_NOSLASH | VIS_SP);
	r = buf_appendf(b, "%s", safe);
	free(safe);
	return r;
}

static int
append_value(struct buf *b, const char *key, const char *value)
{
	if (buf_appendf(b, " %s=", key) == -1)
		return -1;
	return append_escaped(b, value);
}

void
log_syslog_default(int facility)
{
	syslog_default = facility;
}

void
log_set_ident(const char *s)
{
	ident = s;
}

void
log_note_session(const char *account, const char *host, int port,
    const char *tls_version)
{
	memset(&note, 0, sizeof(note));
	strlcpy(note.account, account != NULL ? account : "",
	    sizeof(note.account));
	strlcpy(note.host, host != NULL ? host : "", sizeof(note.host));
	note.port = port;
	if (tls_version != NULL)
		strlcpy(note.tls_version, tls_version,
		    sizeof(note.tls_version));
}

void
log_note_reply(int code, const char *text)
{
	note.reply[0] = '\0';
	if (code > 0)
		snprintf(note.reply, sizeof(note.reply), "%d%s%s", code,
		    text != NULL && *text != '\0' ? " " : "",
		    text != NULL ? text : "");
}

/* A queue run may go from account to account: a note is its own's. */
static int
note_is_for(const struct log_delivery *d)
{
	return strcmp(note.account, d->account) == 0 &&
	    strcmp(note.host, d->host) == 0 && note.port == d->port;
}

void
log_delivery(const char *path, const struct log_delivery *d)
{
	struct buf	 b = BUF_INIT;
	char		 date[64];
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 facility;

	facility = d->syslog != LOG_SYSLOG_UNSET ? d->syslog : syslog_default;
	if (path == NULL && facility == LOG_SYSLOG_OFF)
		return;
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		strlcpy(date, "-", sizeof(date));
	/* One buffer: the date, then " " and the line both sinks share. */
	if (buf_appendf(&b, "%s", date) == -1 || delivery_line(&b, d) == -1) {
		buf_free(&b, 0);
		return;
	}
	if (facility != LOG_SYSLOG_OFF)
		log_syslog(facility, d->result, b.data + strlen(date) + 1);
	if (path != NULL && buf_appendf(&b, "\n") == 0)
		log_file(path, b.data, b.len);
	buf_free(&b, 0);
}

/* The fields of d, escaped, appended to b (see log.h). */
static int
delivery_line(struct buf *b, const struct log_delivery *d)
{
	const char	*tlsv = d->tls_version, *reply = d->reply;
	size_t		 i;
	int		 r = 0;

	if (note_is_for(d)) {
		if (tlsv == NULL && note.tls_version[0] != '\0')
			tlsv = note.tls_version;
		if (reply == NULL && note.reply[0] != '\0')
			reply = note.reply;
	}
	r |= append_value(b, "account", d->account);
	r |= append_value(b, "host", d->host);
	r |= buf_appendf(b, " port=%d tls=%s", d->port, d->tls ? "on" : "off");
	if (d->tls && tlsv != NULL)
		r |= append_value(b, "tlsversion", tlsv);
	if (d->user != NULL)
		r |= append_value(b, "user", d->user);
	r |= append_value(b, "from", d->from[0] != '\0' ? d->from : "<>");
	r |= buf_appendf(b, " recipients=");
	for (i = 0; i < d->nrcpts; i++) {
		if (i > 0)
			r |= buf_appendf(b, ",");
		r |= append_escaped(b, d->rcpts[i]);
	}
	r |= buf_appendf(b, " mailsize=%lld", d->size);
	if (d->id != NULL)
		r |= append_value(b, "id", d->id);
	r |= append_value(b, "result", d->result);
	if (d->error == NULL && reply != NULL)
		r |= append_value(b, "reply", reply);
	if (d->error != NULL)
		r |= append_value(b, "error", d->error);
	return r != 0 ? -1 : 0;
}

/*
 * One line to syslog. The line is escaped already, so nothing in it is
 * a format or a control character. Opened and closed around each line:
 * a queue run writes a few, and a long-lived descriptor to /dev/log
 * would be one more for passwordeval's child to close.
 */
static void
log_syslog(int facility, const char *result, const char *line)
{
	int	pri = LOG_INFO;

	if (strcmp(result, "deferred") == 0)
		pri = LOG_WARNING;
	else if (strcmp(result, "failed") == 0)
		pri = LOG_ERR;
	openlog(ident, LOG_PID, facility);
	syslog(pri, "%s", line);
	closelog();
}

static void
log_file(const char *path, const char *line, size_t len)
{
	int	fd;

	if ((fd = log_open(path)) == -1 ||
	    write(fd, line, len) != (ssize_t)len)
		log_warn("cannot write the delivery log %s: %s", path,
		    errno == ELOOP ? "a symbolic link, not followed" :
		    errno == EINVAL ? "not a regular file" : strerror(errno));
	if (fd != -1)
		close(fd);
}

/*
 * The log file for appending, or -1 with errno set. A symbolic link
 * planted at its path is not followed (ELOOP), and whatever is not a
 * regular file (a FIFO, which O_NONBLOCK keeps from hanging us, or a
 * device, which O_NOCTTY keeps from becoming our terminal) is refused
 * with EINVAL (an fstat() that fails too: the file is unknown).
 */
static int
log_open(const char *path)
{
	struct stat	st;
	int		fd;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600)) == -1)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return fd;
	close(fd);
	errno = EINVAL;
	return -1;
}
