/*
 * Unit tests for queue: each test gets a fresh queue under a mkdtemp
 * directory and looks at the files on disk as well as at what the
 * functions return.
 */
#define _XOPEN_SOURCE 700	/* nftw */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "queue.h"
#include "sysuser.h"

/* After our headers: cmocka defines a fail() macro. */
#include <cmocka.h>

struct fx {
	char		root[64];	/* the mkdtemp directory */
	char		dir[128];	/* the queue, two levels below */
	struct queue	q;
};

static const char body[] = "Subject: test\r\n\r\nbody\r\n";
static const char odd_rcpt[] = "\"odd\\\\ \tname\x01\"@ex\xc3\xa4mple.org";

static int
setup(void **state)
{
	struct fx	*x;
	struct failure	 f;

	x = calloc(1, sizeof(*x));
	assert_non_null(x);
	strlcpy(x->root, "/tmp/test_queue.XXXXXX", sizeof(x->root));
	assert_non_null(mkdtemp(x->root));
	snprintf(x->dir, sizeof(x->dir), "%s/a/b", x->root);
	if (queue_open(&x->q, x->dir, &f) == -1)
		print_error("queue_open: %s\n", f.text);
	assert_non_null(x->q.dir);
	*state = x;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fx	*x = *state;

	queue_close(&x->q);
	nftw(x->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(x);
	return 0;
}

static int
count_files(struct fx *x, const char *sub)
{
	char		 path[256];
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/%s", x->dir, sub);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int
exists(struct fx *x, const char *sub, const char *id, const char *ext)
{
	char		path[256];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s/%s.%s", x->dir, sub, id, ext);
	return stat(path, &st) == 0;
}

static void
put_file(struct fx *x, const char *sub, const char *id, const char *ext,
    const char *text)
{
	char	path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s/%s.%s", x->dir, sub, id, ext);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(fd, p, n);
		assert_true(w > 0);
		p += w;
		n -= (size_t)w;
	}
}

static void
env_init(struct queue_envelope *env)
{
	memset(env, 0, sizeof(*env));
	assert_non_null(env->env.from = strdup("sender@example.org"));
	assert_non_null(env->account = strdup("work"));
	assert_int_equal(addrlist_add(&env->env.rcpts, "a@example.org", NULL), 0);
}

/* A committed message; returns its id in id, entry released. */
static void
queue_one(struct fx *x, char id[QUEUE_ID_MAX], struct queue_entry **keep)
{
	struct queue_envelope	 env;
	struct queue_entry	*e;
	struct failure		 f;

	env_init(&env);
	assert_int_equal(queue_create(&x->q, &e, &f), 0);
	write_all(queue_entry_fd(e), body, sizeof(body) - 1);
	assert_int_equal(queue_commit(&x->q, e, &env, &f), 0);
	strlcpy(id, env.id, QUEUE_ID_MAX);
	queue_envelope_free(&env);
	if (keep != NULL)
		*keep = e;
	else
		queue_release(e);
}

static void
test_roundtrip(void **state)
{
	struct fx		*x = *state;
	struct queue_envelope	 env, *l;
	struct queue_entry	*e;
	struct failure		 f;
	char			 path[256], buf[4096];
	size_t			 n, i;
	ssize_t			 got;
	int			 fd, lines;
	time_t			 before = time(NULL);

	env_init(&env);
	assert_int_equal(addrlist_add(&env.env.rcpts, odd_rcpt, NULL), 0);
	assert_int_equal(addrlist_add(&env.env.rcpts, "c\r\nRCPT TO:<x@y>",
	    NULL), 0);
	env.config = strdup("/etc/postie conf");
	env.env.dsn_notify = strdup("SUCCESS,FAILURE");
	env.env.dsn_ret = strdup("HDRS");
	env.env.dsn_envid = strdup("QQ+2Bx");
	env.last_error = strdup("first\nsecond\\");
	env.env.eight_bit = 1;
	env.attempts = 3;
	env.next_attempt = 1234567890;
	assert_int_equal(queue_create(&x->q, &e, &f), 0);
	assert_null(queue_entry_envelope(e));
	assert_int_equal(count_files(x, "tmp"), 1);
	write_all(queue_entry_fd(e), body, sizeof(body) - 1);
	assert_int_equal(queue_commit(&x->q, e, &env, &f), 0);
	assert_string_equal(env.id, queue_entry_id(e));
	assert_int_equal(env.env.size, sizeof(body) - 1);
	assert_true(env.created >= before && env.created <= time(NULL));
	assert_non_null(queue_entry_envelope(e));
	assert_int_equal(queue_entry_envelope(e)->env.rcpts.n, 3);
	assert_int_equal(count_files(x, "tmp"), 0);
	assert_int_equal(count_files(x, "queue"), 2);
	queue_release(e);

	/* No value may break a line: 1 version, 14 keys, 2 more rcpts. */
	snprintf(path, sizeof(path), "%s/queue/%s.env", x->dir, env.id);
	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_true((got = read(fd, buf, sizeof(buf) - 1)) > 0);
	close(fd);
	buf[got] = '\0';
	for (lines = 0, i = 0; i < (size_t)got; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, 16);
	assert_memory_equal(buf, "version 1\n", 10);

	assert_int_equal(queue_list(&x->q, 0, &l, &n, &f), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].id, env.id);
	assert_string_equal(l[0].config, env.config);
	assert_string_equal(l[0].account, "work");
	assert_string_equal(l[0].env.from, "sender@example.org");
	assert_int_equal(l[0].env.rcpts.n, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(l[0].env.rcpts.v[i], env.env.rcpts.v[i]);
	assert_string_equal(l[0].env.dsn_notify, "SUCCESS,FAILURE");
	assert_string_equal(l[0].env.dsn_ret, "HDRS");
	assert_string_equal(l[0].env.dsn_envid, "QQ+2Bx");
	assert_string_equal(l[0].last_error, "first\nsecond\\");
	assert_int_equal(l[0].env.eight_bit, 1);
	assert_int_equal(l[0].env.size, env.env.size);
	assert_int_equal(l[0].created, env.created);
	assert_int_equal(l[0].attempts, 3);
	assert_int_equal(l[0].next_attempt, 1234567890);
	assert_int_equal(l[0].failed, 0);
	queue_envelopes_free(l, n);
	queue_envelope_free(&env);
}

static void
test_null_sender_and_order(void **state)
{
	struct fx		*x = *state;
	struct queue_envelope	 env, *l;
	struct queue_entry	*e;
	struct failure		 f;
	char			 a[QUEUE_ID_MAX], b[QUEUE_ID_MAX];
	size_t			 n;

	queue_one(x, a, NULL);
	memset(&env, 0, sizeof(env));
	env.env.from = strdup("");
	assert_int_equal(addrlist_add(&env.env.rcpts, "r@example.org", NULL), 0);
	assert_int_equal(queue_create(&x->q, &e, &f), 0);
	assert_int_equal(queue_commit(&x->q, e, &env, &f), 0);
	strlcpy(b, env.id, sizeof(b));
	queue_release(e);
	queue_envelope_free(&env);
	assert_true(strcmp(a, b) < 0);	/* ids sort by time */
	assert_int_equal(queue_list(&x->q, 0, &l, &n, &f), 0);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].id, a);
	assert_string_equal(l[1].id, b);
	assert_string_equal(l[1].env.from, "");
	assert_null(l[1].account);
	assert_int_equal(l[1].env.size, 0);
	queue_envelopes_free(l, n);
}

