#!/bin/sh
# test_search.sh: `search QUERY` end to end on the seed corpus: ranking,
# text/JSON/TREC output, exit statuses, argument errors, the implicit first
# build, and a TREC run over the Cranfield collection when it is present.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

IDX=$TMP/idx
expect_exit 0 "index the seed corpus" "$SEARCH" index --corpus corpus --index "$IDX" --quiet
ok "index has a CURRENT file" test -s "$IDX/CURRENT"

# ---- the first hit ----
expect_exit 0 "search suicidal ideation (json)" search_hits --index "$IDX" "suicidal ideation"
cp "$TMP/out" "$TMP/si.json"
ok "first hit is the five-benefits article" \
    test "$(head -n 1 "$TMP/si.json" | jq -r '.path' | sed 's|.*/||')" = ketamine-therapy-five-benefits.txt
ok "first hit's passage says 'reduce suicidal ideation'" \
    sh -c "head -n 1 '$TMP/si.json' | jq -r '.text' | grep -q 'reduce suicidal ideation'"
ok "first hit's id is the article id plus a passage number" \
    sh -c "head -n 1 '$TMP/si.json' | jq -e '.id | startswith(\"ketamine-therapy-five-benefits.txt#\")' >/dev/null"

# ---- JSON lines ----
# valid_json FILE: every line is an object with the documented fields and
# types, ranks run 1..n, scores do not increase, start < end.
valid_json() {
    [ -s "$1" ] || { echo "  (no output)"; return 1; }
    while IFS= read -r line; do
        printf '%s\n' "$line" | jq -e '
            (.rank|type) == "number" and (.score|type) == "number" and (.id|type) == "string" and
            (.path|type) == "string" and (.title|type) == "string" and (.start|type) == "number" and
            (.end|type) == "number" and (.text|type) == "string" and .start < .end and
            (.score|isnormal) and .score > 0' >/dev/null || { echo "  bad line: $line" | head -c 300; return 1; }
    done <"$1"
    jq -s -e '[.[].rank] == [range(1; length + 1)]' "$1" >/dev/null || { echo "  ranks not 1..n"; return 1; }
    jq -s -e '[.[].score] as $s | all(range(1; $s | length); $s[. - 1] >= $s[.])' "$1" >/dev/null ||
        { echo "  scores increase"; return 1; }
}
# same_bytes FILE N: hit N's text is exactly bytes start..end of its file
same_bytes() {
    line=$(sed -n "${2}p" "$1")
    path=$(printf '%s\n' "$line" | jq -r '.path')
    start=$(printf '%s\n' "$line" | jq -r '.start')
    end=$(printf '%s\n' "$line" | jq -r '.end')
    [ -f "$path" ] || { echo "  no file $path"; return 1; }
    tail -c +$((start + 1)) "$path" | head -c $((end - start)) >"$TMP/bytes"
    printf '%s\n' "$line" | jq -j '.text' >"$TMP/field"
    cmp -s "$TMP/bytes" "$TMP/field" || { echo "  hit $2: text differs from $path bytes $start-$end"; return 1; }
}
ok "suicidal ideation: JSON lines valid" valid_json "$TMP/si.json"
ok "first hit's text is the file's bytes start..end" same_bytes "$TMP/si.json" 1

expect_exit 0 "search ketamine depression (json, -k 20)" search_hits --index "$IDX" -k 20 ketamine depression
cp "$TMP/out" "$TMP/kd.json"
ok "ketamine depression: JSON lines valid" valid_json "$TMP/kd.json"
ok "ketamine depression: several hits" test "$(wc -l <"$TMP/kd.json")" -gt 3
ok "ketamine depression: at most 20 hits" test "$(wc -l <"$TMP/kd.json")" -le 20
n=$(wc -l <"$TMP/kd.json"); i=1; all=0
while [ "$i" -le "$n" ]; do same_bytes "$TMP/kd.json" "$i" || all=1; i=$((i + 1)); done
ok "every hit's text is the file's bytes start..end" test "$all" -eq 0
ok "hits are distinct passages" test "$(jq -r '.id' "$TMP/kd.json" | sort | uniq -d | wc -l)" -eq 0

