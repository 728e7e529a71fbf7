# bash completion for postie(1): its options and their values, and for
# -a the account names of the configuration file in use: the one -C
# names, or else the one postie itself would read (postie --version marks
# it "(read)", so the search order is config.c's, not a copy of it).
# Installed as BASHCOMPDIR/postie (make install).

# The configuration file the command line being completed would read.
_postie_config()
{
	local i f=
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-C) f=${COMP_WORDS[i + 1]} ;;
		-C?*) f=${COMP_WORDS[i]#-C} ;;
		--) break ;;
		*) continue ;;
		esac
		# Only a leading ~ is expanded: what was typed is never run.
		printf '%s\n' "${f/#\~/$HOME}"
		return
	done
	"${COMP_WORDS[0]}" --version 2>/dev/null |
	    sed -n 's/^configuration: \(.*\) (read)$/\1/p' |
	    sed 's/ (msmtp'"'"'s)$//'
}

# The names of the "account NAME" lines of a file.
_postie_accounts()
{
	local file
	file=$(_postie_config)
	[ -n "$file" ] && [ -r "$file" ] || return
	awk '$1 == "account" && NF >= 2 { sub(/:.*/, "", $2);
	    if ($2 != "") print $2 }' "$file" 2>/dev/null | sort -u
}

_postie()
{
	local cur prev opts
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	opts="-a -B -b -C -F -f -i -N -q -qf -R -r -t -V -v --help
	    --import --queue-remove --queue-retry --serverinfo --version --"

	case $prev in
	-a)
		COMPREPLY=($(compgen -W "$(_postie_accounts)" -- "$cur"))
		return ;;
	-C|--import)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-B)
		COMPREPLY=($(compgen -W "7BIT 8BITMIME" -- "$cur"))
		return ;;
	-b)
		COMPREPLY=($(compgen -W "m p s i" -- "$cur"))
		return ;;
	-N)
		COMPREPLY=($(compgen -W "never success failure delay
		    failure,delay success,failure,delay" -- "$cur"))
		return ;;
	-R)
		COMPREPLY=($(compgen -W "full hdrs" -- "$cur"))
		return ;;
	-F | -f | -r | -V | --queue-remove | --queue-retry)
		return ;;
	esac
	case $cur in
	-*) COMPREPLY=($(compgen -W "$opts" -- "$cur")) ;;
	esac
}
complete -F _postie postie
