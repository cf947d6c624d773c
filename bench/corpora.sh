# bench/corpora.sh: sourced by the benchmark scripts. prepare NAME makes
# $W/NAME/docs.tsv (id<TAB>title<TAB>text) and queries.tsv once; $W, $BIN
# and $SHARED are the caller's.
# ---- corpora: $W/NAME/docs.tsv and queries.tsv ----
prepare() {
    name=$1; d=$W/$name
    [ -s "$d/docs.tsv" ] && [ -s "$d/queries.tsv" ] && return 0
    mkdir -p "$d"
    case $name in
    seed) # our passages of corpus/, so every engine ranks the same passages
        ./search index --corpus corpus --index "$d/split" --quiet
        "$BIN/dump_passages" "$d/split" >"$d/docs.tsv"
        cp bench/queries/seed.tsv "$d/queries.tsv" ;;
    cranfield)
        cp "$SHARED/collections/cranfield/docs.tsv" "$SHARED/collections/cranfield/queries.tsv" "$d/" ;;
    simplewiki)
        gzip -dc "$SHARED/collections/simplewiki/docs.tsv.gz" >"$d/docs.tsv"
        cp "$SHARED/collections/simplewiki/queries.tsv" "$d/queries.tsv" ;;
    syn20k|syn50k|syn1m|syn10m) # synthetic passages: 20k and 50k for the quick runs, 10M (3.1 GB) for bench/open.sh
        n=20000; q=500
        [ "$name" = syn50k ] && n=50000
        [ "$name" = syn1m ] && n=1000000 && q=2000
        [ "$name" = syn10m ] && n=10000000 && q=2000
        cc -O2 -o "$W/gencorpus" "$SHARED/gencorpus.c" -lm
        "$W/gencorpus" "$n" 10000 "$d" >/dev/null
        head -n "$q" "$d/queries.tsv" >"$d/q" && mv "$d/q" "$d/queries.tsv" ;;
    esac
}

