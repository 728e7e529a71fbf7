/*
 * cli: sendmail's command line, as the programs that call sendmail really
 * use it, turned into an invocation. The mode also follows argv[0]
 * (sendmail, mailq, newaliases). Never prints, never exits.
 */
#ifndef POSTIE_CLI_H
#define POSTIE_CLI_H

#include "addr.h"
#include "envelope.h"
#include "exitcode.h"

enum cli_mode {
	CLI_SEND = 0,		/* read a message on stdin and send it */
	CLI_VERSION,		/* --version */
	CLI_HELP,		/* --help */
	CLI_LIST_QUEUE,		/* -bp, or called as mailq */
	CLI_NEWALIASES,		/* -bi, or called as newaliases */
	CLI_QUEUE_RUN,		/* -q */
	CLI_SMTP_SERVER,	/* -bs */
	CLI_QUEUE_REMOVE,	/* --queue-remove ID */
	CLI_QUEUE_RETRY,	/* --queue-retry ID */
	CLI_SERVERINFO,		/* --serverinfo: what the server offers */
	CLI_IMPORT,		/* --import [FORMAT:]FILE */
};

struct invocation {
	enum cli_mode	 mode;
	const char	*config_file;	/* -C */
	const char	*account;	/* -a */
	const char	*full_name;	/* -F */
	int		 ignore_dots;	/* -i, -oi: a lone "." is not the end */
	int		 extract_rcpts;	/* -t */
	int		 verbose;	/* -v, counted */
	int		 queue_force;	/* -qf, -q!: due or not */
	const char	*queue_id;	/* --queue-remove, --queue-retry */
	const char	*import_file;	/* --import */
	const char	*syslog_tag;	/* -L, when a simple word; else NULL */
	/* What the command line asks of the envelope: from (-f, -r; NULL
	 * unset, "" the null sender), rcpts (the arguments, as address
	 * lists), dsn_notify (-N), dsn_ret (-R), dsn_envid (-V). */
	struct envelope	 env;
};

/*
 * Parses argv into inv, which it first clears; call cli_free() after it
 * whether it failed or not. Pointers into argv stay valid as long as argv.
 * Options come first, as getopt(3) without GNU permutation reads them:
 * flags group ("-ti"), an option argument is attached or the next word
 * ("-fa@b", "-f a@b"); "--" or the first word that is not an option ends
 * them, and a word starting with "-" after a recipient is refused rather
 * than mailed to. Each recipient argument is an address list
 * ("a@x,b@y", "Name <a@b>"), parsed into rcpts without duplicates. The
 * -f value is one address, "<a@b>" and "Name <a@b>" allowed; "" and "<>"
 * give the null sender (from = ""). "-oi" is "-i"; -N, -R and -V are
 * checked against RFC 3461, -B against 7BIT and 8BITMIME. The mode
 * follows argv[0]'s base name (mailq, newaliases), then -b, -q, --help,
 * --version, --serverinfo, --queue-remove ID and --queue-retry ID (also
 * "=ID"), --import FILE (also "=FILE").
 *
 * Errors (FAIL_USAGE, naming the option or the address): an unknown
 * option, a missing option argument, a bad address or -N/-R/-V value, a
 * recipient argument that names no address. FAIL_OS on memory.
 * Options sendmail callers pass that postie does not act on (-oem, -odi,
 * -B8BITMIME, -O opt=v, -m, -n, ...) are accepted and ignored; -L tag
 * sets syslog_tag when it is a simple word (letters, digits, "-", "_",
 * ".", at most 32) and is ignored otherwise.
 */
int	cli_parse(struct invocation *inv, int argc, char *argv[],
	    struct failure *f);

void	cli_free(struct invocation *inv);

/* The usage text, shaped like the manual's synopsis. */
const char *cli_usage(void);

#endif
