/*
 * bench_search.c: query latency of our engine, in process.
 *
 *   bench_search INDEX QUERIES.tsv [-k K] [--algorithms a,b] [--warmup SEC]
 *                [--out PREFIX] [--k1 X] [--b X] [--mode or|and|phrase]
 *                [--title-boost X] [--heading-boost X]
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
 * The algorithm "open" scores nothing (see open_only): the fixed cost.
 */
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

typedef struct {
    Index *ix;
    Analyzer *an;
    Bm25 bm25;
    QueryOptions qo;
    SearchContext ctx;
    Query q;
    TopK top;
} Bench;

/* "open": what a query does before its algorithm scores anything: the
 * analysis and look-ups, the threshold's seed (where search_run seeds),
 * opening the cursors. Run here rather than through search_run, which
 * sends a one-word query to the conjunctive scorer; its mismatches count
 * every query with hits. */
static int open_only(SearchContext *c, TopK *top)
{
    for (size_t i = 0; i < index_nsegments(c->ix); i++) {
        search_segment(c, i, top);
        search_seed_threshold(c, top);
        if (search_check_cursors(c, search_open_cursors(c)) != 0) return -1;
    }
    return 0;
}

static const Algorithm OPEN_ONLY = {"open", "analysis, look-ups, seed and cursors; no scoring", open_only, 0};

static const Algorithm *bench_algorithm(const char *name)
{
    return strcmp(name, "open") == 0 ? &OPEN_ONLY : algorithm_find(name);
}

