/*
 * test_conn: the plain side of conn over a loopback socket made here
 * (no outside network): line splitting, limits, end of stream, deadlines,
 * write buffering, masked traces and the STARTTLS injection check.
 */
#ifdef __linux__
#define _GNU_SOURCE		/* unshare(2) */
#include <sched.h>
#include <net/if.h>
#include <sys/ioctl.h>
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <ifaddrs.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <time.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Before cmocka.h, whose fail() macro would swallow exitcode.h's. */
#include "conn.h"
#include "log.h"

#include <cmocka.h>

struct pair {
	struct conn	*c;
	int		 peer;		/* the server's end */
};

static int
setup(void **state)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct failure		 f;
	struct pair		*p;
	int			 ls;

	assert_non_null(p = calloc(1, sizeof(*p)));
	assert_int_not_equal(ls = socket(AF_INET, SOCK_STREAM, 0), -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sin, &len), 0);
	failure_clear(&f);
	assert_int_equal(conn_open("127.0.0.1", ntohs(sin.sin_port), 1, &p->c,
	    &f), 0);
	assert_int_not_equal(p->peer = accept(ls, NULL, NULL), -1);
	close(ls);
	*state = p;
	return 0;
}

static int
teardown(void **state)
{
	struct pair	*p = *state;

	conn_close(p->c);
	if (p->peer != -1)
		close(p->peer);
	free(p);
	return 0;
}

static void
say(struct pair *p, const char *s)
{
	assert_int_equal(write(p->peer, s, strlen(s)), (ssize_t)strlen(s));
}

static void
expect_line(struct pair *p, size_t max, const char *want)
{
	struct failure	 f;
	const char	*line;
	size_t		 len;

	failure_clear(&f);
	assert_int_equal(conn_read_line(p->c, &line, &len, max, &f), 0);
	assert_int_equal(len, strlen(want));
	assert_string_equal(line, want);
}

static void
expect_read_fail(struct pair *p, size_t max, enum fail_kind kind,
    const char *text)
{
	struct failure	 f;
	const char	*line;
	size_t		 len;

	failure_clear(&f);
	assert_int_equal(conn_read_line(p->c, &line, &len, max, &f), -1);
	assert_int_equal(f.kind, kind);
	assert_string_equal(f.text, text);
}

static void
test_lines(void **state)
{
	struct pair	*p = *state;

	say(p, "220 a\r\n250-b\n250 c\r\n\r\n");
	expect_line(p, 100, "220 a");
	expect_line(p, 100, "250-b");
	expect_line(p, 100, "250 c");
	expect_line(p, 100, "");
	assert_int_equal(conn_pending(p->c), 0);
}

