#!/bin/sh
# Nobody but a file's owner (the user or root) may change a file that
# steers postie: the configuration (its passwordeval runs as the user),
# the aliases file (it says where root's mail goes), a netrc (it holds
# the password). A group may write one only when it is the owner's
# private group. Each refusal is exit 78 and one line naming the file.
# Throwaway accounts, removed on exit: pstA$$ and pstB$$ share the
# primary group pstS$$ (as "users" is shared); pstC$$ has a private one.
. "$(dirname "$0")/../lib/lib.sh"
plan 15

[ "$(id -u)" -eq 0 ] || skip_all "needs root to add throwaway accounts"
S=pstS$$ A=pstA$$ B=pstB$$ C=pstC$$
cleanup_accounts() {
	ca_st=$?
	for u in "$A" "$B" "$C"; do userdel "$u" 2>/dev/null; done
	groupdel "$S" 2>/dev/null
	groupdel "$C" 2>/dev/null
	(exit $ca_st)	# tap_end reads the script's status from $?
	tap_end
}
trap cleanup_accounts EXIT
groupadd "$S" && useradd -M -N -g "$S" "$A" && useradd -M -N -g "$S" "$B" &&
    useradd -M -U "$C" || { fail "throwaway accounts" "groupadd/useradd failed"; exit 1; }
chmod 711 "$T"

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
# run_as USER ARG...: postie as USER (its primary group, no others)
run_as() {
	ra_u=$1; shift
	setpriv --reuid="$ra_u" --regid="$(id -g "$ra_u")" --clear-groups \
	    env HOME="$T/$ra_u" XDG_STATE_HOME="$T/$ra_u/state" \
	    timeout 60 "$POSTIE" "$@" <"$T/msg" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	err=$(cat "$T/stderr")
}
# account_dir USER: $T/USER, the user's, with a config for a fresh fake
# server in it, owned USER:its primary group, mode 0660; the password
# from passwordeval (a password key would make it too readable)
account_dir() {
	mkdir -p "$T/$1"
	fake_start serve --implicit-tls
	config_fake "$T/$1/rc.tmp" "$FAKE_PORT" implicit "queue off" "tls_session_cache off"
	{ grep -v -e '^password ' -e '^account default' "$T/$1/rc.tmp"
	  printf '%s\n' 'passwordeval "echo wonderland-secret"' 'account default : test'
	} >"$T/$1/rc"
	chown -R "$1:$(id -g "$1")" "$T/$1"
	chmod 660 "$T/$1/rc"
}

# A config the shared group can write: B could add a passwordeval.
account_dir "$A"
run_as "$A" -C "$T/$A/rc" rcpt@example.test
fake_finish 1
check_rc "shared group can write the config: exit 78" 78
check_err "the error names the file and says others can change it" "$T/$A/rc" "others can change it"
check "nothing was sent" sh -c '! grep -q "^C: MAIL" "$1" 2>/dev/null' sh "$T/transcript"

# The same mode with the owner's private group: accepted.
account_dir "$C"
run_as "$C" -C "$T/$C/rc" rcpt@example.test
fake_wait
check_rc "private group can write the config: delivered, exit 0" 0
check_eq "private group: nothing on stderr" "" "$err"

# And once a member is listed in that group, it is no longer private.
usermod -a -G "$C" "$B"
account_dir "$C"
run_as "$C" -C "$T/$C/rc" rcpt@example.test
fake_finish 1
check_rc "private group with a member: exit 78" 78
check_err "private group with a member: others can change it" "others can change it"
gpasswd -d "$B" "$C" >/dev/null

# aliases, as root: world-writable, then writable by the shared group
fake_start serve --implicit-tls
printf 'root: rcpt@example.test\n' >"$T/aliases"
config_fake "$T/rc" "$FAKE_PORT" implicit "queue off" "aliases $T/aliases"
chmod 666 "$T/aliases"
postie_run -C "$T/rc" root
check_rc "world-writable aliases: exit 78" 78
check_err "the error names the aliases file" "$T/aliases" "others can change it"
chgrp "$S" "$T/aliases"; chmod 664 "$T/aliases"
postie_run -C "$T/rc" root
check_rc "aliases writable by a shared group: exit 78" 78
chgrp root "$T/aliases"; chmod 644 "$T/aliases"
postie_run -C "$T/rc" root
fake_wait
check_rc "aliases 0644 root:root: delivered, exit 0" 0
check "the alias was followed" grep -q '^C: RCPT TO:<rcpt@example.test>' "$T/transcript"

# a netrc with our password but owned by another user (root reads it)
mkdir -p "$T/home"
printf 'machine localhost login alice password wonderland-secret\n' >"$T/home/.netrc"
chown "$B" "$T/home/.netrc"; chmod 600 "$T/home/.netrc"
fake_start serve --implicit-tls
config_fake "$T/rc.tmp" "$FAKE_PORT" implicit "queue off"
grep -v '^password ' "$T/rc.tmp" >"$T/rc"; chmod 600 "$T/rc"
HOME=$T/home postie_run -C "$T/rc" rcpt@example.test
fake_finish 1
check_rc "netrc owned by another user: exit 78" 78
check_err "the error names the netrc and its owner" "$T/home/.netrc" "neither you nor root"
chown root "$T/home/.netrc"
fake_start serve --implicit-tls
config_fake "$T/rc.tmp" "$FAKE_PORT" implicit "queue off"
grep -v '^password ' "$T/rc.tmp" >"$T/rc"; chmod 600 "$T/rc"
HOME=$T/home postie_run -C "$T/rc" rcpt@example.test
fake_wait
check_rc "netrc owned by root (us), 0600: delivered, exit 0" 0
