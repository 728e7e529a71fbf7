#!/bin/sh
# Command line errors exit 64 (EX_USAGE) and name what was wrong, before
# any configuration is read or any connection made.
. "$(dirname "$0")/../lib/lib.sh"
plan 5

printf 'Subject: x\n\nbody\n' >"$T/msg"
postie_run -C "$T/nonexistent" -Z rcpt@example.test <"$T/msg"
check_rc "an unknown flag exits 64" 64
check "the error names the flag" grep -q -- 'Z' "$T/stderr"
check_eq "the error is one line" 1 "$(wc -l <"$T/stderr" | tr -d ' ')"

# flags sendmail callers pass and postie ignores are accepted; the run then
# fails on the missing configuration (78), not on the command line (64)
postie_run -C "$T/nonexistent" -oem -odi -B8BITMIME -FCronDaemon -i \
    rcpt@example.test <"$T/msg"
check_rc "ignored sendmail flags are accepted" 78
check_err "a missing configuration file is one line naming it" "$T/nonexistent"
