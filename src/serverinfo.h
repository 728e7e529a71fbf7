/*
 * serverinfo: postie --serverinfo. Connects as a submission for the
 * account would, sends no mail and never authenticates, and prints what
 * the server offers: greeting, capabilities before and after TLS, the
 * TLS version and cipher, the certificate chain as sent, the AUTH
 * mechanisms, and whether the certificate verified, checked as a
 * submission checks it (deliver_tls_params(): pins included) but
 * reported instead of ending the probe.
 */
#ifndef POSTIE_SERVERINFO_H
#define POSTIE_SERVERINFO_H

#include "config.h"

/*
 * Prints the report for account a on stdout; a failure is one line on
 * stderr, after whatever was learned before it. After a certificate
 * that does not verify, nothing but QUIT is sent (STARTTLS) or the
 * connection is closed (implicit TLS). Returns an exit status: EX_OK
 * when everything verified, the certificate failure's status (69)
 * otherwise, the usual statuses of connect, TLS and protocol failures.
 */
int	serverinfo_run(const struct account *a);

/*
 * The refusal of tls_certcheck off (config_certcheck_off(a)): connects
 * as serverinfo_run() does, prints nothing on stdout, reads the server's
 * certificate without trusting it, sends nothing but EHLO, STARTTLS and
 * QUIT (no AUTH, no mail) and fills f with FAIL_CONFIG:
 *   "FILE:LINE: tls_certcheck off is refused; to trust this server's
 *   certificate, use instead: tls_fingerprint AB:CD:..."
 * after warning on stderr that the fingerprint came over an unverified
 * connection, and giving the tls_pin alternative. When the certificate
 * cannot be read, f is still FAIL_CONFIG, saying the key is refused and
 * why nothing can be suggested. Always returns -1.
 */
int	serverinfo_certcheck_refusal(const struct account *a,
	    struct failure *f);

#endif
