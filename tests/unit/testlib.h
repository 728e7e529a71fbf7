/*
 * testlib: what the cmocka unit tests share. Each helper fails the
 * running test (a cmocka assertion) instead of returning an error.
 */
#ifndef POSTIE_TESTLIB_H
#define POSTIE_TESTLIB_H

#include <stddef.h>

/* An unlinked temporary file, open for reading and writing, offset 0. */
int	tmp_fd(void);

/* Writes all n octets at p to fd (a file or a pipe). */
void	write_all(int fd, const void *p, size_t n);

#endif
