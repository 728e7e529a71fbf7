/*
 * qrun: the queue seen from the command line: queue runs (-q, -qf) that
 * send each account's due messages over one connection, the listing of
 * mailq / -bp, and --queue-remove and --queue-retry. Each message's
 * attempt, and its expiry, is attempt.h's, as a submission's is.
 */
#ifndef POSTIE_QRUN_H
#define POSTIE_QRUN_H

#include <time.h>

#include "config.h"
#include "exitcode.h"
#include "queue.h"

struct qrun_params {
	const char	*config_file;	/* -C */
	const char	*account;	/* -a; NULL: every account */
	int		 force;		/* -qf: due or not */
};

/* -q / -qf. Returns an exit status. */
int	qrun_run(const struct config *c, const struct qrun_params *p);

/*
 * One message of the listing on stdout, a block whose first line starts
 * with id (for grep): size, age, attempts, next attempt, sender, the
 * submitting user when known, recipients, last error.
 */
void	qrun_print_entry(const char *id, const struct queue_envelope *env,
	    time_t now);

/* mailq / -bp. Returns an exit status. */
int	qrun_list(const struct config *c, const struct qrun_params *p);

/* --queue-remove / --queue-retry ID. Returns an exit status. */
int	qrun_remove(const struct config *c, const struct qrun_params *p,
	    const char *id);
int	qrun_retry(const struct config *c, const struct qrun_params *p,
	    const char *id);

#endif
