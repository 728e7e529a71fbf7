/*
 * deliver: one submission session for one account (see deliver.h).
 * The engines below return classified failures; this is where they meet
 * the account and become one error line.
 */
#include <netdb.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "deliver.h"
#include "localname.h"
#include "log.h"
#include "smtp.h"
#include "tls.h"
#include "tlscache.h"

struct deliver_session {
	const struct account	*account;
	struct conn		*conn;
	struct smtp_session	*smtp;
	int			 need_rset;	/* a message failed since */
	int			 usable;
	/* smtp keeps pointers to these for as long as the session lives. */
	struct tls_params	 tp;
	char			 helo[256];
	char			 cache_file[1100];
};

static void	smtp_params_fill(const struct account *a, int loopback,
		    const struct tls_params *tp, const char *helo,
		    struct smtp_params *sp);
static void	cache_file(const struct account *a, struct deliver_session *d);
static int	open_session(const struct account *a,
		    struct deliver_session *d, struct failure *f);
static int	send_rset(struct deliver_session *d, struct failure *f);
static int	send_message(struct deliver_session *d,
		    const struct deliver_job *job, struct failure *f);
static int	plain_check(const struct account *a, struct conn *c,
		    struct failure *f);

void
deliver_helo_name(const struct account *a, char *name, size_t len)
{
	if (a->domain != NULL) {
		strlcpy(name, a->domain, len);
		return;
	}
	/* RFC 5321 4.1.1.1: the client's FQDN; the host name is the best
	 * a machine without a mail server knows of itself. */
	if (localname_host(name, len) == -1)
		strlcpy(name, "localhost", len);
}

void
deliver_tls_params(const struct account *a, struct tls_params *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->trust_file = a->tls_trust_file;
	tp->verify_name = a->tls_host_override != NULL ?
	    a->tls_host_override : a->host;
	tp->sni_name = tp->verify_name;
	tp->timeout_ms = a->timeout * 1000;
	if (a->tls_fingerprint != NULL && a->tls_fingerprint[0] != '\0')
		tp->fingerprint = a->tls_fingerprint;
	if (a->tls_pin != NULL && a->tls_pin[0] != '\0')
		tp->pins = a->tls_pin;
	if (a->tls_priorities != NULL && a->tls_priorities[0] != '\0')
		tp->priorities = a->tls_priorities;
	tp->cert_file = a->tls_cert_file;
	tp->key_file = a->tls_key_file;
	tp->crl_file = a->tls_crl_file;
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
	/* SCRAM keys live beside the TLS sessions, or nowhere. */
	sp->sasl.key_cache = a->tls_session_cache == NULL ||
	    strcmp(a->tls_session_cache, "off") != 0;
	sp->sasl.key_cache_dir = a->tls_session_cache;
	sp->chunking = a->chunking;
}

/*
 * The account's TLS session cache file, into d->tp. A cache that cannot
 * be named costs only a full handshake: said with -v, never fatal.
 */
static void
cache_file(const struct account *a, struct deliver_session *d)
{
	struct tlscache_key	k;
	struct failure		f;
	const char		*dir = a->tls_session_cache;

	if (dir != NULL && strcmp(dir, "off") == 0)
		return;
	memset(&k, 0, sizeof(k));
	k.account = a->name;
	k.host = a->host;
	k.port = a->port;
	k.verify_name = d->tp.verify_name;
	k.sni_name = d->tp.sni_name;
	k.trust_file = a->tls_trust_file;
	k.fingerprint = a->tls_fingerprint;
	k.priorities = a->tls_priorities;
	k.cert_file = a->tls_cert_file;
	k.key_file = a->tls_key_file;
	failure_clear(&f);
	if (tlscache_path(dir, &k, d->cache_file, sizeof(d->cache_file),
	    &f) == -1) {
		log_info("no TLS session cache: %s", f.text);
		return;
	}
	d->tp.cache_file = d->cache_file;
	log_info("TLS session cache: %s", d->cache_file);
}

/*
 * "tls off" is for loopback, and config.c checked only the name: before
 * a byte is read or sent, the peer's address must be loopback too (a
 * name can resolve anywhere). A configuration that does not hold on this
 * machine: FAIL_CONFIG.
 */
static int
plain_check(const struct account *a, struct conn *c, struct failure *f)
{
	char	addr[NI_MAXHOST];

	if (conn_peer_loopback(c, addr, sizeof(addr)))
		return 0;
	return fail(f, FAIL_CONFIG, "'tls off', but %s led to %s, which is "
	    "not a loopback address: nothing was sent (tls off is for "
	    "localhost only)", a->host, addr);
}

static int
open_session(const struct account *a, struct deliver_session *d,
    struct failure *f)
{
	struct tls_params	*tp = &d->tp;
	struct smtp_params	 params;
	struct conn_route	 route;

