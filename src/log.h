/*
 * log: what postie tells the person at the terminal. Errors go through
 * exitcode_report(); this module carries -v output (the SMTP dialogue and
 * the decisions taken) and warnings. Untrusted text is escaped with strvis
 * before it reaches the terminal. It also writes the delivery log: one
 * line per attempt, to the account's logfile and to syslog.
 */
#ifndef POSTIE_LOG_H
#define POSTIE_LOG_H

#include <stddef.h>

#include "compat.h"

/* Turns -v output on (level >= 1) or off. */
void	log_set_verbose(int level);
int	log_verbose(void);

/* With -v: "postie: " + the formatted text, on stderr. */
void	log_info(const char *fmt, ...) POSTIE_PRINTF(1, 2);

/* Always: "postie: warning: " + the formatted text, on stderr. */
void	log_warn(const char *fmt, ...) POSTIE_PRINTF(1, 2);

/*
 * With -v: one protocol line, as "<-- LINE" (from the server, dir '<') or
 * "--> LINE" (to the server, dir '>'). The trailing CRLF is not shown;
 * control characters are escaped. Lines carrying secrets must be masked
 * by the caller before they get here (conn_write_line()'s secret
 * argument does that).
 */
void	log_trace(char dir, const char *line, size_t len);

/* One delivery attempt, for the delivery log (msmtp's logfile). */
struct log_delivery {
	const char		*id;		/* queue id, or NULL */
	const char		*account;
	const char		*host;
	int			 port;
	int			 tls;
	const char		*tls_version;	/* "TLS1.3"; NULL: none
						   was negotiated */
	const char		*user;		/* NULL: no authentication */
	const char		*from;
	const char *const	*rcpts;
	size_t			 nrcpts;
	long long		 size;
	const char		*result;	/* delivered, deferred, failed */
	const char		*error;		/* NULL when delivered */
	const char		*reply;		/* the server's reply to the
						   message, or NULL */
	int			 syslog;	/* the account's (LOG_SYSLOG_*
						   or a facility) */
};

/* The account's syslog key (config.h): not set, off, or a facility. */
#define LOG_SYSLOG_UNSET	0
#define LOG_SYSLOG_OFF		(-1)

/*
 * Writes one line for d to the delivery log logfile (the account's;
 * NULL: none) and to syslog (d->syslog: a facility; unset, the process's
 * default, log_syslog_default()). The line is
 *   account=A host=H port=P tls=on|off [tlsversion=V] [user=U] from=F
 *   recipients=R,... mailsize=N [id=ID] result=RESULT [reply=TEXT]
 *   [error=TEXT]
 * every value escaped with strvis (spaces as \s, control characters
 * in C style, so each stays one word of the line). tlsversion and reply
 * come from d, or else from the notes of the account's last session
 * (log_note_session(), log_note_reply()); reply only on a delivered
 * line (a failure's error quotes its reply). The logfile's line starts
 * with the DATE in ISO 8601 local time; syslog's has the priority
 * LOG_INFO delivered, LOG_WARNING deferred, LOG_ERR failed, and the
 * ident log_set_ident() chose. The logfile's is written
 * with one append so that concurrent runs do not mix lines. The file is
 * opened without following a symbolic link, without becoming the
 * controlling terminal and without blocking on a FIFO, and written only
 * when it is a regular file. A log that cannot be written is warned
 * about; delivery goes on.
 */
void	log_delivery(const char *logfile, const struct log_delivery *d);

/*
 * The syslog default for an account that does not say: facility (e.g.
 * LOG_MAIL), or LOG_SYSLOG_OFF. main decides: on for root and the
 * system queue, so that cron's mail leaves a trace.
 */
void	log_syslog_default(int facility);

/* The syslog ident (sendmail's -L tag); "postie" unless set. The string
 * must outlive the process's logging (argv does). */
void	log_set_ident(const char *ident);

/*
 * Notes for the delivery log lines of the session that deliver opened
 * for account/host/port: the TLS version it negotiated (NULL: none, or
 * not yet), then the server's reply to the last message it sent (NULL
 * after a failure). A note is used only by lines about the same account,
 * host and port. Copied; NULL strings allowed.
 */
void	log_note_session(const char *account, const char *host, int port,
	    const char *tls_version);
void	log_note_reply(int code, const char *text);

#endif
