/*
 * config: msmtp-compatible configuration files (see config.h).
 *
 * The syntax is msmtp's, so that an existing ~/.msmtprc works as it is:
 * one "key value" per line; blank lines and lines whose first non-blank
 * character is '#' are ignored ('#' anywhere else belongs to the value,
 * as passwords need); the value may stand in double quotes, inside which
 * \" and \\ are escapes (any other backslash stays as it is). "defaults"
 * starts a section whose settings every later account starts from (a
 * later "defaults" adds to the earlier ones); "account NAME : A, B" starts
 * an account from the defaults, then takes what A and then B set
 * themselves.
 *
 * Every key msmtp knows is in keys[], with what postie does with it: acts
 * on it, notes with -v that it does not yet, or accepts only the values
 * that keep postie's guarantees (certificates are always checked, mail
 * never leaves in plaintext except over loopback). The queue keys and
 * rewrite_domain are postie's own: msmtp has no such keys.
 *
 * In "from" and "domain", msmtp's %U, %H, %C and %M are replaced while
 * the file is read (localname.h); a "from" holding *, ? or [ is then a
 * pattern that chooses the account for matching envelope senders.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "buf.h"
#include "build.h"
#include "config.h"
#include "fileio.h"
#include "localname.h"
#include "log.h"
#include "sysuser.h"

/* Nobody's configuration is this large; a mistaken -C is. */
#define CONFIG_MAX_SIZE		(1024 * 1024)
#define TIMEOUT_MAX		86400
#define LIFETIME_MAX		(365L * 86400)
#define DOMAIN_MAX		253
#define LABEL_MAX		63
#define SUGGEST_DISTANCE	2
/* Longest key name plus SUGGEST_DISTANCE, for the distance rows. */
#define SUGGEST_LEN		32
#define BLANKS			" \t"

/* The account fields a key can set: the bits of account.set. */
enum field {
	F_NONE = -1,
	F_HOST,
	F_PORT,
	F_FROM,
	F_DOMAIN,
	F_TIMEOUT,
	F_TLS,
	F_STARTTLS,
	F_TRUST_FILE,
	F_HOST_OVERRIDE,
	F_FINGERPRINT,
	F_SESSION_CACHE,
	F_AUTH,
	F_USER,
	F_PASSWORD,
	F_PASSWORDEVAL,
	F_FROM_FULL_NAME,
	F_SET_FROM,
	F_SET_DATE,
	F_SET_MSGID,
	F_UNDISCLOSED,
	F_REMOVE_BCC,
	F_REWRITE_DOMAIN,
	F_ALIASES,
	F_FROM_OVERRIDE,
	F_DSN_NOTIFY,
	F_DSN_RETURN,
	F_QUEUE,
	F_QUEUE_DIR,
	F_LOGFILE,
	F_QUEUE_LIFETIME,
	F_QUEUE_BOUNCE,
	F_SOURCE_IP,
	F_PROXY_HOST,
	F_PROXY_PORT,
	F_PIN,
	F_PRIORITIES,
	F_CERT_FILE,
	F_KEY_FILE,
	F_CRL_FILE,
	F_CERTCHECK_OFF,
	F_CHUNKING,
	F_SYSLOG,
	F_COUNT
};

enum field_type {
	FT_STR,
	FT_INT,		/* int, or one of the enums stored as one */
	FT_LONG,
	FT_AUTH,	/* auth and auth_mech together */
};

static const struct {
	size_t		off;
	enum field_type	type;
} fields[F_COUNT] = {
	[F_HOST] =		{ offsetof(struct account, host), FT_STR },
	[F_PORT] =		{ offsetof(struct account, port), FT_INT },
	[F_FROM] =		{ offsetof(struct account, from), FT_STR },
	[F_DOMAIN] =		{ offsetof(struct account, domain), FT_STR },
	[F_TIMEOUT] =		{ offsetof(struct account, timeout), FT_INT },
	[F_TLS] =		{ offsetof(struct account, tls), FT_INT },
	[F_STARTTLS] =		{ offsetof(struct account, tls_starttls), FT_INT },
	[F_TRUST_FILE] =	{ offsetof(struct account, tls_trust_file), FT_STR },
	[F_HOST_OVERRIDE] =	{ offsetof(struct account, tls_host_override),
				    FT_STR },
	[F_FINGERPRINT] =	{ offsetof(struct account, tls_fingerprint),
				    FT_STR },
	[F_SESSION_CACHE] =	{ offsetof(struct account, tls_session_cache),
				    FT_STR },
	[F_PIN] =		{ offsetof(struct account, tls_pin), FT_STR },
	[F_PRIORITIES] =	{ offsetof(struct account, tls_priorities),
				    FT_STR },
	[F_CERT_FILE] =		{ offsetof(struct account, tls_cert_file),
				    FT_STR },
	[F_KEY_FILE] =		{ offsetof(struct account, tls_key_file),
				    FT_STR },
	[F_CRL_FILE] =		{ offsetof(struct account, tls_crl_file),
				    FT_STR },
	[F_CERTCHECK_OFF] =	{ offsetof(struct account, tls_certcheck_off),
				    FT_STR },
	[F_AUTH] =		{ offsetof(struct account, auth), FT_AUTH },
	[F_USER] =		{ offsetof(struct account, user), FT_STR },
	[F_PASSWORD] =		{ offsetof(struct account, password), FT_STR },
	[F_PASSWORDEVAL] =	{ offsetof(struct account, passwordeval), FT_STR },
	[F_FROM_FULL_NAME] =	{ offsetof(struct account, from_full_name),
				    FT_STR },
	[F_SET_FROM] =		{ offsetof(struct account, set_from_header),
				    FT_INT },
	[F_SET_DATE] =		{ offsetof(struct account, set_date_header),
				    FT_INT },
	[F_SET_MSGID] =		{ offsetof(struct account, set_msgid_header),
				    FT_INT },
	[F_UNDISCLOSED] =	{ offsetof(struct account,
				    undisclosed_recipients), FT_INT },
	[F_REMOVE_BCC] =	{ offsetof(struct account, remove_bcc_headers),
				    FT_INT },
	[F_REWRITE_DOMAIN] =	{ offsetof(struct account, rewrite_domain),
				    FT_STR },
	[F_ALIASES] =		{ offsetof(struct account, aliases), FT_STR },
	[F_FROM_OVERRIDE] =	{ offsetof(struct account, allow_from_override),
				    FT_INT },
	[F_DSN_NOTIFY] =	{ offsetof(struct account, dsn_notify), FT_STR },
	[F_DSN_RETURN] =	{ offsetof(struct account, dsn_return), FT_STR },
	[F_QUEUE] =		{ offsetof(struct account, queue), FT_INT },
	[F_QUEUE_DIR] =		{ offsetof(struct account, queue_dir), FT_STR },
	[F_LOGFILE] =		{ offsetof(struct account, logfile), FT_STR },
	[F_QUEUE_LIFETIME] =	{ offsetof(struct account, queue_lifetime),
				    FT_LONG },
	[F_QUEUE_BOUNCE] =	{ offsetof(struct account, queue_bounce), FT_INT },
	[F_SOURCE_IP] =		{ offsetof(struct account, source_ip), FT_STR },
	[F_PROXY_HOST] =	{ offsetof(struct account, proxy_host), FT_STR },
	[F_PROXY_PORT] =	{ offsetof(struct account, proxy_port), FT_INT },
	[F_CHUNKING] =		{ offsetof(struct account, chunking), FT_INT },
	[F_SYSLOG] =		{ offsetof(struct account, syslog), FT_INT },
};

/* The enums go through int pointers with the other FT_INT fields. */
_Static_assert(sizeof(enum header_mode) == sizeof(int), "header_mode");
_Static_assert(sizeof(enum queue_mode) == sizeof(int), "queue_mode");

/*
 * The values of the keys that take one word of a few (key_enum): what
 * each word stores, an int or, for a string field, a string (NULL
 * unsets). The words of a field, in this order, make its error text.
 */
