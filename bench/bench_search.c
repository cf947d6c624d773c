/*
 * bench_search.c: query latency of our engine, in process.
 *
 *   bench_search INDEX QUERIES.tsv [-k K] [--algorithms a,b] [--warmup SEC]
 *                [--out PREFIX] [--k1 X] [--b X] [--mode or|and|phrase]
 *                [--title-boost X] [--heading-boost X] [--rm3 WEIGHT]
 *                [--rm3-docs N] [--rm3-terms N] [--article-weight X] [--proximity W]
 *
 * --rm3 WEIGHT times RM3 feedback at that original-query weight (the first
 * stage, reading and analysing the feedback passages, the expanded
 * search); --article-weight X ranks articles with article evidence, as a
 * TREC run does (per_article 1). Both are checked against the exhaustive
 * algorithm like the rest (bench/README.md, "Ranking options").
 *
 * --mode turns each query's words into a union (default), a conjunction
 * (+w1 +w2 ...) or one phrase ("w1 w2 ..."). The title and heading fields
 * are off by default (boost 0): the peers index title and text as one
 * field, and so does our body, so the work compared is the same.
 *
 * Loads the queries, computes the exhaustive top-k of each as the
 * reference, then for each algorithm warms up (the whole query list, until
 * SEC seconds passed) and times every query once (analysis + search +
 * sorting the top k; no printing). Prints one JSON line per algorithm with
 * mean/p50/p95/p99 in microseconds, QPS and the number of queries whose
 * top k differs from the exhaustive one (passages or scores), which must
 * be 0. --out writes PREFIX.ALG.times (qid, µs) and PREFIX.ALG.run (TREC).
 * The algorithm "open" scores nothing (see OpenOnly): the fixed cost.
 *
 * Searches go through the public API (libsearch.h), as an embedding
 * program's would: srch_search_into with scores_only, so that the timed
 * path reads no record and, reusing one srch_hits, allocates nothing.
 * Only the "open" diagnostic reaches into the internals.
 */
#include "libsearch.h"
#include "query/query.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    char *qid, *text;
} QueryLine;

static QueryLine *load_queries(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_search: cannot open %s\n", path);
        exit(2);
    }
    QueryLine *q = NULL;
    size_t cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    *n = 0;
    while ((got = getline(&line, &lcap, f)) > 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = 0;
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = 0;
        if (*n == cap) q = xrealloc(q, (cap = cap ? cap * 2 : 1024) * sizeof *q);
        q[*n].qid = xstrdup(line);
        q[*n].text = xstrdup(tab + 1);
        (*n)++;
    }
    free(line);
    fclose(f);
    return q;
}

/* The query text for a mode: words as they are, each required, or quoted. */
static char *query_for_mode(const char *words, const char *mode)
{
    Buf b = {0};
    int phrase = !strcmp(mode, "phrase"), all = !strcmp(mode, "and");
    if (phrase) buf_put_u8(&b, '"');
    for (const char *p = words; *p;) {
        while (*p == ' ' || *p == '\t') p++;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        if (p == s) break;
        if (b.len > (size_t)phrase) buf_put_u8(&b, ' ');
        if (all) buf_put_u8(&b, '+');
        for (const char *c = s; c < p; c++) /* words only: no syntax of their own */
            buf_put_u8(&b, strchr("\"()+-*:~!&|", *c) ? ' ' : (uint8_t)*c);
    }
    if (phrase) buf_put_u8(&b, '"');
    buf_put_u8(&b, 0);
    return (char *)b.data;
}

/* ---- "open": a diagnostic through the internals ---- */

/* What a query does before its algorithm scores anything: the analysis
 * and look-ups, the threshold's seed (where search_run seeds), opening
 * the cursors. Run here rather than through search_run, which sends a
 * one-word query to the conjunctive scorer; its mismatches count every
 * query with hits. The API has no such algorithm, so this opens the index
 * a second time through the internals and wires a query by hand. */
typedef struct {
    Index *ix;
    Analyzer *an;
    Bm25 bm25;
    QueryOptions qo;
    SearchContext ctx;
    Query q;
    TopK top;
} OpenOnly;

