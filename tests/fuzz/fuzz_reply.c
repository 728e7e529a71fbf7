/*
 * fuzz_reply: one SMTP reply line (smtp_reply_line_parse), as the
 * server sends it. Properties: an accepted line has a code of 200-559
 * whose digits are the line's first three, "more" only for "NNN-", and
 * a text that lies inside the line. The whole dialogue, multi-line
 * replies and capabilities included, is fuzz_session's.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "smtp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const char	*text;
	char		*line;
	size_t		 tlen;
	int		 code, more;

	if ((line = malloc(n > 0 ? n : 1)) == NULL)
		return 0;
	memcpy(line, data, n);
	if (smtp_reply_line_parse(line, n, &code, &more, &text, &tlen) == 0) {
		FUZZ_CHECK(code >= 200 && code <= 559);
		FUZZ_CHECK(code == (line[0] - '0') * 100 +
		    (line[1] - '0') * 10 + line[2] - '0');
		FUZZ_CHECK(more == (n > 3 && line[3] == '-'));
		FUZZ_CHECK(text >= line && text + tlen <= line + n);
		FUZZ_CHECK(n <= SMTP_REPLY_LINE_MAX);
	}
	free(line);
	return 0;
}
