#!/bin/sh
# test_bad_input.sh: bad corpora (empty, binary, malformed UTF-8, large
# files), damaged index files and odd queries: never a crash, exit status 2
# with one line on stderr for errors, valid UTF-8 JSON for hits.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

# valid_utf8_json FILE: non-empty, every line parses, the bytes are UTF-8
valid_utf8_json() {
    [ -s "$1" ] && jq -e . "$1" >/dev/null && iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1
}
valid_utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; }

# ---- a corpus of bad files ----
C=$TMP/bad
mkdir -p "$C/sub"
printf 'Zebrafish Notes\n\nThe zebrafish habitat is warm fresh water.\n' >"$C/good.txt"
: >"$C/empty.txt"
printf 'binary\000data\001\002\003 zebrafish\000\n' >"$C/binary.txt"
# stray continuation bytes, truncated 2/3/4-byte sequences, overlong and
# surrogate encodings, 0xFF, mixed with real words
printf 'Malformed caterpillar text \200\201 with \303 truncated \342\202 and \360\237\230 sequences.\n' >"$C/sub/malformed.txt"
printf 'More caterpillar words \300\257 overlong \355\240\200 surrogate \377\376 and a valid caf\303\251.\n' >>"$C/sub/malformed.txt"
printf 'Ends in a cut sequence caterpillar \342' >>"$C/sub/malformed.txt"
P="The hugemarker river flows past the old mill and the stone bridge. Farmers bring grain to the market every week, and children play along the muddy banks. In winter the water freezes and the village skates under grey skies."
yes "$P" | head -c 20000000 >"$C/huge.txt"
ok "the large file is 20 MB" test "$(wc -c <"$C/huge.txt")" -eq 20000000

IDX=$TMP/idx
expect_exit 0 "index a corpus with bad files" "$SEARCH" index --corpus "$C" --index "$IDX" --quiet
cp "$TMP/err" "$TMP/index.err"
ok "warns about the empty file" grep -q 'warning.*empty\.txt' "$TMP/index.err"
ok "warns about the binary file" grep -q 'warning.*binary\.txt' "$TMP/index.err"
ok "malformed UTF-8 is indexed, not skipped" sh -c "! grep -q 'malformed' '$TMP/index.err'"
ok "only the two warnings" test "$(wc -l <"$TMP/index.err")" -eq 2
rm -f "$C/huge.txt"

expect_exit 0 "search the good file" search_hits --index "$IDX" zebrafish
ok "zebrafish: JSON valid" valid_utf8_json "$TMP/json.all"
ok "zebrafish: only good.txt (binary skipped)" test "$(jq -r .article "$TMP/out" | sort -u)" = good.txt
expect_exit 0 "search the malformed file" search_hits --index "$IDX" caterpillar
ok "caterpillar: JSON valid UTF-8" valid_utf8_json "$TMP/json.all"
ok "caterpillar: hits sub/malformed.txt" test "$(jq -r .article "$TMP/out" | sort -u)" = sub/malformed.txt
expect_exit 0 "search the malformed file (text)" "$SEARCH" --index "$IDX" --no-color caterpillar
ok "caterpillar text output: valid UTF-8" valid_utf8 "$TMP/out"
expect_exit 0 "search the malformed file (color)" "$SEARCH" --index "$IDX" --color caterpillar surrogate
ok "caterpillar colour output: valid UTF-8" valid_utf8 "$TMP/out"
expect_exit 0 "search accented word" "$SEARCH" --index "$IDX" --json "café"
ok "café: JSON valid" valid_utf8_json "$TMP/out"
expect_exit 0 "search the large file" search_hits --index "$IDX" -k 50 hugemarker
ok "hugemarker: 50 valid JSON hits" test "$(wc -l <"$TMP/out")" -eq 50
ok "hugemarker: JSON valid" valid_utf8_json "$TMP/json.all"
ok "hugemarker: passages of the large file are at most a paragraph" \
    sh -c "jq -s -e 'all(.[]; .end - .start < 1000 and .article == \"huge.txt\")' '$TMP/out' >/dev/null"

