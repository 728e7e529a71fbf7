/*
 * fileio: writing a whole buffer, reading a small file whole (see
 * fileio.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "fileio.h"

int
fileio_write_all(int fd, const void *p, size_t n)
{
	const char	*q = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, q, n)) == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

int
fileio_read_small(int fd, size_t max, struct buf *b)
{
	struct stat	st;
	size_t		want, got = 0;
	ssize_t		n;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode))
		want = max;
	else if (st.st_size < 0 || (uintmax_t)st.st_size > max) {
		errno = EFBIG;
		return -1;
	} else
		want = (size_t)st.st_size;
	/* One octet more than wanted: a file that grew shows it. */
	if (buf_reserve(b, want + 1) == -1)
		return -1;
	for (;;) {
		n = read(fd, b->data + b->len + got, want + 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		if ((got += (size_t)n) > want) {
			errno = EFBIG;
			return -1;
		}
	}
	b->len += got;
	b->data[b->len] = '\0';
	return 0;
}
