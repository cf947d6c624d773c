#!/bin/sh
# bench/indexing.sh [--quick]: indexing, one run per figure.
#
# Per corpus (simplewiki and the 1M-passage synthetic one; --quick: cranfield
# and 50k synthetic passages), indexed as bench/run.sh indexes it (one
# passage per document, every word kept):
#   - a full build with --threads 1 and with --threads 2: wall seconds,
#     MB/s and peak RSS, and whether the two indexes are byte for byte the
#     same; each is run ROUNDS times (default 5) and its median reported,
#     with the fastest in the note (the machines we measure on are shared,
#     and a single build moved by 20-40%);
#   - the same two builds with --memory a third of the corpus's size (the
#     corpus is 3x the budget): peak RSS against the budget, and whether
#     the index is byte for byte the one built in ample memory;
#   - an update after changing 1% of the articles (every 100th row gets a
#     new word), against a full rebuild of the changed corpus, and an
#     update of an unchanged corpus.
# Every build also writes where its time went (SEARCH_TIMINGS, one JSON
# line: src/index/indexer.c); the median round's is in indexing-phases.md.
# Results: bench/results[/quick]/indexing.csv, indexing.md and
# indexing-phases.md. `make bench-indexing` calls this.
set -eu
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
BIN=build/bench
if [ "${1:-}" = --quick ]; then
    W=bench/work/quick; R=bench/results/quick; CORPORA="cranfield syn50k"
else
    W=bench/work/full; R=bench/results; CORPORA="simplewiki syn1m"
fi
mkdir -p "$W" "$R"
. bench/corpora.sh
OPTS="--passage-words 100000 --no-stopwords --quiet"
CSV=$R/indexing.csv
echo "corpus,run,threads,memory_mb,source_mb,seconds,mb_per_s,peak_rss_mb,note" >"$CSV"
PHASES=$W/phases.jsonl
: >"$PHASES"

# timed LABEL CMD...: runs CMD under /usr/bin/time; sets SECS and RSS_MB
timed() {
    rm -f "$W/timing.json"
    SEARCH_TIMINGS=$W/timing.json /usr/bin/time -f "%e %M" -o "$W/itime.txt" "$@"
    SECS=$(cut -d' ' -f1 "$W/itime.txt")
    RSS_MB=$(awk '{ printf "%.0f", $2 / 1024 }' "$W/itime.txt")
}
# rounds NAME RUN IX LABEL CMD...: ROUNDS (default 5) builds of CMD into
# IX, each from scratch; sets SECS and RSS_MB to the median round's, FASTEST
# to the fastest's seconds, and adds the median round's phases to $PHASES
# as corpus NAME, run RUN
rounds() {
    name_=$1 run_=$2 ix_=$3 label_=$4; shift 4
    n_=${ROUNDS:-5}
    : >"$W/rounds.txt"
    for r in $(seq "$n_"); do
        rm -rf "$ix_"
        echo "indexing: $name_, $label_, round $r of $n_" >&2
        timed "$@"
        echo "$SECS $RSS_MB $(cat "$W/timing.json")" >>"$W/rounds.txt"
    done
    sort -n -k1,1 "$W/rounds.txt" >"$W/sorted.txt"
    set -- $(awk -v n="$n_" 'NR == 1 { f = $1 } NR == int((n + 1) / 2) { m = $1; r = $2 } END { print m, r, f }' "$W/sorted.txt")
    SECS=$1 RSS_MB=$2 FASTEST=$3
    sed -n "$(( (n_ + 1) / 2 ))p" "$W/sorted.txt" | cut -d' ' -f3- |
        sed "s/^{/{\"corpus\":\"$name_\",\"run\":\"$run_\",/" >>"$PHASES"
}
# row CORPUS RUN THREADS MB NOTE [MEMORY_MB]
row() { echo "$1,$2,$3,${6:-},$4,$SECS,$(awk -v m="$4" -v s="$SECS" 'BEGIN { printf "%.1f", (s > 0 ? m / s : 0) }'),$RSS_MB,$5" >>"$CSV"; }
# same_index A B: the segment files of two one-segment indexes are identical
same_index() { cmp -s "$(ls -d "$1"/seg-* | head -n 1)/postings.bin" "$(ls -d "$2"/seg-* | head -n 1)/postings.bin" &&
    for f in meta lexicon positions passages articles store; do
        cmp -s "$(ls -d "$1"/seg-*)/$f.bin" "$(ls -d "$2"/seg-*)/$f.bin" || return 1; done; }

