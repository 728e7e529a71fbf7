/*
 * queue: the durable spool (see queue.h).
 *
 * On disk, under the queue directory DIR (mode 0700, ours):
 *
 *   DIR/tmp/ID.msg	a message being written, flocked by its writer
 *   DIR/tmp/ID.env	an envelope being written, renamed away at once
 *   DIR/queue/ID.msg	an accepted message, exactly as it will be sent
 *   DIR/queue/ID.env	its envelope
 *   DIR/failed/ID.msg	a message that failed for good,
 *   DIR/failed/ID.env	and its envelope with the last error
 *   DIR/damaged/ID.*	what a power loss left incomplete (below)
 *
 * ID is 16 hex digits of microseconds since the epoch and 8 random hex
 * digits: ids sort by age, never collide, and are only [0-9a-f], so an
 * id from the command line is checked to be [0-9A-Za-z] and can never
 * name a path outside DIR.
 *
 * A message is listed, and so accepted, when both of its files are in
 * the same directory; an envelope is only ever renamed in beside a
 * message that is already there. Each change keeps that at every step:
 *
 *   commit:      tmp/ID.msg renamed into queue/, then tmp/ID.env
 *   done, remove: ID.env unlinked, then ID.msg
 *   defer:       a new envelope written in tmp/, renamed over ID.env
 *   fail, retry: a new envelope written in tmp/; ID.msg renamed into the
 *                other directory, the new envelope renamed beside it,
 *                the old envelope unlinked
 *
 * So a message being moved is briefly listed nowhere, never twice. A
 * crash between the two renames of a move leaves a lone ID.msg in one
 * directory and a lone ID.env in the other: queue_clean() puts them
 * together again. A lone ID.msg with no envelope anywhere was never
 * accepted (its commit did not finish) and goes after an hour.
 *
 * Durability is owed, not paid at once: a submission's commit and the
 * changes after it skip every fsync (queue_lazy()), because the caller
 * is promised nothing before exit 0, and a message the server takes at
 * once leaves the queue without ever needing one. What is still queued
 * at exit gets them then, in queue_sync(): message, envelope, then the
 * directories. A power loss before that may leave an entry incomplete
 * (an envelope without its message, a message shorter than its "size",
 * an envelope cut short, which version 2's last line "end" shows): such
 * an entry never reached exit 0 and must never be sent half, so
 * queue_clean() and queue_take() move it to damaged/, where mailq lists
 * it and --queue-remove deletes it. Queue runs keep the eager fsyncs,
 * but for the removals of delivered messages: their directories are
 * synced once, by queue_close() (a power loss before it can only bring
 * a delivered message back, to be sent twice).
 *
 * The envelope is text, one "key value" line each, in this order; the
 * value is escaped with strvis(3) (VIS_CSTYLE | VIS_NL | VIS_TAB |
 * VIS_OCTAL), so no byte of it can break a line; a NULL string is left
 * out:
 *
 *   version 2		always the first line (1: written before "end")
 *   config PATH	-C file given at submission
 *   account NAME
 *   user NAME		the local user who submitted it through the maildrop
 *   name TEXT		-F of a maildrop request (see maildrop.h)
 *   from ADDR		empty for the null sender
 *   rcpt ADDR		once per recipient, at least once; each may be
 *   rcpt_state S	followed by its state (delivered, failed; none:
 *   rcpt_reply TEXT	pending) and the last reply about it
 *   notify, ret, envid	the DSN parameters
 *   eight_bit 0|1
 *   extract 1		-t of a maildrop request; left out when not given
 *   size N		bytes in ID.msg
 *   created T		seconds since the epoch
 *   attempts N
 *   next T		0: due now
 *   error TEXT		the last failure
 *   failed 1		only in a status copy (below), for failed/
 *   end		always the last line (version 2)
 *
 * In the system spool, DIR/status/DROP (0644) is a copy of the envelope
 * of a message that came from maildrop file DROP ("drop DROP"), written
 * after each change and removed with the message: the submitting user's
 * mailq reads it (DROP is a secret only that user knows; status/ is
 * 0711). It is informational: never fsynced, never read by the queue.
 *
 * Another version, an unknown key, a key twice (but rcpt), a bad number,
 * a last line without its newline, or in version 2 anything but "end"
 * last, makes the envelope unreadable (FAIL_DATA): it was not written
 * by us, or not completely. Version 1 is still read, without "end".
 *
 * Locks: flock(LOCK_EX) on an open file description of the message
 * file, taken when it is created in tmp/ and carried by the inode
 * through each rename. Only the holder changes a message's files.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "buf.h"
#include "build.h"
#include "fileio.h"
#include "queue.h"
#include "sysuser.h"

#define ENV_VERSION	"2"
#define ENV_END		"end"
#define ENV_MAX		(16 * 1024 * 1024)	/* bytes in an envelope */
#define ENV_VIS		(VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_OCTAL)
#define ERROR_VIS	(VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_NOSLASH)
#define REL_MAX		64		/* "failed/" ID ".msg" */
#define STALE_AGE	3600		/* seconds before a leftover goes */
#define LOCK_WAIT_MS	10000		/* remove, retry: wait for a run */
#define LOCK_POLL_MS	100
#define BACKOFF_FIRST	60
#define BACKOFF_CAP	3600
#define CREATE_TRIES	5

enum where {
	W_TMP,
	W_QUEUE,
	W_FAILED,
	W_DAMAGED,
};

static const char *const subdirs[] = { "tmp", "queue", "failed", "damaged" };

/* What lock_msg() found. */
enum lock_result {
	L_ERR = -1,
	L_GONE = 0,		/* no such file, or moved while we waited */
	L_OK = 1,
	L_BUSY = 2,		/* another process holds it */
};

/* Whom queue_clean() tells of what it moved to damaged/. */
struct clean_report {
	queue_damaged_fn	*fn;
	void			*arg;
};

struct queue_entry {
	char			 id[QUEUE_ID_MAX];
	int			 fd;
	enum where		 where;		/* of the message file */
	int			 has_env;	/* committed or taken */
	int			 owed;		/* lazily committed */
	struct queue		*q;		/* for queue_release() */
	struct queue_entry	*next;		/* in q->owed */
	struct queue_envelope	 env;
};

enum env_kind {
	K_STR,
	K_RCPT,
	K_RSTATE,	/* rcpt_state, rcpt_reply: of the "rcpt" above */
	K_RREPLY,
	K_BOOL,
	K_FLAG,		/* a K_BOOL written only when set */
	K_UINT,
	K_OFF,
	K_TIME,
};

/* The envelope's keys, in the order they are written. */
static const struct env_key {
	const char	*name;
	enum env_kind	 kind;
	size_t		 off;
} env_keys[] = {
	{ "config",	K_STR,	offsetof(struct queue_envelope, config) },
	{ "account",	K_STR,	offsetof(struct queue_envelope, account) },
	{ "user",	K_STR,	offsetof(struct queue_envelope, user) },
	{ "name",	K_STR,	offsetof(struct queue_envelope, full_name) },
	{ "drop",	K_STR,	offsetof(struct queue_envelope, drop) },
	{ "from",	K_STR,	offsetof(struct queue_envelope, env.from) },
	{ "rcpt",	K_RCPT,	offsetof(struct queue_envelope, env.rcpts) },
	{ "rcpt_state",	K_RSTATE, 0 },
	{ "rcpt_reply",	K_RREPLY, 0 },
	{ "notify",	K_STR,	offsetof(struct queue_envelope, env.dsn_notify) },
	{ "ret",	K_STR,	offsetof(struct queue_envelope, env.dsn_ret) },
	{ "envid",	K_STR,	offsetof(struct queue_envelope, env.dsn_envid) },
	{ "eight_bit",	K_BOOL,	offsetof(struct queue_envelope, env.eight_bit) },
	{ "extract",	K_FLAG,	offsetof(struct queue_envelope, extract_rcpts) },
	{ "size",	K_OFF,	offsetof(struct queue_envelope, env.size) },
	{ "created",	K_TIME,	offsetof(struct queue_envelope, created) },
	{ "attempts",	K_UINT,	offsetof(struct queue_envelope, attempts) },
	{ "next",	K_TIME,	offsetof(struct queue_envelope, next_attempt) },
	{ "error",	K_STR,	offsetof(struct queue_envelope, last_error) },
	{ "failed",	K_FLAG,	offsetof(struct queue_envelope, failed) },
};

