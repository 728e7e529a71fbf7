/*
 * main: the sendmail entry point. Turns argv into an invocation, loads
 * the configuration, runs the mode (a submission, -bs, the queue modes)
 * and maps the outcome to the exit status and the one error line.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <sasl/sasl.h>

#include "buf.h"
#include "build.h"
#include "cli.h"
#include "config.h"
#include "exitcode.h"
#include "import.h"
#include "localname.h"
#include "log.h"
#include "maildrop.h"
#include "password.h"
#include "pickup.h"
#include "qrun.h"
#include "queue.h"
#include "sasl.h"
#include "serverinfo.h"
#include "smtpd.h"
#include "submit.h"
#include "sysuser.h"

struct bs_state {
	const struct config		*config;	/* NULL: the maildrop */
	const struct invocation		*inv;
};

static int	choose_route(struct invocation *inv, int *maildrop,
		    struct failure *f);
static void	request_fill(struct submit_request *r,
		    const struct invocation *inv);
static int	run_send(const struct invocation *inv, int maildrop);
static int	bs_accept(void *arg, const struct smtpd_message *m,
		    struct failure *f);
static int	run_smtp_server(const struct invocation *inv, int maildrop);
static int	run_queue_mode(const struct invocation *inv);
static int	run_mode(const struct invocation *inv, int maildrop);
static void	version_libraries(void);
static void	version_mechanisms(void);
static void	version_files(void);
static void	print_version(void);
static int	needs_route(enum cli_mode mode);
static int	not_the_system_user(void);
static int	pickup_if_system(const struct invocation *inv);
static int	runs_system_queue(const struct invocation *inv);
static void	list_maildrop_if_system(const struct invocation *inv);
static void	syslog_default(void);
static int	run_import(const struct invocation *inv);

/*
 * Who does the work, decided before any configuration is read. Root
 * hands the machine's work to the postie user, so that no server's reply
 * is parsed as root; a user without a file of their own who cannot read
 * the machine's drops the message into the maildrop, where the postie
 * user picks it up. -C, or a file of one's own, keeps it all as it is.
 */
static int
choose_route(struct invocation *inv, int *maildrop, struct failure *f)
{
	struct sysuser	u;

	*maildrop = 0;
	if (inv->config_file != NULL || config_has_user_file() ||
	    !sysuser_lookup(&u))
		return 0;
	if (geteuid() == 0) {
		if (sysuser_become(&u, f) == -1)
			return -1;
		/* Still root's mail: %U and the like say root. */
		localname_set_user("root");
		log_info("running as the %s user", SYSUSER_NAME);
	} else if (geteuid() != u.uid && access(SYSUSER_CONFIG, R_OK) == -1 &&
	    maildrop_exists()) {
		*maildrop = 1;
		return 0;
	}
	inv->config_file = SYSUSER_CONFIG;
	return 0;
}

static void
request_fill(struct submit_request *r, const struct invocation *inv)
{
	memset(r, 0, sizeof(*r));
	r->account = inv->account;
	r->full_name = inv->full_name;
	r->env = &inv->env;
	r->in_fd = STDIN_FILENO;
	r->ignore_dots = inv->ignore_dots;
	r->extract_rcpts = inv->extract_rcpts;
}

static int
run_send(const struct invocation *inv, int maildrop)
{
	struct config		c;
	struct submit_request	r;
	struct failure		f;
	int			rc;

	failure_clear(&f);
	request_fill(&r, inv);
	if (maildrop)
		return maildrop_submit(&r, &f) == -1 ?
		    exitcode_report(&f) : EX_OK;
	if (config_load(&c, inv->config_file, &f) == -1) {
		config_free(&c);
		return exitcode_report(&f);
	}
	rc = EX_OK;
	if (submit_message(&c, &r, 0, &f) == SUBMIT_FAILED)
		rc = exitcode_report(&f);
	config_free(&c);
	return rc;
}

