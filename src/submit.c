/*
 * submit: one message from its input to accepted (see submit.h).
 *
 * The order is the promise: the message is written to the queue, and
 * the queue entry committed (renamed into queue/), before any byte goes
 * to the network. The promise itself is the exit status, so the fsyncs
 * wait for it (queue_lazy()): a message the server took leaves the
 * queue without any; one still queued gets them before we say 0 (see
 * pay_owed()). Only "queue off" skips the queue, as msmtp does: the
 * message then passes through an unlinked file in TMPDIR and a
 * temporary failure is the caller's to retry (exit 75).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aliases.h"
#include "attempt.h"
#include "buf.h"
#include "deliver.h"
#include "localname.h"
#include "log.h"
#include "message.h"
#include "queue.h"
#include "serverinfo.h"
#include "submit.h"

struct submission {
	const struct config		*config;
	const struct submit_request	*req;
	const struct account		*account;
	struct message_info		 info;
	struct addrlist			 rcpts;
	char				*from;
	char				 host[256];
};

static int	choose_account(struct submission *s, struct failure *f);
static int	envelope_from(struct submission *s, struct failure *f);
static int	qualify_from(struct submission *s, struct failure *f);
static void	message_opts_fill(const struct submission *s,
		    struct message_opts *o);
static void	say_header_changes(const struct message_info *info);
static int	collect_rcpts(struct submission *s, struct failure *f);
static int	qualify_rcpts(struct submission *s, struct failure *f);
static int	spool_open(struct failure *f);
static enum submit_outcome submit_direct(struct submission *s,
		    struct failure *f);
static int	partly_refused(const struct addrlist *rcpts,
		    const struct smtp_rcpt_result *res, struct failure *f);
static int	transport_fill(const struct submission *s,
		    struct envelope *e, struct failure *f);
static int	envelope_fill(const struct submission *s,
		    struct queue_envelope *env, struct failure *f);
static enum submit_outcome submit_queued(struct submission *s, int quiet,
		    struct failure *f);
static void	queue_full(const struct queue *q, struct failure *f);
static enum submit_outcome pay_owed(struct queue *q,
		    enum submit_outcome out, struct failure *f);
static enum submit_outcome submit_now(struct submission *s,
		    struct queue *q, struct queue_entry *e, const char *config,
		    int quiet, struct failure *f);

enum submit_outcome
submit_message(const struct config *c, const struct submit_request *r,
    int quiet, struct failure *f)
{
	struct submission	s;
	struct message_info	init = MESSAGE_INFO_INIT;
	enum submit_outcome	out = SUBMIT_FAILED;

	memset(&s, 0, sizeof(s));
	s.config = c;
	s.req = r;
	s.info = init;
	if (localname_host(s.host, sizeof(s.host)) == -1)
		strlcpy(s.host, "localhost", sizeof(s.host));
	if (choose_account(&s, f) == 0 && envelope_from(&s, f) == 0) {
		if (s.account->queue == QUEUE_OFF && !r->queue_only)
			out = submit_direct(&s, f);
		else
			out = submit_queued(&s, quiet, f);
	}
	message_info_free(&s.info);
	addrlist_free(&s.rcpts);
	free(s.from);
	return out;
}

/*
 * An account with tls_certcheck off is refused here, before the message
 * is read: the caller still has it, and the refusal says what to pin.
 */
static int
choose_account(struct submission *s, struct failure *f)
{
	s->account = config_account(s->config, s->req->account, s->req->env->from,
	    f);
	if (s->account == NULL)
		return -1;
	if (config_certcheck_off(s->account))
		return serverinfo_certcheck_refusal(s->account, f);
	return 0;
}

/*
 * -f, unless the account pins its sender (allow_from_override off);
 * else the account's from; else the user at the account's domain.
 */
