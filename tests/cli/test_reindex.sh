#!/bin/sh
# test_reindex.sh: publishing a new index is atomic. Searches running during
# reindexes all succeed with the same answer; a killed or failed build leaves
# the previous index working; leftovers are cleaned up; one generation stays.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

IDX=$TMP/idx
Q="suicidal ideation"
gens() { (cd "$IDX" && ls -d gen-* 2>/dev/null | grep -v '\.tmp-'); }
tmps() { (cd "$IDX" && ls -d *.tmp* 2>/dev/null); }
printf '1\tsuicidal ideation\n2\tketamine depression\n3\tmicrodosing\n4\taddiction recovery\n' >"$TMP/q.tsv"
snapshot() { # the answers to a few queries, to compare index states
    "$SEARCH" --index "$IDX" --json -k 5 "$Q" || echo "exit $?"
    "$SEARCH" --index "$IDX" --queries "$TMP/q.tsv" -k 5 || echo "exit $?"
}

expect_exit 0 "first build" "$SEARCH" index --corpus corpus --index "$IDX" --quiet
FIRST=$(search_hits --index "$IDX" -k 1 "$Q")
ok "first hit exists" test -n "$FIRST"
snapshot >"$TMP/before" 2>&1
ok "snapshot has hits" test "$(grep -c '"rank":1,' "$TMP/before")" -eq 1 -a "$(grep -c ' Q0 .* 1 ' "$TMP/before")" -eq 4

# ---- searches during reindexes ----
(
    i=0
    while [ $i -lt 30 ]; do
        out=$(search_hits --index "$IDX" -k 1 "$Q" 2>"$TMP/loop.err.$i"); rc=$?
        printf '%s %s\n' "$rc" "$out" >>"$TMP/loop"
        i=$((i + 1))
    done
) &
loop=$!
fails=0; i=0
while [ $i -lt 5 ]; do
    "$SEARCH" index --corpus corpus --index "$IDX" --full --quiet 2>>"$TMP/reindex.err" || fails=$((fails + 1))
    i=$((i + 1))
done
wait $loop
ok "5 reindexes during searches all succeed" test "$fails" -eq 0
ok "30 searches ran" test "$(wc -l <"$TMP/loop")" -eq 30
ok "every search during reindexing exits 0" test "$(grep -vc '^0 ' "$TMP/loop")" -eq 0
ok "every search gives the same first hit" test "$(grep -Fxvc "0 $FIRST" "$TMP/loop")" -eq 0
if [ "$(grep -vc '^0 ' "$TMP/loop")" -ne 0 ]; then grep -v '^0 ' "$TMP/loop" | head -n 3; cat "$TMP"/loop.err.* | head -n 3; fi
ok "one generation after the reindexes" test "$(gens | wc -l)" -eq 1
ok "it is the one CURRENT names" test "$(gens)" = "$(cat "$IDX/CURRENT")"
ok "no temporaries left" test -z "$(tmps)"

# ---- generation numbers and cleanup ----
g1=$(cat "$IDX/CURRENT")
"$SEARCH" index --corpus corpus --index "$IDX" --full --quiet
g2=$(cat "$IDX/CURRENT")
ok "a reindex publishes a new generation ($g1 -> $g2)" test "$g1" != "$g2"
ok "... with a higher number" test "${g2#gen-}" -gt "${g1#gen-}" 2>/dev/null
ok "... and removes the old one" test ! -e "$IDX/$g1"
ok "only one generation remains" test "$(gens | wc -l)" -eq 1

# ---- a failed build leaves the index as it was ----
cur=$(cat "$IDX/CURRENT"); ls -l "$IDX/$cur" >"$TMP/ls.before"
expect_exit 2 "build from a missing corpus fails" "$SEARCH" index --corpus "$TMP/no-such-corpus" --index "$IDX" --quiet
ok "failed build: one-line error" one_line_error
ok "failed build: CURRENT unchanged" test "$(cat "$IDX/CURRENT")" = "$cur"
ls -l "$IDX/$cur" >"$TMP/ls.after"
ok "failed build: the generation's files are untouched" cmp -s "$TMP/ls.before" "$TMP/ls.after"
ok "failed build: no temporaries left" test -z "$(tmps)"
snapshot >"$TMP/after" 2>&1
ok "failed build: same answers" cmp -s "$TMP/before" "$TMP/after"
mkdir -p "$TMP/strictc"
printf 'Fine text.\n' >"$TMP/strictc/a.txt"; : >"$TMP/strictc/b.txt"
expect_exit 2 "a --strict build that fails" "$SEARCH" index --corpus "$TMP/strictc" --index "$IDX" --strict --quiet
ok "failed strict build: CURRENT unchanged" test "$(cat "$IDX/CURRENT")" = "$cur"
snapshot >"$TMP/after" 2>&1
ok "failed strict build: same answers" cmp -s "$TMP/before" "$TMP/after"
ok "failed strict build: one generation, no temporaries" test "$(gens | wc -l)" -eq 1 -a -z "$(tmps)"