	deliver_tls_params(a, tp);
	/*
	 * The cache's key has no pins: a session a pin accepted must not
	 * be resumed by the same account once the pin is gone. A resumed
	 * session is not checked against a CRL, and a CRL is set to make a
	 * revocation count at once, not within TLSCACHE_MAX_AGE.
	 */
	if (a->tls && tp->pins == NULL && tp->crl_file == NULL)
		cache_file(a, d);
	deliver_helo_name(a, d->helo, sizeof(d->helo));
	smtp_params_fill(a, config_host_is_loopback(a->host), tp, d->helo,
	    &params);

	log_note_session(a->name, a->host, a->port, NULL);
	log_info("account %s (%s): connecting to %s port %d", a->name,
	    a->origin != NULL ? a->origin : "?", a->host, a->port);
	route.source_ip = a->source_ip;
	route.proxy_host = a->proxy_host;
	route.proxy_port = a->proxy_port;
	if (a->proxy_host != NULL)
		log_info("through the SOCKS5 proxy %s port %d", a->proxy_host,
		    a->proxy_port > 0 ? a->proxy_port : 1080);
	if (conn_open_route(a->host, a->port, a->timeout, &route, &d->conn,
	    f) == -1)
		return -1;
	if (!a->tls && plain_check(a, d->conn, f) == -1)
		return -1;
	if (params.implicit_tls && conn_starttls(d->conn, tp, f) == -1)
		return -1;
	if (smtp_open(d->conn, &params, &d->smtp, f) == -1)
		return -1;
	if (conn_is_tls(d->conn)) {
		log_note_session(a->name, a->host, a->port,
		    tls_protocol(conn_tls(d->conn)));
		log_info("TLS: %s; certificate verified for %s",
		    tls_describe(conn_tls(d->conn)),
		    tls_peer_name(conn_tls(d->conn)));
	}
	return 0;
}

void
deliver_context(const struct account *a, struct failure *f)
{
	failure_context(f, "%s: %s:%d", a->name, a->host, a->port);
}

/*
 * The context is stamped on the way out: the engines may replace f
 * whole (smtp hands on tls's verdict), context and all.
 */
int
deliver_open(const struct account *a, struct deliver_session **out,
    struct failure *f)
{
	struct deliver_session	*d;
	int			 rc = -1;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		fail(f, FAIL_OS, "out of memory");
	else if (open_session(a, d, f) == -1)
		deliver_close(d);
	else {
		d->account = a;
		d->usable = 1;
		*out = d;
		rc = 0;
	}
	deliver_context(a, f);
	return rc;
}

/*
 * The message that failed left an envelope, or at least a reply, behind;
 * RFC 5321 4.1.1.5: RSET clears it. The next message was never offered,
 * so a refused RSET is no verdict on it: it is worth trying again.
 */
static int
send_rset(struct deliver_session *d, struct failure *f)
{
	if (smtp_rset(d->smtp, f) == -1) {
		d->usable = 0;
		if (f->kind == FAIL_REJECTED)
			f->kind = FAIL_TEMPFAIL;
		return -1;
	}
	d->need_rset = 0;
	return 0;
}

static int
send_message(struct deliver_session *d, const struct deliver_job *job,
    struct failure *f)
{
	struct smtp_rcpt_result	*res;
	const struct smtp_reply	*r;
	int			 rc = -1;

	if (lseek(job->fd, 0, SEEK_SET) == -1)
		return fail(f, FAIL_IO, "cannot rewind the message: %s",
		    strerror(errno));
	if (d->need_rset && send_rset(d, f) == -1)
		return -1;
	if ((res = job->results) == NULL && (res = calloc(job->env->rcpts.n >
	    0 ? job->env->rcpts.n : 1, sizeof(*res))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	log_note_reply(0, NULL);
	if (smtp_send(d->smtp, job->env, job->fd, res, f) == 0) {
		rc = 0;
		/* The server's verdict, queue id and all, for the log. */
		r = smtp_last_reply(d->smtp);
		log_note_reply(r->code, r->text.data);
	} else {
		/* smtp.h: a session out of step must not carry more. */
		d->need_rset = 1;
		d->usable = smtp_alive(d->smtp);
	}
	if (res != job->results)
		free(res);
	return rc;
}

int
deliver_send(struct deliver_session *d, const struct deliver_job *job,
    struct failure *f)
{
	int	rc;

	if (d == NULL || !d->usable)
		return fail(f, FAIL_SOFTWARE, "deliver_send on a closed "
		    "session");
	rc = send_message(d, job, f);
	deliver_context(d->account, f);
	return rc;
}

int
deliver_usable(const struct deliver_session *d)
{
	return d != NULL && d->usable;
}

void
deliver_close(struct deliver_session *d)
{
	if (d == NULL)
		return;
	smtp_close(d->smtp);
	if (d->conn != NULL)
		conn_close(d->conn);
	free(d);
}

int
deliver_one(const struct account *a, const struct deliver_job *job,
    struct failure *f)
{
	struct deliver_session	*d;
	int			 rc;

	if (deliver_open(a, &d, f) == -1)
		return -1;
	rc = deliver_send(d, job, f);
	deliver_close(d);
	return rc;
}
