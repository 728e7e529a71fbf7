/*
 * maildrop: the system maildrop, both ends (see maildrop.h).
 *
 * A user's file, SYSUSER_MAILDROP/NAME (NAME: 32 random hex digits):
 *
 *   version 2		a queue envelope (queue.c) used as the request:
 *   user alice		who wrote it (checked against the file's owner)
 *   account NAME	-a, when given
 *   from ADDR		-f, when given
 *   name TEXT		-F, when given
 *   rcpt ADDR		the command line's recipients
 *   extract 1		-t: the headers' recipients too
 *   ...		the DSN parameters, and keys the pickup ignores
 *			(size, created, attempts, next)
 *   end		the envelope's last line (version 1 had none)
 *   (an empty line)
 *   the message, CRLF, as the message pass wrote it (Bcc kept)
 *
 * It is written as SYSUSER_INCOMING/NAME, fsynced, and renamed to
 * SYSUSER_MAILDROP/NAME, so the pickup never sees half a file and the
 * maildrop changes only when there is something to do (systemd's
 * PathChanged= starts the pickup); a crash leaves a file in
 * incoming/, which the pickup removes a day later. A directory can be
 * fsynced only by whoever can read it, which a user cannot (nobody may
 * list these): on Linux syncfs(2) makes the names durable instead.
 */
#if defined(__linux__)
#define _GNU_SOURCE	/* syncfs */
#endif
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "buf.h"
#include "cli.h"
#include "fileio.h"
#include "localname.h"
#include "log.h"
#include "maildrop.h"
#include "message.h"
#include "qrun.h"
#include "sysuser.h"

#define RECEIPTS	"dropped"	/* in the user's state directory */
#define RECEIPTS_MAX	(1024 * 1024)
#define STALE_AGE	(24 * 3600)	/* an incoming file left by a crash */
#define PICKUP_MAX	10000		/* files looked at in one pickup */
#define PATH_LEN	(sizeof(SYSUSER_INCOMING) + MAILDROP_NAME_LEN + 2)

static void	new_name(char name[MAILDROP_NAME_LEN + 1]);
static void	keep_receipt(const char *name);
static int	list_one_drop(const char *name, time_t now);
static int	read_receipts(const char *path, struct buf *b);
static void	write_receipts(const char *path, const struct buf *kept);
static int	valid_name(const char *name);
static int	create_file(const char *path, struct failure *f);
static int	write_request(int fd, const struct submit_request *r,
		    struct failure *f);
static int	write_message(int fd, const struct submit_request *r,
		    struct failure *f);
static int	make_durable(int fd, const char *tmp, const char *path,
		    struct failure *f);
static int	list_names(int dfd, char ***names, size_t *n,
		    struct failure *f);
static int	open_spool_dir(const char *dir, struct failure *f);
static void	sweep_incoming(time_t now);
static void	quarantine(int dfd, const char *name, const char *why);
static int	open_file(int dfd, const char *name, struct maildrop_file *m,
		    struct failure *why);
static void	file_close(struct maildrop_file *m);
static int	read_request(struct maildrop_file *m, off_t size,
		    struct failure *why);
static int	check_request(const struct queue_envelope *req,
		    struct failure *why);
static enum maildrop_verdict pickup_one(int dfd, const char *name,
		    enum maildrop_verdict (*take)(void *,
		    const struct maildrop_file *, struct failure *), void *arg,
		    int *taken);
static size_t	list_dir_waiting(const char *dir, const char *why);
static int	pickup_dir(int dfd, int holdfd,
		    enum maildrop_verdict (*take)(void *,
		    const struct maildrop_file *, struct failure *), void *arg,
		    int *taken, struct failure *f);

int
maildrop_exists(void)
{
	struct stat	st;

	return stat(SYSUSER_MAILDROP, &st) == 0 && S_ISDIR(st.st_mode);
}

