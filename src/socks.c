/*
 * socks: SOCKS5 CONNECT without authentication (see socks.h).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>

#include "log.h"
#include "socks.h"

#define SOCKS_VERSION	5
#define SOCKS_NOAUTH	0
#define SOCKS_NOMETHOD	0xff
#define SOCKS_CONNECT	1
#define ATYP_IPV4	1
#define ATYP_NAME	3
#define ATYP_IPV6	4
/* Version, command, reserved, type, length, 255 name bytes, port. */
#define SOCKS_REQ_MAX	(5 + 255 + 2)

static int	build_request(const char *, int, unsigned char *, size_t *,
		    struct failure *);
static int	read_reply(int, int, struct failure *);
static int	send_exact(int, const unsigned char *, size_t, int,
		    struct failure *);
static int	recv_exact(int, unsigned char *, size_t, int,
		    struct failure *);
static const char *reply_reason(int);

int
socks5_connect(int fd, const char *host, int port, int timeout_sec,
    struct failure *f)
{
	static const unsigned char hello[] = { SOCKS_VERSION, 1, SOCKS_NOAUTH };
	unsigned char	req[SOCKS_REQ_MAX], ans[2];
	size_t		len = 0;

	if (build_request(host, port, req, &len, f) == -1)
		return -1;
	if (send_exact(fd, hello, sizeof(hello), timeout_sec, f) == -1 ||
	    recv_exact(fd, ans, sizeof(ans), timeout_sec, f) == -1)
		return -1;
	if (ans[0] != SOCKS_VERSION)
		return fail(f, FAIL_PROTOCOL, "the proxy does not speak "
		    "SOCKS5");
	if (ans[1] != SOCKS_NOAUTH)
		return fail(f, FAIL_PROTOCOL, "the SOCKS5 proxy wants an "
		    "authentication postie does not offer");
	if (send_exact(fd, req, len, timeout_sec, f) == -1)
		return -1;
	if (read_reply(fd, timeout_sec, f) == -1)
		return -1;
	log_info("SOCKS5 proxy connected to %s port %d", host, port);
	return 0;
}

/* An IP literal goes as an address; anything else as a name (ATYP 3). */
static int
build_request(const char *host, int port, unsigned char *req, size_t *len,
    struct failure *f)
{
	size_t	n = 4;

	req[0] = SOCKS_VERSION;
	req[1] = SOCKS_CONNECT;
	req[2] = 0;
	if (inet_pton(AF_INET, host, req + 4) == 1) {
		req[3] = ATYP_IPV4;
		n += 4;
	} else if (inet_pton(AF_INET6, host, req + 4) == 1) {
		req[3] = ATYP_IPV6;
		n += 16;
	} else {
		if (strlen(host) > 255)
			return fail(f, FAIL_CONFIG, "host name too long for a "
			    "SOCKS5 proxy (255 bytes at most)");
		req[3] = ATYP_NAME;
		req[4] = (unsigned char)strlen(host);
		memcpy(req + 5, host, req[4]);
		n += 1 + req[4];
	}
	req[n++] = (unsigned char)(port >> 8);
	req[n++] = (unsigned char)(port & 0xff);
	*len = n;
	return 0;
}

/* Reads the reply through its bound address, the last byte before the
 * tunnel. */
static int
read_reply(int fd, int timeout_sec, struct failure *f)
{
	unsigned char	head[5], rest[255 + 2];
	size_t		n;

	if (recv_exact(fd, head, sizeof(head), timeout_sec, f) == -1)
		return -1;
	if (head[0] != SOCKS_VERSION)
		return fail(f, FAIL_PROTOCOL, "the proxy does not speak "
		    "SOCKS5");
	if (head[1] != 0)
		return fail(f, FAIL_CONNECT, "the SOCKS5 proxy refused: %s "
		    "(reply %d)", reply_reason(head[1]), head[1]);
	/* head[4] is the first byte of the address (or its length). */
	switch (head[3]) {
	case ATYP_IPV4:
		n = 4 - 1 + 2;
		break;
	case ATYP_IPV6:
		n = 16 - 1 + 2;
		break;
	case ATYP_NAME:
		n = (size_t)head[4] + 2;
		break;
	default:
		return fail(f, FAIL_PROTOCOL, "the SOCKS5 proxy sent an "
		    "unknown address type %d", head[3]);
	}
	return recv_exact(fd, rest, n, timeout_sec, f);
}

/* RFC 1928 section 6. */
static const char *
reply_reason(int rep)
{
	switch (rep) {
	case 1:
		return "general failure";
	case 2:
		return "connection not allowed by its rules";
	case 3:
		return "network unreachable";
	case 4:
		return "host unreachable";
	case 5:
		return "connection refused by the destination";
	case 6:
		return "TTL expired";
	case 7:
		return "command not supported";
	case 8:
		return "address type not supported";
	default:
		return "unknown reason";
	}
}

static int
send_exact(int fd, const unsigned char *p, size_t n, int timeout_sec,
    struct failure *f)
{
	ssize_t	r;

	while (n > 0) {
		if ((r = send(fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return fail(f, FAIL_TIMEOUT, "the SOCKS5 proxy "
				    "took no data within %d s", timeout_sec);
			return fail(f, FAIL_DROPPED, "SOCKS5 proxy: %s",
			    strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
recv_exact(int fd, unsigned char *p, size_t n, int timeout_sec,
    struct failure *f)
{
	ssize_t	r;

	while (n > 0) {
		if ((r = recv(fd, p, n, 0)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return fail(f, FAIL_TIMEOUT, "the SOCKS5 proxy "
				    "did not answer within %d s", timeout_sec);
			return fail(f, FAIL_DROPPED, "SOCKS5 proxy: %s",
			    strerror(errno));
		}
		if (r == 0)
			return fail(f, FAIL_DROPPED, "the SOCKS5 proxy closed "
			    "the connection");
		p += r;
		n -= (size_t)r;
	}
	return 0;
}