static void
test_take_locked(void **state)
{
	struct fx		*x = *state;
	struct queue_entry	*e, *t;
	struct failure		 f;
	char			 id[QUEUE_ID_MAX], rd[64];
	ssize_t			 got;

	queue_one(x, id, &e);
	/* The committed entry keeps its lock: a second open conflicts. */
	assert_int_equal(queue_take(&x->q, id, &t, &f), 0);
	assert_null(t);
	queue_release(e);
	assert_int_equal(queue_take(&x->q, id, &t, &f), 1);
	assert_non_null(t);
	assert_string_equal(queue_entry_id(t), id);
	assert_string_equal(queue_entry_envelope(t)->env.from,
	    "sender@example.org");
	got = read(queue_entry_fd(t), rd, sizeof(rd));
	assert_int_equal(got, sizeof(body) - 1);
	assert_memory_equal(rd, body, sizeof(body) - 1);
	assert_int_equal(queue_take(&x->q, id, &e, &f), 0);

	assert_int_equal(queue_done(&x->q, t, &f), 0);
	assert_false(exists(x, "queue", id, "msg"));
	assert_false(exists(x, "queue", id, "env"));
	assert_int_equal(queue_take(&x->q, id, &t, &f), 0);
}

static void
test_take_locked_by_child(void **state)
{
	struct fx		*x = *state;
	struct queue_entry	*t;
	struct failure		 f;
	char			 id[QUEUE_ID_MAX], path[256];
	int			 up[2], down[2], fd, status;
	pid_t			 pid;
	char			 c;

	queue_one(x, id, NULL);
	snprintf(path, sizeof(path), "%s/queue/%s.msg", x->dir, id);
	/* One pipe each way, or the child could read its own byte. */
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	if ((pid = fork()) == 0) {
		fd = open(path, O_RDONLY);
		if (fd == -1 || flock(fd, LOCK_EX) == -1)
			_exit(1);
		if (write(up[1], "x", 1) != 1)
			_exit(1);
		/* Until the parent is done; its end closing ends it too. */
		if (read(down[0], &c, 1) == -1)
			_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(read(up[0], &c, 1), 1);
	assert_int_equal(queue_take(&x->q, id, &t, &f), 0);
	assert_int_equal(write(down[1], "y", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	assert_int_equal(queue_take(&x->q, id, &t, &f), 1);
	queue_release(t);
}

static void
test_defer(void **state)
{
	struct fx		*x = *state;
	struct queue_entry	*t;
	struct queue_envelope	*l;
	struct failure		 f;
	char			 id[QUEUE_ID_MAX];
	time_t			 next = 0;
	size_t			 n;

	queue_one(x, id, NULL);
	assert_int_equal(queue_take(&x->q, id, &t, &f), 1);
	assert_int_equal(queue_defer(&x->q, t, "421 busy\r\nnow", 1000,
	    &next, &f), 0);
	assert_true(next >= 1060 && next <= 1072);
	assert_int_equal(queue_list(&x->q, 0, &l, &n, &f), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].attempts, 1);
	assert_int_equal(l[0].next_attempt, next);
	/* Stored escaped, as fail() shows it. */
	assert_string_equal(l[0].last_error, "421 busy\\r\\nnow");
	queue_envelopes_free(l, n);

	assert_int_equal(queue_take(&x->q, id, &t, &f), 1);
	assert_int_equal(queue_entry_envelope(t)->attempts, 1);
	assert_int_equal(queue_defer(&x->q, t, "again", 2000, NULL, &f), 0);
	assert_int_equal(queue_take(&x->q, id, &t, &f), 1);
	assert_int_equal(queue_entry_envelope(t)->attempts, 2);
	assert_true(queue_entry_envelope(t)->next_attempt >= 2120 &&
	    queue_entry_envelope(t)->next_attempt <= 2144);
	assert_string_equal(queue_entry_envelope(t)->last_error, "again");
	queue_release(t);
	assert_int_equal(count_files(x, "tmp"), 0);
	assert_int_equal(count_files(x, "queue"), 2);
}

static void
test_fail_and_retry(void **state)
{
	struct fx		*x = *state;
	struct queue_entry	*t;
	struct queue_envelope	*l;
	struct failure		 f;
	char			 id[QUEUE_ID_MAX];
	size_t			 n;

	queue_one(x, id, NULL);
	assert_int_equal(queue_take(&x->q, id, &t, &f), 1);
	assert_int_equal(queue_defer(&x->q, t, "421 later", 1000, NULL,
	    &f), 0);
	assert_int_equal(queue_take(&x->q, id, &t, &f), 1);
	assert_int_equal(queue_fail(&x->q, t, "550 no such user", &f), 0);
	assert_int_equal(count_files(x, "queue"), 0);
	assert_int_equal(count_files(x, "tmp"), 0);
	assert_true(exists(x, "failed", id, "msg"));
	assert_true(exists(x, "failed", id, "env"));
	assert_int_equal(queue_take(&x->q, id, &t, &f), 0);

	assert_int_equal(queue_list(&x->q, 0, &l, &n, &f), 0);
	assert_int_equal(n, 0);
	queue_envelopes_free(l, n);
	assert_int_equal(queue_list(&x->q, 1, &l, &n, &f), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].id, id);
	assert_int_equal(l[0].failed, 1);
	assert_int_equal(l[0].attempts, 1);
	assert_string_equal(l[0].last_error, "550 no such user");
	queue_envelopes_free(l, n);

	assert_int_equal(queue_retry(&x->q, id, &f), 0);
	assert_int_equal(count_files(x, "failed"), 0);
	assert_int_equal(queue_list(&x->q, 0, &l, &n, &f), 0);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].next_attempt, 0);
	assert_int_equal(l[0].failed, 0);
	queue_envelopes_free(l, n);

	/* Retry of a queued one makes it due now. */
	assert_int_equal(queue_take(&x->q, id, &t, &f), 1);
	assert_int_equal(queue_defer(&x->q, t, "x", 1000, NULL, &f), 0);
	assert_int_equal(queue_retry(&x->q, id, &f), 0);
	assert_int_equal(queue_take(&x->q, id, &t, &f), 1);
	assert_int_equal(queue_entry_envelope(t)->next_attempt, 0);
	queue_release(t);
	assert_int_equal(count_files(x, "queue"), 2);
}

