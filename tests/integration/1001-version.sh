#!/bin/sh
# --version prints the name and a version on stdout and exits 0.
. "$(dirname "$0")/../lib/lib.sh"
plan 3

postie_run --version </dev/null
check_rc "--version exits 0" 0
check "--version names postie" grep -q '^postie ' "$T/stdout"
check "--version prints a version number" grep -qE '[0-9]+\.[0-9]+' "$T/stdout"
