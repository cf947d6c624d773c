#!/bin/sh
# test_mpi_http.sh: search serve --mpi --listen, two replicas on disjoint
# "hosts" (network namespaces, tests/mpi/netns.sh): replica A is the front
# end on host 1 and 2 shards on hosts 2-3, replica B the same on hosts
# 4-6. Their /search answers equal a single-node search serve's over one
# index of the same corpus (hits, scores, texts: everything but took_ms and
# generation), for words, phrases, boolean queries and prefixes at k = 10
# and 1000, and paged; /articles, /health and /stats answer from the
# shards. Then a shard rank of A is killed (Open MPI ends job A): search
# --server A,B answers as before from B, printing nothing of A; with B
# gone too, one line and exit 2. Root only; every namespace made is
# removed, whatever happens.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh
. tests/mpi/netns.sh
BUILD=${BUILD:-build}

if [ "$(id -u)" != 0 ]; then skip "not root: network namespaces need root"; summary test_mpi_http; exit 0; fi
if ! command -v mpirun >/dev/null || [ ! -x "$R/$BUILD/search-mpi" ] || ! command -v curl >/dev/null; then
    skip "no mpirun, curl or $BUILD/search-mpi"; summary test_mpi_http; exit 0
fi
trap 'netns_down; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
ok "6 hosts on a bridge" netns_up 6
hostfile "$TMP/build" 2 3
hostfile "$TMP/A" 1 3
hostfile "$TMP/B" 4 6
A=http://10.$NET.1:8080 B=http://10.$NET.4:8080 ONE=http://127.0.0.1:8090
# in1 COMMAND...: run on host 1 (the client's host; its loopback has the single-node server)
in1() { ip netns exec "$NS-h1" "$@"; }

corpus "$TMP/c" 7 40 40 40 3
run_mpi 120 "$TMP/build" 2 "$SEARCH" index --mpi --corpus "$TMP/c" --index "$TMP/s" --quiet >"$TMP/out" 2>&1
ok "2 shards built on hosts 2-3 ($(tail -n 2 "$TMP/out" | tr '\n' ' '))" test $? -eq 0
"$SEARCH" index --corpus "$TMP/c" --index "$TMP/one" --full --quiet

run_mpi 300 "$TMP/A" 3 "$SEARCH" serve --mpi --index "$TMP/s" --listen "10.$NET.1:8080" --batch 8 \
    >"$TMP/A.out" 2>"$TMP/A.err" &
MPI_HOST=4 run_mpi 300 "$TMP/B" 3 "$SEARCH" serve --mpi --index "$TMP/s" --listen "10.$NET.4:8080" \
    >"$TMP/B.out" 2>"$TMP/B.err" &
B_PID=$!
in1 "$SEARCH" serve --index "$TMP/one" --listen 127.0.0.1:8090 --quiet >/dev/null 2>&1 &
# up URL: /health answers within 60 s
up() { for _ in $(seq 600); do in1 curl -sf -o /dev/null "$1/health" && return 0; sleep 0.1; done; return 1; }
ok "replica A serves HTTP" up "$A"
ok "replica B serves HTTP" up "$B"
ok "the single-node server is up" up "$ONE"

set -- $(tr -d '.' <"$TMP/c/a0.txt" | tr ' ' '\n' | grep . | head -n 8)
W1=$1 W2=$2 W3=$3 W4=$4 W5=$5 W6=$6 P1=$(echo "$7" | cut -c1-4) P2=$(echo "$8" | cut -c1-2)
# body URL QUERY K [MORE]: /search's answer without took_ms and generation
body() { in1 curl -s -G "$1/search" --data-urlencode "q=$2" -d "k=$3" ${4:+-d "$4"} | jq -cS 'del(.took_ms, .generation)'; }
same=0 n=0 hits=0
for q in "$W1" "$W2 $W3 $W4" "\"$W1 $W2\"" "\"$W3 $W5\"~3" "+$W1 +$W2" "$W1 AND NOT $W3" "($W2 OR $W4) -$W5" \
    "$P1*" "$P2* $W6" "+$P1* \"$W2 $W3\"" 'nothing_here'; do
    for k in 10 1000; do
        for r in "$A" "$B"; do
            n=$((n + 1))
            body "$ONE" "$q" $k >"$TMP/want"; body "$r" "$q" $k >"$TMP/got"
            if [ -s "$TMP/want" ] && cmp -s "$TMP/want" "$TMP/got"; then same=$((same + 1)); else echo "  differs: $r k=$k $q"; fi
            h=$(jq '.hits | length' "$TMP/got" 2>/dev/null); hits=$((hits + ${h:-0}))
        done
    done
