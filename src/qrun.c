/*
 * qrun: queue runs, listing, removal and retry by id (see qrun.h).
 *
 * A queue run takes the queue's envelopes oldest first and groups them
 * by (configuration file, account): each group goes over one connection
 * (attempt.h's struct attempt_group), opened when its first due message
 * is taken and kept for the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <libutil.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "attempt.h"
#include "log.h"
#include "qrun.h"
#include "queue.h"

/* The configurations a queue run needs, by real path. */
struct config_cache {
	char		**paths;
	struct config	**configs;
	int		 *owned;
	size_t		  n;
};

/* Queue directories, without duplicates. */
struct dirlist {
	char	**v;
	size_t	  n;
};

static int	dirlist_add(struct dirlist *l, const char *dir,
		    struct failure *f);
static void	dirlist_free(struct dirlist *l);
static int	queue_dirs(const struct config *c, const char *account,
		    struct dirlist *l, struct failure *f);
static char	*config_key(const char *path);
static const struct config *cache_get(struct config_cache *cc,
		    const char *path);
static int	cache_seed(struct config_cache *cc, const struct config *c);
static void	cache_free(struct config_cache *cc);
static int	same_group(const struct queue_envelope *a,
		    const struct queue_envelope *b);
static void	run_dir(const char *dir, struct config_cache *cc,
		    const struct qrun_params *p, time_t now);
static void	print_age(char *buf, size_t len, time_t secs);
static void	print_rcpt(const struct queue_envelope *env, size_t i);
static int	by_id(const struct config *c, const struct qrun_params *p,
		    const char *id,
		    int (*act)(struct queue *, const char *, struct failure *),
		    const char *done);

static int
same_group(const struct queue_envelope *a, const struct queue_envelope *b)
{
	if ((a->config == NULL) != (b->config == NULL))
		return 0;
	if (a->config != NULL && strcmp(a->config, b->config) != 0)
		return 0;
	return strcmp(a->account, b->account) == 0;
}

