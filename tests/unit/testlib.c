/*
 * testlib: the unit tests' shared helpers (see testlib.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "testlib.h"

#include <cmocka.h>

int
tmp_fd(void)
{
	char	path[] = "/tmp/postie-test.XXXXXX";
	int	fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	unlink(path);
	return fd;
}

void
write_all(int fd, const void *p, size_t n)
{
	const char	*q = p;
	ssize_t		 w;

	while (n > 0) {
		w = write(fd, q, n);
		assert_true(w > 0);
		q += w;
		n -= (size_t)w;
	}
}
