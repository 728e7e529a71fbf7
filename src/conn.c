/*
 * conn: one byte stream to the server, plain or TLS (see conn.h).
 *
 * The socket is blocking with SO_RCVTIMEO/SO_SNDTIMEO, so every write
 * waits at most timeout_sec. Reads are bounded by a deadline instead
 * (conn_deadline()): before each one SO_RCVTIMEO (and GnuTLS's record
 * timeout) is set to what is left of it, so a server that trickles a
 * byte at a time cannot stretch a reply past timeout_sec. Writes collect
 * in one buffer and leave as whole command groups.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conn.h"
#include "log.h"
#include "socks.h"

#define CONN_READ_CHUNK	16384
#define CONN_WRITE_MAX	65536
#define CONN_MASK	"****"
#define CONN_SOCKS_PORT	1080	/* the proxy_port default, as msmtp */

struct conn {
	int			 fd;
	int			 timeout_sec;
	struct tls_session	*tls;
	struct buf		 in;
	size_t			 in_pos;	/* first byte not yet consumed */
	char			*out;
	size_t			 out_len;
	int			 out_secret;	/* out holds a secret: wipe it */
	struct timespec		 deadline;	/* reads end by then */
	int			 has_deadline;
	size_t			 since;		/* bytes read since it was set */
};

static int	resolve(const char *, int, struct addrinfo **,
		    struct failure *);
static int	connect_any(const char *, int, int, const char *,
		    struct failure *);
static int	connect_list(const struct addrinfo *, int, const char *,
		    struct failure *);
static int	wrap(int, int, struct conn **, struct failure *);
static int	connect_proxy(const struct conn_route *, int,
		    struct failure *);
static int	try_connect(const struct addrinfo *, int, const char *,
		    char *, size_t);
static int	bind_source(int, int, const char *, char *, size_t);
static int	wait_connected(int, int);
static int	set_options(int, int);
static void	quickack(int);
static int	fill(struct conn *, struct failure *);
static int	read_budget(struct conn *, long *, struct failure *);
static int	read_timeout(struct conn *, struct failure *);
static int	send_all(struct conn *, const char *, size_t,
		    struct failure *);
static void	trace_secret(const char *);
static long	msec_left(const struct timespec *);

int
conn_open(const char *host, int port, int timeout_sec, struct conn **out,
    struct failure *f)
{
	return conn_open_route(host, port, timeout_sec, NULL, out, f);
}

