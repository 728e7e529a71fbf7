/*
 * smtpd: the server side of SMTP on standard input and output, for
 * "sendmail -bs" (Symfony Mailer, Laravel, scripts with an SMTP library).
 * It speaks RFC 5321 with PIPELINING (RFC 2920), 8BITMIME, SIZE (RFC
 * 1870), ENHANCEDSTATUSCODES and DSN parameters (RFC 3461), takes any
 * number of messages per session, and hands each one to a callback; the
 * reply to the final dot is given only once the callback has returned,
 * so 250 means the message is delivered or durably queued. Never exits,
 * never reads configuration; it writes only the SMTP dialogue.
 */
#ifndef POSTIE_SMTPD_H
#define POSTIE_SMTPD_H

#include <sys/types.h>

#include "addr.h"
#include "envelope.h"
#include "exitcode.h"

/* One message as the client sent it. */
struct smtpd_message {
	/*
	 * The client's envelope, the session's strings (not to be freed):
	 * MAIL FROM ("" for <>), RCPT TO in order, SIZE (of the content),
	 * BODY=8BITMIME, RET=, ENVID= (decoded), and NOTIFY= of the first
	 * RCPT that had one.
	 */
	struct envelope		 env;
	int			 fd;		/* the content, dots unstuffed,
						   CRLF lines, at offset 0 */
};

/*
 * Called once per message, f cleared. Returns 0 when the message is
 * accepted (delivered or durably queued): the client gets "250 2.0.0 Ok",
 * followed by ": " and f->text when the callback set one ("queued as
 * ID"). Returns -1 with f set otherwise: the client gets a reply made
 * from f (fail_is_temporary kinds: 451 4.3.0; FAIL_DATA: 554 5.6.0;
 * FAIL_NOUSER: 550 5.1.1; others 554 5.0.0), the text being f->text.
 * m and everything it points to live until the callback returns.
 */
typedef int (*smtpd_accept_fn)(void *arg, const struct smtpd_message *m,
	    struct failure *f);

struct smtpd_params {
	int		 in_fd, out_fd;
	const char	*hostname;	/* in the greeting and EHLO reply */
	off_t		 max_size;	/* SIZE limit; 0: none announced */
	int		 timeout_sec;	/* per command; 0: 300 (RFC 5321) */
	const char	*tmpdir;	/* where message files go; NULL: TMPDIR */
	smtpd_accept_fn	 accept;
	void		*arg;
};

/*
 * Runs the session to QUIT or end of input. Commands: HELO, EHLO, MAIL,
 * RCPT, DATA, RSET, NOOP, QUIT, VRFY (252), HELP; known others (EXPN,
 * AUTH, STARTTLS, BDAT, ...) 502, unknown ones 500. Bad sequence 503,
 * bad syntax 501 (an address with CR, LF, NUL or unbalanced "<>"
 * included), unknown MAIL/RCPT parameters 555. A line over 998 octets
 * in DATA or a NUL byte: the message is refused with 554 5.6.0 after
 * the final dot, never cut; over max_size: 552 5.3.4, likewise. EHLO
 * announces SMTPUTF8 too (the SMTPUTF8 parameter is taken and not kept:
 * the client side adds it for any address that needs it); ORCPT is
 * checked and not kept. A bare LF ends a line, but a client that ended
 * DATA with CRLF must end the content with CRLF "." CRLF (no smuggling).
 * Too many bad commands in a row (20) end the session with 421.
 * Returns 0 on QUIT, -1 with f set when input ended without QUIT
 * (FAIL_DROPPED: a message in progress is dropped, never accepted), on
 * a timeout (FAIL_TIMEOUT, after a 421), a read or write error
 * (FAIL_IO), too many bad commands (FAIL_PROTOCOL) or memory (FAIL_OS).
 */
int	smtpd_run(const struct smtpd_params *p, struct failure *f);

#endif
