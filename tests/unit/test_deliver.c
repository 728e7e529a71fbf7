/*
 * Unit tests for the context a delivery failure carries: deliver stamps
 * "ACCOUNT: HOST:PORT" on what its session returns, and an attempt on
 * its outcome, even when it sent nothing; the queue's last error and the
 * one error line show it once.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attempt.h"
#include "deliver.h"
#include "queue.h"

/* After our headers: cmocka defines a fail() macro. */
#include <cmocka.h>

static void
account_init(struct account *a, int port)
{
	memset(a, 0, sizeof(*a));
	a->name = "work";
	a->host = "127.0.0.1";
	a->port = port;
	a->timeout = 5;
	a->tls_session_cache = "off";
}

/* A loopback port nobody listens on: bound, then closed. */
static int
closed_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	close(s);
	return ntohs(sin.sin_port);
}

static void
test_context_names_account_and_server(void **state)
{
	struct account	a;
	struct failure	f;

	(void)state;
	account_init(&a, 587);
	failure_clear(&f);
	deliver_context(&a, &f);
	assert_string_equal(f.context, "work: 127.0.0.1:587");
	assert_int_equal(f.kind, FAIL_NONE);
}

/* A session that cannot open says where it tried. */
static void
test_open_failure_is_stamped(void **state)
{
	struct deliver_session	*d = (struct deliver_session *)1;
	struct account		 a;
	struct failure		 f;
	char			 want[64], line[FAILURE_LINE_MAX];
	int			 port = closed_port();

	(void)state;
	account_init(&a, port);
	a.tls = 1;
	failure_clear(&f);
	assert_int_equal(deliver_open(&a, &d, &f), -1);
	assert_null(d);
	assert_int_equal(f.kind, FAIL_CONNECT);
	snprintf(want, sizeof(want), "work: 127.0.0.1:%d", port);
	assert_string_equal(f.context, want);
	/* Once: the text does not say it again. */
	assert_null(strstr(f.text, want));
	failure_line(&f, line, sizeof(line));
	assert_memory_equal(line, want, strlen(want));
	assert_null(strstr(line + strlen(want), want));
}

/*
 * A message whose every recipient was refused already (a crash after
 * the queue saved the outcome): nothing is sent, and the outcome still
 * carries the account's context, to the caller and into failed/.
 */
static void
test_attempt_outcome_is_stamped(void **state)
{
	static const char	 body[] = "Subject: x\r\n\r\nx\r\n";
	struct deliver_session	*d = NULL;
	struct queue_envelope	 env, *listed = NULL;
	struct queue_entry	*e;
	struct account		 a;
	struct attempt		 t;
	struct queue		 q;
	struct failure		 f;
	char			 root[] = "/tmp/test_deliver.XXXXXX";
	char			 dir[64], want[64], line[FAILURE_LINE_MAX];
	char			 cmd[64];
	size_t			 n = 0;
	int			 port = closed_port();

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/q", root);
	failure_clear(&f);
	assert_int_equal(queue_open(&q, dir, &f), 0);
	memset(&env, 0, sizeof(env));
	env.account = strdup("work");
	env.env.from = strdup("me@example.org");
	assert_int_equal(addrlist_add(&env.env.rcpts, "you@example.org", &f),
	    0);
	assert_int_equal(envelope_rcpt_set(&env.env, 0, RCPT_FAILED,
	    "550 5.1.1 no such user", &f), 0);
	assert_int_equal(queue_create(&q, &e, &f), 0);
	assert_int_equal(write(queue_entry_fd(e), body, sizeof(body) - 1),
	    (ssize_t)sizeof(body) - 1);
	assert_int_equal(queue_commit(&q, e, &env, &f), 0);

	account_init(&a, port);
	memset(&t, 0, sizeof(t));
	t.q = &q;
	t.account = &a;
	t.d = &d;
	t.submission = 1;
	assert_int_equal(attempt_run(&t, e, &f), -1);
	assert_null(d);
	assert_int_equal(f.kind, FAIL_NOUSER);
	assert_string_equal(f.text, "every recipient was refused: 550 5.1.1 "
	    "no such user");
	snprintf(want, sizeof(want), "work: 127.0.0.1:%d", port);
	assert_string_equal(f.context, want);
	/* The queue keeps the line the reporter would print. */
	assert_int_equal(queue_list(&q, 1, &listed, &n, &f), 0);
	assert_int_equal(n, 1);
	assert_non_null(listed[0].last_error);
	assert_string_equal(listed[0].last_error, failure_line(&f, line,
	    sizeof(line)));
	queue_envelopes_free(listed, n);
	queue_envelope_free(&env);
	queue_close(&q);
	/* mkdtemp's name needs no quoting. */
	snprintf(cmd, sizeof(cmd), "rm -rf -- %s", root);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_context_names_account_and_server),
		cmocka_unit_test(test_open_failure_is_stamped),
		cmocka_unit_test(test_attempt_outcome_is_stamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
