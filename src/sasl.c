/*
 * sasl: SMTP AUTH (see sasl.h): SCRAM (scram.h), OAUTHBEARER and
 * XOAUTH2 built in, every other mechanism through Cyrus libsasl2.
 *
 * SCRAM is built in so that the default login neither loads libsasl2's
 * plugins nor their libcrypto, and derives its keys once (PBKDF2 on
 * GnuTLS) or not at all (scramcache.h). libsasl2 is initialised only
 * when a mechanism it has is chosen, with that mechanism's plugin.
 *
 * libsasl2 ranks mechanisms by their security layer, which is worthless
 * over TLS and would pick the obsolete DIGEST-MD5 (RFC 6331). So postie
 * chooses the mechanism itself, from a preference table, and hands
 * libsasl2 that one name. No security layer is ever negotiated: TLS is
 * the protection.
 *
 * sasl_client_init() would dlopen every plugin in the plugin directory
 * (GSSAPI's pulls in the Kerberos libraries); its SASL_CB_VERIFYFILE
 * callback is asked about each file first, and skips all but the one of
 * the mechanism being tried.
 *
 * The password is fetched before the exchange starts and kept in one
 * sasl_secret_t, the only copy, wiped by sasl_end() (by SCRAM once its
 * keys are derived). Each base64 response is wiped when the next one
 * replaces it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sasl/sasl.h>
#include <sasl/saslutil.h>

#include "buf.h"
#include "log.h"
#include "password.h"
#include "sasl.h"
#include "scram.h"
#include "scramcache.h"

#define SASL_CHALLENGE_MAX	65536
#define CB_DATA_MAX		64

/* GCC accepts a cast through void (*)(void) between function types. */
#define SASL_CB_FN(fn)	((int (*)(void))(void (*)(void))(fn))

/* What postie knows of a mechanism (mech_table). */
#define M_AUTO		0x01	/* chosen without being named */
#define M_SECRET	0x02	/* needs the password */
#define M_PLUS		0x04	/* a -PLUS variant: needs channel binding */
#define M_CB		0x08	/* can carry channel binding (SCRAM) */
#define M_BEARER	0x10	/* built in: OAuth 2.0 */
#define M_USER		0x20	/* needs the user name */
#define M_CLEAR		0x40	/* shows the password to whoever listens */
#define M_SCRAM		0x80	/* built in: scram.h */
#define M_SCRAMS	(M_SCRAM | M_AUTO | M_SECRET | M_USER | M_CB)

struct mech {
	const char	*name;
	int		 plugin;	/* index in plugins[], or -1: built in */
	unsigned	 flags;
};