static void
test_remove(void **state)
{
	struct fx		*x = *state;
	struct queue_entry	*t;
	struct failure		 f;
	char			 a[QUEUE_ID_MAX], b[QUEUE_ID_MAX];

	queue_one(x, a, NULL);
	queue_one(x, b, NULL);
	assert_int_equal(queue_take(&x->q, b, &t, &f), 1);
	assert_int_equal(queue_fail(&x->q, t, "bad", &f), 0);

	assert_int_equal(queue_remove(&x->q, a, &f), 0);
	assert_int_equal(count_files(x, "queue"), 0);
	assert_int_equal(queue_remove(&x->q, a, &f), -1);
	assert_int_equal(f.kind, FAIL_USAGE);
	assert_int_equal(queue_retry(&x->q, a, &f), -1);
	assert_int_equal(f.kind, FAIL_USAGE);

	assert_int_equal(queue_remove(&x->q, b, &f), 0);
	assert_int_equal(count_files(x, "failed"), 0);
}

static void
test_bad_ids(void **state)
{
	static const char *const bad[] = {
		"", "../x", "..", "a/b", "a.msg", "x y", "abc\n",
		"0123456789abcdef0123456789abcdef",	/* 32: too long */
	};
	struct fx		*x = *state;
	struct queue_entry	*t;
	struct failure		 f;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.kind = FAIL_NONE;
		assert_int_equal(queue_take(&x->q, bad[i], &t, &f), -1);
		assert_int_equal(f.kind, FAIL_USAGE);
		assert_int_equal(queue_remove(&x->q, bad[i], &f), -1);
		assert_int_equal(f.kind, FAIL_USAGE);
		assert_int_equal(queue_retry(&x->q, bad[i], &f), -1);
		assert_int_equal(f.kind, FAIL_USAGE);
	}
	/* Valid but unknown. */
	assert_int_equal(queue_take(&x->q, "0123456789ABCDEFabcdef", &t, &f),
	    0);
}

