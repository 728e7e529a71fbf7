/*
 * import: another submission-only mailer's set-up read into accounts, for
 * postie --import: ssmtp (ssmtp.conf and its revaliases), nullmailer (its
 * remotes file and the adminaddr, defaultdomain, defaulthost and me files
 * beside it) and dma (dma.conf and its auth.conf). The result says, as
 * notes, what could not be carried over and why; import_render() writes
 * it as a postie (msmtp syntax) configuration. Never prints or exits.
 */
#ifndef POSTIE_IMPORT_H
#define POSTIE_IMPORT_H

#include <stddef.h>

#include "buf.h"
#include "exitcode.h"

enum import_format {
	IMPORT_DETECT = 0,	/* by the file's name, then its contents */
	IMPORT_SSMTP,
	IMPORT_NULLMAILER,
	IMPORT_DMA,
};

/* The files read beside the main one, by the name they have there. */
enum import_side {
	SIDE_REVALIASES,	/* ssmtp */
	SIDE_AUTH,		/* dma: auth.conf, or its AUTHPATH */
	SIDE_ADMINADDR,		/* nullmailer */
	SIDE_DEFAULTDOMAIN,
	SIDE_DEFAULTHOST,
	SIDE_ME,
	SIDE_COUNT
};

struct import_text {
	const char	*text;		/* NULL: no such file */
	size_t		 len;
};

struct import_input {
	enum import_format	 format;
	const char		*name;	/* the main file's path */
	struct import_text	 main;
	struct import_text	 side[SIDE_COUNT];
};

/* One account; every string is NULL when not set. */
struct import_account {
	char		*name;
	int		 inherits;	/* "account NAME : default" */
	int		 has_server;	/* host, port, tls are its own */
	char		*host;
	int		 port;		/* 0: postie's, by the TLS mode */
	int		 tls;		/* 0 only for a loopback host */
	int		 starttls;
	char		*auth;		/* "on" or a mechanism */
	char		*user;
	char		*password;	/* wiped by import_free() */
	char		*from;
	char		*domain;
	char		*rewrite_domain;
	char		*aliases;
	char		*trust_file;
	char		*cert_file;
	char		*key_file;
	char		*crl_file;
	char		*fingerprint;	/* SHA-256, "AB:CD:..." */
	char		*source_ip;
	struct buf	 notes;		/* "# ..." lines, about this account */
};

#define IMPORT_ACCOUNTS_MAX	32

struct import_result {
	enum import_format	 format;
	struct import_account	 acct[IMPORT_ACCOUNTS_MAX];
	size_t			 n;
	struct buf		 notes;	/* "# ..." lines, about the whole file */
	char			*auth_path;	/* dma's AUTHPATH, or NULL */
};

/*
 * Reads in (in->format, or the format detected) into r, which it clears
 * first; call import_free() after it whether it failed or not. Values
 * that would not stand in a postie configuration (control characters,
 * quotes where a name belongs, a fingerprint that is not SHA-256) are
 * left out with a note. Errors: FAIL_CONFIG (a format not recognised;
 * no server named: ssmtp without mailhub, dma without SMARTHOST,
 * nullmailer without an SMTP remote), FAIL_OS.
 */
int	import_parse(const struct import_input *in, struct import_result *r,
	    struct failure *f);

/*
 * arg is "FILE" or "FORMAT:FILE" (ssmtp, nullmailer, dma): reads FILE
 * and the side files beside it (dma's AUTHPATH where it says), then
 * import_parse(). Errors: FAIL_NOINPUT (a file that cannot be read),
 * FAIL_USAGE (an unknown FORMAT), and import_parse()'s.
 */
int	import_load(const char *arg, struct import_result *r,
	    struct failure *f);

/*
 * Appends r as a postie configuration to out: a header naming source
 * and the mode the file needs, the file-wide notes, then each account
 * with its notes as comments. The text is one config_parse() reads.
 * Returns 0, or -1 when memory ran out.
 */
int	import_render(const struct import_result *r, const char *source,
	    struct buf *out);

void	import_free(struct import_result *r);

/* "ssmtp", "nullmailer", "dma". */
const char *import_format_name(enum import_format format);

#endif
