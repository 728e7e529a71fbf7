/*
 * envelope: recipients and their states (see envelope.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

enum rcpt_state
envelope_rcpt_state(const struct envelope *e, size_t i)
{
	if (e->rcpt_status == NULL || i >= e->rcpt_status_n)
		return RCPT_PENDING;
	return e->rcpt_status[i].state;
}

const char *
envelope_rcpt_reply(const struct envelope *e, size_t i)
{
	if (e->rcpt_status == NULL || i >= e->rcpt_status_n)
		return NULL;
	return e->rcpt_status[i].reply;
}

/* The status array grows with the list, on first use. */
int
envelope_rcpt_set(struct envelope *e, size_t i, enum rcpt_state st,
    const char *reply, struct failure *f)
{
	struct rcpt_status	*v;
	char			*copy = NULL;

	if (i >= e->rcpts.n)
		return fail(f, FAIL_SOFTWARE, "no recipient %zu", i);
	if (e->rcpt_status_n < e->rcpts.n) {
		if ((v = reallocarray(e->rcpt_status, e->rcpts.n,
		    sizeof(*v))) == NULL)
			return fail(f, FAIL_OS, "%s", strerror(errno));
		memset(v + e->rcpt_status_n, 0, (e->rcpts.n -
		    e->rcpt_status_n) * sizeof(*v));
		e->rcpt_status = v;
		e->rcpt_status_n = e->rcpts.n;
	}
	if (reply != NULL && (copy = strdup(reply)) == NULL)
		return fail(f, FAIL_OS, "%s", strerror(errno));
	e->rcpt_status[i].state = st;
	if (st == RCPT_DELIVERED || copy != NULL) {
		/* What refused it before is no longer its story. */
		free(e->rcpt_status[i].reply);
		e->rcpt_status[i].reply = copy;
	}
	return 0;
}

size_t
envelope_rcpt_count(const struct envelope *e, enum rcpt_state st)
{
	size_t	i, n = 0;

	for (i = 0; i < e->rcpts.n; i++)
		n += envelope_rcpt_state(e, i) == st;
	return n;
}

int
envelope_copy_rcpts(struct envelope *dst, const struct envelope *src,
    struct failure *f)
{
	size_t	i;

	for (i = 0; i < src->rcpts.n; i++)
		if (addrlist_add(&dst->rcpts, src->rcpts.v[i], f) == -1)
			return -1;
	for (i = 0; src->rcpt_status != NULL && i < src->rcpts.n; i++)
		if (envelope_rcpt_set(dst, i, envelope_rcpt_state(src, i),
		    envelope_rcpt_reply(src, i), f) == -1)
			return -1;
	return 0;
}

void
envelope_free(struct envelope *e)
{
	size_t	i;

	for (i = 0; e->rcpt_status != NULL && i < e->rcpt_status_n; i++)
		free(e->rcpt_status[i].reply);
	free(e->rcpt_status);
	e->rcpt_status = NULL;
	e->rcpt_status_n = 0;
	addrlist_free(&e->rcpts);
	free(e->from);
	free(e->dsn_notify);
	free(e->dsn_ret);
	free(e->dsn_envid);
	e->from = e->dsn_notify = e->dsn_ret = e->dsn_envid = NULL;
}