static const struct {
	enum field	 field;
	const char	*word;
	int		 value;
	const char	*str;
} enum_words[] = {
	{ F_SET_FROM,	"auto",		HEADER_AUTO,	NULL },
	{ F_SET_FROM,	"on",		HEADER_ON,	NULL },
	{ F_SET_FROM,	"off",		HEADER_OFF,	NULL },
	{ F_SET_DATE,	"auto",		HEADER_AUTO,	NULL },
	{ F_SET_DATE,	"off",		HEADER_OFF,	NULL },
	{ F_SET_MSGID,	"auto",		HEADER_AUTO,	NULL },
	{ F_SET_MSGID,	"off",		HEADER_OFF,	NULL },
	/* RFC 3461 4.3: RET=HDRS or RET=FULL. */
	{ F_DSN_RETURN,	"off",		0,		NULL },
	{ F_DSN_RETURN,	"headers",	0,		"HDRS" },
	{ F_DSN_RETURN,	"full",		0,		"FULL" },
	{ F_QUEUE,	"auto",		QUEUE_AUTO,	NULL },
	{ F_QUEUE,	"always",	QUEUE_ALWAYS,	NULL },
	{ F_QUEUE,	"off",		QUEUE_OFF,	NULL },
	/* msmtp's: on is LOG_MAIL; these are the facilities it names. */
	{ F_SYSLOG,	"on",		LOG_MAIL,	NULL },
	{ F_SYSLOG,	"off",		LOG_SYSLOG_OFF,	NULL },
	{ F_SYSLOG,	"LOG_USER",	LOG_USER,	NULL },
	{ F_SYSLOG,	"LOG_MAIL",	LOG_MAIL,	NULL },
	{ F_SYSLOG,	"LOG_LOCAL0",	LOG_LOCAL0,	NULL },
	{ F_SYSLOG,	"LOG_LOCAL1",	LOG_LOCAL1,	NULL },
	{ F_SYSLOG,	"LOG_LOCAL2",	LOG_LOCAL2,	NULL },
	{ F_SYSLOG,	"LOG_LOCAL3",	LOG_LOCAL3,	NULL },
	{ F_SYSLOG,	"LOG_LOCAL4",	LOG_LOCAL4,	NULL },
	{ F_SYSLOG,	"LOG_LOCAL5",	LOG_LOCAL5,	NULL },
	{ F_SYSLOG,	"LOG_LOCAL6",	LOG_LOCAL6,	NULL },
	{ F_SYSLOG,	"LOG_LOCAL7",	LOG_LOCAL7,	NULL },
};

/* The units of a queue_lifetime. */
static const struct {
	char	unit;
	long	seconds;
} units[] = {
	{ 's', 1 },
	{ 'm', 60 },
	{ 'h', 3600 },
	{ 'd', 86400 },
};

#define FIELD_BIT(f)	(1ULL << (f))
#define FIELDS_ALL	(FIELD_BIT(F_COUNT) - 1)

struct parser {
	struct config		*c;
	const char		*name;		/* the file, for messages */
	size_t			 line;
	struct account		 defaults;
	struct account		*cur;		/* where keys go; NULL at first */
	int			 has_password;
	unsigned long long	 noted;		/* keys[] already noted with -v */
	struct failure		*f;
};

enum key_status {
	KEY_SECTION,	/* "account" and "defaults" */
	KEY_USED,	/* postie acts on it */
	KEY_NOTED,	/* accepted and checked, not acted on yet: said with -v */
	KEY_GUARDED,	/* only the values that change nothing are accepted */
};

struct key {
	const char	*name;
	int		(*set)(struct parser *, const struct key *, char *);
	enum key_status	 status;
	enum field	 field;		/* what it sets, or F_NONE */
	/* For the guards: why the refused value is refused. */
	const char	*arg;
};

static int	 parse_text(struct parser *, const char *, size_t);
static int	 parse_line(struct parser *, const char *, size_t);
static int	 parse_split(struct parser *, char *);
static int	 unquote(struct parser *, const char *, char *);
static int	 dispatch(struct parser *, char *, char *);
static const struct key *key_find(const char *);
static int	 unknown_key(struct parser *, const char *);
static size_t	 distance(const char *, const char *);
static void	 note_once(struct parser *, const struct key *);
/* A FAIL_CONFIG failure, as "FILE:LINE: text". */
#define perr(p, ...) \
	config_fail_at((p)->f, (p)->name, (p)->line, __VA_ARGS__)
static int	 nomem(struct failure *);

static int	 key_defaults(struct parser *, const struct key *, char *);
static int	 key_account(struct parser *, const struct key *, char *);
static int	 inherit(struct parser *, struct account *, char *);
static int	 key_string(struct parser *, const struct key *, char *);
static int	 key_session_cache(struct parser *, const struct key *,
		    char *);
static int	 key_expanded(struct parser *, const struct key *, char *);
static int	 key_text(struct parser *, const struct key *, char *);
static int	 key_path(struct parser *, const struct key *, char *);
static int	 key_dir(struct parser *, const struct key *, char *);
static int	 key_domain(struct parser *, const struct key *, char *);
static int	 key_lifetime(struct parser *, const struct key *, char *);
static int	 key_enum(struct parser *, const struct key *, char *);
static int	 key_add_missing(struct parser *, const struct key *, char *);
static int	 key_host(struct parser *, const struct key *, char *);
static int	 key_password(struct parser *, const struct key *, char *);
static int	 key_port(struct parser *, const struct key *, char *);
static int	 key_timeout(struct parser *, const struct key *, char *);
static int	 key_source_ip(struct parser *, const struct key *, char *);
static int	 key_count(struct parser *, const struct key *, char *);
static int	 key_onoff(struct parser *, const struct key *, char *);
static int	 key_onoff_not(struct parser *, const struct key *, char *);
static int	 key_trust_file(struct parser *, const struct key *, char *);
static int	 key_fingerprint(struct parser *, const struct key *, char *);
static int	 key_pin(struct parser *, const struct key *, char *);
static int	 key_priorities(struct parser *, const struct key *, char *);
static const char *priority_weakener(const char *, size_t *);
static int	 key_auth(struct parser *, const struct key *, char *);
static int	 key_any(struct parser *, const struct key *, char *);
static int	 key_dsn_notify(struct parser *, const struct key *, char *);
static int	 key_certcheck(struct parser *, const struct key *, char *);
static int	 key_unless_set(struct parser *, const struct key *, char *);
static int	 key_protocol(struct parser *, const struct key *, char *);

static int	 onoff(const char *);
static int	 enum_find(enum field, const char *);
static int	 enum_list(enum field, char *, size_t);
static int	 domain_valid(const char *);
static int	 word_in(const char *, const char *);
static char	*trim(char *);
static int	 set_str(struct parser *, enum field, const char *);
static void	 set_int(struct parser *, enum field, int);
static int	 expand_tilde(struct parser *, const char *, const char *,
		    char **);
static const char *home_dir(void);

static struct account *account_new(struct parser *, const char *);
static struct account *account_find(const struct config *, const char *);
static int	 account_append(struct config *, struct account *,
		    struct failure *);
static int	 fields_copy(struct account *, const struct account *,
		    unsigned long long);
static void	 fields_free(struct account *);
static void	 account_free(struct account *);
static void	 str_free(char *);
static int	 account_finish(struct account *, struct failure *);
static int	 account_matches(const struct account *, const char *);
static void	 mark_patterns(struct config *);

static int	 private_group(const struct stat *);
static int	 check_password_perm(int, const char *, struct failure *);
static int	 is_system_group(gid_t);
static int	 load_file(struct config *, const char *, int,
		    struct failure *);
static int	 load_search(struct config *, struct failure *);
static char	*candidate_path(size_t);
static int	 open_config(const char *, int, struct failure *);
static int	 read_config(int, const char *, struct buf *, struct failure *);

#define DSN_WORDS	"failure delay success"
#define AUTH_MECHS	"plain login cram-md5 digest-md5 scram-sha-1 " \
			"scram-sha-256 gssapi external oauthbearer xoauth2 ntlm " \
			"scram-sha-1-plus scram-sha-256-plus scram-sha-224 " \
			"scram-sha-224-plus scram-sha-384 scram-sha-384-plus " \
			"scram-sha-512 scram-sha-512-plus gs2-krb5 " \
			"gs2-krb5-plus anonymous"
#define WHY_NO_SOCKET	"postie cannot connect through a local socket yet; " \
			"use host and port"
#define WHY_NO_EVAL	"postie does not run commands to read its " \
			"configuration; write the lines out"
#define WHY_LMTP	"postie speaks SMTP only"

/* Sorted by name. The "set" bits and the noted mask are indexed by the
 * field and the position here. */