# ---- -k ----
expect_exit 0 "-k 3" search_hits --index "$IDX" -k 3 ketamine
ok "-k 3 gives 3 hits (the corpus has more)" test "$(wc -l <"$TMP/out")" -eq 3
cp "$TMP/out" "$TMP/k3.json"
expect_exit 0 "-k 1" search_hits --index "$IDX" -k 1 ketamine
ok "-k 1 gives 1 hit" test "$(wc -l <"$TMP/out")" -eq 1
ok "-k 1's hit is -k 3's first" test "$(jq -r .id "$TMP/out")" = "$(head -n 1 "$TMP/k3.json" | jq -r .id)"
ok "-k 3's hits are the first 3 of -k 20" \
    test "$(jq -r .id "$TMP/k3.json")" = "$(search_hits --index "$IDX" -k 20 ketamine | head -n 3 | jq -r .id)"

# ---- no hits ----
expect_exit 1 "a word not in the corpus exits 1" "$SEARCH" --index "$IDX" zzzzqqq
ok "no hits: nothing on stdout" test ! -s "$TMP/out"
expect_exit 1 "a word not in the corpus exits 1 (json)" search_hits --index "$IDX" zzzzqqq
ok "no hits: no JSON lines" test ! -s "$TMP/out"

# ---- argument errors: exit 2, one line "search: ..." ----
bad() { # bad "description" args...
    what=$1; shift
    expect_exit 2 "$what" "$SEARCH" "$@"
    ok "$what: one-line error" one_line_error
    ok "$what: nothing on stdout" test ! -s "$TMP/out"
}
bad "missing index directory" --index "$TMP/no-such-index" ketamine
bad "unknown option" --index "$IDX" --bogus ketamine
bad "-k 0" --index "$IDX" -k 0 ketamine
bad "-k -1" --index "$IDX" -k -1 ketamine
bad "-k abc" --index "$IDX" -k abc ketamine
bad "-k without a value" --index "$IDX" ketamine -k
bad "--b 2" --index "$IDX" --b 2 ketamine
bad "--b -0.5" --index "$IDX" --b -0.5 ketamine
bad "--k1 x" --index "$IDX" --k1 x ketamine
bad "unknown algorithm" --index "$IDX" --algorithm no-such-algorithm ketamine
bad "--rm3-docs 0" --index "$IDX" --rm3 --rm3-docs 0 ketamine
bad "--rm3-terms 101" --index "$IDX" --rm3 --rm3-terms 101 ketamine
bad "--rm3-weight 1.5" --index "$IDX" --rm3 --rm3-weight 1.5 ketamine
bad "--rm3-docs without --rm3" --index "$IDX" --rm3-docs 5 ketamine
ok "... says it wants --rm3" grep -q -- '--rm3-docs applies only with --rm3' "$TMP/err"
bad "--article-weight 11" --index "$IDX" --per-article 2 --article-weight 11 ketamine
bad "--article-weight without articles" --index "$IDX" --article-weight 0.5 ketamine
bad "--proximity 11" --index "$IDX" --proximity 11 ketamine
bad "--proximity -1" --index "$IDX" --proximity -1 ketamine
bad "--proximity x" --index "$IDX" --proximity x ketamine
# the proximity part: an explained hit's parts add up to its score
expect_exit 0 "--proximity 1 --explain" search_hits --index "$IDX" -k 5 --proximity 1 --explain ketamine depression
ok "... a hit has a proximity part" sh -c "jq -e '.explain.parts[] | select(.proximity == 1)' '$TMP/out' >/dev/null"
ok "... its parts sum to its score" sh -c "jq -e '(.explain.parts | map(.score) | add) - .score | fabs < 0.001' '$TMP/out' | grep -qv false"
expect_exit 0 "--rm3 and --article-weight together" "$SEARCH" --index "$IDX" --rm3 --per-article 2 --article-weight 0.5 ketamine
bad "missing queries file" --index "$IDX" --queries "$TMP/no-such-queries"
bad "index dir that is a file" --index "$R/Makefile" ketamine
mkdir "$TMP/not-an-index"
bad "index dir without CURRENT" --index "$TMP/not-an-index" ketamine
ok "an index is not built where --index points" test ! -e "$TMP/not-an-index/CURRENT"
ok "a missing --index is not created" test ! -e "$TMP/no-such-index"
expect_exit 0 "--b 0 and --k1 0 are allowed" "$SEARCH" --index "$IDX" --b 0 --k1 0 ketamine

