/*
 * fuzz_cli: sendmail's command line (cli_parse). The input is the
 * argument vector, words separated by NUL bytes; argv[0] is "sendmail"
 * unless the first word is empty, then the second is argv[0] (mailq,
 * newaliases). Properties: a failure is FAIL_USAGE or FAIL_OS; on
 * success the recipients are non-empty addresses listed once.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"

#define MAX_WORDS 64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct invocation	 inv;
	struct failure		 f;
	char			*argv[MAX_WORDS + 2], *s, *p, *end;
	int			 argc = 0;
	size_t			 i, j;

	s = fuzz_strndup(data, n);
	end = s + n;
	p = s;
	/* An empty first word: the next one is the program's name. */
	if (n > 1 && s[0] == '\0') {
		argv[argc++] = s + 1;
		p = s + 2 + strlen(s + 1);
	} else
		argv[argc++] = "sendmail";
	for (; p < end && argc < MAX_WORDS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	if (cli_parse(&inv, argc, argv, &f) == 0) {
		for (i = 0; i < inv.env.rcpts.n; i++) {
			FUZZ_CHECK(inv.env.rcpts.v[i][0] != '\0');
			for (j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(inv.env.rcpts.v[i],
				    inv.env.rcpts.v[j]) != 0);
		}
	} else
		FUZZ_CHECK(f.kind == FAIL_USAGE || f.kind == FAIL_OS);
	cli_free(&inv);
	free(s);
	return 0;
}