/* Runs one query; leaves the sorted hits in b->top. */
static void run_one(Bench *b, const Algorithm *alg, const char *text)
{
    topk_clear(&b->top);
    if (query_parse_with(b->an, b->ix, &b->bm25, &b->qo, text, &b->q) != 0) return;
    b->ctx.q = &b->q;
    if ((alg == &OPEN_ONLY ? open_only(&b->ctx, &b->top) : search_run(alg, &b->ctx, &b->top)) != 0) {
        fprintf(stderr, "bench_search: %s\n", err_msg());
        exit(2);
    }
    topk_sorted(&b->top);
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

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_search INDEX QUERIES.tsv [-k K] [--algorithms a,b] [--warmup SEC] [--out PREFIX]\n");
        return 2;
    }
    size_t k = 10;
    double warmup = 2.0;
    const char *algs = "bmm,bmw,maxscore,wand,exhaustive", *out = NULL, *mode = "or";
    float k1 = BM25_K1_DEFAULT, bb = BM25_B_DEFAULT;
    Bench b;
    query_options_default(&b.qo);
    b.qo.title = b.qo.heading = 0;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-k")) k = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--algorithms")) algs = argv[i + 1];
        else if (!strcmp(argv[i], "--warmup")) warmup = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--out")) out = argv[i + 1];
        else if (!strcmp(argv[i], "--k1")) k1 = (float)atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--b")) bb = (float)atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--mode")) mode = argv[i + 1];
        else if (!strcmp(argv[i], "--title-boost")) b.qo.title = (float)atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--heading-boost")) b.qo.heading = (float)atof(argv[i + 1]);
    }
    if (strcmp(mode, "or") && strcmp(mode, "and") && strcmp(mode, "phrase")) {
        fprintf(stderr, "bench_search: --mode is or, and or phrase\n");
        return 2;
    }
    b.ix = index_open(argv[1]);
    if (!b.ix) {
        fprintf(stderr, "bench_search: %s\n", err_msg());
        return 2;
    }
    b.an = analyzer_new(&index_stats(b.ix)->analysis);
    bm25_init(&b.bm25, k1, bb, index_stats(b.ix));
    search_context_init(&b.ctx, b.ix, &b.bm25);
    query_init(&b.q);
    topk_init(&b.top, k, NULL);
    size_t nq;
    QueryLine *qs = load_queries(argv[2], &nq);
    for (size_t i = 0; i < nq; i++) {
        char *t = query_for_mode(qs[i].text, mode);
        free(qs[i].text);
        qs[i].text = t;
    }
    if (!nq) {
        fprintf(stderr, "bench_search: no queries\n");
        return 2;
    }

    /* the reference: exhaustive top k of every query */
    Hit **ref = xmalloc(nq * sizeof *ref);
    size_t *nref = xmalloc(nq * sizeof *nref);
    for (size_t i = 0; i < nq; i++) {
        run_one(&b, algorithm_find("exhaustive"), qs[i].text);
        nref[i] = b.top.n;
        ref[i] = xmalloc((b.top.n ? b.top.n : 1) * sizeof **ref);
        memcpy(ref[i], b.top.heap, b.top.n * sizeof **ref);
    }

    double *us = xmalloc(nq * sizeof *us), *sorted = xmalloc(nq * sizeof *sorted);
    Hit *got = xmalloc(nq * k * sizeof *got);
    size_t *ngot = xmalloc(nq * sizeof *ngot);
    const char *pv = getenv("BENCH_PASSES"), *rv = getenv("BENCH_REPEAT");
    int passes = pv ? atoi(pv) : 1, repeat = rv ? atoi(rv) : 1;
    if (passes < 1) passes = 1;
    if (repeat < 1) repeat = 1;
    /* Diagnostics of where a cold query's time goes (bench/README.md):
     * BENCH_FLUSH=MB writes that many MB before each timed run, pushing
     * everything out of the caches; BENCH_WARM=ALG runs the same query with
     * another algorithm, untimed, just before, so its data (lexicon,
     * postings, lengths) is in the caches but not the timed code's state;
     * with BENCH_WARM_FIRST set, the warm-up runs before the flush, so what
     * survives is what the flush leaves alone: chiefly the branch
     * predictors' history of that very query. */
    const char *fv = getenv("BENCH_FLUSH"), *wv = getenv("BENCH_WARM");
    size_t flush = fv ? (size_t)atol(fv) << 20 : 0;
    volatile uint8_t *flush_buf = flush ? xcalloc(flush, 1) : NULL;
    const Algorithm *warm_alg = wv && *wv ? bench_algorithm(wv) : NULL;
    int warm_first = getenv("BENCH_WARM_FIRST") != NULL;
    if (wv && *wv && !warm_alg) {
        fprintf(stderr, "bench_search: unknown algorithm %s\n", wv);
        return 2;
    }
    char *list = xstrdup(algs);
    for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
        const Algorithm *alg = bench_algorithm(name);
        if (!alg) {
            fprintf(stderr, "bench_search: unknown algorithm %s\n", name);
            return 2;
        }
        double t0 = now_seconds();
        do
            for (size_t i = 0; i < nq; i++) run_one(&b, alg, qs[i].text);
        while (now_seconds() - t0 < warmup);
        size_t mismatches = 0;
        double total = 0;
        FILE *times = NULL, *run = NULL;
        if (out) {
            char path[4096];
            snprintf(path, sizeof path, "%s.%s.times", out, name);
            times = fopen(path, "w");
            snprintf(path, sizeof path, "%s.%s.run", out, name);
            run = fopen(path, "w");
        }
        /* The timed passes keep the hits in memory; checking and writing
         * them comes after, so it does not disturb the caches between
         * queries (the peers' drivers do the same). A query's time is its
         * fastest of the passes (BENCH_PASSES, default 1), which keeps a
         * busy moment of the machine out of the figures. BENCH_REPEAT=N
         * runs each query N times in a row instead of once, so that the
         * later runs find its data in the caches: not what the reports
         * measure, but it shows the CPU's work with far less noise, for
         * comparing two builds. BENCH_FLUSH and BENCH_WARM act before each
         * of those runs. */
        for (int pass = 0; pass < passes; pass++)
            for (size_t i = 0; i < nq; i++)
                for (int rep = 0; rep < repeat; rep++) {
                    if (warm_alg && warm_first) run_one(&b, warm_alg, qs[i].text);
                    for (size_t z = 0; z < flush; z += 64) flush_buf[z]++;
                    if (warm_alg && !warm_first) run_one(&b, warm_alg, qs[i].text);
                    double s = now_seconds();
                    run_one(&b, alg, qs[i].text);
                    double t = (now_seconds() - s) * 1e6;
                    if ((pass == 0 && rep == 0) || t < us[i]) us[i] = t;
                    if (pass || rep) continue;
                    ngot[i] = b.top.n;
                    memcpy(got + i * k, b.top.heap, b.top.n * sizeof *got);
                }
        for (size_t i = 0; i < nq; i++) total += us[i];
        for (size_t i = 0; i < nq; i++) {
            const Hit *h = got + i * k;
            int same = ngot[i] == nref[i];
            for (size_t j = 0; same && j < ngot[i]; j++)
                same = h[j].pid == ref[i][j].pid && h[j].score == ref[i][j].score;
            mismatches += !same;
            if (times) fprintf(times, "%s\t%.3f\n", qs[i].qid, us[i]);
            for (size_t j = 0; run && j < ngot[i]; j++) {
                PassageInfo p;
                ArticleInfo a;
                index_passage(b.ix, h[j].pid, &p);
                index_article(b.ix, p.article, &a);
                fprintf(run, "%s Q0 %.*s %zu %.6f %s\n", qs[i].qid, (int)a.id_len, a.id, j + 1, h[j].score, name);
            }
        }
        if (times) fclose(times);
        if (run) fclose(run);
        memcpy(sorted, us, nq * sizeof *us);
        qsort(sorted, nq, sizeof *sorted, cmp_double);
        printf("{\"engine\":\"search\",\"algorithm\":\"%s\",\"mode\":\"%s\",\"queries\":%zu,\"k\":%zu,\"mean_us\":%.3f,"
               "\"p50_us\":%.3f,\"p95_us\":%.3f,\"p99_us\":%.3f,\"qps\":%.1f,\"mismatches\":%zu}\n",
               name, mode, nq, k, total / (double)nq, pct(sorted, nq, 0.5), pct(sorted, nq, 0.95), pct(sorted, nq, 0.99),
               (double)nq / (total / 1e6), mismatches);
        fflush(stdout);
    }
    free(list);
    free((void *)flush_buf);
    for (size_t i = 0; i < nq; i++) {
        free(qs[i].qid);
        free(qs[i].text);
        free(ref[i]);
    }
    free(qs);
    free(ref);
    free(nref);
    free(us);
    free(sorted);
    free(got);
    free(ngot);
    topk_free(&b.top);
    query_free(&b.q);
    search_context_free(&b.ctx);
    analyzer_free(b.an);
    index_close(b.ix);
    return 0;
}
