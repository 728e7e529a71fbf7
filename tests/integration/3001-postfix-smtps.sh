#!/bin/sh
# Delivery over implicit TLS (port 465 style) to a real Postfix: exit 0,
# silence, and the message arrives byte for byte.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 3

config_postfix "$T/rc" smtps
cat >"$T/msg" <<'M'
From: Sender <sender@example.test>
To: Recipient <rcpt@example.test>
Subject: over implicit TLS
Date: Sat, 28 Nov 2026 12:00:00 +0000
Message-ID: <3001@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hello over port 465.
	A line starting with a tab, and some UTF-8: grüße, ☃.
  Two leading spaces.

The end.
M
postie_run -C "$T/rc" rcpt@example.test <"$T/msg"
check_rc "exit status 0" 0
check_eq "nothing on stderr" "" "$err"
to_lf "$T/msg" >"$T/want"
check_delivered "one message, delivered byte for byte" "$T/want"