# ---- corpora that cannot be indexed ----
S=$TMP/strict
mkdir -p "$S"
printf 'A fine article.\n' >"$S/good.txt"
: >"$S/empty.txt"
expect_exit 2 "--strict with an empty file" "$SEARCH" index --corpus "$S" --index "$TMP/sidx" --strict --quiet
ok "--strict: one-line error naming the file" sh -c "grep -q empty.txt '$TMP/err'" 
ok "--strict: one-line error" one_line_error
ok "--strict: no generation left behind" test -z "$(ls "$TMP/sidx" 2>/dev/null | grep gen-)"
expect_exit 0 "without --strict the same corpus indexes" "$SEARCH" index --corpus "$S" --index "$TMP/sidx" --quiet
# a FIFO named like an article was once "No such file or directory" (a stale errno)
mkdir -p "$TMP/fifo"
printf 'A fine article.\n' >"$TMP/fifo/good.txt"
mkfifo "$TMP/fifo/x.txt"
expect_exit 0 "a corpus with a FIFO named x.txt" "$SEARCH" index --corpus "$TMP/fifo" --index "$TMP/fidx" --quiet
ok "the FIFO's warning says what is true" grep -q 'x\.txt: not a regular file (a FIFO)$' "$TMP/err"

expect_exit 2 "corpus path that does not exist" "$SEARCH" index --corpus "$TMP/no-such-corpus" --index "$TMP/x1" --quiet
ok "missing corpus: one-line error" one_line_error
ok "missing corpus: message names it" grep -q 'no-such-corpus' "$TMP/err"
mkdir -p "$TMP/noarticles/deep"
printf '%%PDF-1.4\n' >"$TMP/noarticles/paper.pdf"
printf 'hidden\n' >"$TMP/noarticles/.hidden.txt"
printf 'not .txt\n' >"$TMP/noarticles/deep/readme.rst"
expect_exit 2 "corpus with no articles" "$SEARCH" index --corpus "$TMP/noarticles" --index "$TMP/x2" --quiet
ok "no articles: one-line error" one_line_error
printf 'no tabs here\nnone here either\n' >"$TMP/badrows.tsv"
expect_exit 2 "passages file with no valid rows" "$SEARCH" index --corpus "$TMP/badrows.tsv" --index "$TMP/x3" --quiet
ok "no valid rows: error last, after the warnings" sh -c "tail -n 1 '$TMP/err' | grep -q '^search: '"
ok "no valid rows: no CURRENT" test ! -e "$TMP/x3/CURRENT"
# one NUL byte once failed the whole build; now it costs its row, as a
# malformed row does (an error under --strict)
printf 'r1\tOne\tfirst zebrafish row\nr2\tTwo\tbad \000 zebrafish row\nr3\tThree\tlast zebrafish row\n' >"$TMP/nul.tsv"
expect_exit 0 "a passages file with a NUL in one row" "$SEARCH" index --corpus "$TMP/nul.tsv" --index "$TMP/x8" --quiet
ok "the NUL row: one warning naming the file and line" \
    sh -c "test \$(wc -l <'$TMP/err') -eq 1 && grep -q 'nul\.tsv: line 2: binary data (a NUL byte), skipped' '$TMP/err'"
expect_exit 0 "the other rows are indexed" search_hits --index "$TMP/x8" zebrafish
ok "the other rows: r1 and r3" test "$(jq -r .article "$TMP/out" | sort | tr '\n' ' ')" = "r1 r3 "
expect_exit 2 "--strict: a NUL row is an error" "$SEARCH" index --corpus "$TMP/nul.tsv" --index "$TMP/x9" --strict --quiet
ok "--strict NUL row: the error names the line" sh -c "grep -q 'nul\.tsv: line 2' '$TMP/err'"
ok "--strict NUL row: one line" one_line_error
expect_exit 2 "unknown index option" "$SEARCH" index --bogus
ok "unknown index option: one-line error" one_line_error
expect_exit 2 "--passage-words 0" "$SEARCH" index --corpus "$S" --index "$TMP/x4" --passage-words 0
ok "--passage-words 0: one-line error" one_line_error
# an unknown stemmer language once crashed the build (exit 139) after it
# had started; now it is refused before the index is touched
for lang in klingon "" "$(head -c 100 /dev/zero | tr '\0' x)"; do
    expect_exit 2 "--language '$lang'" "$SEARCH" index --corpus "$S" --index "$TMP/x5" --language "$lang"
    ok "--language '$lang': one-line error" one_line_error
    ok "--language '$lang': the error lists the known names" grep -q "unknown stemmer language.*known: .*english.* none" "$TMP/err"
    ok "--language '$lang': no index directory made" test ! -e "$TMP/x5"