/* One message of a -bs session: the same path as the sendmail mode. */
static int
bs_accept(void *arg, const struct smtpd_message *m, struct failure *f)
{
	const struct bs_state	*st = arg;
	struct submit_request	 r;
	struct failure		 sub;
	char			 line[FAILURE_LINE_MAX];

	memset(&r, 0, sizeof(r));
	r.account = st->inv->account;
	r.env = &m->env;
	r.full_name = st->inv->full_name;
	r.in_fd = m->fd;
	/* The dots are unstuffed already: a lone "." is data now. */
	r.ignore_dots = 1;
	failure_clear(&sub);
	if (st->config == NULL) {
		if (maildrop_submit(&r, &sub) == -1)
			return fail(f, sub.kind, "%s", sub.text);
		strlcpy(f->text, "queued", sizeof(f->text));
		return 0;
	}
	switch (submit_message(st->config, &r, 1, &sub)) {
	case SUBMIT_DELIVERED:
		/* smtpd says "250 2.0.0 Ok: " and this text. */
		strlcpy(f->text, "delivered", sizeof(f->text));
		return 0;
	case SUBMIT_QUEUED:
		if (sub.kind == FAIL_NONE)
			strlcpy(f->text, "queued", sizeof(f->text));
		else
			snprintf(f->text, sizeof(f->text), "queued, to be "
			    "retried: %.700s", sub.text);
		return 0;
	case SUBMIT_FAILED:
		break;
	}
	return fail(f, sub.kind, "%s", failure_line(&sub, line, sizeof(line)));
}

static int
run_smtp_server(const struct invocation *inv, int maildrop)
{
	struct config		c;
	struct bs_state		st;
	struct smtpd_params	p;
	struct failure		f;
	char			host[256];
	int			rc = EX_OK;

	failure_clear(&f);
	memset(&c, 0, sizeof(c));
	if (!maildrop && config_load(&c, inv->config_file, &f) == -1) {
		config_free(&c);
		return exitcode_report(&f);
	}
	if (localname_host(host, sizeof(host)) == -1)
		strlcpy(host, "localhost", sizeof(host));
	/* A client that goes away is EPIPE on stdout, not death. */
	signal(SIGPIPE, SIG_IGN);
	st.config = maildrop ? NULL : &c;
	st.inv = inv;
	memset(&p, 0, sizeof(p));
	p.in_fd = STDIN_FILENO;
	p.out_fd = STDOUT_FILENO;
	p.hostname = host;
	p.accept = bs_accept;
	p.arg = &st;
	if (smtpd_run(&p, &f) == -1) {
		failure_context(&f, "-bs");
		rc = exitcode_report(&f);
	}
	config_free(&c);
	return rc;
}

static int
run_queue_mode(const struct invocation *inv)
{
	struct config		c;
	struct qrun_params	p;
	struct failure		f;
	int			rc = EX_SOFTWARE, passes;

	failure_clear(&f);
	/*
	 * The maildrop first, and whatever the configuration: a message
	 * it cannot take now goes to hold/.
	 */
	if (inv->mode == CLI_QUEUE_RUN)
		pickup_if_system(inv);
	if (config_load(&c, inv->config_file, &f) == -1) {
		config_free(&c);
		return exitcode_report(&f);
	}
	memset(&p, 0, sizeof(p));
	p.config_file = inv->config_file;
	p.account = inv->account;
	p.force = inv->queue_force;
	switch (inv->mode) {
	case CLI_LIST_QUEUE:
		list_maildrop_if_system(inv);
		rc = qrun_list(&c, &p);
		break;
	case CLI_QUEUE_REMOVE:
		rc = qrun_remove(&c, &p, inv->queue_id);
		break;
	case CLI_QUEUE_RETRY:
		rc = qrun_retry(&c, &p, inv->queue_id);
		break;
	case CLI_QUEUE_RUN:
		rc = qrun_run(&c, &p);
		/*
		 * The path unit starts a run when the maildrop changes, and a
		 * change during a run starts none: what came meanwhile goes
		 * now (a few passes; the timer takes what is left).
		 */
		for (passes = 0; rc == EX_OK && passes < 3 &&
		    pickup_if_system(inv) > 0; passes++)
			rc = qrun_run(&c, &p);
		break;
	default:
		break;
	}
	config_free(&c);
	return rc;
}

