#!/bin/sh
# bench/report.sh RESULTS_DIR "CORPORA" "ENGINES": results.csv -> results.md
# and one latency CDF plot per corpus and k.
set -eu
R=$1; CORPORA=$2; ENGINES=$3
{
    echo "# Benchmark results"
    echo
    echo "One run of \`bench/run.sh\` on $(nproc) cores ($(uname -m)), $(date -u +%Y-%m-%d). Latencies are"
    echo "per query, in process, single-threaded, after warm-up; speedup = peer mean / our mean;"
    echo "search-bp is ours built with \`--reorder\`, and the last column is a row's mean / its mean."
    echo "Index bytes per posting: ours counts packed ids and tfs only (block-max data apart);"
    echo "peers' whole index divided by our posting count."
    echo
    echo "| corpus | engine | index s | MB/s | index MB | B/posting | block-max B/posting | peak RSS MB | query | k | mean µs | p50 | p95 | p99 | QPS | speedup | top-10 overlap | mismatches | speedup vs search-bp |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    awk -F, 'NR > 1 { printf "| %s | %s | %s | %s | %.1f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                 $1, $2, $5, $6, $7 / 1e6, $9, $10, $11, $22, $12, $14, $15, $16, $17, $18, $19, $20, $21, $23 }' "$R/results.csv"
} >"$R/results.md"
for c in $CORPORA; do
    for k in 10 1000; do
        args=""
        for e in $ENGINES; do
            [ -f "$R/raw/$c-$e-k$k.times" ] && args="$args $R/raw/$c-$e-k$k.times $e"
        done
        # shellcheck disable=SC2086
        [ -n "$args" ] && build/bench/plot_latency "$R/latency-$c-k$k.svg" "$c, top-$k union queries" $args
        [ -f "$R/latency-$c-k$k.svg" ] && echo "![$c k=$k]($(basename "$R/latency-$c-k$k.svg"))" >>"$R/results.md"
    done
done
true
