/*
 * tls: one GnuTLS client session with strict verification (see tls.h).
 *
 * GnuTLS does the verification itself (gnutls_session_set_verify_cert2):
 * chain to a trust anchor, validity dates, key usage, the name, which
 * may be an IP literal matched against the certificate's IP addresses,
 * and the key purpose: a certificate whose extended key usage does not
 * allow a TLS server (one for TLS clients only, say) is refused, as a
 * browser refuses it; one with no extended key usage allows any.
 * A refused certificate ends the handshake; this module only turns the
 * status bits into a sentence a person can act on.
 *
 * OCSP stapling (RFC 6066 section 8): GnuTLS asks for a stapled response
 * by default and, when the server sends one, checks it as part of the
 * verification: one signed by the certificate's CA, or by a responder
 * the CA certified for OCSP signing, that says revoked is
 * GNUTLS_CERT_REVOKED; one about another certificate or not so signed is
 * GNUTLS_CERT_INVALID_OCSP_STATUS; one past its next update is
 * GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED. Each refuses the certificate,
 * as RFC 6066 wants of a response that is not satisfactory. No staple is
 * no error, unless the certificate demands one (RFC 7633 Must-Staple).
 * This module reads the staple again only to word the refusal.
 *
 * Resumption (tlscache.h): the session data of the last connection to
 * the same server, verified the same way, is offered with
 * gnutls_session_set_data(). A resumed handshake carries no Certificate
 * message, so the check that gnutls_session_set_verify_cert2() installs
 * has nothing to run on, and the session's verify status is that of no
 * check at all. GnuTLS keeps the peer's chain in the session data,
 * though: the chain a full handshake verified, whose server proves by
 * accepting the session that it still holds what was agreed then.
 * session_recheck() checks that chain's validity dates and the verify
 * name again (cheap: no signatures, no key exchange); the chain's
 * signatures up to the trust store are not checked again, which would
 * cost about as much as the handshake saved: instead a session is only
 * resumed within TLSCACHE_MAX_AGE of the full handshake that verified
 * it. The peer certificate stays there for a fingerprint or pin to be
 * compared with. A server that refuses resumption gets a full
 * handshake, verified as usual.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/ocsp.h>
#include <gnutls/x509.h>

#include "certinfo.h"
#include "log.h"
#include "tls.h"
#include "tlscache.h"

/*
 * TLS 1.2 at least (RFC 8996 retired 1.0 and 1.1; RFC 8314 wants 1.2).
 * NORMAL's groups with X25519 first: the ClientHello carries one key
 * share (GNUTLS_KEY_SHARE_TOP), X25519's, which costs a third of a P-256
 * key pair and its agreement; a server without X25519 asks for another
 * group (HelloRetryRequest), one round trip more.
 */
#define TLS_PRIORITY	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" \
	":-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1" \
	":+GROUP-SECP521R1:+GROUP-X448:+GROUP-FFDHE2048:+GROUP-FFDHE3072" \
	":+GROUP-FFDHE4096:+GROUP-FFDHE6144:+GROUP-FFDHE8192"
#define TLS_TEXT_MAX	256
#define TLS_NAMES_MAX	320
/* Non-fatal conditions (signals, warning alerts) a call retries on. */
#define TLS_RETRY_MAX	32
#define TLS_BYE_TIMEOUT_SEC 2
/* staple_read(): a stapled OCSP response about another certificate, or
 * one that cannot be read. */
#define STAPLE_OTHER	1
#define STAPLE_GARBLED	2
/* bad_certificate_status_response (RFC 6066 section 8): GnuTLS 3.7
 * names no constant for it. */
#define TLS_ALERT_BAD_STATUS_RESPONSE	113

struct tls_session {
	gnutls_session_t session;
	int		 fd;
	int		 timeout_sec;
	char		 desc[TLS_TEXT_MAX];
	char		 peer[TLS_TEXT_MAX];
	char		*cache_file;	/* NULL: no session cache */
	int		 offered;	/* a cached session was offered */
	int		 resumed;
	time_t		 verified;	/* when a full handshake verified it */
	/* What the handshake checks the certificate for (verify_data()):
	 * GnuTLS keeps the pointer, not a copy. */
	gnutls_typed_vdata_st vdata[2];
	/* With a client certificate: this session's own credentials. */
	gnutls_certificate_credentials_t own_cred;
	/* Every receive ends by then (pull()), however bytes trickle. */
	struct timespec	 deadline;
	int		 has_deadline;
};

/* Credentials are loaded once per trust source and kept for the process. */
struct tls_trust {
	struct tls_trust			*next;
	char					*file;	/* NULL: system */
	gnutls_certificate_credentials_t	 cred;
};

struct cert_reason {
	unsigned	 bit;
	int		(*say)(gnutls_session_t, const char *, const char *,
			    struct failure *);
	const char	*text;
};

static int	 trust_get(const char *, gnutls_certificate_credentials_t *,
		    struct failure *);
static int	 trust_load(const char *, gnutls_certificate_credentials_t,
		    struct failure *);
static int	 is_ip_literal(const char *);
static int	 session_setup(struct tls_session *, const struct tls_params *,
		    gnutls_certificate_credentials_t, struct failure *);
static int	 handshake(struct tls_session *, const struct tls_params *,
		    struct failure *);
static int	 handshake_fail(struct tls_session *, const struct tls_params *,
		    int, struct failure *);
static int	 cert_fail(gnutls_session_t, const char *, struct failure *);
static void	 cert_alert(gnutls_session_t);
static int	 cert_fail_status(gnutls_session_t, const char *, unsigned,
		    struct failure *);
static int	 say_text(gnutls_session_t, const char *, const char *,
		    struct failure *);
static int	 say_owner(gnutls_session_t, const char *, const char *,
		    struct failure *);
static int	 say_untrusted(gnutls_session_t, const char *, const char *,
		    struct failure *);
static int	 say_expired(gnutls_session_t, const char *, const char *,
		    struct failure *);
static int	 say_not_active(gnutls_session_t, const char *, const char *,
		    struct failure *);
static int	 say_dated(gnutls_session_t, const char *, int, struct failure *);
static int	 say_revoked(gnutls_session_t, const char *, const char *,
		    struct failure *);
static int	 say_ocsp_invalid(gnutls_session_t, const char *, const char *,
		    struct failure *);
static int	 say_ocsp_stale(gnutls_session_t, const char *, const char *,
		    struct failure *);
static int	 staple_read(gnutls_session_t, unsigned, unsigned *, time_t *,
		    time_t *);
