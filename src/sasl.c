/*
 * sasl: SMTP AUTH through Cyrus libsasl2 (see sasl.h).
 *
 * libsasl2 ranks mechanisms by their security layer, which is worthless
 * over TLS and would pick the obsolete DIGEST-MD5 (RFC 6331). So postie
 * chooses the mechanism itself, from a preference table, and hands
 * libsasl2 that one name. No security layer is ever negotiated: TLS is
 * the protection.
 *
 * The password is fetched before the exchange starts and kept in one
 * sasl_secret_t, the only copy, wiped by sasl_end(). Each base64
 * response is wiped when the next one replaces it.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sasl/sasl.h>
#include <sasl/saslutil.h>

#include "buf.h"
#include "log.h"
#include "sasl.h"

/* Far more than any password; bounds what a runaway command can send. */
#define SASL_SECRET_MAX	65536
#define SASL_LIST_MAX	512

/* GCC accepts a cast through void (*)(void) between function types. */
#define SASL_CB_FN(fn)	((int (*)(void))(void (*)(void))(fn))

struct sasl_client {
	sasl_conn_t	*conn;
	sasl_callback_t	 cb[6];
	char		*user;
	sasl_secret_t	*secret;
	size_t		 secret_size;	/* bytes allocated, for freezero */
	struct buf	 out;		/* the last base64 response */
	const char	*mech;		/* the chosen mechanism */
	int		 has_initial;
	const struct bearer *bearer;	/* a built-in mechanism, or NULL */
	int		 steps;
};

/*
 * OAuth 2.0 mechanisms, which no Debian libsasl2 plugin has: the
 * "password" is the access token. Used only when named.
 */
struct bearer {
	const char	*name;
	int		(*build)(struct sasl_client *, const char *,
			    struct buf *);
	const char	*abort;		/* answer to an error challenge */
};

extern char **environ;

static int	 cyrus_start(struct sasl_client *, const struct sasl_params *,
		    struct failure *);
static const struct bearer *bearer_find(const char *);
static int	 bearer_start(struct sasl_client *, const struct sasl_params *,
		    struct failure *);
static int	 bearer_oauth(struct sasl_client *, const char *, struct buf *);
static int	 bearer_xoauth2(struct sasl_client *, const char *,
		    struct buf *);
static int	 bearer_step(struct sasl_client *, const char *, size_t,
		    const char **, struct failure *);
static int	 lib_init(struct failure *);
static int	 log_cb(void *, int, const char *);
static int	 simple_cb(void *, int, const char **, unsigned *);
static int	 pass_cb(sasl_conn_t *, void *, int, sasl_secret_t **);
static int	 realm_cb(void *, int, const char **, const char **);
static int	 password_get(struct sasl_client *, const struct sasl_params *,
		    struct failure *);
static int	 password_eval(struct sasl_client *, const char *,
		    struct failure *);
static int	 eval_spawn(const char *, int *, pid_t *);
static int	 eval_read(int, sasl_secret_t *, struct failure *);
static int	 eval_wait(pid_t, struct failure *);
static void	 eval_strip(sasl_secret_t *);
static int	 conn_new(struct sasl_client *, const struct sasl_params *,
		    struct failure *);
static int	 mech_choose(struct sasl_client *, const struct sasl_params *,
		    const char **, struct failure *);
static int	 word_in(const char *, const char *);
static int	 encode(struct sasl_client *, const char *, unsigned,
		    struct failure *);
static void	 out_clear(struct sasl_client *);
static const char *detail(struct sasl_client *, int);
static int	 sasl_fail(struct sasl_client *, int, const char *,
		    struct failure *);

/*
 * Chosen in this order when the configuration names no mechanism: the
 * SCRAMs never send the password, PLAIN and LOGIN do (inside TLS).
 * CRAM-MD5, DIGEST-MD5 (RFC 6331) and NTLM are used only when named;
 * ANONYMOUS never is (SASL_SEC_NOANONYMOUS).
 */