# ---- TREC runs ----
# valid_trec FILE MAX: 6 columns, Q0, ranks 1.. per qid, scores not
# increasing, docids unique per qid, at most MAX lines per qid
valid_trec() {
    [ -s "$1" ] || { echo "  (empty run)"; return 1; }
    awk -v max="$2" '
        NF != 6 { print "  line " NR ": " NF " columns"; bad = 1; next }
        $2 != "Q0" { print "  line " NR ": no Q0"; bad = 1 }
        $4 !~ /^[0-9]+$/ || $5 !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ { print "  line " NR ": bad rank/score"; bad = 1 }
        {
            if ($1 != q) { if (seen[$1]++) { print "  qid " $1 " not contiguous"; bad = 1 } q = $1; r = 0; prev = "" }
            r++
            if ($4 != r) { print "  line " NR ": rank " $4 ", expected " r; bad = 1 }
            if (prev != "" && $5 + 0 > prev + 0) { print "  line " NR ": score rises"; bad = 1 }
            prev = $5
            if (doc[$1 SUBSEP $3]++) { print "  line " NR ": docid " $3 " repeated"; bad = 1 }
            if (r > max) { print "  qid " $1 ": more than " max " lines"; bad = 1 }
        }
        END { exit bad }' "$1"
}
printf '1\tketamine depression\n2\tsuicidal ideation\n\nq3\tmicrodosing psychedelics\r\n4\tzzzzqqq\n' >"$TMP/queries.tsv"
expect_exit 0 "--queries gives a run" "$SEARCH" --index "$IDX" --queries "$TMP/queries.tsv" -k 5 --tag mytag
cp "$TMP/out" "$TMP/run.txt"
ok "--queries: valid TREC run" valid_trec "$TMP/run.txt" 5
ok "--queries: qids in file order, no-hit query absent" \
    test "$(awk '{print $1}' "$TMP/run.txt" | uniq | tr '\n' ' ')" = "1 2 q3 "
ok "--queries: run tag" sh -c "awk '{print \$6}' '$TMP/run.txt' | sort -u | grep -qx mytag"
ok "--queries: query 2's top document is the five-benefits article" \
    test "$(awk '$1 == "2" && $4 == 1 {print $3}' "$TMP/run.txt")" = ketamine-therapy-five-benefits.txt
# two rows of a passages file sharing an id: the run names the id once
# per query (the better), ranks renumbered, and search eval takes it
printf 'a\tT1\tketamine helps depression\nb\tT2\tketamine again here\na\tT3\tketamine third row same id\n' >"$TMP/dup.tsv"
"$SEARCH" index --corpus "$TMP/dup.tsv" --index "$TMP/dupidx" --quiet
printf 'q1\tketamine\n' >"$TMP/dupq.tsv"
"$SEARCH" --index "$TMP/dupidx" --queries "$TMP/dupq.tsv" >"$TMP/duprun"
ok "--queries: a repeated id is one run line" test "$(grep -c ' a ' "$TMP/duprun")" -eq 1
ok "... ranks 1, 2 without a gap" test "$(awk '{print $4}' "$TMP/duprun" | tr '\n' ' ')" = "1 2 "
printf 'q1 0 a 1\n' >"$TMP/dupqrels"
expect_exit 0 "... and search eval takes the run" "$SEARCH" eval "$TMP/dupqrels" "$TMP/duprun"
printf 'no tab on this line\n' >"$TMP/badq.tsv"
bad "queries line without a tab" --index "$IDX" --queries "$TMP/badq.tsv"
printf '1\tzzzzqqq\n' >"$TMP/noq.tsv"
expect_exit 1 "--queries with no hits at all exits 1" "$SEARCH" --index "$IDX" --queries "$TMP/noq.tsv"
# a query over the term limit once stopped the whole run without naming
# itself: now it is skipped with a warning naming its qid, the others
# run, and the exit status (2) says the run lacks it
awk 'BEGIN { printf "1\tketamine depression\nbig7\t"; for (i = 0; i < 1100; i++) printf "w%d ", i;
             printf "\n2\tsuicidal ideation\n" }' >"$TMP/longq.tsv"
