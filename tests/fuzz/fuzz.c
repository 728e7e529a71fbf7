/*
 * fuzz: helpers shared by the fuzz targets (see fuzz.h).
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static int	files[FUZZ_FILES] = { -1, -1, -1, -1 };

void
fuzz_abort(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property does not hold: %s\n", file, line,
	    what);
	abort();
}

static void
die(const char *what)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, strerror(errno));
	abort();
}

const char *
fuzz_tmpdir(void)
{
	static char	dir[PATH_MAX];
	const char	*t;

	if (dir[0] != '\0')
		return dir;
	if ((t = getenv("TMPDIR")) == NULL || *t == '\0')
		t = "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/postie-fuzz.XXXXXX", t) >=
	    sizeof(dir) || mkdtemp(dir) == NULL)
		die("mkdtemp");
	return dir;
}

int
fuzz_file(int slot, const void *data, size_t n)
{
	char		 path[PATH_MAX];
	const char	*p = data;
	ssize_t		 w;
	int		 fd;

	if (files[slot] == -1) {
		snprintf(path, sizeof(path), "%s/file.XXXXXX", fuzz_tmpdir());
		if ((fd = mkstemp(path)) == -1)
			die("mkstemp");
		unlink(path);
		files[slot] = fd;
	}
	fd = files[slot];
	if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		die("ftruncate");
	while (n > 0) {
		if ((w = write(fd, p, n)) == -1)
			die("write");
		p += w;
		n -= (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) == -1)
		die("lseek");
	return fd;
}

void
fuzz_slurp(int fd, struct buf *b)
{
	ssize_t	r;

	buf_reset(b);
	if (lseek(fd, 0, SEEK_SET) == -1)
		die("lseek");
	for (;;) {
		if (buf_reserve(b, 8192) == -1)
			die("buf_reserve");
		if ((r = read(fd, b->data + b->len, 8192)) == -1)
			die("read");
		if (r == 0)
			break;
		b->len += (size_t)r;
		b->data[b->len] = '\0';
	}
}

char *
fuzz_strndup(const uint8_t *data, size_t n)
{
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		die("malloc");
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

int
fuzz_next_part(const uint8_t **data, size_t *n, const uint8_t **part,
    size_t *len)
{
	const size_t	 sl = sizeof(FUZZ_SEP) - 1;
	const uint8_t	*p = *data;
	size_t		 i;

	if (*n == 0)
		return 0;
	*part = p;
	for (i = 0; i + sl <= *n; i++)
		if (memcmp(p + i, FUZZ_SEP, sl) == 0) {
			*len = i;
			*data = p + i + sl;
			*n -= i + sl;
			return 1;
		}
	*len = *n;
	*data = p + *n;
	*n = 0;
	return 1;
}
