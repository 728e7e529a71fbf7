/*
 * smtp: the client protocol engine (RFC 5321, 3207, 4954, 2920) over a
 * conn: replies, capabilities, STARTTLS, AUTH, pipelined MAIL/RCPT/DATA,
 * BDAT (3030) where offered, SIZE (1870), 8BITMIME (6152), DSN (3461),
 * SMTPUTF8 (6531) with IDNA domains for servers without it,
 * dot-stuffing, RSET and QUIT. It never
 * exits, prints or reads configuration: each call returns 0 or -1 with a
 * classified failure that carries the server's reply, and deliver
 * decides.
 */
#ifndef POSTIE_SMTP_H
#define POSTIE_SMTP_H

#include <stddef.h>

#include "addr.h"
#include "buf.h"
#include "conn.h"
#include "envelope.h"
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

/* The replies of smtp_open() that its caller may want to see. */
enum smtp_setup_reply {
	SMTP_GREETING,
	SMTP_EHLO_PLAIN,	/* EHLO's answer without TLS */
	SMTP_EHLO_TLS,		/* EHLO's answer over TLS */
};

/*
 * What smtp_open() reports to its caller as it goes (--serverinfo shows
 * them), as OpenSMTPD's client reports through callbacks. Each may be
 * NULL.
 */
struct smtp_events {
	/* A reply: its code and its lines joined with " / ". */
	void	(*reply)(void *arg, enum smtp_setup_reply which, int code,
		    const char *text);
	/* TLS is up after STARTTLS, EHLO not yet sent: -1 (with f) ends the
	 * dialogue there, with nothing but QUIT. */
	int	(*tls_up)(void *arg, struct conn *c, struct failure *f);
	void	*arg;
};

struct smtp_params {
	const char		*helo_name;	/* EHLO argument */
	int			 implicit_tls;	/* TLS was started by the caller */
	int			 starttls;	/* require STARTTLS */
	const struct tls_params	*tls;		/* for STARTTLS */
	int			 auth;		/* authenticate */
	struct sasl_params	 sasl;		/* offered and tls_active are
						   filled in by smtp */
	int			 chunking;	/* BDAT when the server offers
						   CHUNKING (RFC 3030) */
	const struct smtp_events *events;	/* NULL: none */
};


/* Per-recipient outcome of smtp_send(). */
#define SMTP_RCPT_REPLY_MAX 512
struct smtp_rcpt_result {
	int		code;		/* the RCPT reply code; 0: none came,
					   or MAIL was refused before it */
	char		reply[SMTP_RCPT_REPLY_MAX];	/* "RCPT TO:<a>: 550 ..."
					   for a refusal, one line, escaped */
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

/* The last reply read: after a successful smtp_send(), the server's
 * verdict on the message (the reply to the final dot or BDAT LAST). */
const struct smtp_reply *smtp_last_reply(const struct smtp_session *s);

/*
 * Sends one message: MAIL, RCPT for each recipient and DATA as one
 * pipelined group when the server offers PIPELINING (one at a time
 * otherwise), then the content read from fd from its current offset,
 * in large blocks, dot-stuffed, ending with CRLF.CRLF.
 * With s's params' chunking, a server that offers CHUNKING and fd a
 * regular file, BDAT (RFC 3030) replaces DATA: the content as it is
 * (already CRLF; not dot-stuffed), CRLF added when it does not end so,
 * in chunks of at most 1 MiB whose lengths the file's size gives, the
 * last one "BDAT n LAST". A message of at most 64 KiB goes in the
 * pipelined group; a larger one after the RCPT replies, with up to two
 * chunks awaiting their reply under PIPELINING. After a refused chunk no
 * more is sent, and the reply of any chunk already sent is read. MAIL
 * carries
 * SIZE= when the server offers SIZE and env->size is known,
 * BODY=8BITMIME for an 8-bit message when offered (without it the
 * message is sent as it is), SMTPUTF8 when an address is not ASCII and
 * the server offers it. Without SMTPUTF8 a non-ASCII domain goes out in
 * IDNA A-labels (see smtp_address_out()). DSN requests (env->dsn_*) go
 * out only when the server offers DSN: RET= and ENVID= (xtext) on MAIL,
 * NOTIFY= and, for an ASCII address, ORCPT=rfc822;ADDR (xtext) on each
 * RCPT. Without DSN they are dropped with one warning a session
 * (log_warn), never a failure.
 * results (n = env->rcpts->n) receives each RCPT's code (0: no reply
 * came).
 *
 * Accepted only when some recipients got 2xx and the final reply is 2xx.
 * Refused recipients among accepted ones do not fail the call; the
 * caller reads results. When every RCPT was refused in a pipelined group
 * and the server still answers DATA with 354, a lone "." ends the empty
 * message (RFC 2920 3.1) and the recipients' verdict stands; so it does
 * whatever the server answers the pipelined BDAT.
 *
 * Errors, checked before anything is sent: FAIL_DATA (no recipient; a
 * command over 512 octets, plus RFC 3461's 100 for MAIL and 500 for RCPT
 * with DSN, or holding CR or LF), FAIL_REJECTED (without SMTPUTF8, an
 * address whose local part is not ASCII or whose domain has no IDNA
 * form; a message over the server's SIZE, the text naming both sizes).
 * Then:
 * FAIL_NOUSER (every RCPT refused with 5xx; FAIL_TEMPFAIL when some were
 * 4xx), FAIL_REJECTED / FAIL_TEMPFAIL (MAIL, DATA or final reply; a BDAT
 * chunk refused, the text quoting "BDAT n[ LAST]" and its reply),
 * FAIL_IO (sizing or reading fd; a file shorter than its size said),
 * FAIL_PROTOCOL, and conn errors (FAIL_DROPPED in the middle of DATA or
 * a chunk). After a failure that is not a connection,
 * protocol or FAIL_IO failure the session can be used again after
 * smtp_rset(); after those, a half-sent message must not be ended: the
 * caller closes the session and the conn (the server then drops it).
 */
int	smtp_send(struct smtp_session *s, const struct envelope *env,
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

/*
 * Envelope building blocks, exposed for the unit tests.
 *
 * smtp_address_out: addr as it goes out (*out, malloc'd, the caller
 * frees it): as it is when ASCII or when the server offers SMTPUTF8
 * (smtputf8 set); otherwise its domain in IDNA A-labels (RFC 5891,
 * libidn2, non-transitional). Errors: FAIL_REJECTED (the local part is
 * not ASCII; the domain has no A-label form), FAIL_OS.
 *
 * smtp_xtext: appends in as RFC 3461 4 xtext ("+" and two upper-case
 * hex digits for "+", "=" and any octet outside 33..126).
 *
 * smtp_mail_command, smtp_rcpt_command: the MAIL command for env, and
 * the RCPT command for recipient number i, to a server offering caps
 * (SMTP_CAP_*), without CRLF, into out (reset first); from and rcpt are
 * the addresses as they go out. Lengths are not checked here.
 *
 * All but smtp_address_out return 0, or -1 (ENOMEM).
 */
int	smtp_address_out(const char *addr, int smtputf8, char **out,
	    struct failure *f);
int	smtp_xtext(const char *in, struct buf *out);
int	smtp_mail_command(const struct envelope *env, const char *from,
	    unsigned caps, struct buf *out);
int	smtp_rcpt_command(const struct envelope *env, size_t i,
	    const char *rcpt, unsigned caps, struct buf *out);

#endif