static void	rel_path(char *buf, enum where w, const char *id,
		    const char *ext);
static int	valid_id(const char *id);
static int	name_id(const char *name, const char *ext,
		    char id[QUEUE_ID_MAX]);
static void	new_id(char id[QUEUE_ID_MAX]);
static int	is_full(int err);
static int	io_fail(struct queue *q, struct failure *f, const char *rel,
		    int err);
static int	has_file(struct queue *q, enum where w, const char *id,
		    const char *ext);
static int	unlink_file(struct queue *q, enum where w, const char *id,
		    const char *ext);
static int	move_file(struct queue *q, const char *id, const char *ext,
		    enum where from, enum where to, struct failure *f);
static int	sync_dir(struct queue *q, enum where w, struct failure *f);
static time_t	file_age(int fd, time_t now);
static int	make_dirs(const char *dir, struct failure *f);
static int	check_dir(int dirfd, const char *sub, const char *dir,
		    struct failure *f);
static int	put_str(struct buf *b, const char *key, const char *s);
static int	env_format(const struct queue_envelope *env, struct buf *b);
static char	*unvis_strict(const char *v);
static int	env_set(struct queue_envelope *env, const struct env_key *k,
		    const char *v);
static int	env_line(struct queue_envelope *env, char *line,
		    uint32_t *seen);
static int	env_parse(char *text, size_t len,
		    struct queue_envelope *env, const char *name,
		    int request, int *sized, struct failure *f);
static int	key_seen(uint32_t seen, const char *name);
static int	env_read(struct queue *q, enum where w, const char *id,
		    struct queue_envelope *env, struct failure *f);
static int	env_load(struct queue *q, enum where w, const char *id,
		    struct queue_envelope *env, int *sized, struct failure *f);
static int	env_write_tmp(struct queue *q, const char *id,
		    const struct queue_envelope *env, int sync,
		    struct failure *f);
static int	env_copy(struct queue_envelope *dst,
		    const struct queue_envelope *src, struct failure *f);
static int	set_error(struct queue_envelope *env, const char *error,
		    struct failure *f);
static int	relocate(struct queue *q, const char *id,
		    const struct queue_envelope *env, enum where from,
		    enum where to, int sync, struct failure *f);
static enum lock_result lock_msg(struct queue *q, enum where w,
		    const char *id, int wait_ms, int *fdp, struct failure *f);
static int	find_locked(struct queue *q, const char *id, int *fdp,
		    enum where *wp, struct failure *f);
static void	commit_undo(struct queue *q, struct queue_entry *e);
static int	sync_entry(struct queue *q, const struct queue_entry *e,
		    struct failure *f);
static int	read_whole(struct queue *q, enum where w, const char *id,
		    int fd, struct queue_envelope *env, char *why, size_t len,
		    struct failure *f);
static void	quarantine(struct queue *q, enum where w, const char *id,
		    struct queue_envelope *env, const char *why, char *text,
		    size_t len);
static int	env_cmp(const void *a, const void *b);
static void	settle_msg(struct queue *q, const char *id, enum where w,
		    int fd, time_t now);
static void	settle(struct queue *q, const char *id, time_t now,
		    struct clean_report *cr);
static void	report_damage(struct queue *q, enum where w, const char *id,
		    struct queue_envelope *env, const char *why,
		    struct clean_report *cr);
static void	check_pair(struct queue *q, enum where w, const char *id,
		    struct clean_report *cr);
static void	clean_tmp(struct queue *q, time_t now);
static void	damage_of(struct queue *q, const char *id, char *why,
		    size_t len);
static int	damage_cmp(const void *a, const void *b);
static int	remove_damaged(struct queue *q, const char *id,
		    struct failure *f);
static void	clean_dir(struct queue *q, enum where w, time_t now,
		    struct clean_report *cr);

/* Ids are checked or made by us, so a path always fits. */
static void
rel_path(char *buf, enum where w, const char *id, const char *ext)
{
	snprintf(buf, REL_MAX, "%s/%s.%s", subdirs[w], id, ext);
}

static int
valid_id(const char *id)
{
	size_t	i;
	char	c;

	for (i = 0; (c = id[i]) != '\0'; i++)
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z')))
			return 0;
	return i > 0 && i < QUEUE_ID_MAX;
}

/* 1 when name is "ID.ext" with a valid id, copied to id. */
static int
name_id(const char *name, const char *ext, char id[QUEUE_ID_MAX])
{
	const char	*dot;
	size_t		 len;

	if ((dot = strrchr(name, '.')) == NULL || strcmp(dot + 1, ext) != 0)
		return 0;
	if ((len = (size_t)(dot - name)) == 0 || len >= QUEUE_ID_MAX)
		return 0;
	memcpy(id, name, len);
	id[len] = '\0';
	return valid_id(id);
}

