/*
 * fuzz_aliases: msmtp's aliases file (aliases_parse), then the aliases
 * applied to a few recipients, local and not. Properties: a file that
 * fails to parse gives FAIL_CONFIG or FAIL_OS and nothing to free;
 * after aliases_apply() the remote recipient is still there and no
 * recipient is listed twice.
 */
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "fuzz.h"

static const char *const rcpts[] = {
	"root", "Postmaster@LOCALHOST", "bob@example.test", "nobody",
};

static void
apply(const struct aliases *al)
{
	struct addrlist	 l = ADDRLIST_INIT;
	struct failure	 f;
	size_t		 i, j;

	for (i = 0; i < sizeof(rcpts) / sizeof(rcpts[0]); i++)
		FUZZ_CHECK(addrlist_add(&l, rcpts[i], &f) == 0);
	if (aliases_apply(al, &l, &f) == 0) {
		FUZZ_CHECK(addrlist_has(&l, "bob@example.test"));
		for (i = 0; i < l.n; i++)
			for (j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(l.v[i], l.v[j]) != 0);
	} else
		FUZZ_CHECK(f.kind == FAIL_OS);
	addrlist_free(&l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct aliases	*al = NULL;
	struct failure	 f;
	char		*text;

	if ((text = malloc(n > 0 ? n : 1)) == NULL)
		return 0;
	memcpy(text, data, n);
	if (aliases_parse(&al, "fuzz.aliases", text, n, &f) == 0) {
		FUZZ_CHECK(al != NULL);
		apply(al);
		aliases_free(al);
	} else
		FUZZ_CHECK(f.kind == FAIL_CONFIG || f.kind == FAIL_OS);
	free(text);
	return 0;
}
