#!/bin/sh
# Every configuration in README.md is one postie takes: each fenced block
# tagged "postie.conf" is written to a file (mode 600) and, for each of
# its accounts, a message is submitted through an account that inherits
# everything from it ("account check : NAME") and only adds "queue
# always", so that the file is parsed, the account chosen and checked
# (host, TLS, addresses, aliases) and the message queued, with no
# connection made; the queued envelope's sender must be one address. A
# block tagged "postie.conf-fragment" holds keys to
# add to an account: it is checked the same way after an account line.
# A recipe cannot rot, and no configuration-looking block goes untagged.
. "$(dirname "$0")/../lib/lib.sh"

top=$TESTS_DIR/..
readme=$top/README.md
mkdir "$T/blocks" "$T/files"
# Splits the tagged blocks into $T/blocks/N.conf or N.fragment.
awk -v dir="$T/blocks" '
    /^ *```postie\.conf(-fragment)? *$/ {
	n++; kind = ($0 ~ /fragment/) ? "fragment" : "conf"
	f = sprintf("%s/%02d.%s", dir, n, kind); on = 1
	ind = match($0, /[^ ]/) - 1; next }
    on && /^ *``` *$/ { on = 0; close(f); next }
    on { print substr($0, ind + 1) > f }' "$readme"
# The files the recipes name, where the test can make them.
printf 'root: ops@example.net\n' >"$T/files/aliases"

nblocks=$(ls "$T/blocks" | wc -l)
naccounts=0
for b in "$T"/blocks/*; do
	case $b in *.fragment) naccounts=$((naccounts + 1)); continue ;; esac
	n=$(awk '$1 == "account" && $2 != "default" { c++ } END { print c + 0 }' "$b")
	naccounts=$((naccounts + n))
done
plan $((2 + naccounts * 3))

check "README.md has at least 11 tagged configuration blocks" \
    test "$nblocks" -ge 11
# A block with account or defaults lines must be tagged.
untagged=$(awk '/^ *```/ { if (on) { on = 0; next } on = 1
	tagged = ($0 ~ /```postie\.conf/); next }
    on && !tagged && /^ *(account|defaults)( |$)/ { print NR ": " $0 }' "$readme")
check_eq "no untagged block holds an account or defaults" "" "$untagged"

printf 'Subject: recipe\n\nchecked\n' >"$T/msg"
# check_account FILE NAME: a submission through NAME, queued, exit 0.
check_account() {
	cp "$1" "$T/run.conf"
	# The paths a recipe names on the machine it is for, here in $T.
	sed -i "s|/etc/postie.aliases|$T/files/aliases|" "$T/run.conf"
	printf '\naccount postie-check : %s\nqueue always\nqueue_dir %s\n' \
	    "$2" "$T/queue" >>"$T/run.conf"
	chmod 600 "$T/run.conf"
	postie_run -C "$T/run.conf" -a postie-check rcpt@example.net <"$T/msg"
	check_rc "block ${1##*/}, account $2: exit 0" 0
	[ "$rc" -eq 0 ] || diag "$err" "$(cat "$1")"
	check "block ${1##*/}, account $2: the message is queued" \
	    sh -c "ls '$T/queue/queue/' 2>/dev/null | grep -q '\.msg$'"
	# The parser takes a blank in "from" as part of the value, so an
	# inline "# comment" would become the sender: the envelope says.
	check_eq "block ${1##*/}, account $2: the sender is one address" "" \
	    "$(sed -n 's/^from //p' "$T"/queue/queue/*.env 2>/dev/null |
	    grep '[[:blank:]#]')"
	rm -rf "$T/queue"
}
for b in "$T"/blocks/*; do
	case $b in
	*.fragment)
		{ printf 'account fragment\nhost smtp.example.com\n'; cat "$b"; } \
		    >"$b.conf"
		check_account "$b.conf" fragment
		continue ;;
	esac
	for a in $(awk '$1 == "account" && $2 != "default" { sub(/:.*/, "", $2); print $2 }' "$b"); do
		check_account "$b" "$a"
	done
done
