/*
 * pickup: from the maildrop into the system queue (see pickup.h).
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "localname.h"
#include "log.h"
#include "maildrop.h"
#include "message.h"
#include "pickup.h"
#include "submit.h"

#define TRACE_MAX	(LOCALNAME_MAX * 2 + MESSAGE_DATE_MAX + 80)

static enum maildrop_verdict take(void *arg, const struct maildrop_file *m,
		    struct failure *why);
static int	trace_field(char *buf, size_t len,
		    const struct maildrop_file *m);
static void	request_fill(struct submit_request *r,
		    const struct maildrop_file *m, const char *trace);

int
pickup_run(const char *config_path, struct failure *f)
{
	return maildrop_pickup(take, (void *)(uintptr_t)config_path, f);
}

/*
 * RFC 5321 4.4 and Postfix's pickup: who handed the message over, since
 * the From: field is the sender's to write.
 */
static int
trace_field(char *buf, size_t len, const struct maildrop_file *m)
{
	char	host[LOCALNAME_MAX + 1], date[MESSAGE_DATE_MAX];
	int	n;

	if (localname_host(host, sizeof(host)) == -1)
		strlcpy(host, "localhost", sizeof(host));
	if (message_date(date, sizeof(date), time(NULL)) == -1)
		return -1;
	n = snprintf(buf, len, "Received: by %s (postie, from userid %lu, "
	    "user %s);\r\n\t%s\r\n", host, (unsigned long)m->uid, m->user,
	    date);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void
request_fill(struct submit_request *r, const struct maildrop_file *m,
    const char *trace)
{
	memset(r, 0, sizeof(*r));
	/*
	 * The machine's account, whatever -a or -f would choose: a local
	 * user may not send through another account of the file.
	 */
	r->account = "default";
	r->env = &m->req.env;
	r->full_name = m->req.full_name;
	r->in_fd = m->fd;
	/* The user's end read the lone dot already. */
	r->ignore_dots = 1;
	r->extract_rcpts = m->req.extract_rcpts;
	r->user = m->user;
	r->drop = m->name;
	r->trace = trace;
	/* Not one octet more than it had when opened: nobody writes to it. */
	r->read_max = m->size > 0 ? m->size : 1;
	r->queue_only = 1;
}

/*
 * The user's mistakes (no recipient, a bad address, a message too large)
 * are refused; anything else (the configuration, a full disk) waits for
 * the next pickup, since the message is not at fault.
 */
static enum maildrop_verdict
take(void *arg, const struct maildrop_file *m, struct failure *why)
{
	const char		*config_path = arg;
	struct config		 c;
	struct submit_request	 r;
	char			 trace[TRACE_MAX];
	const char		*was;
	enum maildrop_verdict	 v = MAILDROP_KEEP;

	if (trace_field(trace, sizeof(trace), m) == -1) {
		log_warn("maildrop %s: kept: no trace field", m->name);
		return MAILDROP_KEEP;
	}
	was = localname_set_user(m->user);
	if (config_load(&c, config_path, why) == 0) {
		request_fill(&r, m, trace);
		if (submit_message(&c, &r, 1, why) == SUBMIT_QUEUED) {
			log_info("maildrop %s: queued for user %s", m->name,
			    m->user);
			v = MAILDROP_TAKEN;
		} else if (why->kind == FAIL_DATA || why->kind == FAIL_USAGE)
			v = MAILDROP_REFUSE;
	}
	if (v == MAILDROP_KEEP)
		log_warn("maildrop %s: from user %s, kept for the next pickup: "
		    "%s", m->name, m->user, why->text);
	config_free(&c);
	localname_set_user(was);
	return v;
}
