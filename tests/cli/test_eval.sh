#!/bin/sh
# test_eval.sh: `search eval` end to end: a hand-computed run, the layout,
# the queries run in process, bad input; and the ranking regression test:
# MAP and nDCG@10 on Cranfield with the defaults must stay at or above the
# values the defaults were chosen with (docs/decisions/2026-12-06-readme-speed-and-quality.md), less a
# small tolerance, so a change that hurts ranking fails.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

# the values bench/effectiveness/run.sh measured with the defaults (-c, top 1000)
CRAN_MAP=0.4240
CRAN_NDCG=0.5291
TOL=0.005

printf '1 0 d1 2\n1 0 d2 1\n1 0 d3 0\n1 0 d4 3\n2 0 d7 1\n' >"$TMP/qrels"
printf '1 Q0 d4 1 2 r\n1 Q0 d1 2 8 r\n1 Q0 d2 3 10 r\n1 Q0 d6 4 8 r\n1 Q0 d5 5 9 r\n2 Q0 d8 1 1 r\n' >"$TMP/run"
all() { awk -v m="$1" '$1 == m && $2 == "all" { print $3 }' "$TMP/out"; }
expect_exit 0 "eval a run" "$SEARCH" eval --qrels "$TMP/qrels" "$TMP/run"
ok "MAP (0.7 and 0, by hand)" test "$(all map)" = 0.3500
ok "nDCG@10 (by hand)" test "$(all ndcg_cut_10)" = 0.3173
ok "P@10" test "$(all P_10)" = 0.1500
ok "num_q" test "$(all num_q)" = 2
ok "no per-query lines without -q" sh -c "! grep -q '	1	' '$TMP/out'"
expect_exit 0 "eval -q" "$SEARCH" eval -q --qrels "$TMP/qrels" "$TMP/run"
ok "-q: query 1's MAP" grep -q '^map *	1	0.7000$' "$TMP/out"

expect_exit 2 "no qrels" "$SEARCH" eval "$TMP/run"
ok "... one line" one_line_error
expect_exit 2 "a missing run file" "$SEARCH" eval --qrels "$TMP/qrels" "$TMP/nope"
ok "... one line naming it" sh -c "one() { [ \$(wc -l <'$TMP/err') -eq 1 ]; }; one && grep -q nope '$TMP/err'"
printf '1 0 d1\n' >"$TMP/badq"
expect_exit 2 "a malformed qrels line" "$SEARCH" eval --qrels "$TMP/badq" "$TMP/run"
ok "... names the line" grep -q 'line 1' "$TMP/err"

# queries run in process give the same numbers as the run file they print
IDX=$TMP/idx
expect_exit 0 "index the seed corpus" "$SEARCH" index --corpus corpus --index "$IDX" --quiet
printf '1\tsuicidal ideation\n2\tmicrodosing psychedelics\n' >"$TMP/queries"
printf '1 0 ketamine-therapy-five-benefits.txt 1\n2 0 microdosing-psychedelics-mental-health.txt 1\n' >"$TMP/sq"
expect_exit 0 "a TREC run" "$SEARCH" --index "$IDX" --queries "$TMP/queries" -k 1000
cp "$TMP/out" "$TMP/seed.run"
expect_exit 0 "eval of the run file" "$SEARCH" eval --qrels "$TMP/sq" "$TMP/seed.run"
cp "$TMP/out" "$TMP/a"
expect_exit 0 "eval running the queries" "$SEARCH" eval --qrels "$TMP/sq" --queries "$TMP/queries" --index "$IDX"
ok "the same measures either way" cmp -s "$TMP/out" "$TMP/a"
ok "each query's article is first: MRR 1" test "$(all recip_rank)" = 1.0000
# a query the engine refuses (over the term limit) is named, and the
# measures of a run that lacks it are not printed
awk 'BEGIN { printf "1\tsuicidal ideation\nbig\t"; for (i = 0; i < 1100; i++) printf "w%d ", i; printf "\n" }' \
    >"$TMP/longq"
expect_exit 2 "eval with a query over the term limit" "$SEARCH" eval --qrels "$TMP/sq" --queries "$TMP/longq" --index "$IDX"
ok "... names the query" grep -q "query big .* skipped" "$TMP/err"
ok "... prints no measures" test ! -s "$TMP/out"
# an id with a space is written doc%20one in a run (search(1) "Searching"):
# qrels name it so, and eval matches it whether it runs the queries or
# reads the run file, as trec_eval would
printf 'doc one\tOne\tzebrafish alpha\nother\tTwo\tzebrafish zebrafish beta\n' >"$TMP/ws.tsv"
expect_exit 0 "index an id with a space" "$SEARCH" index --corpus "$TMP/ws.tsv" --index "$TMP/wsidx" --quiet
printf '1\tzebrafish alpha\n' >"$TMP/wsq"
printf '1 0 doc%%20one 1\n' >"$TMP/wsqrels"
expect_exit 0 "eval running the queries over it" "$SEARCH" eval --qrels "$TMP/wsqrels" --queries "$TMP/wsq" --index "$TMP/wsidx"
ok "... the judged document is found first: MRR 1" test "$(all recip_rank)" = 1.0000
cp "$TMP/out" "$TMP/a"
"$SEARCH" --index "$TMP/wsidx" --queries "$TMP/wsq" >"$TMP/ws.run"
expect_exit 0 "eval of that run file" "$SEARCH" eval --qrels "$TMP/wsqrels" "$TMP/ws.run"
ok "... the same measures" cmp -s "$TMP/out" "$TMP/a"

# the ranking regression test
C=${SHARED:-../shared}/collections/cranfield
if [ -f "$C/qrels.txt" ]; then
    expect_exit 0 "index Cranfield" "$SEARCH" index --corpus "$C/docs.tsv" --index "$TMP/cran" --quiet
    expect_exit 0 "eval Cranfield" "$SEARCH" eval -c --qrels "$C/qrels.txt" --queries "$C/queries.tsv" --index "$TMP/cran"
    ok "Cranfield MAP $(all map) >= $CRAN_MAP - $TOL" awk -v v="$(all map)" -v w="$CRAN_MAP" -v t="$TOL" 'BEGIN { exit !(v >= w - t) }'
    ok "Cranfield nDCG@10 $(all ndcg_cut_10) >= $CRAN_NDCG - $TOL" \
        awk -v v="$(all ndcg_cut_10)" -v w="$CRAN_NDCG" -v t="$TOL" 'BEGIN { exit !(v >= w - t) }'
else
    skip "Cranfield regression test: $C not found"
fi

summary test_eval