static int
envelope_from(struct submission *s, struct failure *f)
{
	const struct account	*a = s->account;
	char			 user[LOCALNAME_MAX + 1];
	const char		*domain;
	size_t			 len;

	if (s->req->env->from != NULL && (a->allow_from_override ||
	    a->from == NULL || a->from_is_pattern))
		s->from = strdup(s->req->env->from);
	else if (a->from != NULL && !a->from_is_pattern) {
		if (s->req->env->from != NULL)
			log_info("account %s: allow_from_override is off: "
			    "sender %s instead of -f %s", a->name, a->from,
			    s->req->env->from);
		s->from = strdup(a->from);
	} else {
		/* As %U: the password database before $USER. */
		if (localname_user(user, sizeof(user)) == -1)
			strlcpy(user, "root", sizeof(user));
		domain = a->domain != NULL ? a->domain : s->host;
		len = strlen(user) + strlen(domain) + 2;
		if ((s->from = malloc(len)) != NULL)
			snprintf(s->from, len, "%s@%s", user, domain);
	}
	if (s->from == NULL)
		return fail(f, FAIL_OS, "out of memory");
	return qualify_from(s, f);
}

/* cronie's "-f root": a server would refuse or guess; rewrite_domain says. */
static int
qualify_from(struct submission *s, struct failure *f)
{
	const char	*domain = s->account->rewrite_domain;
	char		*q;
	size_t		 len;

	if (domain == NULL || s->from[0] == '\0' ||
	    strchr(s->from, '@') != NULL)
		return 0;
	len = strlen(s->from) + strlen(domain) + 2;
	if ((q = malloc(len)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	snprintf(q, len, "%s@%s", s->from, domain);
	free(s->from);
	s->from = q;
	return 0;
}

static void
message_opts_fill(const struct submission *s, struct message_opts *o)
{
	const struct account	*a = s->account;

	memset(o, 0, sizeof(*o));
	o->ignore_dots = s->req->ignore_dots;
	o->extract_rcpts = s->req->extract_rcpts;
	o->keep_bcc = !a->remove_bcc_headers;
	o->add_date = a->set_date_header != HEADER_OFF;
	if (a->set_msgid_header != HEADER_OFF)
		o->msgid_domain = a->domain != NULL ? a->domain : s->host;
	if (a->set_from_header != HEADER_OFF && s->from[0] != '\0') {
		o->from_addr = s->from;
		o->from_name = s->req->full_name != NULL ?
		    s->req->full_name : a->from_full_name;
		o->replace_from = a->set_from_header == HEADER_ON;
	}
	o->undisclosed = a->undisclosed_recipients;
	o->rewrite_domain = a->rewrite_domain;
	o->trace = s->req->trace;
	o->read_max = s->req->read_max;
}

/* With -v: what postie wrote into the header block, so nobody wonders. */
static void
say_header_changes(const struct message_info *info)
{
	if (info->added & MESSAGE_ADDED_DATE)
		log_info("added a Date: header");
	if (info->added & MESSAGE_ADDED_MSGID)
		log_info("added a Message-ID: header");
	if (info->added & MESSAGE_ADDED_FROM)
		log_info("wrote the From: header from the account");
	if (info->added & MESSAGE_ADDED_TO)
		log_info("wrote To: undisclosed-recipients:;");
	if (info->rewritten > 0)
		log_info("qualified %d address%s in From/To/Cc with "
		    "rewrite_domain", info->rewritten,
		    info->rewritten == 1 ? "" : "es");
}

/* -t adds the header recipients to those of the command line. */
static int
collect_rcpts(struct submission *s, struct failure *f)
{
	const struct addrlist	*lists[2];
	size_t			 i, j;

	say_header_changes(&s->info);
	lists[0] = &s->req->env->rcpts;
	lists[1] = &s->info.rcpts;
	for (i = 0; i < POSTIE_NELEM(lists); i++)
		for (j = 0; lists[i] != NULL && j < lists[i]->n; j++)
			if (!addrlist_has(&s->rcpts, lists[i]->v[j]) &&
			    addrlist_add(&s->rcpts, lists[i]->v[j], f) == -1)
				return -1;
	if (qualify_rcpts(s, f) == -1)
		return -1;
	if (s->rcpts.n == 0)
		return fail(f, FAIL_DATA, "no recipients: name them as "
		    "arguments, or use -t to read them from the headers");
	return 0;
}

/*
 * cron mails "root": the aliases file says who that is; a local name it
 * does not know gets rewrite_domain, as the headers do.
 */
static int
qualify_rcpts(struct submission *s, struct failure *f)
{
	struct aliases	*al;
	struct addrlist	 out = ADDRLIST_INIT;
	char		*q;
	size_t		 i, len;
	int		 rc = 0;

	if (s->account->aliases != NULL) {
		if (aliases_load(&al, s->account->aliases, f) == -1)
			return -1;
		rc = aliases_apply(al, &s->rcpts, f);
		aliases_free(al);
		if (rc == -1)
			return -1;
	}
	if (s->account->rewrite_domain == NULL)
		return 0;
	for (i = 0; rc == 0 && i < s->rcpts.n; i++) {
		if (strchr(s->rcpts.v[i], '@') != NULL) {
			if (!addrlist_has(&out, s->rcpts.v[i]))
				rc = addrlist_add(&out, s->rcpts.v[i], f);
			continue;
		}
		len = strlen(s->rcpts.v[i]) +
		    strlen(s->account->rewrite_domain) + 2;
		if ((q = malloc(len)) == NULL)
			return fail(f, FAIL_OS, "out of memory");
		snprintf(q, len, "%s@%s", s->rcpts.v[i],
		    s->account->rewrite_domain);
		if (!addrlist_has(&out, q))
			rc = addrlist_add(&out, q, f);
		free(q);
	}
	addrlist_free(&s->rcpts);
	s->rcpts = out;
	return rc;
}

/*
 * queue off: an unlinked file in TMPDIR holds the normalised message, so
 * that a message of any size passes in constant memory and can be read
 * twice (with -t the recipients are known only at its end).
 */
static int
spool_open(struct failure *f)
{
	const char	*dir;
	char		 path[4096];
	int		 fd;

	if ((dir = getenv("TMPDIR")) == NULL || dir[0] == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/postie.XXXXXX", dir) >=
	    sizeof(path))
		return fail(f, FAIL_CANTCREAT, "TMPDIR is too long");
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1)
		return fail(f, FAIL_CANTCREAT, "cannot create a spool file "
		    "in %s: %s", dir, strerror(errno));
	unlink(path);
	return fd;
}

static enum submit_outcome
submit_direct(struct submission *s, struct failure *f)
{
	struct message_opts	opts;
	struct envelope		env = ENVELOPE_INIT;
	struct deliver_job	job;
	int			fd, rc = -1;

	if ((fd = spool_open(f)) == -1)
		return SUBMIT_FAILED;
	message_opts_fill(s, &opts);
	if (message_read(s->req->in_fd, fd, &opts, &s->info, f) == 0 &&
	    collect_rcpts(s, f) == 0 && transport_fill(s, &env, f) == 0) {
		env.size = s->info.size;
		memset(&job, 0, sizeof(job));
		job.env = &env;
		job.fd = fd;
		job.results = calloc(s->rcpts.n, sizeof(*job.results));
		if (job.results == NULL)
			fail(f, FAIL_OS, "out of memory");
		else if ((rc = deliver_one(s->account, &job, f)) == 0)
			rc = partly_refused(&s->rcpts, job.results, f);
		attempt_log(s->account, NULL, s->from, &s->rcpts,
		    s->info.size, rc == 0 ? NULL : f);
		free(job.results);
	}
	envelope_free(&env);
	close(fd);
	return rc == 0 ? SUBMIT_DELIVERED : SUBMIT_FAILED;
}

/*
 * queue off: nothing is kept, so a recipient the server refused while
 * it took the others is the caller's to send again: a failure naming
 * each one (67 when one was refused for good, else 75), as msmtp has it.
 */
static int
partly_refused(const struct addrlist *rcpts,
    const struct smtp_rcpt_result *res, struct failure *f)
{
	struct buf	b = BUF_INIT;
	size_t		i, refused = 0;
	int		permanent = 0;

	for (i = 0; i < rcpts->n; i++) {
		if (res[i].code / 100 == 2)
			continue;
		refused++;
		permanent |= res[i].code / 100 == 5;
		if (buf_appendf(&b, "%s<%s> (%s)", b.len > 0 ? ", " : "",
		    rcpts->v[i], res[i].reply) == -1)
			break;
	}
	if (refused > 0)
		fail(f, permanent ? FAIL_NOUSER : FAIL_TEMPFAIL, "the server "
		    "took the message for %zu of %zu recipients; refused: %s",
		    rcpts->n - refused, rcpts->n, b.data != NULL ? b.data : "");
	buf_free(&b, 0);
	return refused > 0 ? -1 : 0;
}

static int
envelope_fill(const struct submission *s, struct queue_envelope *env,
    struct failure *f)
{
	const struct submit_request	*r = s->req;
	const struct account		*a = s->account;

	memset(env, 0, sizeof(*env));
	/* A queue run reads the same file, wherever it was found. */
	if (s->config->path != NULL &&
	    (env->config = realpath(s->config->path, NULL)) == NULL &&
	    (env->config = strdup(s->config->path)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	if ((r->user != NULL && (env->user = strdup(r->user)) == NULL) ||
	    (r->drop != NULL && (env->drop = strdup(r->drop)) == NULL))
		return fail(f, FAIL_OS, "out of memory");
	if ((env->account = strdup(a->name)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	return transport_fill(s, &env->env, f);
}

/*
 * The envelope the server sees: the sender, the recipients, and the DSN
 * parameters from the command line, else the account's.
 */
static int
transport_fill(const struct submission *s, struct envelope *e,
    struct failure *f)
{
	const struct submit_request	*r = s->req;
	const struct account		*a = s->account;
	const char			*notify, *ret;
	size_t				 i;

	notify = r->env->dsn_notify != NULL ? r->env->dsn_notify : a->dsn_notify;
	ret = r->env->dsn_ret != NULL ? r->env->dsn_ret : a->dsn_return;
	if ((e->from = strdup(s->from)) == NULL ||
	    (notify != NULL && (e->dsn_notify = strdup(notify)) == NULL) ||
	    (ret != NULL && (e->dsn_ret = strdup(ret)) == NULL) ||
	    (r->env->dsn_envid != NULL &&
	    (e->dsn_envid = strdup(r->env->dsn_envid)) == NULL))
		return fail(f, FAIL_OS, "out of memory");
	for (i = 0; i < s->rcpts.n; i++)
		if (addrlist_add(&e->rcpts, s->rcpts.v[i], f) == -1)
			return -1;
	e->eight_bit = s->info.eight_bit || r->env->eight_bit;
	return 0;
}

static enum submit_outcome
submit_queued(struct submission *s, int quiet, struct failure *f)
{
	struct queue		 q;
	struct queue_entry	*e = NULL;
	struct queue_envelope	 env;
	struct message_opts	 opts;
	char			 dir[4096];
	enum submit_outcome	 out = SUBMIT_FAILED;

	memset(&env, 0, sizeof(env));
	if (queue_dir_named(s->account->queue_dir, dir, sizeof(dir), f) == -1 ||
	    queue_open(&q, dir, f) == -1)
		return SUBMIT_FAILED;
	queue_lazy(&q);
	message_opts_fill(s, &opts);
	if (queue_create(&q, &e, f) == -1)
		goto done;
	if (message_read(s->req->in_fd, queue_entry_fd(e), &opts, &s->info,
	    f) == -1) {
		if (f->kind == FAIL_TEMPFAIL)
			queue_full(&q, f);
		queue_abort(&q, e);
		goto done;
	}
	if (collect_rcpts(s, f) == -1 ||
	    envelope_fill(s, &env, f) == -1 ||
	    queue_commit(&q, e, &env, f) == -1) {
		queue_abort(&q, e);
		goto done;
	}
	/*
	 * Listed, and a crash of this process leaves it in the queue; safe
	 * from a power loss only at pay_owed(), the acceptance point.
	 */
	if (s->account->queue == QUEUE_ALWAYS || s->req->queue_only) {
		log_info("queued %s for account %s", queue_entry_id(e),
		    s->account->name);
		queue_release(e);
		out = pay_owed(&q, SUBMIT_QUEUED, f);
	} else
		out = submit_now(s, &q, e, env.config, quiet, f);
done:
	queue_envelope_free(&env);
	queue_close(&q);
	return out;
}

/* Say where: "cannot write the message" alone sends people to the server. */
static void
queue_full(const struct queue *q, struct failure *f)
{
	char	text[FAILURE_TEXT_MAX];

	strlcpy(text, f->text, sizeof(text));
	snprintf(f->text, sizeof(f->text), "the queue %.200s is full: %.500s",
	    q->dir, text);
}

/*
 * The acceptance point: from here exit 0 (or -bs's 250) is a promise.
 * A message the server took for every recipient left the queue and is
 * owed nothing. One still queued (deferred, some recipients pending, or
 * only queued), a message kept in failed/, and a notification to the
 * sender are made durable now: message, envelope and directory fsynced.
 * If that fails, a message that was to stay queued is not accepted.
 */
static enum submit_outcome
pay_owed(struct queue *q, enum submit_outcome out, struct failure *f)
{
	struct failure	sf;

	failure_clear(&sf);
	if (queue_sync(q, &sf) == 0)
		return out;
	if (out != SUBMIT_QUEUED) {
		log_warn("%s", sf.text);
		return out;
	}
	*f = sf;
	return SUBMIT_FAILED;
}

/* The first attempt, and the account's backlog after a success. */
static enum submit_outcome
submit_now(struct submission *s, struct queue *q, struct queue_entry *e,
    const char *config, int quiet, struct failure *f)
{
	struct attempt_group	 g;
	struct attempt		 t;
	char			 id[QUEUE_ID_MAX], hint[80];
	char			 line[FAILURE_LINE_MAX];
	time_t			 next = 0;
	long			 minutes;
	int			 rc;

	strlcpy(id, queue_entry_id(e), sizeof(id));
	memset(&g, 0, sizeof(g));
	g.q = q;
	g.account = s->account;
	memset(&t, 0, sizeof(t));
	t.q = q;
	t.account = s->account;
	t.d = &g.d;
	t.submission = 1;
	rc = attempt_run(&t, e, f);
	next = t.next;
	if (rc == 0)
		attempt_flush(&g, config);
	attempt_group_end(&g);
	/* The backlog flushed on q too: pay_owed syncs what it left. */
	if (rc == 0)
		return pay_owed(q, SUBMIT_DELIVERED, f);
	if (!fail_is_temporary(f->kind)) {
		/* Nobody resends it: say where it is. */
		snprintf(hint, sizeof(hint), " (kept as %s in the queue's "
		    "failed/)", id);
		strlcat(f->text, hint, sizeof(f->text));
		return pay_owed(q, SUBMIT_FAILED, f);
	}
	/* A failure of our disk, not the server's: it has no context. */
	if (pay_owed(q, SUBMIT_QUEUED, f) == SUBMIT_FAILED)
		return SUBMIT_FAILED;
	minutes = (long)((next - time(NULL) + 59) / 60);
	if (!quiet)
		fprintf(stderr, "postie: queued %s: %s; next attempt in %ld "
		    "min\n", id, failure_line(f, line, sizeof(line)),
		    minutes > 0 ? minutes : 1);
	return SUBMIT_QUEUED;
}
