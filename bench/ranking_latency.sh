#!/bin/sh
# bench/ranking_latency.sh: what each ranking option costs in latency, on
# the 1M synthetic passages (CORPORA to change) as the main benchmark
# indexes them (one passage per document, every word kept): bench_search
# with the default algorithm at k=10 and k=1000, plain BM25, RM3 at
# weight 0.5 and 0.8, article evidence at 0.1 (ranking articles as a
# TREC run does), proximity at 0.5 alone and with RM3 0.8, and the best setting of
# bench/results/sweep-targets.md, each checked against the exhaustive algorithm. Writes
# bench/results/ranking-latency.md. `make bench-ranking` calls this; run
# it on a quiet machine (bench/README.md).
set -eu
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
BIN=build/bench
W=bench/work/full
R=bench/results
WARMUP=${WARMUP:-3}
CORPORA=${CORPORA:-syn1m}
export BENCH_PASSES=${PASSES:-3}
LIMIT=${LIMIT:-} # the first LIMIT queries only (the exhaustive check of article evidence is slow)
mkdir -p "$W" "$R"
. bench/corpora.sh
OUTF=$R/ranking-latency.md
{
    echo "# Latency of the ranking options"
    echo
    echo "\`bench/ranking_latency.sh\` on $(date -u +%Y-%m-%d): bench_search, algorithm bmm, single-threaded,"
    echo "each query's fastest of $BENCH_PASSES passes, µs; mismatches against the exhaustive algorithm must be 0;"
    echo "${LIMIT:-all} queries of each corpus's query file."
    echo
    echo "| corpus | k | option | mean | p50 | p99 | vs BM25 | mismatches |"
    echo "|---|---|---|---|---|---|---|---|"
} >"$OUTF"
for c in $CORPORA; do
    prepare "$c"
    idx=$W/$c/search.idx
    [ -f "$idx/CURRENT" ] || ./search index --corpus "$W/$c/docs.tsv" --index "$idx" --passage-words 100000 \
        --no-stopwords --quiet
    q=$W/$c/queries.tsv
    if [ -n "$LIMIT" ]; then head -n "$LIMIT" "$q" >"$W/$c/queries-$LIMIT.tsv"; q=$W/$c/queries-$LIMIT.tsv; fi
    for k in 10 1000; do
        base=
        for opt in "BM25|" "RM3 0.5|--rm3 0.5" "RM3 0.8|--rm3 0.8" "article weight 0.1|--article-weight 0.1" \
            "proximity 0.5|--proximity 0.5" "proximity 0.5, RM3 0.8|--proximity 0.5 --rm3 0.8" \
            "b 0.5, RM3 0.8 (20 words), proximity 0.5|--b 0.5 --rm3 0.8 --rm3-terms 20 --proximity 0.5"; do
            name=${opt%%|*}; args=${opt#*|}
            # shellcheck disable=SC2086
            line=$("$BIN/bench_search" "$idx" "$q" -k "$k" --warmup "$WARMUP" \
                --algorithms bmm,exhaustive $args | head -n 1)
            mean=$(echo "$line" | sed 's/.*"mean_us":\([0-9.]*\).*/\1/')
            p50=$(echo "$line" | sed 's/.*"p50_us":\([0-9.]*\).*/\1/')
            p99=$(echo "$line" | sed 's/.*"p99_us":\([0-9.]*\).*/\1/')
            mis=$(echo "$line" | sed 's/.*"mismatches":\([0-9]*\).*/\1/')
            [ -n "$base" ] || base=$mean
            echo "| $c | $k | $name | $mean | $p50 | $p99 | $(awk -v a="$mean" -v b="$base" 'BEGIN { printf "%.2fx", a / b }') | $mis |" >>"$OUTF"
        done
    done
done
cat "$OUTF"
