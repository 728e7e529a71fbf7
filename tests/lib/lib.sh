# lib.sh: TAP helpers for postie's integration tests. Source it first:
#   . "$(dirname "$0")/../lib/lib.sh"
#
# Environment (tests/run sets it; a test run by hand gets the defaults):
#   POSTIE      the binary under test (default: src/postie of this tree)
#   TEST_CA     directory made by mkca.sh (default: built in the temp dir)
#   PF_DIR      a Postfix instance started by postfix.sh (none: Postfix
#               tests skip, or fail when CI is set)
#   CI          when set, a skip is a failure
#   POSTIE_TEST_KEEP  when set, the temp dir $T is kept and its path shown
# Every test gets an empty temp dir $T, removed on exit with any fake server.

TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd)
TEST_LIB=$TESTS_DIR/lib
: "${POSTIE:=$TESTS_DIR/../src/postie}"
case $POSTIE in */*) POSTIE=$(cd "$(dirname "$POSTIE")" && pwd)/${POSTIE##*/} ;; esac
export POSTIE
. "$TEST_LIB/postfix.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/postie-test.XXXXXX") || exit 99
tap_n=0 tap_failed=0 tap_plan= fake_pids=
trap 'tap_end' EXIT
trap 'exit 130' INT TERM

tap_end() {
	tap_st=$?
	for p in $fake_pids; do kill "$p" 2>/dev/null; done
	[ -z "${tap_cleanup:-}" ] || $tap_cleanup
	if [ -n "${POSTIE_TEST_KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
	[ -n "$tap_plan" ] || echo "1..$tap_n"
	if [ -n "$tap_plan" ] && [ "$tap_plan" -ne "$tap_n" ]; then
		echo "# planned $tap_plan tests, ran $tap_n"
		tap_failed=$((tap_failed + 1))
	fi
	[ "$tap_failed" -eq 0 ] && [ "$tap_st" -eq 0 ] && exit 0
	exit 1
}

plan() { tap_plan=$1; echo "1..$1"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
# fail DESC [DIAGNOSTIC LINE...]
fail() {
	tap_n=$((tap_n + 1)) tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	[ $# -eq 0 ] || diag "$@"
}
# check DESC COMMAND...: passes when the command succeeds
check() { d=$1; shift; if "$@"; then ok "$d"; else fail "$d" "failed: $*"; fi; }
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "want: $2" "got:  $3"; fi; }
# check_file_eq DESC WANT_FILE GOT_FILE: byte for byte
check_file_eq() {
	if cmp -s "$2" "$3"; then ok "$1"; else
		fail "$1" "files differ: $2 $3" "$(diff -a "$2" "$3" 2>&1 | head -n 20)"
	fi
}
# skip DESC REASON: a skipped assertion says why; under CI it fails
skip() {
	if [ -n "${CI:-}" ]; then fail "$1" "skipped under CI: $2"; return; fi
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}
# skip_all REASON: skip the whole script (a failure under CI)
skip_all() {
	if [ -n "${CI:-}" ]; then fail "skip_all under CI: $1"; exit 1; fi
	tap_plan= ; echo "1..0 # SKIP $1"; tap_n=0; trap - EXIT
	rm -rf "$T"; exit 0
}

# --- postie -------------------------------------------------------------

# postie_run ARG...: run $POSTIE with the caller's stdin; sets $rc and $err
# (stderr), keeps stdout in $T/stdout and stderr in $T/stderr. A user's
# queue ($XDG_STATE_HOME) goes into $T.
postie_run() {
	XDG_STATE_HOME=$T/state timeout 120 "$POSTIE" "$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	err=$(cat "$T/stderr")
}
# check_rc DESC WANT: postie's exit status ($rc), stderr shown on mismatch
check_rc() {
	if [ "$rc" = "$2" ]; then ok "$1"; else
		fail "$1" "exit status: want $2, got $rc" "stderr: $err"
	fi
}
# check_err DESC SUBSTRING...: stderr is one line "postie: ..." holding
# every SUBSTRING (case-insensitive)
check_err() {
	d=$1; shift
	if [ "$(wc -l <"$T/stderr")" -ne 1 ] || ! grep -q '^postie: ' "$T/stderr"; then
		fail "$d" "stderr is not one line starting 'postie: ':" "$err"; return
	fi
	for s; do
		grep -qiF -- "$s" "$T/stderr" || { fail "$d" "stderr lacks '$s':" "$err"; return; }
	done
	ok "$d"
}
# check_err_at DESC PORT SUBSTRING...: as check_err, and the line has the
# shape "postie: ACCOUNT: localhost:PORT: ..."
check_err_at() {
	d=$1 port=$2; shift 2
	if ! grep -q "^postie: [^:]*: localhost:$port: " "$T/stderr"; then
		fail "$d" "stderr is not 'postie: ACCOUNT: localhost:$port: ...':" "$err"
		return
	fi
	check_err "$d" "$@"
}
# check_err_any DESC SUBSTRING...: stderr holds at least one SUBSTRING
check_err_any() {
	d=$1; shift
	for s; do grep -qiF -- "$s" "$T/stderr" && { ok "$d"; return; }; done
	fail "$d" "stderr has none of: $*" "$err"
}

# write_config FILE: stdin into FILE, mode 0600
write_config() { (umask 077; cat >"$1"); chmod 600 "$1"; }

# config_postfix FILE smtps|submission [LINE...]: account "test" for the
# Postfix listener, made the default, extra LINEs appended to the account;
# the queue is $T/queue and the TLS session cache $T/tls (root's defaults
# would be system-wide)
config_postfix() {
	f=$1 kind=$2; shift 2
	if [ "$kind" = smtps ]; then
		set -- "port $PF_SMTPS_PORT" "tls_starttls off" "$@"
	else
		set -- "port $PF_SUBMISSION_PORT" "tls_starttls on" "$@"
	fi
	{
		printf '%s\n' defaults "tls_trust_file $TEST_CA/ca.pem" "timeout 20" \
		    "queue_dir $T/queue" "tls_session_cache $T/tls" account\ test "host localhost" "tls on" "auth on" "user $PF_USER" \
		    "password $PF_PASSWORD" "from sender@example.test"
		printf '%s\n' "$@" "account default : test"
	} | write_config "$f"
}

# config_fake FILE PORT implicit|starttls [LINE...]: account "test" for the
# fake server (user alice, password wonderland-secret)
config_fake() {
	f=$1 port=$2 kind=$3; shift 3
	if [ "$kind" = implicit ]; then st=off; else st=on; fi
	{
		printf '%s\n' defaults "tls_trust_file $TEST_CA/ca.pem" "timeout 10" \
		    "queue_dir $T/queue" "tls_session_cache $T/tls" account\ test "host localhost" "port $port" "tls on" \
		    "tls_starttls $st" "auth plain" "user alice" \
		    "password wonderland-secret" "from sender@example.test"
		printf '%s\n' "$@" "account default : test"
	} | write_config "$f"
}

# --- the fake server ----------------------------------------------------

# fake_start SCRIPT|serve|- [FAKESMTP OPTION...]: start tests/lib/fakesmtp.py
# ("-": the script is stdin) with the localhost certificate, a fresh
# transcript in $T/transcript, the received message in $T/data; sets
# FAKE_PORT and FAKE_PID
fake_start() {
	case $1 in
	-) cat >"$T/fake.script"; shift; set -- --script "$T/fake.script" "$@" ;;
	serve) shift ;;
	*) s=$1; shift; set -- --script "$s" "$@" ;;
	esac
	rm -f "$T/fake.port" "$T/transcript" "$T/data" "$T"/data.*
	python3 "$TEST_LIB/fakesmtp.py" --port-file "$T/fake.port" \
	    --transcript "$T/transcript" --data "$T/data" --timeout 10 \
	    --cert "$TEST_CA/server.pem" --key "$TEST_CA/server.key" "$@" \
	    2>"$T/fake.stderr" &
	FAKE_PID=$!
	fake_pids="$fake_pids $FAKE_PID"
	i=0
	while [ ! -s "$T/fake.port" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$FAKE_PID" 2>/dev/null; then
			diag "fakesmtp did not start:" "$(cat "$T/fake.stderr")"
			return 1
		fi
		sleep 0.05
	done
	FAKE_PORT=$(cat "$T/fake.port")
}
# timed_fake_run KIND [LINE...]: a fake server running the script on
# stdin, postie (timeout 2, queue off, config LINEs) sending $T/msg to
# it, the fake stopped after; sets $rc, $err and $took (seconds, 0.01)
timed_fake_run() {
	tfr_kind=$1; shift
	fake_start -
	config_fake "$T/rc" "$FAKE_PORT" "$tfr_kind" "timeout 2" "queue off" "$@"
	tfr_start=$(date +%s.%N)
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	took=$(awk -v a="$tfr_start" -v b="$(date +%s.%N)" \
	    'BEGIN { printf "%.2f", b - a }')
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
}
# fake_wait: wait for the fake server to finish; sets $fake_rc. A fake
# server that timed out, was misused or crashed (status 2 or more) adds a
# failed assertion with its stderr.
fake_wait() {
	wait "$FAKE_PID"
	fake_rc=$?
	[ "$fake_rc" -lt 2 ] ||
	    fail "the fake server ended badly (status $fake_rc)" "$(cat "$T/fake.stderr")"
}
# run_staple RESPONSE KIND [FAKESMTP OPTION...]: the fake server staples
# $T/ocsp/RESPONSE.der (tests/lib/mkocsp.sh made it); postie submits
# $T/msg over KIND (implicit, starttls) with the config line in $extra
run_staple() {
	r=$1 kind=$2; shift 2
	if [ "$kind" = implicit ]; then set -- --implicit-tls "$@"; fi
	fake_start serve --ocsp-staple "$T/ocsp/$r.der" "$@"
	config_fake "$T/rc" "$FAKE_PORT" "$kind" "queue off" ${extra:+"$extra"}
	postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
	fake_wait
}
# check_no_auth_no_mail DESC: the client sent neither AUTH nor MAIL
check_no_auth_no_mail() {
	if grep -qiE '^C: (AUTH|MAIL)' "$T/transcript" 2>/dev/null; then
		fail "$1" "the client sent:" "$(grep -iE '^C: (AUTH|MAIL)' "$T/transcript")"
	else
		ok "$1"
	fi
}
# sent: the commands the fake server saw from the client, every
# connection's, in order, as their verbs in upper case on one line ("EHLO
# AUTH MAIL RCPT DATA QUIT"); a line that is no command (an AUTH
# exchange's payload, anything else) shows as "*", so that nothing the
# client sent goes unseen. A line with a control character or an octet
# that is not UTF-8 (written "\xNN") is a TLS record read as text (a
# ClientHello after STARTTLS), not a command: not shown.
sent() {
	LC_ALL=C awk '/^C: / && !/[\001-\010\013-\037\177]|\\x[0-9a-f][0-9a-f]/ {
		v = toupper($2)
		if (v !~ /^(EHLO|HELO|STARTTLS|AUTH|MAIL|RCPT|DATA|BDAT|RSET|NOOP|QUIT|VRFY|EXPN|HELP)$/)
			v = "*"
		printf "%s%s", n++ ? " " : "", v }
	    END { print "" }' "$T/transcript" 2>/dev/null
}
# check_sent DESC COMMANDS: the client sent exactly COMMANDS ("EHLO AUTH
# MAIL RCPT DATA QUIT", as sent shows them), in that order, nothing more
check_sent() { check_eq "$1" "$2" "$(sent)"; }
# chunks: each BDAT's arguments, in order, on one line ("4096 2 LAST")
chunks() { sed -n 's/^C: BDAT //p' "$T/transcript" | tr '\n' ' ' | sed 's/ $//'; }
# check_transcript DESC REGEX: some transcript line matches (grep -E)
check_transcript() {
	if grep -qE -- "$2" "$T/transcript" 2>/dev/null; then ok "$1"; else
		fail "$1" "no line matches $2 in:" "$(cat "$T/transcript" 2>/dev/null)"
	fi
}
# tls_only_quit: inside TLS the client sent nothing but QUIT (or nothing)
tls_only_quit() {
	awk '/^# tls established/ { tls = 1 }
	    tls && /^C: / && $0 != "C: QUIT" { print; bad = 1 } END { exit bad }' \
	    "$T/transcript"
}

