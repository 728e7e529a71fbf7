/*
 * config: msmtp-compatible configuration files (so an existing ~/.msmtprc
 * works with -C), "defaults" and account inheritance, the choice of an
 * account, and the permission check on files holding a password.
 */
#ifndef POSTIE_CONFIG_H
#define POSTIE_CONFIG_H

#include <stddef.h>

#include "exitcode.h"

enum auth_mode {
	AUTH_DEFAULT = 0,	/* not set: on when user is set, else off */
	AUTH_OFF,
	AUTH_ON,		/* the strongest mechanism both sides have */
	AUTH_MECH,		/* exactly account.auth_mech */
};

/* set_from_header, set_date_header, set_msgid_header. */
enum header_mode {
	HEADER_AUTO = 0,	/* add when the message has none */
	HEADER_ON,		/* always write ours (From only: replaces) */
	HEADER_OFF,		/* never add */
};

/* What a submission does with the queue (key "queue"). */
enum queue_mode {
	QUEUE_AUTO = 0,		/* spool, try now, keep what failed temporarily */
	QUEUE_ALWAYS,		/* spool and return; a queue run sends it */
	QUEUE_OFF,		/* msmtp's way: try now, exit 75, keep nothing */
};

struct account {
	char		*name;
	/* Where "account NAME" stands, for messages: "FILE:LINE". */
	char		*origin;

	char		*host;
	int		 port;		/* 0: by TLS mode, 465 or 587 (RFC 8314) */
	char		*from;		/* envelope sender when no -f */
	int		 from_is_pattern; /* from holds wildcards: choice only */
	char		*domain;	/* EHLO argument; NULL: the host name */
	int		 timeout;	/* seconds per network wait; 0: default
					 * (config_account() fills it in) */
	char		*source_ip;	/* numeric local address to bind; NULL:
					 * the system picks */
	char		*proxy_host;	/* SOCKS5 proxy; NULL: connect directly */
	int		 proxy_port;	/* 0: 1080 */
	int		 chunking;	/* BDAT when offered (RFC 3030); 1
					 * unless "chunking off" (postie's) */

	int		 tls;		/* 1 unless "tls off" */
	int		 tls_starttls;	/* 1: STARTTLS; 0: implicit TLS */
	char		*tls_trust_file; /* NULL or "system": system store */
	char		*tls_host_override; /* name the certificate must hold */
	/* A pin, as "AB:CD:..." (SHA-256), upper case; NULL: none. */
	char		*tls_fingerprint;
	/* tls_pin (postie's own): SPKI pins, base64 SHA-256, separated by
	 * single spaces; NULL: none. */
	char		*tls_pin;
	/* tls_priorities: a GnuTLS priority string; NULL: postie's. */
	char		*tls_priorities;
	/* tls_cert_file, tls_key_file: a client certificate; NULL: none. */
	char		*tls_cert_file;
	char		*tls_key_file;
	char		*tls_crl_file;	/* NULL: no CRL */
	/* tls_certcheck off or tls_nocertcheck, as "FILE:LINE: KEY VALUE"
	 * for the refusal (config_certcheck_off()); NULL: not set. */
	char		*tls_certcheck_off;
	/* tls_session_cache (postie's own): NULL "on", the default
	 * directory (tlscache.h); "off"; else the directory to use. */
	char		*tls_session_cache;

	enum auth_mode	 auth;
	char		*auth_mech;	/* upper case, for AUTH_MECH */
	char		*user;
	char		*password;	/* wiped by config_free() */
	char		*passwordeval;	/* sh -c command printing the secret */

	/* What goes into the message (message_opts is filled from these). */
	char		*from_full_name; /* display name for an added From; -F wins */
	enum header_mode set_from_header; /* add From when missing (auto) */
	enum header_mode set_date_header; /* HEADER_AUTO or HEADER_OFF */
	enum header_mode set_msgid_header; /* HEADER_AUTO or HEADER_OFF */
	int		 undisclosed_recipients; /* replace To/Cc by the group */
	int		 remove_bcc_headers; /* 1 unless "remove_bcc_headers off" */
	char		*rewrite_domain; /* qualify bare names in From/To/Cc */

	/* The envelope. */
	char		*aliases;	/* msmtp aliases file; NULL: none */
	int		 allow_from_override; /* 0: -f is ignored, from wins */
	char		*dsn_notify;	/* RCPT NOTIFY= unless -N, as sent:
					 * "NEVER" or e.g. "FAILURE,DELAY";
					 * NULL: none */
	char		*dsn_return;	/* MAIL RET= unless -R: "FULL" or
					 * "HDRS"; NULL: none */

	/* msmtp's logfile: one line per delivery attempt; NULL: none. */
	char		*logfile;
	/* msmtp's syslog: LOG_SYSLOG_UNSET (log.h: the process's default),
	 * LOG_SYSLOG_OFF, or the facility ("on" is LOG_MAIL). */
	int		 syslog;

	/* The queue (postie's keys; msmtp has no queue). */
	enum queue_mode	 queue;		/* QUEUE_AUTO unless set */
	char		*queue_dir;	/* NULL: queue_default_dir() */
	long		 queue_lifetime; /* seconds; 0: CONFIG_DEFAULT_LIFETIME */
	int		 queue_bounce;	/* 1 unless "queue_bounce off" */

	/* Which keys this account set itself, for inheritance; private. */
	unsigned long long set;
};

