/*
 * import: ssmtp, nullmailer and dma set-ups as postie accounts (see
 * import.h). What each tool's keys mean is studied from their manuals;
 * where postie keeps a guarantee the other tool did not (TLS always,
 * certificates always checked), the account keeps it and a note says
 * what changed and what to do (pin the certificate, for one).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "import.h"

#define IMPORT_FILE_MAX	(1024 * 1024)
#define LINE_MAX_LEN	1024
#define VALUE_MAX	512
#define NOTE_WIDTH	76

/* A line's key and value, as one of the parsers split it. */
struct kv {
	char	key[64];
	char	value[VALUE_MAX];
};

/*
 * What a key of ssmtp.conf or dma.conf does: a handler with the parse's
 * state, and for the generic ones the account field it sets (with the
 * check its value must pass) or the note it leaves.
 */
struct rule;
struct parse {
	struct import_result	*r;
	struct import_account	*a;
	struct server		*s;
	const struct rule	*rule;
};
struct rule {
	const char	*key;
	int		(*apply)(struct parse *, const char *);
	size_t		 field;		/* rule_field: offsetof() in the account */
	int		(*ok)(const char *);
	const char	*text;		/* rule_note: the note after the key;
					 * nullmailer_auth: the mechanism */
};

/* What the three formats say about the server, before the account. */
struct server {
	char	host[VALUE_MAX];
	int	port;
	int	tls;		/* implicit TLS or STARTTLS asked for */
	int	starttls;
	int	insecure;	/* certificate checks off */
	int	checked;	/* a CA or a fingerprint was named */
};

static const char *const side_names[SIDE_COUNT] = {
	[SIDE_REVALIASES] = "revaliases",
	[SIDE_AUTH] = "auth.conf",
	[SIDE_ADMINADDR] = "adminaddr",
	[SIDE_DEFAULTDOMAIN] = "defaultdomain",
	[SIDE_DEFAULTHOST] = "defaulthost",
	[SIDE_ME] = "me",
};

static const struct {
	enum import_format	 format;
	const char		*name;
} formats[] = {
	{ IMPORT_SSMTP, "ssmtp" },
	{ IMPORT_NULLMAILER, "nullmailer" },
	{ IMPORT_DMA, "dma" },
};

static int	next_line(const struct import_text *t, size_t *pos, char *line,
		    size_t size);
static char	*trim(char *s);
static int	note(struct buf *b, const char *fmt, ...) POSTIE_PRINTF(2, 3);
static void	kv_set(struct kv *kv, const char *key, size_t n, const char *val);
static int	port_set(struct parse *p, const char *v, struct buf *notes,
		    const char *what);
static int	printable(const char *s, const char *also_not);
static int	is_domain(const char *s);
static int	is_address(const char *s);
static int	set(struct import_account *a, char **field, const char *v,
		    const char *key, int (*ok)(const char *));
static int	ok_word(const char *s);
static int	ok_name(const char *s);
static int	ok_path(const char *s);
static int	ok_secret(const char *s);
static int	has_account(const struct import_result *r, const char *name);
static struct import_account *account_add(struct import_result *r,
		    const char *name, struct failure *f);
static int	split_hostport(const char *v, struct server *s);
static int	server_apply(struct import_account *a,
		    const struct server *s, const char *tool);
static int	loopback(const char *host);
static int	yes(const char *v);
static enum import_format detect(const struct import_input *in);
static int	known(const struct rule *rules, size_t n, const char *k,
		    int icase);
static int	first_word(const struct import_text *t, char *out,
		    size_t size);
static int	nullmailer_like(const struct import_text *t);

static int	ssmtp_parse(const struct import_input *in,
		    struct import_result *r, struct failure *f);
static int	rule_apply(const struct rule *rules, size_t n, int icase,
		    struct parse *p, const struct kv *kv);
static int	rule_field(struct parse *p, const char *v);
static int	rule_note(struct parse *p, const char *v);
static int	rule_file_note(struct parse *p, const char *v);
static int	ssmtp_mailhub(struct parse *p, const char *v);
static int	ssmtp_usetls(struct parse *p, const char *v);
static int	ssmtp_usestarttls(struct parse *p, const char *v);
static int	ssmtp_verifypeer(struct parse *p, const char *v);
static int	rule_ca_file(struct parse *p, const char *v);
static int	rule_cert_file(struct parse *p, const char *v);
static int	ssmtp_authmethod(struct parse *p, const char *v);
static int	ssmtp_rewritedomain(struct parse *p, const char *v);
static int	ssmtp_root(struct parse *p, const char *v);
static int	ssmtp_fromline(struct parse *p, const char *v);
static int	ssmtp_revaliases(const struct import_input *in,
		    struct import_result *r, const struct server *file_hub,
		    struct failure *f);
static int	nullmailer_parse(const struct import_input *in,
		    struct import_result *r, struct failure *f);
static int	nullmailer_remote(struct import_result *r, char *line,
		    struct failure *f);
static int	nullmailer_option(struct import_account *a, struct server *s,
		    const char *opt);
static int	nullmailer_sides(const struct import_input *in,
		    struct import_result *r);
static int	dma_parse(const struct import_input *in,
		    struct import_result *r, struct failure *f);
static int	dma_smarthost(struct parse *p, const char *v);
static int	dma_port(struct parse *p, const char *v);
static int	rule_tls(struct parse *p, const char *v);
static int	dma_starttls(struct parse *p, const char *v);
static int	rule_starttls(struct parse *p, const char *v);
static int	nullmailer_port(struct parse *p, const char *v);
static int	nullmailer_insecure(struct parse *p, const char *v);
static int	nullmailer_auth(struct parse *p, const char *v);
static int	dma_fingerprint_key(struct parse *p, const char *v);
static int	dma_authpath(struct parse *p, const char *v);
static int	dma_aliases(struct parse *p, const char *v);
static int	dma_mailname(struct parse *p, const char *v);
static int	dma_masquerade(struct parse *p, const char *v);
static int	dma_auth(const struct import_input *in,
		    struct import_account *a, const char *host);
static int	dma_fingerprint(struct import_account *a, const char *hex);

static int	read_text(const char *path, struct import_text *t,
		    struct failure *f);
static void	text_free(struct import_text *t);
static void	account_free(struct import_account *a);

static int	render_value(struct buf *out, const char *key, const char *v);
static int	render_account(struct buf *out, const struct import_account *a);