static void
test_open_refuses(void **state)
{
	struct fx	*x = *state;
	struct queue	 q;
	struct failure	 f;
	char		 dir[256], sub[300];

	snprintf(dir, sizeof(dir), "%s/open", x->root);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(queue_open(&q, dir, &f), -1);
	assert_int_equal(f.kind, FAIL_CONFIG);
	assert_non_null(strstr(f.text, "chmod 700"));

	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(queue_open(&q, dir, &f), 0);
	queue_close(&q);
	snprintf(sub, sizeof(sub), "%s/tmp", dir);
	assert_int_equal(chmod(sub, 0770), 0);
	assert_int_equal(queue_open(&q, dir, &f), -1);
	assert_int_equal(f.kind, FAIL_CONFIG);

	put_file(x, "queue", "x", "y", "");
	snprintf(sub, sizeof(sub), "%s/queue/x.y", x->dir);
	assert_int_equal(queue_open(&q, sub, &f), -1);
	assert_int_equal(f.kind, FAIL_CANTCREAT);

	if (geteuid() == 0) {
		assert_int_equal(chown(dir, 1, 1), 0);
		assert_int_equal(queue_open(&q, dir, &f), -1);
		assert_int_equal(f.kind, FAIL_CONFIG);
	}
}

static void
test_default_dir(void **state)
{
	char		buf[PATH_MAX], tiny[4];
	struct failure	f;

	(void)state;
	setenv("XDG_STATE_HOME", "/xdg", 1);
	setenv("HOME", "/home/u", 1);
	assert_int_equal(queue_default_dir(buf, sizeof(buf), &f), 0);
	/* Root's is the system spool only without a postie user. */
	if (sysuser_is_system())
		assert_string_equal(buf, POSTIE_LOCALSTATEDIR "/spool/postie");
	else {
		assert_string_equal(buf, "/xdg/postie/queue");
		setenv("XDG_STATE_HOME", "relative", 1);
		assert_int_equal(queue_default_dir(buf, sizeof(buf), &f), 0);
		assert_string_equal(buf, "/home/u/.local/state/postie/queue");
	}
	assert_int_equal(queue_default_dir(tiny, sizeof(tiny), &f), -1);
	assert_int_equal(f.kind, FAIL_SOFTWARE);
}

