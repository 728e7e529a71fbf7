/*
 * sysuser: the postie system user and its privileges (see sysuser.h).
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "sysuser.h"

int
sysuser_lookup(struct sysuser *u)
{
	struct passwd	*pw;

	memset(u, 0, sizeof(*u));
	if ((pw = getpwnam(SYSUSER_NAME)) == NULL)
		return 0;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (pw->pw_dir == NULL || strlcpy(u->home, pw->pw_dir,
	    sizeof(u->home)) >= sizeof(u->home))
		u->home[0] = '\0';
	return 1;
}

int
sysuser_is_system(void)
{
	struct sysuser	u;
	int		found = sysuser_lookup(&u);

	if (geteuid() == 0)
		return !found;
	return found && geteuid() == u.uid;
}

int
sysuser_state_dir(const char *system_rel, const char *user_rel,
    const char *what, char *buf, size_t len, struct failure *f)
{
	const char	*base, *mid = "";
	struct passwd	*pw;
	int		 n;

	if (sysuser_is_system()) {
		base = POSTIE_LOCALSTATEDIR;
		user_rel = system_rel;
	} else if ((base = getenv("XDG_STATE_HOME")) != NULL &&
	    base[0] == '/')
		mid = "/postie";
	else {
		mid = "/.local/state/postie";
		if ((base = getenv("HOME")) == NULL || base[0] != '/') {
			if ((pw = getpwuid(getuid())) == NULL ||
			    pw->pw_dir == NULL || pw->pw_dir[0] != '/')
				return fail(f, FAIL_CONFIG, "no home directory "
				    "for the %s (set HOME)", what);
			base = pw->pw_dir;
		}
	}
	n = snprintf(buf, len, "%s%s%s", base, mid, user_rel);
	if (n < 0 || (size_t)n >= len)
		return fail(f, FAIL_SOFTWARE, "%s directory name too long: "
		    "%s%s%s", what, base, mid, user_rel);
	return 0;
}

int
sysuser_become(const struct sysuser *u, struct failure *f)
{
	if (u->uid == 0)
		return fail(f, FAIL_CONFIG, "the %s user is root: refusing to "
		    "run the system queue as root", SYSUSER_NAME);
	if (setgroups(1, &u->gid) == -1 || setgid(u->gid) == -1 ||
	    setuid(u->uid) == -1)
		return fail(f, FAIL_OS, "cannot become the %s user: %s",
		    SYSUSER_NAME, strerror(errno));
	/* A half-dropped process would be worse than none. */
	if (setuid(0) != -1 || geteuid() != u->uid || getegid() != u->gid)
		return fail(f, FAIL_OS, "could still regain root after "
		    "becoming the %s user", SYSUSER_NAME);
	if ((u->home[0] != '\0' && setenv("HOME", u->home, 1) == -1) ||
	    unsetenv("XDG_CONFIG_HOME") == -1 ||
	    unsetenv("XDG_STATE_HOME") == -1 ||
	    unsetenv("XDG_CACHE_HOME") == -1)
		return fail(f, FAIL_OS, "%s", strerror(errno));
	return 0;
}