#define FIELD(f)	offsetof(struct import_account, f)

/* ssmtp.conf's keys, matched in any case as ssmtp does. */
static const struct rule ssmtp_rules[] = {
	{ "AuthMethod", ssmtp_authmethod, 0, NULL, NULL },
	{ "AuthPass", rule_field, FIELD(password), ok_secret, NULL },
	{ "AuthUser", rule_field, FIELD(user), ok_secret, NULL },
	{ "Debug", rule_file_note, 0, NULL, ": postie -v shows the dialogue" },
	{ "FromLineOverride", ssmtp_fromline, 0, NULL, NULL },
	{ "hostname", rule_field, FIELD(domain), is_domain, NULL },
	{ "mailhub", ssmtp_mailhub, 0, NULL, NULL },
	{ "RewriteDomain", ssmtp_rewritedomain, 0, NULL, NULL },
	{ "root", ssmtp_root, 0, NULL, NULL },
	{ "TLS_CA_Dir", rule_note, 0, NULL, ": postie takes a "
	    "file of CAs (tls_trust_file), not a directory; the system's are "
	    "used" },
	{ "TLS_CA_File", rule_ca_file, FIELD(trust_file), ok_path, NULL },
	{ "TLSCert", rule_cert_file, 0, NULL, NULL },
	{ "TLSKey", rule_field, FIELD(key_file), ok_path, NULL },
	{ "UseSTARTTLS", ssmtp_usestarttls, 0, NULL, NULL },
	{ "UseTLS", ssmtp_usetls, 0, NULL, NULL },
	{ "VerifyPeer", ssmtp_verifypeer, 0, NULL, NULL },
	{ "VerifyPeerName", ssmtp_verifypeer, 0, NULL, NULL },
};

/* dma.conf's keywords, in upper case as dma has them. */
static const struct rule dma_rules[] = {
	{ "ALIASES", dma_aliases, FIELD(aliases), ok_path, NULL },
	{ "AUTHPATH", dma_authpath, 0, NULL, NULL },
	{ "CERTFILE", rule_cert_file, 0, NULL, NULL },
	{ "DEFER", rule_file_note, 0, NULL, ": postie's queue is its "
	    "own: nothing to carry over" },
	{ "FINGERPRINT", dma_fingerprint_key, 0, NULL, NULL },
	{ "FULLBOUNCE", rule_file_note, 0, NULL, ": postie's report "
	    "(queue_bounce) has the headers: nothing to carry over" },
	{ "INSECURE", rule_note, 0, NULL, " (log in without TLS): "
	    "refused; postie sends a password only over TLS" },
	{ "MAILNAME", dma_mailname, 0, NULL, NULL },
	{ "MASQUERADE", dma_masquerade, 0, NULL, NULL },
	{ "NULLCLIENT", rule_file_note, 0, NULL, ": postie always "
	    "sends through the account's server: nothing to carry over" },
	{ "OPPORTUNISTIC_TLS", rule_note, 0, NULL, ": postie never "
	    "falls back to plaintext: TLS is required" },
	{ "PORT", dma_port, 0, NULL, NULL },
	{ "SECURETRANSFER", rule_tls, 0, NULL, NULL },
	{ "SMARTHOST", dma_smarthost, 0, NULL, NULL },
	{ "SPOOLDIR", rule_file_note, 0, NULL, ": postie's queue and "
	    "checks are its own: nothing to carry over" },
	{ "STARTTLS", dma_starttls, 0, NULL, NULL },
	{ "VERIFYCERT", rule_file_note, 0, NULL, ": postie always "
	    "checks the certificate: nothing to carry over" },
};

/* A nullmailer remote's options, without their "--". */
static const struct rule nullmailer_rules[] = {
	{ "auth-external", nullmailer_auth, 0, NULL, "external" },
	{ "auth-login", nullmailer_auth, 0, NULL, "login" },
	{ "insecure", nullmailer_insecure, 0, NULL, NULL },
	{ "pass", rule_field, FIELD(password), ok_secret, NULL },
	{ "port", nullmailer_port, 0, NULL, NULL },
	{ "source", rule_field, FIELD(source_ip), ok_word, NULL },
	{ "ssl", rule_tls, 0, NULL, NULL },
	{ "starttls", rule_starttls, 0, NULL, NULL },
	{ "tls", rule_tls, 0, NULL, NULL },
	{ "tls-anon-auth", nullmailer_insecure, 0, NULL, NULL },
	{ "user", rule_field, FIELD(user), ok_secret, NULL },
	{ "x509cafile", rule_ca_file, FIELD(trust_file), ok_path, NULL },
	{ "x509certfile", rule_cert_file, 0, NULL, NULL },
	{ "x509crlfile", rule_field, FIELD(crl_file), ok_path, NULL },
	{ "x509fmtder", rule_note, 0, NULL, ": postie reads PEM files; "
	    "convert them (certtool --inder --infile F)" },
	{ "x509keyfile", rule_field, FIELD(key_file), ok_path, NULL },
};

const char *
import_format_name(enum import_format format)
{
	size_t	i;

	for (i = 0; i < POSTIE_NELEM(formats); i++)
		if (formats[i].format == format)
			return formats[i].name;
	return "unknown";
}

int
import_parse(const struct import_input *in, struct import_result *r,
    struct failure *f)
{
	memset(r, 0, sizeof(*r));
	r->format = in->format != IMPORT_DETECT ? in->format : detect(in);
	switch (r->format) {
	case IMPORT_SSMTP:
		return ssmtp_parse(in, r, f);
	case IMPORT_NULLMAILER:
		return nullmailer_parse(in, r, f);
	case IMPORT_DMA:
		return dma_parse(in, r, f);
	default:
		break;
	}
	return fail(f, FAIL_CONFIG, "%s: not an ssmtp.conf, a nullmailer "
	    "remotes file or a dma.conf (name the format: --import "
	    "ssmtp:FILE, nullmailer:FILE or dma:FILE)", in->name);
}

/*
 * By the name the tools give their files, then by the first key: ssmtp
 * writes "key=value", dma upper-case keywords, nullmailer a host name
 * (lower case) and its protocol.
 */