done
expect_exit 0 "--language help" "$SEARCH" index --language help
ok "--language help: one name a line, english and none among them" \
    sh -c "grep -qx english '$TMP/out' && grep -qx none '$TMP/out' && test \$(wc -l <'$TMP/out') -gt 10"
# a name in any case is libstemmer's lower-case name, stored as such: an
# update with the lower case finds the same analysis
expect_exit 0 "--language English" "$SEARCH" index --corpus "$S" --index "$TMP/x5" --language English --quiet
expect_exit 0 "then --language english" "$SEARCH" index --corpus "$S" --index "$TMP/x5" --language english
ok "English and english: the same analysis, nothing rebuilt" grep -q "up to date" "$TMP/err"
expect_exit 0 "--language NONE" "$SEARCH" index --corpus "$S" --index "$TMP/x6" --language NONE --quiet

# ---- damaged index files ----
BASE=$TMP/base
"$SEARCH" index --corpus corpus --index "$BASE" --quiet 2>/dev/null
GEN=$(cat "$BASE/CURRENT")
ok "CURRENT names a commit directory" test -d "$BASE/$GEN"
SEG=$(cd "$BASE" && ls -d seg-*)
ok "the commit has a manifest" test -f "$BASE/$GEN/manifest.bin"
ok "the index has one segment, with the seven files" test "$(ls "$BASE/$SEG" | wc -l)" -eq 7

flip_byte() { # flip_byte FILE OFFSET: xor one byte with 0x41
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' \n')
    printf "$(printf '\\%03o' $((b ^ 65)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# damaged DESCRIPTION NAME: searches the damaged copy in $TMP/dmg and checks
# for exit 2 with one line on stderr that names NAME
damaged() {
    expect_exit 2 "$1" "$SEARCH" --index "$TMP/dmg" --json ketamine
    ok "$1: one-line error" one_line_error
    ok "$1: the error names $2" grep -q "$2" "$TMP/err"
    ok "$1: nothing on stdout" test ! -s "$TMP/out"
    ok "$1: the damaged index is not rebuilt" test "$(cat "$TMP/dmg/CURRENT" 2>/dev/null)" = "$3"
}
# An open reads the headers of a segment's files, meta.bin and the counts
# at the head of each payload, not the payloads of these six (FORMAT.md,
# "File frame"): a byte damaged there is met by the search that reads it,
# and by search check, which reads every CRC32.
LAZY=" lexicon.bin postings.bin positions.bin passages.bin articles.bin store.bin "
# The queries a damaged payload is searched with: union, phrase, prefix,
# conjunction, per-article grouping, explain; every hit's text is read.
for q in ketamine '"ketamine therapy"' 'ket*' '+ketamine +therapy'; do
    "$SEARCH" --index "$BASE" --json "$q" >"$TMP/intact.$(printf '%s' "$q" | cksum | cut -d' ' -f1)" 2>/dev/null
