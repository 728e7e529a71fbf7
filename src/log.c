/*
 * log: -v output and warnings on stderr (see log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <vis.h>

#include "log.h"

static int verbosity;

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
