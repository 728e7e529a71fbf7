/*
 * log: what postie tells the person at the terminal. Errors go through
 * exitcode_report(); this module carries -v output (the SMTP dialogue and
 * the decisions taken) and warnings. Untrusted text is escaped with strvis
 * before it reaches the terminal.
 */
#ifndef POSTIE_LOG_H
#define POSTIE_LOG_H

#include <stddef.h>

#include "compat.h"

/* Turns -v output on (level >= 1) or off. */
void	log_set_verbose(int level);
int	log_verbose(void);

/* With -v: "postie: " + the formatted text, on stderr. */
void	log_info(const char *fmt, ...) POSTIE_PRINTF(1, 2);

/* Always: "postie: warning: " + the formatted text, on stderr. */
void	log_warn(const char *fmt, ...) POSTIE_PRINTF(1, 2);

/*
 * With -v: one protocol line, as "<-- LINE" (from the server, dir '<') or
 * "--> LINE" (to the server, dir '>'). The trailing CRLF is not shown;
 * control characters are escaped. Lines carrying secrets must be masked
 * by the caller before they get here (conn_write_line()'s secret
 * argument does that).
 */
void	log_trace(char dir, const char *line, size_t len);

/* One delivery attempt, for the delivery log (msmtp's logfile). */
struct log_delivery {
	const char		*id;		/* queue id, or NULL */
	const char		*account;
	const char		*host;
	int			 port;
	int			 tls;
	const char		*user;		/* NULL: no authentication */
	const char		*from;
	const char *const	*rcpts;
	size_t			 nrcpts;
	long long		 size;
	const char		*result;	/* delivered, deferred, failed */
	const char		*error;		/* NULL when delivered */
};

/*
 * Appends one line for d to the delivery log logfile (the account's;
 * NULL: none). The line is
 *   DATE account=A host=H port=P tls=on|off user=U from=F
 *   recipients=R,... mailsize=N id=ID result=RESULT [error=TEXT]
 * with DATE in ISO 8601 local time, every value escaped with strvis
 * (spaces as \040, so each stays one word of the line), written
 * with one append so that concurrent runs do not mix lines. The file is
 * opened without following a symbolic link, without becoming the
 * controlling terminal and without blocking on a FIFO, and written only
 * when it is a regular file. A log that cannot be written is warned
 * about; delivery goes on.
 */
void	log_delivery(const char *logfile, const struct log_delivery *d);

#endif