# ---- an interrupted build ----
BIG=$TMP/big
# 16 paragraphs a file: the build takes about 0.75 s on one thread (2 s
# under ASan), so a kill 0.1 s after its temporary appears lands inside it
# with room to spare on a faster machine
corpus "$BIG" 42 3000 64 100 16
ok "3000 generated files" test "$(ls "$BIG" | wc -l)" -eq 3000
cur=$(cat "$IDX/CURRENT")
"$SEARCH" index --corpus "$BIG" --index "$IDX" --threads 1 --quiet 2>/dev/null &
builder=$!
# wait for its temporary generation to appear, then let it run a little
n=0
while [ -z "$(tmps)" ] && [ $n -lt 200 ] && kill -0 $builder 2>/dev/null; do sleep 0.01; n=$((n + 1)); done
sleep 0.1
kill -9 $builder 2>/dev/null; killed=$?
wait $builder 2>/dev/null
ok "the build was killed while running" test "$killed" -eq 0
ok "the killed build left its temporary directory" test -n "$(tmps)"
ok "killed build: CURRENT unchanged" test "$(cat "$IDX/CURRENT")" = "$cur"
snapshot >"$TMP/after" 2>&1
ok "killed build: same answers" cmp -s "$TMP/before" "$TMP/after"
expect_exit 0 "the next build succeeds" "$SEARCH" index --corpus corpus --index "$IDX" --full --quiet
ok "the next build removes the dead build's temporary" test -z "$(tmps)"
ok "the next build leaves one generation" test "$(gens | wc -l)" -eq 1
snapshot >"$TMP/after" 2>&1
ok "after the next build: same answers" cmp -s "$TMP/before" "$TMP/after"

# A leftover whose PID a live process has since taken is a dead build's
# too: a build holds the lock until it publishes, so while another build
# runs no temporary can be in use.
mkdir "$IDX/gen-999990.tmp-$$" "$IDX/seg-999989.tmp-1"
"$SEARCH" index --corpus corpus --index "$IDX" --full --quiet
ok "temporaries named with live PIDs are removed" test ! -e "$IDX/gen-999990.tmp-$$" -a ! -e "$IDX/seg-999989.tmp-1"
expect_exit 0 "search after all that" search_hits --index "$IDX" -k 1 "$Q"
ok "same first hit after all that" test "$(cat "$TMP/out")" = "$FIRST"

# ---- two builds at once ----
# Whatever the interleaving, the index must stay usable: CURRENT always
# names a complete generation. Several rounds, as the window is narrow.
broken=0; failed=0; round=0
while [ $round -lt 6 ]; do
    "$SEARCH" index --corpus corpus --index "$IDX" --full --quiet 2>"$TMP/b1.err" & b1=$!
    "$SEARCH" index --corpus corpus --index "$IDX" --full --quiet 2>"$TMP/b2.err" & b2=$!
    wait $b1; r1=$?; wait $b2; r2=$?
    [ "$r1" -le 2 ] && [ "$r2" -le 2 ] && { [ "$r1" -eq 0 ] || [ "$r2" -eq 0 ]; } || failed=$((failed + 1))
    if ! "$SEARCH" --index "$IDX" --json -k 1 "$Q" >"$TMP/out" 2>"$TMP/err"; then
        broken=$((broken + 1))
        echo "  round $round: builds exited $r1 and $r2; then: $(cat "$TMP/err")"
        echo "  CURRENT: $(cat "$IDX/CURRENT" 2>/dev/null); directory: $(ls "$IDX" | tr '\n' ' ')"
        "$SEARCH" index --corpus corpus --index "$IDX" --full --quiet # repair for the next round
    fi
    round=$((round + 1))
