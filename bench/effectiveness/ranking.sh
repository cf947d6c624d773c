#!/bin/sh
# bench/effectiveness/ranking.sh: what each ranking option gains over plain
# BM25 (k1 1.2, b 0.75) on cranfield, cisi and cacm: MAP and nDCG@10 of
# each (`search eval -q -c`, top 1000) and the p-value of the paired
# randomisation test over queries against BM25 (significance.py). Writes
# bench/results/ranking.md and .csv. `make ranking` calls this.
#
#   OPTIONS='name|search options' lines   the runs (default: the list below)
#   OUT=DIR                               where the results go
#   MD_ONLY=1                             only rewrite ranking.md from ranking.csv
set -eu
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
OUT=${OUT:-bench/results}
W=bench/work/ranking
mkdir -p "$W" "$OUT"
BASE="--k1 1.2 --b 0.75"
OPTIONS=${OPTIONS:-"b 0.6 (the default since 2026-12-06)|--k1 1.2 --b 0.6
b 0.5|--k1 1.2 --b 0.5
RM3 (Anserini: 10 passages; 10 words; weight 0.5)|$BASE --rm3
RM3 weight 0.7|$BASE --rm3 --rm3-weight 0.7
RM3 weight 0.8|$BASE --rm3 --rm3-weight 0.8
RM3 weight 0.8 and b 0.6|--k1 1.2 --b 0.6 --rm3 --rm3-weight 0.8
article weight 0.1|$BASE --article-weight 0.1
article weight 0.3|$BASE --article-weight 0.3
proximity 0.2|$BASE --proximity 0.2
proximity 0.5|$BASE --proximity 0.5
proximity 0.5 and RM3 weight 0.8|$BASE --proximity 0.5 --rm3 --rm3-weight 0.8
proximity 0.5 and RM3 weight 0.9|$BASE --proximity 0.5 --rm3 --rm3-weight 0.9
proximity 0.5 and RM3 weight 0.95|$BASE --proximity 0.5 --rm3 --rm3-weight 0.95
b 0.5 and RM3 weight 0.8 (10 passages; 20 words) and proximity 0.5|--k1 1.2 --b 0.5 --rm3 --rm3-weight 0.8 --rm3-terms 20 --proximity 0.5
b 0.5 and RM3 weight 0.85 and proximity 0.5|--k1 1.2 --b 0.5 --rm3 --rm3-weight 0.85 --proximity 0.5
b 0.5 and RM3 weight 0.85 and proximity 0.5 and article weight 0.1|--k1 1.2 --b 0.5 --rm3 --rm3-weight 0.85 --proximity 0.5 --article-weight 0.1
b 0.4 and RM3 weight 0.8 (10 passages; 20 words) and proximity 0.35|--k1 1.2 --b 0.4 --rm3 --rm3-weight 0.8 --rm3-terms 20 --proximity 0.35
defaults|"}
CSV=$OUT/ranking.csv
[ "${MD_ONLY:-0}" = 1 ] || echo "collection,run,map,ndcg_cut_10,p_map,p_ndcg_cut_10" >"$CSV"

for c in cranfield cisi cacm; do
    [ "${MD_ONLY:-0}" = 1 ] && break
    d=$SHARED/collections/$c
    [ -f "$d/qrels.txt" ] || { echo "ranking: $d missing" >&2; exit 2; }
    idx=$W/$c.idx
    rm -rf "$idx"
    ./search index --corpus "$d/docs.tsv" --index "$idx" --quiet
    # shellcheck disable=SC2086
    ./search eval -q -c --qrels "$d/qrels.txt" --queries "$d/queries.tsv" --index "$idx" $BASE >"$W/$c-base.eval"
    python3 bench/effectiveness/significance.py "$W/$c-base.eval" "$W/$c-base.eval" |
        awk -v c="$c" '{ v[$1] = $2 } END { print c ",BM25 (k1 1.2 b 0.75)," v["map"] "," v["ndcg_cut_10"] ",," }' >>"$CSV"
    echo "$OPTIONS" | while IFS='|' read -r name opts; do
        # shellcheck disable=SC2086
        ./search eval -q -c --qrels "$d/qrels.txt" --queries "$d/queries.tsv" --index "$idx" $opts >"$W/$c-run.eval"
        python3 bench/effectiveness/significance.py "$W/$c-base.eval" "$W/$c-run.eval" |
            awk -v c="$c" -v n="$name" '{ v[$1] = $3; p[$1] = $4 }
                END { print c "," n "," v["map"] "," v["ndcg_cut_10"] "," p["map"] "," p["ndcg_cut_10"] }' >>"$CSV"
    done
    rm -rf "$idx"
done

{
    echo "# Ranking options"
    echo
    echo "\`bench/effectiveness/ranking.sh\` on $(date -u +%Y-%m-%d): each option against plain BM25 (k1 1.2,"
    echo "b 0.75) on the default index (stop words dropped, 250-word passages), top 1000 per query,"
    echo "\`search eval -q -c\`. p: two-sided paired randomisation test over the queries"
    echo "(bench/effectiveness/significance.py, 20,000 sign flips, fixed seed); below 0.05 in bold."
    echo "\"defaults\" is the engine with no option given (an index built for k1 1.2, b 0.6 and searched"
    echo "at them). The last rows are the best settings of bench/results/sweep-targets.md."
    for c in cranfield cisi cacm; do
        echo
        echo "## $c"
        echo
        echo "| run | MAP | change | p | nDCG@10 | change | p |"
        echo "|---|---|---|---|---|---|---|"
        awk -F, -v c="$c" '$1 == c && $5 == "" { bm = $3; bn = $4 }
            function pv(p) { return p == "" ? "" : p + 0 < 0.0001 ? "**<0.0001**" : p + 0 < 0.05 ? "**" p "**" : p }
            function ch(v, b) { return sprintf("%+.1f%%", 100 * (v - b) / b) }
            $1 == c { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $5 == "" ? "" : ch($3, bm), pv($5),
                      $4, $5 == "" ? "" : ch($4, bn), pv($6) }' "$CSV"
    done
} >"$OUT/ranking.md"
cat "$OUT/ranking.md"