int
maildrop_submit(const struct submit_request *r, struct failure *f)
{
	char	name[MAILDROP_NAME_LEN + 1], tmp[PATH_LEN], path[PATH_LEN];
	int	fd;

	new_name(name);
	snprintf(tmp, sizeof(tmp), "%s/%s", SYSUSER_INCOMING, name);
	snprintf(path, sizeof(path), "%s/%s", SYSUSER_MAILDROP, name);
	if ((fd = create_file(tmp, f)) == -1)
		return -1;
	if (write_request(fd, r, f) == -1 || write_message(fd, r, f) == -1 ||
	    make_durable(fd, tmp, path, f) == -1) {
		unlink(tmp);
		close(fd);
		return -1;
	}
	/* From here the message is the system's: the pickup takes it. */
	close(fd);
	log_info("dropped the message into the system maildrop as %s", name);
	keep_receipt(name);
	return 0;
}

/*
 * The name is the user's key to the message's state (mailq): kept in
 * the user's own state directory, when there is one to write to.
 */
static void
keep_receipt(const char *name)
{
	struct failure	f;
	char		path[4096], line[MAILDROP_NAME_LEN + 2];
	int		fd;

	failure_clear(&f);
	if (queue_user_file(RECEIPTS, path, sizeof(path), &f) == -1) {
		log_info("no receipt kept for mailq: %s", f.text);
		return;
	}
	snprintf(line, sizeof(line), "%s\n", name);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 ||
	    fileio_write_all(fd, line, strlen(line)) == -1)
		log_info("no receipt kept for mailq: %s: %s", path,
		    strerror(errno));
	if (fd != -1)
		close(fd);
}

static void
new_name(char name[MAILDROP_NAME_LEN + 1])
{
	unsigned char	rnd[MAILDROP_NAME_LEN / 2];
	size_t		i;

	arc4random_buf(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(name + 2 * i, 3, "%02x", rnd[i]);
}

static int
valid_name(const char *name)
{
	size_t	i;

	for (i = 0; i < MAILDROP_NAME_LEN; i++)
		if (strchr("0123456789abcdef", name[i]) == NULL ||
		    name[i] == '\0')
			return 0;
	return name[i] == '\0';
}

/*
 * Mode 0640 whatever the umask, group postie's by the directory's
 * set-group-id bit: without it the pickup could not read the file, and
 * the message would wait for ever.
 */
static int
create_file(const char *path, struct failure *f)
{
	struct stat	st, dir;
	int		fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC, 0600)) == -1)
		return fail(f, errno == ENOSPC || errno == EDQUOT ?
		    FAIL_TEMPFAIL : FAIL_CANTCREAT, "cannot write to the "
		    "system maildrop %s: %s", SYSUSER_INCOMING,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || stat(SYSUSER_INCOMING, &dir) == -1 ||
	    fchmod(fd, 0640) == -1) {
		fail(f, FAIL_IO, "%s: %s", path, strerror(errno));
	} else if (st.st_gid != dir.st_gid || (dir.st_mode & S_ISGID) == 0) {
		fail(f, FAIL_CONFIG, "the system maildrop %s is not set up: "
		    "it lacks its set-group-id bit (make install-system)",
		    SYSUSER_INCOMING);
	} else
		return fd;
	unlink(path);
	close(fd);
	return -1;
}

