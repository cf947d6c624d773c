/*
 * reorder.c: document reordering by recursive graph bisection, as an
 * experiment: does it make our index smaller and our queries faster?
 *
 *   reorder IN.tsv OUT.tsv [--iterations N] [--leaf N]
 *
 * Reads a corpus (id<TAB>title<TAB>text per line), analyses every article
 * as the benchmark's index does (Snowball English, stop words kept), and
 * writes the same lines in the order bisection finds. Indexing OUT.tsv
 * numbers the articles in that order, so articles sharing terms get near
 * ids: d-gaps shrink, and the good postings of a term bunch up in a few
 * blocks, whose maxima stand out for block-max pruning to use.
 *
 * The algorithm (Dhulipala et al., "Compressing graphs and indexes with
 * recursive graph bisection", KDD 2016; Mackenzie et al., "Tradeoff
 * options for bipartite graph partitioning", 2021): split the articles in
 * two halves; repeatedly move to the other half the articles whose terms
 * would be cheaper to encode there (for a term in d1 of the n1 articles of
 * one half, the log-gap cost is d1 * log2(n1 / (d1 + 1))), swapping pairs
 * as long as the swap gains; then recurse into each half. The two halves of
 * the first split are done on two threads.
 */
#include "analysis/analysis.h"
#include "util/util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    uint32_t ndocs, nterms;
    uint64_t *off;   /* doc -> its terms in terms[off[d] .. off[d+1]) */
    uint32_t *terms; /* distinct term ids per doc, ascending */
    float *log2n;    /* log2(i) for i in 0 .. ndocs + 1 (log2(0) unused) */
    int iterations;
    uint32_t leaf;
} Graph;

typedef struct {
    const Graph *g;
    uint32_t *deg[2]; /* per term: articles holding it in each half */
    float *gain;      /* per article of the range being split */
    uint32_t *tmp;
} Worker;

/* ---- reading and analysing ---- */

typedef struct {
    StrMap *terms;
    uint32_t *ids;
    size_t n, cap;
} Collect;

static void collect(void *ctx, const Token *t)
{
    Collect *c = ctx;
    int added;
    uint32_t *v = strmap_upsert(c->terms, t->term, t->len, &added);
    if (added) *v = (uint32_t)c->terms->n - 1;
    if (c->n == c->cap) c->ids = xrealloc(c->ids, (c->cap = c->cap ? 2 * c->cap : 256) * sizeof *c->ids);
    c->ids[c->n++] = *v;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Fills g with every line's distinct terms; lines[] gets each line's start. */
static void build_graph(char *text, size_t len, Graph *g, char ***lines)
{
    AnalysisConfig cfg;
    analysis_config_default(&cfg);
    cfg.stopwords = 0;
    Analyzer *an = analyzer_new(&cfg);
    StrMap terms;
    strmap_init(&terms);
    Collect c = {&terms, NULL, 0, 0};
    size_t cap = 1024, tcap = 1 << 20, nt = 0;
    *lines = xmalloc(cap * sizeof **lines);
    g->off = xmalloc((cap + 1) * sizeof *g->off);
    g->terms = xmalloc(tcap * sizeof *g->terms);
    g->ndocs = 0;
    g->off[0] = 0;
    for (char *p = text; p < text + len;) {
        char *end = memchr(p, '\n', (size_t)(text + len - p));
        if (!end) end = text + len;
        char *tab = memchr(p, '\t', (size_t)(end - p)); /* the id is not text */
        c.n = 0;
        if (tab) analyzer_run(an, tab + 1, (size_t)(end - tab - 1), collect, &c);
        qsort(c.ids, c.n, sizeof *c.ids, cmp_u32);
        if (g->ndocs + 1 >= cap) {
            cap *= 2;
            *lines = xrealloc(*lines, cap * sizeof **lines);
            g->off = xrealloc(g->off, (cap + 1) * sizeof *g->off);
        }
        (*lines)[g->ndocs] = p;
        for (size_t i = 0; i < c.n; i++) {
            if (i && c.ids[i] == c.ids[i - 1]) continue;
            if (nt == tcap) g->terms = xrealloc(g->terms, (tcap *= 2) * sizeof *g->terms);
            g->terms[nt++] = c.ids[i];
        }
        g->off[++g->ndocs] = nt;
        p = end + 1;
    }
    (*lines)[g->ndocs] = text + len;
    g->nterms = (uint32_t)terms.n;
    free(c.ids);
    strmap_free(&terms);
    analyzer_free(an);
}

/* ---- bisection ---- */

/* What moving one article of term t out of half a (d[a] of its n[a]
 * articles hold t) into half b saves, in log-gap bits. */
static float move_gain(const Graph *g, uint32_t da, uint32_t db, uint32_t na, uint32_t nb)
{
    const float *l = g->log2n;
    float before = (float)da * (l[na] - l[da + 1]) + (float)db * (l[nb] - l[db + 1]);
    float after = (float)(da - 1) * (l[na] - l[da]) + (float)(db + 1) * (l[nb] - l[db + 2]);
    return before - after;
}

static void count_degrees(Worker *w, const uint32_t *docs, uint32_t n, uint32_t half, int add)
{
    const Graph *g = w->g;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t d = docs[i], side = i >= half;
        for (uint64_t j = g->off[d]; j < g->off[d + 1]; j++) w->deg[side][g->terms[j]] += add ? 1u : (uint32_t)-1;
    }
}

