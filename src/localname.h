/*
 * localname: the names of the local user and host, as msmtp uses them in
 * "from" and "domain" (%U, %H, %C, %M) and as the aliases file needs them
 * to tell a local recipient from a remote one.
 *
 * Nothing is cached: each call asks the system again, so a caller that
 * needs a name many times keeps it.
 */
#ifndef POSTIE_LOCALNAME_H
#define POSTIE_LOCALNAME_H

#include <stddef.h>

#include "exitcode.h"

/* Room for any of the names below (a domain is at most 253 octets). */
#define LOCALNAME_MAX 256

/*
 * Each fills buf (len bytes) and returns 0, or -1 with errno set when
 * there is no such name or it does not fit:
 *   localname_user: the password database's name for getuid(), or $USER
 *     when the database has none (a container without the uid);
 *   localname_host: gethostname();
 *   localname_canonical: the canonical name of gethostname() in the
 *     resolver (getaddrinfo with AI_CANONNAME), or gethostname() itself
 *     when the resolver does not know it;
 *   localname_mailname: the first line of /etc/mailname (Debian's mail
 *     name), or localname_canonical() when there is none.
 */
int	localname_user(char *buf, size_t len);

/*
 * From now on localname_user() (and so %U) is name, not this process's
 * user; NULL undoes it. The maildrop pickup sends as the postie user a
 * message that another user dropped: %U is that user. name must live
 * until it is undone. Returns the name it replaces (NULL: none).
 */
const char *localname_set_user(const char *name);
int	localname_host(char *buf, size_t len);
int	localname_canonical(char *buf, size_t len);
int	localname_mailname(char *buf, size_t len);

/*
 * Replaces msmtp's placeholders in s: %U user, %H host, %C canonical
 * host, %M mail name (each as above), and %% by one %. Any other "%x"
 * stays as it is, as in msmtp. *out is malloc'd.
 *
 * Errors: FAIL_CONFIG ("cannot tell the user name (%U): ..." and so on
 * for a name the system does not have), FAIL_OS on memory.
 */
int	localname_expand(const char *s, char **out, struct failure *f);

#endif