static int
write_request(int fd, const struct submit_request *r, struct failure *f)
{
	struct queue_envelope	 env;
	struct buf		 b = BUF_INIT;
	char			 user[LOCALNAME_MAX + 1];
	size_t			 i;
	int			 rc = -1;

	memset(&env, 0, sizeof(env));
	if (localname_user(user, sizeof(user)) == -1)
		return fail(f, FAIL_OS, "cannot tell who you are: %s",
		    strerror(errno));
	/* The queue envelope's strings are its own; these are borrowed. */
	env.user = user;
	env.account = (char *)(uintptr_t)r->account;
	env.env.from = r->env->from;
	env.full_name = (char *)(uintptr_t)r->full_name;
	env.env.dsn_notify = r->env->dsn_notify;
	env.env.dsn_ret = r->env->dsn_ret;
	env.env.dsn_envid = r->env->dsn_envid;
	env.extract_rcpts = r->extract_rcpts;
	env.env.eight_bit = r->env->eight_bit;
	env.created = time(NULL);
	for (i = 0; i < r->env->rcpts.n; i++)
		if (addrlist_add(&env.env.rcpts, r->env->rcpts.v[i], f) == -1)
			goto out;
	if (queue_envelope_format(&env, &b) == -1 ||
	    buf_append(&b, "\n", 1) == -1) {
		fail(f, FAIL_OS, "out of memory");
		goto out;
	}
	if (b.len > MAILDROP_REQUEST_MAX) {
		fail(f, FAIL_USAGE, "too many recipients for the system "
		    "maildrop");
		goto out;
	}
	if (fileio_write_all(fd, b.data, b.len) == -1) {
		fail(f, errno == ENOSPC || errno == EDQUOT ? FAIL_TEMPFAIL :
		    FAIL_IO, "cannot write to the system maildrop: %s",
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	addrlist_free(&env.env.rcpts);
	buf_free(&b, 0);
	return rc;
}

/*
 * The user hears now what the pickup would only log: a NUL byte, a long
 * line, no recipient, a message too large.
 */
static int
write_message(int fd, const struct submit_request *r, struct failure *f)
{
	struct message_opts	opts;
	struct message_info	info = MESSAGE_INFO_INIT;
	size_t			nrcpts;
	int			rc;

	memset(&opts, 0, sizeof(opts));
	opts.ignore_dots = r->ignore_dots;
	opts.extract_rcpts = r->extract_rcpts;
	opts.keep_bcc = 1;
	opts.read_max = MAILDROP_SIZE_MAX;
	rc = message_read(r->in_fd, fd, &opts, &info, f);
	nrcpts = info.rcpts.n + r->env->rcpts.n;
	message_info_free(&info);
	if (rc == 0 && nrcpts == 0)
		return fail(f, FAIL_DATA, "no recipients: name them as "
		    "arguments, or use -t to read them from the headers");
	return rc;
}

static int
make_durable(int fd, const char *tmp, const char *path, struct failure *f)
{
	int	dfd, rc;

	if (fsync(fd) == -1 || rename(tmp, path) == -1)
		return fail(f, errno == ENOSPC || errno == EDQUOT ?
		    FAIL_TEMPFAIL : FAIL_IO, "cannot write to the system "
		    "maildrop: %s", strerror(errno));
	if ((dfd = open(SYSUSER_MAILDROP, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		rc = fsync(dfd);
		close(dfd);
	} else {
#if defined(__linux__)
		rc = syncfs(fd);
#else
		sync();
		rc = 0;
#endif
	}
	if (rc == -1) {
		/* Not durable: take the name back, the caller keeps it. */
		unlink(path);
		return fail(f, FAIL_IO, "cannot write to the system maildrop: "
		    "%s", strerror(errno));
	}
	return 0;
}

int
maildrop_pickup(enum maildrop_verdict (*take)(void *arg,
    const struct maildrop_file *m, struct failure *why), void *arg,
    struct failure *f)
{
	struct failure	sub;
	int		holdfd, rc = 0, taken = 0;

	sweep_incoming(time(NULL));
	failure_clear(&sub);
	/* Without hold/ (an older set-up) a kept file stays where it is. */
	if ((holdfd = open_spool_dir(SYSUSER_HOLD, &sub)) != -1)
		rc = pickup_dir(holdfd, -1, take, arg, &taken, f);
	if (rc == 0)
		rc = pickup_dir(-1, holdfd, take, arg, &taken, f);
	if (holdfd != -1)
		close(holdfd);
	return rc == -1 ? -1 : taken;
}

/*
 * Each file of the directory open on dfd (-1: the maildrop), a kept one
 * moved to holdfd's directory (-1: left), *taken counting those taken.
 * Returns 0, or -1 (f) when the directory cannot be read.
 */
static int
pickup_dir(int dfd, int holdfd, enum maildrop_verdict (*take)(void *,
    const struct maildrop_file *, struct failure *), void *arg, int *taken,
    struct failure *f)
{
	char	**names = NULL;
	size_t	  n = 0, i;
	int	  own = dfd == -1;

	if (own && (dfd = open_spool_dir(SYSUSER_MAILDROP, f)) == -1)
		return -1;
	if (list_names(dfd, &names, &n, f) == -1) {
		if (own)
			close(dfd);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (pickup_one(dfd, names[i], take, arg, taken) ==
		    MAILDROP_KEEP && holdfd != -1 &&
		    renameat(dfd, names[i], holdfd, names[i]) == -1)
			log_warn("maildrop %s: cannot hold it: %s", names[i],
			    strerror(errno));
		free(names[i]);
	}
	free(names);
	fsync(dfd);
	if (holdfd != -1)
		fsync(holdfd);
	if (own)
		close(dfd);
	return 0;
}

/* The names first: the loop renames and removes as it goes. */
static int
list_names(int dfd, char ***names, size_t *n, struct failure *f)
{
	DIR		 *d;
	struct dirent	 *de;
	char		**v;
	int		  fd;

	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return fail(f, FAIL_OS, "%s: %s", SYSUSER_MAILDROP,
		    strerror(errno));
	}
	while (*n < PICKUP_MAX && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((v = reallocarray(*names, *n + 1, sizeof(*v))) == NULL)
			break;
		*names = v;
		if ((v[*n] = strdup(de->d_name)) == NULL)
			break;
		(*n)++;
	}
	closedir(d);
	return 0;
}

/* Whose files are the users', which is why it must be ours. */
static int
open_spool_dir(const char *dir, struct failure *f)
{
	struct stat	st;
	int		dfd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return fail(f, FAIL_CANTCREAT, "cannot read the maildrop %s: "
		    "%s", dir, strerror(errno));
	if (fstat(dfd, &st) == -1 || st.st_uid != geteuid() ||
	    (st.st_mode & S_ISVTX) == 0) {
		close(dfd);
		return fail(f, FAIL_CONFIG, "the maildrop %s is not the %s "
		    "user's, or lacks its sticky bit (make install-system)",
		    dir, SYSUSER_NAME);
	}
	return dfd;
}

/* What a submission that did not finish left behind. */
static void
sweep_incoming(time_t now)
{
	struct failure	  f;
	struct stat	  st;
	char		**names = NULL;
	size_t		  n = 0, i;
	int		  dfd;

	failure_clear(&f);
	if ((dfd = open_spool_dir(SYSUSER_INCOMING, &f)) == -1) {
		log_warn("%s", f.text);
		return;
	}
	if (list_names(dfd, &names, &n, &f) == -1)
		n = 0;
	for (i = 0; i < n; i++) {
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now - st.st_mtime > STALE_AGE &&
		    unlinkat(dfd, names[i], 0) == 0)
			log_warn("maildrop: removed incoming/%s, left by a "
			    "submission that did not finish", names[i]);
		free(names[i]);
	}
	free(names);
	close(dfd);
}

/*
 * Out of the maildrop, under a name of ours, for the administrator to
 * look at: never deleted, since it may be someone's mail.
 */
static void
quarantine(int dfd, const char *name, const char *why)
{
	char	safe[4 * 64 + 1], to[sizeof(SYSUSER_QUARANTINE) +
		    MAILDROP_NAME_LEN + 2];
	char	fresh[MAILDROP_NAME_LEN + 1];

	strnvis(safe, name, sizeof(safe), VIS_CSTYLE | VIS_NL | VIS_TAB |
	    VIS_OCTAL);
	new_name(fresh);
	snprintf(to, sizeof(to), "%s/%s", SYSUSER_QUARANTINE, fresh);
	if (mkdir(SYSUSER_QUARANTINE, 0700) == -1 && errno != EEXIST)
		log_warn("maildrop: cannot create %s: %s", SYSUSER_QUARANTINE,
		    strerror(errno));
	if (renameat(dfd, name, AT_FDCWD, to) == 0)
		log_warn("maildrop %s: refused (%s): quarantined as %s", safe,
		    why, to);
	else
		log_warn("maildrop %s: refused (%s), and cannot be "
		    "quarantined: %s", safe, why, strerror(errno));
}

/*
 * Never follows a link, never blocks on a FIFO, never reads past what
 * a message may be: the file is someone else's.
 */
static int
open_file(int dfd, const char *name, struct maildrop_file *m,
    struct failure *why)
{
	struct stat	 st;
	struct passwd	*pw;

	if ((m->fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC)) == -1)
		return fail(why, FAIL_DATA, "%s", errno == ELOOP ?
		    "a symbolic link" : strerror(errno));
	if (fstat(m->fd, &st) == -1)
		return fail(why, FAIL_IO, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(why, FAIL_DATA, "not a regular file");
	if (st.st_nlink != 1)
		return fail(why, FAIL_DATA, "it has %lu links",
		    (unsigned long)st.st_nlink);
	/* The limit counts what the user sent: CRLF may double it. */
	if (st.st_size > 2 * MAILDROP_SIZE_MAX + MAILDROP_REQUEST_MAX)
		return fail(why, FAIL_DATA, "larger than %ld MiB",
		    2 * MAILDROP_SIZE_MAX / (1024 * 1024));
	if ((pw = getpwuid(st.st_uid)) == NULL || pw->pw_name == NULL ||
	    strlcpy(m->user, pw->pw_name, sizeof(m->user)) >= sizeof(m->user))
		return fail(why, FAIL_DATA, "owned by uid %lu, who has no "
		    "name here", (unsigned long)st.st_uid);
	m->uid = st.st_uid;
	return read_request(m, st.st_size, why);
}

/* Whatever open_file() left, even halfway; m is empty (fd 0) after. */
static void
file_close(struct maildrop_file *m)
{
	if (m->fd > 0)
		close(m->fd);
	queue_envelope_free(&m->req);
	memset(m, 0, sizeof(*m));
}

/* The request ends at the first empty line; the message follows it. */
static int
read_request(struct maildrop_file *m, off_t size, struct failure *why)
{
	struct buf	 b = BUF_INIT;
	char		*end, claim[4 * 64 + 1];
	size_t		 want;
	ssize_t		 n;
	int		 rc = -1;

	want = size < MAILDROP_REQUEST_MAX ? (size_t)size :
	    MAILDROP_REQUEST_MAX;
	if (buf_reserve(&b, want + 1) == -1)
		return fail(why, FAIL_OS, "out of memory");
	while (b.len < want && (n = read(m->fd, b.data + b.len,
	    want - b.len)) != 0)
		if (n > 0)
			b.len += (size_t)n;
		else if (errno != EINTR) {
			fail(why, FAIL_IO, "%s", strerror(errno));
			goto out;
		}
	if ((end = memmem(b.data, b.len, "\n\n", 2)) == NULL) {
		fail(why, FAIL_DATA, "no request at its head");
		goto out;
	}
	m->size = size - (end + 2 - b.data);
	if (lseek(m->fd, end + 2 - b.data, SEEK_SET) == -1) {
		fail(why, FAIL_IO, "%s", strerror(errno));
		goto out;
	}
	if (queue_envelope_parse_request(b.data, (size_t)(end + 1 - b.data),
	    "request", &m->req, why) == -1 || check_request(&m->req, why) == -1)
		goto out;
	if (m->req.user == NULL || strcmp(m->req.user, m->user) != 0) {
		strnvis(claim, m->req.user != NULL ? m->req.user : "nobody",
		    sizeof(claim), VIS_CSTYLE | VIS_NL | VIS_TAB | VIS_OCTAL);
		fail(why, FAIL_DATA, "it says it is from %s but belongs to %s",
		    claim, m->user);
	} else
		rc = 0;
out:
	buf_free(&b, 0);
	return rc;
}

/*
 * Each value the user gave must be one the command line would have
 * taken (no CR or LF in an address, DSN values as RFC 3461 has them):
 * the same parser says so, with its own words.
 */
static int
check_request(const struct queue_envelope *req, struct failure *why)
{
	struct invocation	  inv;
	struct failure		  sub;
	char			**argv;
	size_t			  i;
	int			  argc = 0, rc;

	if ((argv = reallocarray(NULL, req->env.rcpts.n + 16, sizeof(*argv))) ==
	    NULL)
		return fail(why, FAIL_OS, "out of memory");
	argv[argc++] = (char *)(uintptr_t)"sendmail";
	if (req->extract_rcpts)
		argv[argc++] = (char *)(uintptr_t)"-t";
#define OPTION(flag, value) do {					\
	if ((value) != NULL) {						\
		argv[argc++] = (char *)(uintptr_t)(flag);		\
		argv[argc++] = (value);					\
	}								\
} while (0)
	OPTION("-a", req->account);
	OPTION("-f", req->env.from);
	OPTION("-F", req->full_name);
	OPTION("-N", req->env.dsn_notify);
	OPTION("-R", req->env.dsn_ret);
	OPTION("-V", req->env.dsn_envid);
#undef OPTION
	argv[argc++] = (char *)(uintptr_t)"--";
	for (i = 0; i < req->env.rcpts.n; i++)
		argv[argc++] = req->env.rcpts.v[i];
	argv[argc] = NULL;
	failure_clear(&sub);
	rc = cli_parse(&inv, argc, argv, &sub);
	cli_free(&inv);
	free(argv);
	if (rc == -1)
		return fail(why, sub.kind == FAIL_OS ? FAIL_OS : FAIL_DATA,
		    "a request the command line would refuse: %s", sub.text);
	return 0;
}

static enum maildrop_verdict
pickup_one(int dfd, const char *name, enum maildrop_verdict (*take)(void *,
    const struct maildrop_file *, struct failure *), void *arg, int *taken)
{
	struct maildrop_file	m;
	struct failure		why;
	enum maildrop_verdict	v = MAILDROP_REFUSE;

	memset(&m, 0, sizeof(m));
	failure_clear(&why);
	if (!valid_name(name)) {
		quarantine(dfd, name, "not a name the maildrop gives");
		return v;
	}
	if (open_file(dfd, name, &m, &why) == 0) {
		strlcpy(m.name, name, sizeof(m.name));
		v = take(arg, &m, &why);
	} else if (why.kind != FAIL_DATA) {
		log_warn("maildrop %s: kept for the next pickup: %s", name,
		    why.text);
		v = MAILDROP_KEEP;
	}
	if (v == MAILDROP_TAKEN) {
		if (unlinkat(dfd, name, 0) == -1)
			log_warn("maildrop %s: queued, but cannot be removed: "
			    "%s", name, strerror(errno));
		(*taken)++;
	} else if (v == MAILDROP_REFUSE)
		quarantine(dfd, name, why.text);
	file_close(&m);
	return v;
}

/*
 * mailq for a user of the maildrop: each message the receipts name,
 * still in the maildrop (the file is the user's own) or in the system
 * queue (its status copy). A message in neither has left: its receipt
 * goes.
 */
int
maildrop_list(void)
{
	struct failure	 f;
	struct buf	 b = BUF_INIT, kept = BUF_INIT;
	char		 path[4096], *line, *next;
	time_t		 now = time(NULL);
	size_t		 counts[2] = { 0, 0 };
	int		 r;

	failure_clear(&f);
	if (queue_user_file(RECEIPTS, path, sizeof(path), &f) == -1)
		return exitcode_report(&f);
	if (read_receipts(path, &b) == -1) {
		fail(&f, FAIL_IO, "%s: %s", path, strerror(errno));
		return exitcode_report(&f);
	}
	for (line = b.data; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (!valid_name(line) || (r = list_one_drop(line, now)) == -1)
			continue;
		counts[r - 1]++;
		if (buf_appendf(&kept, "%s\n", line) == -1)
			break;
	}
	if (counts[0] + counts[1] == 0)
		printf("Mail queue is empty\n");
	else
		printf("%zu queued, %zu failed\n", counts[0], counts[1]);
	write_receipts(path, &kept);
	buf_free(&b, 0);
	buf_free(&kept, 0);
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}

static int
read_receipts(const char *path, struct buf *b)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	while (b->len < RECEIPTS_MAX && buf_reserve(b, 4096) == 0 &&
	    (n = read(fd, b->data + b->len, b->cap - b->len - 1)) > 0)
		b->len += (size_t)n;
	if (b->data != NULL)
		b->data[b->len] = '\0';
	close(fd);
	return 0;
}