done
"$SEARCH" --index "$BASE" --json --per-article 2 ketamine >"$TMP/intact.per-article" 2>/dev/null
"$SEARCH" --index "$BASE" --json --explain '"ketamine therapy" depression' >"$TMP/intact.explain" 2>/dev/null
ok "the intact answers have hits" test -s "$TMP/intact.per-article" -a -s "$TMP/intact.explain"
CAUGHT=0
# same_answer NAME INTACT [prefix]: the search's output is the intact
# index's (with prefix: its first lines, those printed before the damage
# was met); for articles.bin, the same ranked passages and places (the
# bytes of a title or path are not bounded by anything a reader can check:
# check's CRC32 finds them)
same_answer() {
    if [ "$1" = articles.bin ]; then
        jq -c '[.rank, .score, .passage, .start, .end, .text]' "$TMP/out" >"$TMP/got.p"
        jq -c '[.rank, .score, .passage, .start, .end, .text]' "$2" >"$TMP/want.p"
    else cp "$TMP/out" "$TMP/got.p"; cp "$2" "$TMP/want.p"; fi
    [ -n "${3:-}" ] && head -n "$(wc -l <"$TMP/got.p")" "$TMP/want.p" >"$TMP/want.h" && mv "$TMP/want.h" "$TMP/want.p"
    cmp -s "$TMP/got.p" "$TMP/want.p"
}
# searched DESCRIPTION NAME INTACT ARGS...: exit 2 with one line naming
# NAME (what was printed before, the intact answer's first hits), or exit
# 0 with the intact answer
searched() {
    d=$1; n=$2; intact=$3; shift 3
    "$SEARCH" --index "$TMP/dmg" --json "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
    if [ "$rc" -eq 2 ]; then
        CAUGHT=$((CAUGHT + 1))
        ok "$d: one-line error" one_line_error
        ok "$d: the error names $n" grep -q "$n is corrupt" "$TMP/err"
        ok "$d: the hits printed before it are the intact answer's first" same_answer "$n" "$intact" prefix
    else
        ok "$d: no error, so the intact answer (exit $rc)" sh -c "[ $rc -eq 0 ] && [ ! -s '$TMP/err' ]"
        ok "$d: the intact answer" same_answer "$n" "$intact"
    fi
}
# damaged_lazy DESCRIPTION NAME GEN: every query either fails cleanly or
# answers right, and search check reports the damage
damaged_lazy() {
    for q in ketamine '"ketamine therapy"' 'ket*' '+ketamine +therapy'; do
        searched "$1 [$q]" "$2" "$TMP/intact.$(printf '%s' "$q" | cksum | cut -d' ' -f1)" "$q"
    done
    searched "$1 [--per-article 2]" "$2" "$TMP/intact.per-article" --per-article 2 ketamine
    searched "$1 [--explain]" "$2" "$TMP/intact.explain" --explain '"ketamine therapy" depression'
    expect_exit 2 "$1: search check reports it" "$SEARCH" check --index "$TMP/dmg"
    ok "$1: check names $2" grep -q "$2 is corrupt: checksum mismatch" "$TMP/err"
    ok "$1: the damaged index is not rebuilt" test "$(cat "$TMP/dmg/CURRENT" 2>/dev/null)" = "$3"
}
# copy NAME: restores the intact file of directory $D in the damaged copy, F names it
copy() { F=$TMP/dmg/$D/$1; cp "$BASE/$D/$1" "$F"; }
rm -rf "$TMP/dmg"; cp -R "$BASE" "$TMP/dmg"
for D in "$GEN" "$SEG"; do
for f in $(cd "$BASE/$D" && ls | grep -v '^sources.bin$'); do # sources.bin: below
    copy "$f"; size=$(wc -c <"$F")
    truncate -s $((size / 2)) "$F"
    damaged "$f truncated to half" "$f" "$GEN"
    # the middle byte; in passages.bin (32-byte frame, u64 N, 24-byte records,
    # then 4 + 2 bytes of lengths a passage) the middle record's start, in a
    # high byte: a low byte of a start or end moves a place within its file,
    # which no bound can catch before check's CRC does
    at=$((size / 2))
    [ "$f" = passages.bin ] && at=$((40 + 24 * ((size - 40) / 30 / 2) + 12))
    copy "$f"; flip_byte "$F" $at
    ok "$f: a byte was flipped" sh -c "! cmp -s '$F' '$BASE/$D/$f'"
    case $LAZY in
    *" $f "*) damaged_lazy "$f with a flipped byte" "$f" "$GEN" ;;
    *) damaged "$f with a flipped byte" "$f" "$GEN" ;;
    esac
    copy "$f"; flip_byte "$F" 0
    damaged "$f with a flipped first byte" "$f" "$GEN"
    copy "$f"; : >"$F"
    damaged "$f empty" "$f" "$GEN"
    copy "$f"; rm -f "$F"
    damaged "$f deleted" "$f" "$GEN"
    copy "$f"
