#!/bin/sh
# bench/open.sh [OLD_OPEN_BENCH]: what a search costs from nothing (open
# the index, run one query, read its hits), the index in the page cache,
# on 1M and 10M synthetic passages (bench/README.md, "Opening an index").
#
# Makes bench/work/open/syn1m and syn10m once (docs.tsv, queries.tsv and
# the index, built as bench/run.sh builds ours: one passage per document,
# every word kept; the 10M corpus is 3.1 GB, its index 4.2 GB, built with
# --memory 2G in about 5 minutes on 2 cores). Then runs
# build/bench/open_bench on each, RUNS runs (21) over the first RUNS
# queries; with OLD_OPEN_BENCH (an open_bench built at an older commit:
# the index format is the same), that one too, before ours, the rows
# labelled OLD_LABEL and NEW_LABEL; then ours once more with a query that
# matches nothing (a word with a q: gencorpus makes none), which leaves
# the open and the fixed cost of a query. Writes bench/results/open.md.
# `make bench-open` calls this.
set -eu
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
BIN=${BIN:-build/bench}
W=bench/work/open
R=bench/results
RUNS=${RUNS:-21}
OLD=${1:-}
OLD_LABEL=${OLD_LABEL:-old}
NEW_LABEL=${NEW_LABEL:-new}
mkdir -p "$W" "$R"
. bench/corpora.sh # prepare NAME: $W/NAME/docs.tsv and queries.tsv

index() { # NAME: $W/NAME/idx, built once
    d=$W/$1
    [ -s "$d/idx/CURRENT" ] && return 0
    mem=; [ "$1" = syn10m ] && mem="--memory 2G"
    echo "open: indexing $1" >&2
    ./search index --corpus "$d/docs.tsv" --index "$d/idx" --passage-words 100000 --no-stopwords $mem --quiet
}

printf 'none\tqqqq\n' >"$W/no-hits.tsv"

# row LABEL BENCH NAME [QUERIES]: one table row from one open_bench run
row() {
    d=$W/$3
    line=$("$2" "$d/idx" "${4:-$d/queries.tsv}" -n "$RUNS")
    echo "$line" >&2
    bytes=$(du -sb "$d/idx" | cut -f1)
    echo "$line" | jq -r --arg l "$1" --arg c "$3" --arg b "$bytes" \
        '"| \($c) | \($b | tonumber / 1e9 * 10 | round / 10) GB | \($l) | \(.open_query_ms) | \(.open_query_min_ms)-\(.open_query_max_ms) | \(.open_ms) | \(.parse_ms) | \(.search_ms) | \(.show_ms) | \(.close_ms) |"'
}

for c in syn1m syn10m; do prepare "$c"; index "$c"; done
{
    echo "# Opening an index: open + one query"
    echo
    echo "\`sh bench/open.sh${OLD:+ OLD}\` on $(date -u +%Y-%m-%d), $(nproc) cores: \`open_bench\`, $RUNS runs, each"
    echo "the next of the first $RUNS queries of the corpus, after one untimed pass over them (the"
    echo "index in the page cache, mapped afresh by every open); milliseconds, medians (of each"
    echo "column on its own: the parts need not add up). open + query = index_open, analyser and"
    echo "search context, then the query's parse (its look-ups), search (bmm, k=10) and show (every"
    echo "hit's records and text); close is not in it. The no-hits rows run a word no passage has."
    echo
    echo "| corpus | index | build | open + query | min-max | open | parse | search | show | close |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for c in syn1m syn10m; do
        [ -n "$OLD" ] && row "$OLD_LABEL" "$OLD" "$c"
        row "$NEW_LABEL" "$BIN/open_bench" "$c"
        row "$NEW_LABEL, no hits" "$BIN/open_bench" "$c" "$W/no-hits.tsv"
    done
} >"$R/open.md.tmp"
mv "$R/open.md.tmp" "$R/open.md"
cat "$R/open.md"
