#!/bin/sh
# test_check.sh: `search check` end to end: a sound index passes with its
# counts; damage is reported with exit 2 (a broken checksum at open, a
# missing file); bad arguments are a one-line error.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

IDX=$TMP/idx
expect_exit 0 "index the seed corpus" "$SEARCH" index --corpus corpus --index "$IDX" --quiet
expect_exit 0 "check a sound index" "$SEARCH" check --index "$IDX"
ok "it says sound, with the passage count" grep -q "sound: .* postings, .* positions, 7[0-9] passages, 4 articles" "$TMP/out"
GEN=$(ls -d "$IDX"/seg-*)
printf 'x' | dd of="$GEN/postings.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_exit 2 "a damaged postings file" "$SEARCH" check --index "$IDX"
ok "... named, one line" sh -c "grep -q 'postings.bin' '$TMP/err' && [ \$(wc -l <'$TMP/err') -eq 1 ]"
expect_exit 0 "index it again" "$SEARCH" index --corpus corpus --index "$IDX" --quiet
GEN=$(ls -d "$IDX"/seg-*)
rm "$GEN/positions.bin"
expect_exit 2 "a missing positions file" "$SEARCH" check --index "$IDX"
ok "... named" grep -q 'positions.bin' "$TMP/err"
expect_exit 2 "no index there" "$SEARCH" check --index "$TMP/none"
ok "... one line" one_line_error
expect_exit 2 "an unknown option" "$SEARCH" check --bogus
ok "... one line" one_line_error
summary test_check
