/*
 * deliver: one submission session for one account over one message (a
 * set of queued messages later): connects, starts TLS, authenticates,
 * sends, and maps the outcome to a failure with the context
 * "ACCOUNT: HOST:PORT" for the error line.
 */
#ifndef POSTIE_DELIVER_H
#define POSTIE_DELIVER_H

#include <sys/types.h>

#include "addr.h"
#include "config.h"
#include "exitcode.h"

struct deliver_job {
	const char		*from;	/* envelope sender */
	const struct addrlist	*rcpts;
	int			 fd;	/* the normalised message, from offset 0 */
	off_t			 size;
	int			 eight_bit;
};

/*
 * Delivers job through account a. context (size ctxlen) receives
 * "ACCOUNT: HOST:PORT" for exitcode_report(). Returns 0 when the server
 * took the message with 250 after the final dot, -1 with f set otherwise.
 * Recipients refused while others were accepted are warned about.
 */
int	deliver_one(const struct account *a, const struct deliver_job *job,
	    char *context, size_t ctxlen, struct failure *f);

#endif