int
conn_open_route(const char *host, int port, int timeout_sec,
    const struct conn_route *route, struct conn **out, struct failure *f)
{
	const char	*src = route != NULL ? route->source_ip : NULL;
	const char	*proxy = route != NULL ? route->proxy_host : NULL;
	int		 fd;

	*out = NULL;
	if (proxy != NULL)
		fd = connect_proxy(route, timeout_sec, f);
	else
		fd = connect_any(host, port, timeout_sec, src, f);
	if (fd == -1)
		return -1;
	if (wrap(fd, timeout_sec, out, f) == -1)
		return -1;
	if (proxy != NULL &&
	    socks5_connect(fd, host, port, timeout_sec, f) == -1) {
		conn_close(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* The proxy's own failures say that they are the proxy's. */
static int
connect_proxy(const struct conn_route *route, int timeout_sec,
    struct failure *f)
{
	char	why[FAILURE_TEXT_MAX];
	int	fd;

	fd = connect_any(route->proxy_host, route->proxy_port > 0 ?
	    route->proxy_port : CONN_SOCKS_PORT, timeout_sec,
	    route->source_ip, f);
	if (fd == -1) {
		strlcpy(why, f->text, sizeof(why));
		return fail(f, f->kind, "SOCKS5 proxy %s: %s",
		    route->proxy_host, why);
	}
	return fd;
}

int
conn_open_addrs(const struct addrinfo *list, int timeout_sec,
    const char *source_ip, struct conn **out, struct failure *f)
{
	int	fd;

	*out = NULL;
	if ((fd = connect_list(list, timeout_sec, source_ip, f)) == -1)
		return -1;
	return wrap(fd, timeout_sec, out, f);
}

/* Makes a conn of the connected socket fd; closes fd on failure. */
static int
wrap(int fd, int timeout_sec, struct conn **out, struct failure *f)
{
	struct conn	*c;
	int		 err;

	if (set_options(fd, timeout_sec) == -1) {
		err = errno;
		close(fd);
		return fail(f, FAIL_OS, "socket options: %s", strerror(err));
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->out = malloc(CONN_WRITE_MAX)) == NULL) {
		free(c);
		close(fd);
		return fail(f, FAIL_OS, "out of memory");
	}
	c->fd = fd;
	c->timeout_sec = timeout_sec;
	*out = c;
	return 0;
}

static int
connect_any(const char *host, int port, int timeout_sec, const char *src,
    struct failure *f)
{
	struct addrinfo	*res;
	int		 fd;

	if (resolve(host, port, &res, f) == -1)
		return -1;
	fd = connect_list(res, timeout_sec, src, f);
	freeaddrinfo(res);
	return fd;
}

/*
 * Tries each address in turn, each attempt bounded by timeout_sec. The
 * failure names every address with its reason, so a dead IPv6 route next
 * to a working IPv4 one is visible.
 */
static int
connect_list(const struct addrinfo *list, int timeout_sec, const char *src,
    struct failure *f)
{
	const struct addrinfo	*ai;
	char			 why[FAILURE_TEXT_MAX];
	int			 fd = -1, all_timeouts = 1;

	why[0] = '\0';
	for (ai = list; ai != NULL && fd == -1; ai = ai->ai_next) {
		fd = try_connect(ai, timeout_sec, src, why, sizeof(why));
		if (fd == -1 && errno != ETIMEDOUT)
			all_timeouts = 0;
	}
	if (fd != -1)
		return fd;
	return fail(f, all_timeouts ? FAIL_TIMEOUT : FAIL_CONNECT,
	    "cannot connect: %s", why);
}

static int
resolve(const char *host, int port, struct addrinfo **res, struct failure *f)
{
	struct addrinfo	hints;
	char		serv[16];
	int		r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(serv, sizeof(serv), "%d", port);
	r = getaddrinfo(host, serv, &hints, res);
	/* With only a loopback interface up (a container, a test netns),
	 * AI_ADDRCONFIG can hide the very address asked for. */
	if (r == EAI_NONAME || r == EAI_FAMILY
#ifdef EAI_ADDRFAMILY
	    || r == EAI_ADDRFAMILY
#endif
	    ) {
		hints.ai_flags = 0;
		r = getaddrinfo(host, serv, &hints, res);
	}
	if (r == EAI_SYSTEM)
		return fail(f, FAIL_CONNECT, "cannot resolve %s: %s", host,
		    strerror(errno));
	if (r != 0)
		return fail(f, FAIL_CONNECT, "cannot resolve %s: %s", host,
		    gai_strerror(r));
	return 0;
}

/*
 * Returns a connected socket, or -1 with errno set and "ADDR: reason"
 * appended to why.
 */
static int
try_connect(const struct addrinfo *ai, int timeout_sec, const char *src,
    char *why, size_t size)
{
	char		 addr[NI_MAXHOST], reason[128];
	int		 fd, err;

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr),
	    NULL, 0, NI_NUMERICHOST) != 0)
		strlcpy(addr, "?", sizeof(addr));
	reason[0] = '\0';
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd != -1 && src != NULL &&
	    bind_source(fd, ai->ai_family, src, reason, sizeof(reason)) == -1) {
		err = errno;
		close(fd);
		fd = -1;
		errno = err;
	} else if (fd != -1 && connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    (errno != EINPROGRESS || wait_connected(fd, timeout_sec) == -1)) {
		err = errno;
		close(fd);
		fd = -1;
		errno = err;
	}
	if (fd != -1) {
		log_info("connected to %s", addr);
		return fd;
	}
	err = errno;
	if (reason[0] == '\0')
		snprintf(reason, sizeof(reason), "%s", err == ETIMEDOUT ?
		    "no answer" : strerror(err));
	if (err == ETIMEDOUT)
		snprintf(reason + strlen(reason), sizeof(reason) -
		    strlen(reason), " within %d s", timeout_sec);
	log_info("%s: %s", addr, reason);
	if (why[0] != '\0')
		strlcat(why, "; ", size);
	strlcat(why, addr, size);
	strlcat(why, ": ", size);
	strlcat(why, reason, size);
	errno = err;
	return -1;
}