struct sasl_client {
	sasl_conn_t	*conn;
	sasl_callback_t	 cb[6];
	char		*user;
	sasl_secret_t	*secret;
	size_t		 secret_size;	/* bytes allocated, for freezero */
	struct buf	 out;		/* the last base64 response */
	const char	*mech;		/* the chosen mechanism */
	int		 has_initial;
	int		 done;		/* the mechanism needs no more */
	const struct bearer *bearer;	/* a built-in mechanism, or NULL */
	int		 steps;
	char		 server_error[256]; /* OAuth's JSON status, or "" */
	/* libsasl2 keeps a pointer to this for the exchange. */
	sasl_channel_binding_t cbind;
	unsigned char	 cb_data[CB_DATA_MAX];
	/* A built-in SCRAM, and where its keys may be cached ("": not). */
	struct scram	*scram;
	char		*host;
	char		 key_dir[1024];
	int		 key_cache;	/* the password is from a file */
	int		 keys_cached;	/* this login used cached keys */
	char		 key_path[1100];
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

static const struct mech *mech_find(const char *);
static int	 cyrus_start(struct sasl_client *, const struct sasl_params *,
		    const struct mech *, struct failure *);
static int	 scram_begin(struct sasl_client *, const struct sasl_params *,
		    const struct mech *, struct failure *);
static int	 scram_step(struct sasl_client *, const char *, size_t,
		    const char **, struct failure *);
static void	 cache_key(const struct sasl_client *,
		    struct scramcache_key *);
static int	 scram_keys_get(struct sasl_client *, struct failure *);
static int	 cyrus_has(struct sasl_client *, const char *);
static void	 conn_drop(struct sasl_client *);
static int	 secret_get(struct sasl_client *, const struct sasl_params *,
		    const struct mech *, const char **, struct failure *);
static int	 mech_builtin(const struct sasl_params *, const struct mech **,
		    struct failure *);
static const struct bearer *bearer_find(const char *);
static int	 bearer_start(struct sasl_client *, const struct sasl_params *,
		    struct failure *);
static int	 bearer_oauth(struct sasl_client *, const char *, struct buf *);
static int	 bearer_xoauth2(struct sasl_client *, const char *,
		    struct buf *);
static int	 bearer_step(struct sasl_client *, const char *, size_t,
		    const char **, struct failure *);
static unsigned	 plugins_wanted(const struct sasl_params *);
static int	 lib_init(unsigned, struct failure *);
static int	 verify_cb(void *, const char *, sasl_verify_type_t);
static int	 log_cb(void *, int, const char *);
static int	 simple_cb(void *, int, const char **, unsigned *);
static int	 pass_cb(sasl_conn_t *, void *, int, sasl_secret_t **);
static int	 realm_cb(void *, int, const char **, const char **);
static int	 conn_new(struct sasl_client *, const struct sasl_params *,
		    const struct mech *, struct failure *);
static int	 cbind_set(struct sasl_client *, const struct sasl_params *,
		    const struct mech *, struct failure *);
static int	 can_choose(const struct mech *, const struct sasl_params *);
static int	 mech_named(const struct sasl_params *, const struct mech **,
		    struct failure *);
static int	 mech_choose(struct sasl_client *, const struct sasl_params *,
		    const struct mech **, struct failure *);
static int	 decode(const char *, size_t, char **, unsigned *, size_t *,
		    struct failure *);
static int	 clear_only(const struct sasl_params *);
static int	 word_in(const char *, const char *);
static int	 encode(struct sasl_client *, const char *, unsigned,
		    struct failure *);
static void	 out_clear(struct sasl_client *);
static const char *detail(struct sasl_client *, int);
static int	 sasl_fail(struct sasl_client *, int, const char *,
		    struct failure *);

/*
 * The plugin files of Debian's libsasl2-modules*, by the name before the
 * first dot; bit i of a plugin mask is plugins[i]. A file not in this
 * list is always loaded: it may hold a mechanism postie does not know.
 * The auxprop plugins (sasldb, sql, ldapdb) serve servers only.
 */
enum {
	PL_ANONYMOUS, PL_CRAMMD5, PL_DIGESTMD5, PL_GS2, PL_GSSAPI, PL_LOGIN,
	PL_NTLM, PL_OTP, PL_PLAIN, PL_SCRAM, PL_SRP, PL_SASLDB, PL_SQL,
	PL_LDAPDB
};
static const char *const plugins[] = {
	"libanonymous", "libcrammd5", "libdigestmd5", "libgs2", "libgssapiv2",
	"liblogin", "libntlm", "libotp", "libplain", "libscram", "libsrp",
	"libsasldb", "libsql", "libldapdb",
};
#define PL_ALL	(~0u)

/*
 * In order of preference for the automatic choice: the SCRAMs never
 * send the password, and their -PLUS variants tie the exchange to this
 * TLS session (RFC 5802 section 6); PLAIN and LOGIN send it (inside
 * TLS). CRAM-MD5, DIGEST-MD5 (RFC 6331) and NTLM are obsolete, GSSAPI
 * needs a Kerberos ticket, EXTERNAL a client certificate and ANONYMOUS
 * is no login at all: those only when named.
 */
static const struct mech mechs[] = {
	{ "SCRAM-SHA-512-PLUS",	-1, M_SCRAMS | M_PLUS },
	{ "SCRAM-SHA-384-PLUS",	-1, M_SCRAMS | M_PLUS },
	{ "SCRAM-SHA-256-PLUS",	-1, M_SCRAMS | M_PLUS },
	{ "SCRAM-SHA-224-PLUS",	-1, M_SCRAMS | M_PLUS },
	{ "SCRAM-SHA-1-PLUS",	-1, M_SCRAMS | M_PLUS },
	{ "SCRAM-SHA-512",	-1, M_SCRAMS },
	{ "SCRAM-SHA-384",	-1, M_SCRAMS },
	{ "SCRAM-SHA-256",	-1, M_SCRAMS },
	{ "SCRAM-SHA-224",	-1, M_SCRAMS },
	{ "SCRAM-SHA-1",	-1, M_SCRAMS },
	{ "PLAIN",		PL_PLAIN, M_AUTO | M_SECRET | M_USER | M_CLEAR },
	{ "LOGIN",		PL_LOGIN, M_AUTO | M_SECRET | M_USER | M_CLEAR },
	{ "CRAM-MD5",		PL_CRAMMD5, M_SECRET | M_USER },
	{ "DIGEST-MD5",		PL_DIGESTMD5, M_SECRET | M_USER },
	{ "NTLM",		PL_NTLM, M_SECRET | M_USER },
	{ "OTP",		PL_OTP, M_SECRET | M_USER },
	{ "SRP",		PL_SRP, M_SECRET | M_USER },
	{ "GSSAPI",		PL_GSSAPI, 0 },
	{ "GS2-KRB5",		PL_GS2, 0 },
	{ "GS2-KRB5-PLUS",	PL_GS2, M_CB | M_PLUS },
	{ "EXTERNAL",		-1, 0 },
	{ "ANONYMOUS",		PL_ANONYMOUS, 0 },
	{ "OAUTHBEARER",	-1, M_BEARER | M_SECRET | M_USER },
	{ "XOAUTH2",		-1, M_BEARER | M_SECRET | M_USER },
};

static const struct bearer bearers[] = {
	/* RFC 7628 section 3.2.3: an error is answered with %x01. */
	{ "OAUTHBEARER", bearer_oauth, "AQ==" },
	/* Google's and Microsoft's: answered with an empty line. */
	{ "XOAUTH2", bearer_xoauth2, "" },
};

/* The plugins sasl_client_init() may load, and those it loaded. */
static unsigned	plugins_allowed, plugins_loaded;
static int	lib_ready;
/* sasl_conn_t alive: libsasl2 may not be initialised again under them. */
static int	conns_live;

static const sasl_callback_t global_cb[] = {
	{ SASL_CB_LOG, SASL_CB_FN(log_cb), NULL },
	{ SASL_CB_VERIFYFILE, SASL_CB_FN(verify_cb), NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

int
sasl_start(const struct sasl_params *p, struct sasl_client **out,
    const char **mech, const char **initial, struct failure *f)
{
	struct sasl_client	*s;
	const struct mech	*m = NULL;
	int			 r;

	*out = NULL;
	*mech = *initial = NULL;
	/* DESIGN: no credentials before TLS, unless "tls off" to loopback. */
	if (!p->tls_active && !p->loopback)
		return fail(f, FAIL_AUTH, "refusing to send credentials "
		    "without TLS");
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->user = strdup(p->user != NULL ? p->user : "")) == NULL ||
	    (s->host = strdup(p->host != NULL ? p->host : "")) == NULL) {
		if (s != NULL)
			free(s->user);
		free(s);
		return fail(f, FAIL_OS, "out of memory");
	}
	if ((s->bearer = bearer_find(p->mech)) != NULL)
		r = bearer_start(s, p, f);
	else if ((r = mech_builtin(p, &m, f)) == 0 && m != NULL &&
	    (m->flags & M_SCRAM) != 0)
		r = scram_begin(s, p, m, f);
	else if (r == 0)
		r = cyrus_start(s, p, m, f);
	if (r == -1) {
		sasl_end(s);
		return -1;
	}
	*mech = s->mech;
	*initial = s->has_initial ? s->out.data : NULL;
	*out = s;
	return 0;
}

static const struct mech *
mech_find(const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < POSTIE_NELEM(mechs); i++)
		if (strcasecmp(name, mechs[i].name) == 0)
			return &mechs[i];
	return NULL;
}

