#!/bin/sh
# Runs every unit-test binary under $BUILD/tests and every shell test
# tests/*/test_*.sh against $BUILD/search, then prints the grand total as
# the plain line "N passed, N failed" (non-zero exit on any failure).
BUILD=${BUILD:-build}
export BUILD
export SEARCH="$(pwd)/$BUILD/search"
passed=0; failed=0; skipped=0; log=$(mktemp)
for t in "$BUILD"/tests/*/test_* tests/*/test_*.sh; do
    [ -f "$t" ] || continue
    case "$t" in *.sh) sh "$t" >"$log" 2>&1 ;; *) "$t" >"$log" 2>&1 ;; esac
    rc=$?
    line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$t: no summary (exit $rc)"; cat "$log"; failed=$((failed + 1)); continue
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped$/\1/p')
    skipped=$((skipped + ${s:-0}))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then cat "$log"; else grep '^  skipped: ' "$log"; echo "$line"; fi
done
rm -f "$log"
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
