/*
 * conn: one byte stream to the server, plain socket or TLS, with buffered
 * reads and writes and a deadline on every wait. Writes are collected and
 * leave in large blocks (one system call, one TLS record where it fits),
 * never a line at a time. Optionally traces every line for -v.
 */
#ifndef POSTIE_CONN_H
#define POSTIE_CONN_H

#include <stddef.h>

#include "exitcode.h"
#include "tls.h"

struct conn;

/*
 * Resolves host and connects to port, trying each address in turn, with
 * timeout_sec as the deadline for each attempt and for every later read
 * and write. TCP_NODELAY is set: postie always writes whole command
 * groups. Errors: FAIL_CONNECT (text names the resolver's or the
 * socket's reason), FAIL_TIMEOUT, FAIL_OS.
 */
int	conn_open(const char *host, int port, int timeout_sec,
	    struct conn **out, struct failure *f);

/*
 * Starts TLS on the connection (implicit TLS right after conn_open, or
 * after the server's 220 to STARTTLS). Fails with FAIL_PROTOCOL when any
 * byte from the server is already buffered: after "220" to STARTTLS that
 * is an injection attack. Errors as tls_start().
 */
int	conn_starttls(struct conn *c, const struct tls_params *p,
	    struct failure *f);

/* 1 when TLS is up. */
int	conn_is_tls(const struct conn *c);
struct tls_session *conn_tls(struct conn *c);

/*
 * Reads one line, up to and including LF. *line points into the
 * connection's buffer (valid until the next read), NUL-terminated where
 * the line ending was; *len excludes the line ending (CRLF or bare LF).
 * With -v the line is traced. Lines longer than max are FAIL_PROTOCOL.
 * Errors: FAIL_TIMEOUT, FAIL_DROPPED (closed before a whole line),
 * FAIL_PROTOCOL, FAIL_TLS.
 */
int	conn_read_line(struct conn *c, const char **line, size_t *len,
	    size_t max, struct failure *f);

/* Bytes received but not yet consumed (plain or TLS). */
size_t	conn_pending(struct conn *c);

/*
 * Queues bytes for sending; leaves when the buffer fills or on
 * conn_flush(). Bytes queued with conn_write() are not traced (message
 * data: the caller logs a summary). Text queued with conn_write_line()
 * is traced as a line; with secret set, "AUTH MECH response" is traced as
 * "AUTH MECH ****" and any other line as "****", and the write buffer is
 * wiped once flushed. Errors: FAIL_TIMEOUT, FAIL_DROPPED, FAIL_TLS,
 * FAIL_OS.
 */
int	conn_write(struct conn *c, const void *p, size_t n, struct failure *f);
int	conn_write_line(struct conn *c, const char *line, int secret,
	    struct failure *f);	/* appends CRLF */
int	conn_flush(struct conn *c, struct failure *f);

/* Ends TLS (close_notify, best effort), closes the socket, frees c. */
void	conn_close(struct conn *c);

#endif
