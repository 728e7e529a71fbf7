/*
 * aliases: msmtp's aliases file (see aliases.h).
 *
 *	# comment
 *	root: admin@example.org, "Ops" <ops@example.org>
 *	default: me@example.org
 *
 * A "#" outside double quotes starts a comment, as in msmtp (which cuts
 * at any "#"; the quotes are for display names). The first ":" ends the
 * name, so the list may hold a group ("team: a@x, b@y;"). The whole file
 * is read at once; there is no line length limit.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aliases.h"
#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "localname.h"

/* An aliases file this large is a mistake. */
#define ALIASES_MAX_SIZE	(1024 * 1024)
#define BLANKS			" \t"
#define DEFAULT_NAME		"default"

struct alias {
	char		*name;
	struct addrlist	 to;
	size_t		 line;
};

struct aliases {
	struct alias	*v;
	size_t		 n;
};

struct parser {
	struct aliases	*al;
	const char	*name;		/* the file, for messages */
	size_t		 line;
	struct failure	*f;
};

/* The names of this host a local address may have after "@", besides
 * "localhost"; each asked for only when needed, at most once. */
static int (*const host_names[])(char *, size_t) = {
	localname_host,
	localname_canonical,
};

struct hostnames {
	unsigned	tried;
	unsigned	ok;
	char		name[POSTIE_NELEM(host_names)][LOCALNAME_MAX];
};

static int	 parse_line(struct parser *, char *);
static char	*cut_comment(char *);
static char	*trim(char *);
static int	 name_valid(const char *);
static const struct alias *alias_find(const struct aliases *, const char *,
		    size_t);
static const struct alias *alias_for(const struct aliases *, const char *);
static int	 is_local(const char *, struct hostnames *);
static int	 add_new(struct addrlist *, const char *, struct failure *);
static int	 read_file(int, const char *, struct buf *, struct failure *);
/* A FAIL_CONFIG failure, as "FILE:LINE: text". */
#define perr(p, ...) \
	config_fail_at((p)->f, (p)->name, (p)->line, __VA_ARGS__)

int
aliases_load(struct aliases **out, const char *path, struct failure *f)
{
	struct buf	text = BUF_INIT;
	int		fd, r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) ==
	    -1)
		return fail(f, FAIL_CONFIG, "cannot read %s: %s", path,
		    strerror(errno));
	/* A file others can write would redirect root's mail. */
	r = config_check_owner(fd, path, f);
	if (r == 0)
		r = read_file(fd, path, &text, f);
	close(fd);
	if (r == 0)
		r = aliases_parse(out, path, text.data, text.len, f);
	buf_free(&text, 0);
	return r;
}

/* The whole file, a regular one of sane size. */
static int
read_file(int fd, const char *path, struct buf *b, struct failure *f)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		return fail(f, FAIL_CONFIG, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(f, FAIL_CONFIG, "%s: not a regular file", path);
	if (st.st_size > ALIASES_MAX_SIZE)
		return fail(f, FAIL_CONFIG, "%s: larger than %d KiB; not an "
		    "aliases file?", path, ALIASES_MAX_SIZE / 1024);
	if (fileio_read_small(fd, ALIASES_MAX_SIZE, b) == 0)
		return 0;
	if (errno == ENOMEM)
		return fail(f, FAIL_OS, "out of memory");
	if (errno == EFBIG)
		return fail(f, FAIL_CONFIG, "%s: grew while being read", path);
	return fail(f, FAIL_CONFIG, "cannot read %s: %s", path,
	    strerror(errno));
}

