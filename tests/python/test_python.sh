#!/bin/sh
# test_python.sh: the Python module's unittest suite (tests/python/
# test_libsearch.py) with Debian's python3, against $BUILD's shared
# library; its result as the summary line tests/run.sh reads. The
# sanitizer builds' library cannot be loaded into an uninstrumented
# python3: there it is skipped.
R=$(cd "$(dirname "$0")/../.." && pwd)
cd "$R" || exit 2
. tests/lib.sh
PY=/usr/bin/python3; [ -x "$PY" ] || PY=$(command -v python3)
B=${BUILD:-build}
case "$B" in
*asan* | *tsan*) skip "python module: the sanitizer build's library does not load into python3" ;;
*)
    make -s BUILD="$B" lib >/dev/null
    lib=$(ls "$R/$B"/libsearch.so.1.* | head -n 1)
    out=$(LIBSEARCH_LIBRARY="$lib" PYTHONPATH="$R/python" SEARCH="$R/$B/search" \
        "$PY" -m unittest discover -s tests/python -p 'test_*.py' 2>&1)
    rc=$?
    echo "$out" | tail -n 30
    ran=$(echo "$out" | sed -nE 's/^Ran ([0-9]+) tests?.*/\1/p')
    ok "the python module's $ran unittest cases pass" test "$rc" -eq 0 -a -n "$ran"
    ;;
esac
summary test_python
