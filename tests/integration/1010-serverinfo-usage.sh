#!/bin/sh
# --serverinfo is in the usage text; with an unknown account or a missing
# configuration it fails like a submission would (78, one line) and
# connects nowhere.
. "$(dirname "$0")/../lib/lib.sh"
plan 5

postie_run --help
check_rc "--help exits 0" 0
check "the usage names --serverinfo" grep -q -- '--serverinfo \[-a account\]' "$T/stdout"

postie_run --serverinfo -C "$T/nonexistent"
check_rc "a missing configuration exits 78" 78
check_err "one line naming the file" "$T/nonexistent"

printf 'account a\nhost localhost\nport 1\ntls on\ntls_starttls off\n' | write_config "$T/rc"
postie_run --serverinfo -a nosuch -C "$T/rc"
check_err "an unknown account is one line naming it" nosuch
