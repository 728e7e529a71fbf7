#!/bin/sh
# git send-email's own command line, "sendmail -i [-f FROM] RCPT..." (the
# To and Cc addresses as arguments), with a patch mail in LF lines that
# already has From, Date and Message-Id: postie adds nothing and changes
# nothing. A refusal must be a non-zero exit (it aborts the series) with
# one line on stderr. 7020 runs the real git send-email.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 10

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
	check_eq "To and Cc got one copy each" \
	    "cc@example.test rcpt@example.test" "$(delivered_to)"
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