static void
new_id(char id[QUEUE_ID_MAX])
{
	struct timespec		ts;
	unsigned long long	us;

	clock_gettime(CLOCK_REALTIME, &ts);
	us = (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000;
	snprintf(id, QUEUE_ID_MAX, "%016llx%08" PRIx32, us, arc4random());
}

/*
 * A full disk, a quota or a file size limit is a reason to try later
 * (exit 75), not a broken system.
 */
static int
is_full(int err)
{
	return err == ENOSPC || err == EFBIG
#ifdef EDQUOT
	    || err == EDQUOT
#endif
	    ;
}

static int
io_fail(struct queue *q, struct failure *f, const char *rel, int err)
{
	if (is_full(err))
		return fail(f, FAIL_TEMPFAIL, "the queue %s is full: %s",
		    q->dir, strerror(err));
	return fail(f, FAIL_IO, "%s/%s: %s", q->dir, rel, strerror(err));
}

static int
has_file(struct queue *q, enum where w, const char *id, const char *ext)
{
	struct stat	st;
	char		rel[REL_MAX];

	rel_path(rel, w, id, ext);
	return fstatat(q->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* 0 also when there was nothing to remove. */
static int
unlink_file(struct queue *q, enum where w, const char *id, const char *ext)
{
	char	rel[REL_MAX];

	rel_path(rel, w, id, ext);
	if (unlinkat(q->dirfd, rel, 0) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

static int
move_file(struct queue *q, const char *id, const char *ext,
    enum where from, enum where to, struct failure *f)
{
	char	src[REL_MAX], dst[REL_MAX];

	rel_path(src, from, id, ext);
	rel_path(dst, to, id, ext);
	if (renameat(q->dirfd, src, q->dirfd, dst) == -1)
		return io_fail(q, f, dst, errno);
	return 0;
}

/* A rename is durable only once its directory is. */
static int
sync_dir(struct queue *q, enum where w, struct failure *f)
{
	int	fd, err;

	if ((fd = openat(q->dirfd, subdirs[w],
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return io_fail(q, f, subdirs[w], errno);
	if (fsync(fd) == -1) {
		err = errno;
		close(fd);
		return io_fail(q, f, subdirs[w], err);
	}
	close(fd);
	return 0;
}

/* A rename changes ctime only, a write mtime: the later one counts. */
static time_t
file_age(int fd, time_t now)
{
	struct stat	st;
	time_t		t;

	if (fstat(fd, &st) == -1)
		return 0;
	t = st.st_mtime > st.st_ctime ? st.st_mtime : st.st_ctime;
	return now - t;
}

int
queue_default_dir(char *buf, size_t len, struct failure *f)
{
	return sysuser_state_dir("/spool/postie", "/queue", "queue", buf, len,
	    f);
}

int
queue_dir_named(const char *dir, char *buf, size_t len, struct failure *f)
{
	if (dir == NULL)
		return queue_default_dir(buf, len, f);
	if (strlcpy(buf, dir, len) >= len)
		return fail(f, FAIL_CONFIG, "queue_dir %s: too long", dir);
	return 0;
}

int
queue_user_file(const char *leaf, char *buf, size_t len, struct failure *f)
{
	char	*slash;

	if (queue_default_dir(buf, len, f) == -1)
		return -1;
	/* .../postie/queue: the file goes beside the queue, in .../postie. */
	if ((slash = strrchr(buf, '/')) == NULL || strcmp(slash, "/queue") != 0)
		return fail(f, FAIL_SOFTWARE, "no state directory of yours "
		    "beside %s", buf);
	*slash = '\0';
	if (make_dirs(buf, f) == -1)
		return -1;
	if (strlcat(buf, "/", len) >= len || strlcat(buf, leaf, len) >= len)
		return fail(f, FAIL_SOFTWARE, "state file name too long");
	return 0;
}

/* mkdir -p, each new directory 0700. */
static int
make_dirs(const char *dir, struct failure *f)
{
	struct stat	 st;
	char		*path, *p;
	int		 last, err = 0;

	if ((path = strdup(dir)) == NULL)
		return fail(f, FAIL_OS, "%s", strerror(errno));
	for (p = path + 1; err == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		last = *p == '\0';
		*p = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST &&
		    (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)))
			err = errno;
		else if (last)
			break;
		else
			*p = '/';
	}
	if (err != 0)
		fail(f, FAIL_CANTCREAT, "cannot create the queue %s: %s: %s",
		    dir, path, strerror(err));
	free(path);
	return err != 0 ? -1 : 0;
}

/*
 * Whoever can write to the queue can send mail as us, read it, or make
 * us follow a link; so the directories must be ours and closed to others.
 */
static int
check_dir(int dirfd, const char *sub, const char *dir, struct failure *f)
{
	struct stat	st;
	const char	*sep = sub[0] != '\0' ? "/" : "";

	if (fstatat(dirfd, sub[0] != '\0' ? sub : ".", &st,
	    AT_SYMLINK_NOFOLLOW) == -1)
		return fail(f, FAIL_CANTCREAT, "cannot open the queue "
		    "%s%s%s: %s", dir, sep, sub, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(f, FAIL_CONFIG, "the queue %s%s%s is not a "
		    "directory", dir, sep, sub);
	if (st.st_uid != geteuid())
		return fail(f, FAIL_CONFIG, "the queue %s%s%s belongs to uid "
		    "%lu, not to you (uid %lu)", dir, sep, sub,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return fail(f, FAIL_CONFIG, "the queue %s%s%s is writable by "
		    "others (chmod 700 %s%s%s)", dir, sep, sub, dir, sep, sub);
	return 0;
}

int
queue_open(struct queue *q, const char *dir, struct failure *f)
{
	size_t	i;

	q->dir = NULL;
	q->dirfd = -1;
	q->statusfd = -1;
	q->lazy = 0;
	q->owed = NULL;
	q->removed = 0;
	if (make_dirs(dir, f) == -1)
		return -1;
	if ((q->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return fail(f, FAIL_CANTCREAT, "cannot open the queue %s: %s",
		    dir, strerror(errno));
	if (check_dir(q->dirfd, "", dir, f) == -1)
		goto bad;
	for (i = 0; i < POSTIE_NELEM(subdirs); i++) {
		if (mkdirat(q->dirfd, subdirs[i], 0700) == -1 &&
		    errno != EEXIST) {
			fail(f, FAIL_CANTCREAT, "cannot create the queue "
			    "%s/%s: %s", dir, subdirs[i], strerror(errno));
			goto bad;
		}
		if (check_dir(q->dirfd, subdirs[i], dir, f) == -1)
			goto bad;
	}
	if ((q->dir = strdup(dir)) == NULL) {
		fail(f, FAIL_OS, "%s", strerror(errno));
		goto bad;
	}
	/* Only the system spool has one; it must be ours like the rest. */
	if ((q->statusfd = openat(q->dirfd, "status", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) != -1 &&
	    check_dir(q->dirfd, "status", dir, f) == -1) {
		close(q->statusfd);
		q->statusfd = -1;
		free(q->dir);
		q->dir = NULL;
		goto bad;
	}
	return 0;
bad:
	close(q->dirfd);
	q->dirfd = -1;
	return -1;
}

void
queue_close(struct queue *q)
{
	struct queue_entry	*e;
	int			 w;

	/* Unpaid: nothing was promised for them. */
	while ((e = q->owed) != NULL) {
		q->owed = e->next;
		e->owed = 0;
		queue_release(e);
	}
	/*
	 * The removals of delivered messages, once for the whole run rather
	 * than once a message: until then a power loss can only bring one
	 * back to be sent again, never lose one.
	 */
	for (w = W_QUEUE; w <= W_FAILED && q->dirfd != -1; w++)
		if ((q->removed & 1U << w) != 0)
			sync_dir(q, (enum where)w, NULL);
	q->removed = 0;
	if (q->dirfd != -1)
		close(q->dirfd);
	if (q->statusfd != -1)
		close(q->statusfd);
	q->dirfd = q->statusfd = -1;
	free(q->dir);
	q->dir = NULL;
}

static int
put_str(struct buf *b, const char *key, const char *s)
{
	char	*v;
	int	 r;

	if ((v = reallocarray(NULL, strlen(s) + 1, 4)) == NULL)
		return -1;
	strvis(v, s, ENV_VIS);
	r = buf_appendf(b, "%s %s\n", key, v);
	free(v);
	return r;
}

static const char *const rcpt_state_names[] = {
	[RCPT_PENDING] = "pending",
	[RCPT_DELIVERED] = "delivered",
	[RCPT_FAILED] = "failed",
};

static int
put_rcpt(struct buf *b, const struct queue_envelope *env, size_t i)
{
	enum rcpt_state	 st = envelope_rcpt_state(&env->env, i);
	const char	*reply = envelope_rcpt_reply(&env->env, i);

	if (put_str(b, "rcpt", env->env.rcpts.v[i]) == -1)
		return -1;
	if (st != RCPT_PENDING && buf_appendf(b, "rcpt_state %s\n",
	    rcpt_state_names[st]) == -1)
		return -1;
	return reply != NULL ? put_str(b, "rcpt_reply", reply) : 0;
}

static int
env_format(const struct queue_envelope *env, struct buf *b)
{
	const struct env_key	*k;
	const char		*p;
	const struct addrlist	*l;
	const char		*s;
	size_t			 i, j;
	int			 r = 0;

	if (buf_appendf(b, "version %s\n", ENV_VERSION) == -1)
		return -1;
	for (i = 0; i < POSTIE_NELEM(env_keys) && r == 0; i++) {
		k = &env_keys[i];
		p = (const char *)env + k->off;
		switch (k->kind) {
		case K_STR:
			if ((s = *(char *const *)(const void *)p) != NULL)
				r = put_str(b, k->name, s);
			break;
		case K_RCPT:
			l = (const struct addrlist *)(const void *)p;
			for (j = 0; j < l->n && r == 0; j++)
				r = put_rcpt(b, env, j);
			break;
		case K_RSTATE:
		case K_RREPLY:
			break;	/* with their "rcpt" */
		case K_BOOL:
		case K_FLAG:
			if (k->kind == K_BOOL || *(const int *)(const void *)p)
				r = buf_appendf(b, "%s %d\n", k->name,
				    *(const int *)(const void *)p != 0);
			break;
		case K_UINT:
			r = buf_appendf(b, "%s %u\n", k->name,
			    *(const unsigned *)(const void *)p);
			break;
		case K_OFF:
			r = buf_appendf(b, "%s %lld\n", k->name,
			    (long long)*(const off_t *)(const void *)p);
			break;
		case K_TIME:
			r = buf_appendf(b, "%s %lld\n", k->name,
			    (long long)*(const time_t *)(const void *)p);
			break;
		}
	}
	/* Last: an envelope cut short by a power loss lacks it. */
	return r == 0 ? buf_appendf(b, "%s\n", ENV_END) : r;
}

/*
 * strunvis() lets a stray backslash through; only what strvis() would
 * have written is ours. NULL with errno ENOMEM or EINVAL.
 */
static char *
unvis_strict(const char *v)
{
	char	*s, *again = NULL;
	size_t	 len = strlen(v);

	if ((s = malloc(len + 1)) == NULL ||
	    (again = reallocarray(NULL, len + 1, 4)) == NULL) {
		free(s);
		return NULL;
	}
	if (strunvis(s, v) == -1 || (strvis(again, s, ENV_VIS),
	    strcmp(again, v) != 0)) {
		free(s);
		s = NULL;
		errno = EINVAL;
	}
	free(again);
	return s;
}

/* rcpt_state and rcpt_reply: once each, after their "rcpt". */
static int
env_set_rcpt(struct queue_envelope *env, const struct env_key *k,
    const char *v)
{
	size_t		 i, last = env->env.rcpts.n - 1;
	char		*s;

	if (env->env.rcpts.n == 0 || envelope_rcpt_set(&env->env, last,
	    envelope_rcpt_state(&env->env, last), NULL, NULL) == -1) {
		errno = env->env.rcpts.n == 0 ? EINVAL : ENOMEM;
		return -1;
	}
	if (k->kind == K_RSTATE) {
		for (i = RCPT_DELIVERED; i < POSTIE_NELEM(rcpt_state_names); i++)
			if (strcmp(v, rcpt_state_names[i]) == 0)
				break;
		if (i == POSTIE_NELEM(rcpt_state_names) ||
		    env->env.rcpt_status[last].state != RCPT_PENDING ||
		    env->env.rcpt_status[last].reply != NULL) {
			errno = EINVAL;
			return -1;
		}
		env->env.rcpt_status[last].state = (enum rcpt_state)i;
		return 0;
	}
	if (env->env.rcpt_status[last].reply != NULL ||
	    (s = unvis_strict(v)) == NULL) {
		if (env->env.rcpt_status[last].reply != NULL)
			errno = EINVAL;
		return -1;
	}
	env->env.rcpt_status[last].reply = s;
	return 0;
}

/* Returns 0, or -1 with errno ENOMEM, or EINVAL for a bad value. */
static int
env_set(struct queue_envelope *env, const struct env_key *k, const char *v)
{
	char		*p = (char *)env + k->off, *s;
	const char	*errstr;
	long long	 n = 0;

	if (k->kind == K_RSTATE || k->kind == K_RREPLY)
		return env_set_rcpt(env, k, v);
	if (k->kind == K_STR || k->kind == K_RCPT) {
		if ((s = unvis_strict(v)) == NULL)
			return -1;
		if (k->kind == K_STR) {
			*(char **)(void *)p = s;
			return 0;
		}
		n = addrlist_add((struct addrlist *)(void *)p, s, NULL);
		free(s);
		if (n == -1)
			errno = ENOMEM;
		return (int)n;
	}
	n = strtonum(v, 0, k->kind == K_BOOL || k->kind == K_FLAG ? 1 :
	    k->kind == K_UINT ? UINT_MAX : LLONG_MAX, &errstr);
	if (errstr != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (k->kind == K_BOOL || k->kind == K_FLAG)
		*(int *)(void *)p = (int)n;
	else if (k->kind == K_UINT)
		*(unsigned *)(void *)p = (unsigned)n;
	else if (k->kind == K_OFF)
		*(off_t *)(void *)p = (off_t)n;
	else
		*(time_t *)(void *)p = (time_t)n;
	return 0;
}

/* One "key value" line (without its newline); errno EINVAL if bad. */
static int
env_line(struct queue_envelope *env, char *line, uint32_t *seen)
{
	char	*v;
	size_t	 i;

	if ((v = strchr(line, ' ')) == NULL) {
		errno = EINVAL;
		return -1;
	}
	*v++ = '\0';
	for (i = 0; i < POSTIE_NELEM(env_keys); i++)
		if (strcmp(env_keys[i].name, line) == 0)
			break;
	/* A key twice would leak or silently overwrite: not ours. */
	if (i == POSTIE_NELEM(env_keys) || (env_keys[i].kind != K_RCPT &&
	    env_keys[i].kind != K_RSTATE && env_keys[i].kind != K_RREPLY &&
	    (*seen & (1U << i)) != 0)) {
		errno = EINVAL;
		return -1;
	}
	*seen |= 1U << i;
	return env_set(env, &env_keys[i], v);
}

static int
key_seen(uint32_t seen, const char *name)
{
	size_t	i;

	for (i = 0; i < POSTIE_NELEM(env_keys); i++)
		if (strcmp(env_keys[i].name, name) == 0)
			return (seen & (1U << i)) != 0;
	return 0;
}

/*
 * *sized (may be NULL) tells whether the envelope had "size": every
 * version 2 one, and version 1 as postie wrote it, but not necessarily
 * as someone else did.
 */
static int
env_parse(char *text, size_t len, struct queue_envelope *env,
    const char *name, int request, int *sized, struct failure *f)
{
	static const char	 v1[] = "version 1\n";
	static const char	 v2[] = "version " ENV_VERSION "\n";
	char			*end = text + len, *nl;
	uint32_t		 seen = 0;
	unsigned long		 lineno = 1;
	int			 ended = 0, old;

	if (memchr(text, '\0', len) != NULL)
		return fail(f, FAIL_DATA, "%s: a NUL byte", name);
	if (len == 0)
		return fail(f, FAIL_DATA, "%s: empty", name);
	old = len >= sizeof(v1) - 1 && memcmp(text, v1, sizeof(v1) - 1) == 0;
	if (!old && (len < sizeof(v2) - 1 ||
	    memcmp(text, v2, sizeof(v2) - 1) != 0))
		return fail(f, FAIL_DATA, "%s: not an envelope of version %s",
		    name, ENV_VERSION);
	/* "version 1" and "version 2": one length. */
	for (text += sizeof(v1) - 1; text < end; text = nl + 1) {
		lineno++;
		if ((nl = memchr(text, '\n', (size_t)(end - text))) == NULL)
			return fail(f, FAIL_DATA, "%s:%lu: incomplete line",
			    name, lineno);
		*nl = '\0';
		if (ended)
			return fail(f, FAIL_DATA, "%s:%lu: a line after \"%s\"",
			    name, lineno, ENV_END);
		if (!old && strcmp(text, ENV_END) == 0) {
			ended = 1;
			continue;
		}
		if (env_line(env, text, &seen) == -1)
			return fail(f, errno == ENOMEM ? FAIL_OS : FAIL_DATA,
			    "%s:%lu: %s", name, lineno, errno == ENOMEM ?
			    strerror(errno) : "malformed line");
	}
	if (!old && !ended)
		return fail(f, FAIL_DATA, "%s: cut short (no \"%s\" line)",
		    name, ENV_END);
	if (!request && (env->env.from == NULL || env->env.rcpts.n == 0))
		return fail(f, FAIL_DATA, "%s: no sender or no recipient",
		    name);
	if (sized != NULL)
		*sized = key_seen(seen, "size");
	return 0;
}

int
queue_envelope_parse(char *text, size_t len, const char *name,
    struct queue_envelope *env, struct failure *f)
{
	memset(env, 0, sizeof(*env));
	if (env_parse(text, len, env, name, 0, NULL, f) == 0)
		return 0;
	queue_envelope_free(env);
	return -1;
}

int
queue_envelope_parse_request(char *text, size_t len, const char *name,
    struct queue_envelope *env, struct failure *f)
{
	memset(env, 0, sizeof(*env));
	if (env_parse(text, len, env, name, 1, NULL, f) == 0)
		return 0;
	queue_envelope_free(env);
	return -1;
}

int
queue_envelope_format(const struct queue_envelope *env, struct buf *b)
{
	return env_format(env, b);
}

/* Returns 1 when read, 0 when there is no envelope, -1 on error. */
static int
env_read(struct queue *q, enum where w, const char *id,
    struct queue_envelope *env, struct failure *f)
{
	return env_load(q, w, id, env, NULL, f);
}

/* As env_read(); *sized (may be NULL) as env_parse() says. */
static int
env_load(struct queue *q, enum where w, const char *id,
    struct queue_envelope *env, int *sized, struct failure *f)
{
	struct buf	 b = BUF_INIT;
	char		 rel[REL_MAX];
	ssize_t		 n;
	int		 fd, r = -1;

	memset(env, 0, sizeof(*env));
	rel_path(rel, w, id, "env");
	if ((fd = openat(q->dirfd, rel, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return errno == ENOENT ? 0 : io_fail(q, f, rel, errno);
	for (;;) {
		if (b.len > ENV_MAX) {
			fail(f, FAIL_DATA, "%s/%s: too big", q->dir, rel);
			goto out;
		}
		if (buf_reserve(&b, 8192) == -1) {
			fail(f, FAIL_OS, "%s", strerror(errno));
			goto out;
		}
		if ((n = read(fd, b.data + b.len, b.cap - b.len - 1)) == -1) {
			if (errno == EINTR)
				continue;
			io_fail(q, f, rel, errno);
			goto out;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	strlcpy(env->id, id, sizeof(env->id));
	if (env_parse(b.data, b.len, env, rel, 0, sized, f) == 0)
		r = 1;
out:
	if (r == -1)
		queue_envelope_free(env);
	close(fd);
	buf_free(&b, 0);
	return r;
}

/*
 * Writes env to tmp/ID.env for the caller to rename, durably when sync.
 * The caller holds the message's lock, so an old tmp/ID.env is a crash's
 * leftover.
 */
static int
env_write_tmp(struct queue *q, const char *id,
    const struct queue_envelope *env, int sync, struct failure *f)
{
	struct buf	b = BUF_INIT;
	char		rel[REL_MAX];
	int		fd, err;

	rel_path(rel, W_TMP, id, "env");
	if (env_format(env, &b) == -1) {
		buf_free(&b, 0);
		return fail(f, FAIL_OS, "%s", strerror(errno));
	}
	if ((fd = openat(q->dirfd, rel, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600)) == -1 && errno == EEXIST &&
	    unlinkat(q->dirfd, rel, 0) == 0)
		fd = openat(q->dirfd, rel, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600);
	if (fd == -1) {
		buf_free(&b, 0);
		return io_fail(q, f, rel, errno);
	}
	err = fileio_write_all(fd, b.data, b.len) == -1 ||
	    (sync && fsync(fd) == -1) ? errno : 0;
	/* On some file systems the write error only shows at close. */
	if (close(fd) == -1 && err == 0)
		err = errno;
	buf_free(&b, 0);
	if (err != 0) {
		unlinkat(q->dirfd, rel, 0);
		return io_fail(q, f, rel, err);
	}
	return 0;
}

static int
env_copy(struct queue_envelope *dst, const struct queue_envelope *src,
    struct failure *f)
{
	const struct env_key	*k;
	const char		*s;
	size_t			 i;

	*dst = *src;
	for (i = 0; i < POSTIE_NELEM(env_keys); i++)
		if (env_keys[i].kind == K_STR)
			*(char **)(void *)((char *)dst + env_keys[i].off) =
			    NULL;
	memset(&dst->env.rcpts, 0, sizeof(dst->env.rcpts));
	dst->env.rcpt_status = NULL;
	dst->env.rcpt_status_n = 0;
	if (envelope_copy_rcpts(&dst->env, &src->env, f) == -1)
		goto bad;
	for (i = 0; i < POSTIE_NELEM(env_keys); i++) {
		k = &env_keys[i];
		if (k->kind != K_STR || (s = *(char *const *)(const void *)
		    ((const char *)src + k->off)) == NULL)
			continue;
		if ((*(char **)(void *)((char *)dst + k->off) =
		    strdup(s)) == NULL) {
			fail(f, FAIL_OS, "%s", strerror(errno));
			goto bad;
		}
	}
	return 0;
bad:
	queue_envelope_free(dst);
	return -1;
}

/* Stored as fail() shows it: one line, safe for a terminal. */
static int
set_error(struct queue_envelope *env, const char *error, struct failure *f)
{
	char	*v = NULL;

	if (error != NULL) {
		if ((v = reallocarray(NULL, strlen(error) + 1, 4)) == NULL)
			return fail(f, FAIL_OS, "%s", strerror(errno));
		strvis(v, error, ERROR_VIS);
	}
	free(env->last_error);
	env->last_error = v;
	return 0;
}

/* A maildrop name: 32 lowercase hex digits, and so never a path. */
static int
valid_drop(const char *drop)
{
	return drop != NULL && strlen(drop) == 32 &&
	    strspn(drop, "0123456789abcdef") == 32;
}

/* Best effort: the mail is safe whether or not its user can see it. */
static void
status_put(struct queue *q, const struct queue_envelope *env, enum where w)
{
	struct queue_envelope	 copy;
	struct buf		 b = BUF_INIT;
	char			 tmp[40];
	int			 fd;

	if (q->statusfd == -1 || !valid_drop(env->drop))
		return;
	copy = *env;
	copy.failed = w == W_FAILED;
	snprintf(tmp, sizeof(tmp), ".%s", env->drop);
	if (env_format(&copy, &b) == 0 && (fd = openat(q->statusfd, tmp,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644)) !=
	    -1) {
		if (fchmod(fd, 0644) == -1 || fileio_write_all(fd, b.data, b.len) ==
		    -1 || close(fd) == -1 ||
		    renameat(q->statusfd, tmp, q->statusfd, env->drop) == -1)
			unlinkat(q->statusfd, tmp, 0);
	}
	buf_free(&b, 0);
}

static void
status_remove(struct queue *q, const struct queue_envelope *env)
{
	if (q->statusfd != -1 && valid_drop(env->drop))
		unlinkat(q->statusfd, env->drop, 0);
}

int
queue_status_read(const char *dir, const char *drop,
    struct queue_envelope *env, struct failure *f)
{
	struct buf	 b = BUF_INIT;
	char		 path[4096];
	ssize_t		 n;
	int		 fd, r = -1;

	memset(env, 0, sizeof(*env));
	if (!valid_drop(drop))
		return fail(f, FAIL_USAGE, "not a maildrop name: %s", drop);
	snprintf(path, sizeof(path), "%s/%s", dir, drop);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : fail(f, FAIL_IO, "%s: %s", path,
		    strerror(errno));
	while (b.len <= ENV_MAX && buf_reserve(&b, 8192) == 0 &&
	    (n = read(fd, b.data + b.len, b.cap - b.len - 1)) > 0)
		b.len += (size_t)n;
	if (b.len > ENV_MAX)
		fail(f, FAIL_DATA, "%s: too big", path);
	else if (env_parse(b.data != NULL ? b.data : "", b.len, env, path, 0,
	    NULL, f) == 0)
		r = 1;
	if (r == 1)
		strlcpy(env->id, "", sizeof(env->id));
	else
		queue_envelope_free(env);
	close(fd);
	buf_free(&b, 0);
	return r;
}

/*
 * Puts env in place for the locked message id, moving the message from
 * one directory to another on the way (or not: from == to). See the
 * top of the file for why this order. Durable when sync; otherwise the
 * fsyncs are queue_sync()'s.
 */
static int
relocate(struct queue *q, const char *id, const struct queue_envelope *env,
    enum where from, enum where to, int sync, struct failure *f)
{
	char	rel[REL_MAX];

	if (env_write_tmp(q, id, env, sync, f) == -1)
		return -1;
	if (from != to && move_file(q, id, "msg", from, to, f) == -1)
		goto undo;
	if (move_file(q, id, "env", W_TMP, to, f) == -1) {
		if (from != to) {
			/* Back where it was; if even that fails,
			 * queue_clean() pairs the files again. */
			move_file(q, id, "msg", to, from, NULL);
		}
		goto undo;
	}
	if (from != to && unlink_file(q, from, id, "env") == -1) {
		rel_path(rel, from, id, "env");
		return io_fail(q, f, rel, errno);
	}
	if (sync && (sync_dir(q, to, f) == -1 ||
	    (from != to && sync_dir(q, from, f) == -1)))
		return -1;
	status_put(q, env, to);
	return 0;
undo:
	unlink_file(q, W_TMP, id, "env");
	return -1;
}

int
queue_create(struct queue *q, struct queue_entry **out, struct failure *f)
{
	struct queue_entry	*e;
	char			 rel[REL_MAX];
	int			 i, err;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return fail(f, FAIL_OS, "%s", strerror(errno));
	e->fd = -1;
	for (i = 0; i < CREATE_TRIES && e->fd == -1; i++) {
		new_id(e->id);
		rel_path(rel, W_TMP, e->id, "msg");
		e->fd = openat(q->dirfd, rel, O_RDWR | O_CREAT | O_EXCL |
		    O_CLOEXEC | O_NOFOLLOW, 0600);
		if (e->fd == -1 && errno != EEXIST)
			break;
	}
	if (e->fd == -1) {
		err = errno;
		free(e);
		if (is_full(err))
			return io_fail(q, f, rel, err);
		return fail(f, FAIL_CANTCREAT, "cannot create %s/%s: %s",
		    q->dir, rel, strerror(err));
	}
	/* Before anyone can see it; the lock then moves with the inode. */
	if (flock(e->fd, LOCK_EX) == -1) {
		err = errno;
		unlinkat(q->dirfd, rel, 0);
		close(e->fd);
		free(e);
		return fail(f, FAIL_OS, "flock %s/%s: %s", q->dir, rel,
		    strerror(err));
	}
	e->where = W_TMP;
	e->q = q;
	*out = e;
	return 0;
}

/* Nothing of a failed commit may stay visible: envelope first. */
static void
commit_undo(struct queue *q, struct queue_entry *e)
{
	unlink_file(q, W_QUEUE, e->id, "env");
	unlink_file(q, W_QUEUE, e->id, "msg");
	unlink_file(q, W_TMP, e->id, "env");
	unlink_file(q, W_TMP, e->id, "msg");
	queue_envelope_free(&e->env);
	e->where = W_TMP;
	e->has_env = 0;
}

int
queue_commit(struct queue *q, struct queue_entry *e,
    struct queue_envelope *env, struct failure *f)
{
	struct stat	st;
	char		rel[REL_MAX];

	if (e == NULL || e->where != W_TMP || e->has_env)
		return fail(f, FAIL_SOFTWARE, "queue_commit: not a new "
		    "message");
	rel_path(rel, W_TMP, e->id, "msg");
	if ((!q->lazy && fsync(e->fd) == -1) || fstat(e->fd, &st) == -1) {
		io_fail(q, f, rel, errno);
		goto undo;
	}
	strlcpy(env->id, e->id, sizeof(env->id));
	env->env.size = st.st_size;
	env->created = time(NULL);
	env->failed = 0;
	if (env_copy(&e->env, env, f) == -1 ||
	    env_write_tmp(q, e->id, &e->env, !q->lazy, f) == -1 ||
	    move_file(q, e->id, "msg", W_TMP, W_QUEUE, f) == -1 ||
	    move_file(q, e->id, "env", W_TMP, W_QUEUE, f) == -1 ||
	    (!q->lazy && sync_dir(q, W_QUEUE, f) == -1))
		goto undo;
	/*
	 * From here the mail is safe: both files are durable in queue/.
	 * Lazily (queue_lazy()), not yet: it is listed and whole unless the
	 * power fails, and is safe only once queue_sync() has run.
	 */
	e->where = W_QUEUE;
	e->has_env = 1;
	e->owed = q->lazy;
	status_put(q, &e->env, W_QUEUE);
	return 0;
undo:
	commit_undo(q, e);
	return -1;
}

void
queue_abort(struct queue *q, struct queue_entry *e)
{
	if (e == NULL)
		return;
	/* A committed message is accepted: never removed from here. */
	if (e->where == W_TMP) {
		unlink_file(q, W_TMP, e->id, "env");
		unlink_file(q, W_TMP, e->id, "msg");
	}
	queue_release(e);
}

void
queue_release(struct queue_entry *e)
{
	if (e == NULL)
		return;
	queue_envelope_free(&e->env);
	/* Still queued and owed its fsync: kept, and locked, for it. */
	if (e->owed && e->where != W_TMP && e->q != NULL) {
		e->next = e->q->owed;
		e->q->owed = e;
		return;
	}
	if (e->fd != -1)
		close(e->fd);
	free(e);
}

void
queue_lazy(struct queue *q)
{
	q->lazy = 1;
}

/* The files of one owed entry; the directories are the caller's. */
static int
sync_entry(struct queue *q, const struct queue_entry *e, struct failure *f)
{
	char	rel[REL_MAX];
	int	fd, err = 0;

	rel_path(rel, e->where, e->id, "msg");
	if (fsync(e->fd) == -1)
		return io_fail(q, f, rel, errno);
	rel_path(rel, e->where, e->id, "env");
	if ((fd = openat(q->dirfd, rel, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1 || fsync(fd) == -1)
		err = errno;
	if (fd != -1)
		close(fd);
	return err != 0 ? io_fail(q, f, rel, err) : 0;
}

int
queue_sync(struct queue *q, struct failure *f)
{
	struct queue_entry	*e;
	unsigned		 dirs = 0;
	int			 w, r = 0;

	while ((e = q->owed) != NULL) {
		q->owed = e->next;
		if (r == 0 && sync_entry(q, e, f) == -1)
			r = -1;
		/* Committed into queue/, and perhaps moved on since. */
		dirs |= 1U << W_QUEUE | 1U << e->where;
		e->owed = 0;
		queue_release(e);
	}
	for (w = W_QUEUE; w <= W_FAILED && r == 0; w++)
		if ((dirs & 1U << w) != 0 &&
		    sync_dir(q, (enum where)w, f) == -1)
			r = -1;
	return r;
}

int
queue_entry_fd(const struct queue_entry *e)
{
	return e->fd;
}

const char *
queue_entry_id(const struct queue_entry *e)
{
	return e->id;
}

const struct queue_envelope *
queue_entry_envelope(const struct queue_entry *e)
{
	return e->has_env ? &e->env : NULL;
}

static int
env_cmp(const void *a, const void *b)
{
	const struct queue_envelope	*x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
queue_list(struct queue *q, int failed, struct queue_envelope **envs,
    size_t *n, struct failure *f)
{
	enum where		 w = failed ? W_FAILED : W_QUEUE;
	struct queue_envelope	*v = NULL, *nv;
	struct dirent		*de;
	DIR			*d;
	char			 id[QUEUE_ID_MAX];
	size_t			 cnt = 0, cap = 0;
	int			 fd;

	*envs = NULL;
	*n = 0;
	if ((fd = openat(q->dirfd, subdirs[w], O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return io_fail(q, f, subdirs[w], errno);
	}
	while (errno = 0, (de = readdir(d)) != NULL) {
		if (!name_id(de->d_name, "env", id) ||
		    !has_file(q, w, id, "msg"))
			continue;
		if (cnt == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto oom;
			v = nv;
		}
		/* Unreadable or gone since readdir: not listed. */
		if (env_read(q, w, id, &v[cnt], NULL) != 1)
			continue;
		v[cnt++].failed = failed;
	}
	if (errno != 0) {
		fail(f, FAIL_IO, "%s/%s: %s", q->dir, subdirs[w],
		    strerror(errno));
		goto bad;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), env_cmp);
	*envs = v;
	*n = cnt;
	return 0;
oom:
	fail(f, FAIL_OS, "%s", strerror(errno));
bad:
	closedir(d);
	queue_envelopes_free(v, cnt);
	return -1;
}

/* Why damaged/ID is there, found again from what is left of it. */
static void
damage_of(struct queue *q, const char *id, char *why, size_t len)
{
	struct queue_envelope	env;
	char			rel[REL_MAX];
	int			fd;

	rel_path(rel, W_DAMAGED, id, "msg");
	if ((fd = openat(q->dirfd, rel, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		snprintf(why, len, "an envelope without its message");
	else if (read_whole(q, W_DAMAGED, id, fd, &env, why, len,
	    NULL) != 2)
		snprintf(why, len, has_file(q, W_DAMAGED, id, "env") ?
		    "damaged" : "a message without its envelope");
	if (fd != -1) {
		queue_envelope_free(&env);
		close(fd);
	}
}

int
queue_list_damaged(struct queue *q, struct queue_damage **out, size_t *n,
    struct failure *f)
{
	struct queue_damage	*v = NULL, *nv;
	struct dirent		*de;
	DIR			*d;
	char			 id[QUEUE_ID_MAX];
	size_t			 cnt = 0;
	int			 fd;

	*out = NULL;
	*n = 0;
	if ((fd = openat(q->dirfd, subdirs[W_DAMAGED], O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return io_fail(q, f, subdirs[W_DAMAGED], errno);
	}
	while (errno = 0, (de = readdir(d)) != NULL) {
		/* Each id once: by its message, else by its envelope. */
		if (!name_id(de->d_name, "msg", id) &&
		    (!name_id(de->d_name, "env", id) ||
		    has_file(q, W_DAMAGED, id, "msg")))
			continue;
		if ((nv = reallocarray(v, cnt + 1, sizeof(*v))) == NULL) {
			fail(f, FAIL_OS, "%s", strerror(errno));
			goto bad;
		}
		v = nv;
		strlcpy(v[cnt].id, id, sizeof(v[cnt].id));
		damage_of(q, id, v[cnt].why, sizeof(v[cnt].why));
		cnt++;
	}
	if (errno != 0) {
		fail(f, FAIL_IO, "%s/%s: %s", q->dir, subdirs[W_DAMAGED],
		    strerror(errno));
		goto bad;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), damage_cmp);
	*out = v;
	*n = cnt;
	return 0;
bad:
	closedir(d);
	free(v);
	return -1;
}

/* Ids sort by age. */
static int
damage_cmp(const void *a, const void *b)
{
	const struct queue_damage	*x = a, *y = b;

	return strcmp(x->id, y->id);
}

void
queue_envelopes_free(struct queue_envelope *envs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		queue_envelope_free(&envs[i]);
	free(envs);
}

void
queue_envelope_free(struct queue_envelope *env)
{
	size_t	i;
	char	**s;

	for (i = 0; i < POSTIE_NELEM(env_keys); i++) {
		if (env_keys[i].kind != K_STR)
			continue;
		s = (char **)(void *)((char *)env + env_keys[i].off);
		free(*s);
		*s = NULL;
	}
	envelope_free(&env->env);
}


/*
 * Opens and locks w/ID.msg, waiting up to wait_ms. While we waited its
 * holder may have moved or removed it: then the inode we locked is no
 * longer the one at that name, and that counts as gone.
 */
static enum lock_result
lock_msg(struct queue *q, enum where w, const char *id, int wait_ms,
    int *fdp, struct failure *f)
{
	const struct timespec	 tick = { 0, LOCK_POLL_MS * 1000000L };
	struct stat		 a, b;
	char			 rel[REL_MAX];
	int			 fd, waited = 0, err;

	rel_path(rel, w, id, "msg");
	if ((fd = openat(q->dirfd, rel, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return errno == ENOENT ? L_GONE : io_fail(q, f, rel, errno);
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		err = errno;
		if (err == EWOULDBLOCK && waited < wait_ms) {
			nanosleep(&tick, NULL);
			waited += LOCK_POLL_MS;
			continue;
		}
		if (err == EINTR)
			continue;
		close(fd);
		if (err == EWOULDBLOCK)
			return L_BUSY;
		fail(f, FAIL_OS, "flock %s/%s: %s", q->dir, rel,
		    strerror(err));
		return L_ERR;
	}
	if (fstat(fd, &a) == -1 ||
	    fstatat(q->dirfd, rel, &b, AT_SYMLINK_NOFOLLOW) == -1 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return L_GONE;
	}
	*fdp = fd;
	return L_OK;
}

/*
 * Under the lock of w/ID.msg (fd): its envelope into env, and whether
 * the two are whole. Returns 1 when they are (a size an old envelope
 * lacks is taken from the file), 0 when there is no envelope, 2 when
 * damaged (why says how; env holds the envelope when it could be read),
 * -1 on error. env is the caller's to free in every case.
 */
static int
read_whole(struct queue *q, enum where w, const char *id, int fd,
    struct queue_envelope *env, char *why, size_t len, struct failure *f)
{
	struct failure	pf;
	struct stat	st;
	char		rel[REL_MAX];
	int		sized = 0, r;

	failure_clear(&pf);
	if ((r = env_load(q, w, id, env, &sized, &pf)) == -1 &&
	    pf.kind == FAIL_DATA) {
		snprintf(why, len, "the envelope is unreadable: %.200s",
		    pf.text);
		return 2;
	}
	if (r != 1) {
		if (r == -1 && f != NULL)
			*f = pf;
		return r;
	}
	if (fstat(fd, &st) == -1) {
		rel_path(rel, w, id, "msg");
		return io_fail(q, f, rel, errno);
	}
	if (!sized)
		env->env.size = st.st_size;
	else if (st.st_size != env->env.size) {
		snprintf(why, len, "the message has %lld octets, its envelope "
		    "says %lld", (long long)st.st_size,
		    (long long)env->env.size);
		return 2;
	}
	return 1;
}

/*
 * Moves what there is of w/ID to damaged/: the message first, so that a
 * crash in between leaves a lone envelope, which comes here too, never a
 * lone message, which would go. env (may be NULL) is its envelope when
 * readable: the submitting user's status copy then says what happened.
 * text receives the line for the log.
 */
static void
quarantine(struct queue *q, enum where w, const char *id,
    struct queue_envelope *env, const char *why, char *text, size_t len)
{
	char	error[FAILURE_TEXT_MAX];

	if (has_file(q, w, id, "msg"))
		move_file(q, id, "msg", w, W_DAMAGED, NULL);
	if (has_file(q, w, id, "env"))
		move_file(q, id, "env", w, W_DAMAGED, NULL);
	sync_dir(q, W_DAMAGED, NULL);
	sync_dir(q, w, NULL);
	snprintf(text, len, "damaged (%.256s); moved to %.256s/%s/ (postie "
	    "--queue-remove %s deletes it)", why, q->dir, subdirs[W_DAMAGED],
	    id);
	if (env != NULL && env->account != NULL) {
		snprintf(error, sizeof(error), "damaged: %s", why);
		if (set_error(env, error, NULL) == 0)
			status_put(q, env, W_FAILED);
	}
}

int
queue_take(struct queue *q, const char *id, struct queue_entry **out,
    struct failure *f)
{
	struct queue_entry	*e;
	enum lock_result	 lr;
	char			 why[QUEUE_WHY_MAX], text[FAILURE_TEXT_MAX];
	int			 r;

	*out = NULL;
	if (!valid_id(id))
		return fail(f, FAIL_USAGE, "not a queue id: %s", id);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return fail(f, FAIL_OS, "%s", strerror(errno));
	e->fd = -1;
	if ((lr = lock_msg(q, W_QUEUE, id, 0, &e->fd, f)) != L_OK) {
		free(e);
		return lr == L_ERR ? -1 : 0;
	}
	/* Read again under the lock: delivered, failed or deferred since. */
	r = read_whole(q, W_QUEUE, id, e->fd, &e->env, why, sizeof(why), f);
	if (r == 2) {
		/* Never half: a power loss cut it before it was accepted. */
		quarantine(q, W_QUEUE, id, &e->env, why, text, sizeof(text));
		r = fail(f, FAIL_DATA, "%s", text);
	}
	if (r != 1) {
		queue_release(e);
		return r;
	}
	strlcpy(e->id, id, sizeof(e->id));
	e->where = W_QUEUE;
	e->has_env = 1;
	e->q = q;
	*out = e;
	return 1;
}

struct queue_envelope *
queue_entry_envelope_rw(struct queue_entry *e)
{
	return e->has_env ? &e->env : NULL;
}

int
queue_save(struct queue *q, struct queue_entry *e, struct failure *f)
{
	if (!e->has_env)
		return fail(f, FAIL_SOFTWARE, "queue_save: not committed");
	return relocate(q, e->id, &e->env, e->where, e->where, !e->owed,
	    f);
}

int
queue_done(struct queue *q, struct queue_entry *e, struct failure *f)
{
	char	rel[REL_MAX];
	int	r = 0;

	if (e->where == W_TMP) {
		queue_abort(q, e);
		return fail(f, FAIL_SOFTWARE, "queue_done: not committed");
	}
	/* The envelope first: a message without one is not listed. */
	if (unlink_file(q, e->where, e->id, "env") == -1 ||
	    unlink_file(q, e->where, e->id, "msg") == -1) {
		rel_path(rel, e->where, e->id, "msg");
		r = io_fail(q, f, rel, errno);
	} else if (!e->owed)
		q->removed |= 1U << e->where;
	/* Owed and gone: nothing to make durable, ever. */
	e->owed = 0;
	status_remove(q, &e->env);
	queue_release(e);
	return r;
}

int
queue_defer(struct queue *q, struct queue_entry *e, const char *error,
    time_t now, time_t *next_attempt, struct failure *f)
{
	int	r = -1;

	if (!e->has_env)
		fail(f, FAIL_SOFTWARE, "queue_defer: not committed");
	else if (set_error(&e->env, error, f) == 0) {
		e->env.attempts++;
		e->env.next_attempt = now + queue_backoff(e->env.attempts);
		r = relocate(q, e->id, &e->env, e->where, e->where,
		    !e->owed, f);
		if (r == 0 && next_attempt != NULL)
			*next_attempt = e->env.next_attempt;
	}
	queue_abort(q, e);	/* removes nothing once committed */
	return r;
}

int
queue_fail(struct queue *q, struct queue_entry *e, const char *error,
    struct failure *f)
{
	int	r = -1;

	if (!e->has_env)
		fail(f, FAIL_SOFTWARE, "queue_fail: not committed");
	else if (set_error(&e->env, error, f) == 0 &&
	    (r = relocate(q, e->id, &e->env, e->where, W_FAILED, !e->owed,
	    f)) == 0)
		e->where = W_FAILED;
	queue_abort(q, e);	/* removes nothing once committed */
	return r;
}

/*
 * Locks message id wherever it is, for a user's command: a queue run
 * may hold it for a while, and it may move between queue/ and failed/
 * while we look, hence two rounds.
 */
static int
find_locked(struct queue *q, const char *id, int *fdp, enum where *wp,
    struct failure *f)
{
	static const enum where	 dirs[] = { W_QUEUE, W_FAILED };
	enum lock_result	 lr;
	size_t			 round, i;

	if (!valid_id(id))
		return fail(f, FAIL_USAGE, "not a queue id: %s", id);
	for (round = 0; round < 2; round++)
		for (i = 0; i < POSTIE_NELEM(dirs); i++) {
			lr = lock_msg(q, dirs[i], id, LOCK_WAIT_MS, fdp, f);
			if (lr == L_ERR)
				return -1;
			if (lr == L_BUSY)
				return fail(f, FAIL_TEMPFAIL, "message %s is "
				    "being delivered; try again later", id);
			if (lr == L_OK && has_file(q, dirs[i], id, "env")) {
				*wp = dirs[i];
				return 0;
			}
			if (lr == L_OK)
				close(*fdp);	/* never accepted */
		}
	return fail(f, FAIL_USAGE, "no message %s in the queue %s", id,
	    q->dir);
}

/* damaged/ID: nobody works on it, so no lock. */
static int
remove_damaged(struct queue *q, const char *id, struct failure *f)
{
	char	rel[REL_MAX];

	if (!has_file(q, W_DAMAGED, id, "msg") &&
	    !has_file(q, W_DAMAGED, id, "env"))
		return fail(f, FAIL_USAGE, "no message %s in the queue %s",
		    id, q->dir);
	if (unlink_file(q, W_DAMAGED, id, "env") == -1 ||
	    unlink_file(q, W_DAMAGED, id, "msg") == -1) {
		rel_path(rel, W_DAMAGED, id, "msg");
		return io_fail(q, f, rel, errno);
	}
	return sync_dir(q, W_DAMAGED, f);
}

int
queue_remove(struct queue *q, const char *id, struct failure *f)
{
	struct queue_envelope	env;
	char		rel[REL_MAX];
	enum where	w;
	int		fd, r;

	if (find_locked(q, id, &fd, &w, f) == -1)
		return f != NULL && f->kind == FAIL_USAGE && valid_id(id) ?
		    remove_damaged(q, id, f) : -1;
	if (env_read(q, w, id, &env, NULL) == 1) {
		status_remove(q, &env);
		queue_envelope_free(&env);
	}
	if (unlink_file(q, w, id, "env") == -1 ||
	    unlink_file(q, w, id, "msg") == -1) {
		rel_path(rel, w, id, "msg");
		r = io_fail(q, f, rel, errno);
	} else
		r = sync_dir(q, w, f);
	close(fd);
	return r;
}

int
queue_retry(struct queue *q, const char *id, struct failure *f)
{
	struct queue_envelope	env;
	enum where		w;
	int			fd, r;

	if (find_locked(q, id, &fd, &w, f) == -1)
		return -1;
	if ((r = env_read(q, w, id, &env, f)) == 0)
		r = fail(f, FAIL_USAGE, "no message %s in the queue %s", id,
		    q->dir);
	else if (r == 1) {
		env.next_attempt = 0;
		r = relocate(q, id, &env, w, W_QUEUE, 1, f);
		queue_envelope_free(&env);
	}
	close(fd);
	return r;
}

/* Under the lock of w/ID.msg: pair it with its envelope, or let it go. */
static void
settle_msg(struct queue *q, const char *id, enum where w, int fd,
    time_t now)
{
	enum where	o = w == W_QUEUE ? W_FAILED : W_QUEUE;
	int		lone_env;

	lone_env = has_file(q, o, id, "env") && !has_file(q, o, id, "msg");
	if (has_file(q, w, id, "env")) {
		/* A move finished but for unlinking the old envelope. */
		if (lone_env)
			unlink_file(q, o, id, "env");
		return;
	}
	if (lone_env) {
		/* A move stopped between its two renames: finish it. */
		if (move_file(q, id, "env", o, w, NULL) == 0)
			sync_dir(q, w, NULL);
		return;
	}
	/* Its commit never finished: it was never accepted. */
	if (file_age(fd, now) >= STALE_AGE &&
	    unlink_file(q, w, id, "msg") == 0)
		sync_dir(q, w, NULL);
}

/*
 * Message id is not whole in one directory. Every operation holds the
 * message's lock, so a locked one is left alone. With no message file
 * at all, what was committed lost its message to a power loss (no
 * operation unlinks a message before its envelope): damaged.
 */
static void
settle(struct queue *q, const char *id, time_t now, struct clean_report *cr)
{
	static const enum where	 dirs[] = { W_QUEUE, W_FAILED };
	enum lock_result	 lr;
	size_t			 round, i;
	int			 fd;

	for (round = 0; round < 2; round++)
		for (i = 0; i < POSTIE_NELEM(dirs); i++) {
			lr = lock_msg(q, dirs[i], id, 0, &fd, NULL);
			if (lr == L_BUSY || lr == L_ERR)
				return;
			if (lr == L_OK) {
				settle_msg(q, id, dirs[i], fd, now);
				close(fd);
				return;
			}
		}
	/* Both directories: queue/'s comes last and is the one kept. */
	for (i = POSTIE_NELEM(dirs); i-- > 0; )
		if (has_file(q, dirs[i], id, "env"))
			report_damage(q, dirs[i], id, NULL,
			    "an envelope without its message", cr);
}

static void
report_damage(struct queue *q, enum where w, const char *id,
    struct queue_envelope *env, const char *why, struct clean_report *cr)
{
	char	text[FAILURE_TEXT_MAX];

	quarantine(q, w, id, env, why, text, sizeof(text));
	if (cr->fn != NULL)
		cr->fn(id, text, cr->arg);
}

/* A whole pair w/ID.*: unless locked, is it whole inside too? */
static void
check_pair(struct queue *q, enum where w, const char *id,
    struct clean_report *cr)
{
	struct queue_envelope	env;
	char			why[QUEUE_WHY_MAX];
	int			fd;

	if (lock_msg(q, w, id, 0, &fd, NULL) != L_OK)
		return;
	if (read_whole(q, w, id, fd, &env, why, sizeof(why), NULL) == 2)
		report_damage(q, w, id, &env, why, cr);
	queue_envelope_free(&env);
	close(fd);
}

static void
clean_tmp(struct queue *q, time_t now)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		 id[QUEUE_ID_MAX], rel[REL_MAX];
	int		 fd;

	if ((fd = openat(q->dirfd, subdirs[W_TMP], O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (name_id(de->d_name, "msg", id)) {
			/* Its writer holds the lock until commit or abort. */
			if (lock_msg(q, W_TMP, id, 0, &fd, NULL) != L_OK)
				continue;
			if (file_age(fd, now) >= STALE_AGE)
				unlink_file(q, W_TMP, id, "msg");
			close(fd);
		} else if (name_id(de->d_name, "env", id)) {
			/* Renamed away within moments of being written. */
			rel_path(rel, W_TMP, id, "env");
			if (fstatat(q->dirfd, rel, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 &&
			    now - st.st_mtime >= STALE_AGE)
				unlink_file(q, W_TMP, id, "env");
		}
	}
	closedir(d);
}

static void
clean_dir(struct queue *q, enum where w, time_t now, struct clean_report *cr)
{
	struct dirent	*de;
	DIR		*d;
	char		 id[QUEUE_ID_MAX];
	int		 fd;

	if ((fd = openat(q->dirfd, subdirs[w], O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (name_id(de->d_name, "msg", id) &&
		    !has_file(q, w, id, "env"))
			settle(q, id, now, cr);
		else if (name_id(de->d_name, "env", id)) {
			if (!has_file(q, w, id, "msg"))
				settle(q, id, now, cr);
			else
				check_pair(q, w, id, cr);
		}
	}
	closedir(d);
}

void
queue_clean(struct queue *q, time_t now, queue_damaged_fn *fn, void *arg)
{
	struct clean_report	cr = { fn, arg };

	clean_tmp(q, now);
	clean_dir(q, W_QUEUE, now, &cr);
	clean_dir(q, W_FAILED, now, &cr);
}

time_t
queue_backoff(unsigned attempts)
{
	time_t		wait = BACKOFF_FIRST;
	unsigned	i;

	for (i = 1; i < attempts && wait < BACKOFF_CAP; i++)
		wait *= 2;
	if (wait > BACKOFF_CAP)
		wait = BACKOFF_CAP;
	return wait + (time_t)arc4random_uniform((uint32_t)(wait / 5) + 1);
}