/*
 * The mechanism the configuration names (checked against the server's
 * list), else the first built-in one postie would choose by itself;
 * *m stays NULL when the choice is libsasl2's (mech_choose).
 */
static int
mech_builtin(const struct sasl_params *p, const struct mech **m,
    struct failure *f)
{
	size_t	i;

	*m = NULL;
	if (p->mech != NULL && p->mech[0] != '\0')
		return mech_named(p, m, f);
	for (i = 0; i < POSTIE_NELEM(mechs); i++)
		if ((mechs[i].flags & M_SCRAM) != 0 && can_choose(&mechs[i], p)) {
			*m = &mechs[i];
			return 0;
		}
	return 0;
}

/* m: the one named, or NULL for the first of mechs[] libsasl2 has. */
static int
cyrus_start(struct sasl_client *s, const struct sasl_params *p,
    const struct mech *m, struct failure *f)
{
	const char	*chosen = NULL, *data = NULL;
	char		 list[64];
	sasl_interact_t	*interact = NULL;
	unsigned	 len = 0;
	int		 r;

	if (m == NULL) {
		if (mech_choose(s, p, &m, f) == -1)
			return -1;
	} else if (lib_init(m->plugin >= 0 ? 1u << m->plugin : 0, f) == -1 ||
	    conn_new(s, p, m, f) == -1)
		return -1;
	if (secret_get(s, p, m, NULL, f) == -1 ||
	    cbind_set(s, p, m, f) == -1)
		return -1;
	/*
	 * RFC 5802 section 6: a client able to bind that chose a
	 * mechanism without -PLUS by itself says "y". libsasl2 says "y"
	 * when it chooses among several names: the same name twice.
	 */
	if (s->cbind.name != NULL && !s->cbind.critical)
		(void)snprintf(list, sizeof(list), "%s %s", m->name, m->name);
	else
		(void)strlcpy(list, m->name, sizeof(list));
	r = sasl_client_start(s->conn, list, &interact, &data, &len, &chosen);
	if (r != SASL_OK && r != SASL_CONTINUE)
		return sasl_fail(s, r, m->name, f);
	/* RFC 4954 section 4: an empty initial response is sent as "=". */
	if (data != NULL && encode(s, data, len, f) == -1)
		return -1;
	s->mech = m->name;
	s->has_initial = data != NULL;
	s->done = r == SASL_OK && s->has_initial;
	return 0;
}