#define CONFIG_DEFAULT_TIMEOUT 60
#define CONFIG_DEFAULT_LIFETIME (5 * 24 * 3600)

struct config {
	char		 *path;		/* the file read */
	struct account	**accounts;	/* in file order, inheritance applied */
	size_t		  naccounts;
};

/*
 * Reads the configuration. With path (-C), exactly that file; with NULL,
 * the first that exists of:
 *   $XDG_CONFIG_HOME/postie/config (or ~/.config/postie/config),
 *   $XDG_CONFIG_HOME/msmtp/config (or ~/.config/msmtp/config),
 *   ~/.msmtprc,
 *   SYSCONFDIR/postie.conf
 * (logging the choice with -v, and saying so when it is msmtp's file).
 *
 * Errors (FAIL_CONFIG, text "FILE:LINE: ..."): no file found; a file
 * that cannot be read; an unknown key (named, with the nearest known key
 * as a hint when one is close); a bad value; a key before any account or
 * defaults; an unknown parent account; a duplicate account; a file that
 * holds a "password" and is readable by group or others (hint: chmod 600
 * FILE). msmtp keys that postie accepts but does not act on yet are noted
 * with -v; those whose absence would weaken security are errors. Running
 * out of memory is FAIL_OS.
 */
int	config_load(struct config *c, const char *path, struct failure *f);

/*
 * 1 when config_load(c, NULL, f) would read a file of the user's own
 * (or fail on one it cannot look at), 0 when it would come to
 * SYSCONFDIR/postie.conf: the machine's account, which an ordinary user
 * reaches through the maildrop (maildrop.h).
 */
int	config_has_user_file(void);

/*
 * The i-th file config_load(c, NULL, f) looks for, in its order (for
 * --version): 1 with *path malloc'd (NULL when it has no base, such as
 * no home directory) and *msmtp set for msmtp's own files; 0 past the
 * last one. Errors: -1 on memory.
 */
int	config_search_path(size_t i, char **path, int *msmtp);

/*
 * Parses configuration text as if read from a file named name; used by
 * config_load() and by the unit tests. check_perm_fd: a file descriptor
 * for the permission check, or -1 to skip it: config_check_owner(),
 * since the file names the commands passwordeval runs.
 *
 * c need not be initialised. On failure c is left empty (config_free()
 * is still safe to call); the errors are config_load()'s.
 */
int	config_parse(struct config *c, const char *name, const char *text,
	    size_t len, int check_perm_fd, struct failure *f);

/*
 * The check for any file that steers postie (configuration, aliases,
 * netrc), open on fd and named name in the error: it must be owned by
 * the effective user or by root, and nobody else may write it: not
 * others, and its group only when that is the owner's private group
 * (the owner's primary group, named as the owner, with no listed
 * member). Returns 0, or -1 with FAIL_CONFIG: "NAME: owned by uid N,
 * neither you nor root: refusing to use it", "NAME: others can change it
 * (chmod go-w NAME)", or fstat's error.
 */
int	config_check_owner(int fd, const char *name, struct failure *f);

/*
 * The error of a file postie reads line by line (configuration,
 * aliases): FAIL_CONFIG, "NAME:LINE: text". Returns -1.
 */
int	config_fail_at(struct failure *f, const char *name, size_t line,
	    const char *fmt, ...) POSTIE_PRINTF(4, 5);

/*
 * Chooses the account: by name when name is set ("default" as msmtp
 * means it); otherwise the first account whose "from" matches
 * envelope_from when that is set (case-insensitive; a "from" holding
 * "*", "?" or "[" is an fnmatch(3) pattern, as msmtp allows); otherwise
 * the account named "default". Fills in what depends on the others: port
 * from TLS mode (465 implicit TLS, 587 STARTTLS, 25 without TLS), auth
 * (AUTH_ON when user is set, else AUTH_OFF: never AUTH_DEFAULT after
 * this), timeout (CONFIG_DEFAULT_TIMEOUT) and queue_lifetime
 * (CONFIG_DEFAULT_LIFETIME).
 *
 * config_parse() has already substituted msmtp's "%U" (user name), "%H"
 * (host name), "%C" (canonical host name) and "%M" (/etc/mailname) in
 * "from" and "domain". A "from" that is a pattern sets from_is_pattern:
 * it chooses the account but is never used as an envelope sender.
 *
 * Errors: FAIL_CONFIG (no such account, no default, no host, "tls off"
 * for a host that is not literally loopback, "tls off" with proxy_host).
 */
const struct account *config_account(const struct config *c,
	    const char *name, const char *envelope_from, struct failure *f);

/*
 * 1 when host literally names the loopback interface: "localhost" (any
 * case, without a final dot), 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104; the
 * only place "tls off" may talk to. Only a name: the connected peer is
 * checked too (conn_peer_loopback()).
 */
int	config_host_is_loopback(const char *host);

/*
 * 1 when account a asks for tls_certcheck off (or tls_nocertcheck) and
 * uses TLS, where that would mean something: postie never turns the
 * checks off, so the account is refused when it is used (the refusal
 * prints the tls_fingerprint line to use instead: serverinfo.h). Other
 * accounts of the file are unaffected, and without TLS it changes
 * nothing.
 */
int	config_certcheck_off(const struct account *a);

/* Frees everything; passwords are wiped first. */
void	config_free(struct config *c);

#endif
