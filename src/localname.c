/*
 * localname: the names of the local user and host (see localname.h).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "localname.h"

#define MAILNAME_PATH	"/etc/mailname"
#define BLANKS		" \t\r"

static int	copy(char *, size_t, const char *);

/* The placeholders of localname_expand(). */
static const struct {
	char		 letter;
	const char	*what;
	int		(*get)(char *, size_t);
} names[] = {
	{ 'U', "user name",		localname_user },
	{ 'H', "host name",		localname_host },
	{ 'C', "canonical host name",	localname_canonical },
	{ 'M', "mail name",		localname_mailname },
};

/*
 * The password database first: $USER is inherited, and a daemon that
 * dropped privileges (PHP under www-data started by root) still has
 * root's. msmtp asks $USER first; postie asks it only as a fallback.
 */
/* Whose message this is, when not ours: a maildrop pickup's sender. */
static const char *user_override;

const char *
localname_set_user(const char *name)
{
	const char	*was = user_override;

	user_override = name;
	return was;
}

int
localname_user(char *buf, size_t len)
{
	struct passwd	*pw;
	const char	*name;

	if (user_override != NULL)
		return copy(buf, len, user_override);
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name != NULL &&
	    pw->pw_name[0] != '\0')
		return copy(buf, len, pw->pw_name);
	if ((name = getenv("USER")) != NULL && name[0] != '\0')
		return copy(buf, len, name);
	errno = ENOENT;
	return -1;
}

int
localname_host(char *buf, size_t len)
{
	char	host[LOCALNAME_MAX + 1];

	if (gethostname(host, sizeof(host)) == -1)
		return -1;
	/* POSIX leaves a truncated name without its NUL. */
	host[LOCALNAME_MAX] = '\0';
	if (host[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	return copy(buf, len, host);
}

int
localname_canonical(char *buf, size_t len)
{
	struct addrinfo	 hints, *res;
	char		 host[LOCALNAME_MAX];
	int		 r;

	if (localname_host(host, sizeof(host)) == -1)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return copy(buf, len, host);
	if (res->ai_canonname != NULL && res->ai_canonname[0] != '\0')
		r = copy(buf, len, res->ai_canonname);
	else
		r = copy(buf, len, host);
	freeaddrinfo(res);
	return r;
}

int
localname_mailname(char *buf, size_t len)
{
	FILE	*fp;
	char	*line = NULL, *s;
	size_t	 cap = 0, n;
	int	 r = 1, saved;

	if ((fp = fopen(MAILNAME_PATH, "re")) == NULL)
		return localname_canonical(buf, len);
	if (getline(&line, &cap, fp) != -1) {
		s = line + strspn(line, BLANKS);
		n = strcspn(s, "\n");
		while (n > 0 && strchr(BLANKS, s[n - 1]) != NULL)
			n--;
		s[n] = '\0';
		if (n > 0)
			r = copy(buf, len, s);
	}
	saved = errno;
	free(line);
	fclose(fp);
	errno = saved;
	/* An empty file names nothing. */
	return r == 1 ? localname_canonical(buf, len) : r;
}

int
localname_expand(const char *s, char **out, struct failure *f)
{
	struct buf	 b = BUF_INIT;
	char		 val[POSTIE_NELEM(names)][LOCALNAME_MAX];
	unsigned	 have = 0;
	size_t		 i, n;

	*out = NULL;
	for (;;) {
		n = strcspn(s, "%");
		if (buf_append(&b, s, n) == -1)
			goto oom;
		if ((s += n)[0] == '\0')
			break;
		for (i = 0; i < POSTIE_NELEM(names); i++)
			if (s[1] == names[i].letter)
				break;
		if (i == POSTIE_NELEM(names)) {
			/* "%%" is one "%"; any other "%" stays. */
			if (buf_append(&b, "%", 1) == -1)
				goto oom;
			s += 1 + (s[1] == '%');
			continue;
		}
		if ((have & (1U << i)) == 0) {
			if (names[i].get(val[i], sizeof(val[i])) == -1) {
				buf_free(&b, 0);
				return fail(f, FAIL_CONFIG, "cannot tell the %s "
				    "for %%%c: %s", names[i].what,
				    names[i].letter, strerror(errno));
			}
			have |= 1U << i;
		}
		if (buf_append(&b, val[i], strlen(val[i])) == -1)
			goto oom;
		s += 2;
	}
	if (b.data == NULL && (b.data = strdup("")) == NULL)
		goto oom;
	*out = b.data;
	return 0;
oom:
	buf_free(&b, 0);
	return fail(f, FAIL_OS, "out of memory");
}

/* strlcpy, with a name too long for buf an error rather than cut. */
static int
copy(char *buf, size_t len, const char *name)
{
	if (strlcpy(buf, name, len) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