/*
 * A built-in SCRAM: binds when it is a -PLUS variant, says "y" when the
 * connection could bind and postie chose a SCRAM without -PLUS by
 * itself (RFC 5802 section 6: a server whose -PLUS an attacker removed
 * then refuses), "n" when the configuration named it.
 */
static int
scram_begin(struct sasl_client *s, const struct sasl_params *p,
    const struct mech *m, struct failure *f)
{
	struct scram_params	 sp;
	struct buf		 first = BUF_INIT;
	const char		*from = NULL;
	int			 r;

	s->mech = m->name;
	if (secret_get(s, p, m, &from, f) == -1)
		return -1;
	memset(&sp, 0, sizeof(sp));
	sp.mech = m->name;
	sp.user = s->user;
	if ((m->flags & M_PLUS) != 0) {
		sp.cb = SCRAM_CB_BIND;
		sp.cb_name = p->cb_name;
		sp.cb_data = p->cb_data;
		sp.cb_len = p->cb_len;
		log_info("channel binding: %s", p->cb_name);
	} else if (p->cb_name != NULL && (p->mech == NULL ||
	    p->mech[0] == '\0'))
		sp.cb = SCRAM_CB_OFFER;
	/* RFC 5802 section 5.1: keys are cached only for a password that
	 * is stored already; a prompt's or a command's is not kept. */
	s->key_cache = p->key_cache && from != NULL &&
	    (strcmp(from, "the password key") == 0 ||
	    strstr(from, "netrc") != NULL);
	if (s->key_cache && p->key_cache_dir != NULL)
		(void)strlcpy(s->key_dir, p->key_cache_dir, sizeof(s->key_dir));
	r = scram_start(&sp, &s->scram, &first, f);
	if (r == 0)
		r = encode(s, first.data, (unsigned)first.len, f);
	buf_free(&first, 1);
	s->has_initial = 1;
	return r;
}

/*
 * The server-first message gets the proof, the server-final one an empty
 * line once its signature verified; anything more is the server's
 * error.
 */
static int
scram_step(struct sasl_client *s, const char *challenge, size_t len,
    const char **response, struct failure *f)
{
	struct buf	 final = BUF_INIT;
	char		*raw;
	unsigned	 rawlen = 0;
	size_t		 size;
	int		 r;

	if (s->steps >= 2)
		return fail(f, FAIL_PROTOCOL, "the server sent a challenge "
		    "after the AUTH %s exchange was complete", s->mech);
	if (decode(challenge, len, &raw, &rawlen, &size, f) == -1)
		return -1;
	if (s->steps++ == 0) {
		r = scram_server_first(s->scram, raw, rawlen, f);
		if (r == 0)
			r = scram_keys_get(s, f);
		if (r == 0)
			r = scram_client_final(s->scram, &final, f);
		if (r == 0)
			r = encode(s, final.data, (unsigned)final.len, f);
		buf_free(&final, 1);
	} else {
		r = scram_server_final(s->scram, raw, rawlen, f);
		out_clear(s);
		/* RFC 4954 section 4: an empty response is an empty line. */
		if (r == 0 && buf_append(&s->out, "", 0) == -1)
			r = fail(f, FAIL_OS, "out of memory");
	}
	freezero(raw, size);
	if (r == -1)
		return -1;
	*response = s->out.data;
	return 0;
}