static const struct key keys[] = {
	{ "account",		key_account,	KEY_SECTION, F_NONE, NULL },
	{ "add_missing_date_header", key_add_missing, KEY_USED, F_SET_DATE,
	    NULL },
	{ "add_missing_from_header", key_add_missing, KEY_USED, F_SET_FROM,
	    NULL },
	{ "aliases",		key_path,	KEY_USED, F_ALIASES, NULL },
	{ "allow_from_override", key_onoff,	KEY_USED, F_FROM_OVERRIDE, NULL },
	{ "auth",		key_auth,	KEY_USED, F_AUTH, NULL },
	{ "auto_from",		key_onoff,	KEY_NOTED, F_NONE, NULL },
	/* postie's own: off for a server whose BDAT is broken. */
	{ "chunking",		key_onoff,	KEY_USED, F_CHUNKING, NULL },
	{ "connect_timeout",	key_timeout,	KEY_USED, F_TIMEOUT, NULL },
	{ "defaults",		key_defaults,	KEY_SECTION, F_NONE, NULL },
	{ "domain",		key_expanded,	KEY_USED, F_DOMAIN, NULL },
	{ "dsn_notify",		key_dsn_notify,	KEY_USED, F_DSN_NOTIFY, NULL },
	{ "dsn_return",		key_enum,	KEY_USED, F_DSN_RETURN, NULL },
	{ "eval",		key_unless_set,	KEY_GUARDED, F_NONE, WHY_NO_EVAL },
	{ "from",		key_expanded,	KEY_USED, F_FROM, NULL },
	{ "from_full_name",	key_text,	KEY_USED, F_FROM_FULL_NAME, NULL },
	{ "host",		key_host,	KEY_USED, F_HOST, NULL },
	{ "keepbcc",		key_onoff_not,	KEY_USED, F_REMOVE_BCC, NULL },
	{ "logfile",		key_dir,	KEY_USED, F_LOGFILE, NULL },
	{ "logfile_time_format", key_any,	KEY_NOTED, F_NONE, NULL },
	{ "maildomain",		key_any,	KEY_NOTED, F_NONE, NULL },
	{ "ntlmdomain",		key_any,	KEY_NOTED, F_NONE, NULL },
	{ "password",		key_password,	KEY_USED, F_PASSWORD, NULL },
	{ "passwordeval",	key_string,	KEY_USED, F_PASSWORDEVAL, NULL },
	{ "port",		key_port,	KEY_USED, F_PORT, NULL },
	{ "protocol",		key_protocol,	KEY_GUARDED, F_NONE, WHY_LMTP },
	{ "proxy_host",		key_string,	KEY_USED, F_PROXY_HOST, NULL },
	{ "proxy_port",		key_port,	KEY_USED, F_PROXY_PORT, NULL },
	/* postie's own, as are the queue keys. */
	{ "queue",		key_enum,	KEY_USED, F_QUEUE, NULL },
	{ "queue_bounce",	key_onoff,	KEY_USED, F_QUEUE_BOUNCE, NULL },
	{ "queue_dir",		key_dir,	KEY_USED, F_QUEUE_DIR, NULL },
	{ "queue_lifetime",	key_lifetime,	KEY_USED, F_QUEUE_LIFETIME, NULL },
	{ "remove_bcc_headers",	key_onoff,	KEY_USED, F_REMOVE_BCC, NULL },
	{ "rewrite_domain",	key_domain,	KEY_USED, F_REWRITE_DOMAIN, NULL },
	{ "set_date_header",	key_enum,	KEY_USED, F_SET_DATE, NULL },
	{ "set_from_header",	key_enum,	KEY_USED, F_SET_FROM, NULL },
	{ "set_msgid_header",	key_enum,	KEY_USED, F_SET_MSGID, NULL },
	{ "socket",		key_unless_set,	KEY_GUARDED, F_NONE,
	    WHY_NO_SOCKET },
	{ "source_ip",		key_source_ip,	KEY_USED, F_SOURCE_IP, NULL },
	{ "syslog",		key_enum,	KEY_USED, F_SYSLOG, NULL },
	{ "timeout",		key_timeout,	KEY_USED, F_TIMEOUT, NULL },
	{ "tls",		key_onoff,	KEY_USED, F_TLS, NULL },
	{ "tls_cert_file",	key_path,	KEY_USED, F_CERT_FILE, NULL },
	{ "tls_certcheck",	key_certcheck,	KEY_USED, F_CERTCHECK_OFF,
	    NULL },
	{ "tls_crl_file",	key_path,	KEY_USED, F_CRL_FILE, NULL },
	{ "tls_fingerprint",	key_fingerprint, KEY_USED, F_FINGERPRINT,
	    NULL },
	{ "tls_force_sslv3",	key_onoff,	KEY_NOTED, F_NONE, NULL },
	{ "tls_host_override",	key_string,	KEY_USED, F_HOST_OVERRIDE, NULL },
	{ "tls_key_file",	key_path,	KEY_USED, F_KEY_FILE, NULL },
	{ "tls_min_dh_prime_bits", key_count,	KEY_NOTED, F_NONE, NULL },
	{ "tls_nocertcheck",	key_certcheck,	KEY_USED, F_CERTCHECK_OFF,
	    NULL },
	{ "tls_nostarttls",	key_onoff_not,	KEY_USED, F_STARTTLS, NULL },
	{ "tls_pin",		key_pin,	KEY_USED, F_PIN, NULL },
	{ "tls_priorities",	key_priorities,	KEY_USED, F_PRIORITIES, NULL },
	{ "tls_session_cache",	key_session_cache, KEY_USED, F_SESSION_CACHE,
	    NULL },
	{ "tls_starttls",	key_onoff,	KEY_USED, F_STARTTLS, NULL },
	{ "tls_trust_file",	key_trust_file,	KEY_USED, F_TRUST_FILE, NULL },
	{ "undisclosed_recipients", key_onoff,	KEY_USED, F_UNDISCLOSED, NULL },
	{ "user",		key_string,	KEY_USED, F_USER, NULL },
};

_Static_assert(POSTIE_NELEM(keys) <= 64, "parser.noted has 64 bits");
_Static_assert(F_COUNT <= 64, "account.set has 64 bits");

/* Where the file is looked for without -C, in this order. */
enum base { BASE_XDG, BASE_HOME, BASE_SYSCONF };
static const struct {
	enum base	 base;
	const char	*rest;
	int		 msmtp;
} candidates[] = {
	{ BASE_XDG,	"/postie/config",	0 },
	{ BASE_XDG,	"/msmtp/config",	1 },
	{ BASE_HOME,	"/.msmtprc",		1 },
	{ BASE_SYSCONF,	"/postie.conf",		0 },
};

int
config_has_user_file(void)
{
	struct stat	 st;
	char		*path;
	size_t		 i;
	int		 found = 0;

	for (i = 0; i < POSTIE_NELEM(candidates) && !found; i++) {
		if (candidates[i].base == BASE_SYSCONF)
			continue;
		errno = 0;
		if ((path = candidate_path(i)) == NULL) {
			found = errno == ENOMEM;
			continue;
		}
		/* One that cannot be looked at is an error for config_load. */
		found = stat(path, &st) == 0 ||
		    (errno != ENOENT && errno != ENOTDIR);
		free(path);
	}
	return found;
}

int
config_search_path(size_t i, char **path, int *msmtp)
{
	*path = NULL;
	if (i >= POSTIE_NELEM(candidates))
		return 0;
	*msmtp = candidates[i].msmtp;
	errno = 0;
	if ((*path = candidate_path(i)) == NULL && errno == ENOMEM)
		return -1;
	return 1;
}

int
config_load(struct config *c, const char *path, struct failure *f)
{
	memset(c, 0, sizeof(*c));
	if (path != NULL) {
		log_info("reading configuration %s", path);
		return load_file(c, path, open_config(path, 1, f), f);
	}
	return load_search(c, f);
}

static int
load_search(struct config *c, struct failure *f)
{
	struct buf	 tried = BUF_INIT;
	char		*path;
	size_t		 i;
	int		 fd, r;

	for (i = 0; i < POSTIE_NELEM(candidates); i++) {
		errno = 0;
		if ((path = candidate_path(i)) == NULL) {
			if (errno == ENOMEM)
				goto oom;
			continue;
		}
		fd = open_config(path, 0, f);
		if (fd != -1 || (errno != ENOENT && errno != ENOTDIR)) {
			buf_free(&tried, 0);
			if (fd != -1)
				log_info("reading %sconfiguration %s",
				    candidates[i].msmtp ? "msmtp's " : "", path);
			r = load_file(c, path, fd, f);
			free(path);
			return r;
		}
		r = buf_appendf(&tried, "%s%s", tried.len > 0 ? ", " : "",
		    path);
		free(path);
		if (r == -1)
			goto oom;
	}
	fail(f, FAIL_CONFIG, "no configuration file (looked for %s)",
	    tried.data != NULL ? tried.data : "none: no home directory");
	buf_free(&tried, 0);
	return -1;
oom:
	buf_free(&tried, 0);
	return nomem(f);
}