static int	 date_text(time_t, char *, size_t);
static unsigned	 peer_count(gnutls_session_t);
static int	 pin_revoked(struct tls_session *, const struct tls_params *,
		    struct failure *);
static int	 peer_cert(gnutls_session_t, unsigned, gnutls_x509_crt_t *);
static void	 cert_names(gnutls_x509_crt_t, char *, size_t);
static void	 cert_common_name(gnutls_x509_crt_t, char *, size_t);
static void	 describe(struct tls_session *);
static void	 peer_describe(struct tls_session *);
static int	 io_fail(struct tls_session *, ssize_t, const char *,
		    struct failure *);
static int	 timed_out(const struct timespec *, long);
static void	 deadline_set(struct tls_session *, long);
static long	 deadline_left(const struct tls_session *);
static ssize_t	 pull(gnutls_transport_ptr_t, void *, size_t);
static int	 pull_wait(gnutls_transport_ptr_t, unsigned);
static void	 session_offer(struct tls_session *, const struct tls_params *);
static int	 session_recheck(struct tls_session *, const struct tls_params *,
		    struct failure *);
static void	 session_store(struct tls_session *);
static void	 session_free(struct tls_session *);
static void	 verdict_of(struct tls_session *, const struct tls_params *,
		    struct tls_verdict *);
static int	 report_verdict(struct tls_session *, const struct tls_params *,
		    struct failure *);
static void	 verify_data(const struct tls_params *, gnutls_typed_vdata_st *);
static int	 client_cred(const struct tls_params *,
		    gnutls_certificate_credentials_t *, struct failure *);
static int	 priority_set(struct tls_session *, const struct tls_params *,
		    const char **);
static int	 pin_check(struct tls_session *, const struct tls_params *,
		    struct failure *);
static int	 spki_check(const gnutls_datum_t *, const struct tls_params *,
		    struct failure *);

static struct tls_trust *trusts;

/*
 * The first reason that matches is the one reported, most fundamental
 * first: a certificate from an unknown issuer proves nothing else.
 */
static const struct cert_reason cert_reasons[] = {
	{ GNUTLS_CERT_SIGNER_NOT_FOUND, say_untrusted, "is not trusted "
	    "(unknown issuer; add its CA with tls_trust_file)" },
	{ GNUTLS_CERT_REVOKED, say_revoked, NULL },
	{ GNUTLS_CERT_UNEXPECTED_OWNER, say_owner, NULL },
	{ GNUTLS_CERT_EXPIRED, say_expired, NULL },
	{ GNUTLS_CERT_NOT_ACTIVATED, say_not_active, NULL },
	{ GNUTLS_CERT_INSECURE_ALGORITHM, say_text,
	    "uses an insecure algorithm (e.g. SHA-1 or MD5 signature)" },
	{ GNUTLS_CERT_SIGNER_NOT_CA, say_text,
	    "is signed by a certificate that is not a CA" },
	{ GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, say_text,
	    "violates its issuer's constraints" },
	{ GNUTLS_CERT_SIGNATURE_FAILURE, say_text,
	    "has a signature that does not verify" },
	{ GNUTLS_CERT_PURPOSE_MISMATCH, say_text,
	    "is not meant for TLS servers (key purpose)" },
	{ GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS, say_text,
	    "has an unknown critical extension" },
	/* A stapled OCSP response that does not settle the question is
	 * refused as GnuTLS refuses it: a server that staples has a
	 * responder, and a wrong or stale answer is what an attacker
	 * holding a revoked key would replay. */
	{ GNUTLS_CERT_INVALID_OCSP_STATUS, say_ocsp_invalid, NULL },
	{ GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED, say_ocsp_stale, NULL },
	{ GNUTLS_CERT_MISSING_OCSP_STATUS, say_text, "requires a stapled "
	    "OCSP response (OCSP Must-Staple) and the server sent none" },
};

int
tls_start(int fd, const struct tls_params *p, struct tls_session **out,
    struct failure *f)
{
	gnutls_certificate_credentials_t	 cred = NULL;
	struct tls_session			*s;
	int					 own;

	*out = NULL;
	/* Never run without a name to check: that is no verification. */
	if (p->verify_name == NULL || p->verify_name[0] == '\0')
		return fail(f, FAIL_SOFTWARE, "TLS without a name to verify");
	own = p->cert_file != NULL || p->key_file != NULL ||
	    p->crl_file != NULL;
	if (!own && trust_get(p->trust_file, &cred, f) == -1)
		return -1;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return fail(f, FAIL_OS, "out of memory");
	if (own) {
		if (client_cred(p, &s->own_cred, f) == -1) {
			session_free(s);
			return -1;
		}
		cred = s->own_cred;
	}
	s->fd = fd;
	s->timeout_sec = p->timeout_ms > 0 ? (p->timeout_ms + 999) / 1000 : 0;
	if (session_setup(s, p, cred, f) == -1) {
		session_free(s);
		return -1;
	}
	session_offer(s, p);
	if (handshake(s, p, f) == -1 || session_recheck(s, p, f) == -1 ||
	    (p->verdict == NULL && (pin_check(s, p, f) == -1 ||
	    pin_revoked(s, p, f) == -1)) ||
	    (p->verdict != NULL && report_verdict(s, p, f) == -1)) {
		session_free(s);
		return -1;
	}
	describe(s);
	peer_describe(s);
	*out = s;
	return 0;
}

/*
 * tls_fingerprint: the server's own certificate, full handshake or
 * resumed, must be the pinned one. Runs before anything is sent inside
 * TLS, so a mismatch leaks nothing.
 */
static int
pin_check(struct tls_session *s, const struct tls_params *p,
    struct failure *f)
{
	const gnutls_datum_t	*list;
	char			 seen[CERTINFO_FINGERPRINT_LEN];
	unsigned		 n = 0;

	if (p->fingerprint == NULL && p->pins == NULL)
		return 0;
	list = gnutls_certificate_get_peers(s->session, &n);
	if (list == NULL || n == 0)
		return fail(f, FAIL_CERT, "certificate for %s: the server sent "
		    "none to compare with the pin", p->verify_name);
	if (p->pins != NULL && spki_check(&list[0], p, f) == -1)
		return -1;
	if (p->fingerprint == NULL)
		return 0;
	if (certinfo_fingerprint(list[0].data, list[0].size, seen,
	    sizeof(seen)) == -1)
		return fail(f, FAIL_SOFTWARE, "SHA-256 of the certificate "
		    "failed");
	if (strcmp(seen, p->fingerprint) != 0)
		return fail(f, FAIL_CERT, "certificate for %s does not match "
		    "tls_fingerprint: expected %s, the server's is %s",
		    p->verify_name, p->fingerprint, seen);
	log_info("TLS: certificate matches tls_fingerprint");
	return 0;
}

