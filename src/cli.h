/*
 * cli: sendmail's command line, as the programs that call sendmail really
 * use it, turned into an invocation. The mode also follows argv[0]
 * (sendmail, mailq, newaliases). Never prints, never exits.
 */
#ifndef POSTIE_CLI_H
#define POSTIE_CLI_H

#include "addr.h"
#include "exitcode.h"

enum cli_mode {
	CLI_SEND = 0,		/* read a message on stdin and send it */
	CLI_VERSION,		/* --version */
	CLI_HELP,		/* --help */
	CLI_LIST_QUEUE,		/* -bp, or called as mailq */
	CLI_NEWALIASES,		/* -bi, or called as newaliases */
	CLI_QUEUE_RUN,		/* -q */
	CLI_SMTP_SERVER,	/* -bs */
};

struct invocation {
	enum cli_mode	 mode;
	const char	*config_file;	/* -C */
	const char	*account;	/* -a */
	const char	*from;		/* -f / -r; "" is the null sender */
	const char	*full_name;	/* -F */
	int		 ignore_dots;	/* -i, -oi: a lone "." is not the end */
	int		 extract_rcpts;	/* -t */
	int		 verbose;	/* -v, counted */
	const char	*dsn_notify;	/* -N */
	const char	*dsn_ret;	/* -R */
	const char	*dsn_envid;	/* -V */
	struct addrlist	 rcpts;		/* the arguments, as address lists */
};

/*
 * Parses argv into inv (pointers into argv stay valid as long as argv).
 * Unknown options, missing option arguments and bad addresses are
 * FAIL_USAGE errors naming the option or the address. Options sendmail
 * callers pass that postie does not act on (-oem, -odi, -B8BITMIME,
 * -O opt=v, -L tag, -m, -n, ...) are accepted and ignored.
 */
int	cli_parse(struct invocation *inv, int argc, char *argv[],
	    struct failure *f);

void	cli_free(struct invocation *inv);

/* The usage text, shaped like the manual's synopsis. */
const char *cli_usage(void);

#endif
