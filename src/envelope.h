/*
 * envelope: the one description of a message's SMTP envelope that every
 * layer passes along: the sender, the recipients with each one's state
 * and last reply, and the MAIL and RCPT parameters (BODY=, SIZE=, and
 * RFC 3461's NOTIFY=, RET=, ENVID=). The queue stores it (queue.h), an
 * attempt sends its pending recipients (attempt.h), smtp puts it on the
 * wire (smtp.h); a new MAIL or RCPT parameter is a field here.
 */
#ifndef POSTIE_ENVELOPE_H
#define POSTIE_ENVELOPE_H

#include <sys/types.h>

#include <stddef.h>

#include "addr.h"
#include "exitcode.h"

/* Where a recipient stands: none is ever dropped in silence. */
enum rcpt_state {
	RCPT_PENDING,		/* to be sent (again) */
	RCPT_DELIVERED,		/* the server took the message for it */
	RCPT_FAILED,		/* refused for good: reported to the sender */
};

struct rcpt_status {
	enum rcpt_state	 state;
	char		*reply;		/* the last reply about it, or NULL */
};

/* Strings are malloc'd by whoever fills them, NULL when unset. */
struct envelope {
	char			*from;		/* "" is the null sender */
	struct addrlist		 rcpts;
	struct rcpt_status	*rcpt_status;	/* rcpt_status_n entries, the
						   rest of rcpts pending */
	size_t			 rcpt_status_n;
	int			 eight_bit;	/* BODY=8BITMIME when offered */
	off_t			 size;		/* SIZE=; 0: unknown */
	char			*dsn_notify;	/* NOTIFY=: "never" or a list
						   of success,failure,delay */
	char			*dsn_ret;	/* RET=: "full" or "hdrs" */
	char			*dsn_envid;	/* ENVID=, sent as xtext */
};

#define ENVELOPE_INIT { NULL, ADDRLIST_INIT, NULL, 0, 0, 0, NULL, NULL, NULL }

/*
 * Recipient i of e: its state, and the last reply about it (NULL: none).
 * envelope_rcpt_set() changes both (reply NULL keeps the old one; a
 * delivered recipient forgets it); errors: FAIL_OS, FAIL_SOFTWARE (no
 * recipient i). envelope_rcpt_count(): how many are in state s.
 */
enum rcpt_state envelope_rcpt_state(const struct envelope *e, size_t i);
const char *envelope_rcpt_reply(const struct envelope *e, size_t i);
int	envelope_rcpt_set(struct envelope *e, size_t i, enum rcpt_state s,
	    const char *reply, struct failure *f);
size_t	envelope_rcpt_count(const struct envelope *e, enum rcpt_state s);

/* Copies src's recipients, states and replies into dst (empty). */
int	envelope_copy_rcpts(struct envelope *dst, const struct envelope *src,
	    struct failure *f);

/* Frees every string and list; e is empty after. */
void	envelope_free(struct envelope *e);

#endif
