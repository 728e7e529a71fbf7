/*
 * fileio: writing a whole buffer (see fileio.h).
 */
#include <errno.h>
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