static void
test_split_line(void **state)
{
	struct pair	*p = *state;
	struct failure	 f;
	const char	*line;
	size_t		 len;

	/* The second half arrives only when the first is already read. */
	say(p, "250-first\r\n250 sec");
	expect_line(p, 100, "250-first");
	assert_int_equal(conn_pending(p->c), 7);
	say(p, "ond\r");
	say(p, "\n");
	failure_clear(&f);
	assert_int_equal(conn_read_line(p->c, &line, &len, 100, &f), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(line, "250 second", 10);
}

static void
test_long_line(void **state)
{
	struct pair	*p = *state;
	char		 big[300];

	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	say(p, "250 exactly ten\r\n");
	expect_line(p, 15, "250 exactly ten");
	say(p, big);
	expect_read_fail(p, 100, FAIL_PROTOCOL,
	    "the server sent a line longer than 100 bytes");
}

static void
test_long_line_with_end(void **state)
{
	struct pair	*p = *state;

	say(p, "250 sixteen chars\r\n");
	expect_read_fail(p, 10, FAIL_PROTOCOL,
	    "the server sent a line longer than 10 bytes");
}

static void
test_eof(void **state)
{
	struct pair	*p = *state;

	say(p, "250 ok\r\n221 by");
	close(p->peer);
	p->peer = -1;
	expect_line(p, 100, "250 ok");
	expect_read_fail(p, 100, FAIL_DROPPED,
	    "the server closed the connection");
}

static void
test_timeout(void **state)
{
	struct pair	*p = *state;

	expect_read_fail(p, 100, FAIL_TIMEOUT, "no answer within 1 s");
}

static void
test_write_buffered(void **state)
{
	struct pair	*p = *state;
	struct failure	 f;
	char		 got[64];
	ssize_t		 n;

	failure_clear(&f);
	assert_int_equal(conn_write_line(p->c, "MAIL FROM:<a@b>", 0, &f), 0);
	assert_int_equal(conn_write(p->c, "RCPT", 4, &f), 0);
	/* Nothing leaves before the flush. */
	assert_int_equal(fcntl(p->peer, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(read(p->peer, got, sizeof(got)), -1);
	assert_int_equal(conn_flush(p->c, &f), 0);
	usleep(100000);
	n = read(p->peer, got, sizeof(got));
	assert_int_equal(n, 21);
	assert_memory_equal(got, "MAIL FROM:<a@b>\r\nRCPT", 21);
}

static void
test_write_large(void **state)
{
	struct pair	*p = *state;
	struct failure	 f;
	char		*big, *got;
	size_t		 n = 200000, have = 0;
	ssize_t		 r;
	pid_t		 pid;

	assert_non_null(big = malloc(n));
	assert_non_null(got = malloc(n));
	memset(big, 'd', n);
	/* A reader, so that writes larger than the socket buffer go on. */
	if ((pid = fork()) == 0) {
		while (have < n && (r = read(p->peer, got + have,
		    n - have)) > 0)
			have += (size_t)r;
		_exit(have == n && memcmp(got, big, n) == 0 ? 0 : 1);
	}
	failure_clear(&f);
	assert_int_equal(conn_write(p->c, big, n, &f), 0);
	assert_int_equal(conn_flush(p->c, &f), 0);
	assert_int_equal(waitpid(pid, &(int){ 0 }, 0), pid);
	free(big);
	free(got);
}

static void
test_write_to_closed(void **state)
{
	struct pair	*p = *state;
	struct failure	 f;
	char		 line[1024];
	int		 i, r = 0;

	close(p->peer);
	p->peer = -1;
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	failure_clear(&f);
	/* The first write may still be taken; a later one is EPIPE, which
	 * must not raise SIGPIPE (that would end the test program). */
	for (i = 0; i < 10 && r == 0; i++) {
		if ((r = conn_write_line(p->c, line, 0, &f)) == 0)
			r = conn_flush(p->c, &f);
		usleep(20000);
	}
	assert_int_equal(r, -1);
	assert_int_equal(f.kind, FAIL_DROPPED);
}

static void
test_starttls_injection(void **state)
{
	struct pair		*p = *state;
	struct tls_params	 tp = { .verify_name = "localhost",
	    .sni_name = "localhost", .timeout_ms = 1000 };
	struct failure		 f;

	say(p, "220 go ahead\r\n250 injected\r\n");
	expect_line(p, 100, "220 go ahead");
	failure_clear(&f);
	assert_int_equal(conn_starttls(p->c, &tp, &f), -1);
	assert_int_equal(f.kind, FAIL_PROTOCOL);
	assert_non_null(strstr(f.text, "possible injection attack"));
	assert_int_equal(conn_is_tls(p->c), 0);
}

/* Runs the traced writes with stderr sent to a file; returns its text. */
static char *
traced(struct pair *p, const char *line, int secret)
{
	static char	 out[512];
	struct failure	 f;
	FILE		*tmp;
	int		 saved;
	size_t		 n;

	assert_non_null(tmp = tmpfile());
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	log_set_verbose(1);
	failure_clear(&f);
	assert_int_equal(conn_write_line(p->c, line, secret, &f), 0);
	log_set_verbose(0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

static void
test_trace_masks_secrets(void **state)
{
	struct pair	*p = *state;

	assert_string_equal(traced(p, "EHLO host", 0), "--> EHLO host\n");
	assert_string_equal(traced(p, "AUTH PLAIN AHVzZXIAcGFzcw==", 1),
	    "--> AUTH PLAIN ****\n");
	assert_string_equal(traced(p, "AUTH LOGIN", 1), "--> AUTH LOGIN\n");
	assert_string_equal(traced(p, "cGFzcw==", 1), "--> ****\n");
	assert_string_equal(traced(p, "", 1), "--> ****\n");
}

/* A listening socket on 127.0.0.1, any port; its address in *sin. */
static int
listener(struct sockaddr_in *sin, int backlog)
{
	socklen_t	len = sizeof(*sin);
	int		ls;

	assert_int_not_equal(ls = socket(AF_INET, SOCK_STREAM, 0), -1);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)sin, sizeof(*sin)), 0);
	assert_int_equal(listen(ls, backlog), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)sin, &len), 0);
	return ls;
}

