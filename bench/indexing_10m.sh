#!/bin/sh
# bench/indexing_10m.sh: a 10M-passage synthetic build (gencorpus, 3.1 GB) with
# --memory 1G, two threads: wall seconds, peak RSS (/usr/bin/time), index
# size, runs written, and where the time went (SEARCH_TIMINGS). A benchmark,
# not a test: about 5 minutes and 8 GB of disk. The corpus is shared with
# bench/open.sh (bench/work/open/syn10m). Results:
# bench/results/indexing-10m.md. `make bench-indexing-10m` calls this.
set -eu
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
BIN=build/bench
W=bench/work/open
R=bench/results
MEM=${MEM:-1G}
THREADS=${THREADS:-2}
mkdir -p "$W" "$R"
. bench/corpora.sh
prepare syn10m
d=$W/syn10m; ix=$d/ix-bounded
rm -rf "$ix" "$W/timing-10m.json"
echo "indexing: syn10m, --memory $MEM, $THREADS threads" >&2
SEARCH_TIMINGS=$W/timing-10m.json /usr/bin/time -f "%e %M" -o "$W/itime-10m.txt" \
    ./search index --corpus "$d/docs.tsv" --index "$ix" --threads "$THREADS" --memory "$MEM" \
    --passage-words 100000 --no-stopwords 2>"$W/report-10m.txt"
set -- $(cat "$W/itime-10m.txt")
secs=$1 rss=$(awk -v k="$2" 'BEGIN { printf "%.0f", k / 1024 }')
src=$(awk -v b="$(wc -c <"$d/docs.tsv")" 'BEGIN { printf "%.0f", b / 1e6 }')
size=$(du -sm "$ix" | cut -f1)
runs=$(sed -n 's/.*postings went to \([0-9]*\) runs on disk (\([0-9.]*\) MB).*/\1 runs (\2 MB)/p' "$W/report-10m.txt")
./search check --index "$ix" >"$W/check-10m.txt" 2>&1 && checked=sound || checked="NOT SOUND"
sed "s/^{/{\"corpus\":\"syn10m\",\"run\":\"--memory $MEM\",/" "$W/timing-10m.json" >"$W/phases-10m.jsonl"
{
    echo "# Indexing 10M passages in bounded memory"
    echo
    echo "One run of \`bench/indexing_10m.sh\` ($(date -u +%Y-%m-%d)); $(nproc) cores. gencorpus's 10M"
    echo "synthetic passages ($src MB), indexed as bench/indexing.sh indexes (one passage per"
    echo "document, every word kept) with \`--memory $MEM --threads $THREADS\`. Peak RSS from /usr/bin/time."
    echo
    echo "| passages | source MB | memory | threads | seconds | MB/s | peak RSS MB | index MB | runs | check |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    echo "| 10,000,000 | $src | $MEM | $THREADS | $secs | $(awk -v m="$src" -v s="$secs" 'BEGIN { printf "%.1f", m / s }') | $rss | $size | ${runs:-none} | $checked |"
    echo
    python3 bench/phases.py "$W/phases-10m.jsonl" "Where the time went" | sed 's/^# /## /'
} >"$R/indexing-10m.md"
rm -rf "$ix"
cat "$R/indexing-10m.md"
