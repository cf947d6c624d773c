#!/bin/sh
# ab.sh: query latency of two commits on the same index, for the "design
# choices" rows of bench/README.md.
#
#   bench/ab.sh COMMIT_A COMMIT_B INDEX QUERIES [ROUNDS] [-- bench_search options]
#
# The options default to "-k 10 --algorithms bmm" (bench_search runs every
# algorithm otherwise). Builds bench_search at each commit (in temporary worktrees), then runs
# them in turns, ROUNDS times each (default 3), and prints for each commit
# the smallest mean and the p99 of that run, and the mismatch count against
# the exhaustive scorer (must be 0). Taking the best of several runs in turns
# keeps a busy moment of the machine from deciding the comparison.
set -eu
[ $# -ge 4 ] || { echo "usage: bench/ab.sh COMMIT_A COMMIT_B INDEX QUERIES [ROUNDS] [-- bench_search options]" >&2; exit 2; }
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
for r in $(seq "$rounds"); do
    for side in a b; do
        "$tmp/$side/build/bench/bench_search" "$index" "$queries" --warmup 1 "$@" |
            jq -r --arg s "$side" '"\($s) \(.mean_us) \(.p99_us) \(.mismatches)"'
    done
done | awk -v A="$a" -v B="$b" '
    !($1 in m) || $2 < m[$1] { m[$1] = $2; p[$1] = $3 }
    { mm[$1] += $4 }
    END {
        printf "%-12s %10s %10s %10s\n", "commit", "mean us", "p99 us", "mismatches"
        printf "%-12s %10.1f %10.1f %10d\n", A, m["a"], p["a"], mm["a"]
        printf "%-12s %10.1f %10.1f %10d\n", B, m["b"], p["b"], mm["b"]
        printf "ratio %.2fx\n", m["a"] / m["b"]
    }'