static int by_gain_desc(const void *a, const void *b, void *ctx)
{
    const float *gain = ctx;
    float x = gain[*(const uint32_t *)a], y = gain[*(const uint32_t *)b];
    return (x < y) - (x > y);
}

/* One refinement round over docs[0..n), split at half; returns the swaps. */
static uint32_t refine(Worker *w, uint32_t *docs, uint32_t n, uint32_t half)
{
    const Graph *g = w->g;
    uint32_t size[2] = {half, n - half};
    for (uint32_t i = 0; i < n; i++) {
        uint32_t d = docs[i], a = i >= half, b = !a;
        float sum = 0;
        for (uint64_t j = g->off[d]; j < g->off[d + 1]; j++) {
            uint32_t t = g->terms[j];
            sum += move_gain(g, w->deg[a][t], w->deg[b][t], size[a], size[b]);
        }
        w->gain[i] = sum;
    }
    /* order each half by gain, best first, through positions into docs */
    uint32_t *pos = w->tmp;
    for (uint32_t i = 0; i < n; i++) pos[i] = i;
    qsort_r(pos, half, sizeof *pos, by_gain_desc, w->gain);
    qsort_r(pos + half, n - half, sizeof *pos, by_gain_desc, w->gain);
    uint32_t swaps = 0;
    for (uint32_t i = 0; i < half && half + i < n; i++) {
        uint32_t l = pos[i], r = pos[half + i];
        if (w->gain[l] + w->gain[r] <= 0) break;
        uint32_t dl = docs[l], dr = docs[r];
        for (uint64_t j = g->off[dl]; j < g->off[dl + 1]; j++) w->deg[0][g->terms[j]]--, w->deg[1][g->terms[j]]++;
        for (uint64_t j = g->off[dr]; j < g->off[dr + 1]; j++) w->deg[1][g->terms[j]]--, w->deg[0][g->terms[j]]++;
        docs[l] = dr;
        docs[r] = dl;
        swaps++;
    }
    return swaps;
}

static void bisect(Worker *w, uint32_t *docs, uint32_t n, int depth)
{
    if (n <= w->g->leaf) return;
    uint32_t half = n / 2;
    count_degrees(w, docs, n, half, 1);
    for (int it = 0; it < w->g->iterations; it++)
        if (refine(w, docs, n, half) == 0) break;
    count_degrees(w, docs, n, half, 0);
    bisect(w, docs, half, depth + 1);
    bisect(w, docs + half, n - half, depth + 1);
}