/* What the cached keys are for, but the password (which only names the
 * file): this login's server, user, hash, salt and count. */
static void
cache_key(const struct sasl_client *s, struct scramcache_key *k)
{
	memset(k, 0, sizeof(*k));
	k->host = s->host;
	k->user = s->user;
	k->mech = s->mech;
	scram_salt(s->scram, &k->salt, &k->salt_len, &k->iterations);
}

/*
 * The keys: from the cache when this server's salt and count are the
 * ones they were made for, else PBKDF2 on the password. The password is
 * not needed after this: it is wiped.
 */
static int
scram_keys_get(struct sasl_client *s, struct failure *f)
{
	struct scramcache_key	 k;
	struct scram_keys	 keys;
	struct failure		 ignored;
	int			 r;

	if (s->key_cache) {
		cache_key(s, &k);
		k.password = s->secret->data;
		k.password_len = s->secret->len;
		if (scramcache_path(s->key_dir[0] != '\0' ? s->key_dir : NULL,
		    &k, s->key_path, sizeof(s->key_path), &ignored) == -1) {
			log_info("no SCRAM key cache: %s", ignored.text);
			s->key_cache = 0;
		} else if (scramcache_load(s->key_path, &k, &keys) == 0 &&
		    scram_keys_use(s->scram, &keys) == 0) {
			explicit_bzero(&keys, sizeof(keys));
			s->keys_cached = 1;
			log_info("SCRAM keys from the cache %s (no PBKDF2)",
			    s->key_path);
			freezero(s->secret, s->secret_size);
			s->secret = NULL;
			return 0;
		}
		explicit_bzero(&keys, sizeof(keys));
	}
	r = scram_derive(s->scram, (const char *)s->secret->data,
	    s->secret->len, f);
	freezero(s->secret, s->secret_size);
	s->secret = NULL;
	return r;
}

int
sasl_finish(struct sasl_client *s, int code, struct failure *f)
{
	struct scramcache_key	k;

	if (s == NULL || s->scram == NULL || code / 100 == 4)
		return 0;
	if (code / 100 != 2) {
		/* The keys, or the password they came from, are refused. */
		if (s->key_cache && s->key_path[0] != '\0') {
			scramcache_remove(s->key_path);
			if (s->keys_cached)
				log_info("SCRAM key cache %s: refused; removed",
				    s->key_path);
		}
		return 0;
	}
	/* RFC 5802 section 5: the server proves it knows the keys too. A
	 * 235 without the signature could be anyone's. */
	if (!scram_verified(s->scram))
		return fail(f, FAIL_PROTOCOL, "the server accepted AUTH %s "
		    "without proving that it knows the password (no SCRAM "
		    "server signature); nothing was sent", s->mech);
	if (s->key_cache && !s->keys_cached) {
		cache_key(s, &k);
		if (scramcache_store(s->key_path, &k,
		    scram_keys(s->scram)) == 0)
			log_info("SCRAM keys cached in %s", s->key_path);
	}
	return 0;
}

/* The user and the password, for the mechanisms that use them; *fromp
 * (when not NULL) names the password's source. */