done
ok "two concurrent builds: one at least succeeds, any failure is a clean exit 2" test "$failed" -eq 0
ok "two concurrent builds: the index works after each of 6 rounds ($broken broken)" test "$broken" -eq 0
ok "two concurrent builds: one generation, no temporaries" test "$(gens | wc -l)" -eq 1 -a -z "$(tmps)"
snapshot >"$TMP/after" 2>&1
ok "two concurrent builds: same answers" cmp -s "$TMP/before" "$TMP/after"

# ---- incremental updates ----
INC=$TMP/inc; C=$TMP/c
cp -R corpus "$C"
# A file changed in the clock tick a build reads it in cannot be told from
# a later write in the same tick: the next build reads it again. The
# checks of files not read below let the files age past that first.
settle() { sleep 0.05; }
settle
"$SEARCH" index --corpus "$C" --index "$INC" --quiet
c0=$(cat "$INC/CURRENT")
expect_exit 0 "an unchanged corpus: the update succeeds" "$SEARCH" index --corpus "$C" --index "$INC"
ok "... says it is up to date, no file read" grep -q 'updated: 4 articles unchanged (4 files not read), 0 added, 0 changed, 0 removed.*up to date' "$TMP/err"
ok "... and publishes nothing" test "$(cat "$INC/CURRENT")" = "$c0"
f=$(ls "$C" | head -n 1)
printf '\nZebrafish quasar marmalade.\n' >>"$C/$f"
printf 'Quasar marmalade recipes.\n\nA second paragraph about zebrafish.\n' >"$C/new-article.txt"
settle
expect_exit 0 "an edit and an addition" "$SEARCH" index --corpus "$C" --index "$INC"
ok "... counted: 1 added, 1 changed, the rest not read" grep -q 'updated: 3 articles unchanged (3 files not read), 1 added, 1 changed, 0 removed' "$TMP/err"
ok "... a new commit" test "$(cat "$INC/CURRENT")" != "$c0"
expect_exit 0 "the new words are found" "$SEARCH" --index "$INC" --json -k 5 "zebrafish quasar"
ok "... in both articles" test "$(grep -c '"rank"' "$TMP/out")" -eq 3
"$SEARCH" index --corpus "$C" --index "$TMP/incfull" --quiet
"$SEARCH" --index "$TMP/incfull" --queries "$TMP/q.tsv" -k 5 >"$TMP/full.run"
"$SEARCH" --index "$INC" --queries "$TMP/q.tsv" -k 5 >"$TMP/inc.run"
ok "the updated index ranks as a fresh build of the same corpus" cmp -s "$TMP/full.run" "$TMP/inc.run"
touch "$C/$f"
settle
expect_exit 0 "a touched file" "$SEARCH" index --corpus "$C" --index "$INC"
ok "... is read but kept: its text did not change" grep -q '5 articles unchanged (4 files not read), 0 added, 0 changed' "$TMP/err"
rm "$C/new-article.txt"
expect_exit 0 "a removed file" "$SEARCH" index --corpus "$C" --index "$INC"
ok "... counted as removed" grep -q '0 added, 0 changed, 1 removed' "$TMP/err"
expect_exit 0 "... and its passages are gone" "$SEARCH" --index "$INC" --json -k 5 "zebrafish quasar"
ok "... one hit left" test "$(grep -c '"rank"' "$TMP/out")" -eq 1
expect_exit 0 "the updated index checks sound" "$SEARCH" check --index "$INC"
expect_exit 0 "--optimize" "$SEARCH" index --corpus "$C" --index "$INC" --optimize
ok "... leaves one segment" grep -q '1 in the index' "$TMP/err"
ok "... and one segment directory" test "$(cd "$INC" && ls -d seg-* | wc -l)" -eq 1
expect_exit 0 "the optimized index checks sound" "$SEARCH" check --index "$INC"
expect_exit 0 "--passage-words changed" "$SEARCH" index --corpus "$C" --index "$INC" --passage-words 50
ok "... means a full rebuild, said so" grep -q 'full rebuild: the analysis settings changed' "$TMP/err"

