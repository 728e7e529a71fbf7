/*
 * fuzz_config: config_parse() on any text, as an msmtprc would give it;
 * then the account choice for every account and for a few senders.
 * Properties: a parse that fails leaves the configuration empty; one
 * that succeeds finds each of its accounts by name.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

static void
choose_all(const struct config *c)
{
	static const char *const	 senders[] = {
		"alice@example.test", "ROOT@EXAMPLE.TEST", "", "x@y",
	};
	const struct account		*a;
	struct failure			 f;
	size_t				 i;

	for (i = 0; i < c->naccounts; i++) {
		a = config_account(c, c->accounts[i]->name, NULL, &f);
		FUZZ_CHECK(a != NULL || f.kind == FAIL_CONFIG);
		if (a != NULL && a->host != NULL)
			(void)config_host_is_loopback(a->host);
	}
	for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++)
		(void)config_account(c, NULL, senders[i], &f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct config	 c;
	struct failure	 f;
	char		*text;

	/* Exactly n bytes, no NUL after them: a read past the end is
	 * caught. */
	if ((text = malloc(n > 0 ? n : 1)) == NULL)
		return 0;
	memcpy(text, data, n);
	memset(&f, 0, sizeof(f));
	if (config_parse(&c, "fuzz.conf", text, n, -1, &f) == 0) {
		FUZZ_CHECK(f.kind == FAIL_NONE);
		choose_all(&c);
	} else {
		FUZZ_CHECK(f.kind == FAIL_CONFIG || f.kind == FAIL_OS);
		FUZZ_CHECK(c.naccounts == 0);
	}
	config_free(&c);
	free(text);
	return 0;
}