static OpenOnly *open_only_new(const char *dir, const srch_search_options *o)
{
    OpenOnly *p = xcalloc(1, sizeof *p);
    p->ix = index_open(dir);
    if (!p->ix) {
        fprintf(stderr, "bench_search: %s\n", err_msg());
        exit(2);
    }
    p->an = analyzer_new(&index_stats(p->ix)->analysis);
    query_options_default(&p->qo);
    p->qo.title = o->title_boost;
    p->qo.heading = o->heading_boost;
    float k1 = o->k1, b = o->b;
    bm25_params(index_stats(p->ix), &k1, &b); /* as srch_search */
    bm25_init(&p->bm25, k1, b, index_stats(p->ix));
    search_context_init(&p->ctx, p->ix, &p->bm25);
    query_init(&p->q);
    topk_init(&p->top, o->k, NULL);
    return p;
}

static void open_only_run(OpenOnly *p, const char *text)
{
    topk_clear(&p->top);
    if (query_parse_with(p->an, p->ix, &p->bm25, &p->qo, text, &p->q) != 0) return;
    SearchContext *c = &p->ctx;
    c->q = &p->q;
    for (size_t i = 0; i < index_nsegments(c->ix); i++) {
        search_segment(c, i, &p->top);
        search_seed_threshold(c, &p->top);
        if (search_check_cursors(c, search_open_cursors(c)) != 0) {
            fprintf(stderr, "bench_search: %s\n", err_msg());
            exit(2);
        }
    }
}

static void open_only_free(OpenOnly *p)
{
    if (!p) return;
    topk_free(&p->top);
    query_free(&p->q);
    search_context_free(&p->ctx);
    analyzer_free(p->an);
    index_close(p->ix);
    free(p);
}

/* ---- searching through the API ---- */

typedef struct {
    const char *dir;
    srch_index *ix;
    srch_searcher *s;
    srch_search_options o; /* k, BM25, boosts, scores_only; the algorithm per run */
    srch_hits *hits;       /* reused by every search: none allocates */
    OpenOnly *open;        /* made when "open" is first run */
} Bench;

/* One hit as compared with the reference: its passage and score. */
typedef struct {
    uint64_t pid;
    double score;
} Ranked;

static int is_open(const char *alg) { return strcmp(alg, "open") == 0; }

static int known_algorithm(const char *name)
{
    for (const char *const *a = srch_algorithms(); *a; a++)
        if (!strcmp(*a, name)) return 1;
    return is_open(name);
}

/* Runs one query; leaves its hits in b->hits (none for a query the
 * engine refuses, as the reference has none either), except "open". */
static void run_one(Bench *b, const char *alg, const char *text)
{
    if (is_open(alg)) {
        if (!b->open) b->open = open_only_new(b->dir, &b->o);
        open_only_run(b->open, text);
        return;
    }
    b->o.algorithm = alg;
    srch_error err;
    srch_code rc = srch_search_into(b->s, text, &b->o, &b->hits, &err);
    if (rc != SRCH_OK && rc != SRCH_BAD_QUERY) {
        fprintf(stderr, "bench_search: %s\n", err.message);
        exit(2);
    }
}

/* Copies the hits alg left in b->hits into out (room for k); returns
 * how many ("open" ranks nothing). */
static size_t keep_hits(const Bench *b, const char *alg, Ranked *out)
{
    size_t n = is_open(alg) ? 0 : srch_hits_count(b->hits);
    for (size_t j = 0; j < n; j++) {
        const srch_hit *h = srch_hits_get(b->hits, j);
        out[j] = (Ranked){h->passage_id, h->score};
    }
    return n;
}

/* 1 when got is the reference: the same passages, bitwise the same scores. */
static int same_hits(const Ranked *got, size_t n, const Ranked *ref, size_t nref)
{
    if (n != nref) return 0;
    for (size_t j = 0; j < n; j++)
        if (got[j].pid != ref[j].pid || memcmp(&got[j].score, &ref[j].score, sizeof got[j].score) != 0) return 0;
    return 1;
}

