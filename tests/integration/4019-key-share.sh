#!/bin/sh
# The ClientHello shares one key, X25519's (GNUTLS_KEY_SHARE_TOP, X25519
# first among NORMAL's groups): one key pair made, not two. A server
# without X25519 asks for its own group (HelloRetryRequest) and the
# message still goes; tls_priorities decides which group comes first; the
# test Postfix agrees on X25519.
. "$(dirname "$0")/../lib/lib.sh"
plan 15

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"

# shares DESC KIND CONFIG-LINE [FAKE-OPTION...]: one delivery with -v
# (CONFIG-LINE may be empty)
shares() {
	sd=$1 kind=$2 line=$3; shift 3
	if [ "$kind" = implicit ]; then set -- --implicit-tls "$@"; fi
	fake_start serve "$@"
	config_fake "$T/rc" "$FAKE_PORT" "$kind" "queue off" "$line"
	postie_run -C "$T/rc" -v rcpt@example.test <"$T/msg"
	fake_wait
	check_rc "$sd: delivered" 0
}

shares "implicit TLS" implicit ""
check_transcript "implicit TLS: one key share, X25519" '^# client key shares: x25519$'
check_err_any "implicit TLS: -v names the group" "TLS: TLS1.3, X25519, "

shares "STARTTLS" starttls ""
check_transcript "STARTTLS: one key share, X25519" '^# client key shares: x25519$'
check_err_any "STARTTLS: -v names the group" "TLS: TLS1.3, X25519, "

shares "server with P-256 only" implicit "" --ecdh-curve prime256v1
check_transcript "server with P-256 only: the first hello shared X25519" \
    '^# client key shares: x25519$'
check_err_any "server with P-256 only: agreed on P-256 when asked" "TLS: TLS1.3, SECP256R1, "
check_transcript "server with P-256 only: MAIL sent" '^C: MAIL FROM:<sender@example.test>'

shares "tls_priorities first group" implicit \
    "tls_priorities NORMAL:-GROUP-ALL:+GROUP-SECP384R1:+GROUP-X25519"
check_transcript "tls_priorities first group: its one share" '^# client key shares: secp384r1$'
check_err_any "tls_priorities first group: used" "TLS: TLS1.3, SECP384R1, "

need_postfix
config_postfix "$T/rc" smtps
postie_run -C "$T/rc" -v rcpt@example.test <"$T/msg"
check_rc "Postfix: delivered" 0
check_err_any "Postfix: agreed on X25519" "TLS: TLS1.3, X25519, "