/*
 * Binds fd to the numeric address src. An address of the other family
 * cannot be used from src: EAFNOSUPPORT, said in reason.
 */
static int
bind_source(int fd, int family, const char *src, char *reason, size_t size)
{
	struct addrinfo	 hints, *res;
	int		 r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if (getaddrinfo(src, NULL, &hints, &res) != 0) {
		snprintf(reason, size, "not reachable from source_ip %s "
		    "(another address family)", src);
		errno = EAFNOSUPPORT;
		return -1;
	}
	r = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (r == -1) {
		r = errno;
		snprintf(reason, size, "cannot bind to source_ip %s: %s", src,
		    strerror(r));
		errno = r;
		return -1;
	}
	return 0;
}

/* Waits for a non-blocking connect; -1 with errno set on failure. */
static int
wait_connected(int fd, int timeout_sec)
{
	struct pollfd	pfd = { fd, POLLOUT, 0 };
	struct timespec	deadline;
	socklen_t	len = sizeof(int);
	int		r, soerr = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_sec;
	while ((r = poll(&pfd, 1, timeout_sec > 0 ?
	    (int)msec_left(&deadline) : -1)) == -1 && errno == EINTR)
		;
	if (r == -1)
		return -1;
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

static long
msec_left(const struct timespec *deadline)
{
	struct timespec	now;
	long		ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > deadline->tv_sec)
		return 0;
	if (deadline->tv_sec - now.tv_sec > INT_MAX / 1000 - 1)
		return INT_MAX;
	ms = (long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

static int
set_options(int fd, int timeout_sec)
{
	struct timeval	tv = { timeout_sec, 0 };
	int		flags, one = 1;

	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		return -1;
	/* Whole command groups leave at once; a lone small write must not
	 * wait for the ACK of the previous one (Nagle + delayed ACK). */
	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int
conn_starttls(struct conn *c, const struct tls_params *p, struct failure *f)
{
	/* RFC 3207 section 6 and CVE-2011-0411: whatever arrived with the
	 * 220 was injected before the handshake could protect it. */
	if (conn_pending(c) > 0)
		return fail(f, FAIL_PROTOCOL, "the server sent data after its "
		    "220 reply to STARTTLS (possible injection attack)");
	if (c->tls != NULL)
		return fail(f, FAIL_SOFTWARE, "TLS is already up");
	if (conn_flush(c, f) == -1)
		return -1;
	buf_reset(&c->in);
	c->in_pos = 0;
	if (tls_start(c->fd, p, &c->tls, f) == -1)
		return -1;
	quickack(c->fd);
	return 0;
}

int
conn_addr_is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		    sin6->sin6_addr.s6_addr[12] == 127);
	default:
		return 0;
	}
}

