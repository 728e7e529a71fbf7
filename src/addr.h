/*
 * addr: RFC 5322 address lists as they appear in To/Cc/Bcc headers and in
 * sendmail's recipient arguments, reduced to envelope addresses
 * (addr-spec), and the rules an envelope address must obey.
 */
#ifndef POSTIE_ADDR_H
#define POSTIE_ADDR_H

#include <stddef.h>

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
 * phrase with no address, a bad domain; FAIL_OS on memory. Addresses
 * parsed before the error stay in l.
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