# the BM25 parameters the block maxima are built for: kept by updates,
# used by searches that name none, others a full rebuild
expect_exit 0 "--b 0.5 on an index built for the default" "$SEARCH" index --corpus "$C" --index "$INC" --passage-words 50 --b 0.5
ok "... means a full rebuild, said so" grep -q 'full rebuild: the BM25 parameters of the block maxima (--k1, --b) changed' "$TMP/err"
expect_exit 0 "... its searches score at b 0.5" "$SEARCH" --index "$INC" --json --explain -k 3 zebrafish
ok "... explain says k1 1.2, b 0.5" sh -c "jq -s -e '[.[] | select(.type == \"hit\")] | length > 0 and all(.[]; .explain.k1 == 1.2 and .explain.b == 0.5)' '$TMP/out' >/dev/null"
"$SEARCH" --index "$INC" --json -k 10 --k1 1.2 --b 0.5 ketamine depression >"$TMP/named"
"$SEARCH" --index "$INC" --json -k 10 ketamine depression >"$TMP/unnamed"
"$SEARCH" --index "$INC" --json -k 10 --b 0.75 ketamine depression >"$TMP/other"
ok "... the same hits and scores as naming --k1 1.2 --b 0.5" sh -c "grep -q '\"rank\":10' '$TMP/named' && cmp -s '$TMP/named' '$TMP/unnamed'"
ok "... not those of --b 0.75" sh -c "! cmp -s '$TMP/named' '$TMP/other'"
echo "A zebrafish quasar article, added." >"$C/another.txt"; settle
expect_exit 0 "an update naming no parameters" "$SEARCH" index --corpus "$C" --index "$INC" --passage-words 50
ok "... is an update" grep -q '1 added' "$TMP/err"
expect_exit 0 "... keeps b 0.5" "$SEARCH" --index "$INC" --json --explain -k 1 zebrafish
ok "... explain says b 0.5" sh -c "jq -s -e '[.[] | select(.type == \"hit\")] | length > 0 and all(.[]; .explain.b == 0.5)' '$TMP/out' >/dev/null"
expect_exit 0 "... and checks sound" "$SEARCH" check --index "$INC"
rm "$C/another.txt"
expect_exit 2 "index --b 1.5" "$SEARCH" index --corpus "$C" --index "$INC" --b 1.5
ok "... one line naming --b" sh -c "test \$(wc -l <'$TMP/err') -eq 1 && grep -q -- '--b needs a number from 0 to 1' '$TMP/err'"
expect_exit 2 "index --k1 nan" "$SEARCH" index --corpus "$C" --index "$INC" --k1 nan
ok "... one line naming --k1" sh -c "test \$(wc -l <'$TMP/err') -eq 1 && grep -q -- '--k1 needs a number' '$TMP/err'"

# a passages file whose rows share an id: matched in order
T=$TMP/dup.tsv
printf 'x\tFirst\tAlpha beta gamma.\nx\tSecond\tDelta epsilon zetazet.\ny\tThird\tEta theta iota.\n' >"$T"
"$SEARCH" index --corpus "$T" --index "$TMP/dup" --quiet
printf 'x\tFirst\tAlpha beta gamma.\nx\tSecond\tDelta epsilon omicron.\ny\tThird\tEta theta iota.\n' >"$T"
expect_exit 0 "rows with the same id: the second one edited" "$SEARCH" index --corpus "$T" --index "$TMP/dup"
ok "... only it counts as changed" grep -q 'updated: 2 articles unchanged (0 files not read), 0 added, 1 changed, 0 removed' "$TMP/err"
expect_exit 0 "... its new word is found" "$SEARCH" --index "$TMP/dup" --json omicron
ok "... in the second row" grep -q '"title":"Second"' "$TMP/out"
expect_exit 1 "... its old word is gone" "$SEARCH" --index "$TMP/dup" --json zetazet
expect_exit 0 "... the first row is still found" "$SEARCH" --index "$TMP/dup" --json alpha