int
conn_peer_loopback(struct conn *c, char *addr, size_t size)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	strlcpy(addr, "an unknown address", size);
	if (getpeername(c->fd, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	if (getnameinfo((struct sockaddr *)&ss, len, addr, size, NULL, 0,
	    NI_NUMERICHOST) != 0)
		strlcpy(addr, "an unknown address", size);
	return conn_addr_is_loopback((struct sockaddr *)&ss);
}

int
conn_is_tls(const struct conn *c)
{
	return c->tls != NULL;
}

struct tls_session *
conn_tls(struct conn *c)
{
	return c->tls;
}

size_t
conn_pending(struct conn *c)
{
	size_t	n = c->in.len - c->in_pos;

	return c->tls != NULL ? n + tls_pending(c->tls) : n;
}

int
conn_read_line(struct conn *c, const char **line, size_t *len, size_t max,
    struct failure *f)
{
	char	*start, *lf;
	size_t	 scanned = 0, n;

	/* Nothing read yet: in.data is NULL, and NULL + 0 is undefined. */
	if (c->in.data == NULL && fill(c, f) == -1)
		return -1;
	for (;;) {
		start = c->in.data + c->in_pos;
		n = c->in.len - c->in_pos;
		if (n > scanned &&
		    (lf = memchr(start + scanned, '\n', n - scanned)) != NULL)
			break;
		scanned = n;
		/* +2: room for the CRLF that would end a line of max. */
		if (n > max + 2)
			return fail(f, FAIL_PROTOCOL, "the server sent a line "
			    "longer than %zu bytes", max);
		if (fill(c, f) == -1)
			return -1;
	}
	n = (size_t)(lf - start);
	c->in_pos += n + 1;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (n > max)
		return fail(f, FAIL_PROTOCOL, "the server sent a line longer "
		    "than %zu bytes", max);
	start[n] = '\0';
	log_trace('<', start, n);
	*line = start;
	*len = n;
	return 0;
}

/*
 * Acknowledges what arrived at once. A server that sends TLS session
 * tickets after the handshake and then a small reply holds that reply
 * (Nagle) until the tickets are acknowledged, and a delayed ACK costs
 * 40 ms on every such turn. Linux only; elsewhere the ACK is just late.
 */
static void
quickack(int fd)
{
#ifdef TCP_QUICKACK
	int	one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
	(void)fd;
#endif
}

/* Reads more into the input buffer, dropping what was consumed. */
static int
fill(struct conn *c, struct failure *f)
{
	ssize_t	r;
	long	ms;

	if (c->in_pos > 0) {
		buf_consume(&c->in, c->in_pos);
		c->in_pos = 0;
	}
	if (buf_reserve(&c->in, CONN_READ_CHUNK) == -1)
		return fail(f, FAIL_OS, "out of memory");
	quickack(c->fd);
	for (;;) {
		if (read_budget(c, &ms, f) == -1)
			return -1;
		if (c->tls != NULL)
			r = tls_read(c->tls, c->in.data + c->in.len,
			    c->in.cap - c->in.len - 1, ms, f);
		else
			r = recv(c->fd, c->in.data + c->in.len,
			    c->in.cap - c->in.len - 1, 0);
		if (r > 0)
			break;
		if (r == 0)
			return fail(f, FAIL_DROPPED, "the server closed the "
			    "connection");
		if (c->tls != NULL)
			return f->kind == FAIL_TIMEOUT ? read_timeout(c, f) : -1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return read_timeout(c, f);
		return fail(f, FAIL_DROPPED, "connection lost: %s",
		    strerror(errno));
	}
	c->in.len += (size_t)r;
	c->in.data[c->in.len] = '\0';
	c->since += (size_t)r;
	return 0;
}

void
conn_deadline(struct conn *c)
{
	if (c->timeout_sec <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	c->deadline.tv_sec += c->timeout_sec;
	c->has_deadline = 1;
	c->since = 0;
}

/*
 * What is left of the deadline, in *ms, set as the socket's receive
 * timeout for the next read (0: none, wait for ever). Without a deadline
 * each read gets the whole timeout. FAIL_TIMEOUT when nothing is left.
 */
static int
read_budget(struct conn *c, long *ms, struct failure *f)
{
	struct timeval	tv;

	*ms = 0;
	if (c->timeout_sec <= 0)
		return 0;
	*ms = c->has_deadline ? msec_left(&c->deadline) :
	    (long)c->timeout_sec * 1000;
	if (*ms <= 0)
		return read_timeout(c, f);
	tv.tv_sec = *ms / 1000;
	tv.tv_usec = (*ms % 1000) * 1000;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		return fail(f, FAIL_OS, "socket options: %s", strerror(errno));
	return 0;
}

/* A silent server, or one that began but did not finish in time. */
static int
read_timeout(struct conn *c, struct failure *f)
{
	if (c->has_deadline && c->since > 0)
		return fail(f, FAIL_TIMEOUT, "no whole answer within %d s "
		    "(the server sends too slowly)", c->timeout_sec);
	return fail(f, FAIL_TIMEOUT, "no answer within %d s", c->timeout_sec);
}

int
conn_write(struct conn *c, const void *p, size_t n, struct failure *f)
{
	const char	*q = p;
	size_t		 room;

	while (n > 0) {
		if (c->out_len == CONN_WRITE_MAX && conn_flush(c, f) == -1)
			return -1;
		room = CONN_WRITE_MAX - c->out_len;
		if (room > n)
			room = n;
		memcpy(c->out + c->out_len, q, room);
		c->out_len += room;
		q += room;
		n -= room;
	}
	return 0;
}

int
conn_write_line(struct conn *c, const char *line, int secret,
    struct failure *f)
{
	if (secret) {
		trace_secret(line);
		c->out_secret = 1;
	} else
		log_trace('>', line, strlen(line));
	if (conn_write(c, line, strlen(line), f) == -1)
		return -1;
	return conn_write(c, "\r\n", 2, f);
}

/*
 * "AUTH PLAIN dXNlcgB1c2VyAHBhc3M=" is shown as "AUTH PLAIN ****": the
 * command and mechanism are not secret. Any other secret line (a SASL
 * response on its own) is shown as "****".
 */
static void
trace_secret(const char *line)
{
	char		 shown[64];
	const char	*sp;
	size_t		 n;

	if (strncasecmp(line, "AUTH ", 5) != 0) {
		log_trace('>', CONN_MASK, strlen(CONN_MASK));
		return;
	}
	sp = strchr(line + 5, ' ');
	n = sp == NULL ? strlen(line) : (size_t)(sp - line);
	if (n > sizeof(shown) - sizeof(" " CONN_MASK))
		n = sizeof(shown) - sizeof(" " CONN_MASK);
	memcpy(shown, line, n);
	shown[n] = '\0';
	if (sp != NULL)
		strlcat(shown, " " CONN_MASK, sizeof(shown));
	log_trace('>', shown, strlen(shown));
}

int
conn_flush(struct conn *c, struct failure *f)
{
	int	r;

	r = send_all(c, c->out, c->out_len, f);
	/* Secrets have a short life: once sent (or not), they go. */
	if (c->out_secret) {
		explicit_bzero(c->out, c->out_len);
		c->out_secret = 0;
	}
	c->out_len = 0;
	return r;
}

static int
send_all(struct conn *c, const char *p, size_t n, struct failure *f)
{
	ssize_t	r;

	while (n > 0) {
		if (c->tls != NULL) {
			if (tls_write(c->tls, p, n, f) == -1)
				return -1;
			return 0;
		}
		/* MSG_NOSIGNAL: a closed peer is EPIPE, not a fatal SIGPIPE. */
		if ((r = send(c->fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return fail(f, FAIL_TIMEOUT, "the server took "
				    "no data within %d s", c->timeout_sec);
			if (errno == EPIPE || errno == ECONNRESET)
				return fail(f, FAIL_DROPPED, "the server "
				    "closed the connection");
			return fail(f, FAIL_DROPPED, "connection lost: %s",
			    strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	tls_end(c->tls);
	close(c->fd);
	buf_free(&c->in, 1);
	if (c->out_secret)
		explicit_bzero(c->out, c->out_len);
	free(c->out);
	free(c);
}