static const char *const mech_pref[] = {
	"SCRAM-SHA-256",
	"SCRAM-SHA-1",
	"PLAIN",
	"LOGIN",
};

static const struct bearer bearers[] = {
	/* RFC 7628 section 3.2.3: an error is answered with %x01. */
	{ "OAUTHBEARER", bearer_oauth, "AQ==" },
	/* Google's and Microsoft's: answered with an empty line. */
	{ "XOAUTH2", bearer_xoauth2, "" },
};

static const sasl_callback_t global_cb[] = {
	{ SASL_CB_LOG, SASL_CB_FN(log_cb), NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

int
sasl_start(const struct sasl_params *p, struct sasl_client **out,
    const char **mech, const char **initial, struct failure *f)
{
	struct sasl_client	*s;
	int			 r;

	*out = NULL;
	*mech = *initial = NULL;
	/* DESIGN: no credentials before TLS, unless "tls off" to loopback. */
	if (!p->tls_active && !p->loopback)
		return fail(f, FAIL_AUTH, "refusing to send credentials "
		    "without TLS");
	if (p->user == NULL || p->user[0] == '\0')
		return fail(f, FAIL_AUTH, "no user name for authentication "
		    "(set user)");
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->user = strdup(p->user)) == NULL) {
		free(s);
		return fail(f, FAIL_OS, "out of memory");
	}
	if ((s->bearer = bearer_find(p->mech)) != NULL)
		r = bearer_start(s, p, f);
	else
		r = cyrus_start(s, p, f);
	if (r == -1) {
		sasl_end(s);
		return -1;
	}
	*mech = s->mech;
	*initial = s->has_initial ? s->out.data : NULL;
	*out = s;
	return 0;
}

static int
cyrus_start(struct sasl_client *s, const struct sasl_params *p,
    struct failure *f)
{
	const char	*name = NULL, *chosen = NULL, *data = NULL;
	sasl_interact_t	*interact = NULL;
	unsigned	 len = 0;
	int		 r;

	if (lib_init(f) == -1 || password_get(s, p, f) == -1 ||
	    conn_new(s, p, f) == -1 || mech_choose(s, p, &name, f) == -1)
		return -1;
	r = sasl_client_start(s->conn, name, &interact, &data, &len, &chosen);
	if (r != SASL_OK && r != SASL_CONTINUE)
		return sasl_fail(s, r, name, f);
	/* RFC 4954 section 4: an empty initial response is sent as "=". */
	if (data != NULL && encode(s, data, len, f) == -1)
		return -1;
	s->mech = chosen != NULL ? chosen : name;
	s->has_initial = data != NULL;
	return 0;
}

static const struct bearer *
bearer_find(const char *mech)
{
	size_t	i;

	for (i = 0; mech != NULL && i < POSTIE_NELEM(bearers); i++)
		if (strcasecmp(mech, bearers[i].name) == 0)
			return &bearers[i];
	return NULL;
}

static int
bearer_start(struct sasl_client *s, const struct sasl_params *p,
    struct failure *f)
{
	struct buf	raw = BUF_INIT;
	int		r;

	if (mech_choose(s, p, &s->mech, f) == -1 ||
	    password_get(s, p, f) == -1)
		return -1;
	s->mech = s->bearer->name;
	/* Room for everything at once: a realloc would leave a copy of the
	 * token behind. '=' and ',' in the user may triple. */
	if (buf_reserve(&raw, 3 * strlen(s->user) + strlen(p->host != NULL ?
	    p->host : "") + s->secret->len + 64) == -1)
		return fail(f, FAIL_OS, "out of memory");
	r = s->bearer->build(s, p->host, &raw);
	if (r == 0)
		r = encode(s, raw.data, (unsigned)raw.len, f);
	else
		fail(f, FAIL_OS, "out of memory");
	buf_free(&raw, 1);
	s->has_initial = 1;
	return r;
}