static enum import_format
detect(const struct import_input *in)
{
	const char	*base;
	char		 w[LINE_MAX_LEN], *eq;

	base = (base = strrchr(in->name, '/')) != NULL ? base + 1 : in->name;
	if (strcmp(base, "ssmtp.conf") == 0)
		return IMPORT_SSMTP;
	if (strcmp(base, "remotes") == 0)
		return IMPORT_NULLMAILER;
	if (strcmp(base, "dma.conf") == 0)
		return IMPORT_DMA;
	if (first_word(&in->main, w, sizeof(w)) == -1)
		return IMPORT_DETECT;
	if ((eq = strchr(w, '=')) != NULL) {
		*eq = '\0';
		return known(ssmtp_rules, POSTIE_NELEM(ssmtp_rules), trim(w),
		    1) ? IMPORT_SSMTP : IMPORT_DETECT;
	}
	if (known(dma_rules, POSTIE_NELEM(dma_rules), w, 0))
		return IMPORT_DMA;
	if (is_domain(w) && nullmailer_like(&in->main))
		return IMPORT_NULLMAILER;
	return IMPORT_DETECT;
}

/* A remotes line: a host, then nothing, its protocol or an option. */
static int
nullmailer_like(const struct import_text *t)
{
	char	line[LINE_MAX_LEN], *s;
	size_t	pos = 0, n;

	while (next_line(t, &pos, line, sizeof(line)) == 1) {
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		s = trim(s + strcspn(s, " \t"));
		n = strcspn(s, " \t");
		return n == 0 || strncmp(s, "--", 2) == 0 ||
		    (n == 4 && (strncasecmp(s, "smtp", 4) == 0 ||
		    strncasecmp(s, "qmqp", 4) == 0));
	}
	return 0;
}

/*
 * The first line that is not blank or a comment: up to its '=' when
 * one word stands before it (ssmtp's "Key = value"), else its first
 * word (nullmailer's "host smtp --port=N" has an '=' too).
 */
static int
first_word(const struct import_text *t, char *out, size_t size)
{
	size_t	pos = 0, n;
	char	*s;

	while (next_line(t, &pos, out, size) == 1) {
		s = trim(out);
		if (*s == '\0' || *s == '#')
			continue;
		n = strcspn(s, " \t=");
		if (s[n + strspn(s + n, " \t")] == '=')
			n += strspn(s + n, " \t") + 1;
		memmove(out, s, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

static int
known(const struct rule *rules, size_t n, const char *k, int icase)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((icase ? strcasecmp(rules[i].key, k) :
		    strcmp(rules[i].key, k)) == 0)
			return 1;
	return 0;
}

/*
 * The next line of t from *pos into line (CR and LF gone); 1, or 0 at
 * the end. A line too long for line is cut: no key of the three tools
 * is that long, and the cut value fails its check.
 */
static int
next_line(const struct import_text *t, size_t *pos, char *line, size_t size)
{
	size_t	start = *pos, end, n;

	if (t->text == NULL || *pos >= t->len)
		return 0;
	for (end = start; end < t->len && t->text[end] != '\n'; end++)
		;
	*pos = end < t->len ? end + 1 : end;
	if (end > start && t->text[end - 1] == '\r')
		end--;
	n = end - start < size - 1 ? end - start : size - 1;
	memcpy(line, t->text + start, n);
	line[n] = '\0';
	return 1;
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* kv: the first n bytes of key (cut to fit), and val. */
static void
kv_set(struct kv *kv, const char *key, size_t n, const char *val)
{
	if (n >= sizeof(kv->key))
		n = sizeof(kv->key) - 1;
	memcpy(kv->key, key, n);
	kv->key[n] = '\0';
	strlcpy(kv->value, val, sizeof(kv->value));
}

/* The server's port, or a note in notes that what was not one. */
static int
port_set(struct parse *p, const char *v, struct buf *notes, const char *what)
{
	const char	*errstr;

	p->s->port = (int)strtonum(v, 1, 65535, &errstr);
	if (errstr == NULL)
		return 0;
	return note(notes, "- %s: not a port number: left out", what);
}

/*
 * One note as "# ..." comment lines of at most NOTE_WIDTH columns, the
 * lines after the first indented under its "- ", anything unprintable
 * as '?'.
 */
static int
note(struct buf *b, const char *fmt, ...)
{
	char		raw[1024], *p, *end, *cut;
	va_list		ap;
	size_t		i, room;
	int		r = 0, first = 1;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	for (i = 0; raw[i] != '\0'; i++)
		if ((unsigned char)raw[i] < 0x20 || raw[i] == 0x7f)
			raw[i] = '?';
	for (p = raw; r == 0 && *p != '\0'; first = 0) {
		room = first ? NOTE_WIDTH - 2 : NOTE_WIDTH - 4;
		end = p + strlen(p);
		cut = end;
		if ((size_t)(end - p) > room) {
			/* The last blank that fits; a longer word stays whole. */
			for (cut = p + room; cut > p && *cut != ' '; cut--)
				;
			if (cut == p && (cut = strchr(p + room, ' ')) == NULL)
				cut = end;
		}
		r = buf_appendf(b, "#%s%.*s\n", first ? " " : "   ",
		    (int)(cut - p), p);
		p = *cut == ' ' ? cut + 1 : cut;
	}
	return r;
}

/* Printable ASCII or UTF-8, none of the bytes in also_not. */
static int
printable(const char *s, const char *also_not)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f ||
		    strchr(also_not, *s) != NULL)
			return 0;
	return 1;
}

static int
ok_word(const char *s)
{
	return *s != '\0' && printable(s, " \t\"\\%#");
}

/* A local user's name, as an account's. */
static int
ok_name(const char *s)
{
	size_t	n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return n > 0 && n <= 32 && s[n] == '\0';
}

static int
ok_path(const char *s)
{
	return *s == '/' && printable(s, "\"\\");
}

static int
ok_secret(const char *s)
{
	return *s != '\0' && printable(s, "");
}

/* Letters, digits and hyphens in dot-separated labels, no label
 * starting or ending with a hyphen (RFC 1123 2.1), as config wants. */
static int
is_domain(const char *s)
{
	size_t	n;

	if (strlen(s) > 253)
		return 0;
	for (;;) {
		n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
		if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
			return 0;
		if (s[n] == '\0')
			return 1;
		if (s[n] != '.')
			return 0;
		s += n + 1;
	}
}

/* local@domain, the local part a plain word. */
static int
is_address(const char *s)
{
	const char	*at = strrchr(s, '@');

	return at != NULL && at > s && ok_word(s) && is_domain(at + 1);
}

/*
 * Sets *field to v when ok(v); otherwise leaves it and says so in the
 * account's notes. Returns -1 only when memory ran out.
 */
static int
set(struct import_account *a, char **field, const char *v, const char *key,
    int (*ok)(const char *))
{
	char	*copy;

	if (!ok(v))
		return note(&a->notes, "- %s: the value cannot stand in a "
		    "postie file (a blank, quote, %% or control character): "
		    "left out", key);
	if ((copy = strdup(v)) == NULL)
		return -1;
	if (*field != NULL)
		freezero(*field, strlen(*field));
	*field = copy;
	return 0;
}

static int
has_account(const struct import_result *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->acct[i].name, name) == 0)
			return 1;
	return 0;
}

