/*
 * smtp: the client protocol engine (RFC 5321, 3207, 4954, 2920) over a
 * conn: replies, capabilities, STARTTLS, AUTH, pipelined MAIL/RCPT/DATA,
 * dot-stuffing, RSET and QUIT. It never exits, prints or reads
 * configuration: each call returns 0 or -1 with a classified failure that
 * carries the server's reply, and deliver decides.
 */
#ifndef POSTIE_SMTP_H
#define POSTIE_SMTP_H

#include <stddef.h>

#include "addr.h"
#include "buf.h"
#include "conn.h"
#include "exitcode.h"
#include "sasl.h"
#include "tls.h"

#define SMTP_REPLY_LINE_MAX 4096	/* more than 512: servers send more */

/* A whole reply, multi-line ones joined with " / " for messages. */
struct smtp_reply {
	int		code;		/* 200..599 */
	struct buf	text;		/* every line's text after "NNN-" */
};

/* What the server offered in its last EHLO reply. */
#define SMTP_CAP_STARTTLS	0x01u
#define SMTP_CAP_PIPELINING	0x02u
#define SMTP_CAP_8BITMIME	0x04u
#define SMTP_CAP_SIZE		0x08u
#define SMTP_CAP_AUTH		0x10u
#define SMTP_CAP_DSN		0x20u
#define SMTP_CAP_CHUNKING	0x40u
#define SMTP_CAP_SMTPUTF8	0x80u
#define SMTP_CAP_ENHANCEDSTATUSCODES 0x100u

struct smtp_params {
	const char		*helo_name;	/* EHLO argument */
	int			 implicit_tls;	/* TLS was started by the caller */
	int			 starttls;	/* require STARTTLS */
	const struct tls_params	*tls;		/* for STARTTLS */
	int			 auth;		/* authenticate */
	struct sasl_params	 sasl;		/* offered and tls_active are
						   filled in by smtp */
};

struct smtp_envelope {
	const char		*from;		/* "" is the null sender */
	const struct addrlist	*rcpts;
	int			 eight_bit;	/* BODY=8BITMIME when offered */
	off_t			 size;		/* SIZE= when offered; 0: unknown */
};

/* Per-recipient outcome of smtp_send(). */
struct smtp_rcpt_result {
	int		code;		/* the RCPT reply code */
};

struct smtp_session;

/*
 * Reads the greeting, EHLO (HELO when EHLO is refused with 5xx... never
 * when TLS or AUTH is needed), STARTTLS when p->starttls (it must be
 * offered and answered 220: otherwise FAIL_TLS or the reply's class, and
 * nothing else is sent), EHLO again, AUTH when p->auth. On success the
 * session is ready for smtp_send().
 *
 * Errors: FAIL_TEMPFAIL/FAIL_REJECTED (greeting or EHLO refused),
 * FAIL_TLS (STARTTLS missing or refused), FAIL_PROTOCOL (a malformed
 * reply; bytes after the 220 to STARTTLS), FAIL_AUTH (AUTH refused: the
 * reply's code and text are in the failure; 454 and 4xx are
 * FAIL_TEMPFAIL), and everything conn and tls return.
 */
int	smtp_open(struct conn *c, const struct smtp_params *p,
	    struct smtp_session **out, struct failure *f);

/* The capabilities of the last EHLO. */
unsigned smtp_caps(const struct smtp_session *s);

/*
 * Sends one message: MAIL, RCPT for each recipient and DATA as one
 * pipelined group when the server offers PIPELINING (one at a time
 * otherwise), then the content read from fd from its current offset,
 * in large blocks, dot-stuffed, ending with CRLF.CRLF. results (n =
 * env->rcpts->n) receives each RCPT's code.
 *
 * Accepted only when some recipients got 2xx and the final reply is 250.
 * Refused recipients among accepted ones do not fail the call; the
 * caller reads results. Errors: FAIL_NOUSER (every RCPT refused with 5xx),
 * FAIL_REJECTED / FAIL_TEMPFAIL (MAIL, DATA or final reply), FAIL_IO
 * (reading fd), and conn errors (FAIL_DROPPED in the middle
 * of DATA). After a failure that is not a connection failure the session
 * can be used again after smtp_rset().
 */
int	smtp_send(struct smtp_session *s, const struct smtp_envelope *env,
	    int fd, struct smtp_rcpt_result *results, struct failure *f);

int	smtp_rset(struct smtp_session *s, struct failure *f);

/* Sends QUIT, reads the reply (best effort) and frees the session. The
 * conn stays the caller's. */
void	smtp_close(struct smtp_session *s);

/*
 * Parses one reply line. *code is the number, *more is 1 for "NNN-",
 * text and textlen the rest. Returns 0, or -1 when the line is not
 * "NNN", "NNN " or "NNN-" followed by text. Exposed for the unit tests.
 */
int	smtp_reply_line_parse(const char *line, size_t len, int *code,
	    int *more, const char **text, size_t *textlen);

/*
 * The streaming dot-stuffer: copies in to out, doubling a "." at the
 * start of every line. Input is already CRLF-normalised. *at_bol carries
 * "at the beginning of a line" across calls; start it at 1. Exposed for
 * the unit tests.
 */
int	smtp_dotstuff(int *at_bol, const char *in, size_t n, struct buf *out);

#endif
