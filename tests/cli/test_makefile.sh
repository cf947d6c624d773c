#!/bin/sh
# test_makefile.sh: the build as a packager meets it. `make help` lists
# every target; `make install` never runs apt-get; the package check comes
# before any compile, even with -j, and names every missing package of the
# build and the tests in one line; `make test` says first how long it
# takes; WERROR= turns -Werror off; each object records the headers it
# read (-MMD -MP) and a header change rebuilds those objects and no others.
# The compiling checks run on a copy of the sources, so the tree's own
# files and build are left alone.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

MK="make --no-print-directory"

# every target of the Makefile is in `make help`
$MK -s help >"$TMP/help" 2>&1
targets=$(grep -oE '^[a-zA-Z][a-zA-Z0-9_.-]*:([^=]|$)' Makefile | cut -d: -f1 | sort -u)
missing=""
for t in $targets; do grep -q "^  make $t " "$TMP/help" || missing="$missing $t"; done
ok "make help lists every target (missing:${missing:- none})" test -z "$missing"
ok "... and they are many" test "$(echo "$targets" | wc -l)" -ge 20

# make install: no apt-get, even when everything is still to build
$MK -n install BUILD="$TMP/nobuild" PREFIX="$TMP/prefix" >"$TMP/install.n" 2>&1
ok "make -n install builds what it installs" grep -q -- '-c src/eval/trec_eval.c' "$TMP/install.n"
ok "... and runs no apt-get" sh -c "! grep -q apt-get '$TMP/install.n'"

# a copy of what a compile needs
C=$TMP/tree
mkdir -p "$C/tests"
cp -R Makefile src include "$C/"
cp tests/check.c tests/check.h "$C/tests/"
FAKE="AUTO_INSTALL=no BUILD_PKGS=fake-build-dev=/nonexistent/a.h TEST_PKGS=fake-test-tool=/nonexistent/b FUZZ_PKGS=fake-fuzz=/nonexistent/c"

# the package check: before any compile with -j, every package in one line
# shellcheck disable=SC2086
expect_exit 2 "make -j2 with a package missing" $MK -C "$C" -j2 BUILD=b $FAKE
ok "... says what to run as root, in one line" sh -c "[ \$(grep -c apt-get '$TMP/err') -eq 1 ] && grep -q 'as root: apt-get install fake-build-dev\$' '$TMP/err'"
ok "... before compiling anything" sh -c "[ ! -d '$C/b' ] && ! grep -q '^cc ' '$TMP/out'"
# shellcheck disable=SC2086
expect_exit 2 "make test with packages missing" $MK -C "$C" -j2 BUILD=b $FAKE test
ok "... says first how long it takes" sh -c "head -n 1 '$TMP/out' | grep -q 'make test: .*minutes'"
ok "... names the build's, the tests' and fuzzing's in one line" sh -c "[ \$(grep -c apt-get '$TMP/err') -eq 1 ] && grep -q 'as root: apt-get install fake-build-dev fake-test-tool fake-fuzz\$' '$TMP/err'"
ok "... before compiling anything" test ! -d "$C/b"
# WERROR= leaves a warning a warning
printf 'int warn_me(void);\nint warn_me(void) { int unused; return 0; }\n' >"$C/src/util/zz_warn.c"
expect_exit 2 "a warning fails the build by default" $MK -C "$C" BUILD=b b/src/util/zz_warn.o
expect_exit 0 "... and not with WERROR=" $MK -C "$C" BUILD=b WERROR= b/src/util/zz_warn.o
rm -f "$C/src/util/zz_warn.c"

# header dependencies: written, and a touched header rebuilds its includers only
expect_exit 0 "build three objects" $MK -C "$C" BUILD=b b/src/eval/trec_eval.o b/src/cli/cmd_eval.o b/src/util/crc32.o
ok "... each with a .d file naming its headers" grep -q 'src/eval/eval.h' "$C/b/src/eval/trec_eval.d"
ok "... -MP: each header a target of its own" grep -q '^src/eval/eval.h:' "$C/b/src/cli/cmd_eval.d"
ok "... all up to date" $MK -C "$C" -q BUILD=b b/src/eval/trec_eval.o b/src/cli/cmd_eval.o b/src/util/crc32.o
touch -d '+2 seconds' "$C/src/eval/eval.h"
ok "touching eval.h: trec_eval.o is rebuilt" sh -c "! $MK -C '$C' -q BUILD=b b/src/eval/trec_eval.o 2>/dev/null"
ok "... cmd_eval.o too" sh -c "! $MK -C '$C' -q BUILD=b b/src/cli/cmd_eval.o 2>/dev/null"
ok "... crc32.o, which does not include it, is not" $MK -C "$C" -q BUILD=b b/src/util/crc32.o 2>/dev/null
# -MP: a header deleted, and no longer included, is no "No rule to make target"
printf '#define GONE 1\n' >"$C/src/util/zz_gone.h"
printf '#include "util/zz_gone.h"\nint zz_dep(void);\nint zz_dep(void) { return GONE; }\n' >"$C/src/util/zz_dep.c"
expect_exit 0 "an object including a header" $MK -C "$C" BUILD=b b/src/util/zz_dep.o
rm "$C/src/util/zz_gone.h"
printf 'int zz_dep(void);\nint zz_dep(void) { return 1; }\n' >"$C/src/util/zz_dep.c"
expect_exit 0 "... rebuilt once the header is gone" $MK -C "$C" BUILD=b b/src/util/zz_dep.o

# a test program's .d file is hidden: tests/run.sh runs every tests/*/test_*
$MK -n BUILD="$TMP/nb" "$TMP/nb/tests/eval/test_trec_eval" >"$TMP/test.n" 2>&1
ok "a test's dependency file is not a test_* file" grep -q -- "-MF $TMP/nb/tests/.deps/eval/test_trec_eval.d" "$TMP/test.n"

# CI runs make test on a fresh machine, having installed what it needs
ok ".ci/run installs the packages, then runs make test" sh -c "grep -q 'make.*test-deps' .ci/run && grep -q '^make test' .ci/run"

summary test_makefile