# ---- updates that once lost data silently ----
P=$TMP/p; mkdir "$P"
rows4='a\tAlpha\tAlpha words one.\nb\tBeta\tBeta words two.\nc\tGamma\tGamma words three.\nd\tDelta\tDelta words four.\n'
hits() { "$SEARCH" --index "$P/ix" --json -k 10 words | grep -c '"rank"'; }
in_p() { (cd "$P" && "$@"); }
printf "$rows4" >"$P/docs.tsv"; settle
in_p "$SEARCH" index --corpus docs.tsv --index ix --quiet
printf "$rows4" | sed 's/Gamma words three/Gamma words trois/' >"$P/docs.tsv"; settle
expect_exit 0 "a passages file edited, updated as ./docs.tsv" in_p "$SEARCH" index --corpus ./docs.tsv --index ix
ok "... one row changed, three kept" grep -q '3 articles unchanged (0 files not read), 0 added, 1 changed, 0 removed' "$TMP/err"
expect_exit 0 "... and updated as ./docs.tsv again" in_p "$SEARCH" index --corpus ./docs.tsv --index ix
ok "... is up to date, the file not read" grep -q '4 articles unchanged (1 files not read), 0 added, 0 changed, 0 removed.*up to date' "$TMP/err"
ok "... all four rows still found" test "$(hits)" -eq 4
expect_exit 0 "... as .//docs.tsv too" in_p "$SEARCH" index --corpus .//docs.tsv --index ix
ok "... all four rows still found" test "$(hits)" -eq 4
# the path is part of what a rebuild records: another spelling of it that
# is not the same string re-indexes, so that the paths shown are the rebuild's
expect_exit 0 "... given by its absolute path" "$SEARCH" index --corpus "$P/docs.tsv" --index "$P/ix"
ok "... every row re-indexed with that path" grep -q '0 articles unchanged (0 files not read), 0 added, 4 changed' "$TMP/err"
ok "... all four rows still found" test "$(hits)" -eq 4
expect_exit 0 "... which hits show" "$SEARCH" --index "$P/ix" --json -k 1 alpha
ok "... as given" grep -q "\"path\":\"$P/docs.tsv\"" "$TMP/out"

