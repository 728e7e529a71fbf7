/*
 * fuzz_addr: the one address lexer and parser (addr.c) on any bytes, as
 * To/Cc/Bcc, a recipient argument or a field rewrite_domain edits give
 * them: addr_parse_list, addr_next under both of its callers' flags,
 * addr_check_envelope, then each address as it would go out in RCPT
 * (smtp_address_out with and without SMTPUTF8, IDNA included, and
 * smtp_rcpt_command).
 * Properties: every parsed address is non-empty, found again by
 * addrlist_has(), and listed once; addr_parse_list gives what addr_next
 * yields, and fails as it does; each span lies in the text, a bare
 * name's span alone parses back to it, "<>" is an empty span before
 * ">"; "@domain" inserted after each bare name (what rewrite_domain
 * does) gives a list that parses to the same addresses, qualified; what
 * goes out on the wire is ASCII unless SMTPUTF8 was offered.
 */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzz.h"
#include "smtp.h"

#define DOMAIN		"@x.test"
#define SPANS_MAX	64

struct yield {
	char	*spec;
	size_t	 start, end;
	int	 bare, null;
};

static void
check_out(const struct addrlist *l, size_t i, int utf8)
{
	struct envelope	 env;
	struct failure	 f;
	struct buf	 cmd = BUF_INIT;
	char		*out = NULL;
	size_t		 k;

	if (smtp_address_out(l->v[i], utf8, &out, &f) == -1) {
		FUZZ_CHECK(f.kind == FAIL_REJECTED || f.kind == FAIL_OS);
		return;
	}
	if (!utf8)
		for (k = 0; out[k] != '\0'; k++)
			FUZZ_CHECK((unsigned char)out[k] < 0x80);
	memset(&env, 0, sizeof(env));
	env.from = "";
	env.rcpts = *l;
	env.dsn_notify = "success,failure";
	FUZZ_CHECK(smtp_rcpt_command(&env, i, out, SMTP_CAP_DSN |
	    (utf8 ? SMTP_CAP_SMTPUTF8 : 0), &cmd) == 0);
	FUZZ_CHECK(strncmp(cmd.data, "RCPT TO:<", 9) == 0);
	buf_free(&cmd, 0);
	free(out);
}

/* Every address of text under flags, into y; returns addr_next's end. */
static int
walk(const char *text, size_t n, int flags, struct yield *y, size_t *ny,
    struct failure *f)
{
	struct addr_iter	it;
	struct addr_span	a;
	int			rc;

	*ny = 0;
	addr_iter_init(&it, text, n, flags);
	while ((rc = addr_next(&it, &a, f)) == 1) {
		FUZZ_CHECK(a.start <= a.end && a.end <= n);
		FUZZ_CHECK(a.spec != NULL);
		FUZZ_CHECK(a.null ? (flags & ADDR_NULL) && a.start == a.end &&
		    a.end < n && text[a.end] == '>' && a.spec[0] == '\0' :
		    a.spec[0] != '\0' && a.end > a.start);
		FUZZ_CHECK(a.bare || a.null || strchr(a.spec, '@') != NULL);
		if (*ny == SPANS_MAX)
			continue;
		y[*ny].spec = strdup(a.spec);
		FUZZ_CHECK(y[*ny].spec != NULL);
		y[*ny].start = a.start;
		y[*ny].end = a.end;
		y[*ny].bare = a.bare;
		y[*ny].null = a.null;
		(*ny)++;
	}
	if (rc == -1)
		FUZZ_CHECK(f->kind == FAIL_DATA || f->kind == FAIL_OS);
	addr_iter_free(&it);
	return rc;
}

static void
yield_free(struct yield *y, size_t n)
{
	while (n > 0)
		free(y[--n].spec);
}

/* A bare name's own span is a list of that one name. */
static void
check_bare(const char *text, const struct yield *y)
{
	struct yield	one[SPANS_MAX];
	struct failure	f;
	size_t		n;

	if (walk(text + y->start, y->end - y->start, 0, one, &n, &f) == 0) {
		FUZZ_CHECK(n == 1 && one[0].bare);
		FUZZ_CHECK(strcmp(one[0].spec, y->spec) == 0);
	} else
		FUZZ_CHECK(f.kind == FAIL_OS);
	yield_free(one, n);
}

