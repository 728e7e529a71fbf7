#!/bin/sh
# git send-email's own command line, "sendmail -i [-f FROM] RCPT..." (the
# To and Cc addresses as arguments), with a patch mail in LF lines that
# already has From, Date and Message-Id: postie adds nothing and changes
# nothing. A refusal must be a non-zero exit (it aborts the series) with
# one line on stderr. 7020 runs the real git send-email.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 10

# header FILE NAME: the value of FILE's first NAME: header (any case)
header() {
	awk -v n="$2" 'BEGIN { n = tolower(n) ":" }
	    /^$/ { exit }
	    tolower(substr($0, 1, length(n))) == n {
		sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$1"
}
# split_added FILE NAME...: FILE (delivered) without Postfix's trace into
# $T/got, less the header lines NAME... (which postie adds) that go to
# $T/added
split_added() {
	sa_f=$1; shift
	pf_strip_trace "$sa_f" >"$T/full"
	awk -v names="$*" 'BEGIN { n = split(tolower(names), v, " ")
		for (i = 1; i <= n; i++) want[v[i]] = 1 }
	    !body && /^$/ { body = 1 }
	    !body { k = tolower($0); sub(/:.*/, "", k)
		if (k in want) { print >"/dev/stderr"; next } }
	    { print }' "$T/full" >"$T/got" 2>"$T/added"
}
# check_date_msgid DESC: $T/added holds one well-formed Date: and one
# Message-ID:
check_date_msgid() {
	if [ "$(grep -ciE '^date: ' "$T/added")" -eq 1 ] &&
	    grep -qE '^[Dd][Aa][Tt][Ee]: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$' "$T/added" &&
	    [ "$(grep -ciE '^message-id: ' "$T/added")" -eq 1 ] &&
	    grep -qiE '^message-id: <[^<>@ ]+@[^<>@ ]+>$' "$T/added"; then
		ok "$1"
	else
		fail "$1" "want one Date: and one Message-ID: added, got:" \
		    "$(cat "$T/added")"
	fi
}

config_postfix "$T/rc" smtps "queue_dir $T/queue"
cat >"$T/msg" <<'M'
From: A U Thor <author@example.test>
To: rcpt@example.test
Cc: cc@example.test
Subject: [PATCH 1/2] first change
Date: Sat, 28 Nov 2026 17:28:48 +0000
Message-Id: <20261128172849.13113-1-author@example.test>
X-Mailer: git-send-email 2.39.5
MIME-Version: 1.0
Content-Transfer-Encoding: 8bit

---
 f | 1 +
 1 file changed, 1 insertion(+)
 create mode 100644 f

diff --git a/f b/f
new file mode 100644
index 0000000..7898192
--- /dev/null
+++ b/f
@@ -0,0 +1 @@
+a
.
-- 
2.39.5

M

postie_run -C "$T/rc" -i -f author@example.test rcpt@example.test \
    cc@example.test <"$T/msg"
check_rc "exit 0" 0
check_eq "nothing on stderr" "" "$err"
if delivered 2; then
	for f in $(cat "$T/delivered"); do header "$f" Delivered-To; done |
	    sort | tr '\n' ' ' >"$T/rcpts"
	check_eq "To and Cc got one copy each" \
	    "cc@example.test rcpt@example.test " "$(cat "$T/rcpts")"
	f=$(head -n 1 "$T/delivered")
	check_eq "envelope sender: -f" "<author@example.test>" \
	    "$(header "$f" Return-Path)"
	pf_strip_trace "$f" >"$T/got"
	cp "$T/msg" "$T/want"
	check_file_eq "the patch arrived byte for byte, nothing added" \
	    "$T/want" "$T/got"
else
	fail "To and Cc got one copy each" "$(cat "$T/pf_wait")"
	fail "envelope sender: -f"
	fail "the patch arrived byte for byte, nothing added"
fi

# the only recipient refused: git must see a failure and stop
pf_clear_mail "$PF_DIR"
postie_run -C "$T/rc" -i -f author@example.test reject@example.test <"$T/msg"
check_rc "recipient refused: exit 67 (EX_NOUSER)" 67
check_err "recipient refused: one line naming it" reject@example.test
check_eq "recipient refused: nothing on stdout" "" "$(cat "$T/stdout")"
# and a server that refuses everything before the message: wrong password
config_postfix "$T/rc.badpw" smtps "queue_dir $T/queue.badpw"
sed -i 's/^password .*/password not-the-password/' "$T/rc.badpw"
postie_run -C "$T/rc.badpw" -i -f author@example.test rcpt@example.test <"$T/msg"
check_rc "authentication refused: exit 77" 77
check_err "authentication refused: one line" "localhost:$PF_SMTPS_PORT"
