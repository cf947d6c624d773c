#!/bin/sh
# test_serve.sh: `search serve` on loopback: every endpoint's JSON, each
# error with its status, the limits, the page and its files, and live
# updates: while the corpus is reindexed in a loop, a client checks that
# every answer comes from the one generation it names, and each new one is
# served within a second of its publication.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh
command -v curl >/dev/null || { skip "curl is not installed"; summary test_serve; exit; }

mkdir -p "$TMP/corpus"
cp corpus/*.txt "$TMP/corpus/"
printf 'Marker article.\n\nThe marker word of this round is zq0.\n' >"$TMP/corpus/marker.txt"
"$SEARCH" index --corpus "$TMP/corpus" --index "$TMP/idx" --quiet

PID=
trap 'serve_stop; rm -rf "$TMP"' EXIT
# get PATH: the body to $TMP/body, the status printed
get() { curl -s -o "$TMP/body" -w '%{http_code}' "$URL$1"; }
json() { jq -e "$1" "$TMP/body" >/dev/null 2>&1; }

serve_start "$TMP/idx" --threads 2 --max-query 8000
ok "serve prints where it listens" test -n "$URL"

ok "GET /search: 200" test "$(get '/search?q=suicidal+ideation&k=3')" = 200
ok "... the envelope: schema, query, generation, took_ms" json '.schema == 1 and .query == "suicidal ideation" and (.generation | startswith("gen-")) and .took_ms >= 0'
"$SEARCH" --index "$TMP/idx" --json -k 3 "suicidal ideation" >"$TMP/cli.jsonl"
jq -c '.hits[] | [.id, .score, .text, .start, .end, .highlights]' "$TMP/body" >"$TMP/a"
jq -c 'select(.type == "hit") | [.id, .score, .text, .start, .end, .highlights]' "$TMP/cli.jsonl" >"$TMP/b"
ok "... the same hits as search --json" cmp -s "$TMP/a" "$TMP/b"
ok "... highlights in characters too" json '.hits[0].highlight_chars | length > 0'
get '/search?q=ketamine&k=2&offset=2' >/dev/null
ok "... paging: offset 2 gives ranks 3 and 4" json '[.hits[].rank] == [3, 4]'
get '/search?q=ketamine&k=2&per_article=2' >/dev/null
ok "... per_article: article hits with their passages" json '[.hits[] | select(.article_hit == 1)] | length == 2'
get '/search?q=ketamine&k=1&explain=1' >/dev/null
ok "... explain: the parts of the score" json '.hits[0].explain.parts | length > 0'
get '/search?q=ketamine&k=1&algorithm=exhaustive' >/dev/null
ok "... algorithm=exhaustive: the same top hit" json '.hits[0].article != null'

ok "GET /articles/ID: 200" test "$(get /articles/ketamine-treatment-depression.txt)" = 200
ok "... its passages in order, the text as indexed" json '(.passages | length > 3) and ([.passages[].passage] == [range(1; (.passages | length) + 1)]) and .title == "Ketamine treatment depression"'
ok "GET /health: 200, ok" test "$(get /health)" = 200
ok "... status ok" json '.status == "ok"'
ok "GET /stats: 200" test "$(get /stats)" = 200
ok "... counts the queries served, latency percentiles" json '.queries >= 5 and .latency_ms.p99 >= .latency_ms.p50 and .articles == 5'

ok "GET /: the page" test "$(get /)" = 200
ok "... HTML that loads only its own script and style" grep -q '<script src="/app.js"' "$TMP/body"
curl -s -D "$TMP/headers" -o /dev/null "$URL/"
ok "... under a policy that forbids anything from elsewhere" grep -qi "content-security-policy: default-src 'self'" "$TMP/headers"
ok "GET /app.js" test "$(get /app.js)" = 200
ok "GET /app.css" test "$(get /app.css)" = 200

ok "a missing q: 400" test "$(get /search)" = 400
ok "... a JSON error with its status" json '.error.status == 400 and (.error.message | length > 0)'
ok "k=0: 400" test "$(get '/search?q=a&k=0')" = 400
ok "k=abc: 400" test "$(get '/search?q=a&k=abc')" = 400
ok "k + offset past --max-k: 400" test "$(get '/search?q=a&k=600&offset=600')" = 400
ok "explain=maybe: 400" test "$(get '/search?q=a&explain=maybe')" = 400
ok "an unknown algorithm: 400" test "$(get '/search?q=a&algorithm=quantum')" = 400
ok "a query the engine refuses (over 1024 terms): 400" test "$(get "/search?q=$(printf 'w%d+' $(seq 1100))")" = 400
long=$(head -c 9000 /dev/zero | tr '\0' 'a')
ok "a query over --max-query bytes: 413" test "$(get "/search?q=$long")" = 413
ok "an unknown article: 404" test "$(get /articles/no-such-article)" = 404
ok "an unknown path: 404" test "$(get /etc/passwd)" = 404
ok "... and no file outside the index is served (dot segments sent as they are)" \
    test "$(curl -s --path-as-is -o "$TMP/body" -w '%{http_code}' "$URL/../../etc/passwd")" = 404
ok "a POST with a body: 405" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d 'q=a' "$URL/search")" = 405
big=$(head -c 100000 /dev/zero | tr '\0' 'b')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$URL/health")
ok "headers past the memory limit: refused, not served ($code)" test "$code" -ge 400
ok "bad UTF-8 in q: an answer, not a crash" test "$(get '/search?q=%ff%fe')" = 200
ok "the server is still up" test "$(get /health)" = 200

# overload: one request at a time; many at once get 200 or 503, never
# anything else, and /stats counts the 503s
serve_stop; serve_start "$TMP/idx" --threads 2 --queue 1
pids=
for i in $(seq 40); do
    curl -s -o /dev/null -w '%{http_code}\n' "$URL/search?q=ketamine+therapy+depression&k=50" >>"$TMP/codes" &
    pids="$pids $!"
done
wait $pids # not the server's
ok "--queue 1: every answer 200 or 503" test -z "$(grep -v '^200$' "$TMP/codes" | grep -v '^503$')"
n503=$(grep -c '^503$' "$TMP/codes")
get /stats >/dev/null
ok "... /stats counts the $n503 rejected" json ".rejected == $n503"

# live updates: reindex in a loop; each answer names its generation and
# holds that generation's marker; a new generation is served within 1 s
serve_stop; serve_start "$TMP/idx" --threads 2
: >"$TMP/seen"
( while [ ! -e "$TMP/done" ]; do
      curl -s "$URL/search?q=marker&k=1" | jq -r '[.generation, (.hits[0].text | capture("zq(?<n>[0-9]+)").n)] | @tsv' >>"$TMP/seen"
  done ) &
CLIENT=$!
late=0
for round in 1 2 3 4 5 6; do
    printf 'Marker article.\n\nThe marker word of this round is zq%d.\n' "$round" >"$TMP/corpus/marker.txt"
    "$SEARCH" index --corpus "$TMP/corpus" --index "$TMP/idx" --quiet
    gen=$(cat "$TMP/idx/CURRENT")
    t0=$(date +%s%N)
    until [ "$(curl -s "$URL/health" | jq -r .generation)" = "$gen" ]; do
        [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 1000 ] && { late=$((late + 1)); break; }
        sleep 0.02
    done
    echo "$gen zq$round" >>"$TMP/published"
done
touch "$TMP/done"; wait "$CLIENT"
ok "each new generation was served within a second of its publication" test "$late" -eq 0
ok "the client saw several generations" test "$(cut -f1 "$TMP/seen" | sort -u | wc -l)" -ge 3
bad=$(sort -u "$TMP/seen" | awk -F'\t' '{ print $1 }' | uniq -d | wc -l)
ok "every answer's marker is its generation's (one marker per generation)" test "$bad" -eq 0
ok "... and markers rise with generations" sh -c "sort -u '$TMP/seen' | sort -k1,1 | awk -F'\t' 'prev > \$2 + 0 { exit 1 } { prev = \$2 + 0 }'"
ok "the old generations' directories are gone, their queries done" test "$(ls -d "$TMP"/idx/gen-* | wc -l)" -eq 1

serve_stop
ok "SIGTERM stops the server cleanly (exit 0)" test "$STOPPED" = 0
expect_exit 2 "serve on a missing index: exit 2" "$SEARCH" serve --index "$TMP/none" --listen 127.0.0.1:0
ok "... one line" one_line_error
expect_exit 2 "--listen on a bad address" "$SEARCH" serve --index "$TMP/idx" --listen 999.1.1.1:80
expect_exit 2 "an unknown option" "$SEARCH" serve --bogus
expect_exit 0 "serve --help" "$SEARCH" serve --help
summary test_serve