/* The query's hits as a TREC run, searched again untimed with their
 * records (ids_only): the timed search reads none. */
static void write_run(Bench *b, FILE *run, const char *alg, const QueryLine *q)
{
    if (is_open(alg)) return; /* it ranks nothing */
    b->o.scores_only = 0;
    b->o.ids_only = 1;
    run_one(b, alg, q->text);
    for (size_t j = 0; j < srch_hits_count(b->hits); j++) {
        const srch_hit *h = srch_hits_get(b->hits, j);
        fprintf(run, "%s Q0 %.*s %zu %.6f %s\n", q->qid, (int)h->id_len, h->id, j + 1, h->score, alg);
    }
    b->o.ids_only = 0;
    b->o.scores_only = 1;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, c = *(const double *)y;
    return (a > c) - (a < c);
}

static double pct(const double *sorted, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

/* ---- the benchmark ---- */

typedef struct {
    size_t k;
    double warmup;
    const char *algs, *out, *mode;
    int passes, repeat;
    /* Diagnostics of where a cold query's time goes (bench/README.md):
     * BENCH_FLUSH=MB writes that many MB before each timed run, pushing
     * everything out of the caches; BENCH_WARM=ALG runs the same query with
     * another algorithm, untimed, just before, so its data (lexicon,
     * postings, lengths) is in the caches but not the timed code's state;
     * with BENCH_WARM_FIRST set, the warm-up runs before the flush, so what
     * survives is what the flush leaves alone: chiefly the branch
     * predictors' history of that very query. */
    size_t flush;
    volatile uint8_t *flush_buf;
    const char *warm_alg;
    int warm_first;
} Settings;

/* The queries and what each algorithm's answers are checked against. */
typedef struct {
    QueryLine *qs;
    size_t nq;
    Ranked *ref, *got; /* k per query */
    size_t *nref, *ngot;
    double *us, *sorted;
} Data;

/* The default list: every algorithm the API knows, in its order. */
static char *all_algorithms(void)
{
    Buf b = {0};
    for (const char *const *a = srch_algorithms(); *a; a++) buf_printf(&b, "%s%s", b.len ? "," : "", *a);
    buf_put_u8(&b, 0);
    return (char *)b.data;
}

static void parse_args(int argc, char **argv, Settings *st, srch_search_options *o)
{
    srch_search_options_init(o);
    o->title_boost = o->heading_boost = 0;
    o->scores_only = 1;
    st->k = 10;
    st->warmup = 2.0;
    st->algs = NULL;
    st->out = NULL;
    st->mode = "or";
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-k")) st->k = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--algorithms")) st->algs = argv[i + 1];
        else if (!strcmp(argv[i], "--warmup")) st->warmup = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--out")) st->out = argv[i + 1];
        else if (!strcmp(argv[i], "--k1")) o->k1 = (float)atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--b")) o->b = (float)atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--mode")) st->mode = argv[i + 1];
        else if (!strcmp(argv[i], "--title-boost")) o->title_boost = (float)atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--heading-boost")) o->heading_boost = (float)atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--rm3")) o->rm3 = 1, o->rm3_weight = (float)atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--rm3-docs")) o->rm3_docs = (uint32_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--rm3-terms")) o->rm3_terms = (uint32_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--article-weight")) o->per_article = 1, o->article_weight = (float)atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--proximity")) o->proximity = (float)atof(argv[i + 1]);
    }
    o->k = st->k;
    if (strcmp(st->mode, "or") && strcmp(st->mode, "and") && strcmp(st->mode, "phrase")) {
        fprintf(stderr, "bench_search: --mode is or, and or phrase\n");
        exit(2);
    }
    const char *pv = getenv("BENCH_PASSES"), *rv = getenv("BENCH_REPEAT");
    st->passes = pv && atoi(pv) > 1 ? atoi(pv) : 1;
    st->repeat = rv && atoi(rv) > 1 ? atoi(rv) : 1;
    const char *fv = getenv("BENCH_FLUSH"), *wv = getenv("BENCH_WARM");
    st->flush = fv ? (size_t)atol(fv) << 20 : 0;
    st->flush_buf = st->flush ? xcalloc(st->flush, 1) : NULL;
    st->warm_alg = wv && *wv ? wv : NULL;
    st->warm_first = getenv("BENCH_WARM_FIRST") != NULL;
    if (st->warm_alg && !known_algorithm(st->warm_alg)) {
        fprintf(stderr, "bench_search: unknown algorithm %s\n", st->warm_alg);
        exit(2);
    }
}

