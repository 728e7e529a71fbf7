/*
 * serverinfo: postie --serverinfo (see serverinfo.h). smtp speaks and
 * tells its replies, tls verifies and tells its verdict; the probe's
 * choices are made here: go on past a certificate that does not verify
 * to show it, but say nothing over it (QUIT after STARTTLS), and never
 * AUTH.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "certinfo.h"
#include "conn.h"
#include "deliver.h"
#include "log.h"
#include "serverinfo.h"
#include "smtp.h"
#include "tls.h"

/* Everything one run needs; smtp and tls keep pointers into it. */
struct serverinfo {
	struct tls_params	tp;
	struct smtp_params	sp;
	struct smtp_events	ev;
	struct conn_route	route;
	char			helo[256];
	/* What they told: the replies, each one's lines joined with " / ",
	 * and the certificate's verdict (once TLS is up). */
	struct buf		greeting;
	struct buf		ehlo_plain;	/* EHLO before TLS (STARTTLS) */
	struct buf		ehlo_tls;	/* EHLO over TLS */
	struct tls_verdict	verdict;
};

/* What the refusal of tls_certcheck off suggests instead. */
struct certline {
	char	fingerprint[CERTINFO_FINGERPRINT_LEN];
	char	pin[CERTINFO_PIN_LEN];
	int	verified;	/* it verified without: the key can just go */
	int	revoked;	/* a CRL or a staple says so: no pin helps */
};

static void	params_fill(const struct account *a, struct serverinfo *si);
static int	on_verdict(void *arg, const struct tls_verdict *v,
		    struct failure *f);
static int	on_tls_up(void *arg, struct conn *c, struct failure *f);
static void	on_reply(void *arg, enum smtp_setup_reply which, int code,
		    const char *text);
static const struct failure *refused(const struct serverinfo *si,
		    struct conn *c);
static void	probe_free(struct serverinfo *si);
static int	certline_probe(const struct account *a, struct serverinfo *si,
		    struct certline *out, struct failure *f);
static int	certline_of(const struct serverinfo *si, struct tls_session *t,
		    struct certline *out, struct failure *f);
static void	certline_warn(const struct account *a,
		    const struct certline *cl);
static int	dialogue(const struct account *a, struct serverinfo *si,
		    struct conn *c);
static void	print_reply(const char *title, const struct buf *b);
static void	print_auth(const struct buf *b);
static void	print_chain(struct tls_session *t);
static void	print_cert(unsigned i, const unsigned char *der, size_t len);
static void	print_pins(const struct account *a,
		    const struct serverinfo *si, struct tls_session *t);
static void	print_time(const char *title, time_t t);
static void	print_tls(const struct account *a,
		    const struct serverinfo *si, struct conn *c);
static void	print_choice(const struct account *a);
static int	finish(const struct account *a, const struct serverinfo *si,
		    struct conn *c, const struct failure *f);

/* Each line of a reply ("250 a / b / c") on its own, indented. */
static void
print_reply(const char *title, const struct buf *b)
{
	const char	*p, *q;

	if (b->len == 0)
		return;
	printf("%s:\n", title);
	for (p = b->data; (q = strstr(p, " / ")) != NULL; p = q + 3)
		printf("  %.*s\n", (int)(q - p), p);
	printf("  %s\n", p);
}

/* The AUTH line of the EHLO over TLS (of the only EHLO without TLS). */
static void
print_auth(const struct buf *b)
{
	const char	*p;
	size_t		 n;

	for (p = b->data; p != NULL; p = strstr(p, " / ")) {
		p += (p == b->data) ? 4 : 3;
		if (strncasecmp(p, "AUTH ", 5) == 0) {
			n = strcspn(p + 5, "/");
			while (n > 0 && p[5 + n - 1] == ' ')
				n--;
			printf("auth mechanisms: %.*s\n", (int)n, p + 5);
			return;
		}
	}
	printf("auth mechanisms: none offered\n");
}

static void
print_time(const char *title, time_t t)
{
	struct tm	tm;
	char		s[64];

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		strlcpy(s, "?", sizeof(s));
	printf("    %s: %s\n", title, s);
}

