/*
 * exitcode: the failure taxonomy's one mapping to sysexits(3) and the
 * one error line (see exitcode.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <vis.h>

#include "exitcode.h"

static const struct {
	enum fail_kind	kind;
	int		code;
} exit_table[] = {
	{ FAIL_NONE,		EX_OK },
	{ FAIL_USAGE,		EX_USAGE },
	{ FAIL_DATA,		EX_DATAERR },
	{ FAIL_NOUSER,		EX_NOUSER },
	{ FAIL_REJECTED,	EX_UNAVAILABLE },
	{ FAIL_CERT,		EX_UNAVAILABLE },
	{ FAIL_TLS,		EX_UNAVAILABLE },
	{ FAIL_SOFTWARE,	EX_SOFTWARE },
	{ FAIL_OS,		EX_OSERR },
	{ FAIL_CANTCREAT,	EX_CANTCREAT },
	{ FAIL_IO,		EX_IOERR },
	{ FAIL_TEMPFAIL,	EX_TEMPFAIL },
	{ FAIL_CONNECT,		EX_TEMPFAIL },
	{ FAIL_TIMEOUT,		EX_TEMPFAIL },
	{ FAIL_DROPPED,		EX_TEMPFAIL },
	{ FAIL_PROTOCOL,	EX_PROTOCOL },
	{ FAIL_AUTH,		EX_NOPERM },
	{ FAIL_NOPERM,		EX_NOPERM },
	{ FAIL_CONFIG,		EX_CONFIG },
	{ FAIL_NOINPUT,		EX_NOINPUT },
};

int
exitcode_of(enum fail_kind kind)
{
	size_t	i;

	for (i = 0; i < POSTIE_NELEM(exit_table); i++)
		if (exit_table[i].kind == kind)
			return exit_table[i].code;
	return EX_SOFTWARE;
}

int
fail_is_temporary(enum fail_kind kind)
{
	return exitcode_of(kind) == EX_TEMPFAIL;
}

void
failure_clear(struct failure *f)
{
	f->kind = FAIL_NONE;
	f->context[0] = '\0';
	f->text[0] = '\0';
}

void
failure_context(struct failure *f, const char *fmt, ...)
{
	va_list	ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(f->context, sizeof(f->context), fmt, ap);
	va_end(ap);
}

const char *
failure_line(const struct failure *f, char *buf, size_t len)
{
	if (f->context[0] != '\0')
		snprintf(buf, len, "%s: %s", f->context, f->text);
	else
		snprintf(buf, len, "%s", f->text);
	return buf;
}

int
vfail(struct failure *f, enum fail_kind kind, const char *fmt, va_list ap)
{
	char	raw[FAILURE_TEXT_MAX];

	if (f == NULL)
		return -1;
	f->kind = kind;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* Server replies and file contents end up here: keep the terminal
	 * safe and the error on one line. libbsd's strnvis() (0.11) writes
	 * up to size bytes of text and its NUL after them: one short. */
	(void)strnvis(f->text, raw, sizeof(f->text) - 1,
	    VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_NOSLASH);
	f->text[sizeof(f->text) - 1] = '\0';
	return -1;
}

int
fail(struct failure *f, enum fail_kind kind, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vfail(f, kind, fmt, ap);
	va_end(ap);
	return -1;
}

int
exitcode_report(const struct failure *f)
{
	struct failure	shown;
	char		line[FAILURE_LINE_MAX];

	if (f->kind == FAIL_NONE)
		return EX_OK;
	if (f->text[0] == '\0') {
		/* A line that ends in ": " would look cut short. */
		shown = *f;
		strlcpy(shown.text, "failed", sizeof(shown.text));
		f = &shown;
	}
	fprintf(stderr, "postie: %s\n", failure_line(f, line, sizeof(line)));
	return exitcode_of(f->kind);
}