/*
 * A pin replaces the CA and name checks, not revocation: a stapled OCSP
 * response (or tls_crl_file) by which the CA says the key is revoked
 * still refuses it. GnuTLS counts only a response it verified against
 * the trusted CAs (or the server's own chain), so a self-signed server
 * cannot be refused by a staple anyone could write. A resumed session
 * has no staple, and pinned accounts resume none (tlscache.h).
 */
static int
pin_revoked(struct tls_session *s, const struct tls_params *p,
    struct failure *f)
{
	unsigned	status = 0;

	if ((p->fingerprint == NULL && p->pins == NULL) ||
	    gnutls_session_is_resumed(s->session))
		return 0;
	if (gnutls_certificate_verify_peers3(s->session, NULL, &status) < 0 ||
	    !(status & GNUTLS_CERT_REVOKED))
		return 0;
	return cert_fail_status(s->session, p->verify_name,
	    GNUTLS_CERT_REVOKED, f);
}

/* tls_pin: the server's key is one of the space separated pins. */
static int
spki_check(const gnutls_datum_t *leaf, const struct tls_params *p,
    struct failure *f)
{
	char		 seen[CERTINFO_PIN_LEN];
	const char	*at;
	size_t		 len;

	if (certinfo_pin(leaf->data, leaf->size, seen, sizeof(seen)) == -1)
		return fail(f, FAIL_CERT, "certificate for %s: no public key "
		    "to compare with tls_pin", p->verify_name);
	len = strlen(seen);
	for (at = p->pins; (at = strstr(at, seen)) != NULL; at += len)
		if ((at == p->pins || at[-1] == ' ') &&
		    (at[len] == '\0' || at[len] == ' ')) {
			log_info("TLS: key matches tls_pin");
			return 0;
		}
	return fail(f, FAIL_CERT, "certificate for %s: its key matches no "
	    "tls_pin: the server's is %s", p->verify_name, seen);
}

/*
 * With a verdict callback: the same checks gnutls_session_set_verify_cert2()
 * runs during the handshake, or the pins, after it, into v.
 */
static void
verdict_of(struct tls_session *s, const struct tls_params *p,
    struct tls_verdict *v)
{
	gnutls_typed_vdata_st	data[2];
	unsigned		status = 0;
	int			r;

	memset(v, 0, sizeof(*v));
	failure_clear(&v->why);
	/* As in a submission, a pin replaces the CA and name checks, not
	 * the CA's word that the key is revoked. */
	if (p->fingerprint != NULL || p->pins != NULL) {
		if (pin_check(s, p, &v->why) == -1)
			return;
		v->revoked = pin_revoked(s, p, &v->why) == -1;
		v->verified = !v->revoked;
		return;
	}
	verify_data(p, data);
	r = gnutls_certificate_verify_peers(s->session, data, 2, &status);
	if (r < 0)
		fail(&v->why, FAIL_CERT, "certificate for %s refused: %s",
		    p->verify_name, gnutls_strerror(r));
	else if (status != 0) {
		cert_fail_status(s->session, p->verify_name, status, &v->why);
		v->revoked = (status & GNUTLS_CERT_REVOKED) != 0;
	} else
		v->verified = 1;
}

/* The verdict to the caller, whose answer says whether the session goes on. */
static int
report_verdict(struct tls_session *s, const struct tls_params *p,
    struct failure *f)
{
	struct tls_verdict	v;

	verdict_of(s, p, &v);
	return p->verdict(p->verdict_arg, &v, f);
}

/*
 * What a server's certificate is checked for besides its chain: the
 * name, and the key purpose TLS server (RFC 5280 section 4.2.1.12).
 * data must have room for two; it points into p, which must outlive
 * its use.
 */
static void
verify_data(const struct tls_params *p, gnutls_typed_vdata_st *data)
{
	memset(data, 0, 2 * sizeof(*data));
	data[0].type = GNUTLS_DT_DNS_HOSTNAME;
	data[0].data = (unsigned char *)(uintptr_t)p->verify_name;
	data[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	data[1].data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_SERVER;
}

int
tls_peer_cert(struct tls_session *s, unsigned i, const unsigned char **der,
    size_t *len)
{
	const gnutls_datum_t	*list;
	unsigned		 n = 0;

	list = gnutls_certificate_get_peers(s->session, &n);
	if (list == NULL || i >= n)
		return -1;
	*der = list[i].data;
	*len = list[i].size;
	return 0;
}

static void
session_free(struct tls_session *s)
{
	if (s->session != NULL)
		gnutls_deinit(s->session);
	if (s->own_cred != NULL)
		gnutls_certificate_free_credentials(s->own_cred);
	free(s->cache_file);
	free(s);
}

/* The cached session, if any, for the handshake to try resuming. */
static void
session_offer(struct tls_session *s, const struct tls_params *p)
{
	unsigned char	*data;
	size_t		 len;
	int		 r;

	if (p->cache_file == NULL ||
	    (s->cache_file = strdup(p->cache_file)) == NULL)
		return;
	if (tlscache_load(s->cache_file, &data, &len, &s->verified) == -1)
		return;
	if ((r = gnutls_session_set_data(s->session, data, len)) < 0) {
		log_info("TLS session cache %s: unusable (%s); removed",
		    s->cache_file, gnutls_strerror(r));
		tlscache_remove(s->cache_file);
	} else
		s->offered = 1;
	freezero(data, len);
}

/* See the top of the file: what a resumed session is checked for. */
static int
session_recheck(struct tls_session *s, const struct tls_params *p,
    struct failure *f)
{
	gnutls_x509_crt_t	crt;
	time_t			now = time(NULL);
	unsigned		i, status = 0;

	if (!gnutls_session_is_resumed(s->session)) {
		s->verified = now;
		log_info("TLS: full handshake");
		return 0;
	}
	/* Pinned: pin_check() is the whole check, resumed or not. */
	if (p->fingerprint != NULL || p->pins != NULL) {
		s->resumed = 1;
		log_info("TLS session resumed");
		return 0;
	}
	for (i = 0; peer_cert(s->session, i, &crt) == 0; i++) {
		if (gnutls_x509_crt_get_expiration_time(crt) < now)
			status |= GNUTLS_CERT_EXPIRED;
		if (gnutls_x509_crt_get_activation_time(crt) > now)
			status |= GNUTLS_CERT_NOT_ACTIVATED;
		if (i == 0 && !gnutls_x509_crt_check_hostname2(crt,
		    p->verify_name, 0))
			status |= GNUTLS_CERT_UNEXPECTED_OWNER;
		gnutls_x509_crt_deinit(crt);
	}
	if (i > 0 && status == 0) {
		s->resumed = 1;
		log_info("TLS session resumed");
		return 0;
	}
	/* Whatever changed, the next run starts afresh. */
	if (s->cache_file != NULL)
		tlscache_remove(s->cache_file);
	if (i == 0)
		return fail(f, FAIL_CERT, "certificate for %s: the resumed "
		    "TLS session carries none", p->verify_name);
	return cert_fail_status(s->session, p->verify_name,
	    status | GNUTLS_CERT_INVALID, f);
}

static int
trust_get(const char *file, gnutls_certificate_credentials_t *cred,
    struct failure *f)
{
	struct tls_trust	*t;

	if (file != NULL && (file[0] == '\0' || strcmp(file, "system") == 0))
		file = NULL;
	for (t = trusts; t != NULL; t = t->next) {
		if ((t->file == NULL && file == NULL) ||
		    (t->file != NULL && file != NULL &&
		    strcmp(t->file, file) == 0)) {
			*cred = t->cred;
			return 0;
		}
	}
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (file != NULL && (t->file = strdup(file)) == NULL) ||
	    gnutls_certificate_allocate_credentials(&t->cred) < 0) {
		if (t != NULL)
			free(t->file);
		free(t);
		return fail(f, FAIL_OS, "out of memory");
	}
	if (trust_load(file, t->cred, f) == -1) {
		gnutls_certificate_free_credentials(t->cred);
		free(t->file);
		free(t);
		return -1;
	}
	t->next = trusts;
	trusts = t;
	*cred = t->cred;
	return 0;
}