static void
print_cert(unsigned i, const unsigned char *der, size_t len)
{
	gnutls_x509_crt_t	crt;
	gnutls_datum_t		d, name;
	char			fpr[CERTINFO_FINGERPRINT_LEN];
	char			pin[CERTINFO_PIN_LEN];

	d.data = (unsigned char *)der;
	d.size = len;
	printf("  certificate %u:\n", i);
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0) {
		printf("    (not a readable X.509 certificate)\n");
		gnutls_x509_crt_deinit(crt);
		return;
	}
	if (gnutls_x509_crt_get_dn3(crt, &name, 0) == 0) {
		printf("    subject: %s\n", (char *)name.data);
		gnutls_free(name.data);
	}
	if (gnutls_x509_crt_get_issuer_dn3(crt, &name, 0) == 0) {
		printf("    issuer: %s\n", (char *)name.data);
		gnutls_free(name.data);
	}
	print_time("not before", gnutls_x509_crt_get_activation_time(crt));
	print_time("not after", gnutls_x509_crt_get_expiration_time(crt));
	gnutls_x509_crt_deinit(crt);
	if (certinfo_fingerprint(der, len, fpr, sizeof(fpr)) == 0)
		printf("    sha256 fingerprint: %s\n", fpr);
	if (certinfo_pin(der, len, pin, sizeof(pin)) == 0)
		printf("    spki pin (sha256, base64): %s\n", pin);
}

static void
print_chain(struct tls_session *t)
{
	const unsigned char	*der;
	size_t			 len;
	unsigned		 i;

	printf("certificate chain (as the server sent it):\n");
	for (i = 0; tls_peer_cert(t, i, &der, &len) == 0; i++)
		print_cert(i, der, len);
	if (i == 0)
		printf("  (none)\n");
}

static void
print_tls(const struct account *a, const struct serverinfo *si,
    struct conn *c)
{
	if (!conn_is_tls(c))
		return;
	printf("tls: %s\n", tls_describe(conn_tls(c)));
	print_chain(conn_tls(c));
	print_pins(a, si, conn_tls(c));
}

/*
 * The lines that would trust the server's own certificate, ready to
 * paste; and, for an account with tls_certcheck off, that they are what
 * it needs instead.
 */
static void
print_pins(const struct account *a, const struct serverinfo *si,
    struct tls_session *t)
{
	struct certline	cl;
	struct failure	f;

	if (certline_of(si, t, &cl, &f) == -1)
		return;
	if (cl.revoked) {
		printf("to pin this certificate: no use: it is revoked, and "
		    "postie refuses a revoked certificate even when pinned; "
		    "the server needs a new one\n");
		return;
	}
	printf("to pin this certificate: tls_fingerprint %s\n",
	    cl.fingerprint);
	printf("to pin its key (kept across renewals with the same key): "
	    "tls_pin %s\n", cl.pin);
	if (config_certcheck_off(a))
		printf("note: %s is refused: a submission with this account "
		    "fails until one of these lines replaces it\n",
		    a->tls_certcheck_off);
}

/* Which mechanism a submission with this account would use. */
static void
print_choice(const struct account *a)
{
	if (a->auth == AUTH_MECH)
		printf("auth postie would use: %s (the account's auth key)\n",
		    a->auth_mech);
	else if (a->auth == AUTH_ON ||
	    (a->auth == AUTH_DEFAULT && a->user != NULL))
		printf("auth postie would use: the strongest of these that "
		    "libsasl2 provides here\n");
	else
		printf("auth postie would use: none (the account does not "
		    "authenticate)\n");
}

/* The verdict line and the exit status; the failure, if any, on stderr. */
static int
finish(const struct account *a, const struct serverinfo *si, struct conn *c,
    const struct failure *f)
{
	const struct failure	*vf = refused(si, c);
	struct failure		 shown;

	if (vf != NULL) {
		printf("verification: failed: %s\n", vf->text);
		f = vf;
	}
	if (f != NULL) {
		shown = *f;
		deliver_context(a, &shown);
		return exitcode_report(&shown);
	}
	if (c != NULL && conn_is_tls(c))
		printf("verification: ok\n");
	else
		printf("verification: no TLS on this account\n");
	return EX_OK;
}

