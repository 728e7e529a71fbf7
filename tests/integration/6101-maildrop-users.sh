#!/bin/sh
# The machine-wide account: an ordinary user's cron job and www-data's
# PHP cannot read postie.conf. Each drops its message into the maildrop
# (exit 0, nothing on stderr); the queue run as postie sends both through
# the test Postfix as the system account, with %U as each user's name in
# the envelope sender (allow_from_override off: cronie's "-f root" does
# not stand) and a Received: field naming the user. Root's "postie -q"
# becomes postie before it connects anywhere.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 30

system_setup "allow_from_override off"
system_user ptcarol

# root_traced ARG...: $SYS_BIN ARG... as root with a login's environment,
# its setuid and connect calls in $T/strace; sets $rc and $err
# (LeakSanitizer cannot work under ptrace: off for these two runs only)
root_traced() {
	(cd "$T" && strace -f -qq -e trace=setuid,setresuid,connect \
	    -o "$T/strace" env -i PATH=/usr/bin:/bin HOME=/root \
	    ASAN_OPTIONS=detect_leaks=0 "$SYS_BIN" "$@" \
	    >"$T/stdout" 2>"$T/stderr")
	rc=$? err=$(cat "$T/stderr")
}
# check_became_postie DESC: in $T/strace, the first setuid or network
# connect is the change to the postie user
check_became_postie() {
	cbp_first=$(grep -nE 'setuid|setresuid|connect\(' "$T/strace" |
	    grep -vE 'connect\([0-9]+, \{sa_family=AF_UNIX' | head -n 1)
	case $cbp_first in
	*"setuid($(id -u postie))"*|*"setresuid($(id -u postie),"*) ok "$1" ;;
	*) fail "$1" "first of setuid/connect: $cbp_first" ;;
	esac
}

check "the account file is root:postie 0640 after install-system" \
    test "$(stat -c '%U:%G %a' "$SYS_CONF")" = "root:postie 640"
as_user ptcarol cat "$SYS_CONF" >/dev/null 2>&1
check_eq "an ordinary user cannot read postie.conf" 1 "$?"
as_user www-data cat "$SYS_CONF" >/dev/null 2>&1
check_eq "www-data cannot read postie.conf" 1 "$?"

printf '%s\n' 'From: root (Cron Daemon)' 'To: ptcarol' \
    'Subject: Cron <ptcarol@host> ./backup' '' 'backup done' >"$T/cron.msg"
sys_run ptcarol -FCronDaemon -i -B8BITMIME -oem ptcarol <"$T/cron.msg"
check_rc "cron's argv as ptcarol: exit 0" 0
check_eq "cron's argv as ptcarol: nothing on stderr" "" "$err"

printf '%s\n' 'To: shop-orders@example.test' 'Subject: order 42' '' \
    'thank you' >"$T/php.msg"
sys_run www-data -t -i <"$T/php.msg"
check_rc "PHP's sendmail -t -i as www-data: exit 0" 0
check_eq "PHP's sendmail -t -i: nothing on stderr" "" "$err"

sys_run ptcarol -f root -i -- ptcarol <"$T/cron.msg"
check_rc "cronie's -f root as ptcarol: exit 0" 0

check_eq "three files wait in the maildrop" 3 \
    "$(find "$SYS_SPOOL/maildrop" -type f | wc -l | tr -d ' ')"
check_eq "they are the users' own, group postie, mode 640" \
    "ptcarol:postie:640 ptcarol:postie:640 www-data:postie:640" \
    "$(find "$SYS_SPOOL/maildrop" -type f -exec stat -c '%U:%G:%a' {} + |
    sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "nothing is sent before the queue run" 0 \
    "$(pf_mail_count "$PF_DIR")"

# Root's queue run: it must be postie's before any connect().
log_from=$(($(wc -l <"$PF_DIR/maillog") + 1))
root_traced -q </dev/null
check_rc "root's postie -q: exit 0" 0
check_became_postie "root became postie before connecting"
check_eq "the maildrop is empty after the run" 0 \
    "$(find "$SYS_SPOOL/maildrop" -type f | wc -l | tr -d ' ')"

