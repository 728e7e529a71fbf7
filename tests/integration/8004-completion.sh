#!/bin/sh
# bash and zsh complete postie's options, and after -a the account names
# of the file in use: the one -C names, or else the one postie would read
# (run with a HOME whose ~/.msmtprc has other accounts). zsh is driven
# for real, through a pseudo-terminal (zpty).
. "$(dirname "$0")/../lib/lib.sh"
plan 7

top=$TESTS_DIR/..
command -v bash >/dev/null 2>&1 && command -v zsh >/dev/null 2>&1 ||
    skip_all "needs bash and zsh (contrib/install-deps installs zsh)"
bin=$(dirname "$POSTIE")
[ "${POSTIE##*/}" = postie ] || { mkdir "$T/bin" &&
    ln -s "$POSTIE" "$T/bin/postie" && bin=$T/bin; }
cat >"$T/file.conf" <<'CONF'
defaults
tls_trust_file system
account work
host smtp.example.com
account home : work
account default : work
CONF
mkdir "$T/home"
printf 'account rc-one\nhost a.example\naccount rc-two\nhost b.example\n' \
    >"$T/home/.msmtprc"

# bash: the completion function, given the words of a command line.
bash_complete() {
	HOME=$T/home PATH="$bin:$PATH" bash -c '
	    . "$1"; shift
	    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _postie
	    printf "%s\n" "${COMPREPLY[@]}"' bash \
	    "$top/contrib/completion/postie.bash" "$@" | sort | tr '\n' ' '
}
check_eq "bash: -a with -C FILE completes FILE's accounts" \
    "default home work " "$(bash_complete postie -C "$T/file.conf" -a '')"
check_eq "bash: -a alone completes the file postie would read" \
    "rc-one rc-two " "$(bash_complete postie -a rc)"
check_eq "bash: --s completes --serverinfo" "--serverinfo " \
    "$(bash_complete postie --s)"
check_eq "bash: -R's values" "full hdrs " "$(bash_complete postie -R '')"

# zsh: type the line and TAB twice, read what it shows until WANT (an
# extended regex) is there or 15 s have passed; print its last lines.
mkdir "$T/fpath"
cp "$top/contrib/completion/_postie" "$T/fpath/"
zsh_complete() {
	HOME=$T/home PATH="$bin:$PATH" FP=$T/fpath LINE=$1 WANT=$2 zsh -f -c '
	zmodload zsh/zpty || exit 1
	zpty z "zsh -f -i"
	zpty -w z "fpath=(\$FP \$fpath); autoload -Uz compinit; compinit -u -D"
	zpty -w -n z "$LINE"$'"'"'\t\t'"'"'
	all= i=0
	while (( i++ < 30 )); do
		sleep 0.5
		while zpty -r -t z out; do all+=$out; done
		[[ ${all//$'"'"'\r'"'"'/} =~ $WANT ]] && break
	done
	zpty -d z
	print -r -- "$all"' 2>&1 | tr -d '\r' |
	    sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | tail -n 2
}
zsh_complete "postie -C $T/file.conf -a " 'default +home +work' >"$T/zsh1"
diag "$(cat "$T/zsh1")"
check "zsh: -a with -C FILE lists FILE's accounts" \
    grep -qE '^default +home +work' "$T/zsh1"
zsh_complete "postie -a " 'rc-one +rc-two' >"$T/zsh2"
diag "$(cat "$T/zsh2")"
check "zsh: -a alone lists the accounts of the file postie would read" \
    grep -qE '^rc-one +rc-two' "$T/zsh2"
zsh_complete "postie --ser" 'serverinfo' >"$T/zsh3"
check "zsh: --ser completes --serverinfo" grep -q -- '--serverinfo' "$T/zsh3"