static int
trust_load(const char *file, gnutls_certificate_credentials_t cred,
    struct failure *f)
{
	int	n;

	if (file == NULL) {
		if ((n = gnutls_certificate_set_x509_system_trust(cred)) <= 0)
			return fail(f, FAIL_CONFIG, "no system trust store "
			    "(install ca-certificates or set tls_trust_file)");
		return 0;
	}
	/* GnuTLS only says "error while reading file": ask the system why. */
	if (access(file, R_OK) == -1)
		return fail(f, FAIL_CONFIG, "cannot read tls_trust_file %s: %s",
		    file, strerror(errno));
	n = gnutls_certificate_set_x509_trust_file(cred, file,
	    GNUTLS_X509_FMT_PEM);
	if (n < 0)
		return fail(f, FAIL_CONFIG, "cannot load tls_trust_file %s: %s",
		    file, gnutls_strerror(n));
	if (n == 0)
		return fail(f, FAIL_CONFIG, "tls_trust_file %s holds no "
		    "PEM certificate", file);
	return 0;
}

static int
is_ip_literal(const char *name)
{
	unsigned char	addr[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, addr) == 1 ||
	    inet_pton(AF_INET6, name, addr) == 1;
}

/*
 * tls_crl_file, tls_cert_file and tls_key_file: credentials of the
 * session's own, the trust of the shared ones, the CRL, and the client
 * certificate offered to a server that asks. The key must be readable by
 * its owner only.
 */
static int
client_cred(const struct tls_params *p, gnutls_certificate_credentials_t *cred,
    struct failure *f)
{
	const char	*trust = p->trust_file;
	struct stat	 st;
	int		 r;

	if (trust != NULL && (trust[0] == '\0' || strcmp(trust, "system") == 0))
		trust = NULL;
	if (gnutls_certificate_allocate_credentials(cred) < 0)
		return fail(f, FAIL_OS, "out of memory");
	if (trust_load(trust, *cred, f) == -1)
		return -1;
	/* A certificate the CRL lists fails verification as revoked. */
	if (p->crl_file != NULL && (r = gnutls_certificate_set_x509_crl_file(
	    *cred, p->crl_file, GNUTLS_X509_FMT_PEM)) <= 0)
		return fail(f, FAIL_CONFIG, "cannot load tls_crl_file %s: %s",
		    p->crl_file, r == 0 ? "no PEM CRL in it" :
		    access(p->crl_file, R_OK) == -1 ? strerror(errno) :
		    gnutls_strerror(r));
	if (p->cert_file == NULL && p->key_file == NULL)
		return 0;
	if (p->key_file == NULL || p->cert_file == NULL)
		return fail(f, FAIL_CONFIG, "%s without %s: a client "
		    "certificate needs both", p->key_file == NULL ?
		    "tls_cert_file" : "tls_key_file", p->key_file == NULL ?
		    "tls_key_file" : "tls_cert_file");
	if (stat(p->key_file, &st) == -1 || access(p->key_file, R_OK) == -1)
		return fail(f, FAIL_CONFIG, "cannot read tls_key_file %s: %s",
		    p->key_file, strerror(errno));
	if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0)
		return fail(f, FAIL_CONFIG, "tls_key_file %s: others can read "
		    "it (chmod 600 %s)", p->key_file, p->key_file);
	if ((r = gnutls_certificate_set_x509_key_file(*cred, p->cert_file,
	    p->key_file, GNUTLS_X509_FMT_PEM)) < 0)
		return fail(f, FAIL_CONFIG, "cannot load tls_cert_file %s with "
		    "tls_key_file %s: %s", p->cert_file, p->key_file,
		    gnutls_strerror(r));
	return 0;
}

/*
 * tls_priorities as given, with the versions before TLS 1.2 taken out
 * again: postie's floor is not the user's to lower.
 */
static int
priority_set(struct tls_session *s, const struct tls_params *p,
    const char **where)
{
	char	prio[1024];

	if (p->priorities == NULL)
		return gnutls_priority_set_direct(s->session, TLS_PRIORITY,
		    where);
	if ((size_t)snprintf(prio, sizeof(prio), "%s:-VERS-TLS1.1:-VERS-TLS1.0"
	    ":-VERS-SSL3.0", p->priorities) >= sizeof(prio))
		return GNUTLS_E_INVALID_REQUEST;
	return gnutls_priority_set_direct(s->session, prio, where);
}

