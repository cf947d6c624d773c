#!/bin/sh
# test_odd_inputs.sh: inputs a user may well give, answered in clear
# words: one article as the corpus, a memory budget past the machine's, a
# query of only "+", sbg-serve before sbg-index, Markdown headings in
# snippets, and the report of an update that had nothing to do.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

# ---- one .md or .txt file as the corpus is one article ----
mkdir -p "$TMP/one"
printf '# Zebrafish Care\n\nZebrafish like warm water.\n\n## Feeding\n\nFeed them flakes twice a day.\n' >"$TMP/one/care.md"
expect_exit 0 "a single .md file as --corpus" "$SEARCH" index --corpus "$TMP/one/care.md" --index "$TMP/one.idx"
ok "... no warnings about malformed rows" sh -c "! grep -q 'expected id<TAB>title<TAB>text' '$TMP/err'"
ok "... one article, two passages" grep -q "indexed 1 articles (0 skipped) into 2 passages" "$TMP/err"
expect_exit 0 "search it" search_hits --index "$TMP/one.idx" flakes
ok "... the article is the file, titled by its heading" \
    sh -c "jq -e '.article == \"care.md\" and .title == \"Zebrafish Care\" and (.path | endswith(\"one/care.md\"))' '$TMP/out' >/dev/null"
expect_exit 0 "updating it" "$SEARCH" index --corpus "$TMP/one/care.md" --index "$TMP/one.idx"
ok "... finds it unchanged" grep -q "1 articles unchanged (. files not read), 0 added, 0 changed, 0 removed" "$TMP/err"
ok "... and reports no counts of nothing" sh -c "! grep -q 'indexed 0 articles\|MB/s' '$TMP/err'"
expect_exit 0 "check --corpus FILE: current" "$SEARCH" check --index "$TMP/one.idx" --corpus "$TMP/one/care.md"
printf 'Just text, no heading.\nSecond line with quokka.\n' >"$TMP/one/notes.txt"
expect_exit 0 "a single .txt file as --corpus" "$SEARCH" index --corpus "$TMP/one/notes.txt" --index "$TMP/txt.idx" --quiet
expect_exit 0 "search it" search_hits --index "$TMP/txt.idx" quokka
ok "... one article named after the file" sh -c "jq -e '.article == \"notes.txt\" and .title == \"Notes\"' '$TMP/out' >/dev/null"
printf 'd1\tT\tquokka row\n' >"$TMP/one/rows.tsv"
expect_exit 0 "a .tsv file is still a passages file" "$SEARCH" index --corpus "$TMP/one/rows.tsv" --index "$TMP/tsv.idx" --quiet
expect_exit 0 "... whose row is an article" search_hits --index "$TMP/tsv.idx" quokka
ok "... with the row's id" sh -c "jq -e '.article == \"d1\"' '$TMP/out' >/dev/null"

# ---- --memory past the machine's memory ----
expect_exit 2 "--memory 100T" "$SEARCH" index --corpus corpus --index "$TMP/mem" --memory 100T
ok "... says it is too large" grep -q -- "--memory 100T is too large" "$TMP/err"
ok "... in one line" one_line_error
ok "... and builds nothing" test ! -e "$TMP/mem"
expect_exit 2 "--memory 512K" "$SEARCH" index --corpus corpus --index "$TMP/mem" --memory 512K
ok "... says it is too small" grep -q -- "--memory 512K is too small" "$TMP/err"
expect_exit 2 "--memory 12X" "$SEARCH" index --corpus corpus --index "$TMP/mem" --memory 12X
ok "... says what a size looks like" grep -q -- "--memory wants a size like" "$TMP/err"
expect_exit 0 "--memory 64M builds" "$SEARCH" index --corpus corpus --index "$TMP/mem" --memory 64M --quiet

# ---- queries with no words ----
IDX=$TMP/idx
"$SEARCH" index --corpus corpus --index "$IDX" --quiet
expect_exit 1 "a lone +" "$SEARCH" --index "$IDX" +
ok "... is not called only stop words" sh -c "! grep -q 'stop words' '$TMP/err'"
ok "... says there is nothing to search for" grep -q "no words to search for" "$TMP/err"
expect_exit 1 "punctuation only" "$SEARCH" --index "$IDX" -- '! ?'
ok "... is not called only stop words" sh -c "! grep -q 'stop words' '$TMP/err'"
expect_exit 1 "only stop words" "$SEARCH" --index "$IDX" "the of and"
ok "... is called only stop words" grep -q "only stop words" "$TMP/err"
expect_exit 1 "+the" "$SEARCH" --index "$IDX" +the
ok "... is called only stop words" grep -q "only stop words" "$TMP/err"

# ---- sbg-serve before sbg-index ----
expect_exit 2 "sbg-serve on a missing index" sh -c "'$SEARCH' sbg-serve '$TMP/no-sbg' </dev/null"
ok "... suggests sbg-index" grep -q "search sbg-index $TMP/no-sbg" "$TMP/err"
ok "... not search index" sh -c "! grep -q 'search index' '$TMP/err'"
ok "... in one line" one_line_error
ok "... and creates nothing" test ! -e "$TMP/no-sbg"

# ---- snippets drop Markdown heading markers ----
mkdir -p "$TMP/md"
printf '# Quokka Facts\n\nIntro line.\n\n## Quokka diet\n\nA quokka eats leaves.\n' >"$TMP/md/q.md"
"$SEARCH" index --corpus "$TMP/md" --index "$TMP/md.idx" --quiet
expect_exit 0 "search a Markdown article" "$SEARCH" --index "$TMP/md.idx" --no-color -k 1 diet
ok "the snippet starts with the heading's words" grep -q '^    Quokka \*\*diet\*\* A quokka' "$TMP/out"
ok "... without its ## marker" sh -c "! grep -q '##' '$TMP/out'"

# ---- an update with nothing to do ----
expect_exit 0 "an update of an unchanged corpus" "$SEARCH" index --corpus corpus --index "$IDX"
ok "... says up to date" grep -q "up to date" "$TMP/err"
ok "... no rate of nothing (0.0 MB/s)" sh -c "! grep -q 'MB/s' '$TMP/err'"
ok "... no counts of nothing (indexed 0 articles)" sh -c "! grep -q 'indexed 0 articles' '$TMP/err'"
printf 'New quokka article.\n' >"$TMP/md/new.md"
expect_exit 0 "an update with a change" "$SEARCH" index --corpus "$TMP/md" --index "$TMP/md.idx"
ok "... reports what it indexed" grep -q "indexed 1 articles" "$TMP/err"

summary test_odd_inputs
