#!/bin/sh
# test_client.sh: `search --server`, the client of search serve replicas.
# A fake server (python3) sends bad replies one by one: cut short, longer
# than said, oversized, without Content-Length, a wrong status, garbage,
# the wrong JSON, JSON and a NUL, nothing within the timeout; each is
# passed over for the real server behind it, and none prints any of
# itself. Then failover between two real `search serve` processes on
# loopback, one killed; and both gone: one line, exit 2.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh
command -v python3 >/dev/null || { skip "python3 is not installed"; summary test_client; exit; }

"$SEARCH" index --corpus corpus --index "$TMP/idx" --quiet
PID= FAKE=
trap 'serve_stop; [ -n "$FAKE" ] && kill "$FAKE" 2>/dev/null; rm -rf "$TMP"' EXIT

# the fake: each connection gets the reply named in $TMP/mode
cat >"$TMP/fake.py" <<'PY'
import socket, sys, time
mode_file = sys.argv[1]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
good = b'{"schema":1,"query":"x","generation":"g","k":10,"offset":0,"hits":[{"rank":1,"score":9.5,"id":"FAKE#1","article":"FAKE","passage":1,"path":"FAKE","title":"FAKE","start":0,"end":4,"text":"FAKE"}],"notes":""}'
while True:
    c, _ = s.accept()
    c.settimeout(5)
    try:
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d: break
            req += d
        m = open(mode_file).read().strip()
        head = lambda st, n: ("HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (st, n)).encode()
        if m == "short":      c.sendall(head("200 OK", len(good) + 10) + good)
        elif m == "long":     c.sendall(head("200 OK", len(good) - 5) + good)
        elif m == "huge":     c.sendall(head("200 OK", 1 << 40) + good)
        elif m == "nolength": c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + good)
        elif m == "chunked":  c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc")
        elif m == "status503": c.sendall(head("503 Service Unavailable", 2) + b"{}")
        elif m == "status302": c.sendall(head("302 Found", 2) + b"{}")
        elif m == "garbage":  c.sendall(b"\x00\xffGARBAGE\r\n\r\n" * 3)
        elif m == "badjson":  c.sendall(head("200 OK", len(good) - 1) + good[:-1])
        elif m == "nulpad":   c.sendall(head("200 OK", len(good) + 1) + good + b"\0")
        elif m == "wrongshape": c.sendall(head("200 OK", 13) + b'{"schema":1} ')
        elif m == "bighead":  c.sendall(b"HTTP/1.1 200 OK\r\n" + b"X: " + b"a" * 40000 + b"\r\n\r\n")
        elif m == "slow":     time.sleep(3)
        elif m == "good":     c.sendall(head("200 OK", len(good)) + good)
        elif m == "refuse400": c.sendall(head("400 Bad Request", 62) + b'{"schema":1,"error":{"status":400,"message":"bad query here"}}')
    except Exception:
        pass
    c.close()
PY
echo good >"$TMP/mode"
python3 "$TMP/fake.py" "$TMP/mode" >"$TMP/fake.port" &
FAKE=$!
for _ in $(seq 50); do [ -s "$TMP/fake.port" ] && break; sleep 0.1; done
F=http://127.0.0.1:$(cat "$TMP/fake.port")
serve_start "$TMP/idx" --threads 2
ok "a real server to fail over to" test -n "$URL"

"$SEARCH" --server "$F" -k 10 ketamine >"$TMP/o" 2>"$TMP/e"
ok "the fake's good answer is printed" grep -q 'FAKE' "$TMP/o"
"$SEARCH" --index "$TMP/idx" --json -k 10 ketamine | jq -c 'select(.type == "hit") | [.id, .score, .start]' >"$TMP/want"
"$SEARCH" --server "$URL" --json -k 10 ketamine >"$TMP/o"
jq -c '.hits[] | [.id, .score, .start]' "$TMP/o" >"$TMP/got"
ok "a real server's answer: search --json's hits" cmp -s "$TMP/want" "$TMP/got"
ok "... with --json, one JSON answer" test "$(wc -l <"$TMP/o")" -eq 1

for m in short long huge nolength chunked status503 status302 garbage badjson nulpad wrongshape bighead slow; do
    echo "$m" >"$TMP/mode"
    "$SEARCH" --server "$F,$URL" --timeout 1500 --json ketamine >"$TMP/o" 2>"$TMP/err"
    rc=$?
    jq -c '.hits[] | [.id, .score, .start]' "$TMP/o" >"$TMP/got" 2>/dev/null
    ok "$m: passed over, the next server answers" sh -c "[ $rc -eq 0 ] && cmp -s '$TMP/want' '$TMP/got'"
    ok "$m: nothing of it printed" sh -c "! grep -q FAKE '$TMP/o'"
    ok "$m: a warning line says why ($(cat "$TMP/err"))" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q '^search: warning: $F' '$TMP/err'"
    expect_exit 2 "$m alone: exit 2" "$SEARCH" --server "$F" --timeout 1500 ketamine
    ok "$m alone: one line, nothing on stdout" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q '^search: no server answered' '$TMP/err' && [ ! -s '$TMP/out' ]"
done
t0=$(date +%s)
echo slow >"$TMP/mode"
"$SEARCH" --server "$F" --timeout 1000 ketamine 2>/dev/null
ok "the timeout holds (1 s asked)" test $(($(date +%s) - t0)) -le 2
echo refuse400 >"$TMP/mode"
expect_exit 2 "a 4xx is the query's fault: no failover, exit 2" "$SEARCH" --server "$F,$URL" ketamine
ok "... its message said in one line" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q 'HTTP 400: bad query here' '$TMP/err' && [ ! -s '$TMP/out' ]"

expect_exit 2 "a URL that is not http://HOST:PORT" "$SEARCH" --server ftp://x:1 ketamine
ok "... one line" one_line_error
expect_exit 2 "an option that does not apply" "$SEARCH" --server "$URL" --per-article 2 ketamine
ok "... one line" one_line_error
expect_exit 2 "no query" "$SEARCH" --server "$URL"
ok "... one line" one_line_error

# failover between two real servers: the first killed
A_URL=$URL A_PID=$PID
serve_start "$TMP/idx" --threads 2
B_URL=$URL
"$SEARCH" --server "$A_URL,$B_URL" --json -k 1000 'ket* "mental health"' >"$TMP/before"
kill "$A_PID"; wait "$A_PID" 2>/dev/null
"$SEARCH" --server "$A_URL,$B_URL" --json -k 1000 'ket* "mental health"' >"$TMP/after" 2>"$TMP/err"
ok "A killed: B answers" test $? -eq 0
jq -c '.hits' "$TMP/before" >"$TMP/a"; jq -c '.hits' "$TMP/after" >"$TMP/b"
ok "... the same hits as before" sh -c "[ -s '$TMP/a' ] && cmp -s '$TMP/a' '$TMP/b'"
ok "... saying A was passed over" grep -q "warning: $A_URL" "$TMP/err"
serve_stop
expect_exit 2 "both down: exit 2" "$SEARCH" --server "$A_URL,$B_URL" ketamine
ok "... one line naming both, nothing on stdout" sh -c "[ \$(wc -l <'$TMP/err') -eq 1 ] && grep -q '$A_URL.*$B_URL' '$TMP/err' && [ ! -s '$TMP/out' ]"
summary test_client