/* The i-th candidate's path, or NULL (errno 0) when it has no base. */
static char *
candidate_path(size_t i)
{
	struct buf	 b = BUF_INIT;
	const char	*home = home_dir(), *xdg = getenv("XDG_CONFIG_HOME");
	int		 r = -1;

	switch (candidates[i].base) {
	case BASE_XDG:
		/* XDG Base Directory: a relative value is to be ignored. */
		if (xdg != NULL && xdg[0] == '/')
			r = buf_appendf(&b, "%s%s", xdg, candidates[i].rest);
		else if (home != NULL)
			r = buf_appendf(&b, "%s/.config%s", home,
			    candidates[i].rest);
		break;
	case BASE_HOME:
		if (home != NULL)
			r = buf_appendf(&b, "%s%s", home, candidates[i].rest);
		break;
	case BASE_SYSCONF:
		r = buf_appendf(&b, "%s%s", POSTIE_SYSCONFDIR,
		    candidates[i].rest);
		break;
	}
	if (r == -1) {
		if (errno != ENOMEM)
			errno = 0;
		buf_free(&b, 0);
		return NULL;
	}
	return b.data;
}

/*
 * Opens a configuration file to read. Symbolic links are followed on
 * purpose: ~/.msmtprc is often a link into a dotfiles repository; the
 * checks are made on what was opened (fstat), not on the name. Leaves
 * errno set; a missing file is a failure only when it must exist (-C).
 */
static int
open_config(const char *path, int must_exist, struct failure *f)
{
	struct stat	st;
	int		fd, saved;

	/* O_NONBLOCK: a FIFO in the way must not hang us; it is refused
	 * below, and the flag does nothing to a regular file. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1) {
		saved = errno;
		if (must_exist || (errno != ENOENT && errno != ENOTDIR))
			fail(f, FAIL_CONFIG, "cannot read %s: %s", path,
			    strerror(errno));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		fail(f, FAIL_CONFIG, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		saved = EINVAL;
		fail(f, FAIL_CONFIG, "%s: not a regular file", path);
	} else if (st.st_size > CONFIG_MAX_SIZE) {
		saved = EFBIG;
		fail(f, FAIL_CONFIG, "%s: larger than %d KiB; not a "
		    "configuration file?", path, CONFIG_MAX_SIZE / 1024);
	} else
		return fd;
	close(fd);
	errno = saved;
	return -1;
}

/* Reads and parses the file open on fd (or fails when fd is -1, as
 * open_config() left f), then closes it. */
static int
load_file(struct config *c, const char *path, int fd, struct failure *f)
{
	struct buf	text = BUF_INIT;
	int		r;

	if (fd == -1)
		return -1;
	r = read_config(fd, path, &text, f);
	if (r == 0)
		r = config_parse(c, path, text.data, text.len, fd, f);
	close(fd);
	/* It may hold passwords. */
	buf_free(&text, 1);
	return r;
}

/* The whole file (one allocation: a realloc would leave passwords). */
static int
read_config(int fd, const char *path, struct buf *b, struct failure *f)
{
	if (fileio_read_small(fd, CONFIG_MAX_SIZE, b) == 0)
		return 0;
	if (errno == ENOMEM)
		return nomem(f);
	if (errno == EFBIG)
		return fail(f, FAIL_CONFIG, "%s: changed while being read",
		    path);
	return fail(f, FAIL_CONFIG, "cannot read %s: %s", path,
	    strerror(errno));
}

int
config_parse(struct config *c, const char *name, const char *text,
    size_t len, int check_perm_fd, struct failure *f)
{
	struct parser	 p;
	const char	*nul;
	int		 r = -1;

	memset(c, 0, sizeof(*c));
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.name = name != NULL ? name : "(configuration)";
	p.f = f;
	/* What an account has that sets nothing (the zeroes aside). */
	p.defaults.tls = 1;
	p.defaults.tls_starttls = 1;
	p.defaults.remove_bcc_headers = 1;
	p.defaults.allow_from_override = 1;
	p.defaults.queue_bounce = 1;
	p.defaults.chunking = 1;
	if ((c->path = strdup(p.name)) == NULL) {
		nomem(f);
		goto out;
	}
	if (check_perm_fd != -1 &&
	    config_check_owner(check_perm_fd, p.name, f) == -1)
		goto out;
	if ((nul = memchr(text, '\0', len)) != NULL) {
		for (p.line = 1; text < nul; text++)
			p.line += *text == '\n';
		perr(&p, "contains a NUL byte; not a text file?");
		goto out;
	}
	if (parse_text(&p, text, len) == -1)
		goto out;
	if (p.has_password && check_perm_fd != -1 &&
	    check_password_perm(check_perm_fd, p.name, f) == -1)
		goto out;
	mark_patterns(c);
	r = 0;
out:
	fields_free(&p.defaults);
	if (r == -1)
		config_free(c);
	return r;
}

/*
 * A configuration names the commands passwordeval runs and the server
 * that gets the password, an aliases file where root's mail goes, a
 * netrc the password: each must come from the user or root and nobody
 * else may change it. msmtp requires the user as owner; root is allowed
 * as well for a system file that holds no secret. A group may write it
 * only when it is the owner's private group (private_group()), as with
 * user-private groups and umask 002; a shared one such as "users" would
 * let every member add a passwordeval that runs as the owner.
 */
int
config_check_owner(int fd, const char *name, struct failure *f)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		return fail(f, FAIL_CONFIG, "%s: %s", name, strerror(errno));
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return fail(f, FAIL_CONFIG, "%s: owned by uid %lu, neither "
		    "you nor root: refusing to use it", name,
		    (unsigned long)st.st_uid);
	if ((st.st_mode & S_IWOTH) != 0 ||
	    ((st.st_mode & S_IWGRP) != 0 && !private_group(&st)))
		return fail(f, FAIL_CONFIG, "%s: others can change it "
		    "(chmod go-w %s)", name, name);
	return 0;
}

/*
 * The file's group is its owner's private group: the owner's primary
 * group, named as the owner, with no member listed in the group
 * database. (Another account with the same primary group is not looked
 * for: useradd makes none.)
 */
static int
private_group(const struct stat *st)
{
	struct passwd	*pw;
	struct group	*gr;
	char		 owner[256];

	if ((pw = getpwuid(st->st_uid)) == NULL || pw->pw_gid != st->st_gid ||
	    strlcpy(owner, pw->pw_name, sizeof(owner)) >= sizeof(owner))
		return 0;
	if ((gr = getgrgid(st->st_gid)) == NULL)
		return 0;
	return strcmp(gr->gr_name, owner) == 0 &&
	    (gr->gr_mem == NULL || gr->gr_mem[0] == NULL);
}

/*
 * A password in a file group or others can read is refused, as msmtp
 * does. One group may read it: the postie system user's own, when nobody
 * else is in it, so that the machine's file can be root's (root:postie
 * 0640) and still be read by the queue runner alone (sysuser.h).
 */
static int
check_password_perm(int fd, const char *name, struct failure *f)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		return fail(f, FAIL_CONFIG, "%s: %s", name, strerror(errno));
	if ((st.st_mode & S_IROTH) != 0 ||
	    ((st.st_mode & S_IRGRP) != 0 && !is_system_group(st.st_gid)))
		return fail(f, FAIL_CONFIG, "%s: contains a password but "
		    "others can read it (chmod 600 %s)", name, name);
	return 0;
}

/* The postie user's group, with no member besides, primary or not. */
static int
is_system_group(gid_t gid)
{
	struct sysuser	 u;
	struct group	*gr;

	struct passwd	*pw;
	int		 alone = 1;

	if (!sysuser_lookup(&u) || u.gid != gid ||
	    (gr = getgrgid(gid)) == NULL)
		return 0;
	if (gr->gr_mem != NULL && gr->gr_mem[0] != NULL &&
	    (strcmp(gr->gr_mem[0], SYSUSER_NAME) != 0 ||
	    gr->gr_mem[1] != NULL))
		return 0;
	/* A user whose own group it is reads the file as well. */
	setpwent();
	while (alone && (pw = getpwent()) != NULL)
		alone = pw->pw_gid != gid || pw->pw_uid == u.uid;
	endpwent();
	return alone;
}

/* Lines end with LF (CRLF too); the last one may have no end. */
static int
parse_text(struct parser *p, const char *text, size_t len)
{
	const char	*end = text + len, *nl;
	size_t		 n;

	while (text < end) {
		p->line++;
		nl = memchr(text, '\n', (size_t)(end - text));
		n = (size_t)((nl != NULL ? nl : end) - text);
		if (parse_line(p, text, n) == -1)
			return -1;
		text += n + (nl != NULL);
	}
	return 0;
}