expect_exit 2 "--queries with a query over the term limit" "$SEARCH" --index "$IDX" --queries "$TMP/longq.tsv" -k 3
ok "over the limit: the other queries ran" test "$(awk '{print $1}' "$TMP/out" | uniq | tr '\n' ' ')" = "1 2 "
ok "over the limit: the run is valid" valid_trec "$TMP/out" 3
ok "over the limit: a warning names the qid and the reason" \
    grep -q "^search: warning: query big7 (.*longq.tsv line 2) skipped: query has more than 1024 terms" "$TMP/err"
ok "over the limit: the last line says the run lacks it" \
    sh -c "test \$(wc -l <'$TMP/err') -eq 2 && tail -n 1 '$TMP/err' | grep -q '^search: 1 query was skipped'"
# docids with white space once broke run lines into more than six fields:
# white space and control bytes are written %XX, the rest (a '%' too) as is
printf 'doc one\tOne\tzebrafish one\n100%%pure\tTwo\tzebrafish two\nx\001y\tThree\tzebrafish three\n' >"$TMP/ws.tsv"
expect_exit 0 "index ids with spaces" "$SEARCH" index --corpus "$TMP/ws.tsv" --index "$TMP/wsidx" --quiet
printf '1\tzebrafish\n' >"$TMP/wsq.tsv"
expect_exit 0 "a run over ids with spaces" "$SEARCH" --index "$TMP/wsidx" --queries "$TMP/wsq.tsv"
ok "ids with spaces: a valid run" valid_trec "$TMP/out" 10
ok "ids with spaces: %XX for white space and control bytes only" \
    test "$(awk '{print $3}' "$TMP/out" | sort | tr '\n' ' ')" = "100%pure doc%20one x%01y "
mkdir -p "$TMP/wsdir/sub dir"
printf 'zebrafish here\n' >"$TMP/wsdir/sub dir/my file.txt"
printf 'zebrafish too\n' >"$TMP/wsdir/$(printf 'tab\tname').txt"
printf 'zebrafish also\n' >"$TMP/wsdir/$(printf 'new\nline').txt"
expect_exit 0 "index paths with white space" "$SEARCH" index --corpus "$TMP/wsdir" --index "$TMP/wsdidx" --quiet
expect_exit 0 "a run over paths with white space" "$SEARCH" --index "$TMP/wsdidx" --queries "$TMP/wsq.tsv"
ok "paths with white space: a valid run" valid_trec "$TMP/out" 10
ok "paths with white space: %20, %09, %0A" \
    test "$(awk '{print $3}' "$TMP/out" | sort | tr '\n' ' ')" = "new%0Aline.txt sub%20dir/my%20file.txt tab%09name.txt "
# the run's other fields are refused when they are not one token
bad "--tag with a space" --index "$TMP/wsidx" --queries "$TMP/wsq.tsv" --tag "my tag"
ok "--tag with a space: the message says why" grep -q -- "--tag wants one word" "$TMP/err"
bad "an empty --tag" --index "$TMP/wsidx" --queries "$TMP/wsq.tsv" --tag ""
printf 'q 1\tzebrafish\n' >"$TMP/spq.tsv"
bad "a qid with a space" --index "$TMP/wsidx" --queries "$TMP/spq.tsv"
ok "a qid with a space: the message names the line" grep -q "spq.tsv: line 1: the qid 'q 1'" "$TMP/err"
printf ' 7 \tzebrafish\n' >"$TMP/spq.tsv"
expect_exit 0 "blanks around a qid are dropped" "$SEARCH" --index "$TMP/wsidx" --queries "$TMP/spq.tsv"
ok "blanks around a qid: qid 7" test "$(awk '{print $1}' "$TMP/out" | sort -u)" = 7

