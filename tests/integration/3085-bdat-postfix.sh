#!/bin/sh
# The real Postfix offers CHUNKING: over implicit TLS and STARTTLS the
# message goes by BDAT (postie's -v shows "BDAT n LAST"; Postfix's log
# counts "bdat=1" and no DATA for the session) and arrives byte for byte,
# a line of a lone "." and lines starting with dots included. A 3 MB
# message goes in four chunks (Postfix counts bdat=4) and arrives byte for
# byte. With "chunking off" Postfix counts DATA instead.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 21

# mkmsg FILE ID LINES: a message whose body has LINES lines, some starting
# with dots
mkmsg() {
	{
		printf '%s\n' "From: Sender <sender@example.test>" \
		    "To: Recipient <rcpt@example.test>" "Subject: chunking $2" \
		    "Date: Sat, 28 Nov 2026 12:00:00 +0000" \
		    "Message-ID: <3085.$2@example.test>" "" ".leading dot" "." \
		    "..two dots"
		python3 -c '
import sys
for i in range(int(sys.argv[1])):
    print(".%07d the quick brown fox jumps over the lazy dog, 0123456789 abcdefghij" % i)
' "$3"
		echo "The end."
	} >"$1"
}

# session_log: the smtpd "disconnect" line of the session that sent MAIL,
# among the log lines after $mark (Postfix writes it after QUIT: wait)
session_log() {
	i=0
	while [ $i -lt 100 ]; do
		l=$(tail -n +"$((mark + 1))" "$PF_DIR/maillog" |
		    grep 'smtpd.*disconnect from .* mail=1' | tail -n 1)
		[ -n "$l" ] && { printf '%s\n' "$l"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# case_ NAME smtps|submission LINES WANT-COUNT [CONFIG-LINE...]: one
# submission with -v -i; Postfix's log for it must count WANT-COUNT
# ("bdat=4" or "data=1")
case_() {
	name=$1 kind=$2 lines=$3 count=$4; shift 4
	pf_clear_mail "$PF_DIR"
	mkmsg "$T/msg" "$name" "$lines"
	config_postfix "$T/rc" "$kind" "$@"
	mark=$(wc -l <"$PF_DIR/maillog")
	postie_run -C "$T/rc" -v -i rcpt@example.test <"$T/msg"
	check_rc "$name: exit 0" 0
	to_lf "$T/msg" >"$T/want"
	check_delivered "$name: delivered byte for byte" "$T/want"
	l=$(session_log)
	case " $l " in
	*" $count "*) ok "$name: Postfix's log counts $count" ;;
	*) fail "$name: Postfix's log counts $count" "got: $l" ;;
	esac
	case $count in
	bdat=*)
		check "$name: the log has no DATA" sh -c "! printf '%s' '$l' | grep -q ' data='"
		check "$name: -v shows BDAT ... LAST" grep -qE -- '^--> BDAT [0-9]+ LAST$' "$T/stderr"
		;;
	*)
		check "$name: the log has no BDAT" sh -c "! printf '%s' '$l' | grep -q ' bdat='"
		check "$name: -v shows DATA, no BDAT" sh -c \
		    "grep -qx -- '--> DATA' '$T/stderr' && ! grep -q -- '--> BDAT' '$T/stderr'"
		;;
	esac
}

case_ smtps smtps 20 bdat=1
case_ submission submission 20 bdat=1
# 3 MB: 1 MiB chunks, the last "LAST"
case_ large smtps 45000 bdat=4
check_eq "large: -v shows the chunks" \
    "BDAT 1048576 BDAT 1048576 BDAT 1048576 BDAT $(($(sed 's/$/\r/' "$T/msg" | wc -c) - 3145728)) LAST" \
    "$(sed -n 's/^--> BDAT/BDAT/p' "$T/stderr" | tr '\n' ' ' | sed 's/ $//')"
case_ "chunking off" smtps 20 data=1 "chunking off"