done
done
# the searches met some of the damaged payloads (text blocks, at least:
# zstd's checksum covers every byte of a block)
ok "the searches of damaged payloads failed cleanly $CAUGHT times" test "$CAUGHT" -gt 0
# a commit without its manifest (an index an older version wrote has none)
mv "$TMP/dmg/$GEN/manifest.bin" "$TMP/manifest.bin"
damaged "manifest.bin missing" manifest.bin "$GEN"
ok "manifest.bin missing: the error says how to rebuild" grep -q "rebuild with: search index --full" "$TMP/err"
mv "$TMP/manifest.bin" "$TMP/dmg/$GEN/manifest.bin"
expect_exit 0 "the restored copy works" "$SEARCH" --index "$TMP/dmg" ketamine
# sources.bin only tells an update which files it need not read: searches
# never read it, check reports it, and the next update rewrites it.
flip_byte "$TMP/dmg/$GEN/sources.bin" 12
expect_exit 0 "sources.bin damaged: search still answers" "$SEARCH" --index "$TMP/dmg" ketamine
expect_exit 2 "sources.bin damaged: check reports it" "$SEARCH" check --index "$TMP/dmg"
ok "... naming the file" grep -q "sources.bin is corrupt" "$TMP/err"
expect_exit 0 "sources.bin damaged: an update succeeds" "$SEARCH" index --corpus corpus --index "$TMP/dmg"
ok "... reading every file" grep -q "(0 files not read)" "$TMP/err"
expect_exit 0 "... and the index checks sound again" "$SEARCH" check --index "$TMP/dmg"
rm -rf "$TMP/dmg"; cp -R "$BASE" "$TMP/dmg"
damaged_current() { # the CURRENT file itself
    expect_exit 2 "$1" "$SEARCH" --index "$TMP/dmg" ketamine
    ok "$1: one-line error" one_line_error
    ok "$1: the error says what is wrong" grep -Eqi 'CURRENT|corrupt|index' "$TMP/err"
    ok "$1: nothing on stdout" test ! -s "$TMP/out"
}
rm -rf "$TMP/dmg"; cp -R "$BASE" "$TMP/dmg"
: >"$TMP/dmg/CURRENT"; damaged_current "CURRENT empty"
printf 'garbage\n' >"$TMP/dmg/CURRENT"; damaged_current "CURRENT garbage"
printf 'gen-999999\n' >"$TMP/dmg/CURRENT"; damaged_current "CURRENT names a missing generation"
printf '../../etc\n' >"$TMP/dmg/CURRENT"; damaged_current "CURRENT names a path outside"
printf '%s' "$GEN" | head -c 5 >"$TMP/dmg/CURRENT"; damaged_current "CURRENT truncated"
head -c 100000 /dev/urandom | tr -d '\n' >"$TMP/dmg/CURRENT"; damaged_current "CURRENT a long random line"
rm -f "$TMP/dmg/CURRENT"; damaged_current "CURRENT deleted"
ok "CURRENT deleted: not rebuilt at a non-default --index" test ! -e "$TMP/dmg/CURRENT"
printf '%s\n' "$GEN" >"$TMP/dmg/CURRENT"
expect_exit 0 "CURRENT restored: the index works again" "$SEARCH" --index "$TMP/dmg" ketamine

# ---- odd queries ----
expect_exit 0 "a good query works" "$SEARCH" --index "$BASE" --json ketamine
"$SEARCH" --index "$BASE" '!!!' >"$TMP/out" 2>"$TMP/err"; rc=$?
ok "punctuation only: exit 1 or 2 (got $rc)" test "$rc" -eq 1 -o "$rc" -eq 2
ok "punctuation only: nothing on stdout" test ! -s "$TMP/out"
ok "punctuation only: at most one line on stderr" test "$(wc -l <"$TMP/err")" -le 1
if [ "$rc" -eq 2 ]; then ok "punctuation only: one-line error" one_line_error; fi

