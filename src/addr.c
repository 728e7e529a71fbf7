/*
 * addr: RFC 5322 address lists, one address at a time (see addr.h).
 *
 * A small lexer turns the text into tokens (atoms, quoted strings, domain
 * literals, dots and the specials < > @ : ; ,), skipping white space and
 * nested comments. The parser looks ahead to the element's delimiter to
 * tell a display name (ended by "<" or ":") from an addr-spec, then
 * rebuilds the addr-spec from its tokens without the white space and
 * comments that RFC 5322's obsolete syntax lets sit between them, and
 * notes where its first and last tokens lie for a caller that edits the
 * text in place (rewrite_domain). addr_next() stops after each address;
 * the check that "," or the end follows it is made on the next call, so
 * that an address before an error is still yielded.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"

enum tok_kind {
	TOK_END,
	TOK_ATOM,
	TOK_QUOTED,		/* "...", quotes included */
	TOK_LITERAL,		/* [...], brackets included */
	TOK_DOT,
	TOK_SPECIAL,		/* one of < > @ : ; , */
};

struct token {
	enum tok_kind	 kind;
	const char	*p;
	size_t		 len;
};

#define ADDR_SPECIALS	"<>@:;,"
#define ADDR_SHOW_MAX	60	/* of the text shown in an error */

static int	is_ctl(unsigned char c);
static int	is_wsp(unsigned char c);
static int	tok_is(const struct token *t, char c);
static int	parse_error(struct addr_iter *ps, const char *why);
static int	lex_comment(struct addr_iter *ps);
static int	lex_skip_cfws(struct addr_iter *ps);
static int	lex_delimited(struct addr_iter *ps, char close,
		    struct token *t);
static int	lex_next(struct addr_iter *ps, struct token *t);
static int	lex_peek(struct addr_iter *ps, struct token *t);
static int	spec_append(struct addr_iter *ps, const struct token *t);
static int	parse_domain(struct addr_iter *ps);
static int	parse_spec(struct addr_iter *ps, struct addr_span *a);
static int	parse_route(struct addr_iter *ps);
static int	parse_angle(struct addr_iter *ps, struct addr_span *a);
static int	scan_delimiter(struct addr_iter *ps, struct token *t);
static int	parse_element(struct addr_iter *ps, struct addr_span *a);
static int	expect_separator(struct addr_iter *ps);
static int	addr_equal(const char *a, const char *b);