static void open_bench(Bench *b, const char *dir)
{
    srch_error err;
    b->dir = dir;
    if (srch_open(dir, &b->ix, &err) != SRCH_OK || srch_searcher_new(b->ix, &b->s, &err) != SRCH_OK) {
        fprintf(stderr, "bench_search: %s\n", err.message);
        exit(2);
    }
}

/* Loads the queries (in the mode's syntax) and their exhaustive top k. */
static void load_data(Bench *b, const Settings *st, const char *path, Data *d)
{
    d->qs = load_queries(path, &d->nq);
    if (!d->nq) {
        fprintf(stderr, "bench_search: no queries\n");
        exit(2);
    }
    for (size_t i = 0; i < d->nq; i++) {
        char *t = query_for_mode(d->qs[i].text, st->mode);
        free(d->qs[i].text);
        d->qs[i].text = t;
    }
    d->ref = xmalloc(d->nq * st->k * sizeof *d->ref);
    d->got = xmalloc(d->nq * st->k * sizeof *d->got);
    d->nref = xmalloc(d->nq * sizeof *d->nref);
    d->ngot = xmalloc(d->nq * sizeof *d->ngot);
    d->us = xmalloc(d->nq * sizeof *d->us);
    d->sorted = xmalloc(d->nq * sizeof *d->sorted);
    for (size_t i = 0; i < d->nq; i++) {
        run_one(b, "exhaustive", d->qs[i].text);
        d->nref[i] = keep_hits(b, "exhaustive", d->ref + i * st->k);
    }
}

/* Times query i with alg, as a pass and repetition of the settings say
 * (bench/README.md): BENCH_FLUSH and BENCH_WARM act before each run; the
 * fastest run is kept; the first run's hits are kept for the check. */
static void time_query(Bench *b, const Settings *st, Data *d, const char *alg, size_t i, int pass)
{
    for (int rep = 0; rep < st->repeat; rep++) {
        if (st->warm_alg && st->warm_first) run_one(b, st->warm_alg, d->qs[i].text);
        for (size_t z = 0; z < st->flush; z += 64) st->flush_buf[z]++;
        if (st->warm_alg && !st->warm_first) run_one(b, st->warm_alg, d->qs[i].text);
        double s = now_seconds();
        run_one(b, alg, d->qs[i].text);
        double t = (now_seconds() - s) * 1e6;
        if ((pass == 0 && rep == 0) || t < d->us[i]) d->us[i] = t;
        if (pass || rep) continue;
        d->ngot[i] = keep_hits(b, alg, d->got + i * st->k);
    }
}

static FILE *open_out(const Settings *st, const char *alg, const char *ext)
{
    if (!st->out) return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s.%s.%s", st->out, alg, ext);
    return fopen(path, "w");
}

