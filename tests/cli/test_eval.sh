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

expect_exit 2 "one file only (no run)" "$SEARCH" eval "$TMP/run"
ok "... one line" one_line_error
expect_exit 2 "no files at all" "$SEARCH" eval -q
ok "... one line" one_line_error
expect_exit 2 "a missing run file" "$SEARCH" eval --qrels "$TMP/qrels" "$TMP/nope"
ok "... one line naming it" sh -c "one() { [ \$(wc -l <'$TMP/err') -eq 1 ]; }; one && grep -q nope '$TMP/err'"
printf '1 0 d1\n' >"$TMP/badq"
expect_exit 2 "a malformed qrels line" "$SEARCH" eval --qrels "$TMP/badq" "$TMP/run"
ok "... names the line" grep -q 'line 1' "$TMP/err"

# as strict as trec_eval: a document listed or judged twice for a query is
# an error (counted twice it gave MAP 1.5 here), naming both lines
printf '1 0 d1 1\n1 0 d2 1\n' >"$TMP/q2"
printf '1 Q0 d1 1 3 r\n1 Q0 d2 2 2 r\n1 Q0 d1 3 1 r\n' >"$TMP/duprun"
expect_exit 2 "a run listing a document twice" "$SEARCH" eval "$TMP/q2" "$TMP/duprun"
ok "... one line naming both lines" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q 'line 3: query 1 lists document d1 twice (first at line 1)' '$TMP/err'"
ok "... and no measures" test ! -s "$TMP/out"
printf '1 0 d1 1\n1 0 d2 1\n1 0 d1 1\n' >"$TMP/dupq"
expect_exit 2 "qrels judging a document twice" "$SEARCH" eval "$TMP/dupq" "$TMP/run"
ok "... one line naming both lines" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q 'line 3: query 1 judges document d1 twice (first at line 1)' '$TMP/err'"

# unknown options are errors, not search options passed on
for bad in -x --frobnicate -k; do
    expect_exit 2 "unknown or misplaced option $bad" "$SEARCH" eval "$bad" 5 "$TMP/qrels" "$TMP/run"
    ok "... one line naming it" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q -- '$bad' '$TMP/err'"
done
expect_exit 2 "a run file and --queries both" "$SEARCH" eval "$TMP/qrels" "$TMP/run" --queries "$TMP/run"
ok "... one line" one_line_error
expect_exit 2 "three files" "$SEARCH" eval "$TMP/qrels" "$TMP/run" "$TMP/run"
ok "... one line" one_line_error

# trec_eval's command line: eval QRELS RUN, - for standard input, -m, -l, -M
expect_exit 0 "--qrels form" "$SEARCH" eval -q --qrels "$TMP/qrels" "$TMP/run"
cp "$TMP/out" "$TMP/a"
expect_exit 0 "positional form" "$SEARCH" eval -q "$TMP/qrels" "$TMP/run"
ok "... the same output" cmp -s "$TMP/out" "$TMP/a"
expect_exit 0 "the run on standard input" sh -c "'$SEARCH' eval -q '$TMP/qrels' - <'$TMP/run'"
ok "... the same output" cmp -s "$TMP/out" "$TMP/a"
expect_exit 0 "the qrels on standard input" sh -c "'$SEARCH' eval -q - '$TMP/run' <'$TMP/qrels'"
ok "... the same output" cmp -s "$TMP/out" "$TMP/a"
expect_exit 2 "both on standard input" "$SEARCH" eval - -
ok "... one line" one_line_error
{ echo '# judged by hand'; cat "$TMP/qrels"; } >"$TMP/cq"
{ echo '# a comment'; cat "$TMP/run"; echo '  # and another'; } >"$TMP/cr"
expect_exit 0 "# comments in both files" "$SEARCH" eval -q "$TMP/cq" "$TMP/cr"
ok "... the same output" cmp -s "$TMP/out" "$TMP/a"
expect_exit 0 "-m map -m P.5" "$SEARCH" eval -m map -mP.5 "$TMP/qrels" "$TMP/run"
ok "... those two lines only" test "$(cat "$TMP/out")" = "$(printf 'map                   \tall\t0.3500\nP_5                   \tall\t0.3000')"
expect_exit 2 "an unknown measure" "$SEARCH" eval -m bpref "$TMP/qrels" "$TMP/run"
ok "... one line naming it" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q bpref '$TMP/err'"
expect_exit 0 "-M 2" "$SEARCH" eval -M 2 -m map -m num_ret "$TMP/qrels" "$TMP/run"
ok "... query 1's first two only: MAP (1/3 + 0) / 2" test "$(all map)" = 0.1667
ok "... num_ret 2 + 1" test "$(all num_ret)" = 3
expect_exit 0 "-l 2" "$SEARCH" eval -l 2 -m map -m ndcg_cut.10 "$TMP/qrels" "$TMP/run"
ok "... d1 and d4 relevant: MAP ((1/4 + 2/5) / 2 + 0) / 2" test "$(all map)" = 0.1625
ok "... nDCG's gains unchanged" test "$(all ndcg_cut_10)" = 0.3173
for bad in "-M 0" "-l x" "-M" "-m"; do
    # shellcheck disable=SC2086
    expect_exit 2 "eval $bad" "$SEARCH" eval $bad "$TMP/qrels" "$TMP/run"
    ok "... one line" one_line_error
done
# -q: queries in trec_eval's order (qids as strings: 1, 10, 2)
printf '2 0 a 1\n10 0 a 1\n1 0 a 1\n' >"$TMP/oq"
printf '1 Q0 a 1 1 r\n2 Q0 a 1 1 r\n10 Q0 a 1 1 r\n' >"$TMP/or"
expect_exit 0 "numeric qids" "$SEARCH" eval -q -m map "$TMP/oq" "$TMP/or"
ok "... in trec_eval's order" test "$(awk '{ printf "%s ", $2 }' "$TMP/out")" = "1 10 2 all "
# a judged query the run lacks is left out, and eval says so
expect_exit 0 "a judged query without results" "$SEARCH" eval "$TMP/oq" "$TMP/run"
ok "... is named on stderr with the remedy" grep -q '1 judged query has no results.*-c' "$TMP/err"

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
expect_exit 2 "search options without --queries" "$SEARCH" eval --qrels "$TMP/sq" "$TMP/seed.run" --index "$IDX"
ok "... one line naming it" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q -- --index '$TMP/err'"
# search --queries names the queries it answered with nothing (a run has
# no line for them)
printf '1\tsuicidal ideation\nq7\tzzqqxx\n' >"$TMP/noneq"
expect_exit 0 "a query with no hits in a --queries run" "$SEARCH" --index "$IDX" --queries "$TMP/noneq"
ok "... named on stderr" grep -q '^search: query q7 .*line 2.* answered with nothing$' "$TMP/err"
ok "... and only it" test "$(wc -l <"$TMP/err")" -eq 1
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
    # RM3 (docs/decisions/2026-12-06-ranking.md: 0.4452 with Anserini's settings)
    expect_exit 0 "eval Cranfield --rm3" "$SEARCH" eval -c --qrels "$C/qrels.txt" --queries "$C/queries.tsv" \
        --index "$TMP/cran" --rm3 --rm3-docs 10 --rm3-terms 10 --rm3-weight 0.5
    ok "Cranfield MAP with RM3 $(all map) >= 0.4452 - $TOL" awk -v v="$(all map)" -v t="$TOL" 'BEGIN { exit !(v >= 0.4452 - t) }'
else
    skip "Cranfield regression test: $C not found"
fi

summary test_eval