int
aliases_parse(struct aliases **out, const char *name, const char *text,
    size_t len, struct failure *f)
{
	struct parser	 p;
	const char	*end = text + len, *nl;
	char		*line;
	size_t		 n;
	int		 r = 0;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.name = name != NULL ? name : "(aliases)";
	p.f = f;
	if ((p.al = calloc(1, sizeof(*p.al))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	while (r == 0 && text < end) {
		p.line++;
		nl = memchr(text, '\n', (size_t)(end - text));
		n = (size_t)((nl != NULL ? nl : end) - text);
		if (memchr(text, '\0', n) != NULL) {
			r = perr(&p, "contains a NUL byte; not a text file?");
			break;
		}
		if ((line = strndup(text, n)) == NULL) {
			r = fail(f, FAIL_OS, "out of memory");
			break;
		}
		r = parse_line(&p, line);
		free(line);
		text += n + (nl != NULL);
	}
	if (r == -1) {
		aliases_free(p.al);
		return -1;
	}
	*out = p.al;
	return 0;
}

/* name: address, address, ... */
static int
parse_line(struct parser *p, char *line)
{
	struct alias	*v, a;
	const struct alias *old;
	char		*colon, *list;

	line = trim(cut_comment(line));
	if (*line == '\0')
		return 0;
	if ((colon = strchr(line, ':')) == NULL)
		return perr(p, "expected 'name: address, ...'");
	*colon = '\0';
	a.name = trim(line);
	list = colon + 1;
	if (!name_valid(a.name))
		return perr(p, "'%.80s' is not a local name", a.name);
	if ((old = alias_find(p->al, a.name, strlen(a.name))) != NULL)
		return perr(p, "alias %.80s is already defined at line %zu",
		    a.name, old->line);
	memset(&a.to, 0, sizeof(a.to));
	a.line = p->line;
	if (addr_parse_list(list, strlen(list), &a.to, p->f) == -1) {
		addrlist_free(&a.to);
		if (p->f != NULL && p->f->kind == FAIL_OS)
			return -1;
		return perr(p, "alias %.80s: %s", a.name,
		    p->f != NULL ? p->f->text : "bad address list");
	}
	if (a.to.n == 0)
		return perr(p, "alias %.80s: no address", a.name);
	v = reallocarray(p->al->v, p->al->n + 1, sizeof(*v));
	if (v == NULL || (a.name = strdup(a.name)) == NULL) {
		if (v != NULL)
			p->al->v = v;
		addrlist_free(&a.to);
		return fail(p->f, FAIL_OS, "out of memory");
	}
	p->al->v = v;
	p->al->v[p->al->n++] = a;
	return 0;
}

/* In place: the line up to its first "#" outside double quotes. */
static char *
cut_comment(char *s)
{
	char	*c;
	int	 quoted = 0;

	for (c = s; *c != '\0'; c++) {
		if (quoted && *c == '\\' && c[1] != '\0')
			c++;
		else if (*c == '"')
			quoted = !quoted;
		else if (*c == '#' && !quoted) {
			*c = '\0';
			break;
		}
	}
	return s;
}

/* In place: without blanks (and a CR) at either end. */
static char *
trim(char *s)
{
	size_t	n;

	s += strspn(s, BLANKS);
	for (n = strlen(s); n > 0 && strchr(BLANKS "\r", s[n - 1]) != NULL;
	    n--)
		s[n - 1] = '\0';
	return s;
}

/* A local part without "@", blanks, quotes or control characters. */
static int
name_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '@' ||
		    *s == '"')
			return 0;
	return 1;
}

/* The alias for the first len bytes of name, ignoring case. */
static const struct alias *
alias_find(const struct aliases *al, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < al->n; i++)
		if (strlen(al->v[i].name) == len &&
		    strncasecmp(al->v[i].name, name, len) == 0)
			return &al->v[i];
	return NULL;
}

/* addr's alias by its local part, or the default, or NULL. */
static const struct alias *
alias_for(const struct aliases *al, const char *addr)
{
	const struct alias	*a;
	const char		*at = strrchr(addr, '@');
	size_t			 len = at != NULL ? (size_t)(at - addr) :
				    strlen(addr);

	if ((a = alias_find(al, addr, len)) != NULL)
		return a;
	return alias_find(al, DEFAULT_NAME, strlen(DEFAULT_NAME));
}

int
aliases_apply(const struct aliases *al, struct addrlist *rcpts,
    struct failure *f)
{
	struct addrlist		 out = ADDRLIST_INIT;
	struct hostnames	 hn;
	const struct alias	*a;
	size_t			 i, j;

	memset(&hn, 0, sizeof(hn));
	for (i = 0; i < rcpts->n; i++) {
		a = NULL;
		if (is_local(rcpts->v[i], &hn))
			a = alias_for(al, rcpts->v[i]);
		if (a == NULL) {
			if (add_new(&out, rcpts->v[i], f) == -1)
				goto fail;
			continue;
		}
		for (j = 0; j < a->to.n; j++)
			if (add_new(&out, a->to.v[j], f) == -1)
				goto fail;
	}
	addrlist_free(rcpts);
	*rcpts = out;
	return 0;
fail:
	addrlist_free(&out);
	return -1;
}

static int
add_new(struct addrlist *l, const char *addr, struct failure *f)
{
	if (addrlist_has(l, addr))
		return 0;
	return addrlist_add(l, addr, f);
}

int
aliases_is_local(const char *addr)
{
	struct hostnames	hn;

	memset(&hn, 0, sizeof(hn));
	return is_local(addr, &hn);
}

static int
is_local(const char *addr, struct hostnames *hn)
{
	const char	*domain = strrchr(addr, '@');
	unsigned	 bit;
	size_t		 i;

	if (domain == NULL)
		return 1;
	if (strcasecmp(++domain, "localhost") == 0)
		return 1;
	for (i = 0; i < POSTIE_NELEM(host_names); i++) {
		bit = 1U << i;
		if ((hn->tried & bit) == 0) {
			hn->tried |= bit;
			if (host_names[i](hn->name[i], sizeof(hn->name[i])) ==
			    0)
				hn->ok |= bit;
		}
		if ((hn->ok & bit) != 0 && strcasecmp(domain, hn->name[i]) == 0)
			return 1;
	}
	return 0;
}

void
aliases_free(struct aliases *al)
{
	size_t	i;

	if (al == NULL)
		return;
	for (i = 0; i < al->n; i++) {
		free(al->v[i].name);
		addrlist_free(&al->v[i].to);
	}
	free(al->v);
	free(al);
}