/*
 * A listener that never accepts, its queue filled: one more connect to it
 * gets no answer at all (its SYN is dropped), as from a black hole.
 * Sockets to close go into fill[] (up to 8).
 */
static int
blackhole(struct sockaddr_in *sin, int *fill, int *nfill)
{
	struct pollfd	pfd;
	int		ls, fd;

	ls = listener(sin, 0);
	for (*nfill = 0; *nfill < 8; (*nfill)++) {
		assert_int_not_equal(fd = socket(AF_INET, SOCK_STREAM |
		    SOCK_NONBLOCK, 0), -1);
		fill[*nfill] = fd;
		(void)connect(fd, (struct sockaddr *)sin, sizeof(*sin));
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 300) == 0) {
			(*nfill)++;
			return ls;
		}
	}
	fail_msg("could not fill the listen queue");
	return -1;
}

static void
addr_entry(struct addrinfo *ai, const struct sockaddr_in *sin,
    struct addrinfo *next)
{
	memset(ai, 0, sizeof(*ai));
	ai->ai_family = AF_INET;
	ai->ai_socktype = SOCK_STREAM;
	ai->ai_addr = (struct sockaddr *)sin;
	ai->ai_addrlen = sizeof(*sin);
	ai->ai_next = next;
}

/* The first address never answers, the second works: connected to the
 * second once the first's timeout has passed, and no later. */
static void
test_blackhole_then_next(void **state)
{
	struct sockaddr_in	 dead, live;
	struct addrinfo		 a1, a2;
	struct failure		 f;
	struct timespec		 t0, t1;
	struct conn		*c;
	int			 fill[8], nfill, ls_dead, ls_live, i;
	double			 took;

	(void)state;
	ls_dead = blackhole(&dead, fill, &nfill);
	ls_live = listener(&live, 1);
	addr_entry(&a2, &live, NULL);
	addr_entry(&a1, &dead, &a2);
	failure_clear(&f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(conn_open_addrs(&a1, 1, NULL, &c, &f), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(took >= 0.9 && took < 2.0);
	assert_int_not_equal(i = accept(ls_live, NULL, NULL), -1);
	close(i);
	conn_close(c);
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	close(ls_dead);
	close(ls_live);
}

/* Every address fails: the error names each with its own reason. */
static void
test_all_fail_named(void **state)
{
	struct sockaddr_in	 dead, refused;
	struct addrinfo		 a1, a2;
	struct failure		 f;
	struct conn		*c;
	char			 want[128];
	int			 fill[8], nfill, ls_dead, ls, i;

	(void)state;
	ls_dead = blackhole(&dead, fill, &nfill);
	ls = listener(&refused, 1);
	close(ls);		/* nobody there now: refused */
	addr_entry(&a2, &dead, NULL);
	addr_entry(&a1, &refused, &a2);
	failure_clear(&f);
	assert_int_equal(conn_open_addrs(&a1, 1, NULL, &c, &f), -1);
	assert_int_equal(f.kind, FAIL_CONNECT);
	snprintf(want, sizeof(want), "cannot connect: 127.0.0.1: %s; "
	    "127.0.0.1: no answer within 1 s", strerror(ECONNREFUSED));
	assert_string_equal(f.text, want);
	for (i = 0; i < nfill; i++)
		close(fill[i]);
	close(ls_dead);
}

/* source_ip: the server sees that address; one of the other family is
 * no way to reach an IPv4 address. */
static void
test_source_ip(void **state)
{
	struct sockaddr_in	 live, peer;
	socklen_t		 len = sizeof(peer);
	struct addrinfo		 a1;
	struct failure		 f;
	struct conn		*c;
	int			 ls, fd;

	(void)state;
	ls = listener(&live, 1);
	addr_entry(&a1, &live, NULL);
	failure_clear(&f);
	assert_int_equal(conn_open_addrs(&a1, 1, "127.0.0.2", &c, &f), 0);
	assert_int_not_equal(fd = accept(ls, (struct sockaddr *)&peer, &len),
	    -1);
	assert_int_equal(ntohl(peer.sin_addr.s_addr), 0x7f000002);
	close(fd);
	conn_close(c);
	failure_clear(&f);
	assert_int_equal(conn_open_addrs(&a1, 1, "::1", &c, &f), -1);
	assert_int_equal(f.kind, FAIL_CONNECT);
	assert_non_null(strstr(f.text, "127.0.0.1: not reachable from "
	    "source_ip ::1"));
	close(ls);
}

static int
is_loop4(const char *a)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &sin.sin_addr), 1);
	return conn_addr_is_loopback((struct sockaddr *)&sin);
}