/* rewrite_domain's edit: each bare name qualified, nothing else moved. */
static void
check_rewrite(const char *text, size_t n, const struct yield *y, size_t ny)
{
	struct yield	 again[SPANS_MAX];
	struct failure	 f;
	struct buf	 b = BUF_INIT, want = BUF_INIT;
	size_t		 i, prev = 0, na;

	for (i = 0; i < ny; i++) {
		if (!y[i].bare)
			continue;
		FUZZ_CHECK(buf_append(&b, text + prev, y[i].end - prev) == 0);
		FUZZ_CHECK(buf_append(&b, DOMAIN, strlen(DOMAIN)) == 0);
		prev = y[i].end;
	}
	FUZZ_CHECK(buf_append(&b, text + prev, n - prev) == 0);
	if (walk(b.data, b.len, ADDR_NULL, again, &na, &f) == 0) {
		FUZZ_CHECK(na == ny);
		for (i = 0; i < ny; i++) {
			buf_reset(&want);
			FUZZ_CHECK(buf_appendf(&want, "%s%s", y[i].spec,
			    y[i].bare ? DOMAIN : "") == 0);
			FUZZ_CHECK(!again[i].bare);
			FUZZ_CHECK(again[i].null == y[i].null);
			FUZZ_CHECK(strcmp(again[i].spec, want.data) == 0);
		}
	} else
		FUZZ_CHECK(f.kind == FAIL_OS);
	yield_free(again, na);
	buf_free(&b, 0);
	buf_free(&want, 0);
}

/* addr_parse_list is the iterator, duplicates dropped. */
static void
check_list(const char *text, size_t n)
{
	struct addrlist	 l = ADDRLIST_INIT;
	struct yield	 y[SPANS_MAX];
	struct failure	 f, fi;
	size_t		 i, j, ny;
	int		 rc, rci;

	rc = addr_parse_list(text, n, &l, &f);
	if (rc == -1)
		FUZZ_CHECK(f.kind == FAIL_DATA || f.kind == FAIL_OS);
	rci = walk(text, n, ADDR_SEMICOLON, y, &ny, &fi);
	FUZZ_CHECK(rc == (rci == -1 ? -1 : 0));
	if (rc == -1 && f.kind == FAIL_DATA)
		FUZZ_CHECK(fi.kind == FAIL_DATA &&
		    strcmp(f.text, fi.text) == 0);
	for (i = j = 0; i < ny && rc == 0; i++) {
		FUZZ_CHECK(addrlist_has(&l, y[i].spec));
		if (j < l.n && strcmp(l.v[j], y[i].spec) == 0)
			j++;
	}
	FUZZ_CHECK(rc == -1 || ny == SPANS_MAX || j == l.n);
	for (i = 0; i < l.n; i++) {
		FUZZ_CHECK(l.v[i][0] != '\0');
		FUZZ_CHECK(addrlist_has(&l, l.v[i]));
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(l.v[i], l.v[j]) != 0);
		check_out(&l, i, 0);
		check_out(&l, i, 1);
	}
	yield_free(y, ny);
	addrlist_free(&l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct yield	 y[SPANS_MAX];
	struct failure	 f;
	char		*text;
	size_t		 i, ny;

	/* Exactly n bytes, so that reading past them is caught. */
	if ((text = malloc(n > 0 ? n : 1)) == NULL)
		return 0;
	memcpy(text, data, n);
	check_list(text, n);
	if (walk(text, n, ADDR_NULL, y, &ny, &f) == 0 && ny < SPANS_MAX) {
		for (i = 0; i < ny; i++)
			if (y[i].bare)
				check_bare(text, &y[i]);
		check_rewrite(text, n, y, ny);
	}
	yield_free(y, ny);
	free(text);
	text = fuzz_strndup(data, n);
	if (addr_check_envelope(text, n > 0 && data[0] == '<', &f) == -1)
		FUZZ_CHECK(f.kind == FAIL_USAGE);
	free(text);
	return 0;
}