/* RFC 7628 section 3.1; the user as a saslname (RFC 5801 section 4). */
static int
bearer_oauth(struct sasl_client *s, const char *host, struct buf *raw)
{
	const char	*u;
	int		 r = buf_append(raw, "n,a=", 4);

	for (u = s->user; r == 0 && *u != '\0'; u++)
		r = *u == ',' ? buf_append(raw, "=2C", 3) :
		    *u == '=' ? buf_append(raw, "=3D", 3) :
		    buf_append(raw, u, 1);
	if (r == 0)
		r = buf_append(raw, ",\001", 2);
	if (r == 0 && host != NULL)
		r = buf_appendf(raw, "host=%s\001", host);
	if (r == 0)
		r = buf_append(raw, "auth=Bearer ", 12);
	if (r == 0)
		r = buf_append(raw, s->secret->data, s->secret->len);
	return r == 0 ? buf_append(raw, "\001\001", 2) : -1;
}

static int
bearer_xoauth2(struct sasl_client *s, const char *host, struct buf *raw)
{
	(void)host;
	if (buf_appendf(raw, "user=%s\001auth=Bearer ", s->user) == -1 ||
	    buf_append(raw, s->secret->data, s->secret->len) == -1)
		return -1;
	return buf_append(raw, "\001\001", 2);
}

/*
 * A challenge after the token is the server's error report (JSON): it
 * is shown with -v and answered as the mechanism wants; the server
 * then refuses with 535.
 */
static int
bearer_step(struct sasl_client *s, const char *challenge, size_t len,
    const char **response, struct failure *f)
{
	char		text[512];
	unsigned	n = 0;

	if (s->steps++ > 0)
		return fail(f, FAIL_PROTOCOL, "the server sent a second %s "
		    "challenge", s->mech);
	if (len < sizeof(text) / 4 * 3 && sasl_decode64(challenge,
	    (unsigned)len, text, sizeof(text), &n) == SASL_OK)
		log_info("%s error from the server: %.*s", s->mech, (int)n,
		    text);
	out_clear(s);
	if (buf_append(&s->out, s->bearer->abort,
	    strlen(s->bearer->abort)) == -1)
		return fail(f, FAIL_OS, "out of memory");
	*response = s->out.data;
	return 0;
}

static int
lib_init(struct failure *f)
{
	static int	done;
	int		r;

	if (done)
		return 0;
	if ((r = sasl_client_init(global_cb)) != SASL_OK)
		return fail(f, FAIL_SOFTWARE, "libsasl2: %s",
		    sasl_errstring(r, NULL, NULL));
	done = 1;
	return 0;
}

/* libsasl2 would otherwise write to syslog; its chatter is for -vv. */
static int
log_cb(void *ctx, int level, const char *message)
{
	(void)ctx;
	if (log_verbose() >= 2 && level <= SASL_LOG_NOTE && message != NULL)
		log_info("sasl: %s", message);
	return SASL_OK;
}

static int
simple_cb(void *ctx, int id, const char **result, unsigned *len)
{
	struct sasl_client	*s = ctx;

	switch (id) {
	case SASL_CB_AUTHNAME:
		*result = s->user;
		break;
	case SASL_CB_USER:
		/* The authorisation identity: empty means "the same". */
		*result = "";
		break;
	default:
		return SASL_BADPARAM;
	}
	if (len != NULL)
		*len = (unsigned)strlen(*result);
	return SASL_OK;
}

static int
pass_cb(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **psecret)
{
	struct sasl_client	*s = ctx;

	(void)conn;
	if (id != SASL_CB_PASS || s->secret == NULL)
		return SASL_BADPARAM;
	*psecret = s->secret;
	return SASL_OK;
}

/* DIGEST-MD5 asks; the server's first realm is the one it expects. */
static int
realm_cb(void *ctx, int id, const char **avail, const char **result)
{
	(void)ctx;
	if (id != SASL_CB_GETREALM)
		return SASL_BADPARAM;
	*result = avail != NULL && avail[0] != NULL ? avail[0] : "";
	return SASL_OK;
}

