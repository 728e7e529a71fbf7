/*
 * fuzz_envelope: the queue's envelope files (queue_envelope_parse), as
 * a queue run reads them from disk. Properties: an envelope that parses
 * has a sender and a recipient; written out again
 * (queue_envelope_format) it parses to the same envelope and is written
 * the same way: nothing is lost or changed by a defer or a retry. The
 * same text is also read as the request at the head of a maildrop file
 * (queue_envelope_parse_request), which a local user writes: it may
 * lack the sender and the recipients, and must round-trip the same way.
 * Each recipient's state and last reply round-trip with it. Version 1
 * and version 2 are read, version 2 written; since a power loss can cut
 * a queue file anywhere, no text we write, cut after any of its lines
 * but the last, may parse: its last line "end" is what says it is whole.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "queue.h"

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
check_same(const struct queue_envelope *a, const struct queue_envelope *b)
{
	size_t	i;

	FUZZ_CHECK(same_str(a->config, b->config));
	FUZZ_CHECK(same_str(a->account, b->account));
	FUZZ_CHECK(same_str(a->user, b->user));
	FUZZ_CHECK(same_str(a->full_name, b->full_name));
	FUZZ_CHECK(same_str(a->drop, b->drop));
	FUZZ_CHECK(same_str(a->env.from, b->env.from));
	FUZZ_CHECK(same_str(a->env.dsn_notify, b->env.dsn_notify));
	FUZZ_CHECK(same_str(a->env.dsn_ret, b->env.dsn_ret));
	FUZZ_CHECK(same_str(a->env.dsn_envid, b->env.dsn_envid));
	FUZZ_CHECK(same_str(a->last_error, b->last_error));
	FUZZ_CHECK(a->env.rcpts.n == b->env.rcpts.n);
	for (i = 0; i < a->env.rcpts.n; i++) {
		FUZZ_CHECK(strcmp(a->env.rcpts.v[i], b->env.rcpts.v[i]) == 0);
		FUZZ_CHECK(envelope_rcpt_state(&a->env, i) == envelope_rcpt_state(&b->env, i));
		FUZZ_CHECK(same_str(envelope_rcpt_reply(&a->env, i),
		    envelope_rcpt_reply(&b->env, i)));
	}
	FUZZ_CHECK(a->env.eight_bit == b->env.eight_bit && a->env.size == b->env.size);
	FUZZ_CHECK(a->created == b->created && a->attempts == b->attempts);
	FUZZ_CHECK(a->next_attempt == b->next_attempt);
	FUZZ_CHECK(a->extract_rcpts == b->extract_rcpts);
	FUZZ_CHECK(a->failed == b->failed);
}

/* Every cut of t at a line end short of its end is refused. */
static void
check_cuts(const struct buf *t, int request)
{
	struct queue_envelope	 env;
	struct failure		 f;
	char			*copy;
	size_t			 i;

	for (i = 1; i < t->len; i++) {
		if (t->data[i - 1] != '\n')
			continue;
		copy = fuzz_strndup((const uint8_t *)t->data, i);
		FUZZ_CHECK((request ? queue_envelope_parse_request(copy, i,
		    "cut", &env, &f) : queue_envelope_parse(copy, i, "cut",
		    &env, &f)) == -1);
		FUZZ_CHECK(f.kind == FAIL_DATA);
		free(copy);
	}
}

static void
round_trip(const struct queue_envelope *env, int request)
{
	struct queue_envelope	 again;
	struct failure		 f;
	struct buf		 t1 = BUF_INIT, t2 = BUF_INIT;
	char			*copy;

	FUZZ_CHECK(queue_envelope_format(env, &t1) == 0);
	FUZZ_CHECK(t1.len >= 4 && memcmp(t1.data + t1.len - 4, "end\n", 4) == 0);
	check_cuts(&t1, request);
	copy = fuzz_strndup((const uint8_t *)t1.data, t1.len);
	FUZZ_CHECK((request ? queue_envelope_parse_request(copy, t1.len,
	    "again", &again, &f) : queue_envelope_parse(copy, t1.len, "again",
	    &again, &f)) == 0);
	check_same(env, &again);
	FUZZ_CHECK(queue_envelope_format(&again, &t2) == 0);
	FUZZ_CHECK(t1.len == t2.len && memcmp(t1.data, t2.data, t1.len) == 0);
	queue_envelope_free(&again);
	free(copy);
	buf_free(&t1, 0);
	buf_free(&t2, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct queue_envelope	 env;
	struct failure		 f;
	char			*text;

	if ((text = malloc(n > 0 ? n : 1)) == NULL)
		return 0;
	memcpy(text, data, n);
	if (queue_envelope_parse(text, n, "fuzz.env", &env, &f) == 0) {
		FUZZ_CHECK(env.env.from != NULL && env.env.rcpts.n > 0);
		round_trip(&env, 0);
		queue_envelope_free(&env);
	} else
		FUZZ_CHECK(f.kind == FAIL_DATA || f.kind == FAIL_OS);
	/* Parsing changes the text in place: the request reads it afresh. */
	memcpy(text, data, n);
	if (queue_envelope_parse_request(text, n, "request", &env, &f) == 0) {
		round_trip(&env, 1);
		queue_envelope_free(&env);
	} else
		FUZZ_CHECK(f.kind == FAIL_DATA || f.kind == FAIL_OS);
	free(text);
	return 0;
}
