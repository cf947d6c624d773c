#!/bin/sh
# bench/effectiveness/sweep.sh: the defaults chosen by measurement. For
# every combination of k1, b, stop words on/off, passage size, title
# boost, RM3 (off, or on at an original-query weight) and article
# evidence (--article-weight) it runs the queries of cranfield, cisi and cacm and scores them
# with `search eval -c`; one set of parameters for all collections, ranked
# by the mean over the three collections of (MAP + nDCG@10) / 2. Writes
# bench/results/sweep.csv (every combination) and sweep.md (the best 15).
#
#   K1S="0.6 0.9 1.2" BS="0.3 0.5 0.75" ...   to sweep other values
#   NAME=sweep-ranking                        writes OUT/NAME.csv and .md
#   RM3S="off 0.5 0.7" ARTICLES="0 0.1"       RM3's original-query weights
#                                             (Anserini's 10 passages, 10 words),
#                                             article weights (0: off)
# `make sweep` sweeps the ranking options at the index defaults (stop
# words dropped, 250-word passages, no field boosts); SWEEP=full sweeps
# everything (hours).
set -eu
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
OUT=${OUT:-bench/results}
K1S=${K1S:-"0.6 0.9 1.2 1.5 2.0"}
BS=${BS:-"0.3 0.4 0.5 0.6 0.75 0.9"}
STOPS=${STOPS:-"off on"}
SIZES=${SIZES:-"100 200 400 100000"}
TITLES=${TITLES:-"0 0.5 1"}
RM3S=${RM3S:-"off"}
ARTICLES=${ARTICLES:-"0"}
W=bench/work/sweep
mkdir -p "$W" "$OUT"
NAME=${NAME:-sweep}
CSV=$OUT/$NAME.csv
echo "stopwords,passage_words,title_boost,k1,b,rm3,article_weight,collection,map,ndcg_cut_10" >"$CSV"

for stop in $STOPS; do
    for size in $SIZES; do
        for c in cranfield cisi cacm; do
            d=$SHARED/collections/$c
            idx=$W/$c.idx
            sw=--no-stopwords; [ "$stop" = on ] && sw=--stopwords
            rm -rf "$idx"
            # shellcheck disable=SC2086
            ./search index --corpus "$d/docs.tsv" --index "$idx" --quiet --passage-words "$size" $sw
            for t in $TITLES; do
                for k1 in $K1S; do
                    for b in $BS; do
                        for rm3 in $RM3S; do
                            fb=; [ "$rm3" = off ] || fb="--rm3 --rm3-weight $rm3"
                            for aw in $ARTICLES; do
                                # shellcheck disable=SC2086
                                ./search eval -c --qrels "$d/qrels.txt" --queries "$d/queries.tsv" --index "$idx" \
                                    -k 1000 --k1 "$k1" --b "$b" --title-boost "$t" --heading-boost "$t" $fb \
                                    --article-weight "$aw" >"$W/eval"
                                awk -v p="$stop,$size,$t,$k1,$b,$rm3,$aw,$c" '$2 == "all" && $1 == "map" { m = $3 }
                                    $2 == "all" && $1 == "ndcg_cut_10" { n = $3 } END { print p "," m "," n }' \
                                    "$W/eval" >>"$CSV"
                            done
                        done
                    done
                done
            done
        done
    done
done

{
    echo "# Parameter sweep"
    echo
    echo "\`bench/effectiveness/sweep.sh\` on $(date -u +%Y-%m-%d): one set of parameters for cranfield, cisi"
    echo "and cacm, ranked by the mean over the three of (MAP + nDCG@10) / 2 (\`search eval -c\`, top 1000)."
    echo "Title boost applies to the heading field too. The best 15 of $(($(wc -l <"$CSV") / 3)) combinations:"
    echo
    echo "| stop words | passage words | title boost | k1 | b | RM3 weight | article weight | cranfield MAP / nDCG@10 | cisi | cacm | mean |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    awk -F, 'NR > 1 { k = $1 "," $2 "," $3 "," $4 "," $5 "," $6 "," $7; s[k] += ($9 + $10) / 2; v[k, $8] = sprintf("%.4f / %.4f", $9, $10) }
        END { for (k in s) { split(k, f, ","); printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.4f |\n",
              f[1], f[2], f[3], f[4], f[5], f[6], f[7], v[k, "cranfield"], v[k, "cisi"], v[k, "cacm"], s[k] / 3 } }' "$CSV" |
        sort -t'|' -k12 -gr | head -n 15
} >"$OUT/$NAME.md"
cat "$OUT/$NAME.md"
