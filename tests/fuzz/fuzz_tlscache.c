/*
 * fuzz_tlscache: a TLS session cache file (tlscache_load), whatever is
 * in it: written to a 0600 file of ours and loaded, as the next run
 * would. Properties: a session loaded is non-empty, at most
 * TLSCACHE_MAX bytes, and its verification time is not in the future
 * nor older than TLSCACHE_MAX_AGE.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "tlscache.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char		 path[PATH_MAX];
	unsigned char	*sess = NULL;
	size_t		 len = 0;
	time_t		 verified = 0, now;
	int		 fd;

	snprintf(path, sizeof(path), "%s/session", fuzz_tmpdir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd != -1);
	FUZZ_CHECK(n == 0 || write(fd, data, n) == (ssize_t)n);
	close(fd);
	now = time(NULL);
	if (tlscache_load(path, &sess, &len, &verified) == 0) {
		FUZZ_CHECK(sess != NULL && len > 0 && len <= TLSCACHE_MAX);
		FUZZ_CHECK(verified <= now + 1 &&
		    verified >= now - TLSCACHE_MAX_AGE - 1);
		freezero(sess, len);
	}
	return 0;
}
