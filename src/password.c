/*
 * password: the sources of the AUTH secret (see password.h).
 *
 * Every source writes into the one sasl_secret_t that password_fetch()
 * allocates at its full size up front, so no realloc leaves a copy of
 * the secret behind; file contents and the prompt's buffer are wiped as
 * soon as the secret is out of them.
 *
 * netrc(5) as ftp, curl and msmtp read it: tokens separated by white
 * space, "machine NAME", "default", "login", "password", "account",
 * "macdef NAME" (skipped up to the next blank line); a token may be
 * written in double quotes, and a backslash takes the next character as
 * it is; a "#" where a keyword is expected starts a comment.
 */
#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <readpassphrase.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "build.h"
#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "password.h"

/* Far more than any password; bounds what a runaway command can send. */
#define SECRET_MAX	65536
/* A netrc larger than this is not a netrc. */
#define NETRC_MAX	(1024 * 1024)

/* A netrc being read: the text and the token just taken from it. */
struct netrc {
	const char	*p, *end;
	char		*tok;		/* NUL-terminated */
	size_t		 cap, len;
	int		 toolong;	/* the token did not fit */
};

/* What is known of the entry being read. */
struct netrc_entry {
	int		 match;		/* machine is ours, or default */
	int		 deflt;
	int		 login_ok;
	const char	*pw_at;		/* where its password token starts */
};

extern char **environ;

static int	 from_eval(const char *, sasl_secret_t *, struct failure *);
static int	 eval_spawn(const char *, int *, pid_t *);
static void	 eval_child(const char *, int) __attribute__((__noreturn__));
static int	 eval_read(int, sasl_secret_t *, struct failure *);
static int	 eval_wait(pid_t, struct failure *);
static void	 eval_strip(sasl_secret_t *);
static int	 from_netrc(const struct password_params *, const char *,
		    sasl_secret_t *, struct failure *);
static int	 netrc_read(int, const char *, struct buf *,
		    struct failure *);
static char	*netrc_home(void);
static int	 netrc_safe(int, const struct stat *, const char *,
		    const char *, struct failure *);
static int	 netrc_next(struct netrc *);
static void	 netrc_skip_line(struct netrc *);
static void	 netrc_skip_macdef(struct netrc *);
static int	 netrc_end(const struct netrc_entry *, struct netrc_entry *);
static int	 from_prompt(const struct password_params *, sasl_secret_t *,
		    struct failure *);

