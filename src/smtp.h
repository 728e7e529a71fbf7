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
	int		code;		/* 200..559 */
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
 * Reads the greeting, EHLO (HELO when EHLO is refused with 5xx, but never
 * when STARTTLS or AUTH is needed), STARTTLS when p->starttls (it must be
 * offered and answered 220: otherwise FAIL_TLS, or FAIL_TEMPFAIL for a
 * 4xx, and nothing but QUIT is sent), EHLO again with every earlier
 * capability forgotten (RFC 3207 4.2), AUTH when p->auth. With
 * p->implicit_tls the caller has started TLS already. On success the
 * session is ready for smtp_send(); on failure *out is NULL, QUIT has
 * been sent when the dialogue was still in step, and the conn stays the
 * caller's to close.
 *
 * Failure texts name the command (never its secret arguments) and quote
 * the reply, lines joined with " / ", e.g.
 *   "AUTH PLAIN: 535 5.7.8 Error: authentication failed: ...".
 * Errors: FAIL_TEMPFAIL (any 4xx, 421 at any point) / FAIL_REJECTED
 * (greeting or EHLO refused with 5xx), FAIL_TLS (STARTTLS missing or
 * refused), FAIL_PROTOCOL (a malformed reply, replies whose lines differ
 * in code, bytes nobody asked for, bytes after the 220 to STARTTLS),
 * FAIL_AUTH (no AUTH offered; AUTH refused with 5xx), what sasl_start()
 * and sasl_step() return (after a failed step the exchange is cancelled
 * with "*"), and everything conn and tls return.
 */
int	smtp_open(struct conn *c, const struct smtp_params *p,
	    struct smtp_session **out, struct failure *f);

/* The capabilities of the last EHLO. */
unsigned smtp_caps(const struct smtp_session *s);

/*
 * Sends one message: MAIL, RCPT for each recipient and DATA as one
 * pipelined group when the server offers PIPELINING (one at a time
 * otherwise), then the content read from fd from its current offset,
 * in large blocks, dot-stuffed, ending with CRLF.CRLF. MAIL carries
 * SIZE= when the server offers SIZE and env->size is known,
 * BODY=8BITMIME for an 8-bit message when offered (without it the
 * message is sent as it is), SMTPUTF8 for a non-ASCII address. results
 * (n = env->rcpts->n) receives each RCPT's code (0: no reply came).
 *
 * Accepted only when some recipients got 2xx and the final reply is 2xx.
 * Refused recipients among accepted ones do not fail the call; the
 * caller reads results. When every RCPT was refused in a pipelined group
 * and the server still answers DATA with 354, a lone "." ends the empty
 * message (RFC 2920 3.1) and the recipients' verdict stands.
 *
 * Errors, checked before anything is sent: FAIL_DATA (no recipient; a
 * command over 512 octets or holding CR or LF), FAIL_REJECTED (non-ASCII
 * address without SMTPUTF8; a message over the server's SIZE). Then:
 * FAIL_NOUSER (every RCPT refused with 5xx; FAIL_TEMPFAIL when some were
 * 4xx), FAIL_REJECTED / FAIL_TEMPFAIL (MAIL, DATA or final reply),
 * FAIL_IO (reading fd), FAIL_PROTOCOL, and conn errors (FAIL_DROPPED in
 * the middle of DATA). After a failure that is not a connection,
 * protocol or FAIL_IO failure the session can be used again after
 * smtp_rset(); after those, a half-sent message must not be ended: the
 * caller closes the session and the conn (the server then drops it).
 */
int	smtp_send(struct smtp_session *s, const struct smtp_envelope *env,
	    int fd, struct smtp_rcpt_result *results, struct failure *f);

/*
 * 1 while the dialogue is in step: after a failed smtp_send() the
 * session may carry another message (after smtp_rset()). 0 after a
 * connection, protocol or FAIL_IO failure, or a 421.
 */
int	smtp_alive(const struct smtp_session *s);

/* RSET (RFC 5321 4.1.1.5). Errors: FAIL_REJECTED / FAIL_TEMPFAIL, conn
 * errors; FAIL_SOFTWARE on a session broken by an earlier failure. */
int	smtp_rset(struct smtp_session *s, struct failure *f);

/* Sends QUIT and reads the reply (best effort; not on a broken session),
 * then frees the session, wiping what AUTH left. The conn stays the
 * caller's. NULL is allowed. */
void	smtp_close(struct smtp_session *s);

/*
 * Parses one reply line (without its CRLF). *code is the number, *more
 * is 1 for "NNN-", text and textlen the rest. Returns 0, or -1 when the
 * line is not "NNN", "NNN " or "NNN-" followed by text, when the code is
 * outside 200-559 or its second digit over 5 (RFC 5321 4.2), or when the
 * line is longer than SMTP_REPLY_LINE_MAX. Exposed for the unit tests.
 */
int	smtp_reply_line_parse(const char *line, size_t len, int *code,
	    int *more, const char **text, size_t *textlen);

/*
 * The streaming dot-stuffer: appends in to out, doubling a "." at the
 * start of every line. Input is already CRLF-normalised; still, a line
 * starts after any LF or CR, so that no stray line ending can smuggle an
 * end of DATA. *at_bol carries "at the beginning of a line" across
 * calls; start it at 1. Returns 0, or -1 (ENOMEM). Exposed for the unit
 * tests.
 */
int	smtp_dotstuff(int *at_bol, const char *in, size_t n, struct buf *out);

#endif
