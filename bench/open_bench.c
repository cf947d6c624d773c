/*
 * open_bench.c: what one search costs from nothing: opening the index,
 * running one query and reading its hits, as a command-line search or a
 * server's first request does.
 *
 *   open_bench INDEX QUERIES.tsv [-n RUNS] [-k K]
 *
 * Each of RUNS runs (21) takes the next query of QUERIES.tsv (qid<TAB>text)
 * and times, in process: the open (index_open, the analyser, the search
 * context), the query (its parse, which looks its terms up; the search,
 * the default algorithm at k = K, 10; showing the hits: every hit's
 * passage and article records and its text), and the close. Before the timed runs, the same RUNS
 * queries run once untimed, so the index's pages that they read are in
 * the page cache: a timed open still maps its files afresh, as a new
 * process would. Prints one JSON line: the median, smallest and largest
 * of open + query, and the medians of each part, in milliseconds (the
 * medians of the parts need not add up to the median of the whole).
 */
#include "query/query.h"

#include <stdio.h>
#include <stdlib.h>

static char **load_queries(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "open_bench: cannot open %s\n", path);
        exit(2);
    }
    char **q = NULL, *line = NULL;
    size_t cap = 0, lcap = 0;
    ssize_t got;
    *n = 0;
    while ((got = getline(&line, &lcap, f)) > 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = 0;
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        if (*n == cap) q = xrealloc(q, (cap = cap ? 2 * cap : 256) * sizeof *q);
        q[(*n)++] = xstrdup(tab + 1);
    }
    free(line);
    fclose(f);
    return q;
}

typedef struct {
    double open, parse, search, show, close; /* seconds */
    size_t hits;
} Run;

/* One search from nothing; exits on an error (the index must be sound). */
static Run run_once(const char *dir, const char *text, size_t k)
{
    Run r = {0};
    double t0 = now_seconds();
    Index *ix = index_open(dir);
    if (!ix) {
        fprintf(stderr, "open_bench: %s\n", err_msg());
        exit(2);
    }
    Analyzer *an = analyzer_new(&index_stats(ix)->analysis);
    Bm25 bm25;
    bm25_init(&bm25, index_stats(ix)->impact_k1, index_stats(ix)->impact_b, index_stats(ix)); /* as srch_search */
    SearchContext ctx;
    search_context_init(&ctx, ix, &bm25);
    Query q;
    query_init(&q);
    TopK top;
    topk_init(&top, k, NULL);
    double t1 = now_seconds();
    int rc = query_parse(an, ix, &bm25, text, &q);
    ctx.q = &q;
    double tp = now_seconds();
    if (rc == 0) rc = search_run(algorithm_default(), &ctx, &top);
    double ts = now_seconds();
    Buf out = {0};
    r.hits = rc == 0 ? topk_sorted(&top) : 0;
    for (size_t i = 0; rc == 0 && i < r.hits; i++) {
        PassageInfo p;
        ArticleInfo a;
        rc = index_passage(ix, top.heap[i].pid, &p) || index_article(ix, p.article, &a) ||
             index_passage_text(ix, top.heap[i].pid, &out);
    }
    if (rc != 0) {
        fprintf(stderr, "open_bench: \"%s\": %s\n", text, err_msg());
        exit(2);
    }
    double t2 = now_seconds();
    buf_free(&out);
    topk_free(&top);
    query_free(&q);
    search_context_free(&ctx);
    analyzer_free(an);
    index_close(ix);
    double t3 = now_seconds();
    r.open = t1 - t0;
    r.parse = tp - t1;
    r.search = ts - tp;
    r.show = t2 - ts;
    r.close = t3 - t2;
    return r;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n values (n odd: the middle one), in ms; sorts v. */
static double median_ms(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_value);
    return 1e3 * (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: open_bench INDEX QUERIES.tsv [-n RUNS] [-k K]\n");
        return 2;
    }
    size_t runs = 21, k = 10;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-n")) runs = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "-k")) k = (size_t)atol(argv[i + 1]);
    }
    size_t nq;
    char **queries = load_queries(argv[2], &nq);
    if (!nq || !runs) {
        fprintf(stderr, "open_bench: no queries or no runs\n");
        return 2;
    }
    for (size_t i = 0; i < runs; i++) run_once(argv[1], queries[i % nq], k); /* the page cache */
    enum { OPEN, QUERY, PARSE, SEARCH, SHOW, CLOSE, BOTH, NT };
    double *t[NT];
    for (int j = 0; j < NT; j++) t[j] = xmalloc(runs * sizeof *t[j]);
    size_t hits = 0;
    for (size_t i = 0; i < runs; i++) {
        Run r = run_once(argv[1], queries[i % nq], k);
        t[OPEN][i] = r.open;
        t[QUERY][i] = r.parse + r.search + r.show;
        t[PARSE][i] = r.parse;
        t[SEARCH][i] = r.search;
        t[SHOW][i] = r.show;
        t[CLOSE][i] = r.close;
        t[BOTH][i] = r.open + r.parse + r.search + r.show;
        hits += r.hits;
    }
    double med = median_ms(t[BOTH], runs); /* sorted now: [0] is the smallest */
    printf("{\"index\":\"%s\",\"runs\":%zu,\"k\":%zu,\"open_query_ms\":%.3f,\"open_query_min_ms\":%.3f,"
           "\"open_query_max_ms\":%.3f,\"open_ms\":%.3f,\"query_ms\":%.3f,\"parse_ms\":%.3f,\"search_ms\":%.3f,"
           "\"show_ms\":%.3f,\"close_ms\":%.3f,\"hits\":%zu}\n",
           argv[1], runs, k, med, 1e3 * t[BOTH][0], 1e3 * t[BOTH][runs - 1], median_ms(t[OPEN], runs),
           median_ms(t[QUERY], runs), median_ms(t[PARSE], runs), median_ms(t[SEARCH], runs), median_ms(t[SHOW], runs),
           median_ms(t[CLOSE], runs), hits);
    for (int j = 0; j < NT; j++) free(t[j]);
    for (size_t i = 0; i < nq; i++) free(queries[i]);
    free(queries);
    return 0;
}
