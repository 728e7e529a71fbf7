/*
 * fuzz: what the libFuzzer targets in tests/fuzz/ share. Each target
 * defines LLVMFuzzerTestOneInput() and feeds its bytes to one of
 * postie's parsers through the parser's public interface; a property
 * that does not hold is reported with FUZZ_CHECK(), which aborts so
 * that libFuzzer keeps the input as a crash.
 */
#ifndef POSTIE_FUZZ_H
#define POSTIE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Aborts with the file, line and condition when cond is false. */
#define FUZZ_CHECK(cond) \
	((cond) ? (void)0 : fuzz_abort(__FILE__, __LINE__, #cond))
void	fuzz_abort(const char *file, int line, const char *what)
	    __attribute__((noreturn));

/*
 * Slot number slot (0..FUZZ_FILES-1) of a set of unlinked temporary
 * files made once and reused: truncated, filled with n bytes of data,
 * offset 0. A parser built around file descriptors reads it as it
 * would read stdin or a queue file. Aborts on a system error.
 */
#define FUZZ_FILES 4
int	fuzz_file(int slot, const void *data, size_t n);

/* The whole content of fd from offset 0, NUL-terminated, into b. */
void	fuzz_slurp(int fd, struct buf *b);

/* A malloc'd copy of n bytes, with a NUL after them. */
char	*fuzz_strndup(const uint8_t *data, size_t n);

/*
 * Splits off the next part of *data (up to the separator "@@\n", which
 * is dropped, or to the end) and advances past it. Returns 0 when
 * nothing is left.
 */
#define FUZZ_SEP "@@\n"
int	fuzz_next_part(const uint8_t **data, size_t *n, const uint8_t **part,
	    size_t *len);

/* A private directory made once, for targets that write files. */
const char *fuzz_tmpdir(void);

#endif

/*
 * peer (peer.c, linked into fuzz_data and fuzz_session with
 * -Wl,--wrap=recv -Wl,--wrap=send): a scripted SMTP server on loopback
 * that answers a real conn exactly when the client waits for it, so a
 * run never depends on timing. Its script is a list of chunks: the
 * first is released at the client's first recv(), each next one at the
 * first recv() after the client sent something. A recv() that finds
 * nothing to read and nothing to release fails as the socket's timeout
 * would (EAGAIN, at once). After the last chunk the server closes its
 * side; after a chunk that answers STARTTLS too (the handshake then
 * reads end of file instead of waiting).
 *
 * peer_connect: conn_open() to the peer, the script copied.
 * peer_received: every byte the client sent so far.
 * peer_close: resets the server's side (no TIME_WAIT is left), before
 * conn_close().
 */
struct conn;
struct peer_chunk {
	const void	*data;
	size_t		 len;
};

void	peer_connect(const struct peer_chunk *chunks, size_t n,
	    struct conn **c);
const struct buf *peer_received(void);
void	peer_close(void);
