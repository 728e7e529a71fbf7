/*
 * scramcache: the SCRAM keys of a successful login, kept so that the
 * next login to the same server skips PBKDF2 (RFC 5802 section 5.1: a
 * client may cache ClientKey and ServerKey for a salt and count). A file
 * holds ClientKey and ServerKey, which let whoever reads it log in as
 * the user to that server (not learn the password): the same care as a
 * TLS session file, in the same directory (tlscache.h), as 0600 files
 * in a 0700 directory, whose names begin with "scram-".
 *
 * A file's name is an HMAC-SHA-256, keyed with the password, of the
 * server's host name, the user and the hash; the file begins with a
 * hash of the salt and the iteration count the keys were made with, and
 * keys of another salt or count are not used (and overwritten by the
 * next login's). So a password changed in the file never logs in with
 * the old one's keys; a password changed on the server comes with a new
 * salt, or is refused, which removes the file; and a server that salts
 * every login afresh costs a PBKDF2 each time but one file, not one a
 * login.
 * The name is a fast function of the password: only a password stored
 * in a file of the same user's (the password key, netrc) is cached.
 * Nothing here is ever fatal: a cache that cannot be read or written
 * costs a PBKDF2, said with -v.
 */
#ifndef POSTIE_SCRAMCACHE_H
#define POSTIE_SCRAMCACHE_H

#include <stddef.h>

#include "exitcode.h"
#include "scram.h"

struct scramcache_key {
	const char		*host;
	const char		*user;
	const char		*mech;	/* "SCRAM-SHA-256", -PLUS or not */
	const unsigned char	*salt;
	size_t			 salt_len;
	unsigned		 iterations;
	const void		*password;	/* keys the name's HMAC */
	size_t			 password_len;
};

/*
 * Writes into path (len bytes) the file for k under dir (NULL: the TLS
 * session cache's default directory). Errors: FAIL_CONFIG (no home
 * directory), FAIL_SOFTWARE (too long, hashing failed).
 */
int	scramcache_path(const char *dir, const struct scramcache_key *k,
	    char *path, size_t len, struct failure *f);

/* Reads into out the keys at path made for k's salt and count. 0, or -1
 * when there are none to use (said with -v when the file is there but
 * unusable, which removes it, or made for another salt or count). */
int	scramcache_load(const char *path, const struct scramcache_key *k,
	    struct scram_keys *out);

/* Stores keys, made for k's salt and count, at path (atomically). 0, or
 * -1 (said with -v). */
int	scramcache_store(const char *path, const struct scramcache_key *k,
	    const struct scram_keys *keys);

/* Removes the file at path, if any. */
void	scramcache_remove(const char *path);

#endif
