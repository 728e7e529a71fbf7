/*
 * password: where the secret for SMTP AUTH comes from, in this order:
 * the "password" key, the output of "passwordeval", a netrc file
 * (~/.netrc, then SYSCONFDIR/netrc), and last a prompt on the terminal.
 * The secret is returned in one buffer that the caller wipes with
 * password_free(); it never appears in a failure text. Never prints
 * (but for the prompt, on /dev/tty), never exits.
 */
#ifndef POSTIE_PASSWORD_H
#define POSTIE_PASSWORD_H

#include <stddef.h>

#include <sasl/sasl.h>

#include "exitcode.h"

struct password_params {
	const char	*host;		/* netrc "machine"; shown by the prompt */
	const char	*user;		/* netrc "login" must match it */
	const char	*password;	/* the "password" key, or NULL */
	const char	*passwordeval;	/* sh -c command printing the secret */
	const char	*netrc_home;	/* the user's netrc; NULL: ~/.netrc */
	const char	*netrc_system;	/* NULL: SYSCONFDIR/netrc */
	int		 no_prompt;	/* never ask on the terminal */
};

/*
 * Fetches the secret from the first source that has one: p->password;
 * p->passwordeval run with sh -c, stdin /dev/null, one trailing newline
 * stripped, output capped at 64 KiB; the first entry of the user's netrc
 * and then the system's whose "machine" is p->host (or "default") and
 * whose "login", when present, is p->user; readpassphrase(3) on
 * /dev/tty when there is one. *out is allocated with *size bytes; *from
 * names the source, for -v.
 *
 * Errors: FAIL_CONFIG (passwordeval failed or printed nothing: text has
 * its exit status, never its output; a netrc that holds our password is
 * readable by group or others, or cannot be read), FAIL_AUTH (no source
 * has a password, or the prompt got an empty line), FAIL_OS.
 */
int	password_fetch(const struct password_params *p, sasl_secret_t **out,
	    size_t *size, const char **from, struct failure *f);

/*
 * Keeps the secrets this process will hold out of core files and out of
 * reach of the user's other processes: the core file size limit, soft
 * and hard, becomes 0 (inherited by passwordeval's command too), and on
 * Linux the process is made not dumpable (PR_SET_DUMPABLE 0: no core
 * file even where the limit is ignored, no ptrace and no /proc/PID/mem
 * for the same user). Call it first thing in main(), before any secret
 * is read. Cannot fail in a way that matters: neither call can fail
 * when lowering our own limit or dropping the flag.
 */
void	password_no_dumps(void);

/* Wipes and frees what password_fetch() returned; NULL is fine. */
void	password_free(sasl_secret_t *s, size_t size);

/*
 * Looks host and user up in the netrc text (len bytes, not necessarily
 * NUL-terminated) as password_fetch() does. Returns 1 and the password
 * in pw (NUL-terminated, at most pwsize - 1 bytes) when an entry
 * matches, 0 when none does, -1 when the matching password is longer
 * than pwsize - 1. For the unit tests and password_fetch().
 */
int	password_netrc_find(const char *text, size_t len, const char *host,
	    const char *user, char *pw, size_t pwsize);

#endif
