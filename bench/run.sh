#!/bin/sh
# bench/run.sh [--quick]: one run, one engine after another, single-threaded.
#
# For every corpus and engine (ours: `search`, and `search-bp` built with
# --reorder; peers: Lucene 4.10, Xapian,
# SQLite FTS5, see bench/peers/README.md) it builds the index (wall time,
# peak RSS, bytes), then times the same queries in process after warm-up at
# k=10 and k=1000 (unions), and at k=10 the same words as a conjunction and
# as a phrase (ours, Xapian and FTS5; Lucene's driver runs unions only). Results: bench/results[/quick]/results.csv and
# results.md (with our speed ratio against each peer and the top-10 overlap
# with ours), latency-CORPUS-kK.svg (latency CDFs), codecs.md and the raw
# per-query times and runs. `make bench` / `make bench-quick` call this.
set -eu
cd "$(dirname "$0")/.."
QUICK=0
[ "${1:-}" = --quick ] && QUICK=1
SHARED=${SHARED:-../shared}
BIN=build/bench
PEERS=bench/peers/build
if [ $QUICK = 1 ]; then
    W=bench/work/quick; R=bench/results/quick; WARMUP=0.5; JAVA_WARMUP=2; PASSES=${PASSES:-1}
    CORPORA="seed cranfield syn20k"
else
    W=bench/work/full; R=bench/results; WARMUP=3; JAVA_WARMUP=20; PASSES=${PASSES:-3}
    CORPORA="seed simplewiki syn1m"
fi
# Every driver times the whole query list PASSES times after its warm-up
# and keeps each query's fastest time: a moment when the machine is busy
# with something else then costs no engine its figures.
export BENCH_PASSES=$PASSES
ENGINES=${ENGINES:-"search search-bp lucene xapian fts5"}
mkdir -p "$W" "$R/raw"
CSV=$R/results.csv
echo "corpus,engine,docs,source_mb,index_s,index_mb_per_s,index_bytes,postings,postings_bytes_per_posting,blockmax_bytes_per_posting,peak_rss_mb,k,queries,mean_us,p50_us,p95_us,p99_us,qps,speedup_vs_peer,top10_overlap,mismatches,mode,speedup_vs_reordered" >"$CSV"

log() { echo "bench: $*" >&2; }

. bench/corpora.sh # prepare NAME: $W/NAME/docs.tsv and queries.tsv

# ---- one engine: index, then search at k=10 and k=1000 ----
# Prints "seconds rss_kb bytes" of the build.
build_index() {
    engine=$1; docs=$2; dir=$3
    rm -rf "$dir"
    case $engine in
    search*) # one passage per document and every word kept, as the peers index them; block
        # maxima for the peers' BM25 (k1 1.2, b 0.75), which our searches then use
        cmd="./search index --corpus $docs --index $dir --passage-words 100000 --no-stopwords --k1 1.2 --b 0.75 --quiet"
        [ "$engine" = search-bp ] && cmd="$cmd --reorder" ;;
    *) mkdir -p "$dir"; cmd="$PEERS/${engine}_bench index $docs $dir" ;;
    esac
    /usr/bin/time -f "%e %M" -o "$W/time.txt" $cmd >"$W/index.json"
    bytes=$(du -sb "$dir" | cut -f1)
    echo "$(cat "$W/time.txt") $bytes"
}

run_queries() { # engine dir queries k prefix mode -> JSON line
    engine=$1; dir=$2; queries=$3; k=$4; prefix=$5; mode=$6
    case $engine in
    search*) # the default algorithm (bmm) for unions; every mode checked against the exhaustive one
        "$BIN/bench_search" "$dir" "$queries" -k "$k" --warmup "$WARMUP" --algorithms bmm,exhaustive \
            --mode "$mode" --out "$prefix" | head -n 1
        mv "$prefix.bmm.times" "$prefix.times"; mv "$prefix.bmm.run" "$prefix.run"
        rm -f "$prefix.exhaustive.times" "$prefix.exhaustive.run" ;;
    lucene) # the JVM compiles the hot code only after many runs: a longer warm-up
        "$PEERS/${engine}_bench" search "$dir" "$queries" "$k" "$JAVA_WARMUP" "$prefix" | tail -n 1 ;;
    *) "$PEERS/${engine}_bench" search "$dir" "$queries" "$k" "$WARMUP" "$prefix" "$mode" | tail -n 1 ;;
    esac
}