/* A copy of the line, of whatever length, wiped after: it may be a
 * password. */
static int
parse_line(struct parser *p, const char *s, size_t n)
{
	char	*line;
	int	 r;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if ((line = malloc(n + 1)) == NULL)
		return nomem(p->f);
	memcpy(line, s, n);
	line[n] = '\0';
	r = parse_split(p, line);
	freezero(line, n + 1);
	return r;
}

static int
parse_split(struct parser *p, char *line)
{
	char	*key, *value;

	key = line + strspn(line, BLANKS);
	if (*key == '\0' || *key == '#')
		return 0;
	value = key + strcspn(key, BLANKS);
	if (*value != '\0')
		*value++ = '\0';
	value = trim(value);
	if (unquote(p, key, value) == -1)
		return -1;
	return dispatch(p, key, value);
}

/*
 * In place: "a \"b\" \\" is a "b" \ . A value that only starts with a
 * quoted part, as in passwordeval "$HOME/bin/pw" mail, is taken as it is,
 * as msmtp takes it (and as sh -c wants it).
 */
static int
unquote(struct parser *p, const char *key, char *v)
{
	const char	*r;
	size_t		 n = 0;

	if (*v != '"')
		return 0;
	for (r = v + 1; *r != '\0' && *r != '"'; r++, n++)
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
	if (*r != '"')
		return perr(p, "%s: the closing quote is missing", key);
	if (r[1] != '\0')
		return 0;
	for (r = v + 1; n > 0; r++, n--) {
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*v++ = *r;
	}
	*v = '\0';
	return 0;
}

static int
dispatch(struct parser *p, char *name, char *value)
{
	const struct key	*k;

	if ((k = key_find(name)) == NULL)
		return unknown_key(p, name);
	if (k->status != KEY_SECTION && p->cur == NULL)
		return perr(p, "'%s' comes before any 'account' or 'defaults' "
		    "line", name);
	if (k->set(p, k, value) == -1)
		return -1;
	if (k->status == KEY_NOTED)
		note_once(p, k);
	return 0;
}