# --- certificates -------------------------------------------------------

# self_signed NAME: a self-signed certificate for self.example.test (no
# CA vouches for it), in $T/NAME.pem with its key $T/NAME.key
self_signed() {
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --no-text --outfile "$T/$1.key" 2>/dev/null
	printf '%s\n' 'cn = "self.example.test"' 'dns_name = "self.example.test"' \
	    tls_www_server signing_key 'expiration_days = 3650' >"$T/$1.tmpl"
	certtool --generate-self-signed --load-privkey "$T/$1.key" \
	    --template "$T/$1.tmpl" --no-text --outfile "$T/$1.pem" 2>/dev/null
}
# client_cert NAME: a client certificate with CN "postie client", signed
# by the test CA, in $T/NAME.pem with its key $T/NAME.key (mode 0600)
client_cert() {
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --no-text --outfile "$T/$1.key" 2>/dev/null
	chmod 600 "$T/$1.key"
	printf '%s\n' 'cn = "postie client"' tls_www_client signing_key \
	    'expiration_days = 3650' >"$T/$1.tmpl"
	certtool --generate-certificate --load-privkey "$T/$1.key" \
	    --load-ca-certificate "$TEST_CA/ca.pem" --load-ca-privkey "$TEST_CA/ca.key" \
	    --template "$T/$1.tmpl" --no-text --outfile "$T/$1.pem" 2>/dev/null
}
# cert_sha256 PEM: its SHA-256 fingerprint as tls_fingerprint takes it
cert_sha256() {
	certtool --fingerprint --hash sha256 --infile "$1" |
	    sed 's/../&:/g; s/:$//' | tr a-f A-F
}
# cert_spki_pin PEM: its SPKI pin as tls_pin takes it, computed by OpenSSL
cert_spki_pin() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
	    openssl dgst -sha256 -binary | base64
}

