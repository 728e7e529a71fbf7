/*
 * test_socks: the SOCKS5 client against a scripted proxy on the other
 * end of a socket pair: the request's bytes (a name as ATYP 3, addresses
 * as ATYP 1 and 4), every reply shape read whole, and each refusal.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* Before cmocka.h, whose fail() macro would swallow exitcode.h's. */
#include "socks.h"

#include <cmocka.h>

struct pair {
	int	client;		/* socks5_connect's end */
	int	proxy;		/* the test's */
};

static int
setup(void **state)
{
	static struct pair	p;
	struct timeval		tv = { 1, 0 };
	int			sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	p.client = sv[0];
	p.proxy = sv[1];
	*state = &p;
	return 0;
}

static int
teardown(void **state)
{
	struct pair	*p = *state;

	close(p->client);
	close(p->proxy);
	return 0;
}

/* The proxy's answers, all written ahead: the client reads only its own. */
static void
answer(struct pair *p, const void *data, size_t n)
{
	assert_int_equal(write(p->proxy, data, n), (ssize_t)n);
}

/* What the client sent: the greeting and the request, n bytes in all. */
static void
sent(struct pair *p, const void *want, size_t n)
{
	unsigned char	got[600];
	ssize_t		r;
	size_t		have = 0;

	while (have < n && (r = read(p->proxy, got + have,
	    sizeof(got) - have)) > 0)
		have += (size_t)r;
	assert_int_equal(have, n);
	assert_memory_equal(got, want, n);
}

static const unsigned char ok_v4[] = { 5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };

static void
test_name_request(void **state)
{
	struct pair		*p = *state;
	struct failure		 f;
	static const unsigned char want[] = { 5, 1, 0, 5, 1, 0, 3, 11,
	    'm', 'x', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 2, 0x4b };

	/* want: greeting (5 1 0) then CONNECT mx.example. port 587. */
	answer(p, ok_v4, sizeof(ok_v4));
	failure_clear(&f);
	assert_int_equal(socks5_connect(p->client, "mx.example.", 587, 1,
	    &f), 0);
	sent(p, want, sizeof(want));
}

static void
test_address_requests(void **state)
{
	struct pair		*p = *state;
	struct failure		 f;
	static const unsigned char v4[] = { 5, 1, 0, 5, 1, 0, 1,
	    192, 0, 2, 7, 0, 25 };
	static const unsigned char v6[] = { 5, 1, 0, 5, 1, 0, 4,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0xd1 };

	answer(p, ok_v4, sizeof(ok_v4));
	failure_clear(&f);
	assert_int_equal(socks5_connect(p->client, "192.0.2.7", 25, 1, &f), 0);
	sent(p, v4, sizeof(v4));
	answer(p, ok_v4, sizeof(ok_v4));
	assert_int_equal(socks5_connect(p->client, "::1", 465, 1, &f), 0);
	sent(p, v6, sizeof(v6));
}

/* A reply whose bound address is a name or IPv6 is read whole: the next
 * byte is the server's. */
static void
test_reply_read_whole(void **state)
{
	struct pair		*p = *state;
	struct failure		 f;
	char			 c;
	static const unsigned char name[] = { 5, 0, 5, 0, 0, 3, 4,
	    'p', 'r', 'o', 'x', 0, 80, '2' };
	static const unsigned char v6[] = { 5, 0, 5, 0, 0, 4,
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 80, '3' };

	answer(p, name, sizeof(name));
	failure_clear(&f);
	assert_int_equal(socks5_connect(p->client, "h", 1, 1, &f), 0);
	assert_int_equal(read(p->client, &c, 1), 1);
	assert_int_equal(c, '2');
	answer(p, v6, sizeof(v6));
	assert_int_equal(socks5_connect(p->client, "h", 1, 1, &f), 0);
	assert_int_equal(read(p->client, &c, 1), 1);
	assert_int_equal(c, '3');
}

static void
refused(struct pair *p, const unsigned char *a, size_t n, enum fail_kind kind,
    const char *text)
{
	struct failure	f;

	answer(p, a, n);
	failure_clear(&f);
	assert_int_equal(socks5_connect(p->client, "h", 1, 1, &f), -1);
	assert_int_equal(f.kind, kind);
	assert_string_equal(f.text, text);
}

static void
test_refusals(void **state)
{
	struct pair		*p = *state;
	static const unsigned char noauth[] = { 5, 0xff };
	static const unsigned char v4[] = { 4, 0 };
	/* A refusal is read up to the address: the connection ends. */
	static const unsigned char rule[] = { 5, 0, 5, 2, 0, 1, 0 };
	static const unsigned char atyp[] = { 5, 0, 5, 0, 0, 9, 0 };

	refused(p, noauth, sizeof(noauth), FAIL_PROTOCOL, "the SOCKS5 proxy "
	    "wants an authentication postie does not offer");
	refused(p, v4, sizeof(v4), FAIL_PROTOCOL, "the proxy does not speak "
	    "SOCKS5");
	refused(p, rule, sizeof(rule), FAIL_CONNECT, "the SOCKS5 proxy "
	    "refused: connection not allowed by its rules (reply 2)");
	refused(p, atyp, sizeof(atyp), FAIL_PROTOCOL, "the SOCKS5 proxy sent "
	    "an unknown address type 9");
}

static void
test_silence_and_close(void **state)
{
	struct pair	*p = *state;
	struct failure	 f;
	char		 name[300];

	failure_clear(&f);
	assert_int_equal(socks5_connect(p->client, "h", 1, 1, &f), -1);
	assert_int_equal(f.kind, FAIL_TIMEOUT);
	assert_string_equal(f.text, "the SOCKS5 proxy did not answer "
	    "within 1 s");
	answer(p, "\5", 1);
	shutdown(p->proxy, SHUT_WR);
	assert_int_equal(socks5_connect(p->client, "h", 1, 1, &f), -1);
	assert_int_equal(f.kind, FAIL_DROPPED);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(socks5_connect(p->client, name, 1, 1, &f), -1);
	assert_int_equal(f.kind, FAIL_CONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_name_request, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_address_requests, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reply_read_whole, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_silence_and_close, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