printf "$rows4" >"$P/docs.tsv"; cp -p "$P/docs.tsv" "$P/backup.tsv"; settle
in_p "$SEARCH" index --corpus docs.tsv --index ix --full --quiet
head -n 3 "$P/backup.tsv" >"$P/three.tsv"; mv "$P/three.tsv" "$P/docs.tsv"; settle
in_p "$SEARCH" index --corpus docs.tsv --index ix --quiet
ok "a row dropped from the passages file is gone" test "$(hits)" -eq 3
cp -p "$P/backup.tsv" "$P/docs.tsv"; settle
expect_exit 0 "the old file restored with its old mtime (cp -p)" in_p "$SEARCH" index --corpus docs.tsv --index ix
ok "... is read, not taken as unchanged" grep -q '(0 files not read), 1 added' "$TMP/err"
ok "... and the dropped row is back" test "$(hits)" -eq 4
D=$TMP/dcorpus; mkdir "$D"; cp corpus/*.txt "$D"; f=$(ls "$D" | head -n 1)
cp -p "$D/$f" "$TMP/saved.txt"; printf '\nXylophone quokka.\n' >>"$D/$f"; settle
"$SEARCH" index --corpus "$D" --index "$TMP/didx" --quiet
mv "$TMP/saved.txt" "$D/$f"; settle
expect_exit 0 "an article file restored by mv with its old mtime" "$SEARCH" index --corpus "$D" --index "$TMP/didx"
ok "... is read and changed back" grep -q '0 added, 1 changed' "$TMP/err"
expect_exit 1 "... its later words are gone" "$SEARCH" --index "$TMP/didx" quokka

# a damaged CURRENT: nothing is removed before a new commit exists
cp -R "$P/ix" "$P/ix2"; g=$(cat "$P/ix2/CURRENT")
echo garbage >"$P/ix2/CURRENT"
expect_exit 2 "CURRENT damaged, then a build with a mistyped corpus" "$SEARCH" index --corpus "$P/nope.tsv" --index "$P/ix2"
ok "... fails, and the last good commit is still there" test -f "$P/ix2/$g/manifest.bin"
ok "... and its segments" test -n "$(ls -d "$P"/ix2/seg-*)"
expect_exit 2 "... a search says what is wrong and how to repair it" "$SEARCH" --index "$P/ix2" words
ok "... in one line" one_line_error
ok "... naming the repair" grep -q "search index repairs it" "$TMP/err"
expect_exit 0 "... an update repairs it" in_p "$SEARCH" index --corpus docs.tsv --index ix2
ok "... from the newest commit that opens, said so" grep -q "updated $g, the newest that does" "$TMP/err"
ok "... as an update: nothing re-indexed" grep -q '4 articles unchanged.*0 added, 0 changed, 0 removed' "$TMP/err"
ok "... CURRENT names a new commit" test "$(cat "$P/ix2/CURRENT")" != "$g" -a -d "$P/ix2/$(cat "$P/ix2/CURRENT")"
ok "... the old one is gone once the new one is live" test ! -e "$P/ix2/$g"
rm "$P/ix2/CURRENT"
expect_exit 2 "CURRENT missing: a search says how to repair it" "$SEARCH" --index "$P/ix2" words
ok "... naming the repair" grep -q "no CURRENT file (search index repairs it" "$TMP/err"
expect_exit 0 "... an update repairs it" in_p "$SEARCH" index --corpus docs.tsv --index ix2 --quiet
expect_exit 0 "... and search answers" "$SEARCH" --index "$P/ix2" words

# a damaged record in the index an update builds on: rebuilt, not trusted
cp -R "$P/ix" "$P/ix3"; S3=$(ls -d "$P"/ix3/seg-* | head -n 1)
size=$(wc -c <"$S3/articles.bin")
printf 'Z' | dd of="$S3/articles.bin" bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null
expect_exit 0 "an update over a damaged articles.bin" in_p "$SEARCH" index --corpus docs.tsv --index ix3
ok "... is a full rebuild, said so" grep -q "full rebuild: the previous index is damaged" "$TMP/err"
expect_exit 0 "... and the index checks sound" "$SEARCH" check --index "$P/ix3"
expect_exit 0 "... and is current" in_p "$SEARCH" check --index ix3 --corpus docs.tsv

# only what the index's own names are is ever removed
U=$TMP/user; mkdir -p "$U/seg-000001"; echo photo >"$U/seg-000001/photo.jpg"; echo n >"$U/notes.tmp-99999"
expect_exit 2 "--index naming a user's directory is refused" "$SEARCH" index --corpus corpus --index "$U"
ok "... in one line" one_line_error
ok "... naming what it holds" grep -q "is not an index and is not empty" "$TMP/err"
ok "... and nothing in it removed" test -f "$U/seg-000001/photo.jpg" -a -f "$U/notes.tmp-99999"
echo n >"$P/ix/notes.tmp-99999"; mkdir "$P/ix/seg-photos"
expect_exit 0 "an index directory holding a user's files" in_p "$SEARCH" index --corpus docs.tsv --index ix --full
ok "... keeps the files not named as ours" test -f "$P/ix/notes.tmp-99999" -a -d "$P/ix/seg-photos"
mkdir "$TMP/hidden"; : >"$TMP/hidden/.gitkeep"
expect_exit 0 "a new index in a directory with only hidden files" "$SEARCH" index --corpus corpus --index "$TMP/hidden"

# a build that runs out of memory leaves no temporaries
B=$TMP/bigc; mkdir "$B"
awk 'BEGIN { for (i = 0; i < 3000000; i++) printf "w%d ", i % 50000; print "." }' >"$B/a.txt"
for v in 100000 60000 40000; do # KiB of address space: the first that runs out
    rm -rf "$TMP/oom"
    (ulimit -v $v; exec "$SEARCH" index --corpus "$B" --index "$TMP/oom" --threads 1 --quiet) 2>"$TMP/err"; rc=$?
    [ "$rc" -eq 0 ] || break
done
if [ "$rc" -eq 2 ] && grep -q "out of memory" "$TMP/err" && [ -e "$TMP/oom/LOCK" ]; then
    ok "out of memory: no temporaries left" test -z "$(cd "$TMP/oom" && ls -d *.tmp-* 2>/dev/null)"
    ok "... and no commit" test ! -e "$TMP/oom/CURRENT"
else
    skip "no build ran out of memory under ulimit -v (last exit $rc: $(head -c 200 "$TMP/err"))"
fi

# ---- a memory budget and threads do not change the index ----
"$SEARCH" index --corpus corpus --index "$TMP/mem-default" --threads 1 --quiet
expect_exit 0 "--memory 1M --threads 2: builds" "$SEARCH" index --corpus corpus --index "$TMP/mem-1m" --memory 1M --threads 2
ok "... and says its postings went to runs" grep -q "postings went to [0-9]* runs on disk" "$TMP/err"
for f in meta lexicon postings positions passages articles store; do
    cmp -s "$TMP"/mem-default/seg-*/$f.bin "$TMP"/mem-1m/seg-*/$f.bin || echo "  $f.bin differs" >>"$TMP/memdiff"
done
ok "... the same segment, file by file, as one thread in ample memory" test ! -s "$TMP/memdiff"
ok "... no run files left" test -z "$(ls "$TMP"/mem-1m/seg-* | grep -v '\.bin$')"
for bad in 0 512K 12X -5M ""; do
    expect_exit 2 "--memory '$bad' is refused" "$SEARCH" index --corpus corpus --index "$TMP/mem-bad" --memory "$bad"
    ok "... in one line naming the option" eval 'one_line_error && grep -q -- --memory "$TMP/err"'
done
ok "... and no index was made" test ! -e "$TMP/mem-bad"

summary test_reindex