# Mean over queries of |top-10 of A ∩ top-10 of B| / 10, over queries where A has hits.
overlap() {
    awk 'FNR == 1 { f++ } $4 <= 10 { if (f == 1) a[$1 " " $3] = 1; else if (f == 2) { n[$1]++; if (($1 " " $3) in a) hit[$1]++ } }
         END { for (q in n) { s += hit[q] / 10; c++ } printf "%.3f", c ? s / c : 0 }' "$1" "$2"
}

json() { jq -r ".$2 // empty" <<EOF2
$1
EOF2
}

for corpus in $CORPORA; do
    prepare "$corpus"
    d=$W/$corpus
    docs=$d/docs.tsv
    ndocs=$(wc -l <"$docs")
    mb=$(wc -c <"$docs" | awk '{ printf "%.2f", $1 / 1e6 }')
    for engine in $ENGINES; do
        log "$corpus: $engine: indexing $ndocs documents"
        set -- $(build_index "$engine" "$docs" "$d/$engine.idx")
        secs=$1; rss=$2; bytes=$3
        postings=""; ppp=""; bmp=""
        if [ "$engine" = search ] || [ "$engine" = search-bp ]; then
            st=$("$BIN/index_stats" "$d/$engine.idx")
            postings=$(json "$st" postings)
            ppp=$(json "$st" ids_tfs_bytes_per_posting)
            bmp=$(json "$st" blockmax_bytes_per_posting)
            echo "$postings" >"$d/postings"
        else
            postings=$(cat "$d/postings")
            ppp=$(awk -v b="$bytes" -v p="$postings" 'BEGIN { printf "%.3f", b / p }') # whole index
        fi
        for run in "10 or" "1000 or" "10 and" "10 phrase"; do
            set -- $run; k=$1; mode=$2
            [ "$engine" = lucene ] && [ "$mode" != or ] && continue
            tag=k$k; [ "$mode" != or ] && tag=$mode-k$k
            log "$corpus: $engine: $mode queries at k=$k"
            res=$(run_queries "$engine" "$d/$engine.idx" "$d/queries.tsv" "$k" "$R/raw/$corpus-$engine-$tag" "$mode")
            echo "$res" >"$R/raw/$corpus-$engine-$tag.json"
            ov=""
            [ "$engine" != search ] && ov=$(overlap "$R/raw/$corpus-search-$tag.run" "$R/raw/$corpus-$engine-$tag.run")
            echo "$corpus,$engine,$ndocs,$mb,$secs,$(awk -v m="$mb" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? m / s : 0) }'),$bytes,$postings,$ppp,$bmp,$((rss / 1024)),$k,$(json "$res" queries),$(json "$res" mean_us),$(json "$res" p50_us),$(json "$res" p95_us),$(json "$res" p99_us),$(json "$res" qps),,$ov,$(json "$res" mismatches),$mode," >>"$CSV"
        done
        [ "$engine" = search ] || rm -rf "$d/$engine.idx" # keep disk use bounded
    done
done

# speedup_vs_peer = peer mean / our mean (corpus order), and
# speedup_vs_reordered = its mean / our mean with --reorder; same corpus, k and mode
awk -F, -v OFS=, 'NR == 1 { print; next } { row[NR] = $0; key = $1 "," $12 "," $22; if ($2 == "search") ours[key] = $14; if ($2 == "search-bp") bp[key] = $14 }
     END { for (i = 2; i <= NR; i++) { $0 = row[i]; key = $1 "," $12 "," $22
               if ($2 != "search" && $2 != "search-bp" && ours[key] > 0) $19 = sprintf("%.1f", $14 / ours[key])
               if ($2 != "search-bp" && bp[key] > 0) $23 = sprintf("%.1f", $14 / bp[key]); print } }' \
    "$CSV" >"$CSV.tmp" && mv "$CSV.tmp" "$CSV"

sh bench/report.sh "$R" "$CORPORA" "$ENGINES"
"$BIN/codec_bench" "$W/$(echo $CORPORA | awk '{ print $NF }')/search.idx" >"$R/codecs.json" 2>"$R/codecs.md" || log "codec bench failed"
log "results in $R/results.md"