/* An account's queue_dir as it is; without one, the default. */
static void
test_dir_named(void **state)
{
	char		buf[PATH_MAX], def[PATH_MAX], tiny[4];
	struct failure	f;

	(void)state;
	assert_int_equal(queue_dir_named("/srv/q", buf, sizeof(buf), &f), 0);
	assert_string_equal(buf, "/srv/q");
	assert_int_equal(queue_default_dir(def, sizeof(def), &f), 0);
	assert_int_equal(queue_dir_named(NULL, buf, sizeof(buf), &f), 0);
	assert_string_equal(buf, def);
	assert_int_equal(queue_dir_named("/srv/q", tiny, sizeof(tiny), &f),
	    -1);
	assert_int_equal(f.kind, FAIL_CONFIG);
	assert_string_equal(f.text, "queue_dir /srv/q: too long");
}

static void
test_backoff(void **state)
{
	static const struct {
		unsigned	attempts;
		time_t		base;
	} t[] = {
		{ 0, 60 }, { 1, 60 }, { 2, 120 }, { 3, 240 }, { 6, 1920 },
		{ 7, 3600 }, { 40, 3600 }, { UINT_MAX, 3600 },
	};
	size_t	i, k;
	time_t	b;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (k = 0; k < 50; k++) {
			b = queue_backoff(t[i].attempts);
			assert_true(b >= t[i].base);
			assert_true(b <= t[i].base + t[i].base / 5);
		}
}

static void
test_abort(void **state)
{
	struct fx		*x = *state;
	struct queue_entry	*e;
	struct failure		 f;

	assert_int_equal(queue_create(&x->q, &e, &f), 0);
	write_all(queue_entry_fd(e), body, sizeof(body) - 1);
	assert_int_equal(count_files(x, "tmp"), 1);
	queue_abort(&x->q, e);
	queue_abort(&x->q, NULL);
	assert_int_equal(count_files(x, "tmp"), 0);
	assert_int_equal(count_files(x, "queue"), 0);
}

/* A committed entry is accepted mail: abort must not remove it. */
static void
test_abort_after_commit(void **state)
{
	struct fx		*x = *state;
	struct queue_entry	*e;
	char			 id[QUEUE_ID_MAX];

	queue_one(x, id, &e);
	queue_abort(&x->q, e);
	assert_true(exists(x, "queue", id, "msg"));
	assert_true(exists(x, "queue", id, "env"));
}