static int
dirlist_add(struct dirlist *l, const char *dir, struct failure *f)
{
	char	**v;
	size_t	  i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], dir) == 0)
			return 0;
	if ((v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	l->v = v;
	if ((l->v[l->n] = strdup(dir)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	l->n++;
	return 0;
}

static void
dirlist_free(struct dirlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Every account's queue (or the one -a names), each directory once. */
static int
queue_dirs(const struct config *c, const char *account, struct dirlist *l,
    struct failure *f)
{
	const struct account	*a;
	struct failure		 sub;
	char			 dir[PATH_MAX];
	size_t			 i;

	if (account != NULL) {
		if ((a = config_account(c, account, NULL, f)) == NULL ||
		    queue_dir_named(a->queue_dir, dir, sizeof(dir), f) == -1)
			return -1;
		return dirlist_add(l, dir, f);
	}
	for (i = 0; i < c->naccounts; i++) {
		failure_clear(&sub);
		if ((a = config_account(c, c->accounts[i]->name, NULL,
		    &sub)) == NULL) {
			log_info("%s", sub.text);
			continue;
		}
		if (queue_dir_named(a->queue_dir, dir, sizeof(dir), f) == -1 ||
		    dirlist_add(l, dir, f) == -1)
			return -1;
	}
	if (l->n == 0)
		return fail(f, FAIL_CONFIG, "%s: no usable account",
		    c->path != NULL ? c->path : "configuration");
	return 0;
}

/* Envelopes name their configuration by its real path. */
static char *
config_key(const char *path)
{
	char	*real;

	if (path == NULL)
		return NULL;
	if ((real = realpath(path, NULL)) != NULL)
		return real;
	return strdup(path);
}

static const struct config *
cache_get(struct config_cache *cc, const char *path)
{
	struct config	*c, **cv;
	struct failure	 f;
	char		*key, **pv;
	int		*ov;
	size_t		 i;

	if ((key = config_key(path)) == NULL)
		return NULL;
	for (i = 0; i < cc->n; i++)
		if (strcmp(cc->paths[i], key) == 0) {
			free(key);
			return cc->configs[i];
		}
	failure_clear(&f);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    config_load(c, key, &f) == -1) {
		log_warn("%s: the messages queued with it wait: %s", key,
		    f.text);
		if (c != NULL)
			config_free(c);
		free(c);
		free(key);
		return NULL;
	}
	pv = reallocarray(cc->paths, cc->n + 1, sizeof(*pv));
	if (pv != NULL)
		cc->paths = pv;
	cv = reallocarray(cc->configs, cc->n + 1, sizeof(*cv));
	if (cv != NULL)
		cc->configs = cv;
	ov = reallocarray(cc->owned, cc->n + 1, sizeof(*ov));
	if (ov != NULL)
		cc->owned = ov;
	if (pv == NULL || cv == NULL || ov == NULL) {
		config_free(c);
		free(c);
		free(key);
		return NULL;
	}
	cc->paths[cc->n] = key;
	cc->configs[cc->n] = c;
	cc->owned[cc->n] = 1;
	cc->n++;
	return c;
}

static int
cache_seed(struct config_cache *cc, const struct config *c)
{
	memset(cc, 0, sizeof(*cc));
	if ((cc->paths = calloc(1, sizeof(*cc->paths))) == NULL ||
	    (cc->configs = calloc(1, sizeof(*cc->configs))) == NULL ||
	    (cc->owned = calloc(1, sizeof(*cc->owned))) == NULL ||
	    (cc->paths[0] = config_key(c->path)) == NULL)
		return -1;
	cc->configs[0] = (struct config *)(uintptr_t)c;
	cc->n = 1;
	return 0;
}

static void
cache_free(struct config_cache *cc)
{
	size_t	i;

	for (i = 0; i < cc->n; i++) {
		free(cc->paths[i]);
		if (cc->owned[i]) {
			config_free(cc->configs[i]);
			free(cc->configs[i]);
		}
	}
	free(cc->paths);
	free(cc->configs);
	free(cc->owned);
	memset(cc, 0, sizeof(*cc));
}

static void
run_dir(const char *dir, struct config_cache *cc, const struct qrun_params *p,
    time_t now)
{
	struct queue		 q;
	struct queue_envelope	*envs = NULL;
	struct attempt_group	 g;
	const struct config	*config;
	struct failure		 f;
	char			*done;
	size_t			 i, j, n = 0;

	failure_clear(&f);
	if (queue_open(&q, dir, &f) == -1) {
		log_warn("%s", f.text);
		return;
	}
	queue_clean(&q, now);
	if (queue_list(&q, 0, &envs, &n, &f) == -1 ||
	    (done = calloc(n + 1, 1)) == NULL) {
		log_warn("%s: %s", dir, f.kind != FAIL_NONE ? f.text :
		    "out of memory");
		queue_envelopes_free(envs, n);
		queue_close(&q);
		return;
	}
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		memset(&g, 0, sizeof(g));
		g.q = &q;
		g.now = now;
		g.force = p->force;
		if ((p->account == NULL ||
		    strcmp(envs[i].account, p->account) == 0) &&
		    (config = cache_get(cc, envs[i].config)) != NULL &&
		    (g.account = config_account(config, envs[i].account,
		    NULL, &f)) == NULL)
			log_warn("%s: left in the queue: %s", envs[i].id,
			    f.text);
		if (g.account != NULL && config_certcheck_off(g.account)) {
			/* Refused as a submission is; no probe per run. */
			log_warn("%s: left in the queue: %s is refused (postie "
			    "-a %s --serverinfo prints the tls_fingerprint "
			    "line to use instead)", envs[i].id,
			    g.account->tls_certcheck_off, g.account->name);
			g.account = NULL;
		}
		for (j = i; j < n; j++) {
			if (done[j] || !same_group(&envs[i], &envs[j]))
				continue;
			done[j] = 1;
			if (g.account != NULL)
				attempt_due(&g, &envs[j]);
		}
		attempt_group_end(&g);
	}
	free(done);
	queue_envelopes_free(envs, n);
	queue_close(&q);
}

int
qrun_run(const struct config *c, const struct qrun_params *p)
{
	struct config_cache	cc;
	struct dirlist		dirs = { NULL, 0 };
	struct failure		f;
	size_t			i;
	time_t			now = time(NULL);

	failure_clear(&f);
	if (cache_seed(&cc, c) == -1) {
		cache_free(&cc);
		fail(&f, FAIL_OS, "out of memory");
		return exitcode_report(&f);
	}
	if (queue_dirs(c, p->account, &dirs, &f) == -1) {
		cache_free(&cc);
		return exitcode_report(&f);
	}
	for (i = 0; i < dirs.n; i++)
		run_dir(dirs.v[i], &cc, p, now);
	dirlist_free(&dirs);
	cache_free(&cc);
	return EX_OK;
}

static void
print_age(char *buf, size_t len, time_t secs)
{
	if (secs < 60)
		snprintf(buf, len, "%lds", (long)(secs < 0 ? 0 : secs));
	else if (secs < 3600)
		snprintf(buf, len, "%ldm", (long)(secs / 60));
	else if (secs < 86400)
		snprintf(buf, len, "%ldh", (long)(secs / 3600));
	else
		snprintf(buf, len, "%ldd", (long)(secs / 86400));
}

/* "to ADDR", and where it stands once it has a story. */
static void
print_rcpt(const struct queue_envelope *env, size_t i)
{
	const char	*reply = envelope_rcpt_reply(&env->env, i);

	switch (envelope_rcpt_state(&env->env, i)) {
	case RCPT_DELIVERED:
		printf("  to %s (delivered)\n", env->env.rcpts.v[i]);
		break;
	case RCPT_FAILED:
		printf("  to %s (failed: %s)\n", env->env.rcpts.v[i],
		    reply != NULL ? reply : "refused");
		break;
	case RCPT_PENDING:
		if (reply != NULL)
			printf("  to %s (deferred: %s)\n", env->env.rcpts.v[i],
			    reply);
		else
			printf("  to %s\n", env->env.rcpts.v[i]);
		break;
	}
}

void
qrun_print_entry(const char *id, const struct queue_envelope *env,
    time_t now)
{
	char	size[16], age[16], next[24];
	size_t	i;

	if (humanize_number(size, 6, (int64_t)env->env.size, "", HN_AUTOSCALE,
	    HN_B | HN_NOSPACE | HN_DECIMAL) == -1)
		snprintf(size, sizeof(size), "%lld", (long long)env->env.size);
	print_age(age, sizeof(age), now - env->created);
	if (env->failed)
		strlcpy(next, "failed", sizeof(next));
	else if (env->next_attempt <= now)
		strlcpy(next, "now", sizeof(next));
	else {
		strlcpy(next, "in ", sizeof(next));
		print_age(next + 3, sizeof(next) - 3, env->next_attempt - now);
	}
	printf("%s  %s  age %s  attempts %u  next %s  from %s\n", id,
	    size, age, env->attempts, next, env->env.from == NULL ?
	    "(the account's)" : env->env.from[0] != '\0' ? env->env.from : "<>");
	if (env->user != NULL)
		printf("  user %s\n", env->user);
	for (i = 0; i < env->env.rcpts.n; i++)
		print_rcpt(env, i);
	if (env->last_error != NULL)
		printf("  error %s\n", env->last_error);
	printf("\n");
}

int
qrun_list(const struct config *c, const struct qrun_params *p)
{
	struct dirlist		 dirs = { NULL, 0 };
	struct queue		 q;
	struct queue_envelope	*envs;
	struct failure		 f;
	size_t			 i, j, n, counts[2] = { 0, 0 };
	time_t			 now = time(NULL);
	int			 failed;

	failure_clear(&f);
	if (queue_dirs(c, p->account, &dirs, &f) == -1)
		return exitcode_report(&f);
	for (i = 0; i < dirs.n; i++) {
		if (queue_open(&q, dirs.v[i], &f) == -1) {
			dirlist_free(&dirs);
			return exitcode_report(&f);
		}
		for (failed = 0; failed <= 1; failed++) {
			envs = NULL;
			n = 0;
			if (queue_list(&q, failed, &envs, &n, &f) == -1) {
				queue_close(&q);
				dirlist_free(&dirs);
				return exitcode_report(&f);
			}
			for (j = 0; j < n; j++)
				qrun_print_entry(envs[j].id, &envs[j], now);
			counts[failed] += n;
			queue_envelopes_free(envs, n);
		}
		queue_close(&q);
	}
	dirlist_free(&dirs);
	if (counts[0] + counts[1] == 0)
		printf("Mail queue is empty\n");
	else
		printf("%zu queued, %zu failed\n", counts[0], counts[1]);
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}

static int
by_id(const struct config *c, const struct qrun_params *p, const char *id,
    int (*act)(struct queue *, const char *, struct failure *),
    const char *done)
{
	struct dirlist	dirs = { NULL, 0 };
	struct queue	q;
	struct failure	f;
	size_t		i;
	int		r;

	failure_clear(&f);
	if (queue_dirs(c, p->account, &dirs, &f) == -1)
		return exitcode_report(&f);
	for (i = 0; i < dirs.n; i++) {
		failure_clear(&f);
		if (queue_open(&q, dirs.v[i], &f) == -1)
			break;
		r = act(&q, id, &f);
		queue_close(&q);
		if (r == 0) {
			printf("%s: %s\n", id, done);
			dirlist_free(&dirs);
			return EX_OK;
		}
		if (f.kind != FAIL_USAGE)
			break;
	}
	dirlist_free(&dirs);
	if (f.kind == FAIL_USAGE || f.kind == FAIL_NONE) {
		failure_clear(&f);
		fail(&f, FAIL_USAGE, "no message %s in the queue", id);
	}
	return exitcode_report(&f);
}

int
qrun_remove(const struct config *c, const struct qrun_params *p,
    const char *id)
{
	return by_id(c, p, id, queue_remove, "removed");
}

int
qrun_retry(const struct config *c, const struct qrun_params *p,
    const char *id)
{
	return by_id(c, p, id, queue_retry, "due now");
}