static int
secret_get(struct sasl_client *s, const struct sasl_params *p,
    const struct mech *m, const char **fromp, struct failure *f)
{
	struct password_params	 pp;
	const char		*from = NULL;

	if ((m->flags & M_USER) != 0 && s->user[0] == '\0')
		return fail(f, FAIL_AUTH, "no user name for authentication "
		    "(set user)");
	if ((m->flags & M_SECRET) == 0)
		return 0;
	memset(&pp, 0, sizeof(pp));
	pp.host = p->host != NULL ? p->host : "";
	pp.user = s->user;
	pp.password = p->password;
	pp.passwordeval = p->passwordeval;
	pp.no_prompt = p->no_prompt;
	if (password_fetch(&pp, &s->secret, &s->secret_size, &from, f) == -1)
		return -1;
	log_info("password from %s", from);
	if (fromp != NULL)
		*fromp = from;
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
	const struct mech	*m;
	struct buf		 raw = BUF_INIT;
	int			 r;

	if (mech_named(p, &m, f) == -1)
		return -1;
	s->mech = s->bearer->name;
	if (secret_get(s, p, m, NULL, f) == -1)
		return -1;
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
	char		text[1024];
	unsigned	n = 0;

	if (s->steps++ > 0)
		return fail(f, FAIL_PROTOCOL, "the server sent a second %s "
		    "challenge", s->mech);
	if (len / 4 * 3 < sizeof(text) && sasl_decode64(challenge,
	    (unsigned)len, text, sizeof(text), &n) == SASL_OK) {
		(void)snprintf(s->server_error, sizeof(s->server_error),
		    "%.*s", (int)n, text);
		log_info("%s error from the server: %s", s->mech,
		    s->server_error);
	}
	out_clear(s);
	if (buf_append(&s->out, s->bearer->abort,
	    strlen(s->bearer->abort)) == -1)
		return fail(f, FAIL_OS, "out of memory");
	*response = s->out.data;
	return 0;
}

/* The plugins of the mechanisms that can be chosen here; all for one
 * postie does not know. */
static unsigned
plugins_wanted(const struct sasl_params *p)
{
	const struct mech	*m;
	unsigned		 want = 0;
	size_t			 i;

	if (p->mech != NULL && p->mech[0] != '\0') {
		if ((m = mech_find(p->mech)) == NULL)
			return PL_ALL;
		return m->plugin >= 0 ? 1u << m->plugin : 0;
	}
	for (i = 0; i < POSTIE_NELEM(mechs); i++)
		if (can_choose(&mechs[i], p) && mechs[i].plugin >= 0)
			want |= 1u << mechs[i].plugin;
	return want;
}

/*
 * Once per process, or again when this server needs a plugin the first
 * initialisation skipped (a queue run over several accounts).
 */
static int
lib_init(unsigned want, struct failure *f)
{
	int	r;

	if (lib_ready && ((want & ~plugins_loaded) == 0 || conns_live > 0))
		return 0;
	if (lib_ready) {
		(void)sasl_client_done();
		lib_ready = 0;
	}
	plugins_allowed = plugins_loaded | want;
	if ((r = sasl_client_init(global_cb)) != SASL_OK)
		return fail(f, FAIL_SOFTWARE, "libsasl2: %s",
		    sasl_errstring(r, NULL, NULL));
	plugins_loaded = plugins_allowed;
	lib_ready = 1;
	return 0;
}

/* SASL_CONTINUE skips a plugin file (lib/dlopen.c, _sasl_get_plugin). */
static int
verify_cb(void *ctx, const char *file, sasl_verify_type_t type)
{
	const char	*base;
	size_t		 i, n;

	(void)ctx;
	if (type != SASL_VRFY_PLUGIN || file == NULL)
		return SASL_OK;
	base = (base = strrchr(file, '/')) != NULL ? base + 1 : file;
	n = strcspn(base, ".");
	for (i = 0; i < POSTIE_NELEM(plugins); i++)
		if (strlen(plugins[i]) == n &&
		    strncmp(base, plugins[i], n) == 0)
			return (plugins_allowed & (1u << i)) != 0 ?
			    SASL_OK : SASL_CONTINUE;
	return SASL_OK;
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
conn_new(struct sasl_client *s, const struct sasl_params *p,
    const struct mech *m, struct failure *f)
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
	conns_live++;
	/* TLS protects the exchange: no SASL security layer (maxbufsize
	 * 0), and the plaintext mechanisms are fine inside it. ANONYMOUS
	 * only when it is the one named. */
	memset(&sp, 0, sizeof(sp));
	sp.security_flags = m != NULL && strcmp(m->name, "ANONYMOUS") == 0 ?
	    0 : SASL_SEC_NOANONYMOUS;
	ssf = p->tls_active ? 128 : 0;
	if ((r = sasl_setprop(s->conn, SASL_SEC_PROPS, &sp)) != SASL_OK ||
	    (r = sasl_setprop(s->conn, SASL_SSF_EXTERNAL, &ssf)) != SASL_OK)
		return sasl_fail(s, r, NULL, f);
	/* EXTERNAL: the identity is the client certificate's (RFC 4422
	 * appendix A); libsasl2 only needs to know there is one. */
	if (m != NULL && strcmp(m->name, "EXTERNAL") == 0 &&
	    (r = sasl_setprop(s->conn, SASL_AUTH_EXTERNAL,
	    s->user[0] != '\0' ? s->user : "client certificate")) != SASL_OK)
		return sasl_fail(s, r, NULL, f);
	return 0;
}