/*
 * The envelope is bigger than the file size limit: the commit fails as
 * a full disk would, and leaves nothing behind. In a child, since the
 * limit cannot be raised again.
 */
static void
test_fsize_limit(void **state)
{
	struct fx		*x = *state;
	struct queue_envelope	 env;
	struct queue_entry	*e;
	struct failure		 f;
	struct rlimit		 rl = { 16, 16 };
	int			 status;
	pid_t			 pid;

	if ((pid = fork()) == 0) {
		signal(SIGXFSZ, SIG_IGN);
		env_init(&env);
		if (setrlimit(RLIMIT_FSIZE, &rl) == -1 ||
		    queue_create(&x->q, &e, &f) == -1)
			_exit(2);
		write_all(queue_entry_fd(e), "hello\r\n", 7);
		if (queue_commit(&x->q, e, &env, &f) != -1)
			_exit(3);
		if (f.kind != FAIL_TEMPFAIL || strstr(f.text, "is full") ==
		    NULL || strstr(f.text, x->dir) == NULL)
			_exit(4);
		queue_abort(&x->q, e);
		queue_envelope_free(&env);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_files(x, "tmp"), 0);
	assert_int_equal(count_files(x, "queue"), 0);
}

static void
test_strict_envelope(void **state)
{
	static const char *const bad[] = {
		"version 2\nfrom a\nrcpt b\n",
		"from a\nrcpt b\n",
		"version 1\nfrom a\nrcpt b\nhello x\n",
		"version 1\nfrom a\nrcpt b\nattempts x\n",
		"version 1\nfrom a\nrcpt b\nattempts -1\n",
		"version 1\nfrom a\nrcpt b\neight_bit 2\n",
		"version 1\nfrom a\nfrom c\nrcpt b\n",
		"version 1\nfrom a\nrcpt b",
		"version 1\nfrom a\nrcpt b\nnoval\n",
		"version 1\nfrom a\n",
		"version 1\nrcpt b\n",
		"version 1\nfrom a\nrcpt b\\\n",
		"version 1\nfrom a\nrcpt b\n\n",
		"version 1\nfrom a\nrcpt b\\040c\n",	/* not as we write it */
	};
	struct fx		*x = *state;
	struct queue_envelope	*l;
	struct queue_entry	*t;
	struct failure		 f;
	size_t			 i, n;

	put_file(x, "queue", "A1", "msg", "x\r\n");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_file(x, "queue", "A1", "env", bad[i]);
		f.kind = FAIL_NONE;
		assert_int_equal(queue_take(&x->q, "A1", &t, &f), -1);
		assert_int_equal(f.kind, FAIL_DATA);
		assert_int_equal(queue_list(&x->q, 0, &l, &n, &f), 0);
		assert_int_equal(n, 0);
		queue_envelopes_free(l, n);
	}
	put_file(x, "queue", "A1", "env",
	    "version 1\nfrom \nrcpt b\\\\c\\td\nrcpt d\nsize 3\n");
	assert_int_equal(queue_take(&x->q, "A1", &t, &f), 1);
	assert_string_equal(queue_entry_envelope(t)->env.from, "");
	assert_string_equal(queue_entry_envelope(t)->env.rcpts.v[0], "b\\c\td");
	assert_int_equal(queue_entry_envelope(t)->env.rcpts.n, 2);
	queue_release(t);
}

/* A message file without its envelope is not accepted. */
static void
test_unaccepted_not_listed(void **state)
{
	struct fx		*x = *state;
	struct queue_envelope	*l;
	struct queue_entry	*t;
	struct failure		 f;
	size_t			 n;

	put_file(x, "queue", "B1", "msg", "x\r\n");
	put_file(x, "queue", "B2", "env", "version 1\nfrom a\nrcpt b\n");
	assert_int_equal(queue_list(&x->q, 0, &l, &n, &f), 0);
	assert_int_equal(n, 0);
	queue_envelopes_free(l, n);
	assert_int_equal(queue_take(&x->q, "B1", &t, &f), 0);
	assert_int_equal(queue_take(&x->q, "B2", &t, &f), 0);
	assert_int_equal(queue_remove(&x->q, "B1", &f), -1);
	assert_int_equal(f.kind, FAIL_USAGE);
}