# --- messages and Postfix -----------------------------------------------

# to_lf FILE: print FILE as Maildir holds it: CRLF and lone CR become LF,
# and a missing final line end is added
to_lf() {
	python3 -c '
import sys
d = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
if d and not d.endswith(b"\n"):
    d += b"\n"
sys.stdout.buffer.write(d)' "$1"
}

# need_postfix: skip the whole script when there is no Postfix instance;
# otherwise load its ports and empty its Maildir
need_postfix() {
	if [ -z "${PF_DIR:-}" ] || [ ! -f "$PF_DIR/env" ]; then
		skip_all "no Postfix instance: ${PF_UNAVAILABLE:-run through tests/run as root}"
	fi
	. "$PF_DIR/env"
	pf_clear_mail "$PF_DIR"
}

# pf_sessions_since LINE N: wait (10s at most) until Postfix's log from
# LINE on shows N sessions ended ("disconnect from", logged with the
# session's command counts), and keep that part in $T/maillog
pf_sessions_since() {
	pss_i=0
	while [ $pss_i -lt 50 ]; do
		tail -n +"$1" "$PF_DIR/maillog" >"$T/maillog"
		[ "$(grep -c 'disconnect from' "$T/maillog")" -ge "$2" ] && return 0
		sleep 0.2; pss_i=$((pss_i + 1))
	done
	return 1
}
# pf_no_auth_no_mail: $T/maillog has sessions and none with AUTH or MAIL
pf_no_auth_no_mail() {
	grep -q 'disconnect from' "$T/maillog" &&
	    ! grep -Eq 'sasl_method|auth=|mail=|from=<' "$T/maillog"
}

