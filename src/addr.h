/*
 * addr: RFC 5322 address lists as they appear in To/Cc/Bcc headers and in
 * sendmail's recipient arguments, reduced to envelope addresses
 * (addr-spec), and the rules an envelope address must obey.
 */
#ifndef POSTIE_ADDR_H
#define POSTIE_ADDR_H

#include <stddef.h>

#include "buf.h"
#include "exitcode.h"

struct addrlist {
	char	**v;		/* addr-specs, each malloc'd, no angle brackets */
	size_t	  n;
	size_t	  cap;
};

#define ADDRLIST_INIT { NULL, 0, 0 }

/*
 * Appends a copy of addr, duplicate or not: a caller that merges lists
 * tests addrlist_has() first. Returns 0, or -1 (FAIL_OS) on memory.
 */
int	addrlist_add(struct addrlist *l, const char *addr, struct failure *f);
/*
 * 1 when l holds addr: the local part compared exactly, the domain (after
 * the last "@") case-insensitively.
 */
int	addrlist_has(const struct addrlist *l, const char *addr);
void	addrlist_free(struct addrlist *l);

/*
 * The one lexer and parser of RFC 5322 address lists, as an iterator:
 * each addr_next() yields the next address of the list, the way mblaze's
 * blaze822_addr() walks a header, so that one grammar serves -t's
 * recipients, rewrite_domain's bare names and the command line.
 *
 *	struct addr_iter it;
 *	struct addr_span a;
 *	addr_iter_init(&it, text, len, ADDR_SEMICOLON);
 *	while ((rc = addr_next(&it, &a, f)) == 1)
 *		use a.spec, a.start, a.end, a.bare;
 *	addr_iter_free(&it);
 *
 * The members of struct addr_iter are the iterator's own.
 */
struct addr_iter {
	const char	*text;
	const char	*p;		/* the lexer's position */
	const char	*end;
	const char	*elem;		/* where the current element starts */
	const char	*spec_start;	/* of the addr-spec's first token */
	const char	*spec_end;	/* after its last token */
	struct buf	 spec;		/* the addr-spec being rebuilt */
	int		 flags;
	int		 in_group;
	int		 after_addr;	/* an address was yielded: "," next */
	struct failure	*f;
};

/* addr_iter_init() flags: leniencies a caller chooses. */
#define ADDR_SEMICOLON	0x01	/* ";" outside a group separates, as
				   people type it; else an error */
#define ADDR_NULL	0x02	/* "<>" is yielded, with null set; else
				   an error */

struct addr_span {
	/*
	 * The addr-spec's octets in the text, from its first token to the
	 * end of its last (CFWS inside obsolete forms included, none
	 * around it): the place after a bare name is where "@domain"
	 * goes. For "<>", both are the offset of ">".
	 */
	size_t		 start;
	size_t		 end;
	const char	*spec;	/* rebuilt as for addr_parse_list(); valid
				   until the next addr_next() */
	int		 bare;	/* no "@": a local name alone */
	int		 null;	/* "<>", with ADDR_NULL only */
};

void	addr_iter_init(struct addr_iter *it, const char *text, size_t len,
	    int flags);
/*
 * Returns 1 with the next address in *a, 0 at the end of the list, or -1:
 * FAIL_DATA when the list cannot be parsed (the texts addr_parse_list()
 * documents, and "\";\" outside a group" without ADDR_SEMICOLON),
 * FAIL_OS on memory. After -1 or 0, do not call it again.
 */
int	addr_next(struct addr_iter *it, struct addr_span *a,
	    struct failure *f);
void	addr_iter_free(struct addr_iter *it);

/* RFC 5322 3.2.3 atext, and any octet of UTF-8 (RFC 6532 3.2). */
int	addr_is_atext(unsigned char c);

/*
 * Parses an RFC 5322 address-list (display names, comments, quoted local
 * parts, groups "name: a, b;", angle addresses, obsolete forms that real
 * mail still has) and appends each address to l, unless l already holds
 * it. Each address is kept as its addr-spec, bytes as given (UTF-8
 * allowed, RFC 6532):
 *   "Name, Jr." <a@b> (c)	a@b
 *   <@relay:a@b>		a@b (the source route is dropped)
 *   "x y"@b			"x y"@b (quotes kept: SMTP needs them)
 *   root			root (a bare local name, qualified later)
 * CR and LF count as white space, so a folded header value may be passed
 * as it is. An empty list (or an empty group such as
 * "undisclosed-recipients:;") is not an error.
 *
 * Errors: FAIL_DATA (text for a header, without the field name) when the
 * list cannot be parsed: an unterminated quote, comment or "<", "<>", a
 * phrase with no address, a bad domain; FAIL_OS on memory. The
 * addresses of the elements before the one in error stay in l.
 * It is addr_next() with ADDR_SEMICOLON.
 */
int	addr_parse_list(const char *text, size_t len, struct addrlist *l,
	    struct failure *f);

/*
 * Checks an address argument from the command line (-f or a recipient)
 * before it is parsed with addr_parse_list(): no control character (CR,
 * LF, NUL, ESC, ...; HTAB is white space), angle brackets balanced and
 * not nested outside quotes and comments. "" and "<>" are the null sender,
 * valid only where null_ok. Display names are allowed ("Name <a@b>").
 * Returns 0, or -1 with FAIL_USAGE naming the address.
 */
int	addr_check_envelope(const char *addr, int null_ok, struct failure *f);

/* 1 when addr is "" or "<>", the null reverse-path (RFC 5321 4.5.5). */
int	addr_is_null(const char *addr);

#endif
