/*
 * fileio: the one way postie writes a buffer to a file: every octet,
 * again after EINTR, on after a short write. Durability (fsync) stays
 * with the caller, who knows when the promise starts.
 */
#ifndef POSTIE_FILEIO_H
#define POSTIE_FILEIO_H

#include <stddef.h>

/*
 * Writes the n octets at p to fd. Returns 0, or -1 with errno set (EIO
 * when write(2) wrote nothing and said no more).
 */
int	fileio_write_all(int fd, const void *p, size_t n);

#endif
