/*
 * attempt: one delivery attempt of one queued message (see attempt.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attempt.h"
#include "bounce.h"
#include "compat.h"
#include "log.h"

/* One transaction: the pending recipients not yet tried this attempt. */
struct batch {
	struct addrlist		 rcpts;
	size_t			*idx;	/* into the envelope's */
	struct smtp_rcpt_result	*res;
};

static int	batch_fill(struct batch *b, const struct envelope *e,
		    const unsigned char *tried, struct failure *f);
static void	batch_free(struct batch *b);
static int	send_batch(struct attempt *t, struct queue_entry *e,
		    unsigned char *tried, int *again, struct failure *f);
static int	settle(struct envelope *e, size_t i,
		    const struct smtp_rcpt_result *r, int sent,
		    const struct failure *f, int *again);
static enum fail_kind outcome_kind(enum rcpt_state st,
		    const struct failure *f);
static void	log_outcomes(const struct attempt *t, const char *id,
		    const struct envelope *e,
		    const unsigned char *tried, const struct failure *f);
static void	warn_rcpts(const struct attempt *t,
		    const struct envelope *e,
		    const unsigned char *tried);
static int	finish(struct attempt *t, struct queue_entry *e,
		    struct failure *f);
static void	first_reply(const struct envelope *e,
		    enum rcpt_state st, char *buf, size_t len);
static int	group_session(struct attempt_group *g);
static void	group_attempt(struct attempt_group *g, struct attempt *t);
static void	say_outcome(const char *id, const struct failure *f,
		    time_t next, time_t now);
static void	expire_deferred(struct attempt_group *g,
		    const struct queue_envelope *env);
static void	expire(struct attempt_group *g, struct queue_entry *e,
		    const struct queue_envelope *env);

int
attempt_unreached(struct attempt *t, struct queue_entry *e,
    const struct failure *why, struct failure *f)
{
	struct queue_envelope	*env = queue_entry_envelope_rw(e);
	struct smtp_rcpt_result	 none;
	size_t			 i;
	int			 again = 0;

	*f = *why;
	memset(&none, 0, sizeof(none));
	for (i = 0; i < env->env.rcpts.n; i++)
		if (envelope_rcpt_state(&env->env, i) == RCPT_PENDING)
			(void)settle(&env->env, i, &none, 0, f, &again);
	attempt_log(t->account, queue_entry_id(e), env->env.from,
	    &env->env.rcpts, env->env.size, f);
	return finish(t, e, f);
}

int
attempt_run(struct attempt *t, struct queue_entry *e, struct failure *f)
{
	const struct queue_envelope	*env = queue_entry_envelope(e);
	struct failure			 qf;
	unsigned char			*tried;
	int				 again = 1, rc = 0;

	t->next = 0;
	if ((tried = calloc(env->env.rcpts.n + 1, 1)) == NULL) {
		fail(f, FAIL_OS, "out of memory");
		queue_release(e);
		return -1;
	}
	while (again && rc == 0) {
		again = 0;
		rc = send_batch(t, e, tried, &again, f);
		failure_clear(&qf);
		/* The next transaction must not send anyone it twice. */
		if (again && queue_save(t->q, e, &qf) == -1) {
			log_warn("%s: cannot record the recipients delivered "
			    "so far: %s", queue_entry_id(e), qf.text);
			again = 0;
		}
	}
	env = queue_entry_envelope(e);
	log_outcomes(t, queue_entry_id(e), &env->env, tried, f);
	warn_rcpts(t, &env->env, tried);
	free(tried);
	return finish(t, e, f);
}

