#!/bin/sh
# bench/mpi.sh: the cost of search serve --mpi's collective round (make
# bench-mpi). A corpus split into SHARDS shards (default 2) on this host,
# served by mpirun with SHARDS + 1 ranks (oversubscribed on 2 cores: with
# mpi_yield_when_idle, without which one Allreduce took 8-12 ms), answers
# QUERIES queries (default 20000, so that mpirun's start-up is small beside
# them) at each --batch; the same queries on one
# index in one process (tests/tools/run_hex) are the baseline. Per-query
# overhead = (sharded time - baseline time) / queries. Writes
# bench/results/mpi.md. Not run by make test: it times things.
set -e
R=$(cd "$(dirname "$0")/.." && pwd)
cd "$R"
SHARDS=${SHARDS:-2}
QUERIES=${QUERIES:-20000}
CORPUS=${CORPUS:-corpus}
OUT=${OUT:-bench/results/mpi.md}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
make --no-print-directory build/tests/tools/run_hex >/dev/null
M="mpirun --allow-run-as-root --oversubscribe --mca btl self,tcp --mca mpi_yield_when_idle 1"
$M -np "$SHARDS" ./search index --mpi --corpus "$CORPUS" --index "$W/shards" --quiet
./search index --corpus "$CORPUS" --index "$W/one" --quiet
# queries: the corpus's words, one to three at a time, k = 10
./search --index "$W/one" --json -k 200 'a* OR e* OR i* OR o* OR t*' --max-expansions 1024 |
    jq -r 'select(.type == "hit") | .text' | tr -cs 'A-Za-z' '\n' | awk 'length > 3' | sort -u >"$W/words"
awk -v n="$QUERIES" 'BEGIN { srand(1) } { w[NR] = $0 } END {
    for (i = 1; i <= n; i++) { q = w[int(rand() * NR) + 1]; for (j = int(rand() * 3); j > 0; j--) q = q " " w[int(rand() * NR) + 1]
        printf "q%d\t10\t%s\n", i, q } }' "$W/words" >"$W/q.tsv"
now() { date +%s.%N; }
t0=$(now); build/tests/tools/run_hex "$W/one" <"$W/q.tsv" >"$W/want"; t1=$(now)
base=$(echo "$t1 - $t0" | bc -l)
{
    echo "# search serve --mpi: the collective round"
    echo
    echo "One run of bench/mpi.sh ($(date +%F)); $(nproc) cores; $SHARDS shards of $CORPUS and a front end, one host"
    echo "(oversubscribed, mpi_yield_when_idle 1); $QUERIES queries of 1-3 words, k = 10; one index in one process:"
    printf "%.1f µs per query.\n\n" "$(echo "$base * 1000000 / $QUERIES" | bc -l)"
    echo "| batch | seconds | QPS | µs per query | overhead µs per query | same as one index |"
    echo "|---|---|---|---|---|---|"
} >"$OUT"
for b in 1 4 16 64; do
    t0=$(now)
    $M -np $((SHARDS + 1)) ./search serve --mpi --index "$W/shards" --hex --batch $b <"$W/q.tsv" >"$W/got"
    t1=$(now)
    s=$(echo "$t1 - $t0" | bc -l)
    same=no; cmp -s "$W/want" "$W/got" && same=yes
    printf "| %d | %.2f | %.0f | %.1f | %.1f | %s |\n" $b "$s" "$(echo "$QUERIES / $s" | bc -l)" \
        "$(echo "$s * 1000000 / $QUERIES" | bc -l)" "$(echo "($s - $base) * 1000000 / $QUERIES" | bc -l)" $same >>"$OUT"
done
echo >>"$OUT"
echo "The seconds include mpirun's start-up (about half a second), shared by all queries." >>"$OUT"
cat "$OUT"
