/*
 * fuzz_netrc: a netrc file (password_netrc_find), looked up as
 * password_fetch() does for a few hosts and users, into a small and a
 * large buffer. Properties: a password found is NUL-terminated inside
 * the buffer; the small buffer finds the same one, or refuses it (-1)
 * when it is too long, never cuts it.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "password.h"

static void
look_up(const char *text, size_t len, const char *host, const char *user)
{
	/* Tokens are read into a buffer of the same size: the small one
	 * still holds the host and user looked up. */
	char	small[20], big[256];
	int	r, rs;

	memset(big, 'Z', sizeof(big));
	r = password_netrc_find(text, len, host, user, big, sizeof(big));
	FUZZ_CHECK(r >= -1 && r <= 1);
	if (r == 1)
		FUZZ_CHECK(memchr(big, '\0', sizeof(big)) != NULL);
	rs = password_netrc_find(text, len, host, user, small, sizeof(small));
	/* A NUL byte in the file ends the password as C sees it, not the
	 * token: the lengths then tell nothing. */
	if (memchr(text, '\0', len) != NULL)
		return;
	if (r == 1 && strlen(big) < sizeof(small)) {
		FUZZ_CHECK(rs == 1 && strcmp(small, big) == 0);
	} else if (r == 1)
		FUZZ_CHECK(rs == -1);
	else if (r == 0)
		FUZZ_CHECK(rs == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char	*text;

	if ((text = malloc(n > 0 ? n : 1)) == NULL)
		return 0;
	memcpy(text, data, n);
	look_up(text, n, "mx.example.test", "alice");
	look_up(text, n, "mx.example.test", NULL);
	look_up(text, n, "default", "bob");
	free(text);
	return 0;
}