/*
 * Hands libsasl2 the TLS channel binding for a SCRAM: required
 * ("p=NAME") for a -PLUS variant, offered ("y") for one postie chose by
 * itself, left out ("n") for one the configuration named.
 */
static int
cbind_set(struct sasl_client *s, const struct sasl_params *p,
    const struct mech *m, struct failure *f)
{
	int	r;

	if ((m->flags & M_CB) == 0 || p->cb_name == NULL ||
	    p->cb_len == 0 || p->cb_len > sizeof(s->cb_data) ||
	    ((m->flags & M_PLUS) == 0 && p->mech != NULL && p->mech[0] != '\0'))
		return 0;
	memcpy(s->cb_data, p->cb_data, p->cb_len);
	s->cbind.name = p->cb_name;
	s->cbind.critical = (m->flags & M_PLUS) != 0;
	s->cbind.len = (unsigned)p->cb_len;
	s->cbind.data = s->cb_data;
	if ((r = sasl_setprop(s->conn, SASL_CHANNEL_BINDING, &s->cbind)) !=
	    SASL_OK)
		return sasl_fail(s, r, m->name, f);
	log_info("channel binding: %s", p->cb_name);
	return 0;
}

/* 1 when m may be chosen without being named, for this server. */
static int
can_choose(const struct mech *m, const struct sasl_params *p)
{
	/* Without TLS ("tls off" to loopback) only a mechanism that never
	 * shows the password is chosen by itself, as msmtp does. */
	return (m->flags & M_AUTO) != 0 && p->offered != NULL &&
	    word_in(p->offered, m->name) &&
	    ((m->flags & M_PLUS) == 0 || p->cb_name != NULL) &&
	    ((m->flags & M_CLEAR) == 0 || p->tls_active);
}

/* The mechanism the configuration names, which the server must offer. */
static int
mech_named(const struct sasl_params *p, const struct mech **m,
    struct failure *f)
{
	const char	*offered = p->offered != NULL ? p->offered : "";

	if (offered[0] == '\0')
		return fail(f, FAIL_AUTH, "the server offers no authentication");
	if (!word_in(offered, p->mech))
		return fail(f, FAIL_AUTH, "the server does not offer AUTH %s; "
		    "it offers: %s", p->mech, offered);
	if ((*m = mech_find(p->mech)) == NULL)
		return fail(f, FAIL_AUTH, "postie does not know AUTH %s",
		    p->mech);
	if (((*m)->flags & M_PLUS) != 0 && p->cb_name == NULL)
		return fail(f, FAIL_AUTH, "AUTH %s needs TLS channel binding, "
		    "which this connection does not have", (*m)->name);
	if (strcmp((*m)->name, "EXTERNAL") == 0 && !p->client_cert)
		return fail(f, FAIL_CONFIG, "AUTH EXTERNAL needs a client "
		    "certificate (set tls_cert_file and tls_key_file)");
	return 0;
}

/*
 * The first of mechs[] that both the server and libsasl2 have, trying
 * each with only its own plugin loaded: the one chosen is the only one
 * in the process unless an earlier one is missing.
 */
static int
mech_choose(struct sasl_client *s, const struct sasl_params *p,
    const struct mech **m, struct failure *f)
{
	const char	*offered = p->offered != NULL ? p->offered : "";
	size_t		 i;

	if (offered[0] == '\0')
		return fail(f, FAIL_AUTH, "the server offers no authentication");
	for (i = 0; i < POSTIE_NELEM(mechs); i++) {
		if (!can_choose(&mechs[i], p) || mechs[i].plugin < 0)
			continue;
		if (lib_init(1u << mechs[i].plugin, f) == -1 ||
		    conn_new(s, p, &mechs[i], f) == -1)
			return -1;
		if (cyrus_has(s, mechs[i].name)) {
			*m = &mechs[i];
			return 0;
		}
		conn_drop(s);
	}
	if (!p->tls_active && clear_only(p))
		return fail(f, FAIL_AUTH, "without TLS the server offers only "
		    "%s, which would show the password; no password was sent "
		    "(use TLS, or name the mechanism, e.g. 'auth plain', to "
		    "allow it on this loopback connection)", offered);
	if (plugins_wanted(p) != 0)
		return fail(f, FAIL_AUTH, "the server offers %s, but libsasl2 "
		    "has none of those postie would pick (install "
		    "libsasl2-modules?)", offered);
	return fail(f, FAIL_AUTH, "no authentication mechanism in common: the "
	    "server offers %s; postie picks by itself only SCRAM-SHA-* (-PLUS "
	    "too), PLAIN and LOGIN (name another with auth)", offered);
}

