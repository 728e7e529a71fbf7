/*
 * exitcode: the one failure taxonomy of postie and the one mapping from a
 * classified failure to a sysexits(3) code and the one-line error.
 *
 * A failure is classified where it is seen (the module that sees a 535
 * knows it is an authentication refusal); main reports it once.
 */
#ifndef POSTIE_EXITCODE_H
#define POSTIE_EXITCODE_H

#include <stdarg.h>

#include "compat.h"

enum fail_kind {
	FAIL_NONE = 0,
	FAIL_USAGE,		/* bad command line or address argument: 64 */
	FAIL_DATA,		/* the message is unusable: 65 */
	FAIL_NOUSER,		/* every recipient refused with 5xx: 67 */
	FAIL_REJECTED,		/* any other 5xx from the server: 69 */
	FAIL_CERT,		/* the server's certificate was refused: 69 */
	FAIL_TLS,		/* TLS handshake failed (not a cert verdict): 69 */
	FAIL_SOFTWARE,		/* a bug in postie: 70 */
	FAIL_OS,		/* fork, exec, memory: 71 */
	FAIL_CANTCREAT,		/* cannot create a spool or output file: 73 */
	FAIL_IO,		/* read or write error on a local file: 74 */
	FAIL_TEMPFAIL,		/* 4xx from the server: 75 */
	FAIL_CONNECT,		/* resolve or connect failed: 75 */
	FAIL_TIMEOUT,		/* the server did not answer in time: 75 */
	FAIL_DROPPED,		/* the connection closed under us: 75 */
	FAIL_PROTOCOL,		/* the server spoke garbage: 76 */
	FAIL_AUTH,		/* authentication refused or impossible: 77 */
	FAIL_NOPERM,		/* not this user's to do: 77 */
	FAIL_CONFIG,		/* configuration missing or wrong: 78 */
	FAIL_NOINPUT,		/* an input file (--import) unreadable: 66 */
};

#define FAILURE_TEXT_MAX 768

struct failure {
	enum fail_kind	kind;
	/* What failed, with the server's reply and a hint where one helps;
	 * one line, already escaped for the terminal. */
	char		text[FAILURE_TEXT_MAX];
};

/*
 * Records a failure and returns -1, so that callers can write
 * "return fail(f, FAIL_X, ...);". Control characters in the formatted
 * text are escaped (strvis), so server replies can be passed as they are.
 * f may be NULL (the failure is then dropped).
 */
int	fail(struct failure *f, enum fail_kind kind, const char *fmt, ...)
	    POSTIE_PRINTF(3, 4);
int	vfail(struct failure *f, enum fail_kind kind, const char *fmt,
	    va_list ap) POSTIE_PRINTF(3, 0);

/* Clears f to FAIL_NONE with an empty text. */
void	failure_clear(struct failure *f);

/* 1 when the kind is worth retrying later (75), 0 otherwise. */
int	fail_is_temporary(enum fail_kind kind);

/* The sysexits(3) code for kind; EX_OK for FAIL_NONE. */
int	exitcode_of(enum fail_kind kind);

/*
 * Prints the one error line to stderr:
 *   postie: CONTEXT: TEXT
 * where CONTEXT is e.g. "ACCOUNT: HOST:PORT" or "FILE:LINE" and may be
 * NULL. Returns exitcode_of(f->kind).
 */
int	exitcode_report(const struct failure *f, const char *context);

#endif
