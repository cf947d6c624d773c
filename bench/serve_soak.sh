#!/bin/sh
# bench/serve_soak.sh: search serve for SOAK_SECONDS (600) under load (wrk
# at concurrency 8 over syn20k's queries) while the corpus is reindexed
# every 30 s (a marker article rewritten each time), and a client checks
# every answer to a marker query against the generation it names: one
# marker per generation, rising. Samples the server's RSS every 30 s.
# Writes bench/results/serve-soak.md. `make bench-soak` calls this.
set -eu
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
BIN=${BIN:-build/bench}
W=bench/work/serve
R=bench/results
SOAK_SECONDS=${SOAK_SECONDS:-600}
EVERY=${EVERY:-30}
mkdir -p "$W" "$R"
. bench/corpora.sh
prepare syn20k
S=$W/soak; rm -rf "$S"; mkdir -p "$S"
# the corpus: syn20k's passages and a marker row, rewritten each round
marker() {
    { cat "$W/syn20k/docs.tsv"; printf 'marker\tMarker\tThe marker word of this round is zq%d.\n' "$1"; } >"$S/c.tmp"
    mv "$S/c.tmp" "$S/corpus.tsv"
}
marker 0
./search index --corpus "$S/corpus.tsv" --index "$S/idx" --quiet

./search serve --index "$S/idx" --listen 127.0.0.1:0 --threads 2 >"$S/serve.out" 2>&1 &
SPID=$!
for _ in $(seq 100); do grep -q http "$S/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -nE 's|.*(http://[0-9.:]+)/.*|\1|p' "$S/serve.out")
QUERIES="$W/syn20k/queries.tsv" K=10 wrk -t1 -c8 -d"${SOAK_SECONDS}s" -s bench/serve.lua "$URL" >"$S/wrk.out" &
WPID=$!
( while kill -0 "$WPID" 2>/dev/null; do
      curl -s "$URL/search?q=marker&k=1" | jq -r '[.generation, (.hits[0].text | capture("zq(?<n>[0-9]+)").n)] | @tsv'
      sleep 0.05
  done ) >"$S/seen" &
CPID=$!
rss() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$SPID/status"; }
: >"$S/rss"
round=0; t=0
while [ "$t" -lt "$SOAK_SECONDS" ]; do
    sleep "$EVERY"; t=$((t + EVERY)); round=$((round + 1))
    marker "$round"
    ./search index --corpus "$S/corpus.tsv" --index "$S/idx" --quiet
    echo "$t $(rss)" >>"$S/rss"
done
wait "$WPID"; wait "$CPID" || true
kill "$SPID"; wait "$SPID" || true
W1=$(tail -n 1 "$S/wrk.out")
mixed=$(sort -u "$S/seen" | awk -F'\t' '{ print $1 }' | uniq -d | wc -l)
gens=$(cut -f1 "$S/seen" | sort -u | wc -l)
{
    echo "# search serve: soak"
    echo
    echo "\`sh bench/serve_soak.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores: ${SOAK_SECONDS} s of wrk at concurrency 8"
    echo "(syn20k's queries, k=10) against 2 server threads, the corpus reindexed every ${EVERY} s ($round"
    echo "reindexes), a client checking each marker answer against the generation it names."
    echo
    echo "| requests | QPS | p99 ms | errors | generations seen | answers from a mixed generation | RSS MB, first sample | RSS MB at the end | RSS MB max |"
    echo "|---|---|---|---|---|---|---|---|---|"
    echo "$W1" | jq -r --arg g "$gens" --arg m "$mixed" --arg r0 "$(head -n 1 "$S/rss" | cut -d' ' -f2)" \
        --arg r1 "$(tail -n 1 "$S/rss" | cut -d' ' -f2)" --arg rm "$(sort -k2 -n "$S/rss" | tail -n 1 | cut -d' ' -f2)" \
        '"| \(.requests) | \(.qps) | \(.p99_ms) | \(.socket_errors + .non_2xx) | \($g) | \($m) | \($r0) | \($r1) | \($rm) |"'
    echo
    echo "RSS every ${EVERY} s (MB): $(cut -d' ' -f2 "$S/rss" | tr '\n' ' ')"
} >"$R/serve-soak.md"
cat "$R/serve-soak.md"
