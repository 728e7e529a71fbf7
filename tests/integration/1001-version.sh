#!/bin/sh
# --version: postie's version, the GnuTLS and libsasl2 it runs with (as
# pkg-config names this machine's), the SASL mechanisms available here,
# the configuration files in the order they are looked for (the one that
# would be read marked) and the queue. Run as nobody, so that the queue
# is the user's, under $XDG_STATE_HOME.
. "$(dirname "$0")/../lib/lib.sh"
plan 14

want_version=$(sed -n 's/^VERSION=//p' "$TESTS_DIR/../configure")
chmod 755 "$T"
mkdir -p "$T/home/.config/msmtp"
: >"$T/home/.msmtprc"
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody "$T/home"
	as_user() { setpriv --reuid=nobody --regid="$(id -g nobody)" \
	    --clear-groups "$@"; }
else
	as_user() { "$@"; }
fi
as_user env -i PATH="$PATH" HOME="$T/home" XDG_STATE_HOME="$T/state" \
    "$POSTIE" --version </dev/null >"$T/stdout" 2>"$T/stderr"
rc=$?
diag "$(cat "$T/stdout" "$T/stderr")"
check_rc "--version exits 0" 0
check_eq "nothing on stderr" "" "$(cat "$T/stderr")"
check_eq "the first line names postie and configure's version" \
    "postie $want_version" "$(head -n 1 "$T/stdout")"
check_eq "GnuTLS's version as loaded" "$(pkg-config --modversion gnutls)" \
    "$(sed -n 's/^GnuTLS \([^ ]*\) .*/\1/p' "$T/stdout")"
check_eq "libsasl2's version as loaded" \
    "$(pkg-config --modversion libsasl2)" \
    "$(sed -n 's/^libsasl2 \([^ ]*\) .*/\1/p' "$T/stdout")"
check_eq "the built-in mechanisms: SCRAM (each hash, -PLUS first), OAuth 2.0" \
    "SASL built in: SCRAM-SHA-512-PLUS SCRAM-SHA-384-PLUS SCRAM-SHA-256-PLUS SCRAM-SHA-224-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-512 SCRAM-SHA-384 SCRAM-SHA-256 SCRAM-SHA-224 SCRAM-SHA-1 OAUTHBEARER XOAUTH2" \
    "$(grep '^SASL built in:' "$T/stdout")"
# libsasl2-modules (contrib/install-deps) brings PLAIN, LOGIN and SCRAM.
for m in PLAIN LOGIN SCRAM-SHA-256; do
	check "libsasl2's plugins here offer $m" \
	    grep -qE "^SASL from libsasl2:.* $m( |\$)" "$T/stdout"
done
grep '^configuration: ' "$T/stdout" >"$T/conf"
check_eq "the user's files first, in config.c's order" \
    "configuration: $T/home/.config/postie/config
configuration: $T/home/.config/msmtp/config (msmtp's)
configuration: $T/home/.msmtprc (msmtp's) (read)" "$(head -n 3 "$T/conf")"
check "then the system's postie.conf" \
    grep -qE '^configuration: /.*/postie\.conf$' "$T/conf"
check "the system's configuration, which the 61xx tests read" grep -qE \
    '^system configuration: /.*/postie\.conf$' "$T/stdout"
check_eq "the user's queue" "queue: $T/state/postie/queue" \
    "$(grep '^queue: ' "$T/stdout")"
check "the system queue" grep -qE \
    '^system queue and maildrop: /.*/spool/postie \(user postie\)$' \
    "$T/stdout"
