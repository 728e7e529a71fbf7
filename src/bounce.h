/*
 * bounce: the delivery status notification (RFC 3464, in a
 * multipart/report of RFC 6522) for a message that failed for good, to
 * be sent to its envelope sender with the null sender.
 */
#ifndef POSTIE_BOUNCE_H
#define POSTIE_BOUNCE_H

#include <time.h>

#include "exitcode.h"
#include "queue.h"

struct bounce_params {
	const struct queue_envelope *env;	/* the failed message's */
	int		 msg_fd;	/* its message file, read from offset 0 */
	const char	*reason;	/* the last error, one line */
	const char	*reporting_mta;	/* host name for Reporting-MTA */
	const char	*from_addr;	/* From: of the report, e.g.
					   "MAILER-DAEMON@DOMAIN" */
	time_t		 now;
	int		 expired;	/* 1: queue_lifetime ran out */
};

/* A notification ready to be written and queued (bounce_prepare()). */
struct bounce_report {
	struct bounce_params	params;
	struct queue_envelope	env;	/* its own: from the null sender to
					   the failed message's sender */
	char			host[256];	/* Reporting-MTA */
	char			from[512];	/* MAILER-DAEMON@... */
};

/*
 * Prepares the notification about env, whose message file is open on
 * msg_fd (rewound here): From MAILER-DAEMON at domain (the account's;
 * NULL: this host's name), Reporting-MTA this host, the reason (NULL:
 * each refused recipient's own reply) and whether queue_lifetime ran
 * out; and its envelope, for the same configuration and account. r must
 * stay where it is until bounce_report_free(). Errors: FAIL_IO, FAIL_OS.
 */
int	bounce_prepare(const struct queue_envelope *env, int msg_fd,
	    const char *domain, const char *reason, int expired,
	    struct bounce_report *r, struct failure *f);

/* Frees what bounce_prepare() allocated; after a failure too. */
void	bounce_report_free(struct bounce_report *r);

/*
 * 1 when a notification may be sent for env: the sender is a real
 * address (not the null sender, not MAILER-DAEMON or another automatic
 * sender such as owner-* or *-request, RFC 3834; postmaster is a person
 * and gets them), so that a bounce never bounces, and
 * the sender did not ask for no failure report (env->dsn_notify NEVER, or
 * a NOTIFY list without FAILURE, RFC 3461 4.1).
 */
int	bounce_wanted(const struct queue_envelope *env);

/*
 * Writes the whole notification to out_fd, CRLF line endings, ready to
 * be queued: Date, From, To (the sender), Subject, Message-ID,
 * Auto-Submitted: auto-replied, MIME-Version, a text/plain part that
 * says in plain words what happened and why, the message/delivery-status
 * part (Reporting-MTA, Arrival-Date, one block per recipient: Final-
 * Recipient, Action: failed, Status, Diagnostic-Code when the reason
 * holds an SMTP reply), and the original message's header block as
 * text/rfc822-headers (never its body: it may be large, and the sender
 * has it). Lines longer than 998 octets are never written.
 * Errors: FAIL_IO, FAIL_OS; FAIL_SOFTWARE when no MIME boundary absent
 * from the quoted text was found (random, so not in practice).
 */
int	bounce_write(const struct bounce_params *p, int out_fd,
	    struct failure *f);

#endif
