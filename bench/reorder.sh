#!/bin/sh
# bench/reorder.sh: what document reordering by recursive graph bisection
# (bench/reorder.c) buys on simplewiki and on the synthetic corpus: the same
# articles indexed in corpus order and in bisection order, then postings
# bytes (index_stats) and query latency (bench_search, bmm, k=10 and 1000,
# best of three runs in turns, mismatches against the exhaustive scorer).
# Writes bench/results/reorder.md. `make bench-reorder` calls this.
set -eu
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
BIN=build/bench
W=bench/work/full
R=bench/results
CORPORA=${CORPORA:-"simplewiki syn1m"}
. bench/corpora.sh
mkdir -p "$R"
out=$R/reorder.md
{
    echo "# Document reordering"
    echo
    echo "One run of \`bench/reorder.sh\`. The same articles indexed as \`make bench\` indexes them,"
    echo "in corpus order and in the order \`build/bench/reorder\` finds (recursive graph bisection,"
    echo "20 iterations, leaves of 16). Latency: bmm, best of 3 means, same queries."
    echo
    echo "| corpus | order | reorder s | B/posting (ids+tfs) | k=10 mean µs | k=10 p99 | k=1000 mean µs | k=1000 p99 | mismatches |"
    echo "|---|---|---|---|---|---|---|---|---|"
} >"$out"

best() { # index queries k -> "mean p99 mismatches" of the fastest of 3 runs
    for r in 1 2 3; do
        "$BIN/bench_search" "$1" "$2" -k "$3" --warmup 1 --algorithms bmm | jq -r '"\(.mean_us) \(.p99_us) \(.mismatches)"'
    done | sort -n | head -n 1
}

for corpus in $CORPORA; do
    prepare "$corpus"
    d=$W/$corpus
    start=$(date +%s.%N)
    "$BIN/reorder" "$d/docs.tsv" "$d/docs-bp.tsv"
    secs=$(echo "$(date +%s.%N) $start" | awk '{ printf "%.1f", $1 - $2 }')
    for order in corpus bisection; do
        docs=$d/docs.tsv; idx=$d/ix-order-corpus
        [ $order = bisection ] && docs=$d/docs-bp.tsv && idx=$d/ix-order-bp
        rm -rf "$idx"
        ./search index --corpus "$docs" --index "$idx" --passage-words 100000 --no-stopwords --quiet
        bpp=$("$BIN/index_stats" "$idx" | jq -r '.ids_tfs_bytes_per_posting')
        set -- $(best "$idx" "$d/queries.tsv" 10) $(best "$idx" "$d/queries.tsv" 1000)
        rs=""; [ $order = bisection ] && rs=$secs
        echo "| $corpus | $order | $rs | $bpp | $1 | $2 | $4 | $5 | $(($3 + $6)) |" >>"$out"
        echo "reorder: $corpus $order: $bpp B/posting, k=10 $1 us, k=1000 $4 us" >&2
    done
    rm -rf "$d/ix-order-corpus" "$d/ix-order-bp" "$d/docs-bp.tsv"
done
echo "reorder: wrote $out" >&2