/* Checks and writes what the timed passes kept, then prints the line. */
static void report(Bench *b, const Settings *st, Data *d, const char *alg)
{
    FILE *times = open_out(st, alg, "times"), *run = open_out(st, alg, "run");
    size_t mismatches = 0, nq = d->nq;
    double total = 0;
    for (size_t i = 0; i < nq; i++) {
        total += d->us[i];
        mismatches += !same_hits(d->got + i * st->k, d->ngot[i], d->ref + i * st->k, d->nref[i]);
        if (times) fprintf(times, "%s\t%.3f\n", d->qs[i].qid, d->us[i]);
        if (run) write_run(b, run, alg, &d->qs[i]);
    }
    if (times) fclose(times);
    if (run) fclose(run);
    memcpy(d->sorted, d->us, nq * sizeof *d->us);
    qsort(d->sorted, nq, sizeof *d->sorted, cmp_double);
    printf("{\"engine\":\"search\",\"algorithm\":\"%s\",\"mode\":\"%s\",\"queries\":%zu,\"k\":%zu,\"mean_us\":%.3f,"
           "\"p50_us\":%.3f,\"p95_us\":%.3f,\"p99_us\":%.3f,\"qps\":%.1f,\"mismatches\":%zu}\n",
           alg, st->mode, nq, st->k, total / (double)nq, pct(d->sorted, nq, 0.5), pct(d->sorted, nq, 0.95),
           pct(d->sorted, nq, 0.99), (double)nq / (total / 1e6), mismatches);
#ifdef SEARCH_COUNTERS
    /* per query run (a build with -DSEARCH_COUNTERS: `make bench-counters`);
     * its times are not the reports' (the counting costs a little) */
    double runs = (double)nq * st->passes * st->repeat;
    const WorkCounters *w = &work_counters;
    printf("{\"algorithm\":\"%s\",\"k\":%zu,\"id_blocks\":%.2f,\"seek_id_blocks\":%.2f,\"tf_blocks\":%.2f,"
           "\"candidates\":%.1f,\"completions\":%.1f,\"bound_skips\":%.1f,\"seeks\":%.1f,\"seek_hits\":%.1f,"
           "\"exact_opens\":%.3f,\"generic_opens\":%.3f}\n",
           alg, st->k, w->id_blocks / runs, w->seek_id_blocks / runs, w->tf_blocks / runs, w->candidates / runs,
           w->completions / runs, w->bound_skips / runs, w->seeks / runs, w->seek_hits / runs, w->exact_opens / runs,
           w->generic_opens / runs);
#endif
    fflush(stdout);
}

/* Warms up, then times every query. The timed passes keep the hits in
 * memory; checking and writing them comes after, so it does not disturb
 * the caches between queries (the peers' drivers do the same). A query's
 * time is its fastest of the passes (BENCH_PASSES, default 1), which
 * keeps a busy moment of the machine out of the figures. BENCH_REPEAT=N
 * runs each query N times in a row instead of once, so that the later
 * runs find its data in the caches: not what the reports measure, but it
 * shows the CPU's work with far less noise, for comparing two builds. */
static void bench_algorithm(Bench *b, const Settings *st, Data *d, const char *alg)
{
    double t0 = now_seconds();
    do
        for (size_t i = 0; i < d->nq; i++) run_one(b, alg, d->qs[i].text);
    while (now_seconds() - t0 < st->warmup);
#ifdef SEARCH_COUNTERS
    memset(&work_counters, 0, sizeof work_counters); /* the timed runs' work only */
#endif
    for (int pass = 0; pass < st->passes; pass++)
        for (size_t i = 0; i < d->nq; i++) time_query(b, st, d, alg, i, pass);
    report(b, st, d, alg);
}

static void free_data(Data *d)
{
    for (size_t i = 0; i < d->nq; i++) {
        free(d->qs[i].qid);
        free(d->qs[i].text);
    }
    free(d->qs);
    free(d->ref);
    free(d->got);
    free(d->nref);
    free(d->ngot);
    free(d->us);
    free(d->sorted);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_search INDEX QUERIES.tsv [-k K] [--algorithms a,b] [--warmup SEC] [--out PREFIX]\n");
        return 2;
    }
    Bench b = {0};
    open_bench(&b, argv[1]);
    Settings st;
    parse_args(argc, argv, &st, &b.o);
    Data d;
    load_data(&b, &st, argv[2], &d);
    char *list = st.algs ? xstrdup(st.algs) : all_algorithms();
    for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
        if (!known_algorithm(name)) {
            fprintf(stderr, "bench_search: unknown algorithm %s\n", name);
            return 2;
        }
        bench_algorithm(&b, &st, &d, name);
    }
    free(list);
    free((void *)st.flush_buf);
    free_data(&d);
    open_only_free(b.open);
    srch_hits_free(b.hits);
    srch_searcher_free(b.s);
    srch_close(b.ix);
    return 0;
}
