/*
 * sasl: the client side of SMTP AUTH (RFC 4954) through Cyrus libsasl2,
 * behind three calls (start, step, end), and the password sources
 * (password, passwordeval). Secrets live in one place, are wiped after
 * use and are never returned in a failure text. Never prints, never
 * exits.
 */
#ifndef POSTIE_SASL_H
#define POSTIE_SASL_H

#include <stddef.h>

#include "exitcode.h"

struct sasl_params {
	const char	*host;		/* server name, for the SASL service */
	const char	*user;		/* authentication identity */
	const char	*password;	/* NULL: ask passwordeval */
	const char	*passwordeval;	/* sh -c command printing the secret */
	const char	*mech;		/* NULL: strongest both sides have */
	const char	*offered;	/* the server's AUTH list, space separated */
	int		 tls_active;	/* TLS is up and the peer verified */
	int		 loopback;	/* the server is on a loopback address */
};

struct sasl_client;

/*
 * Chooses the mechanism (the one p->mech names, which the server must
 * offer, or else the first of SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN
 * that the server offers and libsasl2 has; others such as CRAM-MD5 only
 * when named, ANONYMOUS never) and computes the initial response.
 * OAUTHBEARER and XOAUTH2 are built in, used only when named, with the
 * password as the access token. The password is fetched here (password,
 * else passwordeval run with sh -c, stdin /dev/null, one trailing
 * newline stripped, output capped at 64 KiB). *mech is the chosen name; *initial is the base64
 * initial response to put on the AUTH line (RFC 4954: "=" for an empty
 * one), or NULL when the mechanism has none. Both stay valid until the
 * next call.
 *
 * Refuses to go on without TLS unless p->loopback. Errors: FAIL_AUTH (no
 * common mechanism: text lists both sides; no user; no password),
 * FAIL_CONFIG (passwordeval failed: text has its exit status, never its
 * output), FAIL_OS, FAIL_SOFTWARE.
 */
int	sasl_start(const struct sasl_params *p, struct sasl_client **out,
	    const char **mech, const char **initial, struct failure *f);

/*
 * Given the server's 334 challenge (base64, as it came), computes the
 * base64 response in *response. Errors: FAIL_PROTOCOL (bad base64),
 * FAIL_AUTH.
 */
int	sasl_step(struct sasl_client *s, const char *challenge, size_t len,
	    const char **response, struct failure *f);

/* Wipes and frees everything, the password included. */
void	sasl_end(struct sasl_client *s);

#endif
