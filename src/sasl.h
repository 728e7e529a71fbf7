/*
 * sasl: the client side of SMTP AUTH (RFC 4954) behind three calls
 * (start, step, end) and the verdict (finish): SCRAM (scram.h, its keys
 * cached by scramcache.h), OAUTHBEARER and XOAUTH2 built in, the other
 * mechanisms through Cyrus libsasl2, with the password from
 * password.h's sources. Secrets live in one place, are wiped after use
 * and are never returned in a failure text. Never prints, never exits.
 */
#ifndef POSTIE_SASL_H
#define POSTIE_SASL_H

#include <stddef.h>

#include "exitcode.h"

struct sasl_params {
	const char	*host;		/* server name, for the SASL service */
	const char	*user;		/* authentication identity */
	const char	*password;	/* NULL: the other sources, in order */
	const char	*passwordeval;	/* sh -c command printing the secret */
	const char	*mech;		/* NULL: strongest both sides have */
	const char	*offered;	/* the server's AUTH list, space separated */
	int		 tls_active;	/* TLS is up and the peer verified */
	int		 loopback;	/* the server is on a loopback address */
	int		 no_prompt;	/* never ask for the password on a tty */
	/* The TLS channel binding (RFC 5929 tls-unique, RFC 9266
	 * tls-exporter): its name and data, or NULL; copied by sasl_start. */
	const char		*cb_name;
	const unsigned char	*cb_data;
	size_t			 cb_len;
	int		 client_cert;	/* a client certificate was presented */
	/* SCRAM keys may be cached (scramcache.h) in key_cache_dir (NULL:
	 * the TLS session cache's default directory). */
	int		 key_cache;
	const char	*key_cache_dir;
};

struct sasl_client;

/*
 * Chooses the mechanism and computes the initial response. The one
 * p->mech names must be offered by the server (else the error lists
 * both sides); without one, the first of this list that the server
 * offers: SCRAM-SHA-512, -384, -256, -224, -1 (built in), each first as
 * its -PLUS variant when p->cb_name is set, then PLAIN, LOGIN when
 * libsasl2 has them (these two only with p->tls_active: without TLS a
 * server offering only them is FAIL_AUTH with a hint).
 * CRAM-MD5, DIGEST-MD5, NTLM, GSSAPI, GS2-KRB5, EXTERNAL (which needs
 * p->client_cert) and ANONYMOUS are used only when named. OAUTHBEARER
 * and XOAUTH2 are built in, used only when named, with the password as
 * the access token. libsasl2 is initialised only when one of its
 * mechanisms is chosen, loading only that mechanism's plugin (and, in
 * the automatic choice, those of the ones before it that it lacked), and
 * again later only if a later call needs one it did not load.
 *
 * The password, when the mechanism needs one, comes from password.h's
 * sources (password, passwordeval, netrc, the terminal unless
 * p->no_prompt). *mech is the chosen name; *initial is the base64
 * initial response to put on the AUTH line (RFC 4954: "=" for an empty
 * one), or NULL when the mechanism has none. Both stay valid until the
 * next call.
 *
 * Refuses to go on without TLS unless p->loopback. Errors: FAIL_AUTH (no
 * common mechanism: text lists both sides; the named one not offered;
 * -PLUS without channel binding; no user; no password), FAIL_CONFIG
 * (passwordeval failed: text has its exit status, never its output; a
 * netrc others can read; EXTERNAL without a client certificate),
 * FAIL_OS, FAIL_SOFTWARE.
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

/*
 * What the server reported in an OAuth error challenge (RFC 7628
 * section 3.2.2: a JSON status, never the token), for the error line
 * after its refusal; NULL when there was none.
 */
const char *sasl_server_error(const struct sasl_client *s);

/*
 * The server's verdict on AUTH, its reply code. For a built-in SCRAM, an
 * accepted login (2xx) must have verified the server's signature (else
 * FAIL_PROTOCOL: the server did not prove it knows the password), and
 * its keys are then cached, with -v saying where; a refused one (5xx)
 * removes the cached keys of this server, salt and password; a 4xx
 * changes nothing. 0 for every other mechanism.
 */
int	sasl_finish(struct sasl_client *s, int code, struct failure *f);

/* Wipes and frees everything, the password included. */
void	sasl_end(struct sasl_client *s);

/* The i-th mechanism postie has of its own (no libsasl2), in the order
 * auth on prefers them; NULL after the last. */
const char *sasl_builtin(size_t i);

#endif
