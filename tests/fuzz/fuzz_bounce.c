/*
 * fuzz_bounce: the delivery status notification (bounce_write) for a
 * failed message whose content, envelope sender, recipient and last
 * error come from the input (parts separated by FUZZ_SEP: reason,
 * sender, recipient, then the message). The original message is
 * whatever was queued, so any bytes; the reason holds the server's
 * reply. A second recipient, refused for good with the reason as its
 * own reply, is added beside a delivered first one when the reason's
 * length is odd (per-recipient states). Properties, as bounce.h
 * promises: CRLF lines only, none over 998 octets, no NUL.
 */
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "fuzz.h"

static void
check_report(const struct buf *b)
{
	size_t	i, col = 0;

	for (i = 0; i < b->len; i++) {
		FUZZ_CHECK(b->data[i] != '\0');
		if (b->data[i] == '\r') {
			FUZZ_CHECK(i + 1 < b->len && b->data[i + 1] == '\n');
			FUZZ_CHECK(col <= 998);
			col = 0;
			i++;
		} else {
			FUZZ_CHECK(b->data[i] != '\n');
			col++;
		}
	}
	FUZZ_CHECK(col == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct queue_envelope	 env;
	struct bounce_params	 p;
	struct failure		 f;
	struct buf		 out = BUF_INIT;
	const uint8_t		*part[3];
	size_t			 len[3], i;
	char			*reason, *from, *rcpt;
	int			 fd;

	for (i = 0; i < 3; i++)
		if (!fuzz_next_part(&data, &n, &part[i], &len[i]))
			return 0;
	reason = fuzz_strndup(part[0], len[0]);
	from = fuzz_strndup(part[1], len[1]);
	rcpt = fuzz_strndup(part[2], len[2]);
	memset(&env, 0, sizeof(env));
	strlcpy(env.id, "0123456789abcdef01234567", sizeof(env.id));
	env.env.from = from;
	env.env.dsn_notify = len[0] % 2 ? "FAILURE" : NULL;
	env.created = 1700000000;
	env.attempts = 3;
	FUZZ_CHECK(addrlist_add(&env.env.rcpts, rcpt, &f) == 0);
	if (len[0] % 2) {
		FUZZ_CHECK(addrlist_add(&env.env.rcpts, "second@example.test",
		    &f) == 0);
		FUZZ_CHECK(envelope_rcpt_set(&env.env, 0, RCPT_DELIVERED, NULL,
		    &f) == 0);
		FUZZ_CHECK(envelope_rcpt_set(&env.env, 1, RCPT_FAILED, reason,
		    &f) == 0);
	}
	(void)bounce_wanted(&env);
	memset(&p, 0, sizeof(p));
	p.env = &env;
	p.msg_fd = fuzz_file(0, data, n);
	p.reason = reason;
	p.reporting_mta = "mx.example.test";
	p.from_addr = "MAILER-DAEMON@example.test";
	p.now = 1700003600;
	p.expired = len[1] % 2;
	fd = fuzz_file(1, "", 0);
	if (bounce_write(&p, fd, &f) == 0) {
		fuzz_slurp(fd, &out);
		check_report(&out);
	} else
		FUZZ_CHECK(f.kind == FAIL_IO || f.kind == FAIL_OS);
	env.env.from = NULL;
	env.env.dsn_notify = NULL;
	queue_envelope_free(&env);
	buf_free(&out, 0);
	free(reason);
	free(from);
	free(rcpt);
	return 0;
}
