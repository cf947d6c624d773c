#!/bin/sh
# test_check.sh: `search check` end to end: a sound index passes with its
# counts; damage is reported with exit 2 (a broken checksum, a
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
# an open reads no payload of postings.bin: check's verification finds it
expect_exit 2 "a damaged postings file" "$SEARCH" check --index "$IDX"
ok "... named: its checksum" grep -q 'postings.bin is corrupt: checksum mismatch' "$TMP/err"
ok "... one problem, then the summary" sh -c "[ \$(wc -l <'$TMP/err') -eq 2 ] && tail -n 1 '$TMP/err' | grep -q '^search: index .* is corrupt: 1 problem '"
expect_exit 0 "index it again" "$SEARCH" index --corpus corpus --index "$IDX" --quiet
GEN=$(ls -d "$IDX"/seg-*)
rm "$GEN/positions.bin"
expect_exit 2 "a missing positions file" "$SEARCH" check --index "$IDX"
ok "... named" grep -q 'positions.bin' "$TMP/err"
expect_exit 2 "no index there" "$SEARCH" check --index "$TMP/none"
ok "... one line" one_line_error
expect_exit 2 "an unknown option" "$SEARCH" check --bogus
ok "... one line" one_line_error
# ---- --corpus: is the index current? ----
C=$TMP/c; cp -R corpus "$C"; CI=$TMP/ci
"$SEARCH" index --corpus "$C" --index "$CI" --quiet
expect_exit 0 "check --corpus on the corpus just indexed" "$SEARCH" check --index "$CI" --corpus "$C"
ok "... says current, with the article count" grep -q "current: the 4 articles of .* are the index's, unchanged" "$TMP/out"
f=$(ls "$C" | head -n 1); g=$(ls "$C" | tail -n 1)
cp -p "$C/$f" "$TMP/saved"; printf '\nAn added sentence.\n' >>"$C/$f"; touch -r "$TMP/saved" "$C/$f"
rm "$C/$g"; printf 'New words.\n' >"$C/new.txt"
expect_exit 1 "an edited (same mtime), a removed and a new file" "$SEARCH" check --index "$CI" --corpus "$C"
ok "... the edit named" grep -q "^changed since indexed: $f$" "$TMP/out"
ok "... the new file named" grep -q "^not in the index: new.txt$" "$TMP/out"
ok "... the removed one named" grep -q "^not in the corpus: $g$" "$TMP/out"
ok "... counted, with the command that updates" grep -q "not current: of 4 articles .*, 2 unchanged, 1 not in the index, 1 changed; 1 indexed articles not in the corpus (update with: search index" "$TMP/out"
expect_exit 0 "after the update" "$SEARCH" index --corpus "$C" --index "$CI" --quiet
expect_exit 0 "... check --corpus says current" "$SEARCH" check --index "$CI" --corpus "$C"
expect_exit 0 "the same path with a doubled and a trailing slash" "$SEARCH" check --index "$CI" --corpus "$TMP//c/"
expect_exit 1 "the corpus by a relative path: the index records paths" sh -c "cd '$TMP' && '$SEARCH' check --index ci --corpus ./c/"
expect_exit 2 "--corpus that does not exist" "$SEARCH" check --index "$CI" --corpus "$TMP/nope"
ok "... one line" one_line_error
summary test_check