static void worker_init(Worker *w, const Graph *g)
{
    w->g = g;
    w->deg[0] = xcalloc(g->nterms + 1, sizeof *w->deg[0]);
    w->deg[1] = xcalloc(g->nterms + 1, sizeof *w->deg[1]);
    w->gain = xmalloc((g->ndocs + 1) * sizeof *w->gain);
    w->tmp = xmalloc((g->ndocs + 1) * sizeof *w->tmp);
}

static void worker_free(Worker *w)
{
    free(w->deg[0]);
    free(w->deg[1]);
    free(w->gain);
    free(w->tmp);
}

typedef struct {
    Worker w;
    uint32_t *docs, n;
} Half;

static void *bisect_half(void *arg)
{
    Half *h = arg;
    bisect(&h->w, h->docs, h->n, 1);
    return NULL;
}

/* The first split here, each half on its own thread. */
static void reorder(const Graph *g, uint32_t *docs)
{
    Worker w;
    worker_init(&w, g);
    uint32_t n = g->ndocs, half = n / 2;
    if (n > g->leaf) {
        count_degrees(&w, docs, n, half, 1);
        for (int it = 0; it < g->iterations; it++)
            if (refine(&w, docs, n, half) == 0) break;
        count_degrees(&w, docs, n, half, 0);
        Half h[2] = {{.docs = docs, .n = half}, {.docs = docs + half, .n = n - half}};
        pthread_t th;
        worker_init(&h[1].w, g);
        h[0].w = w;
        int threaded = pthread_create(&th, NULL, bisect_half, &h[1]) == 0;
        bisect_half(&h[0]);
        if (threaded) pthread_join(th, NULL);
        else bisect_half(&h[1]);
        worker_free(&h[1].w);
    }
    worker_free(&w);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: reorder IN.tsv OUT.tsv [--iterations N] [--leaf N]\n");
        return 2;
    }
    Graph g = {.iterations = 20, .leaf = 16};
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--iterations")) g.iterations = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--leaf")) g.leaf = (uint32_t)atoi(argv[i + 1]);
    }
    if (g.leaf < 2) g.leaf = 2;
    size_t len;
    char *text;
    if (read_file(argv[1], SIZE_MAX, &text, &len) != 0) {
        fprintf(stderr, "reorder: %s\n", err_msg());
        return 1;
    }
    char **lines;
    build_graph(text, len, &g, &lines);
    g.log2n = xmalloc(((size_t)g.ndocs + 2) * sizeof *g.log2n);
    g.log2n[0] = 0;
    for (uint32_t i = 1; i <= g.ndocs + 1; i++) g.log2n[i] = log2f((float)i);
    uint32_t *docs = xmalloc(((size_t)g.ndocs + 1) * sizeof *docs);
    for (uint32_t i = 0; i < g.ndocs; i++) docs[i] = i;
    reorder(&g, docs);
    FILE *out = fopen(argv[2], "w");
    if (!out) {
        fprintf(stderr, "reorder: cannot write %s\n", argv[2]);
        return 1;
    }
    for (uint32_t i = 0; i < g.ndocs; i++) {
        const char *s = lines[docs[i]], *e = lines[docs[i] + 1];
        size_t n = (size_t)(e - s);
        fwrite(s, 1, n, out);
        if (n && s[n - 1] != '\n') fputc('\n', out);
    }
    if (fclose(out) != 0) {
        fprintf(stderr, "reorder: cannot write %s\n", argv[2]);
        return 1;
    }
    fprintf(stderr, "reorder: %u articles, %u terms, %llu article-term pairs\n", g.ndocs, g.nterms,
            (unsigned long long)g.off[g.ndocs]);
    return 0;
}