int
password_fetch(const struct password_params *p, sasl_secret_t **out,
    size_t *size, const char **from, struct failure *f)
{
	sasl_secret_t	*s;
	size_t		 n;
	char		*home = NULL;
	int		 r;

	*out = NULL;
	*size = sizeof(sasl_secret_t) + SECRET_MAX;
	if ((s = calloc(1, *size)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	if (p->password != NULL) {
		n = strlen(p->password);
		if (n >= SECRET_MAX) {
			password_free(s, *size);
			return fail(f, FAIL_CONFIG, "password longer than %d "
			    "bytes", SECRET_MAX - 1);
		}
		memcpy(s->data, p->password, n);
		s->len = (unsigned)n;
		*from = "the password key";
		r = 1;
	} else if (p->passwordeval != NULL && p->passwordeval[0] != '\0') {
		*from = "passwordeval";
		r = from_eval(p->passwordeval, s, f) == -1 ? -1 : 1;
	} else {
		if (p->netrc_home == NULL && (home = netrc_home()) == NULL) {
			password_free(s, *size);
			return fail(f, FAIL_OS, "out of memory");
		}
		*from = p->netrc_home != NULL ? p->netrc_home : home;
		r = from_netrc(p, *from, s, f);
		if (r == 0) {
			*from = p->netrc_system != NULL ? p->netrc_system :
			    POSTIE_SYSCONFDIR "/netrc";
			r = from_netrc(p, *from, s, f);
		}
		if (r == 0) {
			*from = "the terminal";
			r = from_prompt(p, s, f);
		}
	}
	if (r == 1 && (*from == home || *from == p->netrc_home))
		*from = "~/.netrc";
	free(home);
	if (r == 0)
		r = fail(f, FAIL_AUTH, "no password for %s (set password or "
		    "passwordeval, add it to ~/.netrc for machine %s, or run "
		    "postie on a terminal to be asked)", p->user, p->host);
	if (r == -1) {
		password_free(s, *size);
		return -1;
	}
	*out = s;
	return 0;
}

void
password_no_dumps(void)
{
	const struct rlimit	none = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &none);
#ifdef __linux__
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

void
password_free(sasl_secret_t *s, size_t size)
{
	if (s != NULL)
		freezero(s, size);
}

/*
 * Runs the command with sh -c, its stdin on /dev/null (ours may be the
 * message or an SMTP dialogue) and its stderr ours, and takes its
 * output, less one trailing newline, as the password.
 */
static int
from_eval(const char *cmd, sasl_secret_t *s, struct failure *f)
{
	pid_t	pid;
	int	fd, r;

	if (eval_spawn(cmd, &fd, &pid) == -1)
		return fail(f, FAIL_OS, "passwordeval: cannot run /bin/sh: %s",
		    strerror(errno));
	r = eval_read(fd, s, f);
	close(fd);
	if (r == -1) {
		(void)kill(pid, SIGTERM);
		(void)eval_wait(pid, NULL);
		return -1;
	}
	if (eval_wait(pid, f) == -1)
		return -1;
	eval_strip(s);
	if (s->len == 0)
		return fail(f, FAIL_CONFIG, "passwordeval printed no password");
	return 0;
}

static int
eval_spawn(const char *cmd, int *fd, pid_t *pid)
{
	int	pfd[2], saved;

	if (pipe(pfd) == -1)
		return -1;
	(void)fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	if ((*pid = fork()) == -1) {
		saved = errno;
		close(pfd[0]);
		close(pfd[1]);
		errno = saved;
		return -1;
	}
	if (*pid == 0)
		eval_child(cmd, pfd[1]);
	close(pfd[1]);
	*fd = pfd[0];
	return 0;
}

/*
 * In the child: stdin /dev/null, stdout the pipe, stderr ours, and no
 * other descriptor, whether ours (a spool file, the socket) or one we
 * inherited without close-on-exec; then sh -c. Never returns.
 */
static void
eval_child(const char *cmd, int out)
{
	char	*argv[4];
	int	 null;

	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)(uintptr_t)cmd;
	argv[3] = NULL;
	if ((null = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1)
		_exit(127);
	/* dup2() onto itself keeps close-on-exec: the pipe may be fd 1. */
	(void)fcntl(STDOUT_FILENO, F_SETFD, 0);
	closefrom(STDERR_FILENO + 1);
	execve("/bin/sh", argv, environ);
	_exit(127);
}

static int
eval_read(int fd, sasl_secret_t *s, struct failure *f)
{
	ssize_t	n;

	s->len = 0;
	for (;;) {
		n = read(fd, s->data + s->len, SECRET_MAX - s->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return fail(f, FAIL_OS, "passwordeval: read: %s",
			    strerror(errno));
		if (n == 0)
			break;
		s->len += (unsigned)n;
		if (s->len == SECRET_MAX)
			return fail(f, FAIL_CONFIG, "passwordeval printed more "
			    "than %d bytes", SECRET_MAX);
	}
	return 0;
}

static int
eval_wait(pid_t pid, struct failure *f)
{
	int	status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return fail(f, FAIL_OS, "passwordeval: wait: %s",
			    strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/* Never the output: it may be the password, or part of it. */
	if (WIFEXITED(status))
		return fail(f, FAIL_CONFIG, "passwordeval failed (exit %d)",
		    WEXITSTATUS(status));
	return fail(f, FAIL_CONFIG, "passwordeval failed (signal %d)",
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Strips one trailing LF or CRLF, as printed by echo or a file. */
static void
eval_strip(sasl_secret_t *s)
{
	unsigned char	*d = s->data;

	if (s->len > 0 && d[s->len - 1] == '\n') {
		d[--s->len] = '\0';
		if (s->len > 0 && d[s->len - 1] == '\r')
			d[--s->len] = '\0';
	}
	d[s->len] = '\0';
}

/* $HOME/.netrc, or the password database's home when HOME is unset. */
static char *
netrc_home(void)
{
	const char	*home = getenv("HOME");
	struct passwd	*pw;
	char		*path;
	size_t		 n;

	if ((home == NULL || home[0] == '\0') &&
	    (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home == NULL)
		home = "/";
	n = strlen(home) + sizeof("/.netrc");
	if ((path = malloc(n)) != NULL)
		(void)snprintf(path, n, "%s/.netrc", home);
	return path;
}

/*
 * 1 with the secret filled in, 0 when the file is missing or has no
 * entry for us, -1 on error. A file we may not read is not ours (the
 * system's belongs to the postie user).
 */
static int
from_netrc(const struct password_params *p, const char *path,
    sasl_secret_t *s, struct failure *f)
{
	struct buf	text = BUF_INIT;
	struct stat	st;
	int		fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == EACCES || errno == ENOTDIR)
			return 0;
		return fail(f, FAIL_CONFIG, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == -1 || netrc_read(fd, path, &text, f) == -1) {
		if (f != NULL && f->kind == FAIL_NONE)
			fail(f, FAIL_CONFIG, "%s: %s", path, strerror(errno));
		close(fd);
		buf_free(&text, 1);
		return -1;
	}
	r = password_netrc_find(text.data, text.len, p->host, p->user,
	    (char *)s->data, SECRET_MAX);
	buf_free(&text, 1);
	if (r == 1 && netrc_safe(fd, &st, path, p->host, f) == -1) {
		explicit_bzero(s->data, SECRET_MAX);
		r = -2;
	}
	close(fd);
	if (r == -1)
		return fail(f, FAIL_CONFIG, "%s: the password for %s is longer "
		    "than %d bytes", path, p->host, SECRET_MAX - 1);
	if (r <= 0)
		return r == 0 ? 0 : -1;
	s->len = (unsigned)strlen((char *)s->data);
	log_info("password for %s from %s", p->host, path);
	return 1;
}

/*
 * As for the configuration file: a readable secret is a leak, and a
 * netrc someone else owns or can write may hold their password, not ours.
 */
static int
netrc_safe(int fd, const struct stat *st, const char *path, const char *host,
    struct failure *f)
{
	if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return fail(f, FAIL_CONFIG, "%s: holds the password for %s but "
		    "others can read it (chmod 600 %s)", path, host, path);
	return config_check_owner(fd, path, f);
}

/* The whole file into b (fileio reserves it once: no copies left). */
static int
netrc_read(int fd, const char *path, struct buf *b, struct failure *f)
{
	if (fileio_read_small(fd, NETRC_MAX, b) == 0)
		return 0;
	if (errno == ENOMEM)
		return fail(f, FAIL_OS, "out of memory");
	if (errno == EFBIG)
		return fail(f, FAIL_CONFIG, "%s: larger than %d bytes", path,
		    NETRC_MAX);
	return fail(f, FAIL_CONFIG, "%s: %s", path, strerror(errno));
}

int
password_netrc_find(const char *text, size_t len, const char *host,
    const char *user, char *pw, size_t pwsize)
{
	struct netrc		 n;
	struct netrc_entry	 e, dflt;
	char			*tok;
	int			 r = 0;

	if ((tok = malloc(pwsize)) == NULL)
		return -1;
	n = (struct netrc){ text, text + len, tok, pwsize, 0, 0 };
	memset(&e, 0, sizeof(e));
	memset(&dflt, 0, sizeof(dflt));
	while (r == 0 && netrc_next(&n)) {
		if (n.tok[0] == '#') {
			netrc_skip_line(&n);
		} else if (strcmp(n.tok, "machine") == 0 ||
		    strcmp(n.tok, "default") == 0) {
			if ((r = netrc_end(&e, &dflt)) != 0)
				break;
			memset(&e, 0, sizeof(e));
			e.login_ok = 1;
			e.deflt = n.tok[0] == 'd';
			e.match = e.deflt || (netrc_next(&n) && host != NULL &&
			    strcasecmp(n.tok, host) == 0);
		} else if (strcmp(n.tok, "login") == 0 && netrc_next(&n)) {
			if (user != NULL && strcmp(n.tok, user) != 0)
				e.login_ok = 0;
		} else if (strcmp(n.tok, "password") == 0) {
			e.pw_at = n.p;
			(void)netrc_next(&n);
		} else if (strcmp(n.tok, "account") == 0) {
			(void)netrc_next(&n);
		} else if (strcmp(n.tok, "macdef") == 0) {
			netrc_skip_macdef(&n);
		}
	}
	if (r == 0)
		r = netrc_end(&e, &dflt);
	if (r == 0)
		e = dflt;
	freezero(tok, pwsize);
	if (e.pw_at == NULL || !e.match || !e.login_ok)
		return 0;
	/* Only now is the password copied out: from our entry alone. */
	n = (struct netrc){ e.pw_at, text + len, pw, pwsize, 0, 0 };
	if (!netrc_next(&n) || n.toolong) {
		explicit_bzero(pw, pwsize);
		return n.toolong ? -1 : 0;
	}
	return 1;
}

/*
 * An entry ends: 1 when it is our machine's, with a password and our
 * login (or none); else 0, keeping the first such default entry in
 * dflt for when no machine matches.
 */
static int
netrc_end(const struct netrc_entry *e, struct netrc_entry *dflt)
{
	if (!e->match || e->pw_at == NULL || !e->login_ok)
		return 0;
	if (e->deflt) {
		if (dflt->pw_at == NULL)
			*dflt = *e;
		return 0;
	}
	return 1;
}

/* The next token into n->tok; 0 at the end of the text. */
static int
netrc_next(struct netrc *n)
{
	int	quoted;

	while (n->p < n->end && strchr(" \t\r\n", *n->p) != NULL)
		n->p++;
	if (n->p >= n->end)
		return 0;
	n->len = 0;
	n->toolong = 0;
	if ((quoted = *n->p == '"'))
		n->p++;
	while (n->p < n->end) {
		if (quoted ? *n->p == '"' : strchr(" \t\r\n", *n->p) != NULL)
			break;
		if (*n->p == '\\' && n->p + 1 < n->end)
			n->p++;
		if (n->len + 1 < n->cap)
			n->tok[n->len++] = *n->p;
		else
			n->toolong = 1;
		n->p++;
	}
	if (quoted && n->p < n->end)
		n->p++;
	n->tok[n->len] = '\0';
	return 1;
}

static void
netrc_skip_line(struct netrc *n)
{
	while (n->p < n->end && *n->p != '\n')
		n->p++;
}

/* "macdef NAME", then the macro's lines up to an empty line. */
static void
netrc_skip_macdef(struct netrc *n)
{
	(void)netrc_next(n);
	netrc_skip_line(n);
	while (n->p < n->end) {
		n->p++;
		if (n->p < n->end && (*n->p == '\n' ||
		    (*n->p == '\r' && n->p + 1 < n->end && n->p[1] == '\n')))
			return;
		netrc_skip_line(n);
	}
}

/* 1 with the secret, 0 when there is no terminal to ask on. */
static int
from_prompt(const struct password_params *p, sasl_secret_t *s,
    struct failure *f)
{
	char	prompt[256];
	int	fd;

	if (p->no_prompt)
		return 0;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return 0;
	close(fd);
	(void)snprintf(prompt, sizeof(prompt), "postie: password for %s at "
	    "%s: ", p->user, p->host);
	if (readpassphrase(prompt, (char *)s->data, SECRET_MAX,
	    RPP_REQUIRE_TTY) == NULL)
		return fail(f, FAIL_AUTH, "cannot read the password from the "
		    "terminal: %s", strerror(errno));
	s->len = (unsigned)strlen((char *)s->data);
	if (s->len == 0)
		return fail(f, FAIL_AUTH, "no password given at the prompt");
	log_info("password for %s from the terminal", p->host);
	return 1;
}
