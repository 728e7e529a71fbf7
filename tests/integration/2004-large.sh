#!/bin/sh
# A 50 MB message (lines up to 998 octets, some starting with a dot)
# arrives intact.
. "$(dirname "$0")/../lib/lib.sh"
need_postfix
plan 3

config_postfix "$T/rc" smtps
python3 - "$T/msg" <<'PY'
import sys
size = 50 * 1024 * 1024
with open(sys.argv[1], "wb") as f:
    f.write(b"From: sender@example.test\nTo: rcpt@example.test\n"
            b"Date: Sat, 28 Nov 2026 12:00:00 +0000\n"
            b"Message-ID: <2004@example.test>\nSubject: 50 MB\n\n")
    text = b"".join(bytes([33 + (i * 7) % 94]) for i in range(997))
    n, chunk = 0, []
    while n < size:
        i = len(chunk) + n
        width = (i * 131) % 997 + 1          # 1..997 octets of text
        line = text[:width]
        if i % 37 == 0:
            line = b"." + line[1:]           # a leading dot now and then
        chunk.append(line + b"\n")
        if len(chunk) == 10000:
            data = b"".join(chunk)
            f.write(data)
            n, chunk = n + len(data), []
    f.write(b"".join(chunk) + b"the end\n")
PY
want=$(sha256sum <"$T/msg" | cut -d' ' -f1)

postie_run -C "$T/rc" -i rcpt@example.test <"$T/msg"
check_rc "50 MB: exit 0" 0
if delivered 1 60; then
	ok "50 MB: delivered"
	got=$(pf_strip_trace "$(cat "$T/delivered")" | sha256sum | cut -d' ' -f1)
	check_eq "50 MB: sha256 of what arrived matches the input" "$want" "$got"
else
	fail "50 MB: delivered" "$(cat "$T/pf_wait")"
	fail "50 MB: sha256 of what arrived matches the input"
fi
pf_clear_mail "$PF_DIR"