static int
batch_fill(struct batch *b, const struct envelope *e,
    const unsigned char *tried, struct failure *f)
{
	size_t	i;

	memset(b, 0, sizeof(*b));
	if ((b->idx = calloc(e->rcpts.n + 1, sizeof(*b->idx))) == NULL ||
	    (b->res = calloc(e->rcpts.n + 1, sizeof(*b->res))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	for (i = 0; i < e->rcpts.n; i++) {
		if (tried[i] || envelope_rcpt_state(e, i) != RCPT_PENDING)
			continue;
		b->idx[b->rcpts.n] = i;
		if (addrlist_add(&b->rcpts, e->rcpts.v[i], f) == -1)
			return -1;
	}
	return 0;
}

static void
batch_free(struct batch *b)
{
	addrlist_free(&b->rcpts);
	free(b->idx);
	free(b->res);
}

/*
 * One transaction for the recipients still to try; *again when the
 * server took some and asked for the rest in another (452). Returns 0
 * when nothing was left to send or the server took the message, -1 with
 * f otherwise.
 */
static int
send_batch(struct attempt *t, struct queue_entry *e, unsigned char *tried,
    int *again, struct failure *f)
{
	struct queue_envelope	*env = queue_entry_envelope_rw(e);
	struct envelope		 sub;
	struct deliver_job	 job;
	struct batch		 b;
	size_t			 k;
	int			 rc = -1;

	if (batch_fill(&b, &env->env, tried, f) == -1 || b.rcpts.n == 0) {
		rc = b.rcpts.n == 0 && f->kind == FAIL_NONE ? 0 : -1;
		batch_free(&b);
		return rc;
	}
	if (*t->d == NULL && deliver_open(t->account, t->d, f) == -1) {
		*t->d = NULL;
		/* Unreached: the failure is every recipient's. */
		for (k = 0; k < b.rcpts.n; k++) {
			tried[b.idx[k]] = 1;
			(void)settle(&env->env, b.idx[k], &b.res[k], 0, f,
			    again);
		}
	} else {
		/* The message's envelope, this transaction's recipients. */
		sub = env->env;
		sub.rcpts = b.rcpts;
		sub.rcpt_status = NULL;
		sub.rcpt_status_n = 0;
		memset(&job, 0, sizeof(job));
		job.env = &sub;
		job.fd = queue_entry_fd(e);
		job.results = b.res;
		rc = deliver_send(*t->d, &job, f);
		for (k = 0; k < b.rcpts.n; k++) {
			tried[b.idx[k]] = 1;
			if (settle(&env->env, b.idx[k], &b.res[k], rc == 0, f,
			    again) == 1)
				tried[b.idx[k]] = 0;
		}
		if (rc == -1 && !deliver_usable(*t->d)) {
			deliver_close(*t->d);
			*t->d = NULL;
		}
	}
	batch_free(&b);
	return rc;
}

/*
 * Recipient i after a transaction that was taken (sent) or failed (f).
 * Returns 1 for a recipient to try again at once (452 in a transaction
 * that others got), else 0; -1 when memory ran out (it stays pending).
 */
static int
settle(struct envelope *e, size_t i, const struct smtp_rcpt_result *r,
    int sent, const struct failure *f, int *again)
{
	const char	*own = r->reply[0] != '\0' ? r->reply : NULL;
	int		 klass = r->code / 100;

	if (sent && klass == 2)
		return envelope_rcpt_set(e, i, RCPT_DELIVERED, NULL, NULL);
	if (klass == 5)
		return envelope_rcpt_set(e, i, RCPT_FAILED, own, NULL);
	if (klass == 4) {
		if (sent && r->code == 452) {
			*again = 1;
			return envelope_rcpt_set(e, i, RCPT_PENDING, own,
			    NULL) == -1 ? -1 : 1;
		}
		return envelope_rcpt_set(e, i, RCPT_PENDING, own, NULL);
	}
	/* Taken at RCPT, then the message was not: its fate is the DATA's. */
	return envelope_rcpt_set(e, i, fail_is_temporary(f->kind) ?
	    RCPT_PENDING : RCPT_FAILED, f->text, NULL);
}

/* The kind a log line shows for recipients that ended in state st. */
static enum fail_kind
outcome_kind(enum rcpt_state st, const struct failure *f)
{
	if (st == RCPT_PENDING)
		return FAIL_TEMPFAIL;
	if (f->kind == FAIL_NONE || fail_is_temporary(f->kind))
		return FAIL_REJECTED;
	return f->kind;
}

/*
 * The delivery log: one line per outcome of this attempt, each naming
 * only the recipients it tried that ended so, with the first one's reply.
 */
static void
log_outcomes(const struct attempt *t, const char *id,
    const struct envelope *e, const unsigned char *tried,
    const struct failure *f)
{
	static const enum rcpt_state	 order[] = {
		RCPT_DELIVERED, RCPT_PENDING, RCPT_FAILED,
	};
	struct addrlist			 l;
	struct failure			 why;
	const char			*first;
	size_t				 i, k;

	for (k = 0; k < POSTIE_NELEM(order); k++) {
		memset(&l, 0, sizeof(l));
		first = NULL;
		for (i = 0; i < e->rcpts.n; i++) {
			if (!tried[i] || envelope_rcpt_state(e, i) != order[k])
				continue;
			if (addrlist_add(&l, e->rcpts.v[i], NULL) == -1)
				break;
			if (first == NULL)
				first = envelope_rcpt_reply(e, i);
		}
		if (l.n > 0) {
			why = *f;	/* where it was tried: f's context */
			if (order[k] == RCPT_DELIVERED)
				why.kind = FAIL_NONE;
			else
				fail(&why, outcome_kind(order[k], f), "%s",
				    first != NULL ? first : f->text);
			attempt_log(t->account, id, e->from, &l, e->size,
			    &why);
		}
		addrlist_free(&l);
	}
}

/*
 * Each recipient refused (or, when others went, deferred) in this
 * attempt gets a line of its own; a total failure gets the caller's one
 * line instead.
 */
static void
warn_rcpts(const struct attempt *t, const struct envelope *e,
    const unsigned char *tried)
{
	size_t	i, d = envelope_rcpt_count(e, RCPT_DELIVERED);
	size_t	p = envelope_rcpt_count(e, RCPT_PENDING);
	size_t	x = envelope_rcpt_count(e, RCPT_FAILED);

	if (d == 0 && (p == 0 || x == 0))
		return;
	for (i = 0; i < e->rcpts.n; i++) {
		if (!tried[i] || envelope_rcpt_reply(e, i) == NULL)
			continue;
		if (envelope_rcpt_state(e, i) == RCPT_FAILED)
			log_warn("recipient <%s> refused: %s; %s",
			    e->rcpts.v[i], envelope_rcpt_reply(e, i),
			    p > 0 ? "it will be reported to the sender" :
			    "reported to the sender");
		else if (envelope_rcpt_state(e, i) == RCPT_PENDING &&
		    t->submission)
			log_warn("recipient <%s> deferred: %s; it will be "
			    "tried again", e->rcpts.v[i],
			    envelope_rcpt_reply(e, i));
		else if (envelope_rcpt_state(e, i) == RCPT_PENDING)
			log_info("recipient <%s> deferred: %s",
			    e->rcpts.v[i], envelope_rcpt_reply(e, i));
	}
}

/* The first reply about a recipient in state st, for a summary. */
static void
first_reply(const struct envelope *e, enum rcpt_state st, char *buf,
    size_t len)
{
	size_t	i;

	for (i = 0; i < e->rcpts.n; i++)
		if (envelope_rcpt_state(e, i) == st &&
		    envelope_rcpt_reply(e, i) != NULL) {
			snprintf(buf, len, ": %s", envelope_rcpt_reply(e, i));
			return;
		}
	buf[0] = '\0';
}

/* The outcome into the queue; the entry ends here. */
static int
finish(struct attempt *t, struct queue_entry *e, struct failure *f)
{
	const struct queue_envelope	*env = queue_entry_envelope(e);
	struct failure			 qf;
	char				 error[FAILURE_LINE_MAX];
	char				 id[QUEUE_ID_MAX];
	char				 first[FAILURE_TEXT_MAX];
	size_t				 d, p, n;

	/* Even when nothing was left to send: the outcome is the account's. */
	deliver_context(t->account, f);
	strlcpy(id, queue_entry_id(e), sizeof(id));
	d = envelope_rcpt_count(&env->env, RCPT_DELIVERED);
	p = envelope_rcpt_count(&env->env, RCPT_PENDING);
	n = env->env.rcpts.n;
	failure_clear(&qf);
	if (p > 0) {
		/* Mixed outcomes: the count says more than the last reply. */
		if (!fail_is_temporary(f->kind) || p < n) {
			first_reply(&env->env, RCPT_PENDING, first,
			    sizeof(first));
			fail(f, FAIL_TEMPFAIL, "%zu of %zu recipient%s deferred"
			    "%s", p, n, n == 1 ? "" : "s", first);
		}
		if (queue_defer(t->q, e, failure_line(f, error,
		    sizeof(error)), time(NULL), &t->next,
		    &qf) == -1)
			log_warn("%s: cannot record the attempt: %s", id,
			    qf.text);
		return -1;
	}
	if (envelope_rcpt_count(&env->env, RCPT_FAILED) > 0 && (d > 0 ||
	    !t->submission))
		attempt_report(t, env, queue_entry_fd(e), NULL, 0);
	if (d > 0) {
		failure_clear(f);
		if (queue_done(t->q, e, &qf) == -1)
			log_warn("%s was delivered, but stays queued and may "
			    "be sent again: %s", id, qf.text);
		return 0;
	}
	if (fail_is_temporary(f->kind) || f->kind == FAIL_NONE) {
		first_reply(&env->env, RCPT_FAILED, first, sizeof(first));
		fail(f, FAIL_NOUSER, "every recipient was refused%s", first);
	}
	if (queue_fail(t->q, e, failure_line(f, error, sizeof(error)),
	    &qf) == -1)
		log_warn("%s: cannot move it to failed/: %s", id, qf.text);
	return -1;
}

void
attempt_log(const struct account *a, const char *id, const char *from,
    const struct addrlist *rcpts, off_t size, const struct failure *f)
{
	struct log_delivery	d;
	char			error[FAILURE_LINE_MAX];
	int			ok = f == NULL || f->kind == FAIL_NONE;

	memset(&d, 0, sizeof(d));
	d.id = id;
	d.account = a->name;
	d.host = a->host;
	d.port = a->port;
	d.tls = a->tls;
	d.user = a->auth != AUTH_OFF ? a->user : NULL;
	d.from = from;
	d.rcpts = (const char *const *)rcpts->v;
	d.nrcpts = rcpts->n;
	d.size = (long long)size;
	d.syslog = a->syslog;
	d.result = ok ? "delivered" : fail_is_temporary(f->kind) ?
	    "deferred" : "failed";
	if (!ok)
		d.error = failure_line(f, error, sizeof(error));
	log_delivery(a->logfile, &d);
}

void
attempt_report(struct attempt *t, const struct queue_envelope *env,
    int msg_fd, const char *reason, int expired)
{
	struct bounce_report	 r;
	struct queue_entry	*b = NULL;
	struct attempt		 sub;
	struct failure		 f;
	char			 id[QUEUE_ID_MAX], line[FAILURE_LINE_MAX];

	if (!t->account->queue_bounce || !bounce_wanted(env))
		return;
	failure_clear(&f);
	if (bounce_prepare(env, msg_fd, t->account->domain, reason, expired,
	    &r, &f) == 0 && queue_create(t->q, &b, &f) == 0 &&
	    bounce_write(&r.params, queue_entry_fd(b), &f) == 0 &&
	    queue_commit(t->q, b, &r.env, &f) == 0) {
		strlcpy(id, queue_entry_id(b), sizeof(id));
		log_info("%s: notification to <%s> queued as %s", env->id,
		    env->env.from, id);
		sub = *t;
		sub.submission = 1;
		if (attempt_run(&sub, b, &f) == -1 &&
		    fail_is_temporary(f.kind))
			log_info("%s: %s", id, failure_line(&f, line,
			    sizeof(line)));
		else if (f.kind != FAIL_NONE)
			log_warn("%s: %s", id, failure_line(&f, line,
			    sizeof(line)));
		failure_clear(&f);
		b = NULL;
	}
	if (f.kind != FAIL_NONE && b != NULL) {
		log_warn("%s: cannot queue the notification to <%s>: %s",
		    env->id, env->env.from, f.text);
		queue_abort(t->q, b);
	} else if (f.kind == FAIL_OS || f.kind == FAIL_IO)
		log_warn("%s: no notification: %s", env->id, f.text);
	bounce_report_free(&r);
}

/* The group's session, opened once: a failure to open is every message's. */
static int
group_session(struct attempt_group *g)
{
	if (g->d != NULL)
		return 0;
	if (g->open_failed)
		return -1;
	failure_clear(&g->open_failure);
	if (deliver_open(g->account, &g->d, &g->open_failure) == 0)
		return 0;
	g->d = NULL;
	g->open_failed = 1;
	return -1;
}

static void
say_outcome(const char *id, const struct failure *f, time_t next, time_t now)
{
	char	line[FAILURE_LINE_MAX];
	long	minutes;

	/*
	 * A deferral is the queue working as it should: shown with -v only,
	 * or a cron job running -q would mail about every retry.
	 */
	if (fail_is_temporary(f->kind)) {
		minutes = (long)((next - now + 59) / 60);
		log_info("%s: %s; next attempt in %ld min", id,
		    failure_line(f, line, sizeof(line)),
		    minutes > 0 ? minutes : 1);
	} else
		log_warn("%s: %s; moved to failed/", id,
		    failure_line(f, line, sizeof(line)));
}

static void
group_attempt(struct attempt_group *g, struct attempt *t)
{
	memset(t, 0, sizeof(*t));
	t->q = g->q;
	t->account = g->account;
	t->d = &g->d;
}

void
attempt_due(struct attempt_group *g, const struct queue_envelope *env)
{
	struct queue_entry		*e;
	struct attempt			 t;
	struct failure			 f;
	time_t				 next = 0;
	int				 expired, r;

	if (!g->force && env->next_attempt > g->now &&
	    env->created + g->account->queue_lifetime > g->now)
		return;
	failure_clear(&f);
	if ((r = queue_take(g->q, env->id, &e, &f)) <= 0) {
		if (r == -1)
			log_warn("%s: %s", env->id, f.text);
		return;
	}
	expired = queue_entry_envelope(e)->created +
	    g->account->queue_lifetime <= g->now;
	group_attempt(g, &t);
	if ((group_session(g) == -1 ?
	    attempt_unreached(&t, e, &g->open_failure, &f) :
	    attempt_run(&t, e, &f)) == 0) {
		log_info("%s: delivered", env->id);
		return;
	}
	next = t.next;
	/*
	 * As Postfix does: an old message gets one more attempt, and
	 * expires only when that one fails too. Mail late is better than
	 * mail bounced while the server was there to take it.
	 */
	if (expired && fail_is_temporary(f.kind)) {
		expire_deferred(g, env);
		return;
	}
	say_outcome(env->id, &f, next, g->now);
}

/* Deferred just now: taken again to move it to failed/. */
static void
expire_deferred(struct attempt_group *g, const struct queue_envelope *env)
{
	struct queue_entry	*e;
	struct failure		 f;
	int			 r;

	failure_clear(&f);
	if ((r = queue_take(g->q, env->id, &e, &f)) <= 0) {
		if (r == -1)
			log_warn("%s: %s", env->id, f.text);
		return;
	}
	expire(g, e, env);
}

/*
 * Too old to try again: failed/, and the sender told why. env is the
 * listed copy, which outlives the entry.
 */
static void
expire(struct attempt_group *g, struct queue_entry *e,
    const struct queue_envelope *env)
{
	const struct queue_envelope	*taken = queue_entry_envelope(e);
	struct attempt			 t;
	struct failure			 f;
	char				 reason[FAILURE_TEXT_MAX + 128];
	const char			*last;
	long				 days;

	failure_clear(&f);
	last = taken->last_error != NULL ? taken->last_error : "none";
	days = (long)(g->account->queue_lifetime / 86400);
	if (days > 0)
		snprintf(reason, sizeof(reason), "expired after %ld day%s in "
		    "the queue; last error: %s", days, days == 1 ? "" : "s",
		    last);
	else
		snprintf(reason, sizeof(reason), "expired after %ld seconds "
		    "in the queue; last error: %s",
		    (long)g->account->queue_lifetime, last);
	/* Before the move: the report reads the message from the entry. */
	group_attempt(g, &t);
	attempt_report(&t, taken, queue_entry_fd(e), reason, 1);
	if (queue_fail(g->q, e, reason, &f) == -1) {
		log_warn("%s: cannot move it to failed/: %s", env->id, f.text);
		return;
	}
	log_warn("%s: %s; moved to failed/", env->id, reason);
}

void
attempt_flush(struct attempt_group *g, const char *config)
{
	struct queue_envelope	*envs = NULL;
	struct failure		 f;
	size_t			 i, n = 0;

	failure_clear(&f);
	if (config == NULL || queue_list(g->q, 0, &envs, &n, &f) == -1)
		return;
	g->now = time(NULL);
	for (i = 0; i < n; i++)
		if (strcmp(envs[i].account, g->account->name) == 0 &&
		    envs[i].config != NULL &&
		    strcmp(envs[i].config, config) == 0)
			attempt_due(g, &envs[i]);
	queue_envelopes_free(envs, n);
}

void
attempt_group_end(struct attempt_group *g)
{
	deliver_close(g->d);
	g->d = NULL;
}
