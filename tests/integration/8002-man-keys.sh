#!/bin/sh
# Every key of config.c's table (keys[]) has a row of its own in
# postie.conf.5, with its default and msmtp's name for it, and an entry
# that describes it: a new key without documentation fails here.
. "$(dirname "$0")/../lib/lib.sh"

top=$TESTS_DIR/..
man=$top/doc/postie.conf.5
# The names of the table's entries, e.g. { "host", key_host, ... }.
awk '/^static const struct key keys\[\] = \{/ { on = 1; next }
    on && /^};/ { exit }
    on && match($0, /^\t\{ "[a-z0-9_]+"/) {
	print substr($0, RSTART + 4, RLENGTH - 5) }' "$top/src/config.c" \
    >"$T/keys"
n=$(wc -l <"$T/keys")
plan $((n * 2 + 1))
check "config.c's table has the keys (over 50)" test "$n" -gt 50
# The table's rows: ".It Ic KEY Ta DEFAULT Ta MSMTP".
sed -n '/^\.Sh KEYS/,/^\.El/p' "$man" >"$T/table"
# The descriptions: an entry ".It Ic KEY ..." (or one naming it with
# another, ".It Ic tls_cert_file Ar file , Ic tls_key_file Ar file").
sed -n '/^\.Ss /,$p' "$man" >"$T/entries"
while read -r key; do
	check "$key has a row with a default and msmtp's name" \
	    grep -qE "^\.It Ic $key Ta .+ Ta .+" "$T/table"
	check "$key is described" \
	    grep -qE "^\.It Ic (.* )?$key( |\$)" "$T/entries"
done <"$T/keys"
