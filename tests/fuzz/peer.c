/*
 * peer: a scripted SMTP server for the client-side fuzz targets (see
 * fuzz.h). conn's references to recv() and send() are bound to
 * __wrap_recv() and __wrap_send() here by the linker, so the server
 * can answer at the exact moment the client waits, in the same thread.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "fuzz.h"

ssize_t	__real_recv(int, void *, size_t, int);
ssize_t	__real_send(int, const void *, size_t, int);
ssize_t	__wrap_recv(int, void *, size_t, int);
ssize_t	__wrap_send(int, const void *, size_t, int);

static struct {
	int			 lfd;		/* listening, made once */
	int			 port;
	int			 srv;		/* the server's end */
	struct peer_chunk	*chunks;
	size_t			 n, next;
	int			 sent;		/* client sent since a release */
	int			 shut;		/* server side closed */
	struct buf		 received;
} peer = { -1, 0, -1, NULL, 0, 0, 0, 0, BUF_INIT };

static void
die(const char *what)
{
	fprintf(stderr, "peer: %s: %s\n", what, strerror(errno));
	abort();
}

static void
listen_once(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	if (peer.lfd != -1)
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((peer.lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(peer.lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(peer.lfd, 16) == -1 ||
	    getsockname(peer.lfd, (struct sockaddr *)&sin, &len) == -1)
		die("listen");
	peer.port = ntohs(sin.sin_port);
}

void
peer_connect(const struct peer_chunk *chunks, size_t n, struct conn **c)
{
	struct failure	f;
	size_t		i;
	int		one = 1;

	listen_once();
	if (conn_open("127.0.0.1", peer.port, 1, c, &f) == -1) {
		fprintf(stderr, "peer: conn_open: %s\n", f.text);
		abort();
	}
	/* Each chunk leaves at once, not behind Nagle and a delayed ACK. */
	if ((peer.srv = accept(peer.lfd, NULL, NULL)) == -1 ||
	    fcntl(peer.srv, F_SETFL, O_NONBLOCK) == -1 ||
	    setsockopt(peer.srv, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1)
		die("accept");
	if ((peer.chunks = calloc(n + 1, sizeof(*chunks))) == NULL)
		die("calloc");
	for (i = 0; i < n; i++) {
		if ((peer.chunks[i].data = malloc(chunks[i].len + 1)) == NULL)
			die("malloc");
		memcpy((void *)peer.chunks[i].data, chunks[i].data,
		    chunks[i].len);
		peer.chunks[i].len = chunks[i].len;
	}
	peer.n = n;
	peer.next = 0;
	peer.sent = 1;		/* the greeting needs no command */
	peer.shut = 0;
	buf_reset(&peer.received);
}

const struct buf *
peer_received(void)
{
	return &peer.received;
}

void
peer_close(void)
{
	struct linger	lg = { 1, 0 };
	size_t		i;

	if (peer.srv != -1) {
		(void)setsockopt(peer.srv, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
		close(peer.srv);
	}
	peer.srv = -1;
	for (i = 0; i < peer.n; i++)
		free((void *)peer.chunks[i].data);
	free(peer.chunks);
	peer.chunks = NULL;
	peer.n = 0;
}

/* What the client sent is read off the server's end and kept. */
static void
drain(void)
{
	char	b[65536];
	ssize_t	r;

	while ((r = read(peer.srv, b, sizeof(b))) > 0)
		if (buf_append(&peer.received, b, (size_t)r) == -1)
			die("buf_append");
}

static int
after_starttls(void)
{
	const struct buf	*b = &peer.received;

	return b->len >= 10 &&
	    strncasecmp(b->data + b->len - 10, "STARTTLS\r\n", 10) == 0;
}

/*
 * The server's turn: the next chunk, or the end of the stream. Returns
 * 1 when that gave the client something to read (an empty chunk is a
 * server that stays silent).
 */
static int
release(void)
{
	const struct peer_chunk	*ch;
	const char		*p;
	size_t			 left;
	ssize_t			 w;
	int			 any = 0;

	peer.sent = 0;
	if (peer.shut)
		return 0;
	if (peer.next < peer.n) {
		ch = &peer.chunks[peer.next++];
		for (p = ch->data, left = ch->len; left > 0; left -= (size_t)w,
		    p += w)
			if ((w = write(peer.srv, p, left)) <= 0)
				die("write");
		any = ch->len > 0;
	}
	if (peer.next == peer.n || after_starttls()) {
		(void)shutdown(peer.srv, SHUT_WR);
		peer.shut = any = 1;
	}
	return any;
}

static int
readable(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, ms) == 1;
}

ssize_t
__wrap_recv(int fd, void *p, size_t n, int flags)
{
	drain();
	/* Loopback delivers at once; the bound is only a guard. */
	if (!readable(fd, 0) && peer.sent && release())
		(void)readable(fd, 5000);
	if (!readable(fd, 0)) {
		errno = EAGAIN;
		return -1;
	}
	return __real_recv(fd, p, n, flags);
}

ssize_t
__wrap_send(int fd, const void *p, size_t n, int flags)
{
	ssize_t	r;

	r = __real_send(fd, p, n, flags);
	if (r > 0)
		peer.sent = 1;
	drain();
	return r;
}