# delivered [N [TIMEOUT]]: wait for N (default 1) messages in the Maildir
# and list their files, oldest first, in $T/delivered; after a postie run
# that failed ($rc not 0) it waits 2s at most
delivered() {
	dt=${2:-20}
	[ "${rc:-0}" = 0 ] || dt=2
	pf_wait_mail "$PF_DIR" "${1:-1}" "$dt" 2>"$T/pf_wait" || return 1
	ls -tr "$PF_MAILDIR"/new/* >"$T/delivered"
}

# check_delivered NAME WANT: one message reached the Maildir and, without
# Postfix's trace headers, it is byte for byte the file WANT (LF endings).
check_delivered() {
	if delivered 1; then
		pf_strip_trace "$(cat "$T/delivered")" >"$T/got"
		check_file_eq "$1" "$2" "$T/got"
	else
		fail "$1" "$(cat "$T/pf_wait")"
	fi
}

# --- what a caller's message became (7xxx) -------------------------------
# header FILE NAME: the value of FILE's first NAME: header (any case)
header() {
	awk -v n="$2" 'BEGIN { n = tolower(n) ":" }
	    /^$/ { exit }
	    tolower(substr($0, 1, length(n))) == n {
		sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$1"
}
# split_added FILE NAME...: FILE (delivered) without Postfix's trace into
# $T/full, and less the fields NAME... (with their continuation lines)
# into $T/got; those fields go to $T/added
split_added() {
	sa_f=$1; shift
	pf_strip_trace "$sa_f" >"$T/full"
	awk -v names="$*" 'BEGIN { n = split(tolower(names), v, " ")
		for (i = 1; i <= n; i++) want[v[i]] = 1 }
	    !body && /^$/ { body = 1 }
	    !body && /^[^ \t]/ { k = tolower($0); sub(/:.*/, "", k)
		skip = k in want }
	    !body && skip { print >"/dev/stderr"; next }
	    { print }' "$T/full" >"$T/got" 2>"$T/added"
}
# check_date_msgid DESC [own]: $T/added holds one well-formed Date: and
# one Message-ID:; with own, in the very form postie writes them
check_date_msgid() {
	cdm_d='^[Dd][Aa][Tt][Ee]: ' cdm_m='^[Mm][Ee][Ss][Ss][Aa][Gg][Ee]-[Ii][Dd]: <[^<>@ ]+@[^<>@ ]+>$'
	if [ "${2:-}" = own ]; then
		cdm_d='^Date: ' cdm_m='^Message-ID: <[0-9]{14}\.[0-9a-f]{16}@[^<>@ ]+>$'
	fi
	if [ "$(grep -ciE '^date: ' "$T/added")" -eq 1 ] &&
	    grep -qE "$cdm_d"'(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$' "$T/added" &&
	    [ "$(grep -ciE '^message-id: ' "$T/added")" -eq 1 ] &&
	    grep -qE "$cdm_m" "$T/added"; then
		ok "$1"
	else
		fail "$1" "want one Date: and one Message-ID: added, got:" \
		    "$(cat "$T/added")"
	fi
}

