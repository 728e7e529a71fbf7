/*
 * submit: one message from its input to accepted. Reads it through the
 * message pass into the queue (spool first), fixes its envelope
 * (recipients from -t and aliases, the sender), commits it, and then,
 * as the account's "queue" key says, delivers it at once and sends the
 * account's other due messages over the same connection. Used by the
 * sendmail mode and, once per message, by -bs.
 */
#ifndef POSTIE_SUBMIT_H
#define POSTIE_SUBMIT_H

#include <sys/types.h>

#include "addr.h"
#include "config.h"
#include "envelope.h"
#include "exitcode.h"

struct submit_request {
	const char		*account;	/* -a */
	/*
	 * The envelope asked for (the command line's, -bs's MAIL and RCPT,
	 * a maildrop file's): from NULL is the account's; rcpts before -t
	 * and the aliases; a DSN field NULL is the account's; eight_bit
	 * declared by BODY=. Its recipient states and size are not read.
	 */
	const struct envelope	*env;
	const char		*full_name;	/* -F */
	int			 in_fd;		/* the message */
	int			 ignore_dots;	/* -i */
	int			 extract_rcpts;	/* -t */

	/* A message from the system maildrop (pickup.h): */
	const char		*user;		/* who dropped it: the file's owner */
	const char		*drop;		/* the maildrop file's name */
	const char		*trace;		/* Received: field, CRLF ended */
	off_t			 read_max;	/* 0: no limit */
	int			 queue_only;	/* commit, send later */
};

/* What happened, for -bs replies and the exit status. */
enum submit_outcome {
	SUBMIT_DELIVERED,	/* the server took it */
	SUBMIT_QUEUED,		/* durably queued, to be retried */
	SUBMIT_FAILED,		/* not accepted: f says why */
};

/*
 * Submits the message read from r->in_fd with the configuration c
 * (loaded by the caller). A failure once a server was tried carries its
 * context (deliver_context()). A message queued after a temporary
 * failure is reported on stderr as "postie: queued ID: WHY; next attempt
 * in N min" unless quiet. Returns the outcome; with SUBMIT_FAILED, f
 * holds the failure (a permanent one after the message was queued leaves
 * it in failed/). With r->queue_only the message is only committed to the
 * queue (SUBMIT_QUEUED), whatever the account's "queue" key says.
 */
enum submit_outcome submit_message(const struct config *c,
	    const struct submit_request *r, int quiet, struct failure *f);

#endif