for name in $CORPORA; do
    prepare "$name"
    d=$W/$name; docs=$d/docs.tsv
    mb=$(awk -v b="$(wc -c <"$docs")" 'BEGIN { printf "%.1f", b / 1e6 }')
    for t in 1 2; do
        rounds "$name" full "$d/ix-t$t" "$t thread(s)" \
            ./search index --corpus "$docs" --index "$d/ix-t$t" --threads "$t" $OPTS
        row "$name" full "$t" "$mb" "median of ${ROUNDS:-5}; fastest $FASTEST s"
    done
    same=no; same_index "$d/ix-t1" "$d/ix-t2" && same=yes
    sed -i "s/^$name,full,2,\(.*\),$/$name,full,2,\1,identical to 1 thread: $same/" "$CSV"
    # bounded memory: the corpus is 3x the budget (in MiB, as --memory reads M)
    # (at least 1 MiB: a small corpus of the quick run would get 0)
    mem=$(awk -v b="$(wc -c <"$docs")" 'BEGIN { m = int(b / 3 / 1048576); printf "%d", m < 1 ? 1 : m }')
    for t in 1 2; do
        # (its report, on stderr, says how many runs it wrote)
        rounds "$name" bounded "$d/ix-mem" "$t thread(s), --memory ${mem}M" sh -c \
            './search index --corpus "$1" --index "$2" --threads "$3" --memory "$4" --passage-words 100000 --no-stopwords 2>"$5"' \
            sh "$docs" "$d/ix-mem" "$t" "${mem}M" "$W/mem-report.txt"
        runs=$(sed -n 's/.*postings went to \([0-9]*\) runs on disk (\([0-9.]*\) MB).*/\1 runs (\2 MB)/p' "$W/mem-report.txt")
        same=no; same_index "$d/ix-t1" "$d/ix-mem" && same=yes
        row "$name" "full in bounded memory" "$t" "$mb" "${runs:-no runs}; identical to ample memory: $same; median of ${ROUNDS:-5}; fastest $FASTEST s" \
            "$(awk -v m="$mem" 'BEGIN { printf "%.1f", m * 1.048576 }')"
    done
    rm -rf "$d/ix-mem"
    # 1% of the articles changed in place: every 100th row of the file the
    # index was built from gets one more word (the rows after the first
    # move in the file, and a passage's place is its byte offset: those are
    # reindexed too, as a full build would record them)
    live=$d/live/docs.tsv
    mkdir -p "$d/live"; cp "$docs" "$live"
    rm -rf "$d/ix-inc"
    ./search index --corpus "$live" --index "$d/ix-inc" $OPTS
    awk -F'\t' 'BEGIN { OFS = "\t" } NR % 100 == 0 { $3 = $3 " reindexed" } { print }' "$docs" >"$live.new"
    mv "$live.new" "$live"
    changed=$(awk 'END { print int(NR / 100) }' "$docs")
    echo "indexing: $name, update after changing $changed articles" >&2
    timed ./search index --corpus "$live" --index "$d/ix-inc" $OPTS
    row "$name" "update 1%" 2 "$mb" "$changed rows edited in place"
    rm -rf "$d/ix-full1"
    timed ./search index --corpus "$live" --index "$d/ix-full1" $OPTS
    row "$name" "full rebuild of the changed corpus" 2 "$mb" ""
    timed ./search index --corpus "$live" --index "$d/ix-inc" $OPTS
    row "$name" "update with nothing changed" 2 "$mb" ""
    ./search check --index "$d/ix-inc" >/dev/null
    rm -rf "$d/ix-t1" "$d/ix-inc" "$d/ix-full1" "$d/live"
done

report() {
    echo "# Indexing"
    echo
    echo "One run of \`bench/indexing.sh\` ($(date -u +%Y-%m-%d)); $(nproc) cores. Indexed as bench/run.sh"
    echo "indexes (one passage per document, every word kept). Peak RSS from /usr/bin/time. Memory:"
    echo "the --memory budget in MB where one was set (default: a quarter of RAM)."
    echo
    echo "| corpus | run | threads | memory MB | source MB | seconds | MB/s | peak RSS MB | note |"
    echo "|---|---|---|---|---|---|---|---|---|"
    tail -n +2 "$CSV" | awk -F, '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
}
report >"$R/indexing.md"
python3 bench/phases.py "$PHASES" >"$R/indexing-phases.md"
cat "$R/indexing.md"