static struct import_account *
account_add(struct import_result *r, const char *name, struct failure *f)
{
	struct import_account	*a;

	if (r->n == IMPORT_ACCOUNTS_MAX) {
		fail(f, FAIL_CONFIG, "more than %d accounts",
		    IMPORT_ACCOUNTS_MAX);
		return NULL;
	}
	a = &r->acct[r->n];
	memset(a, 0, sizeof(*a));
	if ((a->name = strdup(name)) == NULL) {
		fail(f, FAIL_OS, "out of memory");
		return NULL;
	}
	r->n++;
	return a;
}

/* "host", "host:port", "[v6]:port". */
static int
split_hostport(const char *v, struct server *s)
{
	const char	*colon, *errstr, *end;
	size_t		 n;

	end = v + strlen(v);
	if (*v == '[' && (colon = strchr(v, ']')) != NULL) {
		n = (size_t)(colon - v - 1);
		v++;
		colon = colon[1] == ':' ? colon + 1 : NULL;
	} else {
		colon = strrchr(v, ':');
		if (colon != NULL && strchr(v, ':') != colon)
			colon = NULL;	/* a bare IPv6 address */
		n = colon != NULL ? (size_t)(colon - v) : (size_t)(end - v);
	}
	if (n == 0 || n >= sizeof(s->host))
		return -1;
	memcpy(s->host, v, n);
	s->host[n] = '\0';
	if (colon != NULL) {
		s->port = (int)strtonum(colon + 1, 1, 65535, &errstr);
		if (errstr != NULL)
			return -1;
	}
	return 0;
}

static int
loopback(const char *host)
{
	return config_host_is_loopback(host);
}

static int
yes(const char *v)
{
	return strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0;
}

/*
 * The server part of account a, from s. postie never sends mail in
 * plaintext except to a loopback host, and always checks the
 * certificate: where the other tool did neither, a note says what the
 * account does instead.
 */
static int
server_apply(struct import_account *a,
    const struct server *s, const char *tool)
{
	const char	*cmd = strcmp(a->name, "default") != 0 ? " -a " : "";

	if (set(a, &a->host, s->host, "host", ok_word) == -1)
		return -1;
	a->has_server = a->host != NULL;
	a->port = s->port;
	a->tls = s->tls || !loopback(s->host);
	a->starttls = s->tls ? s->starttls : 1;
	if (!s->tls && !loopback(s->host) && note(&a->notes, "- %s sent "
	    "this mail without TLS; postie never does: STARTTLS is asked "
	    "for (a server without it is refused)", tool) == -1)
		return -1;
	if (s->insecure && note(&a->notes, "- %s did not check the "
	    "server's certificate here; postie refuses to skip the check",
	    tool) == -1)
		return -1;
	if (a->tls && !s->checked && note(&a->notes, "- postie checks the "
	    "server's certificate against the system's CAs. A self-signed "
	    "one: pin it with the tls_fingerprint line that 'postie "
	    "--serverinfo -C FILE%s%s' prints", cmd,
	    *cmd != '\0' ? a->name : "") == -1)
		return -1;
	return 0;
}

/* ssmtp. */

static int
ssmtp_parse(const struct import_input *in, struct import_result *r,
    struct failure *f)
{
	struct import_account	*a;
	struct server		 s;
	struct parse		 p;
	struct kv		 kv;
	char			 line[LINE_MAX_LEN], *l, *eq;
	size_t			 pos = 0;

	memset(&s, 0, sizeof(s));
	if ((a = account_add(r, "default", f)) == NULL)
		return -1;
	p.r = r;
	p.a = a;
	p.s = &s;
	while (next_line(&in->main, &pos, line, sizeof(line)) == 1) {
		l = trim(line);
		if (*l == '\0' || *l == '#')
			continue;
		if ((eq = strchr(l, '=')) == NULL) {
			if (note(&r->notes, "- a line without '=': ignored") ==
			    -1)
				return fail(f, FAIL_OS, "out of memory");
			continue;
		}
		*eq = '\0';
		strlcpy(kv.key, trim(l), sizeof(kv.key));
		strlcpy(kv.value, trim(eq + 1), sizeof(kv.value));
		if (rule_apply(ssmtp_rules, POSTIE_NELEM(ssmtp_rules), 1, &p,
		    &kv) == -1)
			return fail(f, FAIL_OS, "out of memory");
	}
	if (!ok_word(s.host))
		return fail(f, FAIL_CONFIG, "%s: no usable mailhub line: there "
		    "is no server to carry over", in->name);
	if (s.port == 0)
		s.port = s.tls && !s.starttls ? 465 : 25;
	if (server_apply(a, &s, "ssmtp") == -1 ||
	    ssmtp_revaliases(in, r, &s, f) == -1)
		return f->kind != FAIL_NONE ? -1 :
		    fail(f, FAIL_OS, "out of memory");
	return 0;
}

/*
 * Applies the rule for kv->key (any case with icase); a key of none
 * leaves a note. -1 only when memory ran out.
 */
static int
rule_apply(const struct rule *rules, size_t n, int icase, struct parse *p,
    const struct kv *kv)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((icase ? strcasecmp(rules[i].key, kv->key) :
		    strcmp(rules[i].key, kv->key)) == 0) {
			p->rule = &rules[i];
			return rules[i].apply(p, kv->value);
		}
	return note(&p->r->notes, "- %s: not a key postie knows in %s's file: "
	    "left out", kv->key, import_format_name(p->r->format));
}

/* The account's string field the rule names, checked by its ok(). */
static int
rule_field(struct parse *p, const char *v)
{
	char	**field = (char **)(void *)((char *)p->a + p->rule->field);

	return set(p->a, field, v, p->rule->key, p->rule->ok);
}

