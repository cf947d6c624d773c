#!/bin/sh
# test_trec_eval_agree.sh: `search eval` against NIST's trec_eval itself on
# runs over cranfield, cisi and cacm: map, ndcg_cut_10, P_10, recall_100,
# recall_1000 and recip_rank, per query and averaged, must agree to 4
# decimals, with -c, -M 100 and -l 2; and without options, the measures
# both print by default (runid, num_q, num_ret, num_rel, num_rel_ret, map,
# recip_rank, P_10). Skipped, saying so, when
# trec_eval is not there: `sh bench/trec_eval/build.sh` builds it into
# bench/work/trec_eval/ (or set TREC_EVAL, or put it on PATH).
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

TE=${TREC_EVAL:-}
[ -n "$TE" ] || { [ -x bench/work/trec_eval/trec_eval ] && TE=bench/work/trec_eval/trec_eval; }
[ -n "$TE" ] || TE=$(command -v trec_eval 2>/dev/null)
MEASURES="-m map -m ndcg_cut.10 -m P.10 -m recall.100,1000 -m recip_rank"

# agree OURS THEIRS [shared]: the same lines (measure, qid) with values
# within 0.0001; with "shared", the lines of measures both print (trec_eval's
# default set and ours differ), of which there must be some
agree() {
    awk -v shared="${3:-}" 'NR == FNR { v[$1 " " $2] = $3; n++; next }
         shared && !(($1 " all") in v) { next }
         { k = $1 " " $2; m++
           if (!(k in v)) { print "  only in trec_eval: " $0; bad++; next }
           d = v[k] - $3; if (d < 0) d = -d
           if (d > 0.0001) { print "  differs: " k ": ours " v[k] ", trec_eval " $3; bad++ } }
         END { if (shared ? m < 8 : n != m) { print "  lines: ours " n ", trec_eval " m; bad++ } exit bad > 0 }' "$1" "$2"
}

if [ -n "$TE" ] && [ ! -x "$TE" ]; then
    ok "TREC_EVAL=$TE is a program" false
elif [ -z "$TE" ]; then
    skip "trec_eval not found: sh bench/trec_eval/build.sh builds it (or set TREC_EVAL); agreement not checked"
else
    for c in cranfield cisi cacm; do
        d=${SHARED:-../shared}/collections/$c
        if [ ! -f "$d/qrels.txt" ]; then skip "$c: $d not found"; continue; fi
        expect_exit 0 "index $c" "$SEARCH" index --corpus "$d/docs.tsv" --index "$TMP/$c.idx" --quiet
        "$SEARCH" --index "$TMP/$c.idx" --queries "$d/queries.tsv" -k 1000 >"$TMP/$c.run" 2>/dev/null
        ok "$c: a run" test -s "$TMP/$c.run"
        "$SEARCH" eval -q "$d/qrels.txt" "$TMP/$c.run" >"$TMP/ours" 2>"$TMP/err"
        "$TE" -q "$d/qrels.txt" "$TMP/$c.run" >"$TMP/theirs" 2>>"$TMP/err"
        ok "$c, no options: the measures both print, as trec_eval" agree "$TMP/ours" "$TMP/theirs" shared
        for opts in "-c" "-c -M 100" "-c -l 2"; do
            # shellcheck disable=SC2086
            "$SEARCH" eval -q $opts $MEASURES "$d/qrels.txt" "$TMP/$c.run" >"$TMP/ours" 2>"$TMP/err"
            # shellcheck disable=SC2086
            "$TE" -q $opts $MEASURES "$d/qrels.txt" "$TMP/$c.run" >"$TMP/theirs" 2>>"$TMP/err"
            ok "$c, $opts: per query and all, as trec_eval" agree "$TMP/ours" "$TMP/theirs"
            echo "  $c $opts: $(awk '$2 == "all" { printf "%s %s  ", $1, $3 }' "$TMP/ours")"
        done
    done
fi
summary test_trec_eval_agree
