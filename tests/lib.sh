# tests/lib.sh: helpers for the shell (end-to-end) tests.
# Each test file sources this, calls ok/expect_* and ends with `summary NAME`.
PASS=0; FAIL=0; SKIP=0
SEARCH=${SEARCH:-$(pwd)/build/search}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { # ok "description" command...
    desc=$1; shift
    if "$@"; then PASS=$((PASS + 1)); else FAIL=$((FAIL + 1)); echo "  FAIL: $desc"; fi
}
# expect_exit CODE "description" command...: runs the command, checks its status
expect_exit() {
    want=$1; desc=$2; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"; got=$?
    if [ "$got" -eq "$want" ]; then PASS=$((PASS + 1));
    else FAIL=$((FAIL + 1)); echo "  FAIL: $desc (exit $got, expected $want)"; head -c 600 "$TMP/err"; fi
}
# one_line_error: stderr is exactly one line starting with "search: "
one_line_error() { [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q '^search: ' "$TMP/err"; }
# skip "why": a check that cannot run here, counted and shown, never silent
skip() { SKIP=$((SKIP + 1)); echo "  skipped: $1"; }
summary() {
    if [ "$SKIP" -gt 0 ]; then echo "$1: $PASS passed, $FAIL failed, $SKIP skipped"; else echo "$1: $PASS passed, $FAIL failed"; fi
    [ "$FAIL" -eq 0 ]
}