if delivered 3; then
	for f in $(cat "$T/delivered"); do
		printf '%s %s|%s\n' "$(header "$f" Return-Path)" \
		    "$(header "$f" X-Original-To)" \
		    "$(grep -m1 'postie, from userid' "$f" | tr -d '\r')"
	done | sort >"$T/got"
	carol=$(id -u ptcarol) www=$(id -u www-data)
	host=$(hostname)
	printf '%s\n' \
	    "<ptcarol@example.test> ptcarol@example.test|Received: by $host (postie, from userid $carol, user ptcarol);" \
	    "<ptcarol@example.test> ptcarol@example.test|Received: by $host (postie, from userid $carol, user ptcarol);" \
	    "<www-data@example.test> shop-orders@example.test|Received: by $host (postie, from userid $www, user www-data);" \
	    >"$T/want"
	check_file_eq "each message's sender is %U, its recipients qualified, the trace names the user" \
	    "$T/want" "$T/got"
	grep -l 'Subject: order 42' $(cat "$T/delivered") >"$T/php.file"
	pf_strip_trace "$(cat "$T/php.file")" >"$T/php.stripped"
	awk '/^Received: by .* \(postie, from userid/ { ours = 1; next }
	    ours && /^[ \t]/ { next } { ours = 0; print }' "$T/php.stripped" |
	    grep -v -i -e '^date:' -e '^message-id:' -e '^from:' >"$T/php.got"
	to_lf "$T/php.msg" >"$T/php.want"
	check_file_eq "PHP's message arrives as written (Date, Message-ID, From added)" \
	    "$T/php.want" "$T/php.got"
	check_eq "PHP's From: is www-data's %U address" \
	    "www-data@example.test" "$(header "$(cat "$T/php.file")" From)"
else
	fail "each message's sender is %U, its recipients qualified, the trace names the user" "$(cat "$T/pf_wait")"
	fail "PHP's message arrives as written (Date, Message-ID, From added)"
	fail "PHP's From: is www-data's %U address"
fi
sleep 0.5
tail -n +"$log_from" "$PF_DIR/maillog" >"$T/maillog"
check_eq "all three went in one session" 1 \
    "$(grep -c 'disconnect from' "$T/maillog")"
check_eq "each was sent authenticated as the system account ($PF_USER)" 3 \
    "$(grep -c "sasl_username=$PF_USER@" "$T/maillog")"

check_eq "the queue and its TLS session cache are postie's" "" \
    "$(find "$SYS_SPOOL" "$SYS_STATE" ! -user postie ! -path "$SYS_SPOOL/maildrop" \
    ! -path "$SYS_SPOOL/incoming" -print)"
check_eq "nothing is left in the system queue" "" \
    "$(find "$SYS_SPOOL/queue" "$SYS_SPOOL/failed" "$SYS_SPOOL/tmp" -type f)"

# The postie user's own run (the systemd unit's) with a message waiting.
sys_run ptcarol -i ptcarol <"$T/cron.msg"
check_rc "another drop: exit 0" 0
sys_run postie -q
check_rc "postie -q as postie: exit 0" 0
check_eq "postie -q as postie: nothing on stderr" "" "$err"
check "it arrives" delivered 4

# Root's own submission: delivered at once, as postie, sent as root.
printf 'Subject: from root\n\nroot here\n' >"$T/root.msg"
root_traced -i root <"$T/root.msg"
check_rc "root's own submission: exit 0" 0
check_became_postie "root's submission became postie before connecting"
check "it is delivered at once, without a queue run" delivered 5
f=$(tail -n 1 "$T/delivered")
check_eq "its sender is root's %U address" "<root@example.test>" \
    "$(header "$f" Return-Path)"
check_eq "it went to root, qualified" "root@example.test" \
    "$(header "$f" X-Original-To)"