/* Best effort, atomic: a lost receipt hides a message, loses nothing. */
static void
write_receipts(const char *path, const struct buf *kept)
{
	char	tmp[4096 + 8];
	int	fd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return;
	if (fileio_write_all(fd, kept->data, kept->len) == -1 ||
	    close(fd) == -1 || rename(tmp, path) == -1)
		unlink(tmp);
}

/* 1 when listed as queued, 2 as failed, -1 when it has left. */
static int
list_one_drop(const char *name, time_t now)
{
	struct maildrop_file	m;
	struct queue_envelope	env;
	struct failure		f;
	struct stat		st;
	char			path[PATH_LEN];
	int			ok, r = -1;

	memset(&m, 0, sizeof(m));
	failure_clear(&f);
	/* The user may not list the maildrop, but may open a file by name. */
	snprintf(path, sizeof(path), "%s/%s", SYSUSER_MAILDROP, name);
	if ((ok = open_file(AT_FDCWD, path, &m, &f) == 0) == 0) {
		file_close(&m);
		snprintf(path, sizeof(path), "%s/%s", SYSUSER_HOLD, name);
		ok = open_file(AT_FDCWD, path, &m, &f) == 0;
	}
	if (ok && fstat(m.fd, &st) == 0) {
		m.req.env.size = m.size;
		m.req.created = st.st_mtime;
		qrun_print_entry(name, &m.req, now);
		printf("  (waiting in the maildrop for the system queue "
		    "run)\n\n");
		r = 1;
	} else if (queue_status_read(SYSUSER_STATUS, name, &env, &f) == 1) {
		qrun_print_entry(name, &env, now);
		r = env.failed ? 2 : 1;
		queue_envelope_free(&env);
	}
	file_close(&m);
	return r;
}