/* The rule's note, about the account. */
static int
rule_note(struct parse *p, const char *v)
{
	(void)v;
	return note(&p->a->notes, "- %s%s", p->rule->key, p->rule->text);
}

/* The rule's note, about the whole file. */
static int
rule_file_note(struct parse *p, const char *v)
{
	(void)v;
	return note(&p->r->notes, "- %s%s", p->rule->key, p->rule->text);
}

static int
ssmtp_mailhub(struct parse *p, const char *v)
{
	if (split_hostport(v, p->s) == 0)
		return 0;
	return note(&p->r->notes, "- mailhub: not HOST or HOST:PORT: left out");
}

static int
ssmtp_usetls(struct parse *p, const char *v)
{
	p->s->tls |= yes(v);
	return 0;
}

static int
ssmtp_usestarttls(struct parse *p, const char *v)
{
	if (yes(v))
		p->s->tls = p->s->starttls = 1;
	return 0;
}

/*
 * ssmtp 2.66's VerifyPeer and VerifyPeerName (both on by default; 2.64
 * had neither and checked nothing): yes is postie's own check against
 * the system's CAs, no a check postie refuses to skip.
 */
static int
ssmtp_verifypeer(struct parse *p, const char *v)
{
	if (!yes(v))
		p->s->insecure = 1;
	else if (strcasecmp(p->rule->key, "VerifyPeer") == 0)
		p->s->checked = 1;
	return 0;
}

static int
rule_ca_file(struct parse *p, const char *v)
{
	p->s->checked = 1;
	return rule_field(p, v);
}

/* A certificate file that holds its key too, unless a key file says
 * otherwise (ssmtp's TLSKey). */
static int
rule_cert_file(struct parse *p, const char *v)
{
	if (set(p->a, &p->a->cert_file, v, p->rule->key, ok_path) == -1)
		return -1;
	if (p->a->key_file == NULL)
		return set(p->a, &p->a->key_file, v, p->rule->key, ok_path);
	return 0;
}

static int
ssmtp_authmethod(struct parse *p, const char *v)
{
	if (strcasecmp(v, "cram-md5") == 0)
		return set(p->a, &p->a->auth, "cram-md5", "AuthMethod",
		    ok_word);
	return note(&p->a->notes, "- AuthMethod: only cram-md5 is ssmtp's; "
	    "postie picks the strongest the server offers");
}

/* The sender's domain: %U@DOMAIN, and bare names qualified with it. */
static int
ssmtp_rewritedomain(struct parse *p, const char *v)
{
	char	from[VALUE_MAX + 4];

	if (!is_domain(v))
		return note(&p->a->notes, "- RewriteDomain: not a domain "
		    "name: left out");
	snprintf(from, sizeof(from), "%%U@%s", v);
	if (set(p->a, &p->a->rewrite_domain, v, "RewriteDomain",
	    is_domain) == -1)
		return -1;
	return set(p->a, &p->a->from, from, "RewriteDomain", ok_secret);
}

static int
ssmtp_root(struct parse *p, const char *v)
{
	return note(&p->r->notes, "- root=%s: postie sends mail for root "
	    "where an aliases file says: write 'root: %s' and 'default: %s' "
	    "in one and name it with 'aliases FILE'", v, v, v);
}

static int
ssmtp_fromline(struct parse *p, const char *v)
{
	if (yes(v))
		return 0;
	return note(&p->r->notes, "- FromLineOverride=NO: postie keeps the "
	    "message's From header; 'set_from_header on' would replace it");
}

/*
 * revaliases: "local:address[:mailhub[:port]]", the sender each local
 * user's mail gets. postie chooses an account by -a or by the envelope
 * sender, not by the local user: each line is an account of its own.
 */
static int
ssmtp_revaliases(const struct import_input *in, struct import_result *r,
    const struct server *file_hub, struct failure *f)
{
	const struct import_text	*t = &in->side[SIDE_REVALIASES];
	struct import_account		*a;
	struct server			 s;
	char				 line[LINE_MAX_LEN], *l, *addr, *hub;
	size_t				 pos = 0;

	while (next_line(t, &pos, line, sizeof(line)) == 1) {
		l = trim(line);
		if (*l == '\0' || *l == '#')
			continue;
		if ((addr = strchr(l, ':')) == NULL)
			continue;
		*addr++ = '\0';
		if ((hub = strchr(addr, ':')) != NULL)
			*hub++ = '\0';
		if (!ok_name(l) || !is_address(addr) || has_account(r, l)) {
			if (note(&r->notes, "- revaliases: a line postie cannot "
			    "use: left out") == -1)
				return -1;
			continue;
		}
		if ((a = account_add(r, l, f)) == NULL)
			return -1;
		a->inherits = 1;
		if (note(&a->notes, "- revaliases: the mail of %s; postie "
		    "picks this account with -a %s, or for the sender %s",
		    l, l, addr) == -1 ||
		    set(a, &a->from, addr, "revaliases", is_address) == -1)
			return -1;
		memset(&s, 0, sizeof(s));
		if (hub != NULL && split_hostport(hub, &s) == 0 &&
		    ok_word(s.host)) {
			/* Its own server, with the file's TLS choice. */
			s.tls = file_hub->tls;
			s.starttls = file_hub->starttls;
			if (s.port == 0)
				s.port = s.tls && !s.starttls ? 465 : 25;
			s.checked = file_hub->checked;
			if (server_apply(a, &s, "ssmtp") == -1)
				return -1;
		}
	}
	return 0;
}

/* nullmailer. */

static int
nullmailer_parse(const struct import_input *in, struct import_result *r,
    struct failure *f)
{
	char	line[LINE_MAX_LEN], *l;
	size_t	pos = 0;

	while (next_line(&in->main, &pos, line, sizeof(line)) == 1) {
		l = trim(line);
		if (*l == '\0' || *l == '#')
			continue;
		if (nullmailer_remote(r, l, f) == -1)
			return -1;
	}
	if (r->n == 0)
		return fail(f, FAIL_CONFIG, "%s: no SMTP remote: there is no "
		    "server to carry over", in->name);
	if (r->n > 1 && note(&r->notes, "- nullmailer tried the remotes in "
	    "turn; postie sends through the default account, the others "
	    "with -a NAME") == -1)
		return fail(f, FAIL_OS, "out of memory");
	if (nullmailer_sides(in, r) == -1)
		return fail(f, FAIL_OS, "out of memory");
	return 0;
}

