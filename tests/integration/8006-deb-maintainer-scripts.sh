#!/bin/sh
# The Debian package's postinst makes the postie user and group and the
# spool with the modes and owners "make install-system" gives them (and
# the owner and mode of an existing /etc/postie.conf); run again, as an
# upgrade does, it changes nothing; postrm purge removes them all. Run
# for real, inside a private mount namespace over a copy of /etc and
# empty /var/spool and /var/lib: the machine's users and spool are not
# touched (the package itself is never installed here: .ci/package
# builds it and checks it with dpkg-deb).
. "$(dirname "$0")/../lib/lib.sh"
plan 12

top=$TESTS_DIR/..
[ "$(id -u)" -eq 0 ] || skip_all "needs root (adduser, a mount namespace)"
command -v unshare >/dev/null && command -v adduser >/dev/null ||
    skip_all "needs unshare and adduser"

cat >"$T/inside" <<'INSIDE'
set -u
T=$1 deb=$2
cp -a /etc "$T/etc" && mount --bind "$T/etc" /etc &&
    mkdir "$T/spool" "$T/lib" && mount --bind "$T/spool" /var/spool &&
    mount --bind "$T/lib" /var/lib || exit 1
# Another test run's postie user, if any, is not this one's.
userdel postie 2>/dev/null; groupdel postie 2>/dev/null
printf 'account a\nhost smtp.example.org\n' >/etc/postie.conf
chmod 600 /etc/postie.conf
sh "$deb/postinst" configure >"$T/postinst.out" 2>&1
echo "$?" >"$T/postinst.rc"
getent passwd postie | cut -d: -f6,7 >"$T/user"
getent group postie | cut -d: -f1 >"$T/group"
s=/var/spool/postie
stat -c '%n %a %U:%G' "$s" "$s/status" "$s/incoming" "$s/maildrop" \
    "$s/hold" "$s/quarantine" /var/lib/postie >"$T/modes1"
stat -c '%a %U:%G' /etc/postie.conf >"$T/conf"
# An upgrade runs it again, over mail that is waiting.
mkdir "$s/queue" && : >"$s/queue/x.msg"
sh "$deb/postinst" configure >>"$T/postinst.out" 2>&1
echo "$?" >"$T/postinst2.rc"
stat -c '%n %a %U:%G' "$s" "$s/status" "$s/incoming" "$s/maildrop" \
    "$s/hold" "$s/quarantine" /var/lib/postie >"$T/modes2"
stat -c '%U:%G' "$s/queue/x.msg" >"$T/queued"
sh "$deb/postrm" purge >"$T/postrm.out" 2>&1
echo "$?" >"$T/postrm.rc"
{ getent passwd postie; getent group postie; ls -d /var/spool/postie \
    /var/lib/postie /etc/postie.conf; } >"$T/left" 2>/dev/null
exit 0
INSIDE
# The copy of /etc is taken under the machine lock, held exclusively (as
# the 61xx scripts hold it): a lock file of a useradd running for another
# test run, copied with it, would make adduser here wait for it.
exec 9>"${TMPDIR:-/tmp}/postie-system-tests.lock"
flock 9
unshare -m sh "$T/inside" "$T" "$top/contrib/debian" >"$T/log" 2>&1
check_eq "the namespace is set up" 0 "$?"
diag "$(cat "$T/log" "$T/postinst.out" 2>/dev/null)"
check_eq "postinst configure: exit 0" 0 "$(cat "$T/postinst.rc")"
check_eq "the postie user: home the spool, no shell" \
    "/var/spool/postie:/usr/sbin/nologin" "$(cat "$T/user")"
check_eq "its group" postie "$(cat "$T/group")"
want="/var/spool/postie 711 postie:postie
/var/spool/postie/status 711 postie:postie
/var/spool/postie/incoming 3733 postie:postie
/var/spool/postie/maildrop 3733 postie:postie
/var/spool/postie/hold 1711 postie:postie
/var/spool/postie/quarantine 700 postie:postie
/var/lib/postie 700 postie:postie"
check_eq "the spool and the TLS cache: install-system's modes and owners" \
    "$want" "$(cat "$T/modes1")"
check_eq "an existing /etc/postie.conf becomes root:postie 0640" \
    "640 root:postie" "$(cat "$T/conf")"
check_eq "run again (an upgrade): exit 0" 0 "$(cat "$T/postinst2.rc")"
check_eq "and the same modes" "$want" "$(cat "$T/modes2")"
check_eq "mail waiting in the queue becomes postie's" "postie:postie" \
    "$(cat "$T/queued")"
check_eq "postrm purge: exit 0" 0 "$(cat "$T/postrm.rc")"
check_eq "it leaves no user, group, spool, cache or postie.conf" "" \
    "$(cat "$T/left")"
check_eq "postinst says nothing, twice (dpkg shows what it prints)" "" \
    "$(cat "$T/postinst.out")"