static int
password_get(struct sasl_client *s, const struct sasl_params *p,
    struct failure *f)
{
	size_t	len;

	if (p->password == NULL) {
		if (p->passwordeval != NULL && p->passwordeval[0] != '\0')
			return password_eval(s, p->passwordeval, f);
		return fail(f, FAIL_AUTH, "no password for %s (set password "
		    "or passwordeval)", p->user);
	}
	len = strlen(p->password);
	s->secret_size = sizeof(sasl_secret_t) + len;
	if ((s->secret = malloc(s->secret_size)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	s->secret->len = len;
	memcpy(s->secret->data, p->password, len + 1);
	return 0;
}

/*
 * Runs the command with sh -c, its stdin on /dev/null (ours may be the
 * message or an SMTP dialogue) and its stderr ours, and takes its
 * output, less one trailing newline, as the password.
 */
static int
password_eval(struct sasl_client *s, const char *cmd, struct failure *f)
{
	pid_t	pid;
	int	fd, r;

	s->secret_size = sizeof(sasl_secret_t) + SASL_SECRET_MAX;
	if ((s->secret = calloc(1, s->secret_size)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	if (eval_spawn(cmd, &fd, &pid) == -1)
		return fail(f, FAIL_OS, "passwordeval: cannot run /bin/sh: %s",
		    strerror(errno));
	r = eval_read(fd, s->secret, f);
	close(fd);
	if (r == -1) {
		(void)kill(pid, SIGTERM);
		(void)eval_wait(pid, NULL);
		return -1;
	}
	if (eval_wait(pid, f) == -1)
		return -1;
	eval_strip(s->secret);
	if (s->secret->len == 0)
		return fail(f, FAIL_CONFIG, "passwordeval printed no password");
	return 0;
}

static int
eval_spawn(const char *cmd, int *fd, pid_t *pid)
{
	posix_spawn_file_actions_t	 fa;
	char				*argv[4];
	int				 pfd[2], r, saved;

	if (pipe(pfd) == -1)
		return -1;
	(void)fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	if ((r = posix_spawn_file_actions_init(&fa)) == 0) {
		if ((r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
		    "/dev/null", O_RDONLY, 0)) == 0 &&
		    (r = posix_spawn_file_actions_adddup2(&fa, pfd[1],
		    STDOUT_FILENO)) == 0)
			r = posix_spawn(pid, "/bin/sh", &fa, NULL, argv,
			    environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	saved = r;
	close(pfd[1]);
	if (r != 0) {
		close(pfd[0]);
		errno = saved;
		return -1;
	}
	*fd = pfd[0];
	return 0;
}

static int
eval_read(int fd, sasl_secret_t *secret, struct failure *f)
{
	ssize_t	n;

	secret->len = 0;
	for (;;) {
		n = read(fd, secret->data + secret->len,
		    SASL_SECRET_MAX - secret->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return fail(f, FAIL_OS, "passwordeval: read: %s",
			    strerror(errno));
		if (n == 0)
			break;
		secret->len += (size_t)n;
		if (secret->len == SASL_SECRET_MAX)
			return fail(f, FAIL_CONFIG, "passwordeval printed more "
			    "than %d bytes", SASL_SECRET_MAX);
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
eval_strip(sasl_secret_t *secret)
{
	unsigned char	*d = secret->data;

	if (secret->len > 0 && d[secret->len - 1] == '\n') {
		d[--secret->len] = '\0';
		if (secret->len > 0 && d[secret->len - 1] == '\r')
			d[--secret->len] = '\0';
	}
	d[secret->len] = '\0';
}

static int
conn_new(struct sasl_client *s, const struct sasl_params *p,
    struct failure *f)
{
	sasl_security_properties_t	 sp;
	sasl_ssf_t			 ssf;
	int				 r;

	s->cb[0] = (sasl_callback_t){ SASL_CB_LOG, SASL_CB_FN(log_cb), s };
	s->cb[1] = (sasl_callback_t){ SASL_CB_USER, SASL_CB_FN(simple_cb), s };
	s->cb[2] = (sasl_callback_t){ SASL_CB_AUTHNAME, SASL_CB_FN(simple_cb),
	    s };
	s->cb[3] = (sasl_callback_t){ SASL_CB_PASS, SASL_CB_FN(pass_cb), s };
	s->cb[4] = (sasl_callback_t){ SASL_CB_GETREALM, SASL_CB_FN(realm_cb),
	    s };
	s->cb[5] = (sasl_callback_t){ SASL_CB_LIST_END, NULL, NULL };
	r = sasl_client_new("smtp", p->host, NULL, NULL, s->cb, 0, &s->conn);
	if (r != SASL_OK)
		return sasl_fail(s, r, NULL, f);
	/* TLS protects the exchange: no SASL security layer (maxbufsize
	 * 0), and the plaintext mechanisms are fine inside it. */
	memset(&sp, 0, sizeof(sp));
	sp.min_ssf = 0;
	sp.max_ssf = 0;
	sp.maxbufsize = 0;
	sp.security_flags = SASL_SEC_NOANONYMOUS;
	ssf = p->tls_active ? 128 : 0;
	if ((r = sasl_setprop(s->conn, SASL_SEC_PROPS, &sp)) != SASL_OK ||
	    (r = sasl_setprop(s->conn, SASL_SSF_EXTERNAL, &ssf)) != SASL_OK)
		return sasl_fail(s, r, NULL, f);
	return 0;
}

/*
 * The named mechanism, which the server must offer, or the first of
 * mech_pref that both the server and libsasl2 have.
 */
static int
mech_choose(struct sasl_client *s, const struct sasl_params *p,
    const char **name, struct failure *f)
{
	const char	*have = "";
	const char	*offered = p->offered != NULL ? p->offered : "";
	size_t		 i;

	if (offered[0] == '\0')
		return fail(f, FAIL_AUTH, "the server offers no authentication");
	if (p->mech != NULL && p->mech[0] != '\0') {
		if (!word_in(offered, p->mech))
			return fail(f, FAIL_AUTH, "the server does not offer "
			    "AUTH %s; it offers: %s", p->mech, offered);
		*name = p->mech;
		return 0;
	}
	if (sasl_listmech(s->conn, NULL, "", " ", "", &have, NULL,
	    NULL) != SASL_OK || have == NULL)
		have = "";
	for (i = 0; i < sizeof(mech_pref) / sizeof(mech_pref[0]); i++) {
		if (word_in(offered, mech_pref[i]) &&
		    word_in(have, mech_pref[i])) {
			*name = mech_pref[i];
			return 0;
		}
	}
	return fail(f, FAIL_AUTH, "no authentication mechanism in common: the "
	    "server offers %s; postie picks by itself from SCRAM-SHA-256 "
	    "SCRAM-SHA-1 PLAIN LOGIN (name another with auth; libsasl2 has: "
	    "%s)", offered, have[0] != '\0' ? have : "none");
}

/* 1 when word is one of the space-separated words of list. */
static int
word_in(const char *list, const char *word)
{
	size_t	n = strlen(word), len;

	while (*list != '\0') {
		list += strspn(list, " \t");
		len = strcspn(list, " \t");
		if (len == n && len > 0 && strncasecmp(list, word, n) == 0)
			return 1;
		list += len;
	}
	return 0;
}

int
sasl_step(struct sasl_client *s, const char *challenge, size_t len,
    const char **response, struct failure *f)
{
	sasl_interact_t	*interact = NULL;
	const char	*data = NULL;
	char		*raw;
	unsigned	 rawlen = 0, outlen = 0;
	int		 r;

	*response = NULL;
	if (s->bearer != NULL)
		return bearer_step(s, challenge, len, response, f);
	/* Some servers send "=" for an empty challenge, as clients do. */
	if (len == 1 && challenge[0] == '=')
		len = 0;
	if (len > SASL_SECRET_MAX)
		return fail(f, FAIL_PROTOCOL, "the server's AUTH challenge is "
		    "too long");
	if ((raw = malloc(len / 4 * 3 + 4)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	if (sasl_decode64(challenge, (unsigned)len, raw, len / 4 * 3 + 4,
	    &rawlen) != SASL_OK) {
		free(raw);
		return fail(f, FAIL_PROTOCOL, "the server's AUTH challenge is "
		    "not base64: %.*s", (int)(len > 80 ? 80 : len), challenge);
	}
	r = sasl_client_step(s->conn, raw, rawlen, &interact, &data, &outlen);
	freezero(raw, len / 4 * 3 + 4);
	if (r != SASL_OK && r != SASL_CONTINUE)
		return sasl_fail(s, r, NULL, f);
	if (data == NULL || outlen == 0) {
		/* RFC 4954 section 4: an empty response is an empty line. */
		out_clear(s);
		if (buf_append(&s->out, "", 0) == -1)
			return fail(f, FAIL_OS, "out of memory");
	} else if (encode(s, data, outlen, f) == -1)
		return -1;
	*response = s->out.data;
	return 0;
}

static int
encode(struct sasl_client *s, const char *data, unsigned len,
    struct failure *f)
{
	unsigned	 need, outlen = 0;

	out_clear(s);
	if (len == 0)
		return buf_append(&s->out, "=", 1) == -1 ?
		    fail(f, FAIL_OS, "out of memory") : 0;
	need = (len + 2) / 3 * 4 + 1;
	/* Reserved in one go: a realloc would leave a copy behind. */
	if (buf_reserve(&s->out, need) == -1)
		return fail(f, FAIL_OS, "out of memory");
	if (sasl_encode64(data, len, s->out.data, need, &outlen) != SASL_OK)
		return fail(f, FAIL_SOFTWARE, "base64 encoding failed");
	s->out.len = outlen;
	s->out.data[outlen] = '\0';
	return 0;
}

/* The previous response may hold the password (PLAIN): wipe it. */
static void
out_clear(struct sasl_client *s)
{
	if (s->out.data != NULL)
		explicit_bzero(s->out.data, s->out.cap);
	buf_reset(&s->out);
}

static int
sasl_fail(struct sasl_client *s, int r, const char *mech, struct failure *f)
{
	switch (r) {
	case SASL_NOMEM:
		return fail(f, FAIL_OS, "out of memory");
	case SASL_NOMECH:
		return fail(f, FAIL_AUTH, "libsasl2 cannot do %s (install "
		    "libsasl2-modules?)", mech != NULL ? mech : "that mechanism");
	case SASL_INTERACT:
		return fail(f, FAIL_SOFTWARE, "libsasl2 asked for input");
	case SASL_BADPROT:
	case SASL_BADSERV:
		return fail(f, FAIL_AUTH, "the server's AUTH exchange is wrong: "
		    "%s", detail(s, r));
	default:
		return fail(f, FAIL_AUTH, "authentication failed: %s",
		    detail(s, r));
	}
}

/* libsasl2's explanation, without its "SASL(-13): " prefix. */
static const char *
detail(struct sasl_client *s, int r)
{
	const char	*d, *p;

	if (s->conn == NULL || (d = sasl_errdetail(s->conn)) == NULL)
		return sasl_errstring(r, NULL, NULL);
	if (strncmp(d, "SASL(", 5) == 0 && (p = strstr(d, "): ")) != NULL)
		d = p + 3;
	return d;
}

void
sasl_end(struct sasl_client *s)
{
	if (s == NULL)
		return;
	if (s->conn != NULL)
		sasl_dispose(&s->conn);
	if (s->secret != NULL)
		freezero(s->secret, s->secret_size);
	buf_free(&s->out, 1);
	free(s->user);
	free(s);
}
