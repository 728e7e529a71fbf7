/*
 * socks: the client side of a SOCKS5 CONNECT (RFC 1928), no
 * authentication, over a socket already connected to the proxy. The
 * destination goes to the proxy as a name (ATYP 3), so the name is
 * resolved where the proxy is; an IP literal goes as an address.
 */
#ifndef POSTIE_SOCKS_H
#define POSTIE_SOCKS_H

#include "exitcode.h"

/*
 * Asks the proxy on fd (blocking, with SO_RCVTIMEO/SO_SNDTIMEO set) to
 * connect to host:port, and reads its whole reply, so that the next byte
 * on fd is the destination's. timeout_sec is only for the error text.
 *
 * Errors: FAIL_CONNECT (the proxy refused: the text gives the reason of
 * its reply code), FAIL_PROTOCOL (not a SOCKS5 proxy, or it wants an
 * authentication postie does not offer), FAIL_TIMEOUT, FAIL_DROPPED,
 * FAIL_CONFIG (a host name longer than 255 bytes).
 */
int	socks5_connect(int fd, const char *host, int port, int timeout_sec,
	    struct failure *f);

#endif