# delivered_to: the Delivered-To of each message delivered() listed,
# sorted, on one line ("a@example.test b@example.test")
delivered_to() {
	for dt_f in $(cat "$T/delivered"); do header "$dt_f" Delivered-To; done |
	    sort | tr '\n' ' ' | sed 's/ $//'
}
# check_caller_mail DESC RCPT WHAT ADDED...: one message reached the
# Maildir, for RCPT (X-Original-To: check DESC) from the account's
# sender (Return-Path); postie added the fields ADDED (Date and
# Message-ID, well-formed; From, the account's sender), and the rest is
# $T/msg byte for byte (check WHAT). As many assertions when nothing came.
check_caller_mail() {
	ccm_desc=$1 ccm_rcpt=$2 ccm_what=$3; shift 3
	ccm_from=
	case " $* " in *" From "*) ccm_from=1 ;; esac
	if delivered 1; then
		f=$(cat "$T/delivered")
		check_eq "$ccm_desc" "$ccm_rcpt" "$(header "$f" X-Original-To)"
		check_eq "envelope sender: the account's from" \
		    "<sender@example.test>" "$(header "$f" Return-Path)"
		split_added "$f" "$@"
		check_date_msgid "a Date: and a Message-ID: were added"
		[ -z "$ccm_from" ] ||
		    check_eq "a From: with the account's from was added" \
		    "From: sender@example.test" "$(grep -i '^from:' "$T/added")"
		to_lf "$T/msg" >"$T/want"
		check_file_eq "$ccm_what" "$T/want" "$T/got"
	else
		fail "$ccm_desc" "$(cat "$T/pf_wait")"
		fail "envelope sender: the account's from"
		fail "a Date: and a Message-ID: were added"
		[ -z "$ccm_from" ] || fail "a From: with the account's from was added"
		fail "$ccm_what"
	fi
}

