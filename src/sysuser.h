/*
 * sysuser: the machine-wide set-up. One system user, "postie", alone
 * reads SYSCONFDIR/postie.conf and owns the system spool
 * (LOCALSTATEDIR/spool/postie): its queue, the maildrop that every local
 * user may drop a message into, and the quarantine of what the pickup
 * refused. Root hands its system work to that user before it reads the
 * configuration, so no server's reply is ever parsed as root.
 *
 *   SPOOL		postie 0711: the system queue (tmp/, queue/, failed/)
 *   SPOOL/incoming	postie:postie 3733: anyone writes, nobody lists;
 *			the group of a new file is postie (setgid), the
 *			sticky bit keeps users off each other's files
 *   SPOOL/maildrop	the same: files are renamed in from incoming/ once
 *			complete, so it is empty when nothing is to do
 *   SPOOL/quarantine	postie 0700: maildrop files the pickup refused
 *   SPOOL/hold		postie 1711: maildrop files the pickup could not
 *			queue for a reason not theirs (the configuration,
 *			a full disk): every run tries them again, but the
 *			path unit watches only maildrop/, so they do not
 *			start run after run
 *   SPOOL/status	postie 0711: for each message from the maildrop, a
 *			copy of its envelope named by the maildrop file's
 *			random name, which only its user knows (mailq)
 */
#ifndef POSTIE_SYSUSER_H
#define POSTIE_SYSUSER_H

#include <sys/types.h>

#include <stddef.h>

#include "build.h"
#include "exitcode.h"

#define SYSUSER_NAME		"postie"
#define SYSUSER_SPOOL		POSTIE_LOCALSTATEDIR "/spool/postie"
#define SYSUSER_INCOMING	SYSUSER_SPOOL "/incoming"
#define SYSUSER_MAILDROP	SYSUSER_SPOOL "/maildrop"
#define SYSUSER_QUARANTINE	SYSUSER_SPOOL "/quarantine"
#define SYSUSER_HOLD		SYSUSER_SPOOL "/hold"
#define SYSUSER_STATUS		SYSUSER_SPOOL "/status"
#define SYSUSER_CONFIG		POSTIE_SYSCONFDIR "/postie.conf"

struct sysuser {
	uid_t	uid;
	gid_t	gid;
	char	home[1024];
};

/* Fills u from the password database: 1 when the user exists, else 0. */
int	sysuser_lookup(struct sysuser *u);

/*
 * 1 when this process does the system's work with the system's
 * directories: it runs as the postie user, or as root on a machine
 * without one (as before the machine-wide set-up existed).
 */
int	sysuser_is_system(void);

/*
 * Where postie keeps a kind of state: LOCALSTATEDIR followed by
 * system_rel for the system (sysuser_is_system()), otherwise the user's
 * $XDG_STATE_HOME/postie (a relative one is ignored, as the XDG
 * specification says), else ~/.local/state/postie, followed by user_rel
 * (home from $HOME, else the password database). what names the state
 * in errors. Errors: FAIL_CONFIG (no home directory), FAIL_SOFTWARE
 * (buf too small).
 */
int	sysuser_state_dir(const char *system_rel, const char *user_rel,
	    const char *what, char *buf, size_t len, struct failure *f);

/*
 * Root only: becomes u for good (supplementary groups, group, user, in
 * that order, then checks that root cannot be had back), with HOME set
 * to u's home and the XDG variables dropped, so that every default
 * path is the system user's. Errors: FAIL_OS.
 */
int	sysuser_become(const struct sysuser *u, struct failure *f);

#endif
