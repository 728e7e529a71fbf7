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

#endif