/* --serverinfo: the account a submission would use, probed. */
static int
run_serverinfo(const struct invocation *inv)
{
	struct config		 c;
	const struct account	*a;
	struct failure		 f;
	int			 rc;

	failure_clear(&f);
	if (config_load(&c, inv->config_file, &f) == -1 ||
	    (a = config_account(&c, inv->account, inv->env.from, &f)) == NULL) {
		config_free(&c);
		return exitcode_report(&f);
	}
	rc = serverinfo_run(a);
	config_free(&c);
	return rc;
}

/* --import: another tool's set-up, printed as a postie configuration. */
static int
run_import(const struct invocation *inv)
{
	struct import_result	r;
	struct failure		f;
	struct buf		out = BUF_INIT;
	int			rc = EX_OK;

	failure_clear(&f);
	if (import_load(inv->import_file, &r, &f) == -1)
		rc = exitcode_report(&f);
	else if (import_render(&r, inv->import_file, &out) == -1) {
		fail(&f, FAIL_OS, "out of memory");
		rc = exitcode_report(&f);
	} else if (fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) == EOF) {
		fail(&f, FAIL_IO, "cannot write the configuration: %s",
		    strerror(errno));
		rc = exitcode_report(&f);
	}
	buf_free(&out, 1);
	import_free(&r);
	return rc;
}

/* A user of the maildrop has no queue to run: the machine's runs itself. */
static int
not_the_system_user(void)
{
	struct failure	f;

	failure_clear(&f);
	fail(&f, FAIL_NOPERM, "the system queue is run by root and the %s "
	    "user (postie-queue.timer); yours is the maildrop's: mailq "
	    "shows it", SYSUSER_NAME);
	return exitcode_report(&f);
}

/* The modes that read the configuration. */
static int
needs_route(enum cli_mode mode)
{
	return mode != CLI_HELP && mode != CLI_NEWALIASES &&
	    mode != CLI_VERSION && mode != CLI_IMPORT;
}

/* The postie user with the machine's file, and a maildrop to look at. */
static int
runs_system_queue(const struct invocation *inv)
{
	struct sysuser	u;

	return inv->config_file != NULL &&
	    strcmp(inv->config_file, SYSUSER_CONFIG) == 0 &&
	    sysuser_lookup(&u) && geteuid() == u.uid && maildrop_exists();
}

/* What users dropped is the system's mail as much as what is queued. */
static void
list_maildrop_if_system(const struct invocation *inv)
{
	size_t	n;

	if (runs_system_queue(inv) && (n = maildrop_list_waiting()) > 0)
		printf("%zu waiting in the maildrop\n", n);
}

/*
 * The system queue run starts with the maildrop, so that what users
 * dropped goes out in the same run (and over the same connection).
 * Returns how many messages it took (0 when not the system queue or
 * when the maildrop cannot be read).
 */
static int
pickup_if_system(const struct invocation *inv)
{
	struct failure	f;
	int		n;

	if (!runs_system_queue(inv))
		return 0;
	failure_clear(&f);
	if ((n = pickup_run(SYSUSER_CONFIG, &f)) == -1) {
		failure_context(&f, "maildrop");
		exitcode_report(&f);
	} else if (n > 0)
		log_info("picked up %d message%s from the maildrop", n,
		    n == 1 ? "" : "s");
	return n;
}

/* The libraries as loaded, which may be newer than those built against. */
static void
version_libraries(void)
{
	const char	*impl = NULL, *ver = NULL;

	printf("GnuTLS %s (built with %s)\n", gnutls_check_version(NULL),
	    GNUTLS_VERSION);
	sasl_version_info(&impl, &ver, NULL, NULL, NULL, NULL);
	printf("libsasl2 %s (%s)\n", ver != NULL ? ver : "unknown",
	    impl != NULL ? impl : "unknown");
}

/*
 * What this machine can authenticate with: postie's own mechanisms,
 * then what libsasl2's client
 * plugins offer here, for which libsasl2 is initialised with them all.
 */
static void
version_mechanisms(void)
{
	const char	**m, *b;
	size_t		  i;

	printf("SASL built in:");
	for (i = 0; (b = sasl_builtin(i)) != NULL; i++)
		printf(" %s", b);
	printf("\n");
	printf("SASL from libsasl2:");
	if (sasl_client_init(NULL) != SASL_OK)
		printf(" none (libsasl2 did not start)");
	else if ((m = sasl_global_listmech()) == NULL || *m == NULL)
		printf(" none");
	else
		for (; *m != NULL; m++)
			printf(" %s", *m);
	printf("\n");
	/*
	 * No sasl_client_done(): the process ends here, and libsasl2's GS2
	 * plugin loses memory in it (LeakSanitizer reports it).
	 */
}