done
ok "/search of both replicas equals one index's: $same of $n answers, $hits hits" test "$same" -eq "$n"
ok "  k = 1000 answered past rank 10" test "$(body "$A" "$P1*" 1000 | jq '.hits | length')" -gt 10
body "$ONE" "$P2*" 5 offset=7 >"$TMP/want"; body "$A" "$P2*" 5 offset=7 >"$TMP/got"
ok "  paged (offset 7): the same ranks 8-12 ($(jq -c "[.hits[].rank]" "$TMP/got"))" sh -c "cmp -s '$TMP/want' '$TMP/got' && [ \"\$(jq -c '[.hits[].rank]' '$TMP/got')\" = '[8,9,10,11,12]' ]"
body "$ONE" "$W1" 3 algorithm=exhaustive >"$TMP/want"; body "$A" "$W1" 3 algorithm=exhaustive >"$TMP/got"
ok "  algorithm=exhaustive: the same" cmp -s "$TMP/want" "$TMP/got"
in1 curl -s "$A/search?q=$W1" | jq -e '.generation == "epoch-1" and .took_ms >= 0' >/dev/null
ok "  the generation is the epoch" test $? -eq 0
code=$(in1 curl -s -o "$TMP/body" -w '%{http_code}' "$A/search?q=$W1&per_article=2")
ok "  per_article: 400, said why" sh -c "[ $code = 400 ] && jq -e '.error.message | test(\"per_article.*sharded\")' '$TMP/body' >/dev/null"
ok "  k + offset past --max-k: 400, as single-node" test "$(in1 curl -s -o /dev/null -w '%{http_code}' "$A/search?q=$W1&k=900&offset=200")" = 400
ok "  an unknown algorithm: 400" test "$(in1 curl -s -o /dev/null -w '%{http_code}' "$A/search?q=$W1&algorithm=quantum")" = 400
for id in a0.txt a1.txt a2.txt a3.txt; do
    in1 curl -s "$ONE/articles/$id" | jq -cS 'del(.generation)' >"$TMP/want"
    in1 curl -s "$A/articles/$id" | jq -cS 'del(.generation)' >"$TMP/got"
    ok "/articles/$id from the shard holding it, as one index's" sh -c "[ -s '$TMP/want' ] && cmp -s '$TMP/want' '$TMP/got'"
done
ok "/articles of an unknown id: 404" test "$(in1 curl -s -o /dev/null -w '%{http_code}' "$A/articles/nope")" = 404
in1 curl -s "$ONE/stats" >"$TMP/one.stats"; in1 curl -s "$A/stats" >"$TMP/a.stats"
ok "/stats: the shards' counts summed" sh -c "[ \"\$(jq -c '[.passages, .articles]' '$TMP/one.stats')\" = \"\$(jq -c '[.passages, .articles]' '$TMP/a.stats')\" ] && jq -e '.generation == \"epoch-1\" and .queries > 0' '$TMP/a.stats' >/dev/null"
ok "/health: ok, the epoch" sh -c "in1() { ip netns exec '$NS-h1' \"\$@\"; }; in1 curl -s '$A/health' | jq -e '.status == \"ok\" and .generation == \"epoch-1\"' >/dev/null"
ok "the page at /" test "$(in1 curl -s -o /dev/null -w '%{http_code}' "$A/")" = 200

# ---- failover: a shard of A killed ----
Q="$P1* \"$W2 $W3\""
in1 "$SEARCH" --server "$A,$B" --timeout 3000 --json -k 1000 "$Q" >"$TMP/before" 2>"$TMP/err"
ok "the client answers from A" sh -c "[ -s '$TMP/before' ] && [ ! -s '$TMP/err' ]"
for p in $(ip netns pids "$NS-h3"); do [ "$(cat /proc/"$p"/comm 2>/dev/null)" = search-mpi ] && kill -9 "$p"; done
for _ in $(seq 100); do in1 curl -s -m 1 -o /dev/null "$A/health" || break; sleep 0.1; done
ok "a shard of A killed: job A ends" sh -c "! ip netns exec '$NS-h1' curl -s -m 2 -o /dev/null '$A/health'"
t0=$(date +%s)
in1 "$SEARCH" --server "$A,$B" --timeout 3000 --json -k 1000 "$Q" >"$TMP/after" 2>"$TMP/err"
rc=$?
ok "  the client answers from B (exit $rc) within the timeout" sh -c "[ $rc -eq 0 ] && [ $(($(date +%s) - t0)) -le 4 ]"
jq -cS '.hits' "$TMP/before" >"$TMP/a"; jq -cS '.hits' "$TMP/after" >"$TMP/b"
ok "  the same hits as before" sh -c "[ -s '$TMP/a' ] && cmp -s '$TMP/a' '$TMP/b'"
ok "  one answer printed, nothing of A" test "$(wc -l <"$TMP/after")" -eq 1
ok "  saying A was passed over" grep -q "warning: $A" "$TMP/err"
kill "$B_PID" 2>/dev/null
for p in $(ip netns pids "$NS-h5"); do [ "$(cat /proc/"$p"/comm 2>/dev/null)" = search-mpi ] && kill -9 "$p"; done
for _ in $(seq 100); do in1 curl -s -m 1 -o /dev/null "$B/health" || break; sleep 0.1; done
in1 "$SEARCH" --server "$A,$B" --timeout 2000 --json "$Q" >"$TMP/out" 2>"$TMP/err"
ok "both replicas down: exit 2" test $? -eq 2
ok "  one line, nothing on stdout ($(cat "$TMP/err"))" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q '^search: no server answered' '$TMP/err' && [ ! -s '$TMP/out' ]"
echo "  $hits hits compared in $n answers"
summary test_mpi_http