# ---- text output ----
expect_exit 0 "text output" "$SEARCH" --index "$IDX" --no-color "suicidal ideation"
cp "$TMP/out" "$TMP/text.txt"
ok "text output: title" grep -q 'The Intrinsic Benefits of Ketamine' "$TMP/text.txt"
ok "text output: path" grep -q 'corpus/ketamine-therapy-five-benefits.txt' "$TMP/text.txt"
ok "text output: **Suicidal** marked" grep -qi '\*\*suicidal\*\*' "$TMP/text.txt"
ok "text output: **ideation** marked" grep -qi '\*\*ideation\*\*' "$TMP/text.txt"
ok "text output: --no-color has no escape codes" sh -c "! grep -q \"\$(printf '\033')\" '$TMP/text.txt'"
"$SEARCH" --index "$IDX" "suicidal ideation" >"$TMP/piped.txt" 2>/dev/null
ok "text output: no colour when piped" sh -c "! grep -q \"\$(printf '\033')\" '$TMP/piped.txt'"
ok "text output: piped marks with **" grep -qi '\*\*suicidal\*\*' "$TMP/piped.txt"
expect_exit 0 "--color" "$SEARCH" --index "$IDX" --color "suicidal ideation"
ok "--color: escape codes around the words" grep -q "$(printf '\033')\[[0-9;]*m[Ss]uicidal" "$TMP/out"

# ---- first run in a fresh checkout builds the index ----
mkdir -p "$TMP/fresh"
cp -R corpus "$TMP/fresh/corpus"
(cd "$TMP/fresh" && "$SEARCH" --no-color "suicidal ideation" >"$TMP/fresh.out" 2>"$TMP/fresh.err"); rc=$?
ok "fresh: exit 0" test "$rc" -eq 0
ok "fresh: says on stderr that it builds the index" grep -qi 'build' "$TMP/fresh.err"
ok "fresh: prints the hit" grep -q 'ketamine-therapy-five-benefits.txt' "$TMP/fresh.out"
ok "fresh: the index now exists" test -s "$TMP/fresh/index/CURRENT"
(cd "$TMP/fresh" && "$SEARCH" --no-color "suicidal ideation" >"$TMP/fresh2.out" 2>"$TMP/fresh2.err"); rc=$?
ok "fresh, second run: exit 0, no rebuild message" test "$rc" -eq 0 -a ! -s "$TMP/fresh2.err"
ok "fresh, second run: same output" cmp -s "$TMP/fresh.out" "$TMP/fresh2.out"
mkdir -p "$TMP/nocorpus"
(cd "$TMP/nocorpus" && "$SEARCH" ketamine >"$TMP/out" 2>"$TMP/err"); rc=$?
ok "no index and no corpus: exit 2" test "$rc" -eq 2
ok "no index and no corpus: one-line error" one_line_error
ok "no index and no corpus: nothing created" test ! -e "$TMP/nocorpus/index"

# ---- Cranfield: 225 queries, a valid run ----
CRAN=$R/../shared/collections/cranfield
if [ -f "$CRAN/docs.tsv" ] && [ -f "$CRAN/queries.tsv" ]; then
    expect_exit 0 "index Cranfield" "$SEARCH" index --corpus "$CRAN/docs.tsv" --index "$TMP/cran" --quiet
    expect_exit 0 "Cranfield run" "$SEARCH" --index "$TMP/cran" --queries "$CRAN/queries.tsv" -k 1000
    cp "$TMP/out" "$TMP/cran.run"
    ok "Cranfield: valid TREC run, at most 1000 per query" valid_trec "$TMP/cran.run" 1000
    nq=$(cut -f1 "$CRAN/queries.tsv" | sort -u | wc -l)
    ok "Cranfield: 225 queries in the file" test "$nq" -eq 225
    ok "Cranfield: every query has results" test "$(awk '{print $1}' "$TMP/cran.run" | sort -u | wc -l)" -eq "$nq"
    ok "Cranfield: qids are the file's" test -z "$(awk '{print $1}' "$TMP/cran.run" | sort -u |
        comm -23 - "$(cut -f1 "$CRAN/queries.tsv" | sort -u >"$TMP/qids"; echo "$TMP/qids")")"
    ok "Cranfield: docids are the collection's" test -z "$(awk '{print $3}' "$TMP/cran.run" | sort -u |
        comm -23 - "$(cut -f1 "$CRAN/docs.tsv" | sort -u >"$TMP/dids"; echo "$TMP/dids")")"
else
    skip "the Cranfield check: no collection at $CRAN"
fi

summary test_search