/* "host [smtp|qmqp] [--option[=value]]..." */
static int
nullmailer_remote(struct import_result *r, char *line, struct failure *f)
{
	struct import_account	*a;
	struct server		 s;
	char			 name[32], *w, *host, *save = NULL;

	host = strtok_r(line, " \t", &save);
	w = strtok_r(NULL, " \t", &save);
	if (!ok_word(host))
		return note(&r->notes, "- a remote whose name postie cannot "
		    "use: left out") == -1 ? fail(f, FAIL_OS, "out of memory") :
		    0;
	if (w != NULL && strcasecmp(w, "qmqp") == 0)
		return note(&r->notes, "- the QMQP remote %s: postie speaks "
		    "SMTP only: left out", host) == -1 ?
		    fail(f, FAIL_OS, "out of memory") : 0;
	memset(&s, 0, sizeof(s));
	if (strlcpy(s.host, host, sizeof(s.host)) >= sizeof(s.host))
		return note(&r->notes, "- a remote's name is too long: left "
		    "out") == -1 ? fail(f, FAIL_OS, "out of memory") : 0;
	snprintf(name, sizeof(name), r->n == 0 ? "default" : "remote%zu",
	    r->n + 1);
	if ((a = account_add(r, name, f)) == NULL)
		return -1;
	if (w != NULL && strcasecmp(w, "smtp") != 0 &&
	    nullmailer_option(a, &s, w) == -1)
		return fail(f, FAIL_OS, "out of memory");
	while ((w = strtok_r(NULL, " \t", &save)) != NULL)
		if (nullmailer_option(a, &s, w) == -1)
			return fail(f, FAIL_OS, "out of memory");
	if (s.port == 0)
		s.port = s.tls && !s.starttls ? 465 : 25;
	if (server_apply(a, &s, "nullmailer") == -1)
		return fail(f, FAIL_OS, "out of memory");
	return 0;
}

/* One option of a remote, "--" or not, "=value" or not. */
static int
nullmailer_option(struct import_account *a, struct server *s,
    const char *opt)
{
	struct parse	p;
	struct kv	kv;
	size_t		n;

	while (*opt == '-')
		opt++;
	n = strcspn(opt, "=");
	kv_set(&kv, opt, n, opt[n] == '=' ? opt + n + 1 : "");
	memset(&p, 0, sizeof(p));
	p.a = a;
	p.s = s;
	for (n = 0; n < POSTIE_NELEM(nullmailer_rules); n++)
		if (strcmp(nullmailer_rules[n].key, kv.key) == 0) {
			p.rule = &nullmailer_rules[n];
			return p.rule->apply(&p, kv.value);
		}
	return note(&a->notes, "- --%s: not a nullmailer option postie "
	    "knows: left out", kv.key);
}

static int
nullmailer_port(struct parse *p, const char *v)
{
	return port_set(p, v, &p->a->notes, "--port");
}

static int
nullmailer_insecure(struct parse *p, const char *v)
{
	(void)v;
	p->s->insecure = 1;
	return 0;
}

/* --auth-login, --auth-external (the identity is the client
 * certificate's): the mechanism is the rule's text. */
static int
nullmailer_auth(struct parse *p, const char *v)
{
	(void)v;
	return set(p->a, &p->a->auth, p->rule->text, p->rule->key, ok_word);
}

/* The one-line files beside remotes; what each means for every account. */
static int
nullmailer_sides(const struct import_input *in, struct import_result *r)
{
	char	me[LINE_MAX_LEN] = "", host[LINE_MAX_LEN] = "";
	char	dom[LINE_MAX_LEN] = "", admin[LINE_MAX_LEN] = "";
	char	full[2 * LINE_MAX_LEN + 4], from[sizeof(full) + 4];
	size_t	pos, i;

	pos = 0;
	(void)next_line(&in->side[SIDE_ME], &pos, me, sizeof(me));
	pos = 0;
	(void)next_line(&in->side[SIDE_DEFAULTHOST], &pos, host, sizeof(host));
	pos = 0;
	(void)next_line(&in->side[SIDE_DEFAULTDOMAIN], &pos, dom, sizeof(dom));
	pos = 0;
	(void)next_line(&in->side[SIDE_ADMINADDR], &pos, admin, sizeof(admin));
	/* defaulthost is me unless set; a name without a dot gets the
	 * defaultdomain. */
	snprintf(full, sizeof(full), "%s", *trim(host) != '\0' ? trim(host) :
	    trim(me));
	if (full[0] != '\0' && strchr(full, '.') == NULL && *trim(dom) != '\0')
		snprintf(full + strlen(full), sizeof(full) - strlen(full),
		    ".%s", trim(dom));
	snprintf(from, sizeof(from), "%%U@%s", full);
	for (i = 0; i < r->n; i++) {
		if (*trim(me) != '\0' && set(&r->acct[i], &r->acct[i].domain,
		    trim(me), "me", is_domain) == -1)
			return -1;
		if (full[0] != '\0' && is_domain(full) &&
		    (set(&r->acct[i], &r->acct[i].rewrite_domain, full,
		    "defaulthost", is_domain) == -1 ||
		    set(&r->acct[i], &r->acct[i].from, from, "defaulthost",
		    ok_secret) == -1))
			return -1;
	}
	if (*trim(admin) != '\0' && note(&r->notes, "- adminaddr %s: mail for "
	    "local users went there; with postie write 'default: %s' in an "
	    "aliases file and name it with 'aliases FILE'", trim(admin),
	    trim(admin)) == -1)
		return -1;
	return 0;
}

/* dma. */

static int
dma_parse(const struct import_input *in, struct import_result *r,
    struct failure *f)
{
	struct import_account	*a;
	struct server		 s;
	struct parse		 p;
	struct kv		 kv;
	char			 line[LINE_MAX_LEN], *l;
	size_t			 pos = 0, n;