static int
session_setup(struct tls_session *s, const struct tls_params *p,
    gnutls_certificate_credentials_t cred, struct failure *f)
{
	const char	*where;
	int		 r;

	/* GNUTLS_NO_SIGNAL: sends use MSG_NOSIGNAL, a closed peer is EPIPE,
	 * not a SIGPIPE that kills us. */
	if ((r = gnutls_init(&s->session, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL |
	    GNUTLS_KEY_SHARE_TOP)) < 0)
		return fail(f, FAIL_OS, "TLS setup: %s", gnutls_strerror(r));
	if ((r = priority_set(s, p, &where)) < 0)
		return fail(f, FAIL_SOFTWARE, "TLS priority: %s",
		    gnutls_strerror(r));
	if ((r = gnutls_credentials_set(s->session, GNUTLS_CRD_CERTIFICATE,
	    cred)) < 0)
		return fail(f, FAIL_SOFTWARE, "TLS credentials: %s",
		    gnutls_strerror(r));
	/* RFC 6066 section 3: no IP literals in server_name. */
	if (p->sni_name != NULL && p->sni_name[0] != '\0' &&
	    !is_ip_literal(p->sni_name) &&
	    (r = gnutls_server_name_set(s->session, GNUTLS_NAME_DNS,
	    p->sni_name, strlen(p->sni_name))) < 0)
		return fail(f, FAIL_CONFIG, "TLS server name %s: %s",
		    p->sni_name, gnutls_strerror(r));
	/* A fingerprint replaces the CA and name checks: it is how a
	 * self-signed server is trusted (pin_check() after the handshake). */
	if (p->verdict == NULL && p->fingerprint == NULL &&
	    p->pins == NULL) {
		verify_data(p, s->vdata);
		gnutls_session_set_verify_cert2(s->session, s->vdata, 2, 0);
	}
	/* Receives go through pull() and its deadline; sends are GnuTLS's
	 * own on the descriptor. */
	gnutls_transport_set_ptr2(s->session, s,
	    (gnutls_transport_ptr_t)(intptr_t)s->fd);
	gnutls_transport_set_pull_function(s->session, pull);
	gnutls_transport_set_pull_timeout_function(s->session, pull_wait);
	gnutls_handshake_set_timeout(s->session, p->timeout_ms > 0 ?
	    (unsigned)p->timeout_ms : GNUTLS_DEFAULT_HANDSHAKE_TIMEOUT);
	return 0;
}

static int
handshake(struct tls_session *s, const struct tls_params *p,
    struct failure *f)
{
	struct timespec	start;
	int		r = GNUTLS_E_AGAIN, tries;

	/*
	 * The whole handshake has timeout_sec, however slowly its bytes come:
	 * pull() says GNUTLS_E_AGAIN once the deadline has passed. Before it,
	 * GNUTLS_E_AGAIN is a non-fatal condition.
	 */
	deadline_set(s, (long)s->timeout_sec * 1000);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (tries = 0; tries < TLS_RETRY_MAX; tries++) {
		r = gnutls_handshake(s->session);
		if (r == 0)
			return 0;
		if (r == GNUTLS_E_TIMEDOUT || (r == GNUTLS_E_AGAIN &&
		    timed_out(&start, (long)s->timeout_sec * 1000)))
			break;
		if (r != GNUTLS_E_AGAIN && gnutls_error_is_fatal(r))
			break;
	}
	return handshake_fail(s, p, r, f);
}

static int
handshake_fail(struct tls_session *s, const struct tls_params *p, int r,
    struct failure *f)
{
	switch (r) {
	case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
		cert_alert(s->session);
		return cert_fail(s->session, p->verify_name, f);
	case GNUTLS_E_AGAIN:
	case GNUTLS_E_TIMEDOUT:
		return fail(f, FAIL_TIMEOUT, "TLS handshake: no answer within "
		    "%d s", s->timeout_sec);
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		return fail(f, FAIL_DROPPED, "the server closed the connection "
		    "during the TLS handshake");
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		return fail(f, FAIL_TLS, "TLS handshake failed: the server "
		    "sent alert \"%s\"",
		    gnutls_alert_get_name(gnutls_alert_get(s->session)));
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
		return fail(f, FAIL_TLS, "TLS handshake failed: the server "
		    "does not speak TLS 1.2 or later");
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNEXPECTED_PACKET:
		if (p->after_starttls)
			return fail(f, FAIL_TLS, "TLS handshake failed: %s "
			    "(the server answered its own 220 to STARTTLS "
			    "without TLS)", gnutls_strerror(r));
		return fail(f, FAIL_TLS, "TLS handshake failed: %s (does the "
		    "server speak TLS on this port? port 587 uses STARTTLS)",
		    gnutls_strerror(r));
	default:
		return fail(f, FAIL_TLS, "TLS handshake failed: %s",
		    gnutls_strerror(r));
	}
}

/*
 * GnuTLS ends a handshake whose certificate it refused without telling
 * the server why; RFC 8446 section 6.2 (and RFC 6066 section 8 for a
 * stapled response) want the fatal alert that says it. Best effort: the
 * connection is closed next whatever happens.
 */
static void
cert_alert(gnutls_session_t session)
{
	unsigned	status = gnutls_session_get_verify_cert_status(session);
	int		alert = GNUTLS_A_BAD_CERTIFICATE;

	if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
		alert = GNUTLS_A_UNKNOWN_CA;
	else if (status & GNUTLS_CERT_REVOKED)
		alert = GNUTLS_A_CERTIFICATE_REVOKED;
	else if (status & (GNUTLS_CERT_EXPIRED | GNUTLS_CERT_NOT_ACTIVATED))
		alert = GNUTLS_A_CERTIFICATE_EXPIRED;
	else if (status & (GNUTLS_CERT_INVALID_OCSP_STATUS |
	    GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED |
	    GNUTLS_CERT_MISSING_OCSP_STATUS))
		alert = TLS_ALERT_BAD_STATUS_RESPONSE;
	(void)gnutls_alert_send(session, GNUTLS_AL_FATAL,
	    (gnutls_alert_description_t)alert);
}

static int
cert_fail(gnutls_session_t session, const char *name, struct failure *f)
{
	return cert_fail_status(session, name,
	    gnutls_session_get_verify_cert_status(session), f);
}

static int
cert_fail_status(gnutls_session_t session, const char *name, unsigned status,
    struct failure *f)
{
	gnutls_datum_t	 out;
	size_t		 i;
	int		 r;

