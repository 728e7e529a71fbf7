/*
 * main: the sendmail entry point. Turns argv into an invocation, picks
 * the account, reads the message into a spool file, hands it to deliver
 * and maps the outcome to the exit status and the one error line.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "build.h"
#include "cli.h"
#include "config.h"
#include "deliver.h"
#include "exitcode.h"
#include "log.h"
#include "message.h"

struct submission {
	const struct invocation	*inv;
	struct config		 config;
	const struct account	*account;
	int			 spool_fd;
	struct message_info	 info;
	struct addrlist		 rcpts;
	char			*from;
	char			 context[512];
};

static int	spool_open(struct failure *f);
static int	read_message(struct submission *s, struct failure *f);
static int	collect_rcpts(struct submission *s, struct failure *f);
static int	envelope_from(struct submission *s, struct failure *f);
static int	submit(struct submission *s, struct failure *f);
static int	run_send(const struct invocation *inv);
static int	run_mode(const struct invocation *inv);
static void	print_version(void);

/*
 * An unlinked file in TMPDIR holds the normalised message, so that a
 * message of any size passes in constant memory and can be read twice
 * (for -t the recipients are known only at its end).
 */
static int
spool_open(struct failure *f)
{
	const char	*dir;
	char		 path[4096];
	int		 fd;

	if ((dir = getenv("TMPDIR")) == NULL || dir[0] == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/postie.XXXXXX", dir) >=
	    sizeof(path))
		return fail(f, FAIL_CANTCREAT, "TMPDIR is too long");
	if ((fd = mkstemp(path)) == -1)
		return fail(f, FAIL_CANTCREAT, "cannot create a spool file "
		    "in %s: %s", dir, strerror(errno));
	unlink(path);
	return fd;
}

static int
read_message(struct submission *s, struct failure *f)
{
	struct message_opts	opts;

	if ((s->spool_fd = spool_open(f)) == -1)
		return -1;
	memset(&opts, 0, sizeof(opts));
	opts.ignore_dots = s->inv->ignore_dots;
	opts.extract_rcpts = s->inv->extract_rcpts;
	return message_read(STDIN_FILENO, s->spool_fd, &opts, &s->info, f);
}

/* -t adds the header recipients to those of the command line. */
static int
collect_rcpts(struct submission *s, struct failure *f)
{
	const struct addrlist	*lists[2];
	size_t			 i, j;

	lists[0] = &s->inv->rcpts;
	lists[1] = &s->info.rcpts;
	for (i = 0; i < POSTIE_NELEM(lists); i++)
		for (j = 0; j < lists[i]->n; j++)
			if (!addrlist_has(&s->rcpts, lists[i]->v[j]) &&
			    addrlist_add(&s->rcpts, lists[i]->v[j], f) == -1)
				return -1;
	if (s->rcpts.n == 0)
		return fail(f, FAIL_DATA, "no recipients: name them as "
		    "arguments, or use -t to read them from the headers");
	return 0;
}

/* -f, else the account's from, else the user at the account's domain. */
static int
envelope_from(struct submission *s, struct failure *f)
{
	const struct passwd	*pw;
	const char		*user, *domain;
	char			 host[256];
	size_t			 len;

	if (s->inv->from != NULL)
		s->from = strdup(s->inv->from);
	else if (s->account->from != NULL)
		s->from = strdup(s->account->from);
	else {
		if ((user = getenv("USER")) == NULL || user[0] == '\0')
			user = (pw = getpwuid(getuid())) != NULL ?
			    pw->pw_name : "root";
		if ((domain = s->account->domain) == NULL) {
			if (gethostname(host, sizeof(host)) == -1)
				strlcpy(host, "localhost", sizeof(host));
			host[sizeof(host) - 1] = '\0';
			domain = host;
		}
		len = strlen(user) + strlen(domain) + 2;
		if ((s->from = malloc(len)) != NULL)
			snprintf(s->from, len, "%s@%s", user, domain);
	}
	if (s->from == NULL)
		return fail(f, FAIL_OS, "out of memory");
	return 0;
}

static int
submit(struct submission *s, struct failure *f)
{
	struct deliver_job	job;

	if (config_load(&s->config, s->inv->config_file, f) == -1)
		return -1;
	s->account = config_account(&s->config, s->inv->account,
	    s->inv->from, f);
	if (s->account == NULL)
		return -1;
	if (read_message(s, f) == -1 || collect_rcpts(s, f) == -1 ||
	    envelope_from(s, f) == -1)
		return -1;
	memset(&job, 0, sizeof(job));
	job.from = s->from;
	job.rcpts = &s->rcpts;
	job.fd = s->spool_fd;
	job.size = s->info.size;
	job.eight_bit = s->info.eight_bit;
	return deliver_one(s->account, &job, s->context, sizeof(s->context),
	    f);
}

static int
run_send(const struct invocation *inv)
{
	struct submission	s;
	struct failure		f;
	struct message_info	init = MESSAGE_INFO_INIT;
	int			rc;

	memset(&s, 0, sizeof(s));
	s.inv = inv;
	s.spool_fd = -1;
	s.info = init;
	failure_clear(&f);
	rc = submit(&s, &f) == -1 ? exitcode_report(&f, s.context) : EX_OK;
	if (s.spool_fd != -1)
		close(s.spool_fd);
	message_info_free(&s.info);
	addrlist_free(&s.rcpts);
	free(s.from);
	config_free(&s.config);
	return rc;
}

static void
print_version(void)
{
	printf("postie %s\n", POSTIE_VERSION);
	printf("TLS: GnuTLS; SASL: Cyrus libsasl2\n");
	printf("system configuration: %s/postie.conf\n", POSTIE_SYSCONFDIR);
}

static int
run_mode(const struct invocation *inv)
{
	struct failure	f;

	switch (inv->mode) {
	case CLI_HELP:
		fputs(cli_usage(), stdout);
		return EX_OK;
	case CLI_NEWALIASES:
		/* postie reads no aliases database: nothing to rebuild. */
		return EX_OK;
	case CLI_SEND:
		return run_send(inv);
	case CLI_VERSION:
		print_version();
		return EX_OK;
	case CLI_LIST_QUEUE:
	case CLI_QUEUE_REMOVE:
	case CLI_QUEUE_RETRY:
	case CLI_QUEUE_RUN:
	case CLI_SMTP_SERVER:
		break;
	}
	failure_clear(&f);
	fail(&f, FAIL_REJECTED, "this mode (-bp, -q, -bs) is not available "
	    "in postie %s yet", POSTIE_VERSION);
	return exitcode_report(&f, NULL);
}

int
main(int argc, char *argv[])
{
	struct invocation	inv;
	struct failure		f;
	int			rc;

	failure_clear(&f);
	if (cli_parse(&inv, argc, argv, &f) == -1) {
		/* One line, as every error: the synopsis is behind --help. */
		strlcat(f.text, " (see postie --help)", sizeof(f.text));
		rc = exitcode_report(&f, NULL);
		cli_free(&inv);
		return rc;
	}
	log_set_verbose(inv.verbose);
	rc = run_mode(&inv);
	cli_free(&inv);
	return rc;
}