	memset(&s, 0, sizeof(s));
	if ((a = account_add(r, "default", f)) == NULL)
		return -1;
	p.r = r;
	p.a = a;
	p.s = &s;
	while (next_line(&in->main, &pos, line, sizeof(line)) == 1) {
		l = trim(line);
		if (*l == '\0' || *l == '#')
			continue;
		n = strcspn(l, " \t");
		kv_set(&kv, l, n, trim(l + n));
		if (rule_apply(dma_rules, POSTIE_NELEM(dma_rules), 0, &p,
		    &kv) == -1)
			return fail(f, FAIL_OS, "out of memory");
	}
	if (s.host[0] == '\0')
		return fail(f, FAIL_CONFIG, "%s: no SMARTHOST: dma delivered "
		    "to each domain's MX itself; postie needs the submission "
		    "server to send through", in->name);
	if (!ok_word(s.host))
		return fail(f, FAIL_CONFIG, "%s: SMARTHOST is not a host name",
		    in->name);
	if (s.port == 0)
		s.port = 25;
	if (server_apply(a, &s, "dma") == -1 ||
	    dma_auth(in, a, s.host) == -1)
		return fail(f, FAIL_OS, "out of memory");
	return 0;
}

static int
dma_smarthost(struct parse *p, const char *v)
{
	if (strlcpy(p->s->host, v, sizeof(p->s->host)) < sizeof(p->s->host))
		return 0;
	p->s->host[0] = '\0';
	return note(&p->r->notes, "- SMARTHOST: too long: left out");
}

static int
dma_port(struct parse *p, const char *v)
{
	return port_set(p, v, &p->r->notes, "PORT");
}

static int
rule_tls(struct parse *p, const char *v)
{
	(void)v;
	p->s->tls = 1;
	return 0;
}

/* STARTTLS, and so TLS (nullmailer's --starttls). */
static int
rule_starttls(struct parse *p, const char *v)
{
	(void)v;
	p->s->tls = p->s->starttls = 1;
	return 0;
}

/* dma's STARTTLS says how SECURETRANSFER starts TLS, not whether. */
static int
dma_starttls(struct parse *p, const char *v)
{
	(void)v;
	p->s->starttls = 1;
	return 0;
}

static int
dma_fingerprint_key(struct parse *p, const char *v)
{
	p->s->checked = 1;
	return dma_fingerprint(p->a, v);
}

static int
dma_authpath(struct parse *p, const char *v)
{
	if (!ok_path(v))
		return note(&p->r->notes, "- AUTHPATH: not an absolute path: "
		    "auth.conf beside dma.conf is read");
	free(p->r->auth_path);
	return (p->r->auth_path = strdup(v)) == NULL ? -1 : 0;
}

static int
dma_aliases(struct parse *p, const char *v)
{
	if (rule_field(p, v) == -1)
		return -1;
	return note(&p->a->notes, "- ALIASES: postie reads msmtp's format "
	    "(name: address, ...), which simple aliases files are");
}

/* A name, or the file that holds it: postie's %M reads /etc/mailname. */
static int
dma_mailname(struct parse *p, const char *v)
{
	if (strcmp(v, "/etc/mailname") == 0)
		return set(p->a, &p->a->domain, "%M", "MAILNAME", ok_secret);
	return set(p->a, &p->a->domain, v, "MAILNAME", is_domain);
}

/* user@host is the sender; host alone, %U@host. */
static int
dma_masquerade(struct parse *p, const char *v)
{
	char	from[VALUE_MAX + 4];

	if (is_address(v))
		return set(p->a, &p->a->from, v, "MASQUERADE", is_address);
	if (!is_domain(v))
		return note(&p->a->notes, "- MASQUERADE: neither an address "
		    "nor a domain: left out");
	snprintf(from, sizeof(from), "%%U@%s", v);
	return set(p->a, &p->a->from, from, "MASQUERADE", ok_secret);
}

/* dma's FINGERPRINT: 64 hex digits of the certificate's SHA-256. */
static int
dma_fingerprint(struct import_account *a, const char *hex)
{
	char	fp[32 * 3];
	size_t	i;

	if (strlen(hex) != 64)
		return note(&a->notes, "- FINGERPRINT: not a SHA-256 "
		    "fingerprint: left out");
	for (i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)hex[i]))
			return note(&a->notes, "- FINGERPRINT: not a SHA-256 "
			    "fingerprint: left out");
		fp[i / 2 * 3 + i % 2] = (char)toupper((unsigned char)hex[i]);
		if (i % 2 == 1)
			fp[i / 2 * 3 + 2] = i == 63 ? '\0' : ':';
	}
	return set(a, &a->fingerprint, fp, "FINGERPRINT", ok_word);
}

/* auth.conf: "user|host:password", the line for the smarthost. */
static int
dma_auth(const struct import_input *in, struct import_account *a,
    const char *host)
{
	char	line[LINE_MAX_LEN], *l, *bar, *colon;
	size_t	pos = 0;
	int	r = 0;

	while (r == 0 && next_line(&in->side[SIDE_AUTH], &pos, line,
	    sizeof(line)) == 1) {
		l = trim(line);
		if (*l == '#' || (bar = strchr(l, '|')) == NULL ||
		    (colon = strchr(bar, ':')) == NULL)
			continue;
		*bar = *colon = '\0';
		if (strcasecmp(bar + 1, host) != 0)
			continue;
		if ((r = set(a, &a->user, l, "auth.conf", ok_secret)) == 0)
			r = set(a, &a->password, colon + 1, "auth.conf",
			    ok_secret);
		break;
	}
	explicit_bzero(line, sizeof(line));
	return r;
}

/* Reading the files. */

int
import_load(const char *arg, struct import_result *r, struct failure *f)
{
	struct import_input	 in;
	const char		*colon, *slash;
	char			 dir[1024], path[1200];
	size_t			 i;
	int			 rc;

	memset(&in, 0, sizeof(in));
	memset(r, 0, sizeof(*r));
	in.name = arg;
	slash = strchr(arg, '/');
	if ((colon = strchr(arg, ':')) != NULL &&
	    (slash == NULL || slash > colon)) {
		for (i = 0; i < POSTIE_NELEM(formats); i++)
			if (strlen(formats[i].name) == (size_t)(colon - arg) &&
			    strncmp(arg, formats[i].name, colon - arg) == 0)
				in.format = formats[i].format;
		if (in.format == IMPORT_DETECT)
			return fail(f, FAIL_USAGE, "--import %s: the format is "
			    "ssmtp, nullmailer or dma", arg);
		in.name = colon + 1;
	}
	if (read_text(in.name, &in.main, f) == -1)
		return -1;
	slash = strrchr(in.name, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash != NULL ?
	    (int)(slash - in.name) + 1 : 0, in.name);
	for (i = 0; i < SIDE_COUNT; i++) {
		snprintf(path, sizeof(path), "%s%s", dir, side_names[i]);
		if (access(path, F_OK) == 0 &&
		    read_text(path, &in.side[i], f) == -1)
			goto out;
	}
	if ((rc = import_parse(&in, r, f)) == 0 && r->auth_path != NULL) {
		/* dma's AUTHPATH names the auth.conf to read. */
		text_free(&in.side[SIDE_AUTH]);
		if (read_text(r->auth_path, &in.side[SIDE_AUTH], f) == -1)
			goto out;
		import_free(r);
		rc = import_parse(&in, r, f);
	}
	for (i = 0; i < SIDE_COUNT; i++)
		text_free(&in.side[i]);
	text_free(&in.main);
	return rc;
out:
	for (i = 0; i < SIDE_COUNT; i++)
		text_free(&in.side[i]);
	text_free(&in.main);
	return -1;
}

