#!/bin/sh
# A known password, through every mechanism and source postie has, with
# -v and a delivery log: it appears nowhere in stderr nor in the log, not
# as it is and not in the base64 forms AUTH sends; -v shows AUTH lines
# masked.
. "$(dirname "$0")/../lib/lib.sh"
plan 30

printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: x\n\nbody\n' >"$T/msg"
PW=Sekr1t-5007-pw
# What would betray it: the password, its base64 (LOGIN), PLAIN's response.
b1=$(printf %s "$PW" | base64 -w0 | cut -c1-12)
b2=$(printf '\000alice\000%s' "$PW" | base64 -w0 | cut -c1-16)

# check_clean DESC: neither stderr nor the delivery log holds the secret
check_clean() {
	for cc in "$T/stderr" "$T/log"; do
		if grep -q -e "$PW" -e "$b1" -e "$b2" "$cc" 2>/dev/null; then
			fail "$1: ${cc##*/} is clean" "$(grep -e "$PW" -e "$b1" -e "$b2" "$cc")"
		else
			ok "$1: ${cc##*/} is clean"
		fi
	done
}

for mech in plain login scram-sha-256; do
	for src in password passwordeval; do
		fake_start serve --implicit-tls --auth-mechs "PLAIN LOGIN SCRAM-SHA-256" \
		    --user alice --password "$PW"
		config_fake "$T/rc.tmp" "$FAKE_PORT" implicit
		{
			grep -v -e '^password ' -e '^account default' -e '^auth ' "$T/rc.tmp"
			if [ $src = password ]; then echo "password $PW"; else echo "passwordeval \"echo $PW\""; fi
			printf '%s\n' "auth $mech" "logfile $T/log" "account default : test"
		} >"$T/rc"
		chmod 600 "$T/rc"
		rm -f "$T/log"
		postie_run -v -C "$T/rc" rcpt@example.test <"$T/msg"
		fake_wait
		check_rc "$mech from $src: exit 0" 0
		check "$mech from $src: the log has its line" test -s "$T/log"
		check "$mech from $src: -v showed the AUTH dialogue" grep -qi -- "--> AUTH $mech" "$T/stderr"
		check_clean "$mech from $src"
	done
done
