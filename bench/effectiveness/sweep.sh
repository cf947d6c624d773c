#!/bin/sh
# bench/effectiveness/sweep.sh: the defaults chosen by measurement. For
# every combination of k1, b, stop words on/off, passage size, title
# boost, RM3 (off, or on at an original-query weight, with its feedback
# passages and words), term proximity (--proximity) and article evidence
# (--article-weight) it runs the queries of cranfield, cisi and cacm and
# scores them with `search eval -c`; one set of parameters for all
# collections, ranked by the mean over the three collections of (MAP +
# nDCG@10) / 2. Writes bench/results/sweep.csv (every combination) and
# sweep.md (the best 15). Each combination's per-query MAP and nDCG@10
# stay in bench/work/sweep/NAME/ for targets.py (p-values of the best).
#
#   K1S="0.6 0.9 1.2" BS="0.3 0.5 0.75" ...   to sweep other values
#   NAME=sweep-ranking                        writes OUT/NAME.csv and .md
#   RM3S="off 0.5 0.7" ARTICLES="0 0.1"       RM3's original-query weights
#                                             (off: no RM3), article weights (0: off)
#   FBS="10/10 5/10 10/20"                    RM3's feedback passages/words
#                                             (default Anserini's 10/10)
#   PROXS="0 0.2 0.5"                         proximity weights (0: off)
#   JOBS=3                                    the collections in parallel
#   SEARCH=path                               the binary (default ./search), so
#                                             that a rebuild meanwhile changes nothing
# `make sweep` sweeps the ranking options at the index defaults (stop
# words dropped, 250-word passages, no field boosts); SWEEP=full sweeps
# everything (hours); `make sweep-fine` the finer grid of
# bench/results/sweep-fine.md, with the issue's targets checked.
set -eu
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
OUT=${OUT:-bench/results}
SEARCH=${SEARCH:-./search}
K1S=${K1S:-"0.6 0.9 1.2 1.5 2.0"}
BS=${BS:-"0.3 0.4 0.5 0.6 0.75 0.9"}
STOPS=${STOPS:-"off on"}
SIZES=${SIZES:-"100 200 400 100000"}
TITLES=${TITLES:-"0 0.5 1"}
RM3S=${RM3S:-"off"}
FBS=${FBS:-"10/10"}
PROXS=${PROXS:-"0"}
ARTICLES=${ARTICLES:-"0"}
JOBS=${JOBS:-1}
NAME=${NAME:-sweep}
W=bench/work/sweep/$NAME
mkdir -p "$W" "$OUT"
CSV=$OUT/$NAME.csv
HEAD="stopwords,passage_words,title_boost,k1,b,rm3,rm3_docs_terms,proximity,article_weight,collection,map,ndcg_cut_10"

# One collection's rows into $W/$c.csv, its per-query measures into $W/q/.
sweep_collection() {
    c=$1
    d=$SHARED/collections/$c
    idx=$W/$c.idx
    : >"$W/$c.csv"
    mkdir -p "$W/q"
    for stop in $STOPS; do
        for size in $SIZES; do
            sw=--no-stopwords; [ "$stop" = on ] && sw=--stopwords
            rm -rf "$idx"
            "$SEARCH" index --corpus "$d/docs.tsv" --index "$idx" --quiet --passage-words "$size" $sw
            for t in $TITLES; do for k1 in $K1S; do for b in $BS; do for rm3 in $RM3S; do
                fbs=$FBS; [ "$rm3" = off ] && fbs=-
                for fb in $fbs; do for px in $PROXS; do for aw in $ARTICLES; do
                    o=; [ "$rm3" = off ] || o="--rm3 --rm3-weight $rm3 --rm3-docs ${fb%/*} --rm3-terms ${fb#*/}"
                    key="$stop,$size,$t,$k1,$b,$rm3,$fb,$px,$aw"
                    q=$W/q/$c-$(echo "$key" | tr ',/' '_-').eval
                    # shellcheck disable=SC2086
                    "$SEARCH" eval -q -c --qrels "$d/qrels.txt" --queries "$d/queries.tsv" --index "$idx" \
                        -k 1000 --k1 "$k1" --b "$b" --title-boost "$t" --heading-boost "$t" $o \
                        --proximity "$px" --article-weight "$aw" | grep -E '^(map|ndcg_cut_10)[[:space:]]' >"$q"
                    awk -v p="$key,$c" '$2 == "all" && $1 == "map" { m = $3 }
                        $2 == "all" && $1 == "ndcg_cut_10" { n = $3 } END { print p "," m "," n }' "$q" >>"$W/$c.csv"
                done; done; done
            done; done; done; done
        done
    done
    rm -rf "$idx"
}

n=0
for c in cranfield cisi cacm; do
    sweep_collection "$c" &
    n=$((n + 1))
    [ "$n" -lt "$JOBS" ] || { wait; n=0; }
done
wait
{ echo "$HEAD"; cat "$W/cranfield.csv" "$W/cisi.csv" "$W/cacm.csv"; } >"$CSV"

{
    echo "# Parameter sweep"
    echo
    echo "\`bench/effectiveness/sweep.sh\` on $(date -u +%Y-%m-%d): one set of parameters for cranfield, cisi"
    echo "and cacm, ranked by the mean over the three of (MAP + nDCG@10) / 2 (\`search eval -c\`, top 1000)."
    echo "Title boost applies to the heading field too; RM3 feedback is passages/words. The best 15 of"
    echo "$(($(wc -l <"$CSV") / 3)) combinations:"
    echo
    echo "| stop words | passage words | title boost | k1 | b | RM3 weight | RM3 feedback | proximity | article weight | cranfield MAP / nDCG@10 | cisi | cacm | mean |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    awk -F, 'NR > 1 { k = $1; for (i = 2; i <= 9; i++) k = k "," $i; s[k] += ($11 + $12) / 2; v[k, $10] = sprintf("%.4f / %.4f", $11, $12) }
        END { for (k in s) { split(k, f, ","); printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.4f |\n",
              f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], v[k, "cranfield"], v[k, "cisi"], v[k, "cacm"], s[k] / 3 } }' "$CSV" |
        sort -t'|' -k14 -gr | head -n 15
} >"$OUT/$NAME.md"
cat "$OUT/$NAME.md"