static int
is_loop6(const char *a)
{
	struct sockaddr_in6	sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &sin6.sin6_addr), 1);
	return conn_addr_is_loopback((struct sockaddr *)&sin6);
}

/* "tls off": the peer's address decides, not the name. */
static void
test_addr_loopback(void **state)
{
	struct sockaddr_un	sun;

	(void)state;
	assert_true(is_loop4("127.0.0.1"));
	assert_true(is_loop4("127.255.0.9"));
	assert_false(is_loop4("128.0.0.1"));
	assert_false(is_loop4("10.0.0.1"));
	assert_false(is_loop4("0.0.0.0"));
	assert_false(is_loop4("192.0.2.2"));
	assert_true(is_loop6("::1"));
	assert_true(is_loop6("::ffff:127.0.0.1"));
	assert_false(is_loop6("::ffff:10.0.0.1"));
	assert_false(is_loop6("::"));
	assert_false(is_loop6("::2"));
	assert_false(is_loop6("fe80::1"));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_false(conn_addr_is_loopback((struct sockaddr *)&sun));
}

static void
test_peer_loopback(void **state)
{
	struct pair	*p = *state;
	char		 addr[64];

	assert_true(conn_peer_loopback(p->c, addr, sizeof(addr)));
	assert_string_equal(addr, "127.0.0.1");
}

/* A local address that is not loopback, or 0. */
static int
local_other(struct in_addr *out)
{
	struct ifaddrs	*ifs, *i;
	int		 found = 0;

	if (getifaddrs(&ifs) == -1)
		return 0;
	for (i = ifs; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		*out = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		found = (ntohl(out->s_addr) >> 24) != 127;
	}
	freeifaddrs(ifs);
	return found;
}

/*
 * A machine whose only IPv4 address is loopback (a bare container) still
 * gets the test: as root on Linux, this process moves into a network
 * namespace of its own whose lo carries 192.0.2.1 (TEST-NET-1), which is
 * local but not loopback. Nothing outside the process sees it; this test
 * runs last, so no other test runs inside that namespace.
 */
static int
make_local_other(struct in_addr *out)
{
#ifdef __linux__
	struct ifreq		 ifr;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int			 s, ok;

	if (unshare(CLONE_NEWNET) == -1)
		return 0;
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &sin->sin_addr);
	*out = sin->sin_addr;
	ok = ioctl(s, SIOCSIFADDR, &ifr) == 0 &&
	    ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
	close(s);
	return ok;
#else
	(void)out;
	return 0;
#endif
}

/* A connection to this machine's own non-loopback address never leaves
 * it, but its peer is not loopback: refused all the same. */
static void
test_peer_not_loopback(void **state)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct failure		 f;
	struct conn		*c;
	char			 addr[64], want[64];
	int			 ls, fd;

	(void)state;
	memset(&sin, 0, sizeof(sin));
	if (!local_other(&sin.sin_addr) && !make_local_other(&sin.sin_addr)) {
		/* A skip must say why, and must not pass in CI. */
		print_message("no non-loopback IPv4 address here, and no "
		    "network namespace to make one (not root?)\n");
		if (getenv("CI") != NULL)
			fail_msg("CI must run the peer-not-loopback test");
		skip();
	}
	sin.sin_family = AF_INET;
	assert_int_not_equal(ls = socket(AF_INET, SOCK_STREAM, 0), -1);
	assert_int_equal(bind(ls, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sin, &len), 0);
	assert_non_null(inet_ntop(AF_INET, &sin.sin_addr, want,
	    sizeof(want)));
	failure_clear(&f);
	assert_int_equal(conn_open(want, ntohs(sin.sin_port), 1, &c, &f), 0);
	assert_int_not_equal(fd = accept(ls, NULL, NULL), -1);
	assert_false(conn_peer_loopback(c, addr, sizeof(addr)));
	assert_string_equal(addr, want);
	conn_close(c);
	close(fd);
	close(ls);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_line_with_end, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_buffered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_large, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_to_closed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_starttls_injection, setup,
		    teardown),
		cmocka_unit_test(test_blackhole_then_next),
		cmocka_unit_test(test_all_fail_named),
		cmocka_unit_test(test_source_ip),
		cmocka_unit_test(test_addr_loopback),
		cmocka_unit_test_setup_teardown(test_peer_loopback, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trace_masks_secrets, setup,
		    teardown),
		/* Last: it may move the process into its own network namespace. */
		cmocka_unit_test(test_peer_not_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
