/*
 * cli: sendmail's command line turned into an invocation (see cli.h).
 *
 * sendmail's options do not fit getopt(3) comfortably: "-oi" must act
 * while every other "-o" is ignored, "-q" takes only an attached
 * argument, and callers pass flags postie has no use for. So the options
 * are two tables walked by one small loop: those postie acts on, and the
 * one group it accepts and ignores.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

enum cli_arg {
	ARG_NONE,		/* a flag: the word's next letter is an option */
	ARG_REQUIRED,		/* the rest of the word, else the next word */
	ARG_OPTIONAL,		/* the rest of the word only: -q30m, -d0.1 */
};

struct cli_option {
	char		 letter;
	enum cli_arg	 arg;
	/* NULL: accepted and ignored. */
	int		(*handler)(struct invocation *, char, const char *,
			    struct failure *);
};

#define CLI_ENVID_MAX	100	/* RFC 3461 4.4 */
#define CLI_TAG_MAX	32	/* -L: a syslog identifier, not a line */

static int	opt_account(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_mode(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_body(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_config(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_full_name(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_syslog_tag(struct invocation *, char, const char *,
		    struct failure *);
static int	copy_arg(char **, const char *, struct failure *);
static int	opt_from(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_ignore_dots(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_notify(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_o(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_queue_run(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_ret(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_extract(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_envid(struct invocation *, char, const char *,
		    struct failure *);
static int	opt_verbose(struct invocation *, char, const char *,
		    struct failure *);
static int	has_ctl(const char *s);
static int	in_words(const char *word, size_t len,
		    const char *const *words, size_t n);
static const struct cli_option *find_option(char letter);
static enum cli_mode mode_of_name(const char *argv0);
static int	parse_long(struct invocation *inv, int argc, char *argv[],
		    int *ip, struct failure *f);
static int	parse_word(struct invocation *inv, int argc, char *argv[],
		    int *ip, struct failure *f);
static int	add_rcpt(struct invocation *inv, const char *arg,
		    struct failure *f);

/* The options postie acts on, sorted. */
static const struct cli_option cli_options[] = {
	{ 'B', ARG_REQUIRED, opt_body },
	{ 'C', ARG_REQUIRED, opt_config },
	{ 'F', ARG_REQUIRED, opt_full_name },
	{ 'L', ARG_REQUIRED, opt_syslog_tag },
	{ 'N', ARG_REQUIRED, opt_notify },
	{ 'R', ARG_REQUIRED, opt_ret },
	{ 'V', ARG_REQUIRED, opt_envid },
	{ 'a', ARG_REQUIRED, opt_account },
	{ 'b', ARG_REQUIRED, opt_mode },
	{ 'f', ARG_REQUIRED, opt_from },
	{ 'i', ARG_NONE, opt_ignore_dots },
	/* -oi is -i; every other -o (-oem, -odi, -om) is ignored. */
	{ 'o', ARG_REQUIRED, opt_o },
	{ 'q', ARG_OPTIONAL, opt_queue_run },
	{ 'r', ARG_REQUIRED, opt_from },
	{ 't', ARG_NONE, opt_extract },
	{ 'v', ARG_NONE, opt_verbose },
};

/*
 * Accepted and ignored: sendmail options that callers pass and that mean
 * nothing for a submission client.
 */
static const struct cli_option cli_ignored[] = {
	{ 'A', ARG_OPTIONAL, NULL },	/* -Ac, -Am: which sendmail.cf */
	{ 'G', ARG_NONE, NULL },	/* a relayed submission */
	{ 'O', ARG_REQUIRED, NULL },	/* -O option=value */
	{ 'U', ARG_NONE, NULL },	/* initial user submission */
	/* sendmail's traffic log, ignored as Postfix's sendmail ignores
	 * it: a caller-chosen path written with caller-chosen text is how
	 * PHP's mail() fifth argument planted files (CVE-2016-10033). */
	{ 'X', ARG_REQUIRED, NULL },
	{ 'd', ARG_OPTIONAL, NULL },	/* -d0.1: sendmail's debugging */
	{ 'h', ARG_REQUIRED, NULL },	/* the hop count */
	{ 'm', ARG_NONE, NULL },	/* "me too" for aliases */
	{ 'n', ARG_NONE, NULL },	/* no aliasing */
};

static const struct {
	char		 letter;
	enum cli_mode	 mode;
} cli_b_modes[] = {
	{ 'i', CLI_NEWALIASES },
	{ 'm', CLI_SEND },
	{ 'p', CLI_LIST_QUEUE },
	{ 's', CLI_SMTP_SERVER },
};

static const struct {
	const char	*name;
	enum cli_mode	 mode;
	int		 takes_id;
} cli_long_options[] = {
	{ "--help", CLI_HELP, 0 },
	{ "--import", CLI_IMPORT, 1 },
	{ "--queue-remove", CLI_QUEUE_REMOVE, 1 },
	{ "--queue-retry", CLI_QUEUE_RETRY, 1 },
	{ "--serverinfo", CLI_SERVERINFO, 0 },
	{ "--version", CLI_VERSION, 0 },
};

static const struct {
	const char	*name;
	enum cli_mode	 mode;
} cli_names[] = {
	{ "mailq", CLI_LIST_QUEUE },
	{ "newaliases", CLI_NEWALIASES },
};

static const char *const notify_words[] = { "delay", "failure", "success" };
static const char *const ret_words[] = { "full", "hdrs" };

static const char cli_usage_text[] =
"usage: postie [-itv] [-a account] [-B type] [-b mode] [-C file] [-F name]\n"
"              [-f sender] [-N never|success,failure,delay] [-R full|hdrs]\n"
"              [-r sender] [-V envid] [-q[f]] [--]\n"
"              [recipient ...]\n"
"       postie --serverinfo [-a account] [-C file]\n"
"       postie --queue-remove id | --queue-retry id\n"
"       postie --import [ssmtp:|nullmailer:|dma:]file\n"
"       postie --help | --version\n"
"       mailq\n"
"       newaliases\n";

const char *
cli_usage(void)
{
	return cli_usage_text;
}

int
cli_parse(struct invocation *inv, int argc, char *argv[], struct failure *f)
{
	int	i, dashdash = 0;

	memset(inv, 0, sizeof(*inv));
	inv->mode = mode_of_name(argc > 0 ? argv[0] : NULL);
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		if (strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			i++;
			break;
		}
		if (argv[i][1] == '-') {
			if (parse_long(inv, argc, argv, &i, f) == -1)
				return -1;
		} else if (parse_word(inv, argc, argv, &i, f) == -1)
			return -1;
	}
	for (; i < argc; i++) {
		/* GNU getopt would take it as an option: mailing it is worse. */
		if (!dashdash && argv[i][0] == '-')
			return fail(f, FAIL_USAGE, "option %s after a recipient: "
			    "options come first (\"--\" before a recipient "
			    "that starts with \"-\")", argv[i]);
		if (add_rcpt(inv, argv[i], f) == -1)
			return -1;
	}
	return 0;
}

/* *dst becomes a copy of arg (an option given twice: the last one). */
static int
copy_arg(char **dst, const char *arg, struct failure *f)
{
	free(*dst);
	if ((*dst = strdup(arg)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	return 0;
}

void
cli_free(struct invocation *inv)
{
	envelope_free(&inv->env);
}

static enum cli_mode
mode_of_name(const char *argv0)
{
	const char	*base;
	size_t		 i;

	if (argv0 == NULL)
		return CLI_SEND;
	base = (base = strrchr(argv0, '/')) != NULL ? base + 1 : argv0;
	for (i = 0; i < POSTIE_NELEM(cli_names); i++)
		if (strcmp(base, cli_names[i].name) == 0)
			return cli_names[i].mode;
	return CLI_SEND;
}

static int
parse_long(struct invocation *inv, int argc, char *argv[], int *ip,
    struct failure *f)
{
	const char	*word = argv[*ip], *eq, **value;
	size_t		 i, len;

	len = (eq = strchr(word, '=')) != NULL ? (size_t)(eq - word) :
	    strlen(word);
	for (i = 0; i < POSTIE_NELEM(cli_long_options); i++) {
		if (strlen(cli_long_options[i].name) != len ||
		    strncmp(word, cli_long_options[i].name, len) != 0)
			continue;
		inv->mode = cli_long_options[i].mode;
		if (!cli_long_options[i].takes_id) {
			if (eq != NULL)
				return fail(f, FAIL_USAGE, "option %.*s takes "
				    "no value", (int)len, word);
			return 0;
		}
		value = inv->mode == CLI_IMPORT ? &inv->import_file :
		    &inv->queue_id;
		if (eq != NULL)
			*value = eq + 1;
		else if (*ip + 1 < argc)
			*value = argv[++*ip];
		else
			return fail(f, FAIL_USAGE, "option %s needs %s", word,
			    inv->mode == CLI_IMPORT ? "a file" : "a queue id");
		return 0;
	}
	return fail(f, FAIL_USAGE, "unknown option %.*s", (int)len, word);
}

static const struct cli_option *
find_option(char letter)
{
	size_t	i;

	for (i = 0; i < POSTIE_NELEM(cli_options); i++)
		if (cli_options[i].letter == letter)
			return &cli_options[i];
	for (i = 0; i < POSTIE_NELEM(cli_ignored); i++)
		if (cli_ignored[i].letter == letter)
			return &cli_ignored[i];
	return NULL;
}

/* One word of options: "-t", "-ti", "-fa@b", "-f" (then "a@b"), "-q30m". */
static int
parse_word(struct invocation *inv, int argc, char *argv[], int *ip,
    struct failure *f)
{
	const struct cli_option	*o;
	const char		*p, *arg;

	for (p = argv[*ip] + 1; *p != '\0'; p++) {
		if ((o = find_option(*p)) == NULL)
			return fail(f, FAIL_USAGE, "unknown option -%c", *p);
		arg = NULL;
		if (o->arg == ARG_OPTIONAL || (o->arg == ARG_REQUIRED &&
		    p[1] != '\0'))
			arg = p + 1;
		else if (o->arg == ARG_REQUIRED) {
			if (*ip + 1 >= argc)
				return fail(f, FAIL_USAGE, "option -%c needs "
				    "an argument", *p);
			arg = argv[++*ip];
		}
		if (o->handler != NULL && o->handler(inv, *p, arg, f) == -1)
			return -1;
		if (o->arg != ARG_NONE)
			break;
	}
	return 0;
}

/* One argument, one address list; "a@x,b@y" is two recipients. */
static int
add_rcpt(struct invocation *inv, const char *arg, struct failure *f)
{
	struct addrlist	l = ADDRLIST_INIT;
	struct failure	sub;
	size_t		i;
	int		rc = -1;

	failure_clear(&sub);
	if (addr_check_envelope(arg, 0, &sub) == -1)
		fail(f, FAIL_USAGE, "recipient %s", sub.text);
	else if (addr_parse_list(arg, strlen(arg), &l, &sub) == -1)
		fail(f, sub.kind == FAIL_DATA ? FAIL_USAGE : sub.kind,
		    "recipient \"%s\": %s", arg, sub.text);
	else if (l.n == 0)
		fail(f, FAIL_USAGE, "recipient \"%s\" names no address", arg);
	else
		rc = 0;
	for (i = 0; rc == 0 && i < l.n; i++)
		if (!addrlist_has(&inv->env.rcpts, l.v[i]) &&
		    addrlist_add(&inv->env.rcpts, l.v[i], f) == -1)
			rc = -1;
	addrlist_free(&l);
	return rc;
}

static int
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* 1 when the len bytes at word are one of words, in any case. */
static int
in_words(const char *word, size_t len, const char *const *words, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strlen(words[i]) == len &&
		    strncasecmp(word, words[i], len) == 0)
			return 1;
	return 0;
}

static int
opt_account(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	if (arg[0] == '\0' || has_ctl(arg))
		return fail(f, FAIL_USAGE, "-%c: bad account name \"%s\"",
		    letter, arg);
	inv->account = arg;
	return 0;
}

/* -B7BIT, -B8BITMIME: postie sees for itself whether the body is 8-bit. */
static int
opt_body(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	(void)inv;
	if (strcasecmp(arg, "7BIT") != 0 && strcasecmp(arg, "8BITMIME") != 0)
		return fail(f, FAIL_USAGE, "-%c \"%s\": expected 7BIT or "
		    "8BITMIME", letter, arg);
	return 0;
}

static int
opt_config(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	if (arg[0] == '\0')
		return fail(f, FAIL_USAGE, "-%c: an empty file name", letter);
	inv->config_file = arg;
	return 0;
}

static int
opt_mode(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	size_t	i;

	for (i = 0; arg[0] != '\0' && arg[1] == '\0' &&
	    i < POSTIE_NELEM(cli_b_modes); i++)
		if (cli_b_modes[i].letter == arg[0]) {
			inv->mode = cli_b_modes[i].mode;
			return 0;
		}
	return fail(f, FAIL_USAGE, "unsupported mode -%c%s", letter, arg);
}

/* The name goes into a From header: a line break would add headers. */
static int
opt_full_name(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	if (has_ctl(arg))
		return fail(f, FAIL_USAGE, "-%c \"%s\": a name may not hold a "
		    "control character", letter, arg);
	inv->full_name = arg;
	return 0;
}

/*
 * sendmail's -L: the syslog identifier. A word that would look like
 * something else in a log line is ignored, as -L was before: a caller's
 * odd tag must not cost its mail.
 */
static int
opt_syslog_tag(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	size_t	n = strspn(arg, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

	(void)letter;
	(void)f;
	inv->syslog_tag = n > 0 && n <= CLI_TAG_MAX && arg[n] == '\0' ?
	    arg : NULL;
	return 0;
}

static int
opt_from(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	struct addrlist	l = ADDRLIST_INIT;
	struct failure	sub;

	failure_clear(&sub);
	free(inv->env.from);
	inv->env.from = NULL;
	if (addr_check_envelope(arg, 1, &sub) == -1)
		return fail(f, FAIL_USAGE, "-%c %s", letter, sub.text);
	if (addr_is_null(arg))
		return copy_arg(&inv->env.from, "", f);
	if (addr_parse_list(arg, strlen(arg), &l, &sub) == -1) {
		addrlist_free(&l);
		return fail(f, sub.kind == FAIL_DATA ? FAIL_USAGE : sub.kind,
		    "-%c \"%s\": %s", letter, arg, sub.text);
	}
	if (l.n != 1) {
		addrlist_free(&l);
		return fail(f, FAIL_USAGE, "-%c \"%s\": the sender is one "
		    "address", letter, arg);
	}
	inv->env.from = l.v[0];
	l.n = 0;
	addrlist_free(&l);
	return 0;
}

static int
opt_ignore_dots(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	(void)letter;
	(void)arg;
	(void)f;
	inv->ignore_dots = 1;
	return 0;
}

static int
opt_o(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	if (strcmp(arg, "i") == 0)
		return opt_ignore_dots(inv, letter, arg, f);
	return 0;
}

/* RFC 3461 4.1: NEVER, or any of SUCCESS, FAILURE, DELAY. */
static int
opt_notify(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	const char	*p, *comma;
	size_t		 len;

	if (strcasecmp(arg, "never") == 0)
		return copy_arg(&inv->env.dsn_notify, arg, f);
	for (p = arg;; p = comma + 1) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (!in_words(p, len, notify_words, POSTIE_NELEM(notify_words)))
			return fail(f, FAIL_USAGE, "-%c \"%s\": expected never, "
			    "or success, failure and delay separated by commas",
			    letter, arg);
		if (comma == NULL)
			break;
	}
	return copy_arg(&inv->env.dsn_notify, arg, f);
}

static int
opt_queue_run(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	/* An interval (-q30m) and the selectors (-qI, -qR, -qS) do not
	 * apply: the queue is run once, now; -qf and -q! force it. */
	(void)letter;
	(void)f;
	inv->mode = CLI_QUEUE_RUN;
	inv->queue_force = strcmp(arg, "f") == 0 || strcmp(arg, "!") == 0;
	return 0;
}

/* RFC 3461 4.3. */
static int
opt_ret(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	if (!in_words(arg, strlen(arg), ret_words, POSTIE_NELEM(ret_words)))
		return fail(f, FAIL_USAGE, "-%c \"%s\": expected full or hdrs",
		    letter, arg);
	return copy_arg(&inv->env.dsn_ret, arg, f);
}

static int
opt_extract(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	(void)letter;
	(void)arg;
	(void)f;
	inv->extract_rcpts = 1;
	return 0;
}

/* RFC 3461 4.4: printable US-ASCII, at most 100 characters, before xtext. */
static int
opt_envid(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	const char	*p;

	for (p = arg; *p != '\0'; p++)
		if (*p < '!' || *p > '~')
			break;
	if (arg[0] == '\0' || *p != '\0' || p - arg > CLI_ENVID_MAX)
		return fail(f, FAIL_USAGE, "-%c \"%s\": an envelope id is 1 to "
		    "%d printable ASCII characters", letter, arg,
		    CLI_ENVID_MAX);
	return copy_arg(&inv->env.dsn_envid, arg, f);
}

static int
opt_verbose(struct invocation *inv, char letter, const char *arg,
    struct failure *f)
{
	(void)letter;
	(void)arg;
	(void)f;
	inv->verbose++;
	return 0;
}
