/*
 * fuzz_socks: a SOCKS5 proxy's replies (socks5_connect), whatever the
 * proxy sends, over a socket pair whose other end holds the input and
 * is then closed. The first input byte picks the destination: a name,
 * an IPv4 or an IPv6 literal.
 * Properties: success only after a method reply of "no authentication"
 * and a CONNECT reply of "succeeded" (RFC 1928 3, 6), and the whole
 * reply is consumed, no byte more: what follows it on the socket is the
 * destination's, untouched.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "socks.h"

/* The length of a good reply at the start of in (n bytes), or 0. */
static size_t
reply_len(const uint8_t *in, size_t n)
{
	size_t	alen;

	if (n < 2 + 5 || in[0] != 5 || in[1] != 0 || in[2] != 5 ||
	    in[3] != 0)
		return 0;
	switch (in[5]) {
	case 1:
		alen = 4;
		break;
	case 4:
		alen = 16;
		break;
	case 3:
		alen = 1 + (size_t)in[6];
		break;
	default:
		return 0;
	}
	return 2 + 4 + alen + 2 <= n ? 2 + 4 + alen + 2 : 0;
}

static void
check_rest(int fd, const uint8_t *in, size_t n, size_t used)
{
	struct buf	rest = BUF_INIT;
	ssize_t		r;

	for (;;) {
		FUZZ_CHECK(buf_reserve(&rest, 4096) == 0);
		if ((r = read(fd, rest.data + rest.len, 4096)) <= 0)
			break;
		rest.len += (size_t)r;
	}
	FUZZ_CHECK(rest.len == n - used);
	FUZZ_CHECK(rest.len == 0 || memcmp(rest.data, in + used,
	    rest.len) == 0);
	buf_free(&rest, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const char *const hosts[] = {
		"mx.example.test", "192.0.2.25", "2001:db8::25",
	};
	struct failure	 f;
	const char	*host;
	size_t		 used;
	int		 sv[2];

	if (n == 0)
		return 0;
	host = hosts[data[0] % 3];
	data++, n--;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	/* The proxy's whole answer is there before the question: replies
	 * are read exactly, never ahead. */
	FUZZ_CHECK(n == 0 || write(sv[1], data, n) == (ssize_t)n);
	shutdown(sv[1], SHUT_WR);
	if (socks5_connect(sv[0], host, 587, 1, &f) == 0) {
		used = reply_len(data, n);
		FUZZ_CHECK(used > 0);
		check_rest(sv[0], data, n, used);
	} else
		FUZZ_CHECK(f.kind != FAIL_NONE && f.kind != FAIL_SOFTWARE);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
