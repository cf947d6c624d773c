# tests/lib.sh: helpers for the shell (end-to-end) tests.
# Each test file sources this, calls ok/expect_* and ends with `summary NAME`.
PASS=0; FAIL=0; SKIP=0
SEARCH=${SEARCH:-$(pwd)/build/search}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { # ok "description" command...
    desc=$1; shift
    if "$@"; then PASS=$((PASS + 1)); else FAIL=$((FAIL + 1)); echo "  FAIL: $desc"; fi
}
# expect_exit CODE "description" command...: runs the command, checks its status
expect_exit() {
    want=$1; desc=$2; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"; got=$?
    if [ "$got" -eq "$want" ]; then PASS=$((PASS + 1));
    else FAIL=$((FAIL + 1)); echo "  FAIL: $desc (exit $got, expected $want)"; head -c 600 "$TMP/err"; fi
}
# one_line_error: stderr is exactly one line starting with "search: "
one_line_error() { [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q '^search: ' "$TMP/err"; }
# skip "why": a check that cannot run here, counted and shown, never silent
skip() { SKIP=$((SKIP + 1)); echo "  skipped: $1"; }
summary() {
    if [ "$SKIP" -gt 0 ]; then echo "$1: $PASS passed, $FAIL failed, $SKIP skipped"; else echo "$1: $PASS passed, $FAIL failed"; fi
    [ "$FAIL" -eq 0 ]
}
# corpus DIR SEED FILES [PARAGRAPHS WORDS PER_FILE]: FILES articles of
# made-up words, each PER_FILE (2) of PARAGRAPHS (48) paragraphs of WORDS
# (50) words; another SEED gives other paragraphs, so other answers to the
# same queries.
corpus() {
    mkdir -p "$1"
    awk -v dir="$1" -v seed="$2" -v n="$3" -v np="${4:-48}" -v nw="${5:-50}" -v per="${6:-2}" 'BEGIN {
        srand(seed)
        split("ka lo mi ne ru sa ti vo ze pa qu ri", syl, " ")
        for (p = 0; p < np; p++) {
            line = ""
            for (w = 0; w < nw; w++)
                line = line (w ? " " : "") syl[int(rand() * 12) + 1] syl[int(rand() * 12) + 1] \
                       syl[int(rand() * 12) + 1] (w % 15 == 14 ? "." : "")
            para[p] = line
        }
        for (i = 0; i < n; i++) {
            f = dir "/a" i ".txt"
            for (p = 0; p < per; p++) print para[(i * 7 + p * 13) % np] "\n" > f
            close(f)
        } }'
}
# json_hits FILE: the hit lines of `search --json` output (its begin, end
# and summary lines left out)
json_hits() { jq -c 'select(.type == "hit")' "$1"; }
# search_hits ARGS...: `search --json ARGS`, only its hit lines on stdout;
# its exit status
search_hits() {
    "$SEARCH" --json "$@" >"$TMP/json.all"; rc_=$?
    json_hits "$TMP/json.all"
    return $rc_
}
# serve_start INDEX [options]: `search serve` on a free port of loopback, in
# the background: $PID, and $URL once it listens (empty if it never did).
# serve_stop: SIGTERM; $STOPPED is its exit status (empty: none was running).
serve_start() {
    ix=$1; shift
    "$SEARCH" serve --index "$ix" --listen 127.0.0.1:0 "$@" >"$TMP/serve.out" 2>"$TMP/serve.err" &
    PID=$!
    for _ in $(seq 50); do grep -q http "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
    URL=$(sed -nE 's|.*(http://[0-9.:]+)/.*|\1|p' "$TMP/serve.out")
}
serve_stop() { STOPPED=; [ -n "$PID" ] && kill "$PID" 2>/dev/null && { wait "$PID"; STOPPED=$?; }; PID=; }