static const struct key *
key_find(const char *name)
{
	size_t	i;

	for (i = 0; i < POSTIE_NELEM(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
unknown_key(struct parser *p, const char *name)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = SUGGEST_DISTANCE + 1;

	for (i = 0; i < POSTIE_NELEM(keys); i++) {
		if ((d = distance(name, keys[i].name)) < bestd) {
			bestd = d;
			best = keys[i].name;
		}
	}
	if (best != NULL)
		return perr(p, "unknown key '%.40s' (did you mean '%s'?)",
		    name, best);
	return perr(p, "unknown key '%.40s'", name);
}

/*
 * Levenshtein distance, or more than SUGGEST_DISTANCE when the lengths
 * alone say it is; known is a key name (short).
 */
static size_t
distance(const char *word, const char *known)
{
	size_t	row[SUGGEST_LEN + 1], diag, up, i, j, lw, lk;

	lw = strlen(word);
	lk = strlen(known);
	if (lk > SUGGEST_LEN || (lw > lk ? lw - lk : lk - lw) > SUGGEST_DISTANCE)
		return SUGGEST_DISTANCE + 1;
	for (j = 0; j <= lk; j++)
		row[j] = j;
	for (i = 1; i <= lw; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lk; j++) {
			up = row[j];
			row[j] = diag + (word[i - 1] != known[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lk];
}

static void
note_once(struct parser *p, const struct key *k)
{
	unsigned long long	bit = 1ULL << (size_t)(k - keys);

	if ((p->noted & bit) != 0)
		return;
	p->noted |= bit;
	log_info("%s:%zu: key %s is accepted but not acted on yet", p->name,
	    p->line, k->name);
}

int
config_fail_at(struct failure *f, const char *name, size_t line,
    const char *fmt, ...)
{
	char	msg[FAILURE_TEXT_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(f, FAIL_CONFIG, "%s:%zu: %s", name, line, msg);
}

static int
nomem(struct failure *f)
{
	return fail(f, FAIL_OS, "out of memory");
}

static int
key_defaults(struct parser *p, const struct key *k, char *v)
{
	if (*v != '\0')
		return perr(p, "%s takes no value", k->name);
	p->cur = &p->defaults;
	return 0;
}

/* account NAME [: PARENT[, PARENT...]] */
static int
key_account(struct parser *p, const struct key *k, char *v)
{
	struct account	*a, *old;
	char		*parents, *name;

	(void)k;
	if ((parents = strchr(v, ':')) != NULL)
		*parents++ = '\0';
	name = trim(v);
	if (*name == '\0')
		return perr(p, "account: the account needs a name");
	if (strchr(name, ',') != NULL)
		return perr(p, "account %.80s: a name cannot hold a comma",
		    name);
	if ((old = account_find(p->c, name)) != NULL)
		return perr(p, "account %.80s is already defined at %s", name,
		    old->origin);
	if ((a = account_new(p, name)) == NULL)
		return -1;
	if ((parents != NULL && inherit(p, a, parents) == -1) ||
	    account_append(p->c, a, p->f) == -1) {
		account_free(a);
		return -1;
	}
	p->cur = a;
	return 0;
}

/* As msmtp: what each parent set itself replaces what a has so far. */
static int
inherit(struct parser *p, struct account *a, char *list)
{
	struct account	*parent;
	char		*name;

	while ((name = strsep(&list, ",")) != NULL) {
		name = trim(name);
		if (*name == '\0')
			return perr(p, "account %.80s: a parent account name "
			    "is missing", a->name);
		if ((parent = account_find(p->c, name)) == NULL)
			return perr(p, "account %.80s: no account named "
			    "%.80s before it to inherit from", a->name, name);
		if (fields_copy(a, parent, parent->set) == -1)
			return nomem(p->f);
		a->set |= parent->set;
	}
	return 0;
}

static int
key_string(struct parser *p, const struct key *k, char *v)
{
	return set_str(p, k->field, v);
}

/* from and domain: msmtp's %U, %H, %C, %M, at load as msmtp does. */
static int
key_expanded(struct parser *p, const struct key *k, char *v)
{
	struct failure	 why;
	char		*s;
	int		 r;

	if (localname_expand(v, &s, &why) == -1)
		return why.kind == FAIL_OS ? nomem(p->f) :
		    perr(p, "%s: %s", k->name, why.text);
	/*
	 * A blank outside a quoted local part is no address or domain: most
	 * often a "# comment" after the value, which is part of the value
	 * here as in msmtp, and would reach MAIL FROM.
	 */
	if (strchr(s, '"') == NULL && strpbrk(s, " \t") != NULL) {
		free(s);
		return perr(p, "%s: a blank in an address or a domain (a "
		    "comment goes on a line of its own)", k->name);
	}
	r = set_str(p, k->field, s);
	free(s);
	return r;
}

/* Text that goes into a header (from_full_name): no control bytes. */
static int
key_text(struct parser *p, const struct key *k, char *v)
{
	const unsigned char	*s;

	for (s = (const unsigned char *)v; *s != '\0'; s++)
		if ((*s < 0x20 && *s != '\t') || *s == 0x7f)
			return perr(p, "%s: a control character is not allowed",
			    k->name);
	return set_str(p, k->field, v);
}

/* A file; "~/" is the home directory, as msmtp has it. */
static int
key_path(struct parser *p, const struct key *k, char *v)
{
	char	*path;
	int	 r;

	if (*v == '\0')
		return set_str(p, k->field, v);
	if (expand_tilde(p, k->name, v, &path) == -1)
		return -1;
	r = set_str(p, k->field, path);
	free(path);
	return r;
}

/* A directory postie writes to: absolute, so the cwd does not matter. */
static int
key_dir(struct parser *p, const struct key *k, char *v)
{
	/* "~user/..." is not expanded (expand_tilde): still relative. */
	if (*v != '\0' && *v != '/' &&
	    (*v != '~' || (v[1] != '\0' && v[1] != '/')))
		return perr(p, "%s: '%.80s' is not an absolute path (or ~/...)",
		    k->name, v);
	return key_path(p, k, v);
}

/* "on" (the default directory), "off", or a directory of one's own. */
static int
key_session_cache(struct parser *p, const struct key *k, char *v)
{
	if (*v == '\0' || strcmp(v, "on") == 0)
		return set_str(p, k->field, "");
	if (strcmp(v, "off") == 0)
		return set_str(p, k->field, v);
	return key_dir(p, k, v);
}

/* A host name, as it will stand after "@" (rewrite_domain). */
static int
key_domain(struct parser *p, const struct key *k, char *v)
{
	if (*v != '\0' && !domain_valid(v))
		return perr(p, "%s: '%.80s' is not a domain name", k->name, v);
	return set_str(p, k->field, v);
}

/*
 * A number of seconds, or of minutes, hours or days with m, h or d
 * ("5d"); empty is the default.
 */
static int
key_lifetime(struct parser *p, const struct key *k, char *v)
{
	char		 num[32];
	const char	*errstr;
	size_t		 n = strlen(v), i = 0;
	long long	 value = 0;

	if (n > 0 && !isdigit((unsigned char)v[n - 1])) {
		for (i = 0; i < POSTIE_NELEM(units); i++)
			if (units[i].unit == v[n - 1])
				break;
		n--;
	}
	if (*v != '\0') {
		if (i == POSTIE_NELEM(units) || n == 0 || n >= sizeof(num))
			goto bad;
		memcpy(num, v, n);
		num[n] = '\0';
		value = strtonum(num, 1, LIFETIME_MAX / units[i].seconds,
		    &errstr);
		if (errstr != NULL)
			goto bad;
		value *= units[i].seconds;
	}
	*(long *)((char *)p->cur + fields[k->field].off) = (long)value;
	p->cur->set |= FIELD_BIT(k->field);
	return 0;
bad:
	return perr(p, "%s: '%.80s' is not a time from 1 second to 365 days "
	    "(a number of seconds, or a number followed by s, m, h or d)",
	    k->name, v);
}

/* One word of enum_words[] for k's field; empty is "on" where it is one. */
static int
key_enum(struct parser *p, const struct key *k, char *v)
{
	char	list[160];
	int	i;

	if ((i = enum_find(k->field, *v == '\0' ? "on" : v)) == -1) {
		if (enum_list(k->field, list, sizeof(list)) == -1)
			return perr(p, "%s: '%.80s' is not valid", k->name, v);
		return perr(p, "%s: '%.80s' is not one of: %s", k->name, v,
		    list);
	}
	if (fields[k->field].type == FT_STR)
		return set_str(p, k->field,
		    enum_words[i].str != NULL ? enum_words[i].str : "");
	set_int(p, k->field, enum_words[i].value);
	return 0;
}

/* msmtp's older add_missing_*_header: on is auto, off is off. */
static int
key_add_missing(struct parser *p, const struct key *k, char *v)
{
	int	on;

	if ((on = onoff(v)) == -1)
		return perr(p, "%s: '%.80s' is not 'on' or 'off'", k->name, v);
	set_int(p, k->field, on ? HEADER_AUTO : HEADER_OFF);
	return 0;
}

static int
key_host(struct parser *p, const struct key *k, char *v)
{
	if (*v == '\0')
		return perr(p, "%s needs a value", k->name);
	return set_str(p, k->field, v);
}

static int
key_password(struct parser *p, const struct key *k, char *v)
{
	if (*v != '\0')
		p->has_password = 1;
	return set_str(p, k->field, v);
}

/* A numeric address only: a name could resolve to anything, or fail late. */
static int
key_source_ip(struct parser *p, const struct key *k, char *v)
{
	unsigned char	addr[sizeof(struct in6_addr)];

	if (*v != '\0' && inet_pton(AF_INET, v, addr) != 1 &&
	    inet_pton(AF_INET6, v, addr) != 1)
		return perr(p, "%s: '%.80s' is not an IPv4 or IPv6 address",
		    k->name, v);
	return set_str(p, k->field, v);
}

static int
key_port(struct parser *p, const struct key *k, char *v)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(v, 1, 65535, &errstr);
	if (errstr != NULL)
		return perr(p, "%s: '%.80s' is not a number from 1 to 65535",
		    k->name, v);
	if (k->field != F_NONE)
		set_int(p, k->field, (int)n);
	return 0;
}

/* msmtp's "off" leaves the wait to the system; postie never waits
 * forever, so "off" means its default. */
static int
key_timeout(struct parser *p, const struct key *k, char *v)
{
	const char	*errstr = NULL;
	long long	 n = 0;

	if (strcmp(v, "off") != 0)
		n = strtonum(v, 1, TIMEOUT_MAX, &errstr);
	if (errstr != NULL)
		return perr(p, "%s: '%.80s' is not 'off' or a number of "
		    "seconds from 1 to %d", k->name, v, TIMEOUT_MAX);
	set_int(p, k->field, (int)n);
	return 0;
}

/* A positive number or nothing; checked only. */
static int
key_count(struct parser *p, const struct key *k, char *v)
{
	const char	*errstr;

	if (*v == '\0')
		return 0;
	(void)strtonum(v, 1, 1 << 30, &errstr);
	if (errstr != NULL)
		return perr(p, "%s: '%.80s' is not a positive number",
		    k->name, v);
	return 0;
}

/* Also the noted on/off keys, checked only (F_NONE). */
static int
key_onoff(struct parser *p, const struct key *k, char *v)
{
	int	on;

	if ((on = onoff(v)) == -1)
		return perr(p, "%s: '%.80s' is not 'on' or 'off'", k->name, v);
	if (k->field != F_NONE)
		set_int(p, k->field, on);
	return 0;
}

/* msmtp's older spellings: "tls_nostarttls" for "tls_starttls off",
 * "keepbcc" for "remove_bcc_headers off". */
static int
key_onoff_not(struct parser *p, const struct key *k, char *v)
{
	int	on;

	if ((on = onoff(v)) == -1)
		return perr(p, "%s: '%.80s' is not 'on' or 'off'", k->name, v);
	set_int(p, k->field, !on);
	return 0;
}

/*
 * "system" or a file. An empty value is msmtp's "no trust file", which
 * there only makes sense with certificate checks off or a fingerprint;
 * postie always checks, so it means the system store too.
 */
static int
key_trust_file(struct parser *p, const struct key *k, char *v)
{
	char	*path;
	int	 r;

	if (*v == '\0' || strcmp(v, "system") == 0)
		return set_str(p, k->field, "");
	if (expand_tilde(p, k->name, v, &path) == -1)
		return -1;
	r = set_str(p, k->field, path);
	free(path);
	return r;
}

/*
 * "AB:CD:..." SHA-256. msmtp also takes SHA-1 and MD5; those are refused
 * by name: a second certificate with the same short hash can be made.
 */
static int
key_fingerprint(struct parser *p, const struct key *k, char *v)
{
	size_t	i, len = strlen(v);

	if (len == 0)
		return set_str(p, k->field, "");
	for (i = 0; i < len; i++)
		if (i % 3 == 2 ? v[i] != ':' : !isxdigit((unsigned char)v[i]))
			break;
	if (i == len && (len == 16 * 3 - 1 || len == 20 * 3 - 1))
		return perr(p, "%s: %s fingerprint is too weak to pin; use "
		    "the SHA-256 one (postie --serverinfo prints it, or "
		    "certtool --fingerprint --hash sha256)", k->name,
		    len == 16 * 3 - 1 ? "an MD5" : "a SHA-1");
	if (i < len || len != 32 * 3 - 1)
		return perr(p, "%s: '%.100s' is not a SHA-256 fingerprint "
		    "(32 hex bytes separated by colons)", k->name, v);
	for (i = 0; i < len; i++)
		v[i] = (char)toupper((unsigned char)v[i]);
	return set_str(p, k->field, v);
}

/*
 * Base64 SHA-256 SPKI pins, space or comma separated; each tls_pin line
 * adds to the account's, an empty one removes them all.
 */
static int
key_pin(struct parser *p, const struct key *k, char *v)
{
	struct buf	 b = BUF_INIT;
	char		*tok, *last, **cur;
	size_t		 n;
	int		 r;

	if (*v == '\0')
		return set_str(p, k->field, "");
	cur = (char **)((char *)p->cur + fields[k->field].off);
	if (*cur != NULL && buf_append(&b, *cur, strlen(*cur)) == -1)
		return nomem(p->f);
	for (tok = strtok_r(v, " \t,", &last); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &last)) {
		n = strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/");
		if (strlen(tok) != 44 || n != 43 || tok[43] != '=') {
			buf_free(&b, 0);
			return perr(p, "%s: '%.80s' is not a SHA-256 SPKI pin "
			    "(44 characters of base64, as postie --serverinfo "
			    "prints it)", k->name, tok);
		}
		if ((b.len > 0 && buf_append(&b, " ", 1) == -1) ||
		    buf_append(&b, tok, 44) == -1) {
			buf_free(&b, 0);
			return nomem(p->f);
		}
	}
	r = b.len > 0 ? set_str(p, k->field, b.data) : 0;
	buf_free(&b, 0);
	return r;
}

/*
 * GnuTLS priority keywords that weaken what verifies the server or the
 * handshake (a prefix each): broken or SHA-1 signatures, X.509 v1 CAs,
 * no CRL checks, no extended master secret (RFC 7627), no extensions at
 * all, unsafe renegotiation. postie's strict verification is not an
 * option, so neither are these.
 */
static const char *const priority_weakeners[] = {
	"%VERIFY_ALLOW_", "%VERIFY_DISABLE_", "%NO_SESSION_HASH",
	"%NO_EXTENSIONS", "%UNSAFE_RENEGOTIATION",
	"%DISABLE_SAFE_RENEGOTIATION", "%PARTIAL_RENEGOTIATION",
};

/*
 * The first keyword of v (":"-separated) that priority_weakeners lists,
 * compared ignoring case as GnuTLS does, with its length in *len; NULL
 * when there is none.
 */
static const char *
priority_weakener(const char *v, size_t *len)
{
	size_t	i;

	for (; *v != '\0'; v += *len + (v[*len] == ':')) {
		*len = strcspn(v, ":");
		for (i = 0; i < POSTIE_NELEM(priority_weakeners); i++)
			if (strncasecmp(v, priority_weakeners[i],
			    strlen(priority_weakeners[i])) == 0)
				return v;
	}
	return NULL;
}

/* A GnuTLS priority string, checked here so a typo is named by line. */
static int
key_priorities(struct parser *p, const struct key *k, char *v)
{
	gnutls_priority_t	 prio;
	const char		*where = NULL, *weak;
	size_t			 len;

	if (*v == '\0')
		return set_str(p, k->field, "");
	if ((weak = priority_weakener(v, &len)) != NULL)
		return perr(p, "%s: %.*s weakens certificate or handshake "
		    "verification: refused", k->name, (int)len, weak);
	if (gnutls_priority_init(&prio, v, &where) < 0)
		return perr(p, "%s: not a GnuTLS priority string: error at "
		    "character %d ('%.30s')", k->name,
		    where != NULL ? (int)(where - v) + 1 : 1,
		    where != NULL ? where : v);
	gnutls_priority_deinit(prio);
	return set_str(p, k->field, v);
}

/* on, off, or a mechanism; an empty value is on, as msmtp has it. */
static int
key_auth(struct parser *p, const struct key *k, char *v)
{
	struct account	*a = p->cur;
	char		*mech = NULL, *s;
	int		 on;

	if ((on = onoff(v)) == -1) {
		for (s = v; *s != '\0'; s++)
			*s = (char)tolower((unsigned char)*s);
		if (!word_in(AUTH_MECHS, v))
			return perr(p, "%s: '%.80s' is not 'on', 'off' or one "
			    "of: %s", k->name, v, AUTH_MECHS);
		if ((mech = strdup(v)) == NULL)
			return nomem(p->f);
		for (s = mech; *s != '\0'; s++)
			*s = (char)toupper((unsigned char)*s);
	}
	str_free(a->auth_mech);
	a->auth_mech = mech;
	a->auth = mech != NULL ? AUTH_MECH : on ? AUTH_ON : AUTH_OFF;
	a->set |= FIELD_BIT(k->field);
	return 0;
}

/* Any value; checked only. */
static int
key_any(struct parser *p, const struct key *k, char *v)
{
	(void)p;
	(void)k;
	(void)v;
	return 0;
}

/*
 * off (or empty), never, or a comma-separated list of failure, delay,
 * success; kept as RCPT's NOTIFY= value (RFC 3461 4.1), upper case.
 */
static int
key_dsn_notify(struct parser *p, const struct key *k, char *v)
{
	char	*copy, *list, *w, *s;
	int	 ok = 1;

	if (*v == '\0' || strcmp(v, "off") == 0)
		return set_str(p, k->field, "");
	if (strcmp(v, "never") == 0)
		return set_str(p, k->field, "NEVER");
	if ((copy = list = strdup(v)) == NULL)
		return nomem(p->f);
	while ((w = strsep(&list, ",")) != NULL)
		ok &= word_in(DSN_WORDS, w);
	free(copy);
	if (!ok)
		return perr(p, "%s: '%.80s' is not 'off', 'never' or a list "
		    "of: %s", k->name, v, DSN_WORDS);
	for (s = v; *s != '\0'; s++)
		*s = (char)toupper((unsigned char)*s);
	return set_str(p, k->field, v);
}

/*
 * tls_certcheck off, tls_nocertcheck: kept as "FILE:LINE: KEY VALUE" for
 * the refusal, which happens only when an account with TLS is used
 * (config.h); "on" (or "off" for tls_nocertcheck) unsets it.
 */
static int
key_certcheck(struct parser *p, const struct key *k, char *v)
{
	char	where[FAILURE_TEXT_MAX];
	int	on, refused;

	if ((on = onoff(v)) == -1)
		return perr(p, "%s: '%.80s' is not 'on' or 'off'", k->name, v);
	refused = strcmp(k->name, "tls_nocertcheck") == 0 ? on : !on;
	if (!refused)
		return set_str(p, k->field, "");
	snprintf(where, sizeof(where), "%s:%zu: %s%s%s", p->name, p->line,
	    k->name, *v != '\0' ? " " : "", v);
	return set_str(p, k->field, where);
}

/* The guards: the harmless value passes, the other is refused, with why. */
static int
key_unless_set(struct parser *p, const struct key *k, char *v)
{
	if (*v != '\0')
		return perr(p, "%s: %s", k->name, k->arg);
	return 0;
}

static int
key_protocol(struct parser *p, const struct key *k, char *v)
{
	if (strcmp(v, "smtp") == 0)
		return 0;
	if (strcmp(v, "lmtp") == 0)
		return perr(p, "%s lmtp: %s", k->name, k->arg);
	return perr(p, "%s: '%.80s' is not 'smtp' or 'lmtp'", k->name, v);
}

/* 1 for on (or empty, as msmtp), 0 for off, -1 otherwise. */
static int
onoff(const char *v)
{
	if (*v == '\0' || strcmp(v, "on") == 0)
		return 1;
	if (strcmp(v, "off") == 0)
		return 0;
	return -1;
}

/* The index in enum_words[] of field's word w, or -1. */
static int
enum_find(enum field field, const char *w)
{
	size_t	i;

	for (i = 0; i < POSTIE_NELEM(enum_words); i++)
		if (enum_words[i].field == field &&
		    strcmp(enum_words[i].word, w) == 0)
			return (int)i;
	return -1;
}

/* field's words, space separated, for an error text. */
static int
enum_list(enum field field, char *buf, size_t len)
{
	size_t	i;

	buf[0] = '\0';
	for (i = 0; i < POSTIE_NELEM(enum_words); i++) {
		if (enum_words[i].field != field)
			continue;
		if ((buf[0] != '\0' && strlcat(buf, " ", len) >= len) ||
		    strlcat(buf, enum_words[i].word, len) >= len)
			return -1;
	}
	return 0;
}

/* Letters, digits and hyphens in dot-separated labels (RFC 1035 2.3.1,
 * RFC 1123 2.1: a label may start with a digit). */
static int
domain_valid(const char *d)
{
	size_t	n;

	if (strlen(d) > DOMAIN_MAX)
		return 0;
	for (;;) {
		n = strspn(d, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
		if (n == 0 || n > LABEL_MAX || d[0] == '-' || d[n - 1] == '-')
			return 0;
		if (d[n] == '\0')
			return 1;
		if (d[n] != '.')
			return 0;
		d += n + 1;
	}
}

/* Whether w is one of the space-separated words of list. */
static int
word_in(const char *list, const char *w)
{
	size_t	n = strlen(w), len;

	if (n == 0)
		return 0;
	for (; *list != '\0'; list += len + (list[len] == ' ')) {
		len = strcspn(list, " ");
		if (len == n && strncmp(list, w, n) == 0)
			return 1;
	}
	return 0;
}

/* In place: without blanks at either end. */
static char *
trim(char *s)
{
	size_t	n;

	s += strspn(s, BLANKS);
	for (n = strlen(s); n > 0 && strchr(BLANKS, s[n - 1]) != NULL; n--)
		s[n - 1] = '\0';
	return s;
}

/* An empty value unsets the field, as in msmtp. */
static int
set_str(struct parser *p, enum field fl, const char *v)
{
	char	**dst = (char **)((char *)p->cur + fields[fl].off);
	char	 *copy = NULL;

	if (*v != '\0' && (copy = strdup(v)) == NULL)
		return nomem(p->f);
	str_free(*dst);
	*dst = copy;
	p->cur->set |= FIELD_BIT(fl);
	return 0;
}

static void
set_int(struct parser *p, enum field fl, int v)
{
	*(int *)((char *)p->cur + fields[fl].off) = v;
	p->cur->set |= FIELD_BIT(fl);
}

/* "~" and "~/..." are the home directory, as msmtp has it. */
static int
expand_tilde(struct parser *p, const char *key, const char *v, char **out)
{
	struct buf	 b = BUF_INIT;
	const char	*home;

	if (v[0] != '~' || (v[1] != '\0' && v[1] != '/')) {
		if ((*out = strdup(v)) == NULL)
			return nomem(p->f);
		return 0;
	}
	if ((home = home_dir()) == NULL)
		return perr(p, "%s: no home directory to put for '~'", key);
	if (buf_appendf(&b, "%s%s", home, v + 1) == -1) {
		buf_free(&b, 0);
		return nomem(p->f);
	}
	*out = b.data;
	return 0;
}

/* $HOME, or the password database's when HOME is unset or empty. */
static const char *
home_dir(void)
{
	const char	*home = getenv("HOME");
	struct passwd	*pw;

	if (home != NULL && home[0] != '\0')
		return home;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    pw->pw_dir[0] != '\0')
		return pw->pw_dir;
	return NULL;
}

/* A new account: a copy of the current defaults, which it did not set. */
static struct account *
account_new(struct parser *p, const char *name)
{
	struct account	*a;
	struct buf	 origin = BUF_INIT;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		nomem(p->f);
		return NULL;
	}
	if (fields_copy(a, &p->defaults, FIELDS_ALL) == -1 ||
	    (a->name = strdup(name)) == NULL ||
	    buf_appendf(&origin, "%s:%zu", p->name, p->line) == -1) {
		buf_free(&origin, 0);
		account_free(a);
		nomem(p->f);
		return NULL;
	}
	a->origin = origin.data;
	a->set = 0;
	return a;
}

static struct account *
account_find(const struct config *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->naccounts; i++)
		if (strcmp(c->accounts[i]->name, name) == 0)
			return c->accounts[i];
	return NULL;
}

static int
account_append(struct config *c, struct account *a, struct failure *f)
{
	struct account	**v;

	v = reallocarray(c->accounts, c->naccounts + 1, sizeof(*v));
	if (v == NULL)
		return nomem(f);
	c->accounts = v;
	c->accounts[c->naccounts++] = a;
	return 0;
}

/* Copies the fields of src named in mask into dst. */
static int
fields_copy(struct account *dst, const struct account *src,
    unsigned long long mask)
{
	char	**d, *const *s;
	size_t	  off;
	int	  i;

	for (i = 0; i < F_COUNT; i++) {
		if ((mask & FIELD_BIT(i)) == 0)
			continue;
		off = fields[i].off;
		switch (fields[i].type) {
		case FT_INT:
			*(int *)((char *)dst + off) =
			    *(const int *)((const char *)src + off);
			continue;
		case FT_LONG:
			*(long *)((char *)dst + off) =
			    *(const long *)((const char *)src + off);
			continue;
		case FT_AUTH:
			dst->auth = src->auth;
			off = offsetof(struct account, auth_mech);
			break;
		case FT_STR:
			break;
		}
		d = (char **)((char *)dst + off);
		s = (char *const *)((const char *)src + off);
		str_free(*d);
		*d = NULL;
		if (*s != NULL && (*d = strdup(*s)) == NULL)
			return -1;
	}
	return 0;
}

static void
fields_free(struct account *a)
{
	int	i;

	for (i = 0; i < F_COUNT; i++)
		if (fields[i].type == FT_STR)
			str_free(*(char **)((char *)a + fields[i].off));
	str_free(a->auth_mech);
}

static void
account_free(struct account *a)
{
	if (a == NULL)
		return;
	fields_free(a);
	free(a->name);
	free(a->origin);
	free(a);
}

/* Every string is wiped: cheaper than keeping track of which are secret. */
static void
str_free(char *s)
{
	if (s != NULL)
		freezero(s, strlen(s));
}

void
config_free(struct config *c)
{
	size_t	i;

	for (i = 0; i < c->naccounts; i++)
		account_free(c->accounts[i]);
	free(c->accounts);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

const struct account *
config_account(const struct config *c, const char *name,
    const char *envelope_from, struct failure *f)
{
	struct account	*a = NULL;
	const char	*path = c->path != NULL ? c->path : "the configuration";
	size_t		 i;

	if (name != NULL) {
		if ((a = account_find(c, name)) == NULL) {
			fail(f, FAIL_CONFIG, "no account named %s in %s",
			    name, path);
			return NULL;
		}
	} else if (envelope_from != NULL && envelope_from[0] != '\0') {
		for (i = 0; i < c->naccounts && a == NULL; i++)
			if (account_matches(c->accounts[i], envelope_from))
				a = c->accounts[i];
	}
	if (a == NULL && (a = account_find(c, "default")) == NULL) {
		fail(f, FAIL_CONFIG, "no default account in %s: use -a or add "
		    "'account default : NAME'", path);
		return NULL;
	}
	if (account_finish(a, f) == -1)
		return NULL;
	return a;
}

/* Fills in what depends on other keys, and refuses plaintext. */
static int
account_finish(struct account *a, struct failure *f)
{
	if (a->host == NULL)
		return fail(f, FAIL_CONFIG, "%s: account %s: no host",
		    a->origin, a->name);
	if (!a->tls && !config_host_is_loopback(a->host))
		return fail(f, FAIL_CONFIG, "%s: account %s: 'tls off' for "
		    "%s: postie never sends mail in plaintext over the "
		    "network (tls off is for localhost only: the name "
		    "localhost, 127.0.0.0/8 or ::1)", a->origin, a->name,
		    a->host);
	/* The proxy, not the host, is the peer: it may be on this machine
	 * and still carry the plaintext off it. */
	if (!a->tls && a->proxy_host != NULL)
		return fail(f, FAIL_CONFIG, "%s: account %s: 'tls off' with "
		    "proxy_host %s: the proxy would carry the plaintext off "
		    "this machine (tls off is for a direct connection to "
		    "localhost only)", a->origin, a->name, a->proxy_host);
	if (a->port == 0)
		a->port = !a->tls ? 25 : a->tls_starttls ? 587 : 465;
	if (a->auth == AUTH_DEFAULT)
		a->auth = a->user != NULL ? AUTH_ON : AUTH_OFF;
	if (a->timeout == 0)
		a->timeout = CONFIG_DEFAULT_TIMEOUT;
	if (a->queue_lifetime == 0)
		a->queue_lifetime = CONFIG_DEFAULT_LIFETIME;
	return 0;
}

/*
 * Whether a's from chooses it for the envelope sender from: equal but
 * for case, or as a pattern. POSIX fnmatch() has no FNM_CASEFOLD, so
 * both are compared in lower case.
 */
static int
account_matches(const struct account *a, const char *from)
{
	char	*pat, *str, *s;
	int	 r;

	if (a->from == NULL)
		return 0;
	if (strcasecmp(a->from, from) == 0)
		return 1;
	if (!a->from_is_pattern)
		return 0;
	pat = strdup(a->from);
	str = strdup(from);
	/* Out of memory, no match: the default account it is. */
	r = 0;
	if (pat != NULL && str != NULL) {
		for (s = pat; *s != '\0'; s++)
			*s = (char)tolower((unsigned char)*s);
		for (s = str; *s != '\0'; s++)
			*s = (char)tolower((unsigned char)*s);
		r = fnmatch(pat, str, 0) == 0;
	}
	free(pat);
	free(str);
	return r;
}

/* A from with wildcards only chooses its account (config.h). */
static void
mark_patterns(struct config *c)
{
	struct account	*a;
	size_t		 i;

	for (i = 0; i < c->naccounts; i++) {
		a = c->accounts[i];
		a->from_is_pattern = a->from != NULL &&
		    strpbrk(a->from, "*?[") != NULL;
	}
}

int
config_certcheck_off(const struct account *a)
{
	return a->tls && a->tls_certcheck_off != NULL;
}

int
config_host_is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (host == NULL)
		return 0;
	/* Not "localhost.": a name with a final dot skips /etc/hosts on
	 * some resolvers and goes to DNS. */
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}
