#!/bin/sh
# "make install-system DESTDIR=..." as a package build runs it: the spool
# with its modes and the units land in the staging tree with the paths
# of the real one, and no user or group is created on the build machine.
. "$(dirname "$0")/../lib/lib.sh"
plan 9

exec 9>"${TMPDIR:-/tmp}/postie-system-tests.lock"
flock 9
had_user=$(getent passwd postie >/dev/null && echo yes || echo no)
stage=$T/stage
make -s -C "$TESTS_DIR/.." install-system DESTDIR="$stage" \
    >"$T/log" 2>&1
check_eq "make install-system DESTDIR=...: exit 0" 0 "$?"
spool=$("$POSTIE" --version |
    sed -n 's/^system queue and maildrop: \([^ ]*\) .*/\1/p')
check_eq "the spool and its maildrop, with their modes" \
    "711 3733 3733 1711 700 711" \
    "$(stat -c %a "$stage$spool" "$stage$spool/incoming" \
    "$stage$spool/maildrop" "$stage$spool/hold" "$stage$spool/quarantine" \
    "$stage$spool/status" |
    tr '\n' ' ' | sed 's/ $//')"
check_eq "the TLS session cache's directory, 700" 700 \
    "$(stat -c %a "$stage${spool%/spool/postie}/lib/postie")"
svc=$(find "$stage" -name postie-queue.service -path '*/system/*')
check "the service unit is installed" test -f "$svc"
check "it runs as postie" grep -qx 'User=postie' "$svc"
check "its paths are the real ones, not the staging tree's" \
    sh -c "grep -q '^ExecStart=/' '$svc' && ! grep -q '$stage' '$svc'"
check "the path unit watches the maildrop" \
    grep -qx "PathChanged=$spool/maildrop" \
    "$(dirname "$svc")/postie-queue.path"
# systemd's own checker, offline: the staging tree stands in for the
# root (with the binary the service starts, and systemd's units that
# these name), so a key it does not know or a path it cannot run fails.
exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$svc")
mkdir -p "$stage$(dirname "$exe")" "$stage/usr/lib/systemd"
cp "$POSTIE" "$stage$exe"
cp -a /lib/systemd/system "$stage/usr/lib/systemd/"
(cd "$(dirname "$svc")" && systemd-analyze verify --root="$stage" --man=no \
    postie-queue.service postie-queue.path postie-queue.timer) \
    >"$T/verify" 2>&1
check_eq "systemd-analyze verify: exit 0 and nothing to say" \
    "0:" "$?:$(cat "$T/verify")"
check_eq "no user was created on this machine" "$had_user" \
    "$(getent passwd postie >/dev/null && echo yes || echo no)"
