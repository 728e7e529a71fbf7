/*
 * fuzz_import: another tool's set-up for postie --import (import_parse,
 * import_render). Input: an option byte (its low two bits: detect the
 * format by content, or ssmtp, nullmailer, dma by the file's name), the
 * main file, then the side files in import.h's order (revaliases,
 * auth.conf, adminaddr, defaultdomain, defaulthost, me), "@@\n"
 * between. Properties: a failure is FAIL_CONFIG (or FAIL_OS) and leaves
 * nothing behind; a success has an account named default, and what
 * import_render() writes holds no control character but the line ends
 * and is read back by config_parse() with every account usable
 * (config_account()): --import never prints a file postie refuses.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "import.h"

static const char *const names[] = {
	"/etc/postie-fuzz/config", "/etc/ssmtp/ssmtp.conf",
	"/etc/nullmailer/remotes", "/etc/dma/dma.conf",
};

static void
check_output(const struct import_result *r)
{
	struct buf		 out = BUF_INIT;
	struct config		 c;
	struct failure		 f;
	const struct account	*a;
	size_t			 i;

	FUZZ_CHECK(import_render(r, "fuzz", &out) == 0);
	for (i = 0; i < out.len; i++)
		FUZZ_CHECK((unsigned char)out.data[i] >= 0x20 ||
		    out.data[i] == '\n');
	failure_clear(&f);
	if (config_parse(&c, "import", out.data, out.len, -1, &f) != 0) {
		fprintf(stderr, "%s\n---\n%s", f.text, out.data);
		FUZZ_CHECK(!"config_parse() refuses what --import wrote");
	}
	for (i = 0; i < r->n; i++) {
		a = config_account(&c, r->acct[i].name, NULL, &f);
		if (a == NULL)
			fprintf(stderr, "%s\n---\n%s", f.text, out.data);
		FUZZ_CHECK(a != NULL);
	}
	config_free(&c);
	buf_free(&out, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct import_input	 in;
	struct import_result	 r;
	struct failure		 f;
	const uint8_t		*part;
	size_t			 len, i;
	char			*texts[1 + SIDE_COUNT] = { NULL };

	if (n < 1)
		return 0;
	memset(&in, 0, sizeof(in));
	in.name = names[data[0] & 3];
	data++;
	n--;
	for (i = 0; i < 1 + SIDE_COUNT &&
	    fuzz_next_part(&data, &n, &part, &len); i++) {
		texts[i] = fuzz_strndup(part, len);
		if (i == 0) {
			in.main.text = texts[i];
			in.main.len = len;
		} else {
			in.side[i - 1].text = texts[i];
			in.side[i - 1].len = len;
		}
	}
	if (in.main.text == NULL)
		return 0;
	failure_clear(&f);
	if (import_parse(&in, &r, &f) == 0) {
		FUZZ_CHECK(f.kind == FAIL_NONE);
		FUZZ_CHECK(r.n >= 1 && strcmp(r.acct[0].name, "default") == 0);
		check_output(&r);
	} else
		FUZZ_CHECK(f.kind == FAIL_CONFIG || f.kind == FAIL_OS);
	import_free(&r);
	for (i = 0; i < 1 + SIDE_COUNT; i++)
		free(texts[i]);
	return 0;
}
