#!/bin/sh
# bench/serve.sh: search serve under load, on loopback (bench/README.md,
# "Serving"). For simplewiki and syn1m: the in-process baseline
# (build/bench/serve_bench: the same search and JSON on one thread, pinned
# to core 0), then the server pinned to core 0 with one request thread and
# wrk (Debian's) pinned to core 1 at concurrency 1, 2, 8 and 32, then the
# server on both cores with two threads at concurrency 32. DURATION
# seconds (10) per run, k=10, the corpus's queries in turn (bench/serve.lua).
# Each server is first warmed up for WARMUP seconds (5) at concurrency 32,
# not counted: a fresh server's first seconds fault in its index's pages
# and fill its stem caches (measured: p99 18 ms in the first 5 s at c=32 on
# syn1m, 8 ms after). Writes bench/results/serve.md. `make bench-serve`
# calls this.
set -eu
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
BIN=${BIN:-build/bench}
W=bench/work/serve
R=bench/results
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CORPORA=${CORPORA:-simplewiki syn1m}
mkdir -p "$W" "$R"
. bench/corpora.sh

index() { # NAME: $W/NAME/idx, as bench/run.sh indexes ours
    d=$W/$1
    [ -s "$d/idx/CURRENT" ] && return 0
    echo "serve: indexing $1" >&2
    ./search index --corpus "$d/docs.tsv" --index "$d/idx" --passage-words 100000 --no-stopwords --quiet
}

SPID=
start() { # CPUS THREADS INDEX: a server; $URL
    taskset -c "$1" ./search serve --index "$3" --listen 127.0.0.1:0 --threads "$2" --queue 4096 \
        --max-connections 4096 >"$W/serve.out" 2>&1 &
    SPID=$!
    for _ in $(seq 100); do grep -q http "$W/serve.out" 2>/dev/null && break; sleep 0.1; done
    URL=$(sed -nE 's|.*(http://[0-9.:]+)/.*|\1|p' "$W/serve.out")
}
stop() { kill "$SPID"; wait "$SPID" || true; }
warm() { # CORPUS CPUS: WARMUP seconds of load, not recorded
    QUERIES="$W/$1/queries.tsv" K=10 taskset -c "$2" wrk -t1 -c32 -d"${WARMUP}s" -s bench/serve.lua "$URL" >/dev/null
}
rss_mb() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SPID/status"; }

# row CORPUS THREADS CONC CPUS: one wrk run against the running server
row() {
    line=$(QUERIES="$W/$1/queries.tsv" K=10 taskset -c "$4" wrk -t1 -c"$3" -d"${DURATION}s" -s bench/serve.lua "$URL" |
        tail -n 1)
    echo "$1 threads=$2 c=$3: $line" >&2
    echo "$line" | jq -r --arg c "$1" --arg t "$2" --arg n "$3" --arg rss "$(rss_mb)" --arg base "$BASE" \
        '"| \($c) | \($t) | \($n) | \(.qps) | \(.qps / ($base | tonumber) * 100 | round)% | \(.p50_ms) | \(.p99_ms) | \(.socket_errors + .non_2xx) | \($rss) |"'
}

{
    echo "# search serve under load"
    echo
    echo "\`sh bench/serve.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, wrk $(wrk -v 2>&1 | head -n 1 | awk '{print $2}'),"
    echo "loopback, k=10, ${DURATION} s per row, the corpus's queries in turn. *in process*: the same"
    echo "search and JSON body on one thread without HTTP (build/bench/serve_bench), the baseline of the"
    echo "% column. Rows with 1 server thread: server pinned to core 0, wrk to core 1; with 2: the"
    echo "server on both cores (wrk shares them). Each server warmed up for ${WARMUP} s first, not"
    echo "counted. RSS: the server's peak resident set, MB."
    echo
    echo "| corpus | server threads | concurrency | QPS | of in-process | p50 ms | p99 ms | errors | RSS MB |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for c in $CORPORA; do
        prepare "$c"
        index "$c"
        base=$(taskset -c 0 "$BIN/serve_bench" "$W/$c/idx" "$W/$c/queries.tsv" -k 10 --seconds "$DURATION")
        echo "$c in process: $base" >&2
        BASE=$(echo "$base" | jq .qps)
        echo "| $c | in process | - | $BASE | 100% | $(echo "$base" | jq .p50_ms) | $(echo "$base" | jq .p99_ms) | 0 | - |"
        start 0 1 "$W/$c/idx"
        warm "$c" 1
        for n in 1 2 8 32; do row "$c" 1 "$n" 1; done
        stop
        start 0-1 2 "$W/$c/idx"
        warm "$c" 0-1
        row "$c" 2 32 0-1
        stop
    done
} >"$R/serve.md.tmp"
mv "$R/serve.md.tmp" "$R/serve.md"
cat "$R/serve.md"