/* Where the configuration is looked for, and where the queue would be. */
static void
version_files(void)
{
	struct failure	 f;
	char		*path, queue[1024];
	size_t		 i;
	int		 msmtp, r, found = 0;

	for (i = 0; (r = config_search_path(i, &path, &msmtp)) == 1; i++) {
		if (path == NULL)
			continue;
		printf("configuration: %s%s%s\n", path,
		    msmtp ? " (msmtp's)" : "",
		    !found && access(path, F_OK) == 0 ? " (read)" : "");
		if (access(path, F_OK) == 0)
			found = 1;
		free(path);
	}
	printf("system configuration: %s\n", SYSUSER_CONFIG);
	failure_clear(&f);
	if (queue_default_dir(queue, sizeof(queue), &f) == 0)
		printf("queue: %s\n", queue);
	else
		printf("queue: none (%s)\n", f.text);
	printf("system queue and maildrop: %s (user %s)\n", SYSUSER_SPOOL,
	    SYSUSER_NAME);
}

/*
 * The delivery log goes to syslog (LOG_MAIL) by default for root and the
 * postie user (the system queue, its pickup): nobody reads their
 * terminal, and cron's mail must leave a trace. Other users' accounts
 * say syslog on themselves (msmtp's default is off).
 */
static void
syslog_default(void)
{
	struct sysuser	u;

	if (geteuid() == 0 || (sysuser_lookup(&u) && geteuid() == u.uid))
		log_syslog_default(LOG_MAIL);
}

static void
print_version(void)
{
	printf("postie %s\n", POSTIE_VERSION);
	version_libraries();
	version_mechanisms();
	version_files();
}

static int
run_mode(const struct invocation *inv, int maildrop)
{
	switch (inv->mode) {
	case CLI_HELP:
		fputs(cli_usage(), stdout);
		return EX_OK;
	case CLI_NEWALIASES:
		/* postie reads no aliases database: nothing to rebuild. */
		return EX_OK;
	case CLI_SEND:
		return run_send(inv, maildrop);
	case CLI_VERSION:
		print_version();
		return EX_OK;
	case CLI_SMTP_SERVER:
		return run_smtp_server(inv, maildrop);
	case CLI_SERVERINFO:
		return run_serverinfo(inv);
	case CLI_IMPORT:
		return run_import(inv);
	case CLI_LIST_QUEUE:
		/* The machine's queue, as far as it holds this user's mail. */
		if (maildrop)
			return maildrop_list();
		return run_queue_mode(inv);
	case CLI_QUEUE_REMOVE:
	case CLI_QUEUE_RETRY:
	case CLI_QUEUE_RUN:
		if (maildrop)
			return not_the_system_user();
		return run_queue_mode(inv);
	}
	return EX_SOFTWARE;
}

int
main(int argc, char *argv[])
{
	struct invocation	inv;
	struct failure		f;
	int			rc, maildrop = 0;

	password_no_dumps();	/* before any secret is in memory */
	failure_clear(&f);
	if (cli_parse(&inv, argc, argv, &f) == -1) {
		/* One line, as every error: the synopsis is behind --help. */
		strlcat(f.text, " (see postie --help)", sizeof(f.text));
		rc = exitcode_report(&f);
		cli_free(&inv);
		return rc;
	}
	log_set_verbose(inv.verbose);
	if (inv.syslog_tag != NULL)
		log_set_ident(inv.syslog_tag);
	/*
	 * A file size limit must show as EFBIG, which the queue reports
	 * as a full queue, rather than kill us halfway.
	 */
	signal(SIGXFSZ, SIG_IGN);
	if (needs_route(inv.mode) && choose_route(&inv, &maildrop, &f) == -1)
		rc = exitcode_report(&f);
	else {
		syslog_default();
		rc = run_mode(&inv, maildrop);
	}
	cli_free(&inv);
	return rc;
}
