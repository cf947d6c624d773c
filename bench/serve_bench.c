/*
 * serve_bench.c: what search serve does for GET /search, in process, on one
 * thread: search (k hits), then the same JSON body (serve_search_body,
 * src/serve/reply.c). The baseline bench/serve.sh compares the server's
 * queries per second with: the difference is HTTP, sockets and threads.
 *
 *   serve_bench INDEX QUERIES.tsv [-k K] [--seconds S]
 *
 * Runs the queries in turn, round after round, for S seconds (5) after one
 * untimed round; prints one JSON line: qps, p50/p99 in ms, queries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "serve/serve.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The body search serve sends for q. */
static size_t answer(srch_searcher *s, const char *q, const srch_search_options *o, Buf *b)
{
    srch_hits *h;
    b->len = 0;
    if (srch_search(s, q, o, &h, NULL) != SRCH_OK) return 0;
    serve_search_body(b, q, "gen-000001", o->k, o->offset, h);
    buf_printf(b, ",\"took_ms\":0.000}\n");
    srch_hits_free(h);
    return b->len;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: serve_bench INDEX QUERIES.tsv [-k K] [--seconds S]\n");
        return 2;
    }
    srch_search_options o;
    srch_search_options_init(&o);
    double seconds = 5;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-k")) o.k = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    char **qs = NULL, line[4096];
    size_t nq = 0;
    while (fgets(line, sizeof line, f)) {
        char *t = strchr(line, '\t');
        if (!t) continue;
        t[strcspn(t, "\r\n")] = 0;
        qs = realloc(qs, (nq + 1) * sizeof *qs);
        qs[nq++] = strdup(t + 1);
    }
    fclose(f);
    srch_index *ix;
    srch_searcher *s;
    srch_error err;
    if (srch_open(argv[1], &ix, &err) != SRCH_OK || srch_searcher_new(ix, &s, &err) != SRCH_OK) {
        fprintf(stderr, "serve_bench: %s\n", err.message);
        return 2;
    }
    Buf b = {0};
    size_t bytes = 0;
    for (size_t i = 0; i < nq; i++) bytes += answer(s, qs[i], &o, &b); /* untimed */
    size_t cap = 1 << 20, n = 0;
    double *lat = malloc(cap * sizeof *lat), t0 = now(), t;
    do {
        for (size_t i = 0; i < nq && n < cap; i++, n++) {
            double a = now();
            answer(s, qs[i], &o, &b);
            lat[n] = now() - a;
        }
    } while ((t = now()) - t0 < seconds && n < cap);
    qsort(lat, n, sizeof *lat, cmp);
    printf("{\"queries\":%zu,\"qps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"mean_body_bytes\":%zu}\n", n,
           (double)n / (t - t0), lat[n / 2] * 1e3, lat[n * 99 / 100] * 1e3, bytes / (nq ? nq : 1));
    free(lat);
    buf_free(&b);
    srch_searcher_free(s);
    srch_close(ix);
    for (size_t i = 0; i < nq; i++) free(qs[i]);
    free(qs);
    return 0;
}