# 10,000 words from 300 distinct ones: a long query that must work
LONGQ=$(awk 'BEGIN { for (i = 0; i < 10000; i++) printf "%s%s", (i ? " " : ""), (i % 3 ? "word" (i % 300) : "ketamine") }')
ok "the long query has 10000 words" test "$(printf '%s' "$LONGQ" | wc -w)" -eq 10000
expect_exit 0 "a 10,000-word query" search_hits --index "$BASE" -k 5 "$LONGQ"
ok "10,000 words: valid JSON" valid_utf8_json "$TMP/json.all"
ok "10,000 words: 5 hits" test "$(wc -l <"$TMP/out")" -eq 5
expect_exit 0 "the same query as separate arguments" "$SEARCH" --index "$BASE" --json -k 5 $LONGQ
ok "10,000 words: valid JSON (many arguments)" valid_utf8_json "$TMP/out"
# 10,000 distinct words: hits, or a clear one-line refusal (a term limit)
LONGQ=$(awk 'BEGIN { for (i = 0; i < 10000; i++) printf "%s%s", (i ? " " : ""), (i % 3 ? "word" i : "ketamine") }')
"$SEARCH" --index "$BASE" --json -k 5 "$LONGQ" >"$TMP/out" 2>"$TMP/err"; rc=$?
if [ "$rc" -eq 0 ]; then
    ok "10,000 distinct words: valid JSON" valid_utf8_json "$TMP/out"
else
    ok "10,000 distinct words: exit 2 (got $rc)" test "$rc" -eq 2
    ok "10,000 distinct words: one-line error" one_line_error
    ok "10,000 distinct words: nothing on stdout" test ! -s "$TMP/out"
fi

BADQ=$(printf 'ketamine \377\376 \303 depr\342\202 \355\240\200')
"$SEARCH" --index "$BASE" --json "$BADQ" >"$TMP/out" 2>"$TMP/err"; rc=$?
ok "invalid UTF-8 query: exit 0 (ketamine still matches)" test "$rc" -eq 0
ok "invalid UTF-8 query: valid JSON" valid_utf8_json "$TMP/out"
"$SEARCH" --index "$BASE" "$BADQ" >"$TMP/out" 2>"$TMP/err"; rc=$?
ok "invalid UTF-8 query: text output is UTF-8" valid_utf8 "$TMP/out"
"$SEARCH" --index "$BASE" --json "$(printf '\303\277\377')" >"$TMP/out" 2>"$TMP/err"; rc=$?
ok "only invalid UTF-8: exit 1 or 2, no crash (got $rc)" test "$rc" -eq 1 -o "$rc" -eq 2

expect_exit 2 "an empty query" "$SEARCH" --index "$BASE" ""
ok "empty query: one-line error" one_line_error
ok "empty query: the message shows usage" grep -qi 'usage' "$TMP/err"
expect_exit 2 "no query at all" "$SEARCH" --index "$BASE"
ok "no query: one-line error" one_line_error
expect_exit 2 "a query starting with - is an unknown option" "$SEARCH" --index "$BASE" -ketamine
ok "-ketamine: the message suggests --" grep -q -- '--' "$TMP/err"
expect_exit 0 "a query starting with a word after --" "$SEARCH" --index "$BASE" --json -- ketamine -depression
ok "-- ketamine -depression: valid JSON hits" valid_utf8_json "$TMP/out"
expect_exit 1 "only an excluded word: no hits" "$SEARCH" --index "$BASE" -- -ketamine
ok "only an excluded word: the message says why" grep -q "only excludes" "$TMP/err"
"$SEARCH" --index "$BASE" --json -- --json >"$TMP/out" 2>"$TMP/err"; rc=$?
ok "-- --json is a query, not an option (exit 1 or 0, got $rc)" test "$rc" -le 1
"$SEARCH" --index "$BASE" --json "$(printf 'ketamine\ttherapy\nnewline')" >"$TMP/out" 2>"$TMP/err"
ok "control characters in a query: valid JSON" valid_utf8_json "$TMP/out"

summary test_bad_input