int
addrlist_add(struct addrlist *l, const char *addr, struct failure *f)
{
	char	**v, *copy;
	size_t	  cap;

	if (l->n == l->cap) {
		cap = l->cap == 0 ? 8 : l->cap * 2;
		if ((v = reallocarray(l->v, cap, sizeof(*v))) == NULL)
			return fail(f, FAIL_OS, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	if ((copy = strdup(addr)) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	l->v[l->n++] = copy;
	return 0;
}

/* RFC 5321 2.4: the local part may be case-sensitive, the domain is not. */
static int
addr_equal(const char *a, const char *b)
{
	const char	*da, *db;

	da = strrchr(a, '@');
	db = strrchr(b, '@');
	if (da == NULL || db == NULL)
		return da == db && strcmp(a, b) == 0;
	return da - a == db - b && memcmp(a, b, (size_t)(da - a)) == 0 &&
	    strcasecmp(da + 1, db + 1) == 0;
}

int
addrlist_has(const struct addrlist *l, const char *addr)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (addr_equal(l->v[i], addr))
			return 1;
	return 0;
}

void
addrlist_free(struct addrlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int
addr_is_null(const char *addr)
{
	return addr[0] == '\0' || strcmp(addr, "<>") == 0;
}

int
addr_check_envelope(const char *addr, int null_ok, struct failure *f)
{
	const unsigned char	*p;
	int			 quoted = 0, comment = 0, angle = 0;

	if (addr_is_null(addr))
		return null_ok ? 0 : fail(f, FAIL_USAGE, "\"%s\": the null "
		    "address is not a valid recipient", addr);
	for (p = (const unsigned char *)addr; *p != '\0'; p++) {
		if (is_ctl(*p) || *p == '\r' || *p == '\n')
			return fail(f, FAIL_USAGE, "\"%s\": an address may not "
			    "hold a control character", addr);
		if (*p == '\\' && (quoted || comment) && p[1] != '\0')
			p++;
		else if (*p == '"' && !comment)
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (*p == '(')
			comment++;
		else if (*p == ')' && comment > 0)
			comment--;
		else if (comment > 0)
			continue;
		else if (*p == '<' && angle++ > 0)
			return fail(f, FAIL_USAGE, "\"%s\": nested \"<\"", addr);
		else if (*p == '>' && angle-- == 0)
			return fail(f, FAIL_USAGE, "\"%s\": \">\" without \"<\"",
			    addr);
	}
	if (angle > 0)
		return fail(f, FAIL_USAGE, "\"%s\": \"<\" without \">\"", addr);
	return 0;
}

int
addr_parse_list(const char *text, size_t len, struct addrlist *l,
    struct failure *f)
{
	struct addr_iter	it;
	struct addr_span	a;
	int			rc;

	addr_iter_init(&it, text, len, ADDR_SEMICOLON);
	while ((rc = addr_next(&it, &a, f)) == 1)
		if (!addrlist_has(l, a.spec) &&
		    (rc = addrlist_add(l, a.spec, f)) == -1)
			break;
	addr_iter_free(&it);
	return rc;
}

void
addr_iter_init(struct addr_iter *it, const char *text, size_t len, int flags)
{
	memset(it, 0, sizeof(*it));
	it->text = it->p = it->elem = text;
	it->end = text + len;
	it->flags = flags;
}

void
addr_iter_free(struct addr_iter *it)
{
	buf_free(&it->spec, 0);
}

/*
 * Empty elements ("a,,b") are obs-addr-list; a ";" outside a group is
 * taken as a separator with ADDR_SEMICOLON, as people type it (and some
 * clients write it). A group still open at the end is closed silently.
 */
int
addr_next(struct addr_iter *ps, struct addr_span *a, struct failure *f)
{
	struct token	t;
	int		rc;

	ps->f = f;
	if (ps->after_addr && expect_separator(ps) == -1)
		return -1;
	for (;;) {
		if (lex_skip_cfws(ps) == -1)
			return -1;
		ps->elem = ps->p;
		if (lex_peek(ps, &t) == -1)
			return -1;
		if (t.kind == TOK_END)
			return 0;
		if (tok_is(&t, ';') && !ps->in_group &&
		    !(ps->flags & ADDR_SEMICOLON))
			return parse_error(ps, "\";\" outside a group");
		if (tok_is(&t, ',') || tok_is(&t, ';')) {
			if (tok_is(&t, ';'))
				ps->in_group = 0;
			ps->p++;
			continue;
		}
		memset(a, 0, sizeof(*a));
		if ((rc = parse_element(ps, a)) == -1)
			return -1;
		if (rc == 0) {
			ps->after_addr = 1;
			return 1;
		}
		/* A group's start: what follows must still lex. */
		if (lex_peek(ps, &t) == -1)
			return -1;
	}
}

int
addr_is_atext(unsigned char c)
{
	return c >= 0x80 || (c > ' ' && c < 0x7f &&
	    strchr("()<>[]:;@\\,.\"", c) == NULL);
}

/* CR and LF are not control characters here: they are folding. */
static int
is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
tok_is(const struct token *t, char c)
{
	return t->kind == TOK_SPECIAL && t->p[0] == c;
}

static int
parse_error(struct addr_iter *ps, const char *why)
{
	size_t	n;

	n = (size_t)(ps->end - ps->elem);
	if (n > ADDR_SHOW_MAX)
		n = ADDR_SHOW_MAX;
	while (n > 0 && is_wsp((unsigned char)ps->elem[n - 1]))
		n--;
	return fail(ps->f, FAIL_DATA, "%s in \"%.*s%s\"", why, (int)n,
	    ps->elem, ps->end - ps->elem > ADDR_SHOW_MAX ? "..." : "");
}

/* RFC 5322 3.2.2: comments nest, and hold quoted-pairs. */
static int
lex_comment(struct addr_iter *ps)
{
	int	depth = 0;

	for (; ps->p < ps->end; ps->p++) {
		if (*ps->p == '\\' && ps->p + 1 < ps->end)
			ps->p++;
		else if (*ps->p == '(')
			depth++;
		else if (*ps->p == ')' && --depth == 0) {
			ps->p++;
			return 0;
		}
	}
	return parse_error(ps, "unterminated comment");
}

static int
lex_skip_cfws(struct addr_iter *ps)
{
	while (ps->p < ps->end) {
		if (is_wsp((unsigned char)*ps->p))
			ps->p++;
		else if (*ps->p == '(') {
			if (lex_comment(ps) == -1)
				return -1;
		} else
			break;
	}
	return 0;
}

/* A quoted string or a domain literal, p at its opening character. */
static int
lex_delimited(struct addr_iter *ps, char close, struct token *t)
{
	const char	*q;

	for (q = ps->p + 1; q < ps->end && *q != close; q++) {
		if (*q == '\\' && q + 1 < ps->end)
			q++;
		if (is_ctl((unsigned char)*q) || (q[-1] == '\\' &&
		    (*q == '\r' || *q == '\n')))
			return parse_error(ps, "control character");
	}
	if (q == ps->end)
		return parse_error(ps, close == '"' ? "unterminated quoted "
		    "string" : "unterminated domain literal");
	t->kind = close == '"' ? TOK_QUOTED : TOK_LITERAL;
	t->p = ps->p;
	t->len = (size_t)(q + 1 - ps->p);
	ps->p = q + 1;
	return 0;
}

static int
lex_next(struct addr_iter *ps, struct token *t)
{
	const char	*q;
	unsigned char	 c;

	if (lex_skip_cfws(ps) == -1)
		return -1;
	t->p = ps->p;
	t->len = 1;
	if (ps->p == ps->end) {
		t->kind = TOK_END;
		t->len = 0;
		return 0;
	}
	c = (unsigned char)*ps->p;
	if (c == '"')
		return lex_delimited(ps, '"', t);
	if (c == '[')
		return lex_delimited(ps, ']', t);
	if (c == '.' || strchr(ADDR_SPECIALS, c) != NULL) {
		t->kind = c == '.' ? TOK_DOT : TOK_SPECIAL;
		ps->p++;
		return 0;
	}
	if (!addr_is_atext(c))
		return parse_error(ps, is_ctl(c) ? "control character" :
		    "unexpected character");
	for (q = ps->p; q < ps->end && addr_is_atext((unsigned char)*q); q++)
		;
	t->kind = TOK_ATOM;
	t->len = (size_t)(q - ps->p);
	ps->p = q;
	return 0;
}

static int
lex_peek(struct addr_iter *ps, struct token *t)
{
	const char	*save = ps->p;

	if (lex_next(ps, t) == -1)
		return -1;
	ps->p = save;
	return 0;
}

/* Folding inside a quoted string or literal is not part of the address. */
static int
spec_append(struct addr_iter *ps, const struct token *t)
{
	size_t	i;

	if (ps->spec_start == NULL)
		ps->spec_start = t->p;
	ps->spec_end = t->p + t->len;
	for (i = 0; i < t->len; i++)
		if (t->p[i] != '\r' && t->p[i] != '\n' &&
		    buf_append(&ps->spec, t->p + i, 1) == -1)
			return fail(ps->f, FAIL_OS, "out of memory");
	return 0;
}

/* dot-atom or domain-literal; obs-domain's CFWS around dots is allowed. */
static int
parse_domain(struct addr_iter *ps)
{
	struct token	t;
	enum tok_kind	prev = TOK_DOT;

	if (lex_peek(ps, &t) == -1)
		return -1;
	if (t.kind == TOK_LITERAL)
		return lex_next(ps, &t) == -1 ? -1 : spec_append(ps, &t);
	for (;;) {
		if (lex_peek(ps, &t) == -1)
			return -1;
		if (t.kind != TOK_ATOM && t.kind != TOK_DOT)
			break;
		if (t.kind == prev)
			return parse_error(ps, "bad domain");
		prev = t.kind;
		if (lex_next(ps, &t) == -1 || spec_append(ps, &t) == -1)
			return -1;
	}
	if (prev != TOK_ATOM)
		return parse_error(ps, "bad domain");
	return 0;
}

/*
 * local-part ["@" domain]. The local part is lenient about dots (real
 * addresses have "a..b" and "a.") but two words in a row are a phrase
 * without an address.
 */
static int
parse_spec(struct addr_iter *ps, struct addr_span *a)
{
	struct token	t;
	int		prev_word = 0;

	buf_reset(&ps->spec);
	ps->spec_start = NULL;
	for (;;) {
		if (lex_peek(ps, &t) == -1)
			return -1;
		if (t.kind != TOK_ATOM && t.kind != TOK_QUOTED &&
		    t.kind != TOK_DOT)
			break;
		if (t.kind != TOK_DOT && prev_word)
			return parse_error(ps, "a name without an address");
		prev_word = t.kind != TOK_DOT;
		if (lex_next(ps, &t) == -1 || spec_append(ps, &t) == -1)
			return -1;
	}
	if (ps->spec.len == 0)
		return parse_error(ps, tok_is(&t, '@') ? "no local part" :
		    "no address");
	a->bare = !tok_is(&t, '@');
	if (!a->bare && (lex_next(ps, &t) == -1 ||
	    spec_append(ps, &t) == -1 || parse_domain(ps) == -1))
		return -1;
	a->start = (size_t)(ps->spec_start - ps->text);
	a->end = (size_t)(ps->spec_end - ps->text);
	a->spec = ps->spec.data;
	return 0;
}

/* RFC 5322 4.4 obs-route: "@a,@b:" before the address; dropped. */
static int
parse_route(struct addr_iter *ps)
{
	struct token	t;

	for (;;) {
		if (lex_next(ps, &t) == -1)
			return -1;
		if (tok_is(&t, ':'))
			return 0;
		if (tok_is(&t, ','))
			continue;
		if (!tok_is(&t, '@'))
			return parse_error(ps, "bad source route");
		buf_reset(&ps->spec);
		if (parse_domain(ps) == -1)
			return -1;
	}
}

/* After "<": [route] addr-spec ">", or "<>" with ADDR_NULL. */
static int
parse_angle(struct addr_iter *ps, struct addr_span *a)
{
	struct token	t;

	if (lex_peek(ps, &t) == -1)
		return -1;
	if (tok_is(&t, '>') && !(ps->flags & ADDR_NULL))
		return parse_error(ps, "empty address <>");
	if (tok_is(&t, '>')) {
		buf_reset(&ps->spec);
		if (buf_append(&ps->spec, "", 0) == -1)
			return fail(ps->f, FAIL_OS, "out of memory");
		a->start = a->end = (size_t)(t.p - ps->text);
		a->spec = ps->spec.data;
		a->null = 1;
		ps->p++;
		return 0;
	}
	if (tok_is(&t, '@') && parse_route(ps) == -1)
		return -1;
	if (parse_spec(ps, a) == -1 || lex_next(ps, &t) == -1)
		return -1;
	if (!tok_is(&t, '>'))
		return parse_error(ps, "\"<\" without \">\"");
	return 0;
}

/* Skips to the token that ends a display name or an addr-spec. */
static int
scan_delimiter(struct addr_iter *ps, struct token *t)
{
	for (;;) {
		if (lex_next(ps, t) == -1)
			return -1;
		if (t->kind == TOK_END || tok_is(t, '<') || tok_is(t, ':') ||
		    tok_is(t, ',') || tok_is(t, ';'))
			return 0;
		if (tok_is(t, '>'))
			return parse_error(ps, "\">\" without \"<\"");
	}
}

/* One mailbox (returns 0), or the start of a group (returns 1). */
static int
parse_element(struct addr_iter *ps, struct addr_span *a)
{
	struct token	 t;
	const char	*start = ps->p;

	if (scan_delimiter(ps, &t) == -1)
		return -1;
	if (tok_is(&t, '<'))
		return parse_angle(ps, a);
	if (tok_is(&t, ':')) {
		if (ps->in_group)
			return parse_error(ps, "a group inside a group");
		ps->in_group = 1;
		return 1;
	}
	ps->p = start;
	return parse_spec(ps, a);
}

/* After an address: the end, or "," or ";" before the next element. */
static int
expect_separator(struct addr_iter *ps)
{
	struct token	t;

	ps->after_addr = 0;
	if (lex_peek(ps, &t) == -1)
		return -1;
	if (t.kind != TOK_END && !tok_is(&t, ',') && !tok_is(&t, ';'))
		return parse_error(ps, "expected \",\" after an address");
	return 0;
}
