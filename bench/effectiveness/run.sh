#!/bin/sh
# bench/effectiveness/run.sh: ranking quality on the test collections with
# relevance judgments in ../shared/collections (cranfield, cisi, cacm), for
# our engine and, fed the same documents and queries, Xapian (BM25,
# Snowball English) and SQLite FTS5 (porter, bm25). Every run is top 1000
# per query, scored by `search eval` (trec_eval's measures; queries without
# results count as 0, trec_eval -c). Writes bench/results/effectiveness.md
# and .csv. `make effectiveness` calls this.
#
#   SEARCH_OPTS="--k1 0.9 --b 0.4"   extra options for our searches
#   INDEX_OPTS="--stopwords"         extra options for our indexing
#   ENGINES="search xapian fts5"     which engines
#   OUT=DIR                          where the results go (default bench/results)
set -eu
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
ENGINES=${ENGINES:-"search xapian fts5"}
OUT=${OUT:-bench/results}
W=bench/work/effectiveness
PEERS=bench/peers/build
mkdir -p "$W" "$OUT"
CSV=$OUT/effectiveness.csv
echo "collection,engine,queries,map,ndcg_cut_10,P_10,recall_100,recall_1000,recip_rank" >"$CSV"

measure() { # eval output -> the "all" value of one measure
    awk -v m="$2" '$1 == m && $2 == "all" { print $3 }' "$1"
}

for c in cranfield cisi cacm; do
    d=$SHARED/collections/$c
    [ -f "$d/qrels.txt" ] || { echo "effectiveness: $d missing" >&2; exit 2; }
    for e in $ENGINES; do
        idx=$W/$c-$e.idx; run=$W/$c-$e.run
        rm -rf "$idx"
        case $e in
        search)
            # shellcheck disable=SC2086
            ./search index --corpus "$d/docs.tsv" --index "$idx" --quiet ${INDEX_OPTS:-}
            # shellcheck disable=SC2086
            ./search --index "$idx" --queries "$d/queries.tsv" -k 1000 --tag search ${SEARCH_OPTS:-} >"$run" || true ;;
        *)
            mkdir -p "$idx"
            "$PEERS/${e}_bench" index "$d/docs.tsv" "$idx" >/dev/null
            "$PEERS/${e}_bench" search "$idx" "$d/queries.tsv" 1000 0 "$W/$c-$e" >/dev/null ;;
        esac
        ./search eval -c --qrels "$d/qrels.txt" "$run" >"$W/$c-$e.eval"
        echo "$c,$e,$(measure "$W/$c-$e.eval" num_q),$(measure "$W/$c-$e.eval" map),$(measure "$W/$c-$e.eval" ndcg_cut_10),$(measure "$W/$c-$e.eval" P_10),$(measure "$W/$c-$e.eval" recall_100),$(measure "$W/$c-$e.eval" recall_1000),$(measure "$W/$c-$e.eval" recip_rank)" >>"$CSV"
        rm -rf "$idx"
    done
done

{
    echo "# Effectiveness"
    echo
    echo "\`bench/effectiveness/run.sh\` on $(date -u +%Y-%m-%d): top 1000 per query, measured by"
    echo "\`search eval -c\` (trec_eval's measures; unjudged documents are not relevant, queries"
    echo "without results count as 0). Ours with its defaults${SEARCH_OPTS:+ and $SEARCH_OPTS}${INDEX_OPTS:+, indexed with $INDEX_OPTS};"
    echo "Xapian 1.4 BM25 (k1 1.2, b 0.75, Snowball English) and SQLite FTS5 (porter, bm25) on the same"
    echo "documents (title and text) and queries."
    echo
    echo "| collection | engine | queries | MAP | nDCG@10 | P@10 | R@100 | R@1000 | MRR |"
    echo "|---|---|---|---|---|---|---|---|---|"
    awk -F, 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$CSV"
} >"$OUT/effectiveness.md"
cat "$OUT/effectiveness.md"
