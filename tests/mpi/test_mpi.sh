#!/bin/sh
# test_mpi.sh: sharded search on MPI across 4 "hosts" (network namespaces,
# tests/mpi/netns.sh). The shards of a corpus, built by mpirun (search
# index --mpi, a rank per host) and served by mpirun (search serve --mpi,
# the front end on one host and a shard on each other), answer a query set
# of words, phrases, boolean queries and prefixes at k = 10 and 1000 bit
# for bit as one index does (scores in %a), on an even split and a
# deliberately uneven one; an update that fails on one shard is served on
# none, and the next that succeeds on all is served on all. Root only
# (namespaces); every namespace made is removed, whatever happens.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh
. tests/mpi/netns.sh
BUILD=${BUILD:-build}
RUN_HEX=$R/$BUILD/tests/tools/run_hex

if [ "$(id -u)" != 0 ]; then skip "not root: network namespaces need root"; summary test_mpi; exit 0; fi
if ! command -v mpirun >/dev/null || [ ! -x "$R/$BUILD/search-mpi" ]; then
    skip "no mpirun or $BUILD/search-mpi (apt-get install openmpi-bin libopenmpi-dev)"; summary test_mpi; exit 0
fi
trap 'netns_down; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
ok "4 hosts on a bridge" netns_up 4
hostfile "$TMP/build3" 2 4   # index: a rank on each of hosts 2-4
hostfile "$TMP/serve4" 1 4   # serve: the front end on host 1, shards on 2-4

corpus "$TMP/even" 11 90 40 40 3
# queries of the corpus's words: words, phrases, boolean, prefixes; each at k = 10 and 1000
set -- $(tr -d '.' <"$TMP/even/a0.txt" | tr ' ' '\n' | grep . | head -n 8)
W1=$1 W2=$2 W3=$3 W4=$4 W5=$5 W6=$6 P1=$(echo "$7" | cut -c1-4) P2=$(echo "$8" | cut -c1-2)
: >"$TMP/q.tsv"
n=0
for q in "$W1" "$W2 $W3 $W4" "\"$W1 $W2\"" "\"$W3 $W5\"~3" "+$W1 +$W2" "$W1 AND NOT $W3" "($W2 OR $W4) -$W5" \
    "$P1*" "$P2* $W6" "+$P1* \"$W2 $W3\"" "$W1 $W1 $P2*" 'nothing_here'; do
    for k in 10 1000; do n=$((n + 1)); printf 'q%d\t%d\t%s\n' $n $k "$q" >>"$TMP/q.tsv"; done
done

# same_as_one CORPUS SHARDS: one index and the sharded run agree bit for bit
same_as_one() {
    "$SEARCH" index --corpus "$1" --index "$TMP/one" --full --quiet
    "$RUN_HEX" "$TMP/one" <"$TMP/q.tsv" >"$TMP/want"
    run_mpi 120 "$TMP/serve4" 4 "$SEARCH" serve --mpi --index "$2" --hex <"$TMP/q.tsv" >"$TMP/got" 2>"$TMP/serve.err"
    ok "  served ($(tail -n 3 "$TMP/serve.err" | tr '\n' ' '))" test $? -eq 0
    ok "  the same $(wc -l <"$TMP/want") hits, bit for bit" cmp -s "$TMP/want" "$TMP/got"
    ok "  past rank 10 too (k = 1000)" grep -q '^q[0-9]* 11 0x' "$TMP/got"
    COMPARED=$((COMPARED + $(wc -l <"$TMP/want")))
}
COMPARED=0

# ---- an even split: a corpus of 90 articles ----
run_mpi 120 "$TMP/build3" 3 "$SEARCH" index --mpi --corpus "$TMP/even" --index "$TMP/s-even" --quiet >"$TMP/out" 2>&1
ok "search index --mpi builds 3 shards on 3 hosts ($(tail -n 2 "$TMP/out" | tr '\n' ' '))" test $? -eq 0
for i in 0 1 2; do ok "  shard $i is recorded as such" grep -q "shard $i of 3" "$TMP/s-even/shard-$i/SHARD"; done
same_as_one "$TMP/even" "$TMP/s-even"

# ---- an uneven split: shard 0 gets nearly everything ----
mkdir -p "$TMP/uneven"
python3 -c 'import sys
def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode(): h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h
n = 0
for i in range(100000):
    name = "u%d.txt" % i
    if fnv(name) % 3 == 0 or i % 10 == 0:
        print(name); n += 1
    if n == 80: break' >"$TMP/names"