	for (i = 0; i < sizeof(cert_reasons) / sizeof(cert_reasons[0]); i++)
		if (status & cert_reasons[i].bit)
			return cert_reasons[i].say(session, name,
			    cert_reasons[i].text, f);
	if (gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &out, 0) < 0)
		return fail(f, FAIL_CERT, "certificate for %s refused", name);
	r = fail(f, FAIL_CERT, "certificate for %s refused: %s", name,
	    (const char *)out.data);
	gnutls_free(out.data);
	return r;
}

static int
say_text(gnutls_session_t session, const char *name, const char *text,
    struct failure *f)
{
	(void)session;
	return fail(f, FAIL_CERT, "certificate for %s %s", name, text);
}

/*
 * A self-signed server certificate is what a small private server shows:
 * no CA will ever vouch for it, so the way out is to pin it, not to look
 * for its CA.
 */
static int
say_untrusted(gnutls_session_t session, const char *name, const char *text,
    struct failure *f)
{
	gnutls_x509_crt_t	crt;
	int			self;

	if (peer_cert(session, 0, &crt) == -1)
		return say_text(session, name, text, f);
	self = gnutls_x509_crt_check_issuer(crt, crt);
	gnutls_x509_crt_deinit(crt);
	if (!self)
		return say_text(session, name, text, f);
	return fail(f, FAIL_CERT, "certificate for %s is self-signed, not "
	    "trusted (pin it with tls_fingerprint or tls_pin, or add it with "
	    "tls_trust_file)", name);
}

static int
say_owner(gnutls_session_t session, const char *name, const char *text,
    struct failure *f)
{
	gnutls_x509_crt_t	crt;
	char			names[TLS_NAMES_MAX];

	(void)text;
	if (peer_cert(session, 0, &crt) == -1)
		return fail(f, FAIL_CERT, "certificate does not match %s", name);
	cert_names(crt, names, sizeof(names));
	gnutls_x509_crt_deinit(crt);
	return fail(f, FAIL_CERT, "certificate does not match %s (it is for: "
	    "%s)", name, names);
}

static int
say_expired(gnutls_session_t session, const char *name, const char *text,
    struct failure *f)
{
	(void)text;
	return say_dated(session, name, 1, f);
}

static int
say_not_active(gnutls_session_t session, const char *name, const char *text,
    struct failure *f)
{
	(void)text;
	return say_dated(session, name, 0, f);
}

/*
 * Names the date of the first certificate in the chain that is out of
 * its validity period: usually the server's own.
 */
static int
say_dated(gnutls_session_t session, const char *name, int expired,
    struct failure *f)
{
	gnutls_x509_crt_t	 crt;
	time_t			 now, t;
	unsigned		 i;
	char			 date[32];

	now = time(NULL);
	for (i = 0; peer_cert(session, i, &crt) == 0; i++) {
		t = expired ? gnutls_x509_crt_get_expiration_time(crt) :
		    gnutls_x509_crt_get_activation_time(crt);
		gnutls_x509_crt_deinit(crt);
		if (t == (time_t)-1 || (expired ? t >= now : t <= now))
			continue;
		if (date_text(t, date, sizeof(date)) == -1)
			break;
		return fail(f, FAIL_CERT, "%s for %s %s %s",
		    i == 0 ? "certificate" : "a CA certificate in the chain",
		    name, expired ? "expired on" : "is not valid before", date);
	}
	return fail(f, FAIL_CERT, "certificate for %s %s", name,
	    expired ? "has expired" : "is not yet valid");
}

/*
 * GNUTLS_CERT_REVOKED comes from a stapled OCSP response that GnuTLS
 * verified, or from a CRL (tls_crl_file). A staple that says revoked is
 * named with its date; a revoked certificate without one was listed in
 * a CRL.
 */
static int
say_revoked(gnutls_session_t session, const char *name, const char *text,
    struct failure *f)
{
	time_t		 when, next;
	unsigned	 i, n, status;
	char		 date[32];

	(void)text;
	n = peer_count(session);
	for (i = 0; i < n; i++) {
		if (staple_read(session, i, &status, &when, &next) != 0 ||
		    status != GNUTLS_OCSP_CERT_REVOKED)
			continue;
		if (date_text(when, date, sizeof(date)) == -1)
			strlcpy(date, "a date unknown", sizeof(date));
		return fail(f, FAIL_CERT, "%s for %s is revoked (stapled OCSP "
		    "response: revoked on %s)", i == 0 ? "certificate" :
		    "a CA certificate in the chain", name, date);
	}
	return fail(f, FAIL_CERT, "certificate for %s has been revoked (listed "
	    "in a CRL: tls_crl_file)", name);
}

/*
 * GNUTLS_CERT_INVALID_OCSP_STATUS: a stapled response GnuTLS could not
 * use, said as precisely as the response allows.
 */
static int
say_ocsp_invalid(gnutls_session_t session, const char *name,
    const char *text, struct failure *f)
{
	time_t		 when, next;
	unsigned	 i, n, status;
	const char	*why = "is not signed by the certificate's CA or an "
			    "OCSP responder it certified";

	(void)text;
	n = peer_count(session);
	for (i = 0; i < n; i++) {
		switch (staple_read(session, i, &status, &when, &next)) {
		case STAPLE_OTHER:
			why = "is about another certificate";
			break;
		case STAPLE_GARBLED:
			why = "is malformed";
			break;
		default:
			continue;
		}
		break;
	}
	return fail(f, FAIL_CERT, "certificate for %s: the server's stapled "
	    "OCSP response %s", name, why);
}

/*
 * GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED: a verified staple past its
 * next update, or without one and older than GnuTLS allows.
 */
static int
say_ocsp_stale(gnutls_session_t session, const char *name, const char *text,
    struct failure *f)
{
	time_t		 when, next;
	unsigned	 i, n, status;
	char		 date[32];

	(void)text;
	n = peer_count(session);
	for (i = 0; i < n; i++)
		if (staple_read(session, i, &status, &when, &next) == 0 &&
		    next != (time_t)-1 && next < time(NULL) &&
		    date_text(next, date, sizeof(date)) == 0)
			return fail(f, FAIL_CERT, "certificate for %s: the "
			    "server's stapled OCSP response is out of date "
			    "(its next update was due %s)", name, date);
	return fail(f, FAIL_CERT, "certificate for %s: the server's stapled "
	    "OCSP response is out of date", name);
}

/*
 * What the server's stapled OCSP response for certificate i of its
 * chain (0: its own) says, to explain GnuTLS's verdict: nothing is
 * verified here. 0: *status (GNUTLS_OCSP_CERT_*), *revoked and *next
 * (the revocation time and the next update, -1 when absent) are set;
 * STAPLE_OTHER: it is about another certificate; STAPLE_GARBLED: it
 * cannot be read; -1: the server stapled none for it.
 */
