#!/bin/sh
# test_library_symbols.sh: the library prints nothing and exits no
# process of its own (warnings and progress go to the caller's callbacks,
# errors come back as codes, running out of memory as SRCH_NOMEM): no
# object of libsearch.a references exit or the printing functions. abort
# is referenced once, by util.o, for an allocation that fails with no
# guard set (util.h: a bug, as every way into the library sets one).
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

LIB=${BUILD:-build}/libsearch.a
ok "the static library is built" test -f "$LIB"
nm -A "$LIB" 2>/dev/null | awk '$(NF-1) == "U" { print $1, $NF }' |
    grep -E ' (exit|_exit|abort|printf|fprintf|vprintf|vfprintf|puts|fputs|putchar|perror|__printf_chk|__fprintf_chk|__vfprintf_chk)$' |
    grep -v '^[^ ]*util\.o: abort$' >"$TMP/refs"
ok "no object calls exit or prints ($(tr '\n' ' ' <"$TMP/refs"))" test ! -s "$TMP/refs"
nm -A "$LIB" 2>/dev/null | awk '$(NF-1) == "U" { print $1, $NF }' | grep -c ' abort$' >"$TMP/n"
ok "abort: only util.o's trap for an unguarded allocation failure" test "$(cat "$TMP/n")" -le 1
summary test_library_symbols