/*
 * The parameters deliver would use, with the verdict and the replies
 * told to us, and without AUTH.
 */
static void
params_fill(const struct account *a, struct serverinfo *si)
{
	struct smtp_params	*sp = &si->sp;

	memset(si, 0, sizeof(*si));
	deliver_tls_params(a, &si->tp);
	/* No session cache: a full handshake, which has a verdict. */
	si->tp.verdict = on_verdict;
	si->tp.verdict_arg = si;
	deliver_helo_name(a, si->helo, sizeof(si->helo));
	sp->helo_name = si->helo;
	sp->implicit_tls = a->tls && !a->tls_starttls;
	sp->starttls = a->tls && a->tls_starttls;
	sp->tls = &si->tp;
	si->ev.reply = on_reply;
	si->ev.tls_up = on_tls_up;
	si->ev.arg = si;
	sp->events = &si->ev;	/* sp->auth stays 0: never authenticate */
	si->route.source_ip = a->source_ip;
	si->route.proxy_host = a->proxy_host;
	si->route.proxy_port = a->proxy_port;
}

/* The SMTP part, over a connection with TLS up when it is implicit. */
static int
dialogue(const struct account *a, struct serverinfo *si, struct conn *c)
{
	struct smtp_session	*smtp = NULL;
	struct failure		 f;
	const struct buf	*caps;
	int			 rc;

	failure_clear(&f);
	rc = smtp_open(c, &si->sp, &smtp, &f);
	print_reply("greeting", &si->greeting);
	if (si->sp.starttls)
		print_reply("capabilities before TLS", &si->ehlo_plain);
	print_tls(a, si, c);
	caps = conn_is_tls(c) ? &si->ehlo_tls : &si->ehlo_plain;
	print_reply(conn_is_tls(c) ? "capabilities after TLS" :
	    "capabilities", caps);
	if (rc == 0) {
		print_auth(caps);
		print_choice(a);
	}
	smtp_close(smtp);
	return finish(a, si, c, rc == -1 ? &f : NULL);
}

int
serverinfo_run(const struct account *a)
{
	struct serverinfo	 si;
	struct conn		*c = NULL;
	struct failure		 f;
	int			 rc;

	failure_clear(&f);
	params_fill(a, &si);
	printf("server: %s port %d (account %s, %s)\n", a->host, a->port,
	    a->name, si.sp.implicit_tls ? "implicit TLS" : si.sp.starttls ?
	    "STARTTLS" : "no TLS");
	if (conn_open_route(a->host, a->port, a->timeout, &si.route, &c,
	    &f) == -1)
		return finish(a, &si, NULL, &f);
	if (si.sp.implicit_tls && conn_starttls(c, &si.tp, &f) == -1)
		rc = finish(a, &si, NULL, &f);
	else if (refused(&si, c) != NULL) {
		/* Implicit TLS that did not verify: close without a word. */
		print_tls(a, &si, c);
		rc = finish(a, &si, c, NULL);
	} else
		rc = dialogue(a, &si, c);
	conn_close(c);
	probe_free(&si);
	return rc;
}

static void
probe_free(struct serverinfo *si)
{
	buf_free(&si->greeting, 0);
	buf_free(&si->ehlo_plain, 0);
	buf_free(&si->ehlo_tls, 0);
}

/*
 * The probe's choice: a certificate that does not verify is kept, to be
 * shown and pinned; the verdict is what the probe reports.
 */
static int
on_verdict(void *arg, const struct tls_verdict *v, struct failure *f)
{
	struct serverinfo	*si = arg;

	(void)f;
	si->verdict = *v;
	return 0;
}

/* After STARTTLS: nothing but QUIT over a certificate that did not verify. */
static int
on_tls_up(void *arg, struct conn *c, struct failure *f)
{
	const struct failure	*why = refused(arg, c);

	if (why == NULL)
		return 0;
	*f = *why;
	return -1;
}

/* Each reply kept, best effort: it only informs. */
static void
on_reply(void *arg, enum smtp_setup_reply which, int code, const char *text)
{
	struct serverinfo	*si = arg;
	struct buf		*to = which == SMTP_GREETING ? &si->greeting :
	    which == SMTP_EHLO_TLS ? &si->ehlo_tls : &si->ehlo_plain;

	buf_reset(to);
	(void)buf_appendf(to, "%d %s", code, text);
}

