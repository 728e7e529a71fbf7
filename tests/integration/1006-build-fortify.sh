#!/bin/sh
# configure adds -D_FORTIFY_SOURCE=2 to an optimised build (and to no
# other): with the Makefile of this tree optimising, without the
# sanitizers and without a _FORTIFY_SOURCE of its own, the flags carry it
# and the binary calls the libc's checked functions (__snprintf_chk and
# the like, besides the stack protector's __stack_chk_fail); otherwise
# the flags do not carry it.
. "$(dirname "$0")/../lib/lib.sh"
plan 2

top=$TESTS_DIR/..
mk() { sed -n "s/^$1 = *//p" "$top/Makefile"; }
if [ ! -f "$top/Makefile" ]; then
	fail "the tree has a Makefile" "run ./configure first"
	fail "the binary matches it" ""
	exit 1
fi
cflags=$(mk CFLAGS) cppflags=$(mk CPPFLAGS) hard=$(mk HARDFLAGS) san=$(mk SANFLAGS)
want=yes
last_o=
for o in $cflags; do case $o in -O*) last_o=$o ;; esac; done
case $last_o in ''|-O0) want=no ;; esac
[ -n "$san" ] && want=no
case " $cflags $cppflags " in *_FORTIFY_SOURCE*) want=preset ;; esac
diag "CFLAGS: $cflags; HARDFLAGS: $hard; SANFLAGS: $san; expected: $want"

chk=$(nm -D "$top/src/postie" 2>/dev/null | grep -c ' U __[a-z_]*_chk@' )
case $want in
yes)
	check "HARDFLAGS defines _FORTIFY_SOURCE=2" \
	    sh -c 'case " $1 " in *" -D_FORTIFY_SOURCE=2 "*) ;; *) exit 1 ;; esac' sh "$hard"
	check "the binary calls checked libc functions (found $chk)" \
	    sh -c 'nm -D "$1" | grep -v __stack_chk_fail | grep -q " U __[a-z_]*_chk@"' sh "$top/src/postie"
	;;
*)
	check "HARDFLAGS does not define _FORTIFY_SOURCE ($want)" \
	    sh -c 'case " $1 " in *_FORTIFY_SOURCE*) exit 1 ;; esac' sh "$hard"
	check "the binary exists" test -x "$top/src/postie"
	;;
esac