static int
staple_read(gnutls_session_t session, unsigned i, unsigned *status,
    time_t *revoked, time_t *next)
{
	gnutls_ocsp_resp_t	 resp;
	gnutls_x509_crt_t	 crt;
	gnutls_datum_t		 der;
	time_t			 this_update;
	int			 r;

	if (gnutls_ocsp_status_request_get2(session, i, &der) < 0 ||
	    peer_cert(session, i, &crt) == -1)
		return -1;
	if (gnutls_ocsp_resp_init(&resp) < 0) {
		gnutls_x509_crt_deinit(crt);
		return -1;
	}
	if (gnutls_ocsp_resp_import(resp, &der) < 0)
		r = STAPLE_GARBLED;
	else if (gnutls_ocsp_resp_check_crt(resp, 0, crt) < 0)
		r = STAPLE_OTHER;
	else if (gnutls_ocsp_resp_get_single(resp, 0, NULL, NULL, NULL, NULL,
	    status, &this_update, next, revoked, NULL) < 0)
		r = STAPLE_GARBLED;
	else
		r = 0;
	gnutls_ocsp_resp_deinit(resp);
	gnutls_x509_crt_deinit(crt);
	return r;
}

/* "2026-01-31 12:00 UTC"; -1 for a time that cannot be said. */
static int
date_text(time_t t, char *out, size_t outsz)
{
	struct tm	tm;

	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		return -1;
	return 0;
}

/* How many certificates the peer sent. */
static unsigned
peer_count(gnutls_session_t session)
{
	unsigned	n = 0;

	if (gnutls_certificate_get_peers(session, &n) == NULL)
		return 0;
	return n;
}

/* The i-th certificate the peer sent (0: its own), parsed. */
static int
peer_cert(gnutls_session_t session, unsigned i, gnutls_x509_crt_t *crt)
{
	const gnutls_datum_t	*list;
	unsigned		 n = 0;

	if (gnutls_certificate_type_get(session) != GNUTLS_CRT_X509 ||
	    (list = gnutls_certificate_get_peers(session, &n)) == NULL ||
	    i >= n)
		return -1;
	if (gnutls_x509_crt_init(crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(*crt, &list[i], GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(*crt);
		return -1;
	}
	return 0;
}

/* The DNS names and IP addresses the certificate is for, else its CN. */
static void
cert_names(gnutls_x509_crt_t crt, char *out, size_t outsz)
{
	char		 san[256], ip[INET6_ADDRSTRLEN];
	const char	*name;
	size_t		 len;
	unsigned	 seq;
	int		 type, af;

	out[0] = '\0';
	for (seq = 0; ; seq++) {
		len = sizeof(san) - 1;
		type = gnutls_x509_crt_get_subject_alt_name(crt, seq, san,
		    &len, NULL);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME) {
			san[len] = '\0';
			name = san;
		} else if (type == GNUTLS_SAN_IPADDRESS &&
		    (len == 4 || len == 16)) {
			af = len == 4 ? AF_INET : AF_INET6;
			if ((name = inet_ntop(af, san, ip, sizeof(ip))) == NULL)
				continue;
		} else
			continue;	/* too long, or e-mail, URI... */
		if ((out[0] != '\0' && strlcat(out, ", ", outsz) >= outsz) ||
		    strlcat(out, name, outsz) >= outsz) {
			/* Room for the marker is kept by the caller's size. */
			memcpy(out + outsz - 5, "...", 4);
			return;
		}
	}
	if (out[0] == '\0')
		cert_common_name(crt, out, outsz);
	if (out[0] == '\0')
		strlcpy(out, "no name", outsz);
}

static void
cert_common_name(gnutls_x509_crt_t crt, char *out, size_t outsz)
{
	size_t	len = outsz;

	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    0, out, &len) < 0)
		out[0] = '\0';
}

static void
describe(struct tls_session *s)
{
	gnutls_protocol_t	 version;
	const char		*v, *g, *c;

	version = gnutls_protocol_get_version(s->session);
	v = gnutls_protocol_get_name(version);
	g = gnutls_group_get_name(gnutls_group_get(s->session));
	c = gnutls_cipher_get_name(gnutls_cipher_get(s->session));
	snprintf(s->desc, sizeof(s->desc), "%s, %s%s%s", v ? v : "TLS",
	    g ? g : "", g ? ", " : "", c ? c : "unknown cipher");
}

static void
peer_describe(struct tls_session *s)
{
	gnutls_x509_crt_t	crt;
	gnutls_datum_t		dn;

	strlcpy(s->peer, "(unknown)", sizeof(s->peer));
	if (peer_cert(s->session, 0, &crt) == -1)
		return;
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0) {
		strlcpy(s->peer, (const char *)dn.data, sizeof(s->peer));
		gnutls_free(dn.data);
	}
	gnutls_x509_crt_deinit(crt);
}

ssize_t
tls_read(struct tls_session *s, void *p, size_t n, long ms,
    struct failure *f)
{
	struct timespec	start;
	ssize_t		r = GNUTLS_E_AGAIN;
	int		tries;

	/* The socket's SO_RCVTIMEO bounds each recv(); the deadline bounds
	 * the record however slowly its bytes come. */
	deadline_set(s, ms);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (tries = 0; tries < TLS_RETRY_MAX; tries++) {
		r = gnutls_record_recv(s->session, p, n);
		if (r >= 0)
			return r;
		/* GNUTLS_E_AGAIN also follows a TLS 1.3 post-handshake
		 * message (a session ticket) even on a blocking socket: only
		 * when the socket's deadline has passed is it a timeout. A
		 * renegotiation request (TLS 1.2) or a warning alert is not
		 * an error either; ignoring the request declines it. */
		if (r == GNUTLS_E_TIMEDOUT || (r == GNUTLS_E_AGAIN && ms > 0 &&
		    timed_out(&start, ms)))
			break;
		if (r != GNUTLS_E_AGAIN && gnutls_error_is_fatal((int)r))
			break;
	}
	return io_fail(s, r, "read", f);
}

/* Every receive from now ends within ms (0: no deadline). */
static void
deadline_set(struct tls_session *s, long ms)
{
	s->has_deadline = ms > 0;
	if (ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &s->deadline);
	s->deadline.tv_sec += ms / 1000;
	s->deadline.tv_nsec += (ms % 1000) * 1000000;
	if (s->deadline.tv_nsec >= 1000000000) {
		s->deadline.tv_sec++;
		s->deadline.tv_nsec -= 1000000000;
	}
}

