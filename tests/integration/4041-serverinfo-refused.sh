#!/bin/sh
# postie --serverinfo against the fake server with a certificate from an
# unknown CA and one for another name, over implicit TLS and STARTTLS:
# the chain is still printed, the verdict says why it failed in the words
# of a failing submission, exit 69, and inside TLS nothing is sent but
# QUIT (STARTTLS) or nothing at all (implicit TLS): no EHLO, no AUTH.
. "$(dirname "$0")/../lib/lib.sh"
plan 28

for cert in unknownca wrongname; do
	fp=$(certtool --fingerprint --hash sha256 --infile "$TEST_CA/$cert.pem" |
	    tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//')
	case $cert in
	unknownca) why="not trusted" ;;
	wrongname) why="does not match localhost" ;;
	esac
	for mode in implicit starttls; do
		t="$cert, $mode"
		if [ $mode = implicit ]; then
			fake_start serve --implicit-tls --cert "$TEST_CA/$cert.pem" --key "$TEST_CA/$cert.key"
		else
			fake_start serve --cert "$TEST_CA/$cert.pem" --key "$TEST_CA/$cert.key"
		fi
		config_fake "$T/rc" "$FAKE_PORT" $mode
		postie_run --serverinfo -C "$T/rc"
		fake_wait
		out=$T/stdout
		check_rc "$t: exit 69" 69
		check_err_at "$t: one error line saying why" "$FAKE_PORT" "$why"
		check "$t: the chain is printed, with the fingerprint" \
		    grep -qxF "    sha256 fingerprint: $fp" "$out"
		check "$t: the SPKI pin is printed" grep -q '^    spki pin (sha256, base64): .*=$' "$out"
		check "$t: the verdict names the reason" grep -q "^verification: failed: .*$why" "$out"
		check_no_auth_no_mail "$t: no AUTH, no MAIL"
		check "$t: inside TLS nothing but QUIT" awk '/^# tls established/ { tls = 1 }
		    tls && /^C: / && $0 != "C: QUIT" { print; bad = 1 } END { exit bad }' "$T/transcript"
	done
done
