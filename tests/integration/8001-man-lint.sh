#!/bin/sh
# The manual pages are clean for mandoc -Tlint (make lint-man), and each
# points to the other.
. "$(dirname "$0")/../lib/lib.sh"
plan 4

top=$TESTS_DIR/..
command -v mandoc >/dev/null 2>&1 ||
    skip_all "no mandoc (contrib/install-deps installs it)"
make -s -C "$top" lint-man >"$T/out" 2>&1
rc=$?
diag "$(cat "$T/out")"
check_rc "make lint-man exits 0" 0
check_eq "and says nothing" "" "$(cat "$T/out")"
check "postie.1's SEE ALSO names postie.conf(5)" \
    sh -c "sed -n '/^\.Sh SEE ALSO/,/^\.Sh/p' '$top/doc/postie.1' |
    grep -qx '.Xr postie.conf 5 ,'"
check "postie.conf.5's SEE ALSO names postie(1)" \
    sh -c "sed -n '/^\.Sh SEE ALSO/,/^\.Sh/p' '$top/doc/postie.conf.5' |
    grep -qx '.Xr postie 1 ,'"