if [ -z "${TEST_CA:-}" ]; then
	TEST_CA=$T/ca
	sh "$TEST_LIB/mkca.sh" "$TEST_CA" || exit 99
fi

# --- the queue (6xxx) ---------------------------------------------------
# Tests run as root, whose default queue is the system spool: every queue
# test names its own with "queue_dir $T/queue" (QD below) in the account.

# mailq_run ARG...: run postie called as "mailq" (a symlink $T/mailq), as
# postie_run does: $rc, $err, $T/stdout, $T/stderr
mailq_run() {
	[ -L "$T/mailq" ] || ln -s "$POSTIE" "$T/mailq"
	XDG_STATE_HOME=$T/state timeout 120 "$T/mailq" "$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	err=$(cat "$T/stderr")
}

# queued_id: the ID in stderr's "postie: queued ID: ..." line, or nothing
queued_id() {
	sed -n 's/^postie: queued \([0-9A-Za-z][0-9A-Za-z]*\): .*/\1/p' "$T/stderr" |
	    head -n 1
}

# check_queued DESC [SUBSTRING...]: stderr is the one line
# "postie: queued ID: ACCOUNT: HOST:PORT: why; next attempt in N min"
# holding every SUBSTRING (case-insensitive); sets $qid to the ID
check_queued() {
	d=$1; shift
	qid=$(queued_id)
	if [ "$(wc -l <"$T/stderr")" -ne 1 ] || ! grep -qE \
	    '^postie: queued [0-9A-Za-z]+: [^:]+: [^ ]+:[0-9]+: .+; next attempt in [0-9]+ ?min' \
	    "$T/stderr"; then
		fail "$d" "stderr is not one line 'postie: queued ID: ACCOUNT:" \
		    "HOST:PORT: why; next attempt in N min':" "$err"
		return
	fi
	for s; do
		grep -qiF -- "$s" "$T/stderr" || { fail "$d" "stderr lacks '$s':" "$err"; return; }
	done
	ok "$d"
}

# queue_ids QD [queue|failed]: the IDs that have both ID.msg and ID.env
# in QD/queue (or QD/failed), one a line
queue_ids() {
	for qe in "$1/${2:-queue}"/*.env; do
		[ -f "$qe" ] || continue
		qi=${qe##*/} qi=${qi%.env}
		[ -f "$1/${2:-queue}/$qi.msg" ] && echo "$qi"
	done
	return 0
}
# queue_count QD [queue|failed]: how many messages queue_ids lists
queue_count() { queue_ids "$@" | wc -l | tr -d ' '; }

# queue_block ID: the block of the listing in $T/stdout (mailq, -bp) that
# starts with ID, up to the blank line after it
queue_block() {
	awk -v id="$1" '$1 == id { p = 1 } p && /^[[:space:]]*$/ { exit } p' "$T/stdout"
}
# check_listed DESC ID SUBSTRING...: the listing has a block for ID holding
# every SUBSTRING (case-insensitive)
check_listed() {
	d=$1 ql=$2; shift 2
	qb=$(queue_block "$ql")
	if [ -z "$ql" ] || [ -z "$qb" ]; then
		fail "$d" "message '$ql' not listed:" "$(cat "$T/stdout")" "stderr: $err"
		return
	fi
	for s; do
		printf '%s\n' "$qb" | grep -qiF -- "$s" ||
		    { fail "$d" "the block of $ql lacks '$s':" "$qb"; return; }
	done
	ok "$d"
}
# check_counts DESC QUEUED FAILED: the listing's last line is
# "QUEUED queued, FAILED failed"; 0 and 0 means "Mail queue is empty"
check_counts() {
	if [ "$2" -eq 0 ] && [ "$3" -eq 0 ]; then
		if grep -qi '^Mail queue is empty' "$T/stdout"; then ok "$1"; else
			fail "$1" "want 'Mail queue is empty', got:" "$(cat "$T/stdout")" \
			    "exit $rc: $err"
		fi
		return
	fi
	ql=$(grep -v '^[[:space:]]*$' "$T/stdout" | tail -n 1)
	if printf '%s\n' "$ql" | grep -qE "^ *$2 queued, $3 failed *\$"; then ok "$1"; else
		fail "$1" "want last line '$2 queued, $3 failed', got:" "$(cat "$T/stdout")" \
		    "exit $rc: $err"
	fi
}

