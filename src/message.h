/*
 * message: the one streaming pass over a message read on standard input.
 * It normalises every line ending to CRLF (bare LF and bare CR become
 * CRLF), enforces the limits (no NUL, no line over 998 octets), reads the
 * header block (unfolding for parsing, never rewriting what it keeps),
 * collects recipients for -t, drops Bcc and Resent-Bcc from what is kept,
 * and writes the result to a file descriptor the caller owns. Memory use
 * does not depend on the message's size. Never prints, never exits.
 */
#ifndef POSTIE_MESSAGE_H
#define POSTIE_MESSAGE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "addr.h"
#include "exitcode.h"

#define MESSAGE_LINE_MAX 998	/* RFC 5322 2.1.1, without the CRLF */
#define MESSAGE_FIELD_MAX 65536	/* one header field, its folded lines included */

struct message_opts {
	int		 ignore_dots;	/* -i: a line holding only "." is data */
	int		 extract_rcpts;	/* -t: collect To/Cc/Bcc (or Resent-*) */
	int		 keep_bcc;	/* remove_bcc_headers off */

	/*
	 * Header fields added at the end of the header block, in the one
	 * streaming pass, when the message has none (RFC 5322 3.6 leaves
	 * the order free; appending keeps the pass streaming):
	 *   Date: in the local time zone, RFC 5322 3.3 form, C locale;
	 *   Message-ID: <UNIQUE@msgid_domain>, UNIQUE from the time and
	 *     arc4random(3), never repeated;
	 *   From: from_addr with from_name as display name (quoted when
	 *     it needs it, RFC 2047-encoded when not ASCII).
	 * replace_from: drop the message's From and write ours
	 * (set_from_header on). undisclosed: drop To and Cc and write
	 * "To: undisclosed-recipients:;" (Bcc goes too, keep_bcc or not,
	 * as msmtp does). rewrite_domain: in From, To, Cc, Bcc (and
	 * Resent- ones, Reply-To, Sender) an address that is a bare
	 * local name ("root") becomes "root@rewrite_domain", as addr's
	 * iterator finds them (the names -t takes); the rest of the field
	 * keeps its bytes. A field that it cannot parse (or where ";"
	 * closes no group; "<>" is let by), or whose line would grow past
	 * 998 octets, is left as it is; the added From's address is
	 * qualified too. from_addr is an
	 * addr-spec (no display name, no angle brackets).
	 */
	int		 add_date;
	const char	*msgid_domain;	/* NULL: add no Message-ID */
	const char	*from_addr;	/* NULL: add no From */
	const char	*from_name;	/* NULL or "": none */
	int		 replace_from;
	int		 undisclosed;
	const char	*rewrite_domain; /* NULL: none */

	/*
	 * trace: a header field (CRLF included) written before the
	 * message, such as the Received: line of a maildrop pickup.
	 * read_max: reading more octets than this is FAIL_DATA (0: no
	 * limit), so that a file someone keeps writing to is refused,
	 * not read for ever.
	 */
	const char	*trace;
	off_t		 read_max;
};

struct message_info {
	off_t		 size;		/* octets written, CRLF normalised */
	struct addrlist	 rcpts;		/* from the headers, with -t */
	int		 has_from;	/* a From: header is present */
	int		 has_date;
	int		 has_message_id;
	int		 eight_bit;	/* some octet >= 0x80 is present */
	int		 added;		/* MESSAGE_ADDED_*: fields we wrote */
	int		 rewritten;	/* addresses given rewrite_domain */
};

#define MESSAGE_ADDED_DATE	0x01
#define MESSAGE_ADDED_MSGID	0x02
#define MESSAGE_ADDED_FROM	0x04	/* with replace_from: replaced */
#define MESSAGE_ADDED_TO	0x08	/* undisclosed-recipients */

#define MESSAGE_INFO_INIT { 0, ADDRLIST_INIT, 0, 0, 0, 0, 0, 0 }

/*
 * Reads the message from in_fd to its end (or to a line holding only "."
 * unless opts->ignore_dots) and writes it, normalised and without Bcc
 * headers, to out_fd. Nothing is dot-stuffed here: smtp does that on the
 * way out. A last line without a line ending gets CRLF.
 *
 * The header block ends at the first empty line. Two lines in it are not
 * header fields, and are handled as a mature MTA does:
 *   - an mbox "From " line as the very first line is an envelope marker,
 *     not part of the message, and is dropped;
 *   - any other line that is neither "name:" nor a continuation ends the
 *     header block: an empty line is written before it, so that it stays
 *     body text even when headers are added in front of the message.
 * Header field names are matched case-insensitively.
 *
 * With opts->extract_rcpts, the addresses of To, Cc and Bcc are appended
 * to info->rcpts (without duplicates); when the first Resent- block (the
 * newest, RFC 5322 3.6.6) has Resent-To, Resent-Cc or Resent-Bcc, its
 * addresses are taken instead. An address list that cannot be parsed is
 * an error only in the fields whose addresses are taken. Bcc and
 * Resent-Bcc, with their continuation lines, are never written.
 *
 * info's other members are set from scratch; on error, out_fd holds a
 * partial copy that the caller throws away.
 *
 * Errors: FAIL_DATA (a NUL byte, a line over 998 octets, a header field
 * over MESSAGE_FIELD_MAX, an address list that cannot be parsed, naming
 * the line), FAIL_IO (read or write error), FAIL_OS (memory).
 */
int	message_read(int in_fd, int out_fd, const struct message_opts *opts,
	    struct message_info *info, struct failure *f);

void	message_info_free(struct message_info *info);

/*
 * Writes t as an RFC 5322 3.3 date-time in the local time zone and the C
 * locale ("Sun, 6 Dec 2026 18:20:04 +0000") to buf. Returns 0, or -1
 * when the time cannot be converted or buf is too small.
 */
#define MESSAGE_DATE_MAX 40
int	message_date(char *buf, size_t len, time_t t);

#endif
