#!/bin/sh
# Nobody sees or touches another user's mail: a user cannot list the
# maildrop, nor read, rename or delete another's file in it, nor look
# into the system queue. The account's file may be group-readable only
# by the postie group while nobody else is in it. PHP frameworks that
# speak SMTP to "sendmail -bs" drop their messages the same way.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 23

system_setup
system_user ptcarol
system_user ptmallory
md=$SYS_SPOOL/maildrop

printf 'Subject: private\n\nfor carol only\n' >"$T/msg"
sys_run ptcarol -i someone@example.test <"$T/msg"
check_rc "carol drops a message: exit 0" 0
name=$(ls "$md")

as_user ptmallory ls "$md" >/dev/null 2>&1
check_eq "mallory cannot list the maildrop" 2 "$?"
as_user ptmallory ls "$SYS_SPOOL/incoming" >/dev/null 2>&1
check_eq "mallory cannot list incoming/" 2 "$?"
as_user ptmallory cat "$md/$name" >/dev/null 2>&1
check_eq "mallory cannot read carol's file, even by its name" 1 "$?"
as_user ptmallory mv "$md/$name" "$md/0123456789abcdef0123456789abcdef" 2>/dev/null
check_eq "mallory cannot rename it" 1 "$?"
as_user ptmallory rm -f "$md/$name" 2>/dev/null
check_eq "mallory cannot delete it" 1 "$?"
if as_user ptmallory sh -c "echo x >>'$md/$name'" 2>/dev/null; then
	fail "mallory cannot append to it"
else
	ok "mallory cannot append to it"
fi
check "carol's file is still there, whole" \
    sh -c "[ -f '$md/$name' ] && tail -n 1 '$md/$name' | grep -q 'for carol only'"

# The account's file, readable by a group mallory joins: refused, so the
# message waits (nothing lost) and the log says why.
usermod -a -G postie ptmallory
as_user postie "$SYS_BIN" -q >"$T/stdout" 2>"$T/stderr"
rc=$? err=$(cat "$T/stderr")
check_eq "a postie group with another member: the file is refused, exit 78" \
    "78 1" "$rc $(grep -c "^postie: $SYS_CONF: contains a password but others can read it" "$T/stderr")"
check_eq "the pickup says it holds carol's message for the next run" 1 \
    "$(grep -c "^postie: warning: maildrop $name: from user ptcarol, kept for the next pickup: .*contains a password" "$T/stderr")"
check_eq "the message waits, held out of the maildrop (no run after run)" \
    "|$name" "$(ls "$md")|$(ls "$SYS_SPOOL/hold")"
sys_run ptcarol -bp
check_eq "carol's mailq shows it held" 1 \
    "$(grep -c 'held after a failed pickup\|waiting in the maildrop' "$T/stdout")"
gpasswd -d ptmallory postie >/dev/null
# So does a user whose primary group it is.
userdel ptprimary 2>/dev/null
useradd -M -N -g postie -d /nonexistent ptprimary
SYS_USERS="$SYS_USERS ptprimary"
as_user postie "$SYS_BIN" -q >"$T/stdout" 2>"$T/stderr"
check_eq "a user whose primary group is postie's: refused too" 1 \
    "$(grep -c "^postie: $SYS_CONF: contains a password but others can read it" "$T/stderr")"
userdel ptprimary

as_user postie "$SYS_BIN" -q >"$T/stdout" 2>"$T/stderr"
rc=$? err=$(cat "$T/stderr")
check_rc "the group mended, the next run: exit 0" 0
check "carol's message is delivered" delivered 1

# Queued for a while (the server refuses for now): in the system queue,
# which mallory cannot look into.
printf 'Subject: later\n\nwaits\n' >"$T/msg2"
sys_run ptcarol -i tempfail@example.test <"$T/msg2"
as_user postie "$SYS_BIN" -q >"$T/stdout" 2>"$T/stderr"
check_eq "a refused-for-now message waits in the system queue" 2 \
    "$(find "$SYS_SPOOL/queue" -type f | wc -l | tr -d ' ')"
as_user ptmallory ls "$SYS_SPOOL/queue" >/dev/null 2>&1
check_eq "mallory cannot list the system queue" 2 "$?"
as_user ptmallory cat "$SYS_SPOOL"/queue/*.env >/dev/null 2>&1
check_eq "nor read an envelope in it" 1 "$?"

# -bs (Symfony, Laravel) as www-data: the dialogue's message is dropped.
printf 'EHLO app\r\nMAIL FROM:<shop@example.test>\r\nRCPT TO:<orders@example.test>\r\nDATA\r\nSubject: bs\r\n\r\nvia -bs\r\n.\r\nQUIT\r\n' |
    as_user www-data "$SYS_BIN" -bs >"$T/dialogue" 2>"$T/stderr"
check_eq "-bs as www-data: the message is answered 250 queued" 1 \
    "$(grep -c '^250 2.0.0 Ok: queued' "$T/dialogue")"
as_user postie "$SYS_BIN" -q >"$T/stdout" 2>"$T/stderr"
check "and delivered after the queue run" delivered 2

# -a cannot choose another account of the machine's file.
printf '%s\n' 'account other' 'host localhost' 'port 1' 'tls off' \
    'auth off' 'from other@example.test' >>"$SYS_CONF"
printf 'Subject: via other\n\nx\n' >"$T/msg3"
sys_run ptcarol -a other -i someone@example.test <"$T/msg3"
check_rc "carol drops with -a other: exit 0" 0
as_user postie "$SYS_BIN" -q >"$T/stdout" 2>"$T/stderr"
check "the default account sends it anyway" delivered 3
check_eq "nothing waits for the other account" "" \
    "$(find "$SYS_SPOOL/queue" -name '*.env' -exec grep -l 'account other' {} +)"
