#!/bin/sh
# test_library_symbols.sh: the library prints nothing and exits no
# process of its own (warnings and progress go to the caller's callbacks,
# errors come back as codes): no object of libsearch.a references exit or
# the printing functions. One exception, until allocation failures are
# returned as SRCH_NOMEM: the allocator's out-of-memory path in util.o.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

LIB=${BUILD:-build}/libsearch.a
ok "the static library is built" test -f "$LIB"
nm -A "$LIB" 2>/dev/null | awk '$(NF-1) == "U" { print $1, $NF }' |
    grep -E ' (exit|_exit|abort|printf|fprintf|vprintf|vfprintf|puts|fputs|putchar|perror|__printf_chk|__fprintf_chk|__vfprintf_chk)$' |
    grep -v '^[^ ]*util\.o: ' >"$TMP/refs"
ok "no object but the allocator's calls exit or prints ($(tr '\n' ' ' <"$TMP/refs"))" test ! -s "$TMP/refs"
nm -A "$LIB" 2>/dev/null | awk '$(NF-1) == "U" { print $1, $NF }' | grep '^[^ ]*util\.o: ' |
    grep -cE ' (exit|fprintf|__fprintf_chk)$' >"$TMP/n"
ok "util.o: only the out-of-memory path (exit, fprintf)" test "$(cat "$TMP/n")" -le 2
summary test_library_symbols