# delivered_msgids: the Message-ID of every message in the Maildir, one a
# line (a message delivered twice shows twice), without the angle brackets
delivered_msgids() {
	for qm in "$PF_MAILDIR"/new/*; do
		[ -f "$qm" ] || continue
		sed -n '/^$/q; s/^[Mm][Ee][Ss][Ss][Aa][Gg][Ee]-[Ii][Dd]: *<\(.*\)>.*/\1/p' "$qm"
	done
	return 0
}
# msgid_count ID: how many messages in the Maildir have Message-ID <ID>
msgid_count() { delivered_msgids | grep -cxF -- "$1"; }

# fake_finish [SECONDS]: give the fake server SECONDS (default 3) to end on
# its own after postie is done, then stop it; sets $fake_rc (143 when it
# had to be stopped). Unlike fake_wait it adds no assertion, so a test
# whose postie never connected keeps its plan and does not wait 10s.
fake_finish() {
	ff_i=0
	while kill -0 "$FAKE_PID" 2>/dev/null && [ "$ff_i" -lt $((${1:-3} * 20)) ]; do
		sleep 0.05
		ff_i=$((ff_i + 1))
	done
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID"
	fake_rc=$?
}

# pf_settle [TIMEOUT]: wait (at most TIMEOUT seconds, default 30) until
# Postfix's queue is empty and its Maildir has not grown for a second:
# for tests that cannot know how many messages will arrive
pf_settle() {
	ps_end=$(($(date +%s) + ${1:-30})) ps_last=-1 ps_same=0
	while [ "$(date +%s)" -lt "$ps_end" ]; do
		ps_n=$(pf_mail_count "$PF_DIR")
		if pf_queue_empty "$PF_DIR" && [ "$ps_n" -eq "$ps_last" ]; then
			ps_same=$((ps_same + 1))
			[ "$ps_same" -ge 5 ] && return 0
		else
			ps_same=0
		fi
		ps_last=$ps_n
		sleep 0.2
	done
	return 1
}

# --- the machine-wide set-up (61xx) -------------------------------------
# These tests make the real thing: "make install-system" (the postie user
# and group, the spool with its maildrop, the units), the account in
# SYSCONFDIR/postie.conf, throwaway users; and undo all of it on exit.
# They refuse to run over a set-up that exists already.

SYS_USERS=

# system_setup [LINE...]: the set-up above, the account "system" for the
# Postfix listener (implicit TLS, from %U@example.test, rewrite_domain
# example.test) with LINEs appended; $T is opened to everyone (711) and
# $T/bin/postie is a copy of $POSTIE that every user may run. Sets
# SYS_CONF, SYS_SPOOL, SYS_STATE (the TLS session cache's parent).
system_setup() {
	# One set-up per machine: another test run waits its turn.
	exec 9>"${TMPDIR:-/tmp}/postie-system-tests.lock"
	flock 9
	SYS_CONF=$("$POSTIE" --version | sed -n 's/^system configuration: //p')
	SYS_SPOOL=$("$POSTIE" --version |
	    sed -n 's/^system queue and maildrop: \([^ ]*\) .*/\1/p')
	SYS_STATE=${SYS_SPOOL%/spool/postie}/lib/postie
	if [ -e "$SYS_CONF" ] || [ -e "$SYS_SPOOL" ] || [ -e "$SYS_STATE" ] ||
	    getent passwd postie >/dev/null; then
		echo "Bail out! this machine has a postie set-up ($SYS_CONF," \
		    "$SYS_SPOOL, $SYS_STATE or the user postie): the 61xx tests" \
		    "make their own and remove it"
		exit 1
	fi
	tap_cleanup=system_teardown
	chmod 711 "$T"
	mkdir -p "$T/bin" "$T/home"
	chmod 755 "$T/bin" "$T/home"
	cp "$POSTIE" "$T/bin/postie"
	chmod 755 "$T/bin/postie"
	SYS_BIN=$T/bin/postie
	{
		printf '%s\n' defaults "tls_trust_file $TEST_CA/ca.pem" \
		    "timeout 20" account\ system "host localhost" \
		    "port $PF_SMTPS_PORT" "tls on" "tls_starttls off" "auth on" \
		    "user $PF_USER" "password $PF_PASSWORD" \
		    "from %U@example.test" "rewrite_domain example.test"
		printf '%s\n' "$@" "account default : system"
	} >"$SYS_CONF"
	chmod 600 "$SYS_CONF"
	make -s -C "$TESTS_DIR/.." install-system >"$T/install.log" 2>&1 || {
		echo "Bail out! make install-system failed: $(cat "$T/install.log")"
		exit 1
	}
}

