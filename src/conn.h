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
 * timeout_sec as the deadline for each attempt, for every later write,
 * and for reads as conn_deadline() says. TCP_NODELAY is set: postie always writes whole command
 * groups. Errors: FAIL_CONNECT (text names the resolver's or the
 * socket's reason), FAIL_TIMEOUT, FAIL_OS.
 */
int	conn_open(const char *host, int port, int timeout_sec,
	    struct conn **out, struct failure *f);

/* How to reach the server: from which local address, through which proxy. */
struct conn_route {
	const char	*source_ip;	/* numeric; NULL: the system picks */
	const char	*proxy_host;	/* SOCKS5 proxy; NULL: none */
	int		 proxy_port;	/* 0: 1080 */
};

/*
 * conn_open() along a route (NULL: as conn_open). With source_ip each
 * socket is bound to it first; an address of the other family is skipped
 * with that reason. With proxy_host the proxy's addresses are tried in
 * turn, then it is asked for host:port by name (socks.h), and the
 * connection runs through it. When every address fails, the text names
 * each one with its reason. Errors: as conn_open, and socks5_connect's.
 */
int	conn_open_route(const char *host, int port, int timeout_sec,
	    const struct conn_route *route, struct conn **out,
	    struct failure *f);

/*
 * conn_open() to the first of list's addresses that answers, no name to
 * resolve (for tests that need several addresses, whatever the machine's
 * resolver says). Errors: as conn_open.
 */
struct addrinfo;
int	conn_open_addrs(const struct addrinfo *list, int timeout_sec,
	    const char *source_ip, struct conn **out, struct failure *f);

/*
 * Starts TLS on the connection (implicit TLS right after conn_open, or
 * after the server's 220 to STARTTLS). Fails with FAIL_PROTOCOL when any
 * byte from the server is already buffered: after "220" to STARTTLS that
 * is an injection attack. Errors as tls_start().
 */
int	conn_starttls(struct conn *c, const struct tls_params *p,
	    struct failure *f);

/*
 * 1 when the connected peer's address is loopback (127.0.0.0/8, ::1,
 * ::ffff:127.0.0.0/104), whatever name led there; 0 otherwise, or when
 * it cannot be told. addr gets the peer's numeric address, for the error.
 */
int	conn_peer_loopback(struct conn *c, char *addr, size_t size);
struct sockaddr;
int	conn_addr_is_loopback(const struct sockaddr *sa);

/* 1 when TLS is up. */
int	conn_is_tls(const struct conn *c);
struct tls_session *conn_tls(struct conn *c);

/*
 * Reads one line, up to and including LF. *line points into the
 * connection's buffer (valid until the next read), NUL-terminated where
 * the line ending was; *len excludes the line ending (CRLF or bare LF).
 * With -v the line is traced. Lines longer than max are FAIL_PROTOCOL.
 * Errors: FAIL_TIMEOUT (past the deadline: "no answer within N s", or
 * "no whole answer" when some bytes came), FAIL_DROPPED (closed before a whole line),
 * FAIL_PROTOCOL, FAIL_TLS.
 */
int	conn_read_line(struct conn *c, const char **line, size_t *len,
	    size_t max, struct failure *f);

/*
 * Starts a deadline: every read from now until the next conn_deadline()
 * must end within the connection's timeout_sec of now, however the bytes
 * trickle in (a whole SMTP reply, all its lines, is one wait). Before the
 * first call each read waits at most timeout_sec on its own.
 */
void	conn_deadline(struct conn *c);

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
