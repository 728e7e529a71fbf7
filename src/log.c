/*
 * log: -v output and warnings on stderr (see log.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "buf.h"
#include "log.h"

static int		 verbosity;

static void	log_vprint(const char *prefix, const char *fmt, va_list ap)
		    POSTIE_PRINTF(2, 0);
static int	append_escaped(struct buf *b, const char *value);
static int	append_value(struct buf *b, const char *key, const char *value);
static int	log_open(const char *path);

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
log_delivery(const char *path, const struct log_delivery *d)
{
	struct buf	 b = BUF_INIT;
	char		 date[64];
	time_t		 now = time(NULL);
	struct tm	 tm;
	size_t		 i;
	int		 fd, r = 0;

	if (path == NULL)
		return;
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		strlcpy(date, "-", sizeof(date));
	r |= buf_appendf(&b, "%s", date);
	r |= append_value(&b, "account", d->account);
	r |= append_value(&b, "host", d->host);
	r |= buf_appendf(&b, " port=%d tls=%s", d->port, d->tls ? "on" : "off");
	if (d->user != NULL)
		r |= append_value(&b, "user", d->user);
	r |= append_value(&b, "from", d->from[0] != '\0' ? d->from : "<>");
	r |= buf_appendf(&b, " recipients=");
	for (i = 0; i < d->nrcpts; i++) {
		if (i > 0)
			r |= buf_appendf(&b, ",");
		r |= append_escaped(&b, d->rcpts[i]);
	}
	r |= buf_appendf(&b, " mailsize=%lld", d->size);
	if (d->id != NULL)
		r |= append_value(&b, "id", d->id);
	r |= append_value(&b, "result", d->result);
	if (d->error != NULL)
		r |= append_value(&b, "error", d->error);
	r |= buf_appendf(&b, "\n");
	if (r != 0) {
		buf_free(&b, 0);
		return;
	}
	if ((fd = log_open(path)) == -1 ||
	    write(fd, b.data, b.len) != (ssize_t)b.len)
		log_warn("cannot write the delivery log %s: %s", path,
		    errno == ELOOP ? "a symbolic link, not followed" :
		    errno == EINVAL ? "not a regular file" : strerror(errno));
	if (fd != -1)
		close(fd);
	buf_free(&b, 0);
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
