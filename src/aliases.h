/*
 * aliases: msmtp's aliases file, applied to envelope recipients that are
 * local: a bare name ("root"), or an address whose domain is one of the
 * local host's names (its host name, its canonical name, "localhost").
 *
 * The file: one "local: address, address, ..." per line (an address list
 * as in a header, display names allowed), "#" comments and blank lines
 * ignored, "default: ..." the catch-all for local names not listed. Names
 * compare case-insensitively. An alias's addresses are not expanded
 * again (msmtp does not recurse either).
 */
#ifndef POSTIE_ALIASES_H
#define POSTIE_ALIASES_H

#include "addr.h"
#include "exitcode.h"

struct aliases;

/*
 * Reads path. Errors: FAIL_CONFIG ("FILE:LINE: ..." for a line that is
 * not "name: list" or whose list cannot be parsed; a file that cannot be
 * read), FAIL_OS.
 */
int	aliases_load(struct aliases **out, const char *path,
	    struct failure *f);

/* Parses text as if read from a file named name (for the unit tests). */
int	aliases_parse(struct aliases **out, const char *name,
	    const char *text, size_t len, struct failure *f);

/*
 * Replaces each local address of rcpts by its alias's addresses (or
 * default's), keeping order and dropping duplicates; other addresses and
 * local ones with neither an alias nor a default stay as they are.
 * Errors: FAIL_OS.
 */
int	aliases_apply(const struct aliases *al, struct addrlist *rcpts,
	    struct failure *f);

/* 1 when addr is local: no "@", or a domain naming this host. */
int	aliases_is_local(const char *addr);

void	aliases_free(struct aliases *al);

#endif
