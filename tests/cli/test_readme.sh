#!/bin/sh
# test_readme.sh: the README's example output is what a fresh clone prints.
#
# A fenced block in README.md preceded by the line
#     <!-- output of: ./search ARGS -->
# must be exactly the standard output of `search ARGS` run, as on a fresh
# clone, from a directory holding a copy of corpus/ and no index (so the
# first run builds index/ from corpus/, here under $TMP: ./index is never
# touched). Nothing is normalised but trailing blank lines (the output ends
# each hit with one; the README's block ends at its last line): plain search
# output has no timings, and stdout is not a terminal, so no colour
# (NO_COLOR is set too). Every such block is checked, and there must be one.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh
export NO_COLOR=1

# Splits README.md into $TMP/readme.N.args (the ARGS of block N, as written
# in the comment) and $TMP/readme.N.out (the block's lines); prints N.
awk -v dir="$TMP" '
    /^<!-- output of: \.\/search .* -->$/ {
        args = $0; sub(/^<!-- output of: \.\/search /, "", args); sub(/ -->$/, "", args)
        n++; print args > (dir "/readme." n ".args"); close(dir "/readme." n ".args")
        want = 1; next
    }
    want == 1 && /^```/ { want = 2; printf "" > (dir "/readme." n ".out"); next }
    want == 1 && !/^[ \t]*$/ { want = 0 }  # the comment belongs to the next fenced block only
    want == 2 && /^```/ { want = 0; close(dir "/readme." n ".out"); next }
    want == 2 { print > (dir "/readme." n ".out") }
    END { print n + 0 }' README.md >"$TMP/nblocks"
n=$(cat "$TMP/nblocks")
ok "README.md marks at least one example output" test "$n" -ge 1

# no_trailing_blank FILE: FILE without its trailing blank lines
no_trailing_blank() { awk '{ line[NR] = $0 } NF { last = NR } END { for (i = 1; i <= last; i++) print line[i] }' "$1"; }

i=1
while [ "$i" -le "$n" ]; do
    args=$(cat "$TMP/readme.$i.args")
    ok "block $i ($args) has its closing fence" test -f "$TMP/readme.$i.out"
    clone=$TMP/clone$i
    mkdir -p "$clone" && cp -R corpus "$clone/corpus"
    # the arguments as a shell would split them (the README shows a command line)
    (cd "$clone" && eval "set -- $args" && "$SEARCH" "$@") >"$TMP/real.$i" 2>"$TMP/err.$i"
    rc=$?
    ok "search $args: exit 0 (stderr: $(head -c 300 "$TMP/err.$i"))" test "$rc" -eq 0
    ok "search $args: built its index from corpus/ on the first run" test -s "$clone/index/CURRENT"
    ok "search $args: said so on stderr" grep -q corpus "$TMP/err.$i"
    no_trailing_blank "$TMP/real.$i" >"$TMP/real.$i.trim"
    no_trailing_blank "$TMP/readme.$i.out" >"$TMP/readme.$i.trim" 2>/dev/null
    if cmp -s "$TMP/readme.$i.trim" "$TMP/real.$i.trim"; then
        PASS=$((PASS + 1))
    else
        FAIL=$((FAIL + 1))
        echo "  FAIL: README.md's output of ./search $args differs from what it prints (- README, + real):"
        diff -u "$TMP/readme.$i.trim" "$TMP/real.$i.trim" | tail -n +3 | head -n 40
    fi
    i=$((i + 1))
done

summary test_readme