static int
read_text(const char *path, struct import_text *t, struct failure *f)
{
	struct stat	 st;
	char		*p;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return fail(f, FAIL_NOINPUT, "cannot read %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > IMPORT_FILE_MAX) {
		close(fd);
		return fail(f, FAIL_NOINPUT, "cannot read %s: not a regular "
		    "file of at most 1 MiB", path);
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return fail(f, FAIL_OS, "out of memory");
	}
	while (len < (size_t)st.st_size && (n = read(fd, p + len,
	    (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	p[len] = '\0';
	t->text = p;
	t->len = len;
	return 0;
}

static void
text_free(struct import_text *t)
{
	if (t->text != NULL)
		freezero((char *)t->text, t->len + 1);
	t->text = NULL;
	t->len = 0;
}

/* Writing the configuration. */

/*
 * "key value", the value quoted (msmtp's "..." with \" and \\) when it
 * would not read back as it is: blanks at its ends, quotes, backslashes.
 */
static int
render_value(struct buf *out, const char *key, const char *v)
{
	int	r;

	if (v == NULL)
		return 0;
	if (*v != '\0' && strcspn(v, " \t\"\\") == strlen(v))
		return buf_appendf(out, "%s %s\n", key, v);
	r = buf_appendf(out, "%s \"", key);
	for (; r == 0 && *v != '\0'; v++)
		r = buf_appendf(out, "%s%c", *v == '"' || *v == '\\' ? "\\" :
		    "", *v);
	return r == 0 ? buf_appendf(out, "\"\n") : -1;
}

static int
render_account(struct buf *out, const struct import_account *a)
{
	int	r = 0;

	r |= buf_appendf(out, "\naccount %s%s\n", a->name,
	    a->inherits ? " : default" : "");
	if (a->notes.len > 0)
		r |= buf_append(out, a->notes.data, a->notes.len);
	if (a->has_server) {
		r |= render_value(out, "host", a->host);
		if (a->port != 0)
			r |= buf_appendf(out, "port %d\n", a->port);
		r |= buf_appendf(out, "tls %s\n", a->tls ? "on" : "off");
		if (a->tls)
			r |= buf_appendf(out, "tls_starttls %s\n",
			    a->starttls ? "on" : "off");
	}
	r |= render_value(out, "tls_trust_file", a->trust_file);
	r |= render_value(out, "tls_fingerprint", a->fingerprint);
	r |= render_value(out, "tls_cert_file", a->cert_file);
	r |= render_value(out, "tls_key_file", a->key_file);
	r |= render_value(out, "tls_crl_file", a->crl_file);
	/* EXTERNAL logs in with the client certificate, not a user. */
	if (a->user != NULL ||
	    (a->auth != NULL && strcmp(a->auth, "external") == 0))
		r |= buf_appendf(out, "auth %s\n",
		    a->auth != NULL ? a->auth : "on");
	r |= render_value(out, "user", a->user);
	r |= render_value(out, "password", a->password);
	r |= render_value(out, "from", a->from);
	r |= render_value(out, "domain", a->domain);
	r |= render_value(out, "rewrite_domain", a->rewrite_domain);
	r |= render_value(out, "aliases", a->aliases);
	r |= render_value(out, "source_ip", a->source_ip);
	return r != 0 ? -1 : 0;
}

int
import_render(const struct import_result *r, const char *source,
    struct buf *out)
{
	char	 safe[1024];
	size_t	 i;
	int	 secret = 0, rc = 0;

	for (i = 0; i < r->n; i++)
		secret |= r->acct[i].password != NULL;
	snprintf(safe, sizeof(safe), "%s", source);
	for (i = 0; safe[i] != '\0'; i++)
		if ((unsigned char)safe[i] < 0x20 || safe[i] == 0x7f)
			safe[i] = '?';
	rc |= buf_appendf(out, "# postie configuration from the %s set-up %s\n"
	    "# (postie --import). Check it, then save it as "
	    "~/.config/postie/config,\n# or for the whole machine as "
	    "/etc/postie.conf (root:postie).\n",
	    import_format_name(r->format), safe);
	if (secret)
		rc |= buf_appendf(out, "# It holds a password: the file must "
		    "be mode 0600 (0640 root:postie for\n# /etc/postie.conf), "
		    "or postie refuses it.\n");
	if (r->notes.len > 0)
		rc |= buf_appendf(out, "#\n# Not carried over, or changed:\n") |
		    buf_append(out, r->notes.data, r->notes.len);
	for (i = 0; i < r->n; i++)
		rc |= render_account(out, &r->acct[i]);
	return rc != 0 ? -1 : 0;
}

static void
account_free(struct import_account *a)
{
	char	**s[] = {
		&a->name, &a->host, &a->auth, &a->user, &a->password,
		&a->from, &a->domain, &a->rewrite_domain, &a->aliases,
		&a->trust_file, &a->cert_file, &a->key_file, &a->crl_file,
		&a->fingerprint, &a->source_ip,
	};
	size_t	i;

	for (i = 0; i < POSTIE_NELEM(s); i++) {
		if (*s[i] != NULL)
			freezero(*s[i], strlen(*s[i]));
		*s[i] = NULL;
	}
	buf_free(&a->notes, 0);
}

void
import_free(struct import_result *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		account_free(&r->acct[i]);
	r->n = 0;
	buf_free(&r->notes, 0);
	free(r->auth_path);
	r->auth_path = NULL;
}
