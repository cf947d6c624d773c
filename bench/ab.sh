#!/bin/sh
# ab.sh: query latency of two commits on the same index, for the "design
# choices" rows of bench/README.md.
#
#   bench/ab.sh COMMIT_A COMMIT_B INDEX[,B_INDEX] QUERIES [ROUNDS] [-- bench_search options]
#
# The options default to "-k 10 --algorithms bmm" (bench_search runs every
# algorithm otherwise). Builds bench_search at each commit (in temporary worktrees), then runs
# them in turns, ROUNDS times each (default 3), and prints for each commit
# the smallest mean and the p99 of that run, its median mean, and the
# mismatch count against the exhaustive scorer (must be 0); then the ratio
# of the best means and the median of the rounds' ratios (each round runs
# both builds back to back, so a busy moment of the machine hits both).
# Across a change of the index format, INDEX is two indexes of the same
# corpus, A's and B's, each built by its commit's `search index`.
set -eu
[ $# -ge 4 ] || { echo "usage: bench/ab.sh COMMIT_A COMMIT_B INDEX[,B_INDEX] QUERIES [ROUNDS] [-- bench_search options]" >&2; exit 2; }
a=$1 b=$2 index=$3 queries=$4
shift 4
rounds=3
if [ $# -gt 0 ] && [ "$1" != "--" ]; then rounds=$1; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
[ $# -gt 0 ] || set -- -k 10 --algorithms bmm
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/a" 2>/dev/null; git worktree remove --force "$tmp/b" 2>/dev/null; rm -rf "$tmp"' EXIT
for side in a b; do
    eval commit=\$$side
    git worktree add -q --detach "$tmp/$side" "$commit"
    make -s -C "$tmp/$side" build/bench/bench_search >/dev/null
done
index_a=${index%%,*} index_b=${index#*,}
for r in $(seq "$rounds"); do
    for side in a b; do
        eval ix=\$index_$side
        "$tmp/$side/build/bench/bench_search" "$ix" "$queries" --warmup 1 "$@" |
            jq -r --arg s "$side" '"\($s) \(.mean_us) \(.p99_us) \(.mismatches)"'
    done
done | awk -v A="$a" -v B="$b" '
    function median(v, n,    i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    !($1 in m) || $2 < m[$1] { m[$1] = $2; p[$1] = $3 }
    { mm[$1] += $4; n[$1]++; all[$1, n[$1]] = $2 }
    $1 == "b" { ratio[n["b"]] = $2 / all["a", n["b"]] }
    END {
        for (i = 1; i <= n["a"]; i++) { va[i] = all["a", i]; vb[i] = all["b", i] }
        printf "%-12s %10s %10s %10s %10s\n", "commit", "best mean", "its p99", "median", "mismatches"
        printf "%-12s %10.1f %10.1f %10.1f %10d\n", A, m["a"], p["a"], median(va, n["a"]), mm["a"]
        printf "%-12s %10.1f %10.1f %10.1f %10d\n", B, m["b"], p["b"], median(vb, n["b"]), mm["b"]
        printf "B/A: best means %.2fx, median of the rounds %.2fx\n", m["b"] / m["a"], median(ratio, n["b"])
    }'
