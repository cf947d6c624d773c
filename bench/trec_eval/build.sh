#!/bin/sh
# bench/trec_eval/build.sh: builds NIST's trec_eval, the reference `search
# eval` is checked against (tests/cli/test_trec_eval_agree.sh), into
# bench/work/trec_eval/trec_eval. It is tooling, never part of the build:
# its source stays outside src/ and the repository.
#
#   sh bench/trec_eval/build.sh [SRC]
#
# SRC: a trec_eval source directory, a tarball of one, or a git directory
# (a clone's .git, or a bare mirror); without it, github.com/usnistgov/
# trec_eval is cloned (network needed). The commit below, version 10.0, is
# the one checked out of a git source; a directory or tarball is built as
# it is. The test finds the binary there, or $TREC_EVAL, or trec_eval on
# PATH.
set -eu
cd "$(dirname "$0")/../.."
COMMIT=f4253652c8efd0d86ddffd0d163cc0a0f813111a
URL=https://github.com/usnistgov/trec_eval
OUT=bench/work/trec_eval
SRC=${1:-}
rm -rf "$OUT"
mkdir -p "$OUT/src"
if [ -z "$SRC" ]; then
    git clone --quiet "$URL" "$OUT/git"
    SRC=$OUT/git/.git
fi
if [ -d "$SRC" ] && git --git-dir="$SRC" rev-parse --git-dir >/dev/null 2>&1; then
    git --git-dir="$SRC" archive "$COMMIT" | tar x -C "$OUT/src"
elif [ -d "$SRC/.git" ]; then
    git --git-dir="$SRC/.git" archive "$COMMIT" | tar x -C "$OUT/src"
elif [ -d "$SRC" ]; then
    cp -R "$SRC"/. "$OUT/src"
else
    tar xf "$SRC" -C "$OUT/src" --strip-components=1
fi
[ -f "$OUT/src/trec_eval.c" ] || { echo "build.sh: no trec_eval.c in $SRC" >&2; exit 2; }
make -C "$OUT/src" --no-print-directory >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 2; }
cp "$OUT/src/trec_eval" "$OUT/trec_eval"
echo "built $OUT/trec_eval ($("$OUT/trec_eval" -v 2>&1 | head -n 1))"