/*
 * The system's mailq (root and postie): what waits in the maildrop, each
 * file parsed as the pickup would; those it would refuse are not listed.
 * Returns how many were listed.
 */
size_t
maildrop_list_waiting(void)
{
	return list_dir_waiting(SYSUSER_HOLD, "held after a failed pickup") +
	    list_dir_waiting(SYSUSER_MAILDROP, "waiting in the maildrop for "
	    "the system queue run");
}

static size_t
list_dir_waiting(const char *dir, const char *why)
{
	struct maildrop_file	  m;
	struct failure		  f;
	struct stat		  st;
	char			**names = NULL;
	size_t			  n = 0, i, listed = 0;
	time_t			  now = time(NULL);
	int			  dfd;

	failure_clear(&f);
	if ((dfd = open_spool_dir(dir, &f)) == -1)
		return 0;
	if (list_names(dfd, &names, &n, &f) == -1)
		n = 0;
	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		if (valid_name(names[i]) &&
		    open_file(dfd, names[i], &m, &f) == 0 &&
		    fstat(m.fd, &st) == 0) {
			m.req.env.size = m.size;
			m.req.created = st.st_mtime;
			qrun_print_entry(names[i], &m.req, now);
			printf("  (%s)\n\n", why);
			listed++;
		}
		file_close(&m);
		free(names[i]);
	}
	free(names);
	close(dfd);
	return listed;
}
