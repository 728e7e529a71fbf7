/*
 * Unit tests for fileio: a small file read whole, with its size bound,
 * from a regular file and from a pipe that delivers it in pieces and is
 * interrupted by a signal on the way.
 */
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "testlib.h"

/* After our headers: cmocka defines a fail() macro. */
#include <cmocka.h>

static int	alarms;

/* A regular file holding text, at offset 0. */
static int
regular(const char *text, size_t len)
{
	int	fd = tmp_fd();

	assert_int_equal(fileio_write_all(fd, text, len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void
test_regular(void **state)
{
	struct buf	b = BUF_INIT;
	char		big[101];
	int		fd;

	(void)state;
	assert_int_equal(buf_append(&b, "x:", 2), 0);
	fd = regular("hello\n", 6);
	assert_int_equal(fileio_read_small(fd, 6, &b), 0);
	close(fd);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "x:hello\n");
	buf_free(&b, 0);

	/* The bound: max octets pass, one more does not. */
	memset(big, 'a', sizeof(big));
	fd = regular(big, sizeof(big));
	errno = 0;
	assert_int_equal(fileio_read_small(fd, 100, &b), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(lseek(fd, 1, SEEK_SET), 1);
	assert_int_equal(fileio_read_small(fd, 101, &b), 0);
	assert_int_equal(b.len, 100);
	close(fd);
	buf_free(&b, 0);

	fd = regular("", 0);
	assert_int_equal(fileio_read_small(fd, 10, &b), 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	close(fd);
	buf_free(&b, 1);
}

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * A pipe written in three pieces with pauses: each read is short, and
 * SIGALRM (without SA_RESTART) interrupts the reads in between.
 */
static pid_t
slow_writer(int *rfd, const char *const *pieces)
{
	int	p[2];
	pid_t	pid;

	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(p[0]);
		for (; *pieces != NULL; pieces++) {
			usleep(100 * 1000);
			if (fileio_write_all(p[1], *pieces,
			    strlen(*pieces)) == -1)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

static void
read_pipe(const char *const *pieces, size_t max, struct buf *b, int *rc,
    int *err)
{
	struct sigaction	sa;
	struct itimerval	it;
	pid_t			pid;
	int			fd, status;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = it.it_interval.tv_usec = 30 * 1000;
	alarms = 0;
	pid = slow_writer(&fd, pieces);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	errno = 0;
	*rc = fileio_read_small(fd, max, b);
	*err = errno;
	memset(&it, 0, sizeof(it));
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void
test_pipe(void **state)
{
	static const char *const pieces[] = { "one ", "two ", "three", NULL };
	struct buf	b = BUF_INIT;
	int		rc, err;

	(void)state;
	read_pipe(pieces, 64, &b, &rc, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(b.data, "one two three");
	/* The signal came while a read waited, and it was read again. */
	assert_true(alarms > 0);
	buf_free(&b, 0);

	/* No size to go by: max is the bound. */
	read_pipe(pieces, 12, &b, &rc, &err);
	assert_int_equal(rc, -1);
	assert_int_equal(err, EFBIG);
	buf_free(&b, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular),
		cmocka_unit_test(test_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
