#!/bin/sh
# test_install.sh: a packager's check. `make install DESTDIR=... PREFIX=/usr`
# stages the binary, the static and shared libraries (with their soname),
# the header and the pkg-config file; docs/example.c compiles against the
# staged files through pkg-config, links both ways and runs; `make
# uninstall` removes every file again.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh

case "${BUILD:-build}" in
*asan*) skip "the install check runs in the plain build's pass"; summary test_install; exit $? ;;
esac
ST=$TMP/stage
expect_exit 0 "make install into a staging directory" make --no-print-directory BUILD="${BUILD:-build}" DESTDIR="$ST" PREFIX=/usr install
for f in bin/search lib/libsearch.a lib/libsearch.so.1.0.0 include/libsearch.h lib/pkgconfig/libsearch.pc share/man/man1/search.1 \
    lib/python3/dist-packages/libsearch.py; do
    ok "installs $f" test -f "$ST/usr/$f"
done
ok "libsearch.so and .so.1 link to the versioned file" test "$(readlink "$ST/usr/lib/libsearch.so")" = libsearch.so.1 -a "$(readlink "$ST/usr/lib/libsearch.so.1")" = libsearch.so.1.0.0
if command -v man >/dev/null; then
    ok "the man page formats without warnings" sh -c "! man --warnings -l '$ST/usr/share/man/man1/search.1' 2>&1 >/dev/null | grep -q ."
else
    skip "no man command to format the man page with"
fi
ok "the soname is libsearch.so.1" sh -c "objdump -p '$ST/usr/lib/libsearch.so.1.0.0' | grep -q 'SONAME *libsearch.so.1$'"
ok "only srch_ functions are exported" sh -c "! nm -D --defined-only '$ST/usr/lib/libsearch.so.1.0.0' | awk '\$2 == \"T\" { print \$3 }' | grep -v '^srch_'"
# /usr is a system directory pkg-config leaves out of the flags unless told
export PKG_CONFIG_PATH="$ST/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$ST" PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
ok "pkg-config knows it" sh -c "pkg-config --modversion libsearch | grep -qx 1.0.0"
expect_exit 0 "the example compiles and links against the shared library" \
    sh -c "cc -std=c11 -Wall -Wextra -Werror docs/example.c \$(pkg-config --cflags --libs libsearch) -o '$TMP/example'"
expect_exit 0 "... and runs" env LD_LIBRARY_PATH="$ST/usr/lib" "$TMP/example" corpus "$TMP/ix" "suicidal ideation"
ok "... answering the example query" grep -q '^1\. .*Ketamine' "$TMP/out"
ok "... with the matches marked" grep -q '\[suicidal\] \[ideation\]' "$TMP/out"
ok "... from the installed library" sh -c "env LD_LIBRARY_PATH='$ST/usr/lib' ldd '$TMP/example' | grep -q '$ST/usr/lib/libsearch.so.1'"
expect_exit 0 "the example links statically too" \
    sh -c "cc -std=c11 docs/example.c \$(pkg-config --cflags libsearch) '$ST/usr/lib/libsearch.a' \$(pkg-config --static --libs-only-l --libs-only-other libsearch | sed 's/-lsearch//') -o '$TMP/example-static'"
expect_exit 0 "... and runs" "$TMP/example-static" corpus "$TMP/ix2" "suicidal ideation"
ok "... with the same first hit" grep -q '^1\. .*Ketamine' "$TMP/out"
PY=/usr/bin/python3; [ -x "$PY" ] || PY=$(command -v python3)
if [ -n "$PY" ]; then
    expect_exit 0 "the installed Python module finds the installed library" env PYTHONPATH="$ST/usr/lib/python3/dist-packages" \
        LD_LIBRARY_PATH="$ST/usr/lib" "$PY" -c "import libsearch, sys; s = libsearch.Searcher(sys.argv[1]); print(s.search('suicidal ideation')[0].title, libsearch._lib._name)" "$TMP/ix"
    ok "... answering the example query" grep -q 'Ketamine' "$TMP/out"
else
    skip "no python3 for the installed module"
fi
expect_exit 0 "make uninstall" make --no-print-directory BUILD="${BUILD:-build}" DESTDIR="$ST" PREFIX=/usr uninstall
ok "... leaves no file" test -z "$(find "$ST" -type f -o -type l)"
summary test_install
