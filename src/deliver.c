/*
 * deliver: one submission session for one account (see deliver.h).
 * The engines below return classified failures; this is where they meet
 * the account and become one error line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "deliver.h"
#include "log.h"
#include "smtp.h"
#include "tls.h"

static void	helo_name(const struct account *a, char *name, size_t len);
static void	smtp_params_fill(const struct account *a, int loopback,
		    const struct tls_params *tp, const char *helo,
		    struct smtp_params *sp);
static int	open_session(const struct account *a, struct conn **cp,
		    struct smtp_session **sp, struct failure *f);
static void	warn_refused(const struct deliver_job *job,
		    const struct smtp_rcpt_result *res);

static void
helo_name(const struct account *a, char *name, size_t len)
{
	if (a->domain != NULL) {
		strlcpy(name, a->domain, len);
		return;
	}
	/* RFC 5321 4.1.1.1: the client's FQDN; the host name is the best
	 * a machine without a mail server knows of itself. */
	if (gethostname(name, len) == -1 || name[0] == '\0')
		strlcpy(name, "localhost", len);
	name[len - 1] = '\0';
}

static void
smtp_params_fill(const struct account *a, int loopback,
    const struct tls_params *tp, const char *helo, struct smtp_params *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->helo_name = helo;
	sp->implicit_tls = a->tls && !a->tls_starttls;
	sp->starttls = a->tls && a->tls_starttls;
	sp->tls = tp;
	sp->auth = a->auth == AUTH_ON || a->auth == AUTH_MECH ||
	    (a->auth == AUTH_DEFAULT && a->user != NULL);
	sp->sasl.host = a->host;
	sp->sasl.user = a->user;
	sp->sasl.password = a->password;
	sp->sasl.passwordeval = a->passwordeval;
	sp->sasl.mech = a->auth == AUTH_MECH ? a->auth_mech : NULL;
	sp->sasl.loopback = loopback;
}

static int
open_session(const struct account *a, struct conn **cp,
    struct smtp_session **sp, struct failure *f)
{
	struct tls_params	tp;
	struct smtp_params	params;
	char			helo[256];
	int			timeout;

	timeout = a->timeout > 0 ? a->timeout : CONFIG_DEFAULT_TIMEOUT;
	memset(&tp, 0, sizeof(tp));
	tp.trust_file = a->tls_trust_file;
	tp.verify_name = a->tls_host_override != NULL ?
	    a->tls_host_override : a->host;
	tp.sni_name = tp.verify_name;
	tp.timeout_ms = timeout * 1000;
	helo_name(a, helo, sizeof(helo));
	smtp_params_fill(a, config_host_is_loopback(a->host), &tp, helo, &params);

	log_info("account %s (%s): connecting to %s port %d", a->name,
	    a->origin != NULL ? a->origin : "?", a->host, a->port);
	if (conn_open(a->host, a->port, timeout, cp, f) == -1)
		return -1;
	if (params.implicit_tls && conn_starttls(*cp, &tp, f) == -1)
		return -1;
	if (smtp_open(*cp, &params, sp, f) == -1)
		return -1;
	if (conn_is_tls(*cp))
		log_info("TLS: %s; certificate verified for %s",
		    tls_describe(conn_tls(*cp)),
		    tls_peer_name(conn_tls(*cp)));
	return 0;
}

static void
warn_refused(const struct deliver_job *job, const struct smtp_rcpt_result *res)
{
	size_t	i;

	for (i = 0; i < job->rcpts->n; i++)
		if (res[i].code < 200 || res[i].code > 299)
			log_warn("recipient <%s> refused by the server (%d); "
			    "the others got the message", job->rcpts->v[i],
			    res[i].code);
}

int
deliver_one(const struct account *a, const struct deliver_job *job,
    char *context, size_t ctxlen, struct failure *f)
{
	struct conn		*c = NULL;
	struct smtp_session	*s = NULL;
	struct smtp_envelope	 env;
	struct smtp_rcpt_result	*res;
	int			 rc = -1;

	snprintf(context, ctxlen, "%s: %s:%d", a->name, a->host, a->port);
	if ((res = calloc(job->rcpts->n, sizeof(*res))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	if (open_session(a, &c, &s, f) == -1)
		goto done;
	if (lseek(job->fd, 0, SEEK_SET) == -1) {
		fail(f, FAIL_IO, "cannot rewind the message: %s",
		    strerror(errno));
		goto done;
	}
	memset(&env, 0, sizeof(env));
	env.from = job->from;
	env.rcpts = job->rcpts;
	env.eight_bit = job->eight_bit;
	env.size = job->size;
	if (smtp_send(s, &env, job->fd, res, f) == -1)
		goto done;
	warn_refused(job, res);
	rc = 0;
done:
	if (s != NULL)
		smtp_close(s);
	if (c != NULL)
		conn_close(c);
	free(res);
	return rc;
}
