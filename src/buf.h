/*
 * buf: the one growable byte buffer. Used for protocol lines, command
 * groups and data blocks; never holds a whole message.
 */
#ifndef POSTIE_BUF_H
#define POSTIE_BUF_H

#include <stddef.h>

#include "compat.h"

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Each returns 0, or -1 with errno ENOMEM; data stays NUL-terminated. */
int	buf_reserve(struct buf *b, size_t extra);
int	buf_append(struct buf *b, const void *p, size_t n);
int	buf_appendf(struct buf *b, const char *fmt, ...)
	    POSTIE_PRINTF(2, 3);
/* Forgets the content, keeps the memory. */
void	buf_reset(struct buf *b);
/* Removes the first n bytes. */
void	buf_consume(struct buf *b, size_t n);
/* Frees the memory; with wipe, zeroes it first (secrets). */
void	buf_free(struct buf *b, int wipe);

#endif