/* Why c's certificate did not verify; NULL when it did, or without TLS. */
static const struct failure *
refused(const struct serverinfo *si, struct conn *c)
{
	if (c == NULL || !conn_is_tls(c) || si->verdict.verified)
		return NULL;
	return &si->verdict.why;
}

int
serverinfo_certcheck_refusal(const struct account *a, struct failure *f)
{
	struct serverinfo	si;
	struct certline		cl;
	struct failure		why;
	int			r;

	failure_clear(&why);
	params_fill(a, &si);
	log_info("%s: refused; reading the server's certificate to say what "
	    "to use instead", a->tls_certcheck_off);
	r = certline_probe(a, &si, &cl, &why);
	probe_free(&si);
	if (r == -1)
		return fail(f, FAIL_CONFIG, "%s is refused, and the server's "
		    "certificate could not be read to suggest a "
		    "tls_fingerprint line instead: %s: %s:%d: %s",
		    a->tls_certcheck_off, a->name, a->host, a->port, why.text);
	if (cl.revoked)
		return fail(f, FAIL_CONFIG, "%s is refused, and pinning this "
		    "server would not help: its certificate is revoked (%s)",
		    a->tls_certcheck_off, why.text);
	certline_warn(a, &cl);
	return fail(f, FAIL_CONFIG, "%s is refused; to trust this server's "
	    "certificate, use instead: tls_fingerprint %s",
	    a->tls_certcheck_off, cl.fingerprint);
}

/*
 * Connects as a submission would and takes the server's certificate,
 * verified or not: STARTTLS ends with QUIT (on_tls_up() ends the dialogue
 * after a certificate that did not verify), implicit TLS is closed after
 * the handshake. Never AUTH, never mail.
 */
static int
certline_probe(const struct account *a, struct serverinfo *si,
    struct certline *out, struct failure *f)
{
	struct conn		*c = NULL;
	struct smtp_session	*smtp = NULL;
	int			 r;

	if (conn_open_route(a->host, a->port, a->timeout, &si->route, &c,
	    f) == -1)
		return -1;
	if (si->sp.implicit_tls)
		(void)conn_starttls(c, &si->tp, f);
	else if (smtp_open(c, &si->sp, &smtp, f) == 0)
		smtp_close(smtp);
	/* Whatever failed after the handshake, the certificate is known. */
	r = conn_is_tls(c) ? certline_of(si, conn_tls(c), out, f) : -1;
	conn_close(c);
	return r;
}

/* The server's own certificate (the first of the chain) as pins. */
static int
certline_of(const struct serverinfo *si, struct tls_session *t,
    struct certline *out, struct failure *f)
{
	const unsigned char	*der;
	size_t			 len;

	memset(out, 0, sizeof(*out));
	if (tls_peer_cert(t, 0, &der, &len) == -1)
		return fail(f, FAIL_TLS, "the server sent no certificate");
	if (certinfo_fingerprint(der, len, out->fingerprint,
	    sizeof(out->fingerprint)) == -1 ||
	    certinfo_pin(der, len, out->pin, sizeof(out->pin)) == -1)
		return fail(f, FAIL_TLS, "the server's certificate cannot be "
		    "read as X.509");
	out->verified = si->verdict.verified;
	out->revoked = !si->verdict.verified && si->verdict.revoked;
	return 0;
}

/* What the one error line has no room for: check it, or do without. */
static void
certline_warn(const struct account *a, const struct certline *cl)
{
	if (cl->verified)
		log_warn("%s:%d: its certificate verifies with this account's "
		    "settings: deleting the key named below is enough",
		    a->host, a->port);
	else
		log_warn("%s:%d: the fingerprint below was read over a "
		    "connection nothing verified: before trusting it, compare "
		    "it with the server's own (postie --serverinfo run there, "
		    "or openssl x509 -noout -fingerprint -sha256 -in CERT)",
		    a->host, a->port);
	log_warn("to pin the server's key instead (it stays valid when a "
	    "renewal keeps the key): tls_pin %s", cl->pin);
}
