/*
 * fileio: the one way postie writes a buffer to a file, and the one way
 * it reads a small file whole: every octet, again after EINTR, on after
 * a short write or read. Durability (fsync), and what a file must be
 * (its owner, its mode, regular or not), stay with the caller, who
 * knows when the promise starts and what the file holds.
 */
#ifndef POSTIE_FILEIO_H
#define POSTIE_FILEIO_H

#include <stddef.h>

#include "buf.h"

/*
 * Writes the n octets at p to fd. Returns 0, or -1 with errno set (EIO
 * when write(2) wrote nothing and said no more).
 */
int	fileio_write_all(int fd, const void *p, size_t n);

/*
 * Reads what is left of the file open on fd, to its end, into b (after
 * what b holds; NUL-terminated). The room is reserved once, for the size
 * fstat(2) gives (or for max octets when the file has no size, a pipe),
 * so that a secret in the file leaves no copy behind a realloc; the
 * caller frees b, wiping it when the file may hold one. Returns 0, or -1
 * with errno: EFBIG when the file holds more than max octets, or more
 * than its size said (it grew while being read); ENOMEM; what fstat(2)
 * or read(2) said.
 */
int	fileio_read_small(int fd, size_t max, struct buf *b);

#endif
