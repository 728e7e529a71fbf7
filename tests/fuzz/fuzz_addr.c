/*
 * fuzz_addr: RFC 5322 address lists as To/Cc/Bcc and recipient
 * arguments give them (addr_parse_list, addr_check_envelope), then each
 * address as it would go out in RCPT (smtp_address_out with and without
 * SMTPUTF8, IDNA included, and smtp_rcpt_command).
 * Properties: every parsed address is non-empty, found again by
 * addrlist_has(), and listed once; what goes out on the wire is ASCII
 * unless SMTPUTF8 was offered.
 */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzz.h"
#include "smtp.h"

static void
check_out(const struct addrlist *l, size_t i, int utf8)
{
	struct envelope	 env;
	struct failure		 f;
	struct buf		 cmd = BUF_INIT;
	char			*out = NULL;
	size_t			 k;

	if (smtp_address_out(l->v[i], utf8, &out, &f) == -1) {
		FUZZ_CHECK(f.kind == FAIL_REJECTED || f.kind == FAIL_OS);
		return;
	}
	if (!utf8)
		for (k = 0; out[k] != '\0'; k++)
			FUZZ_CHECK((unsigned char)out[k] < 0x80);
	memset(&env, 0, sizeof(env));
	env.from = "";
	env.rcpts = *l;
	env.dsn_notify = "success,failure";
	FUZZ_CHECK(smtp_rcpt_command(&env, i, out, SMTP_CAP_DSN |
	    (utf8 ? SMTP_CAP_SMTPUTF8 : 0), &cmd) == 0);
	FUZZ_CHECK(strncmp(cmd.data, "RCPT TO:<", 9) == 0);
	buf_free(&cmd, 0);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct addrlist	 l = ADDRLIST_INIT;
	struct failure	 f;
	char		*text, *s;
	size_t		 i, j;

	if ((text = malloc(n > 0 ? n : 1)) == NULL)
		return 0;
	memcpy(text, data, n);
	if (addr_parse_list(text, n, &l, &f) == -1)
		FUZZ_CHECK(f.kind == FAIL_DATA || f.kind == FAIL_OS);
	for (i = 0; i < l.n; i++) {
		FUZZ_CHECK(l.v[i][0] != '\0');
		FUZZ_CHECK(addrlist_has(&l, l.v[i]));
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(l.v[i], l.v[j]) != 0);
		check_out(&l, i, 0);
		check_out(&l, i, 1);
	}
	addrlist_free(&l);
	free(text);

	s = fuzz_strndup(data, n);
	if (addr_check_envelope(s, n > 0 && data[0] == '<', &f) == -1)
		FUZZ_CHECK(f.kind == FAIL_USAGE);
	free(s);
	return 0;
}
