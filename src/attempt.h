/*
 * attempt: one delivery attempt of one queued message, the same for a
 * submission (submit.h) and a queue run (qrun.h); an account's queued
 * messages one after the other over one session, and their expiry; the
 * report to the sender (bounce.h builds it). Only the recipients still
 * pending are sent; each one's outcome is recorded in the queue:
 * delivered, refused for good (5xx: reported to the sender once no
 * recipient is pending any more, in one RFC 3464 report), or deferred
 * (4xx: sent again after the queue's backoff). A 452 after some
 * recipients were taken (RFC 5321 4.5.3.1.10, too many recipients) sends
 * the rest at once in a further transaction on the same connection,
 * after the first one's outcome is saved, so that a crash in between
 * sends nobody the message twice and loses nobody.
 */
#ifndef POSTIE_ATTEMPT_H
#define POSTIE_ATTEMPT_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "deliver.h"
#include "exitcode.h"
#include "queue.h"

struct attempt {
	struct queue		 *q;
	const struct account	 *account;
	struct deliver_session	**d;	/* opened when *d is NULL; closed
					   and set to NULL when it breaks */
	int			  submission;	/* the caller shows a total
					   failure itself: no report */
	time_t			  next;	/* out: after a deferral, when */
};

/*
 * Sends entry e (taken or just committed) as above and ends it: done
 * when no recipient is pending (after the sender's report of those
 * refused, if some were delivered, or always outside a submission),
 * deferred when some are, moved to failed/ when none was delivered and
 * none is pending. Each refused recipient gets one warning line (a
 * deferred one only at a submission, or with -v).
 *
 * Returns 0 when no recipient is pending and at least one was
 * delivered; -1 with f otherwise: temporary (t->next set) when some
 * recipient is pending, permanent when every one was refused. f is
 * stamped with the account's context (deliver_context()).
 */
int	attempt_run(struct attempt *t, struct queue_entry *e,
	    struct failure *f);

/*
 * The queued messages of one account taken one after the other over one
 * session, as a queue run (qrun.h) and the flush after a submission take
 * them. Zero it, then set q, account, now and force.
 */
struct attempt_group {
	struct queue		*q;
	const struct account	*account;
	time_t			 now;
	int			 force;		/* due or not (-qf) */
	struct deliver_session	*d;	/* opened by the first due message */
	int			 open_failed;	/* then every other one is */
	struct failure		 open_failure;	/* unreached, for this */
};

/*
 * The message env (a listed copy) when it is due or past the account's
 * queue_lifetime: taken, attempted (attempt_run()), ended, and said
 * (a deferral with -v only). A message past its lifetime gets that one
 * more attempt, and when it fails for now too, it expires: moved to
 * failed/ and reported to the sender.
 */
void	attempt_due(struct attempt_group *g, const struct queue_envelope *env);

/*
 * After a delivered submission: the due messages of g's account queued
 * with the configuration config (its real path, as the envelopes name
 * it; NULL: none), each as attempt_due() takes it. Best effort: the
 * outcomes are recorded in the queue.
 */
void	attempt_flush(struct attempt_group *g, const char *config);

/* Closes the group's session. */
void	attempt_group_end(struct attempt_group *g);

/*
 * As attempt_run() for a message whose server could not be reached for
 * why (the account's session failed to open for an earlier message of
 * the queue run): every pending recipient shares that failure.
 */
int	attempt_unreached(struct attempt *t, struct queue_entry *e,
	    const struct failure *why, struct failure *f);

/*
 * Queues the delivery status notification for env (its message file
 * open on msg_fd) to its sender and tries it at once over t's session:
 * the recipients refused for good, each with its own reply, and with
 * expired, the pending ones too, with reason. Nothing when the account
 * says queue_bounce off or the sender wants none (bounce_wanted()).
 * Best effort: what fails is logged.
 */
void	attempt_report(struct attempt *t, const struct queue_envelope *env,
	    int msg_fd, const char *reason, int expired);

/*
 * Writes one attempt to the delivery log (the account's logfile and
 * syslog, log_delivery()):
 * delivered when f is NULL or FAIL_NONE, else deferred or failed by the
 * kind, with failure_line() as the error. id may be NULL.
 */
void	attempt_log(const struct account *a, const char *id,
	    const char *from, const struct addrlist *rcpts, off_t size,
	    const struct failure *f);

#endif