system_teardown() {
	for u in $SYS_USERS; do userdel "$u" 2>/dev/null; done
	userdel postie 2>/dev/null
	groupdel postie 2>/dev/null
	rm -rf "$SYS_CONF" "$SYS_SPOOL" "$SYS_STATE"
	make -s -C "$TESTS_DIR/.." uninstall-system >/dev/null 2>&1
}

# system_user NAME: a throwaway user with a home of its own in $T/home
system_user() {
	userdel "$1" 2>/dev/null
	useradd -M -d "$T/home/$1" -s /bin/sh "$1" || exit 1
	SYS_USERS="$SYS_USERS $1"
	mkdir -p "$T/home/$1"
	chown "$1:" "$T/home/$1"
	chmod 700 "$T/home/$1"
}

# as_user NAME COMMAND...: COMMAND as NAME with a login's environment
# (HOME, USER, LOGNAME, PATH, and nothing of ours), stdin kept
as_user() {
	au_u=$1; shift
	au_home=$(getent passwd "$au_u" | cut -d: -f6)
	runuser -u "$au_u" -- env -i HOME="$au_home" USER="$au_u" \
	    LOGNAME="$au_u" PATH=/usr/bin:/bin SHELL=/bin/sh "$@"
}
# sys_run NAME ARG...: $SYS_BIN ARG... as NAME, as postie_run does
sys_run() {
	sr_u=$1; shift
	as_user "$sr_u" "$SYS_BIN" "$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	err=$(cat "$T/stderr")
}

# devlog_start: $T/dev/log, a datagram socket that records what syslog(3)
# sends into $T/syslog (tests/lib/devlog.py), for ns_run
devlog_start() {
	mkdir -m 755 "$T/dev"
	python3 "$TEST_LIB/devlog.py" "$T/dev/log" "$T/syslog" 120 &
	fake_pids="$fake_pids $!"
	dl_i=0
	while [ ! -S "$T/dev/log" ] && [ $dl_i -lt 100 ]; do
		sleep 0.05; dl_i=$((dl_i + 1))
	done
}
# ns_run [setpriv OPTION...] -- COMMAND...: COMMAND (output to $T/stdout,
# $T/stderr; $rc, $err) in a mount namespace whose /dev holds the devices
# it may open and devlog_start's socket as log, so that syslog(3) talks
# to the test, not to the machine's logger
ns_run() {
	priv=
	while [ "$1" != -- ]; do priv="$priv $1"; shift; done
	shift
	XDG_STATE_HOME=$T/state timeout 120 unshare -m sh -ec '
		d=$1 priv=$2; shift 2
		for n in null zero full random urandom; do
			: >"$d/$n"; mount --bind "/dev/$n" "$d/$n"
		done
		mount --bind "$d" /dev
		if [ -n "$priv" ]; then exec setpriv $priv -- "$@"; fi
		exec "$@"' sh "$T/dev" "$priv" "$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	err=$(cat "$T/stderr")
}
# lines_now: how many datagrams devlog recorded so far
lines_now() { wc -l <"$T/syslog" | tr -d ' '; }
# new_lines SINCE: wait (2s at most) for a datagram after line SINCE;
# the ones that came go to $T/new
new_lines() {
	nl_i=0
	while [ "$(lines_now)" -le "$1" ] && [ $nl_i -lt 40 ]; do
		sleep 0.05; nl_i=$((nl_i + 1))
	done
	tail -n +"$(($1 + 1))" "$T/syslog" >"$T/new"
}
