/*
 * exitcode: the one failure taxonomy of postie and the one mapping from a
 * classified failure to a sysexits(3) code and the one-line error.
 *
 * A failure is classified where it is seen (the module that sees a 535
 * knows it is an authentication refusal), stamped with its context where
 * that is known (deliver knows the account and the server), and reported
 * once.
 */
#ifndef POSTIE_EXITCODE_H
#define POSTIE_EXITCODE_H

#include <stdarg.h>
#include <stddef.h>

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

#define FAILURE_CONTEXT_MAX 512
#define FAILURE_TEXT_MAX 768
/* failure_line()'s room: the context, ": " and the text. */
#define FAILURE_LINE_MAX (FAILURE_CONTEXT_MAX + FAILURE_TEXT_MAX + 2)

struct failure {
	enum fail_kind	kind;
	/* Where it failed, e.g. "ACCOUNT: HOST:PORT"; empty when the text
	 * says it all (a failure before any server was tried). */
	char		context[FAILURE_CONTEXT_MAX];
	/* What failed, with the server's reply and a hint where one helps;
	 * one line, already escaped for the terminal. */
	char		text[FAILURE_TEXT_MAX];
};

/*
 * Records a failure and returns -1, so that callers can write
 * "return fail(f, FAIL_X, ...);". Control characters in the formatted
 * text are escaped (strvis), so server replies can be passed as they are.
 * f may be NULL (the failure is then dropped). The context is left as it
 * is: a later step that rewords what failed (a summary, a hint) does not
 * change where it failed.
 */
int	fail(struct failure *f, enum fail_kind kind, const char *fmt, ...)
	    POSTIE_PRINTF(3, 4);
int	vfail(struct failure *f, enum fail_kind kind, const char *fmt,
	    va_list ap) POSTIE_PRINTF(3, 0);

/* Clears f to FAIL_NONE with an empty context and text. */
void	failure_clear(struct failure *f);

/*
 * Stamps f with its context (printf-style; it comes from the
 * configuration or the command line, not from a server, and is not
 * escaped), replacing any earlier one. f may be NULL.
 */
void	failure_context(struct failure *f, const char *fmt, ...)
	    POSTIE_PRINTF(2, 3);

/*
 * The failure as one line into buf (len bytes, FAILURE_LINE_MAX is
 * enough): "CONTEXT: TEXT", or "TEXT" without a context. Returns buf.
 */
const char *failure_line(const struct failure *f, char *buf, size_t len);

/* 1 when the kind is worth retrying later (75), 0 otherwise. */
int	fail_is_temporary(enum fail_kind kind);

/* The sysexits(3) code for kind; EX_OK for FAIL_NONE. */
int	exitcode_of(enum fail_kind kind);

/*
 * Prints the one error line to stderr, "postie: " and failure_line(),
 * "failed" standing for an empty text (nothing for FAIL_NONE). Returns
 * exitcode_of(f->kind).
 */
int	exitcode_report(const struct failure *f);

#endif