/* 1 when libsasl2, as initialised, has the mechanism name. */
static int
cyrus_has(struct sasl_client *s, const char *name)
{
	const char	*have = NULL;

	return sasl_listmech(s->conn, NULL, "", " ", "", &have, NULL,
	    NULL) == SASL_OK && have != NULL && word_in(have, name);
}

static void
conn_drop(struct sasl_client *s)
{
	if (s->conn == NULL)
		return;
	sasl_dispose(&s->conn);
	conns_live--;
}

/* 1 when the server offers a mechanism showing the password, none other
 * that postie would choose by itself. */
static int
clear_only(const struct sasl_params *p)
{
	size_t	i;
	int	clear = 0;

	for (i = 0; i < POSTIE_NELEM(mechs); i++) {
		if ((mechs[i].flags & M_AUTO) == 0 ||
		    !word_in(p->offered, mechs[i].name))
			continue;
		if ((mechs[i].flags & M_CLEAR) == 0)
			return 0;
		clear = 1;
	}
	return clear;
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
	size_t		 size;
	int		 r;

	*response = NULL;
	if (s->bearer != NULL)
		return bearer_step(s, challenge, len, response, f);
	if (s->scram != NULL)
		return scram_step(s, challenge, len, response, f);
	/* libsasl2 would call it a missing callback: it is the server's. */
	if (s->done)
		return fail(f, FAIL_PROTOCOL, "the server sent a challenge "
		    "after the AUTH %s exchange was complete", s->mech);
	if (decode(challenge, len, &raw, &rawlen, &size, f) == -1)
		return -1;
	r = sasl_client_step(s->conn, raw, rawlen, &interact, &data, &outlen);
	freezero(raw, size);
	if (r != SASL_OK && r != SASL_CONTINUE)
		return sasl_fail(s, r, NULL, f);
	s->done = r == SASL_OK;
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

/*
 * The server's base64 challenge into *raw (malloc'd, NUL-terminated,
 * *size bytes to wipe). Some servers send "=" for an empty challenge.
 */
static int
decode(const char *challenge, size_t len, char **raw, unsigned *rawlen,
    size_t *size, struct failure *f)
{
	if (len == 1 && challenge[0] == '=')
		len = 0;
	if (len > SASL_CHALLENGE_MAX)
		return fail(f, FAIL_PROTOCOL, "the server's AUTH challenge is "
		    "too long");
	*size = len / 4 * 3 + 4;
	if ((*raw = malloc(*size)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	if (sasl_decode64(challenge, (unsigned)len, *raw, (unsigned)*size,
	    rawlen) != SASL_OK) {
		free(*raw);
		return fail(f, FAIL_PROTOCOL, "the server's AUTH challenge is "
		    "not base64: %.*s", (int)(len > 80 ? 80 : len), challenge);
	}
	(*raw)[*rawlen] = '\0';
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
		return fail(f, FAIL_AUTH, "libsasl2 cannot do %s here (install "
		    "%s?)", mech != NULL ? mech : "that mechanism",
		    mech != NULL && (strcmp(mech, "GSSAPI") == 0 ||
		    strncmp(mech, "GS2-", 4) == 0) ?
		    "libsasl2-modules-gssapi-mit" : "libsasl2-modules");
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

const char *
sasl_server_error(const struct sasl_client *s)
{
	return s != NULL && s->server_error[0] != '\0' ? s->server_error :
	    NULL;
}

void
sasl_end(struct sasl_client *s)
{
	if (s == NULL)
		return;
	conn_drop(s);
	scram_free(s->scram);
	if (s->secret != NULL)
		freezero(s->secret, s->secret_size);
	buf_free(&s->out, 1);
	free(s->user);
	free(s->host);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

const char *
sasl_builtin(size_t i)
{
	size_t	j;

	for (j = 0; j < POSTIE_NELEM(mechs); j++)
		if ((mechs[j].flags & (M_SCRAM | M_BEARER)) != 0 && i-- == 0)
			return mechs[j].name;
	return NULL;
}
