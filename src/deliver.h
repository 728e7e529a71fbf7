/*
 * deliver: one submission session for one account over one or many
 * messages: connects, starts TLS, authenticates, sends each message
 * (RSET between them when one failed), and maps the outcome to a failure
 * stamped with the context "ACCOUNT: HOST:PORT" for the error line.
 */
#ifndef POSTIE_DELIVER_H
#define POSTIE_DELIVER_H

#include <sys/types.h>

#include "addr.h"
#include "config.h"
#include "exitcode.h"
#include "smtp.h"
#include "tls.h"

struct deliver_job {
	const struct envelope	*env;	/* every recipient in it is sent */
	int			 fd;	/* the normalised message, from offset 0 */
	struct smtp_rcpt_result	*results;	/* env->rcpts.n: each RCPT's
						   reply, or NULL */
};

struct deliver_session;

/*
 * Stamps f with the context of account a's sessions, "ACCOUNT:
 * HOST:PORT" (exitcode.h). deliver_open() and deliver_send() stamp what
 * they return; an attempt (attempt.h) stamps its outcome.
 */
void	deliver_context(const struct account *a, struct failure *f);

/*
 * Opens a session for account a (which must outlive it): connects,
 * starts TLS, authenticates. Errors: what conn, tls, sasl and
 * smtp_open() return. f is stamped with a's context, success or not.
 */
int	deliver_open(const struct account *a, struct deliver_session **out,
	    struct failure *f);

/*
 * Sends one message over the session (RSET first when an earlier
 * message of the session failed). Returns 0 when the server took it with
 * 250 after the final dot, -1 with f set otherwise. job->results, when
 * set, receives each recipient's RCPT reply (smtp.h), after a failure
 * too: some recipients may have been refused while others were taken,
 * and the caller decides what each one's reply means. After a failure,
 * deliver_usable() says whether the next message may use the session.
 * DSN parameters go out only when the server offers DSN. f is stamped
 * with the session's context, success or not: what the caller concludes
 * from the replies happened there too.
 */
int	deliver_send(struct deliver_session *d, const struct deliver_job *job,
	    struct failure *f);

/* 1 while the session can carry another message. */
int	deliver_usable(const struct deliver_session *d);

/* QUIT, close, free. NULL is allowed. */
void	deliver_close(struct deliver_session *d);

/*
 * The TLS parameters a session for account a starts with (trust, the name
 * checked and sent as SNI, pins, priorities, client certificate, CRL,
 * the handshake deadline), without the session cache; the strings stay
 * a's. a is as config_account() returns it (its timeout filled in).
 * --serverinfo uses them too, so that it verifies as a submission does.
 */
void	deliver_tls_params(const struct account *a, struct tls_params *tp);

/* The EHLO argument: the account's domain, else the host name. */
void	deliver_helo_name(const struct account *a, char *name, size_t len);

/* deliver_open, deliver_send, deliver_close: one message. */
int	deliver_one(const struct account *a, const struct deliver_job *job,
	    struct failure *f);

#endif
