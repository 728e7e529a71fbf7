#!/bin/sh
# make install and install-links DESTDIR=... lay out exactly what
# README.md's table says, in the directories this build was configured
# with, with the modes they need; an existing postie.conf is left as it
# was; make uninstall then leaves no file but that postie.conf.
. "$(dirname "$0")/../lib/lib.sh"
plan 9

top=$TESTS_DIR/..
[ -f "$top/Makefile" ] || skip_all "no Makefile: run ./configure first"
stage=$T/stage
# One of the Makefile's variables, as make expands it.
mkvar() {
	printf 'print-%%:\n\t@echo $($*)\n' |
	    make -s -C "$top" -f Makefile -f - "print-$1"
}
prefix=$(mkvar prefix) bindir=$(mkvar bindir) sbindir=$(mkvar sbindir)
mandir=$(mkvar mandir) datadir=$(mkvar datadir)
sysconfdir=$(mkvar sysconfdir)
diag "prefix $prefix bindir $bindir sysconfdir $sysconfdir"

# README's table: "| `TARGET` | what | `DIR/file`, ... |" after its marker.
# $1: the target; prints the paths it names, in this build's directories.
readme_paths() {
	sed -n '/^<!-- install-layout/,/^$/p' "$top/README.md" |
	    awk -F'|' -v t="\`$1\`" '$2 ~ "^ *" t " *$" { print $4 }' |
	    grep -oE '`[A-Z]+/[^`]*`' | tr -d '`' |
	    sed -e "s|^PREFIX/|$prefix/|" -e "s|^BINDIR/|$bindir/|" \
	        -e "s|^SBINDIR/|$sbindir/|" -e "s|^MANDIR/|$mandir/|" \
	        -e "s|^DATADIR/|$datadir/|" -e "s|^SYSCONFDIR/|$sysconfdir/|" |
	    sort
}
readme_paths install >"$T/want-install"
readme_paths install-links >"$T/want-links"
check "README's table names at least 10 files for install" \
    test "$(wc -l <"$T/want-install")" -ge 10

mkdir -p "$stage$sysconfdir"
printf 'account mine\nhost smtp.example.org\n' >"$stage$sysconfdir/postie.conf"
cp "$stage$sysconfdir/postie.conf" "$T/conf-before"
make -s -C "$top" install DESTDIR="$stage" >"$T/log" 2>&1
check_eq "make install DESTDIR=...: exit 0" 0 "$?"
diag "$(cat "$T/log")"
(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort) |
    grep -vx "$sysconfdir/postie.conf" >"$T/got-install"
check_file_eq "it lays out exactly README's files" "$T/want-install" \
    "$T/got-install"
check_file_eq "an existing postie.conf is left as it was" \
    "$T/conf-before" "$stage$sysconfdir/postie.conf"
modes=$(while read -r f; do stat -c "%a $f" "$stage$f"; done \
    <"$T/want-install" | awk '$1 != 644 { print }')
check_eq "the program is 755, everything else 644" "755 $bindir/postie" \
    "$modes"
check "the units name the real paths, not the stage" \
    sh -c "! grep -rq '$stage' '$stage$prefix/lib/systemd'"

make -s -C "$top" install-links DESTDIR="$stage" >"$T/log" 2>&1
(cd "$stage" && find . -type l | sed 's|^\.||' | sort) >"$T/got-links"
check_file_eq "install-links makes README's links" "$T/want-links" \
    "$T/got-links"
targets=$(while read -r f; do readlink "$stage$f"; done <"$T/want-links" |
    sort -u)
check_eq "each points at BINDIR/postie" "$bindir/postie" "$targets"

make -s -C "$top" uninstall DESTDIR="$stage" >"$T/log" 2>&1
left=$(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\.||')
check_eq "make uninstall leaves no file but postie.conf" \
    "$sysconfdir/postie.conf" "$left"
