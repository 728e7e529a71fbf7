/*
 * tls: one GnuTLS client session over a connected socket, with strict
 * verification: the system trust store or a named PEM file, the
 * certificate's name checked against the host (or tls_host_override),
 * TLS 1.2 at least, SNI sent, a stapled OCSP response asked for and
 * checked when the server sends one. A certificate that does not verify
 * ends the handshake with FAIL_CERT and a reason a person can act on.
 */
#ifndef POSTIE_TLS_H
#define POSTIE_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "exitcode.h"

/* What the checks said of the server's certificate (tls_params.verdict). */
struct tls_verdict {
	int		verified;	/* it verified, or matched the pins */
	int		revoked;	/* a CRL or a stapled OCSP response says
					   it is revoked, which no pin overrides */
	struct failure	why;		/* unless verified: the FAIL_CERT a
					   submission ends with */
};

struct tls_params {
	const char	*trust_file;	/* NULL or "system": the system store */
	const char	*verify_name;	/* the name the certificate must hold */
	const char	*sni_name;	/* sent as SNI unless an IP address */
	int		 timeout_ms;	/* handshake deadline */
	/* The session cache file (tlscache_path()), NULL: no cache. */
	const char	*cache_file;
	/* Set after a 220 to STARTTLS: a plaintext answer then is a broken
	 * or hostile server, not a port that needs STARTTLS. */
	int		 after_starttls;
	/*
	 * NULL (a submission): a certificate that does not verify ends the
	 * handshake with FAIL_CERT. Otherwise the handshake runs to its end
	 * whatever the certificate, the same checks follow it, and their
	 * verdict goes to verdict(verdict_arg, v, f), which decides: 0 keeps
	 * the session, -1 (with f) ends it. Only a full handshake has a
	 * verdict: set no cache_file with it.
	 */
	int		(*verdict)(void *arg, const struct tls_verdict *v,
			    struct failure *f);
	void		*verdict_arg;
	/* tls_fingerprint: NULL for the CA and name checks; otherwise the
	 * server's own certificate must have this SHA-256 fingerprint
	 * ("AB:CD:...", certinfo's form) and nothing else is checked. */
	const char	*fingerprint;
	/* tls_pin: NULL, or SPKI pins (base64 SHA-256) separated by
	 * spaces; the server's own key must be one of them, and that too
	 * replaces the CA and name checks. With both, both must match. */
	const char	*pins;
	/* tls_priorities: NULL for postie's; TLS 1.0 and 1.1 stay off. */
	const char	*priorities;
	/* tls_cert_file, tls_key_file: NULL, or the client certificate
	 * offered when the server asks for one (both must be set). */
	const char	*cert_file;
	const char	*key_file;
	/* tls_crl_file: NULL, or a PEM CRL of the trusted CAs. */
	const char	*crl_file;
};

struct tls_session;

/*
 * Performs the handshake over fd (blocking, with SO_RCVTIMEO/SO_SNDTIMEO
 * already set by conn) and verifies the peer. On success *out is a
 * session to read and write with.
 *
 * Errors: FAIL_CERT (untrusted, wrong name, expired, not yet valid,
 * revoked by a CRL or a stapled OCSP response (also when pinned), a
 * stapled response that is for another certificate, unsigned by its CA
 * or out of date, not the pinned fingerprint: text says which, and for
 * which name), FAIL_TLS (handshake
 * failure, protocol version), FAIL_TIMEOUT, FAIL_DROPPED, FAIL_CONFIG
 * (trust file unreadable), FAIL_OS. With p->verdict, FAIL_CERT only as
 * the callback decides.
 */
int	tls_start(int fd, const struct tls_params *p, struct tls_session **out,
	    struct failure *f);

/*
 * Each returns the number of bytes moved (>0), 0 on an orderly close by
 * the peer (read only), or -1 with FAIL_TIMEOUT, FAIL_DROPPED or FAIL_TLS.
 * tls_read waits at most ms in all (0: the socket's timeout for each
 * receive), however slowly the record's bytes come.
 */
ssize_t	tls_read(struct tls_session *s, void *p, size_t n, long ms,
	    struct failure *f);
ssize_t	tls_write(struct tls_session *s, const void *p, size_t n,
	    struct failure *f);

/* Bytes already decrypted and waiting inside GnuTLS. */
size_t	tls_pending(struct tls_session *s);

/* "TLS1.3 / AES-256-GCM" and the like, for -v. */
const char *tls_describe(struct tls_session *s);
/* "TLS1.3" and the like, for the delivery log. */
const char *tls_protocol(struct tls_session *s);
/* The verified certificate's subject name, for -v and the demo. */
const char *tls_peer_name(struct tls_session *s);

/*
 * The session's channel binding, for SCRAM-*-PLUS: "tls-exporter" (RFC
 * 9266) on TLS 1.3, "tls-unique" (RFC 5929) on TLS 1.2. Copies it into
 * data (size bytes at most) and sets *len and *name. Returns 0, or -1
 * when there is none to give (postie then never picks a -PLUS).
 */
int	tls_channel_binding(struct tls_session *s, const char **name,
	    unsigned char *data, size_t size, size_t *len);

/*
 * The DER of certificate number i of the chain as the server sent it (0
 * is the server's own). Returns 0, or -1 past the end.
 */
int	tls_peer_cert(struct tls_session *s, unsigned i,
	    const unsigned char **der, size_t *len);

/* 1 when the handshake resumed a cached session (tlscache.h). */
int	tls_resumed(struct tls_session *s);

/* 1 when the handshake sent our client certificate (for AUTH EXTERNAL). */
int	tls_client_cert_sent(struct tls_session *s);

/*
 * Stores the session in its cache file (when it has one and the server
 * gave a ticket to resume with), sends close_notify (best effort) and
 * frees the session.
 */
void	tls_end(struct tls_session *s);

#endif
