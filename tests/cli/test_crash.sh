#!/bin/sh
# test_crash.sh: a reindex interrupted at any point leaves the previous index
# intact and searchable, and the next run cleans up. Interrupted four ways:
# 1. SIGKILL at pseudo-random moments spread over a whole build;
# 2. SIGKILL just before each of its writes, syncs and renames, and each of
#    them failing with ENOSPC or EIO, in turn (the LD_PRELOAD shim
#    tests/tools/faultio.c, whose log also shows that everything is synced
#    before the commit: tests/tools/unsynced.awk);
# 3. a real full disk (a small tmpfs, when root);
# 4. searches and checks running while builds publish.
# Only what FORMAT.md ("Directory") makes stable is assumed: CURRENT (the
# commit is a rename over it), and leftovers named *.tmp*. How a generation
# is laid out is not, so the checks are `search check`, the answers to a
# fixed set of queries, and the absence of *.tmp* entries.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh
FAULTIO=$R/${BUILD:-build}/tests/tools/faultio.so

corpus "$TMP/A" 1 2000
corpus "$TMP/B" 2 2000
corpus "$TMP/S" 3 150 # small ones, for the many runs of part 2
corpus "$TMP/T" 4 150

printf '1\tkalomi\n2\trusati vozepa\n3\tqurika\n4\ttisane zeri\n' >"$TMP/q.tsv"
answer_json() { "$SEARCH" --index "$1" --json -k 5 "kalomi rusati" 2>&1 || echo "exit $?"; }
answer_run() { "$SEARCH" --index "$1" --queries "$TMP/q.tsv" -k 5 2>&1 || echo "exit $?"; }
snapshot() { answer_json "$1"; answer_run "$1"; } # the answers an index state gives
tmps() { (cd "$1" && ls -d ./*.tmp* 2>/dev/null); }
reindex() { "$SEARCH" index --corpus "$TMP/$1" --index "$2" --quiet; }
checks() { "$SEARCH" check --index "$1" >/dev/null 2>&1; }
now_ms() { date +%s%3N; }

# ---- the states to compare with ----
IDX=$TMP/idx
longest=0 # of the builds of A and B, in ms
for c in A B S T; do
    t0=$(now_ms)
    expect_exit 0 "build of corpus $c" reindex $c "$IDX"
    t=$(($(now_ms) - t0))
    if [ $c = A ] || [ $c = B ]; then [ $t -le $longest ] || longest=$t; fi
    snapshot "$IDX" >"$TMP/snap.$c"
    answer_json "$IDX" >"$TMP/json.$c"
    answer_run "$IDX" >"$TMP/run.$c"
done
ok "every snapshot has hits" test "$(cat "$TMP"/json.? | grep -c '"rank":1,')" -eq 4 \
    -a "$(cat "$TMP"/run.? | grep -c ' Q0 .* 1 ')" -eq 16
ok "the four corpora answer differently" test "$(cksum "$TMP"/snap.? | cut -d' ' -f1 | sort -u | wc -l)" -eq 4
for c in A B; do
    t0=$(now_ms); reindex $c "$IDX"; t=$(($(now_ms) - t0)); [ $t -le $longest ] || longest=$t
    snapshot "$IDX" >"$TMP/now"
    ok "building corpus $c again gives the same answers" cmp -s "$TMP/now" "$TMP/snap.$c"
done

# ---- 1. killed at pseudo-random points over a whole build ----
# Kills come after 0 to 1.2 times the longest of the four builds of A and B
# above (one build alone varies by half on a busy machine), one delay drawn
# in each of ROUNDS equal slices (so the whole build is covered, both ends
# included), in a shuffled but fixed order. Each round builds the corpus
# that is not live; halfway, if no round has switched the index yet, one
# unkilled build does, so that both directions are killed.
ROUNDS=16
live=B
awk -v n=$ROUNDS -v t="$longest" 'BEGIN { srand(7)
    for (i = 0; i < n; i++) { d[i] = (i + rand()) * 1.2 * t / n; k[i] = rand() }
    for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (k[j] < k[i]) {
        x = k[i]; k[i] = k[j]; k[j] = x; x = d[i]; d[i] = d[j]; d[j] = x }
    for (i = 0; i < n; i++) printf "%.3f\n", d[i] / 1000 }' >"$TMP/delays"
before=0; after=0; other=0; badcheck=0; badexit=0; switched=0; ab=0; ba=0; round=0
for delay in $(cat "$TMP/delays"); do
    if [ $round -eq $((ROUNDS / 2)) ] && [ $switched -eq 0 ]; then
        if [ $live = A ]; then live=B; else live=A; fi
        reindex $live "$IDX"
    fi
    if [ $live = A ]; then target=B; ab=$((ab + 1)); else target=A; ba=$((ba + 1)); fi
    "$SEARCH" index --corpus "$TMP/$target" --index "$IDX" --quiet 2>/dev/null &
    builder=$!
    sleep "$delay"
    kill -9 $builder 2>/dev/null
    wait $builder 2>/dev/null; rc=$?
    checks "$IDX" || { badcheck=$((badcheck + 1)); echo "  round $round ($delay s): search check failed"; }
    snapshot "$IDX" >"$TMP/now"
    if [ $rc -ne 0 ] && [ $rc -ne 137 ]; then
        badexit=$((badexit + 1)); echo "  round $round ($delay s): the build exited $rc"
    fi
    if cmp -s "$TMP/now" "$TMP/snap.$live"; then
        before=$((before + 1))
        [ $rc -ne 0 ] || { other=$((other + 1)); echo "  round $round: a finished build left the old answers"; }
    elif cmp -s "$TMP/now" "$TMP/snap.$target"; then
        after=$((after + 1)); live=$target; switched=$((switched + 1))
    else
        other=$((other + 1))
        echo "  round $round ($delay s, build exit $rc): answers are neither $live's nor $target's:"
        head -n 2 "$TMP/now" | cut -c1-160
    fi
    round=$((round + 1))
done
echo "  kills: $ROUNDS rounds over 0-$((longest * 12 / 10)) ms (longest build: $longest ms): $before kept the old index," \
     "$after published the new one; A->B $ab, B->A $ba"
ok "kills: $ROUNDS rounds ran" test $round -eq $ROUNDS
ok "kills: every index passes search check" test $badcheck -eq 0
ok "kills: every build was killed or finished (exit 137 or 0)" test $badexit -eq 0
ok "kills: every index answers as the old or the new corpus" test $other -eq 0
ok "kills: the earliest kills keep the old index" test $before -gt 0
ok "kills: both directions were killed" test $ab -gt 0 -a $ba -gt 0
if [ $live = A ]; then target=B; else target=A; fi
expect_exit 0 "kills: the next build succeeds" reindex $target "$IDX"
snapshot "$IDX" >"$TMP/now"
ok "kills: ... and answers as its corpus" cmp -s "$TMP/now" "$TMP/snap.$target"
ok "kills: ... and leaves no *.tmp* behind" test -z "$(tmps "$IDX")"
ok "kills: ... and passes search check" checks "$IDX"

# ---- 2. killed at, and failing at, each write, sync and rename in turn ----
# The shim counts the calls of one reindex on files in the index directory.
# Then, for each call, one run is killed just before it (so every gap
# between two steps of the build and its publication is crashed in: the
# index must be the old one up to the commit, the rename over CURRENT, and
# the new one after it) and one run makes the call fail, alternately with
# ENOSPC and EIO (the index must be the old one). Every call is tried
# when there are at most 40; else the first 10, the last 10 (publication)
# and 20 spread between.
if [ ! -f "$FAULTIO" ]; then
    skip "each call: no $FAULTIO (make ${BUILD:-build}/tests/tools/faultio.so)"
else
    FI=$TMP/fi
    reindex S "$FI"
    FIR=$(cd "$FI" && pwd -P) # as the shim names it
    # A sanitizer runtime must come first in the list of preloaded libraries.
    PRELOAD="$(ldd "$SEARCH" 2>/dev/null | awk '/lib[a-z]*san\.so/ { printf "%s ", $3 }')$FAULTIO"
    shimmed() { # shimmed VAR=VALUE...: a reindex of FI to corpus T under the shim
        env FAULTIO_DIR="$FI" LD_PRELOAD="$PRELOAD" "$@" "$SEARCH" index --corpus "$TMP/T" --index "$FI" --quiet
    }
    # Kills cannot show a missing sync, as the page cache survives them: the
    # order of the reindex's writes, syncs and renames is checked instead.
    unsynced() { awk -F '\t' -v idx="$FIR" -f tests/tools/unsynced.awk "$1"; }
    shimmed FAULTIO_COUNT="$TMP/count" FAULTIO_LOG="$TMP/calls"
    ok "each call: a reindex under the shim succeeds" test $? -eq 0
    count=$(cat "$TMP/count" 2>/dev/null || echo 0)
    ok "each call: the shim counted the reindex's calls ($count)" test "$count" -ge 10
    unsynced "$TMP/calls" >"$TMP/unsynced"
    ok "durability: all is synced before the commit, and the commit after it" test ! -s "$TMP/unsynced"
    head -n 5 "$TMP/unsynced"
    commit=$(awk -F '\t' -v c="$FIR/CURRENT" '$2 ~ /^rename/ && $4 == c { print $1; exit }' "$TMP/calls")
    ok "each call: the reindex commits by a rename over CURRENT (call ${commit:-none})" test -n "$commit"
    if [ "$count" -le 40 ]; then seq 1 "$count"
    else { seq 1 10; seq $((count - 9)) "$count"; awk -v c="$count" 'BEGIN {
               for (i = 1; i <= 20; i++) print 10 + int(i * (c - 20) / 21) }'; } | sort -nu
    fi >"$TMP/fail_at"
    reindex S "$FI"
    bad_kill=0; bad_exit=0; bad_msg=0; bad_answer=0; bad_check=0; left=0; tried=0
    answers() { # answers WHAT CORPUS: the index answers as CORPUS and passes check
        answer_run "$FI" >"$TMP/now" # one search, not two: this runs 100 times
        cmp -s "$TMP/now" "$TMP/run.$2" ||
            { bad_answer=$((bad_answer + 1)); echo "  $1: not $2's answers: $(head -n 1 "$TMP/now" | cut -c1-100)"; }
        checks "$FI" || { bad_check=$((bad_check + 1)); echo "  $1: search check fails"; }
    }
    for n in $(cat "$TMP/fail_at"); do
        call="call $n of $count ($(awk -F '\t' -v n="$n" '$1 == n' "$TMP/calls" | cut -f2- | tr '\t' ' ' | sed "s|$FIR|IDX|g"))"
        shimmed FAULTIO_KILL_AT="$n" >"$TMP/out" 2>"$TMP/err"; rc=$?
        [ $rc -eq 137 ] || { bad_kill=$((bad_kill + 1)); echo "  killed at $call: exit $rc, expected 137"; }
        if [ "$n" -le "${commit:-$count}" ]; then answers "killed at $call" S
        else answers "killed at $call, after the commit" T; reindex S "$FI"; fi
        if [ $((n % 2)) -eq 1 ]; then e=ENOSPC; msg="No space left on device"; else e=EIO; msg="Input/output error"; fi
        shimmed FAULTIO_FAIL_AT="$n" FAULTIO_ERRNO=$e >"$TMP/out" 2>"$TMP/err"; rc=$?
        [ $rc -eq 2 ] || { bad_exit=$((bad_exit + 1)); echo "  $call failing with $e: exit $rc, expected 2"; }
        if ! one_line_error || ! grep -q "$msg" "$TMP/err"; then
            bad_msg=$((bad_msg + 1)); echo "  $call failing with $e: stderr is not one line with '$msg':"
            head -n 3 "$TMP/err"
        fi
        answers "$call failing with $e" S
        # the failed build removed its temporaries, and the killed one's
        [ -z "$(tmps "$FI")" ] || { left=$((left + 1)); echo "  $call failing with $e: left" $(tmps "$FI"); }
        if [ $rc -eq 0 ]; then reindex S "$FI"; fi # back to the state the next run expects
        tried=$((tried + 1))
    done
    echo "  each call: killed at, then failing at, $tried of the reindex's $count calls"
    ok "each call: every build killed by the shim died of SIGKILL" test $bad_kill -eq 0
    ok "each call: every failing build exits 2" test $bad_exit -eq 0
    ok "each call: every one says why in one line (strerror of the errno)" test $bad_msg -eq 0
    ok "each call: the old answers after each failure and each kill before the commit, the new ones after" test $bad_answer -eq 0
    ok "each call: after every killed or failed build, the index passes search check" test $bad_check -eq 0
    ok "each call: a failed build leaves no *.tmp* behind, nor the killed one before it" test $left -eq 0
    expect_exit 0 "each call: then a reindex without the shim succeeds" reindex T "$FI"
    snapshot "$FI" >"$TMP/now"
    ok "each call: ... and answers as its corpus" cmp -s "$TMP/now" "$TMP/snap.T"

    # A reindex with --reorder also writes, maps and unlinks a scratch file
    # of texts while it rewrites the new segment. Each of its calls fails
    # in turn (40 spread over them when there are more), and the index
    # must stay the old one, with a one-line error and nothing left over.
    shimmed_bp() {
        env FAULTIO_DIR="$FI" LD_PRELOAD="$PRELOAD" "$@" "$SEARCH" index --corpus "$TMP/T" --index "$FI" --quiet --reorder
    }
    reindex S "$FI"
    shimmed_bp FAULTIO_COUNT="$TMP/count" FAULTIO_LOG="$TMP/calls.bp"
    ok "reorder: a reindex with --reorder under the shim succeeds" test $? -eq 0
    ok "reorder: ... writing a scratch file of texts" grep -q 'texts\.tmp' "$TMP/calls.bp"
    count=$(cat "$TMP/count" 2>/dev/null || echo 0)
    reindex S "$FI"
    bad=0; tried=0
    for n in $(awk -v c="$count" 'BEGIN { s = c > 40 ? c / 40 : 1; for (x = 1; x <= c; x += s) print int(x) }' | sort -nu); do
        shimmed_bp FAULTIO_FAIL_AT="$n" >"$TMP/out" 2>"$TMP/err"; rc=$?
        why=""
        [ $rc -eq 2 ] || why="exit $rc"
        { one_line_error && grep -q "No space left on device" "$TMP/err"; } || why="$why, stderr: $(head -n 1 "$TMP/err")"
        answer_run "$FI" >"$TMP/now"
        cmp -s "$TMP/now" "$TMP/run.S" || why="$why, not S's answers"
        checks "$FI" || why="$why, search check fails"
        [ -z "$(tmps "$FI")" ] || why="$why, left $(tmps "$FI")"
        [ -z "$why" ] || { bad=$((bad + 1)); echo "  reorder: call $n failing: $why"; }
        if [ $rc -eq 0 ]; then reindex S "$FI"; fi
        tried=$((tried + 1))
    done
    echo "  reorder: failing at $tried of the reindex's $count calls ($(grep -c 'texts\.tmp' "$TMP/calls.bp") on the scratch file)"
    ok "reorder: each of $tried of $count calls failing: exit 2, one line, the old index, nothing left" test $bad -eq 0
fi

# ---- 3. a real full disk ----
# A 512 kB tmpfs holds a small corpus's index (about 160 kB, twice while a
# reindex publishes) but not a big one's (about 1.1 MB).
FS=$TMP/fs
if [ "$(id -u)" -ne 0 ]; then
    skip "full disk: mounting a tmpfs needs root"
elif ! { mkdir -p "$FS" && mount -t tmpfs -o size=512k tmpfs "$FS" 2>/dev/null; }; then
    skip "full disk: mount -t tmpfs fails here"
else
    trap 'umount "$FS" 2>/dev/null; rm -rf "$TMP"' EXIT
    FULL=$FS/idx
    expect_exit 0 "full disk: the small index fits" reindex S "$FULL"
    expect_exit 2 "full disk: indexing a bigger corpus fails" reindex A "$FULL"
    ok "full disk: one-line error" one_line_error
    ok "full disk: ... saying the disk is full" grep -q "No space left on device" "$TMP/err"
    snapshot "$FULL" >"$TMP/now"
    ok "full disk: the index answers as before" cmp -s "$TMP/now" "$TMP/snap.S"
    ok "full disk: the index passes search check" checks "$FULL"
    ok "full disk: no *.tmp* left behind" test -z "$(tmps "$FULL")"
    expect_exit 0 "full disk: the failed build freed its space: a small reindex succeeds" reindex T "$FULL"
    snapshot "$FULL" >"$TMP/now"
    ok "full disk: ... and answers as its corpus" cmp -s "$TMP/now" "$TMP/snap.T"
    umount "$FS"
    trap 'rm -rf "$TMP"' EXIT
fi

# ---- 4. searches and checks while reindexes publish ----
# Each search answers as one corpus or the other, never a mix or an error.
reindex A "$IDX"
rm -f "$TMP/stop" "$TMP/readers"
(
    i=0
    while [ ! -e "$TMP/stop" ] || [ $i -lt 10 ]; do
        case $((i % 3)) in
        0) kind=json; answer_json "$IDX" >"$TMP/reader.out" ;;
        1) kind=run; answer_run "$IDX" >"$TMP/reader.out" ;;
        2) kind=check; if checks "$IDX"; then v=checked; else v="check failed"; fi ;;
        esac
        if [ $kind = check ]; then :
        elif cmp -s "$TMP/reader.out" "$TMP/$kind.A"; then v=A
        elif cmp -s "$TMP/reader.out" "$TMP/$kind.B"; then v=B
        else v="neither: $(head -n 1 "$TMP/reader.out" | cut -c1-200)"; fi
        echo "$kind $v" >>"$TMP/readers"
        i=$((i + 1))
    done
) &
readers=$!
fails=0
for c in B A B A B; do reindex $c "$IDX" 2>>"$TMP/reindex.err" || fails=$((fails + 1)); done
touch "$TMP/stop"
wait $readers
n=$(wc -l <"$TMP/readers")
echo "  readers: $n searches and checks during 5 reindexes:" \
     "$(grep -c ' A$' "$TMP/readers") answered A, $(grep -c ' B$' "$TMP/readers") B"
ok "readers: 5 reindexes succeed" test $fails -eq 0
ok "readers: at least 10 searches and checks ran ($n)" test "$n" -ge 10
ok "readers: every search answers as A or B" test "$(grep -Evc '^(json|run) [AB]$|^check ' "$TMP/readers")" -eq 0
ok "readers: every check passes" test "$(grep -c '^check check failed' "$TMP/readers")" -eq 0
grep -Ev '^(json|run) [AB]$|^check checked$' "$TMP/readers" | head -n 3
snapshot "$IDX" >"$TMP/now"
ok "readers: the last build's answers at the end" cmp -s "$TMP/now" "$TMP/snap.B"
ok "readers: no *.tmp* left behind" test -z "$(tmps "$IDX")"

summary test_crash