/* Milliseconds left before the deadline, 0 when past it. */
static long
deadline_left(const struct tls_session *s)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(s->deadline.tv_sec - now.tv_sec) * 1000 +
	    (s->deadline.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	return ms > INT_MAX ? INT_MAX : (long)ms;
}

/*
 * GnuTLS's receive: waits for the socket at most until the deadline,
 * then says EAGAIN. A blocking recv() alone would let a server hold a
 * handshake or a record for hours by sending a byte a second.
 */
static ssize_t
pull(gnutls_transport_ptr_t ptr, void *p, size_t n)
{
	struct tls_session	*s = ptr;
	ssize_t			 r;

	if (s->has_deadline &&
	    pull_wait(ptr, GNUTLS_INDEFINITE_TIMEOUT) == 0) {
		gnutls_transport_set_errno(s->session, EAGAIN);
		return -1;
	}
	if ((r = recv(s->fd, p, n, 0)) == -1)
		gnutls_transport_set_errno(s->session, errno);
	return r;
}

/* Waits at most ms (and never past the deadline) for bytes: 1, 0, -1. */
static int
pull_wait(gnutls_transport_ptr_t ptr, unsigned ms)
{
	struct tls_session	*s = ptr;
	struct pollfd		 pfd = { s->fd, POLLIN, 0 };
	long			 left;
	int			 r;

	do {
		left = ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 :
		    ms > INT_MAX ? INT_MAX : (long)ms;
		if (s->has_deadline && (left < 0 || deadline_left(s) < left))
			left = deadline_left(s);
	} while ((r = poll(&pfd, 1, (int)left)) == -1 && errno == EINTR);
	return r;
}

/* 1 when a wait that began at start has used up its budget of ms. */
static int
timed_out(const struct timespec *start, long budget)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
	/* SO_RCVTIMEO never fires early; leave room for clock rounding. */
	return ms >= (long long)budget * 9 / 10;
}

ssize_t
tls_write(struct tls_session *s, const void *p, size_t n, struct failure *f)
{
	const char	*q = p;
	size_t		 done = 0;
	ssize_t		 r;
	int		 tries = 0;

	while (done < n) {
		r = gnutls_record_send(s->session, q + done, n - done);
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		/* After EINTR GnuTLS wants the same call again: it has the
		 * record buffered. */
		if (r == GNUTLS_E_INTERRUPTED && ++tries < TLS_RETRY_MAX)
			continue;
		return io_fail(s, r, "write", f);
	}
	return (ssize_t)done;
}

static int
io_fail(struct tls_session *s, ssize_t r, const char *what, struct failure *f)
{
	switch (r) {
	case GNUTLS_E_AGAIN:
	case GNUTLS_E_TIMEDOUT:
		if (strcmp(what, "read") == 0)
			return fail(f, FAIL_TIMEOUT, "no answer within %d s",
			    s->timeout_sec);
		return fail(f, FAIL_TIMEOUT, "the server took no data "
		    "within %d s", s->timeout_sec);
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		return fail(f, FAIL_DROPPED, "the server closed the connection");
	default:
		return fail(f, FAIL_TLS, "TLS %s failed: %s", what,
		    gnutls_strerror((int)r));
	}
}

size_t
tls_pending(struct tls_session *s)
{
	return gnutls_record_check_pending(s->session);
}

const char *
tls_describe(struct tls_session *s)
{
	return s->desc;
}

const char *
tls_protocol(struct tls_session *s)
{
	const char	*v;

	v = gnutls_protocol_get_name(gnutls_protocol_get_version(s->session));
	return v != NULL ? v : "TLS";
}

const char *
tls_peer_name(struct tls_session *s)
{
	return s->peer;
}

int
tls_channel_binding(struct tls_session *s, const char **name,
    unsigned char *data, size_t size, size_t *len)
{
	gnutls_channel_binding_t	type;
	gnutls_datum_t			cb = { NULL, 0 };
	int				r = -1;

	/* tls-unique is not defined for TLS 1.3 (RFC 8446 C.5). */
	if (gnutls_protocol_get_version(s->session) == GNUTLS_TLS1_3) {
		type = GNUTLS_CB_TLS_EXPORTER;
		*name = "tls-exporter";
	} else {
		type = GNUTLS_CB_TLS_UNIQUE;
		*name = "tls-unique";
	}
	if (gnutls_session_channel_binding(s->session, type, &cb) == 0 &&
	    cb.size > 0 && cb.size <= size) {
		memcpy(data, cb.data, cb.size);
		*len = cb.size;
		r = 0;
	}
	gnutls_free(cb.data);
	return r;
}

int
tls_resumed(struct tls_session *s)
{
	return s->resumed;
}

/*
 * Called at the end of the SMTP session: a TLS 1.3 server sends its
 * ticket after the handshake, and it has been read with the replies by
 * now. TLS 1.2 data (session id or ticket) is there from the handshake
 * on. A TLS 1.3 server need not send a new ticket on a resumed session
 * (Postfix does not): the one used stays for the next run. RFC 8446
 * C.4 advises against reusing a ticket because it links connections;
 * a submission client's AUTH links them anyway (doc/deviations.md). A
 * session offered and refused, with no new ticket, is stale: removed.
 */
static void
session_store(struct tls_session *s)
{
	gnutls_datum_t	d = { NULL, 0 };

	if (s->cache_file == NULL)
		return;
	if (gnutls_protocol_get_version(s->session) == GNUTLS_TLS1_3 &&
	    !(gnutls_session_get_flags(s->session) &
	    GNUTLS_SFLAGS_SESSION_TICKET)) {
		if (s->offered && !s->resumed)
			tlscache_remove(s->cache_file);
		return;
	}
	if (gnutls_session_get_data2(s->session, &d) < 0 || d.size == 0)
		return;
	if (tlscache_store(s->cache_file, d.data, d.size, s->verified) == 0)
		log_info("TLS session stored for the next run");
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
}

int
tls_client_cert_sent(struct tls_session *s)
{
	return gnutls_certificate_get_ours(s->session) != NULL;
}

void
tls_end(struct tls_session *s)
{
	struct timeval	tv = { TLS_BYE_TIMEOUT_SEC, 0 };

	if (s == NULL)
		return;
	session_store(s);
	s->has_deadline = 0;
	/* close_notify is a courtesy: never wait long for it. */
	(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)gnutls_bye(s->session, GNUTLS_SHUT_WR);
	session_free(s);
}
