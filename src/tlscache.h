/*
 * tlscache: the TLS session cache, one file per server identity, so that
 * the next run can resume the session instead of doing a full handshake.
 *
 * The cache lives in LOCALSTATEDIR/lib/postie/tls for root, otherwise in
 * $XDG_STATE_HOME/postie/tls, else ~/.local/state/postie/tls (chosen as
 * queue_default_dir() chooses the queue), or in the directory the
 * account's tls_session_cache names. A file's name is the SHA-256 of
 * everything that identifies the server and how it is verified (account,
 * host, port, verify name, SNI, trust file, fingerprint, priorities, client
 * certificate), so a session is never offered to another server, under
 * weaker checks or for another client identity.
 *
 * Nothing here is ever fatal: a cache that cannot be read or written
 * means a full handshake, said with -v. Files are 0600 in a 0700
 * directory, written atomically; a file that is not a regular file of
 * ours with mode 0600, is too large or is malformed is never used (and
 * removed when it is ours).
 */
#ifndef POSTIE_TLSCACHE_H
#define POSTIE_TLSCACHE_H

#include <stddef.h>
#include <time.h>

#include "exitcode.h"

/* Largest session file read: GnuTLS session data is a few KiB. */
#define TLSCACHE_MAX	(64 * 1024)
/*
 * How long after the full handshake that verified its certificate chain
 * a session is resumed (tls.c checks dates and name again, not the
 * chain): a changed trust file or a revocation counts after a day.
 */
#define TLSCACHE_MAX_AGE (24 * 3600)

/* What names one cached session; NULL members are "none". */
struct tlscache_key {
	const char	*account;
	const char	*host;
	int		 port;
	const char	*verify_name;
	const char	*sni_name;
	const char	*trust_file;
	const char	*fingerprint;
	const char	*priorities;
	const char	*cert_file;	/* the client certificate offered */
	const char	*key_file;
};

/*
 * Writes into path (len bytes) the cache file for k under dir (NULL: the
 * default directory above). Errors: FAIL_CONFIG (no home directory),
 * FAIL_SOFTWARE (buffer too small, hashing failed).
 */
int	tlscache_path(const char *dir, const struct tlscache_key *k,
	    char *path, size_t len, struct failure *f);

/*
 * Reads the session stored at path into *data (malloc'd, *len bytes;
 * the caller wipes and frees it with freezero) and when the full
 * handshake verified it into *verified. Returns 0, or -1 when there is
 * none to use (missing, unsafe, malformed, older than TLSCACHE_MAX_AGE;
 * the reason goes to -v output).
 */
int	tlscache_load(const char *path, unsigned char **data, size_t *len,
	    time_t *verified);

/*
 * As tlscache_load(), with max_age seconds instead of TLSCACHE_MAX_AGE
 * (0: no limit). The SCRAM key cache (scramcache.h) keeps its files
 * here too, in the same format.
 */
int	tlscache_load_max(const char *path, unsigned char **data, size_t *len,
	    time_t *verified, time_t max_age);

/*
 * Stores len bytes of session data at path, with the time its chain was
 * verified, creating the directory (0700) when missing: a temporary
 * file, then rename. Returns 0, or -1 (said with -v) when it could not.
 */
int	tlscache_store(const char *path, const unsigned char *data,
	    size_t len, time_t verified);

/* Removes the session at path, if any: it was refused or used up. */
void	tlscache_remove(const char *path);

#endif
