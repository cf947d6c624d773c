#!/bin/sh
# bench/reorder.sh: what `search index --reorder` (articles numbered by
# recursive graph bisection, src/index/bisection.c) buys and costs on
# simplewiki and on the synthetic corpus: the same articles indexed without
# and with it, then build time and peak RSS, postings bytes (index_stats)
# and query latency (bench_search, bmm, k=10 and 1000, best of three runs
# taken in turns, mismatches against the exhaustive scorer).
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
    echo "One run of \`bench/reorder.sh\` ($(date +%Y-%m-%d)); $(nproc) cores. The same articles indexed as"
    echo "\`make bench\` indexes them, without and with \`--reorder\` (recursive graph bisection,"
    echo "src/index/bisection.c). Build: seconds and peak RSS of the whole \`search index\` run."
    echo "Latency: bmm, the best of 3 means taken in turns, same queries."
    echo
    echo "| corpus | order | build s | peak RSS MB | B/posting (ids+tfs) | k=10 mean µs | k=10 p99 | k=1000 mean µs | k=1000 p99 | mismatches |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
} >"$out"

run() { # index queries k -> "mean p99 mismatches"
    "$BIN/bench_search" "$1" "$2" -k "$3" --warmup 1 --algorithms bmm | jq -r '"\(.mean_us) \(.p99_us) \(.mismatches)"'
}

for corpus in $CORPORA; do
    prepare "$corpus"
    d=$W/$corpus
    for order in corpus bisection; do
        idx=$d/ix-order-$order
        flag=""; [ $order = bisection ] && flag=--reorder
        rm -rf "$idx"
        /usr/bin/time -f "%e %M" -o "$d/time-$order" \
            ./search index --corpus "$d/docs.tsv" --index "$idx" --passage-words 100000 --no-stopwords --quiet $flag
    done
    for k in 10 1000; do # three rounds in turns: the best mean of each
        for r in 1 2 3; do
            for order in corpus bisection; do run "$d/ix-order-$order" "$d/queries.tsv" $k >>"$d/lat-$order-$k"; done
        done
    done
    for order in corpus bisection; do
        set -- $(cat "$d/time-$order")
        secs=$1; rss=$(($2 / 1024))
        bpp=$("$BIN/index_stats" "$d/ix-order-$order" | jq -r '.ids_tfs_bytes_per_posting')
        set -- $(sort -n "$d/lat-$order-10" | head -n 1) $(sort -n "$d/lat-$order-1000" | head -n 1)
        echo "| $corpus | $order | $secs | $rss | $bpp | $1 | $2 | $4 | $5 | $(($3 + $6)) |" >>"$out"
        echo "reorder: $corpus $order: built in $secs s, $bpp B/posting, k=10 $1 us, k=1000 $4 us" >&2
    done
    rm -rf "$d/ix-order-corpus" "$d/ix-order-bisection" "$d"/time-* "$d"/lat-*
done
echo "reorder: wrote $out" >&2