static void
test_clean(void **state)
{
	struct fx		*x = *state;
	struct queue_envelope	*l;
	struct queue_entry	*e;
	struct failure		 f;
	char			 id[QUEUE_ID_MAX];
	time_t			 now = time(NULL), later = now + 7200;
	size_t			 n;

	/* Leftovers of crashes. */
	put_file(x, "tmp", "T1", "msg", "x");
	put_file(x, "tmp", "T1", "env", "x");
	put_file(x, "queue", "O1", "msg", "orphan");
	put_file(x, "queue", "E1", "env", "version 1\nfrom a\nrcpt b\n");
	/* A fail() stopped between its renames. */
	put_file(x, "failed", "M1", "msg", "moving");
	put_file(x, "queue", "M1", "env", "version 1\nfrom a\nrcpt m\n");
	/* A retry that renamed both but did not unlink the old envelope. */
	put_file(x, "queue", "R1", "msg", "retried");
	put_file(x, "queue", "R1", "env", "version 1\nfrom a\nrcpt r\n");
	put_file(x, "failed", "R1", "env", "version 1\nfrom a\nrcpt old\n");
	/* A message being written: locked. */
	assert_int_equal(queue_create(&x->q, &e, &f), 0);
	strlcpy(id, queue_entry_id(e), sizeof(id));

	queue_clean(&x->q, now);	/* too young to go */
	assert_true(exists(x, "tmp", "T1", "msg"));
	assert_true(exists(x, "queue", "O1", "msg"));
	assert_true(exists(x, "failed", "M1", "env"));
	assert_false(exists(x, "queue", "M1", "env"));
	assert_false(exists(x, "failed", "R1", "env"));
	assert_false(exists(x, "queue", "E1", "env"));

	queue_clean(&x->q, later);
	assert_false(exists(x, "tmp", "T1", "msg"));
	assert_false(exists(x, "tmp", "T1", "env"));
	assert_false(exists(x, "queue", "O1", "msg"));
	assert_true(exists(x, "tmp", id, "msg"));	/* locked */
	assert_int_equal(queue_list(&x->q, 1, &l, &n, &f), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].id, "M1");
	assert_string_equal(l[0].env.rcpts.v[0], "m");
	queue_envelopes_free(l, n);
	assert_int_equal(queue_list(&x->q, 0, &l, &n, &f), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].id, "R1");
	queue_envelopes_free(l, n);

	queue_abort(&x->q, e);
	assert_int_equal(count_files(x, "tmp"), 0);
}

/* The move of a failed message back stopped between its renames. */
static void
test_clean_half_retry(void **state)
{
	struct fx		*x = *state;
	struct queue_envelope	*l;
	struct failure		 f;
	size_t			 n;

	put_file(x, "queue", "H1", "msg", "back");
	put_file(x, "failed", "H1", "env", "version 1\nfrom a\nrcpt h\n");
	queue_clean(&x->q, time(NULL) + 7200);
	assert_int_equal(queue_list(&x->q, 0, &l, &n, &f), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].id, "H1");
	queue_envelopes_free(l, n);
	assert_int_equal(count_files(x, "failed"), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_roundtrip),
		T(test_null_sender_and_order),
		T(test_take_locked),
		T(test_take_locked_by_child),
		T(test_defer),
		T(test_fail_and_retry),
		T(test_remove),
		T(test_bad_ids),
		T(test_open_refuses),
		cmocka_unit_test(test_default_dir),
		cmocka_unit_test(test_dir_named),
		cmocka_unit_test(test_backoff),
		T(test_abort),
		T(test_abort_after_commit),
		T(test_fsize_limit),
		T(test_strict_envelope),
		T(test_unaccepted_not_listed),
		T(test_clean),
		T(test_clean_half_retry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