corpus "$TMP/gen" 11 80 40 40 3
i=0; while read -r name; do mv "$TMP/gen/a$i.txt" "$TMP/uneven/$name"; i=$((i + 1)); done <"$TMP/names"
run_mpi 120 "$TMP/build3" 3 "$SEARCH" index --mpi --corpus "$TMP/uneven" --index "$TMP/s-uneven" --quiet >"$TMP/out" 2>&1
ok "the uneven shards build" test $? -eq 0
p0=$("$SEARCH" check --index "$TMP/s-uneven/shard-0" 2>&1 | sed -nE 's/.* ([0-9]+) passages.*/\1/p')
p1=$("$SEARCH" check --index "$TMP/s-uneven/shard-1" 2>&1 | sed -nE 's/.* ([0-9]+) passages.*/\1/p')
ok "  as unevenly as meant ($p0 passages against $p1)" test "${p0:-0}" -gt $((4 * ${p1:-1}))
same_as_one "$TMP/uneven" "$TMP/s-uneven"

# ---- updates: served on all shards or none ----
mkfifo "$TMP/in"
run_mpi 200 "$TMP/serve4" 4 "$SEARCH" serve --mpi --index "$TMP/s-even" --hex <"$TMP/in" >"$TMP/live" 2>"$TMP/live.err" &
MPI_PID=$!
exec 3>"$TMP/in"
# ask QUERY-LINES: send them, wait for their answers (the live output grows)
asked=0
ask() {
    printf '%s\n' "$1" >&3
    asked=$((asked + 1))
    for _ in $(seq 300); do [ "$(grep -c "^u$asked " "$TMP/live")" -ge "$2" ] && return 0; sleep 0.1; done
    return 1
}
ok "the served shards answer" ask "u1	1000	zuzu OR $W1" 1
# an edit to an article of each shard
for f in a0 a1 a2 a3 a4 a5; do echo "zuzu zuzu here." >>"$TMP/even/$f.txt"; done
"$SEARCH" index --corpus "$TMP/even" --index "$TMP/one-new" --quiet
printf 'u0\t1000\tzuzu OR %s\n' "$W1" | "$RUN_HEX" "$TMP/one-new" >"$TMP/want-new"
# shard 1's build cannot take its lock: the update fails there
exec 4>>"$TMP/s-even/shard-1/LOCK"
flock -n 4
# --full: equal scores then rank as a fresh build numbers them, which is
# what one index of the new corpus, built afresh, is compared by (an
# incremental update numbers the changed articles last, on one index too)
run_mpi 120 "$TMP/build3" 3 "$SEARCH" index --mpi --full --corpus "$TMP/even" --index "$TMP/s-even" --quiet >"$TMP/out" 2>&1
ok "an update that fails on one shard fails" test $? -ne 0
ok "  saying which" grep -q 'shard 1: another index build is running' "$TMP/out"
exec 4>&- # the lock is released
ok "  no shard took a new epoch" test "$(cat "$TMP/s-even/shard-0/EPOCH" "$TMP/s-even/shard-2/EPOCH" | sort -u)" = 1
ok "the server answers after it" ask "u2	1000	zuzu OR $W1" 1
ok "  from none of the new commits: as before" sh -c "sed -n 's/^u1 //p' '$TMP/live' >'$TMP/a1'; sed -n 's/^u2 //p' '$TMP/live' >'$TMP/a2'; cmp -s '$TMP/a1' '$TMP/a2'"
ok "  the new word found nowhere yet" test "$(grep -c '^u2 ' "$TMP/live")" -eq "$(grep -c '^u1 ' "$TMP/live")"
ok "  and found once the update is served (more hits)" test "$(grep -c '^u0 ' "$TMP/want-new")" -gt "$(grep -c '^u1 ' "$TMP/live")"
run_mpi 120 "$TMP/build3" 3 "$SEARCH" index --mpi --full --corpus "$TMP/even" --index "$TMP/s-even" --quiet >"$TMP/out" 2>&1
ok "the update run again succeeds on every shard" test $? -eq 0
ok "  epoch 2 on every shard" test "$(cat "$TMP/s-even"/shard-*/EPOCH | sort -u)" = 2
ok "the server answers from all new shards" ask "u3	1000	zuzu OR $W1" 1
sed -n 's/^u3 //p' "$TMP/live" >"$TMP/a3"; sed 's/^u0 //' "$TMP/want-new" >"$TMP/w3"
ok "  as one index of the new corpus, bit for bit" cmp -s "$TMP/a3" "$TMP/w3"
COMPARED=$((COMPARED + $(wc -l <"$TMP/w3")))
exec 3>&-
wait "$MPI_PID"
ok "the server ends at the end of its input" test $? -eq 0
echo "  $COMPARED hits compared bit for bit"
summary test_mpi
