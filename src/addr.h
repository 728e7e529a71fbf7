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

/* Appends a copy of addr. Returns 0, or -1 (FAIL_OS) on memory. */
int	addrlist_add(struct addrlist *l, const char *addr, struct failure *f);
/* 1 when l holds addr (compared case-insensitively in the domain). */
int	addrlist_has(const struct addrlist *l, const char *addr);
void	addrlist_free(struct addrlist *l);

/*
 * Parses an RFC 5322 address-list (display names, comments, quoted local
 * parts, groups "name: a, b;", angle addresses, obsolete forms that real
 * mail still has) and appends each address to l, without duplicates.
 * An empty list (or an empty group such as "undisclosed-recipients:;") is
 * not an error. Returns 0, or -1 with FAIL_DATA (text for a header) when
 * the list cannot be parsed.
 */
int	addr_parse_list(const char *text, size_t len, struct addrlist *l,
	    struct failure *f);

/*
 * Checks an envelope address given on the command line (-f or a
 * recipient): no CR, LF, NUL, no unbalanced angle brackets, no space
 * outside quotes. "" is the null sender and valid only where
 * null_ok. Returns 0, or -1 with FAIL_USAGE naming the address.
 */
int	addr_check_envelope(const char *addr, int null_ok, struct failure *f);

#endif
