/*
 * bisection.c: an order of the articles in which articles that share terms
 * are near each other, by recursive graph bisection (Dhulipala et al.,
 * "Compressing graphs and indexes with recursive graph bisection", KDD
 * 2016). Numbered in that order, a term's postings have small gaps and its
 * high-scoring postings bunch up in few blocks, whose stored maxima then
 * stand out for block-max pruning: the postings shrink and unions get
 * faster (bench/results/reorder.md).
 *
 * Split the articles in two halves; for each article, how many bits would
 * moving it to the other half save under the log-gap cost (a term held by
 * d of the n articles of a half costs d * log2(n / (d + 1))); move the
 * articles that gain most, as many each way, and repeat for a few rounds;
 * then recurse into each half, down to leaves of LEAF articles.
 *
 * Exchanging pairs while the sum of their gains is positive (the paper's
 * rule) leaves the same halves as putting the half of articles that most
 * want to be on the right there, so one linear selection per round does
 * it instead of two sorts (as in Mackenzie et al., "Faster index
 * reordering with bipartite graph partitioning", SIGIR 2021). The two
 * halves of the top splits run on separate threads; the result does not
 * depend on the thread count.
 */
#include "index/writer.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define LEAF 16       /* ranges this small are left in their order */
#define ROUNDS 5      /* at most, per split: 20 gave the same query work (bench/README.md) */
#define STAY 1e-4f    /* an article moves only when it gains more than this */

typedef struct {
    float key;    /* higher: wants the right half more */
    uint32_t doc; /* the article, by its index in the range; top bit: it was on the right */
} Item;

#define WAS_RIGHT 0x80000000u

/* A range being split: its articles' term lists, article i of the range
 * (in the range's order on entry) holding terms[off[i] .. off[i+1]). Below
 * the root the terms are renumbered 0 .. nterms-1 for the range alone, so
 * that the per-term arrays a split touches are as small as the range's
 * vocabulary (they fit in cache ever more as the ranges shrink) and each
 * article's terms lie next to the next article's. */
typedef struct {
    uint32_t n, nterms;
    const uint64_t *off;
    const uint32_t *terms;
    int owned; /* off and terms were allocated for this range */
} Range;

typedef struct {
    const float *log2n; /* log2(i), i = 0 .. ndocs + 1 */
    uint32_t *deg;      /* per term: articles holding it in the left, right half */
    float *gain;        /* per term: gain of moving an article left to right,
                           right to left, this round */
    uint32_t *map;      /* per term of a range: its number in a half, or UINT32_MAX */
    uint32_t *back;     /* per term of a half: its number in the range */
    uint32_t *perm;     /* position in the range -> article of the range */
    uint32_t *ids;      /* the range's article numbers as they came in */
    Item *items;        /* per article of the range being split */
    int spawn;          /* split levels still to hand a half to a new thread */
} Worker;

/* Bits saved by moving one article holding the term from a half where da
 * of na articles hold it to one where db of nb do. */
static inline float move_gain(const float *l, uint32_t da, uint32_t db, float lna, float lnb)
{
    float before = (float)da * (lna - l[da + 1]) + (float)db * (lnb - l[db + 1]);
    float after = (float)(da - 1) * (lna - l[da]) + (float)(db + 1) * (lnb - l[db + 2]);
    return before - after;
}

/* The degrees of the range's terms in the halves as they stand at first. */
static void count_degrees(Worker *w, const Range *r, uint32_t half)
{
    memset(w->deg, 0, 2 * (size_t)r->nterms * sizeof *w->deg);
    for (uint32_t i = 0; i < r->n; i++) {
        uint32_t side = i >= half;
        w->perm[i] = i;
        for (uint64_t j = r->off[i]; j < r->off[i + 1]; j++) w->deg[2 * r->terms[j] + side]++;
    }
}

/* Each article's key: its gain from moving right, or minus its gain from
 * moving left, less a margin that keeps a neutral article where it is.
 * The gains are per term (the halves' sizes are fixed), so they are
 * computed once per term and summed per article. */
static void compute_keys(Worker *w, const Range *r, uint32_t half)
{
    const float *l = w->log2n;
    float ln[2] = {l[half], l[r->n - half]};
    for (uint32_t t = 0; t < r->nterms; t++) {
        uint32_t dl = w->deg[2 * t], dr = w->deg[2 * t + 1];
        w->gain[2 * t] = dl ? move_gain(l, dl, dr, ln[0], ln[1]) : 0;
        w->gain[2 * t + 1] = dr ? move_gain(l, dr, dl, ln[1], ln[0]) : 0;
    }
    for (uint32_t i = 0; i < r->n; i++) {
        uint32_t d = w->perm[i], a = i >= half;
        float sum = 0;
        for (uint64_t j = r->off[d]; j < r->off[d + 1]; j++) sum += w->gain[2 * r->terms[j] + a];
        w->items[i] = (Item){a ? -sum - STAY : sum - STAY, d | (a ? WAS_RIGHT : 0)};
    }
}

static inline void swap_items(Item *a, Item *b)
{
    Item t = *a;
    *a = *b;
    *b = t;
}

/* Rearranges it[0..n) so that it[0..k) hold the k smallest keys
 * (quickselect, median-of-three pivots: deterministic). */
static void select_smallest(Item *it, uint32_t n, uint32_t k)
{
    uint32_t lo = 0, hi = n; /* the k-th smallest lies in [lo, hi) */
    while (hi - lo > 8) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (it[mid].key < it[lo].key) swap_items(&it[mid], &it[lo]);
        if (it[hi - 1].key < it[lo].key) swap_items(&it[hi - 1], &it[lo]);
        if (it[hi - 1].key < it[mid].key) swap_items(&it[hi - 1], &it[mid]);
        float pivot = it[mid].key;
        uint32_t i = lo, j = hi - 1;
        for (;;) { /* Hoare: equal keys stop both sides, so ties split evenly */
            while (it[i].key < pivot) i++;
            while (it[j].key > pivot) j--;
            if (i >= j) break;
            swap_items(&it[i++], &it[j--]);
        }
        if (k <= j) hi = j + 1;
        else lo = j + 1;
    }
    for (uint32_t i = lo + 1; i < hi; i++) /* insertion sort of the rest */
        for (uint32_t j = i; j > lo && it[j].key < it[j - 1].key; j--) swap_items(&it[j], &it[j - 1]);
}

/* One round: the half most wanting the right goes there. Returns how many
 * articles changed sides (the degrees follow them). */
static uint32_t refine(Worker *w, const Range *r, uint32_t half)
{
    compute_keys(w, r, half);
    select_smallest(w->items, r->n, half);
    uint32_t moved = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        uint32_t d = w->items[i].doc & ~WAS_RIGHT, from = !!(w->items[i].doc & WAS_RIGHT), to = i >= half;
        w->perm[i] = d;
        if (from == to) continue;
        moved++;
        for (uint64_t j = r->off[d]; j < r->off[d + 1]; j++) {
            w->deg[2 * r->terms[j] + from]--;
            w->deg[2 * r->terms[j] + to]++;
        }
    }
    return moved;
}

/* The half of r at positions [lo, lo + n) of w->perm (side 0: left, 1:
 * right), as a range of its own: its articles' term lists copied in that
 * order, terms renumbered, without the terms only one of its articles
 * holds (they cost the same wherever that article goes below). */
static Range half_range(Worker *w, const Range *r, uint32_t lo, uint32_t n, int side)
{
    uint64_t edges = 0;
    for (uint32_t i = lo; i < lo + n; i++) edges += r->off[w->perm[i] + 1] - r->off[w->perm[i]];
    uint64_t *off = xmalloc(((size_t)n + 1) * sizeof *off), at = 0;
    uint32_t *terms = xmalloc((edges + 1) * sizeof *terms), nterms = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t d = w->perm[lo + i];
        off[i] = at;
        for (uint64_t j = r->off[d]; j < r->off[d + 1]; j++) {
            uint32_t t = r->terms[j];
            if (w->deg[2 * t + side] < 2) continue;
            if (w->map[t] == UINT32_MAX) w->back[nterms] = t, w->map[t] = nterms++;
            terms[at++] = w->map[t];
        }
    }
    off[n] = at;
    for (uint32_t t = 0; t < nterms; t++) w->map[w->back[t]] = UINT32_MAX;
    return (Range){n, nterms, off, terms, 1};
}

static void range_free(Range *r)
{
    if (!r->owned) return;
    free((void *)r->off);
    free((void *)r->terms);
}

static void worker_init(Worker *w, const float *log2n, uint32_t n, uint32_t nterms, int spawn)
{
    w->log2n = log2n;
    w->deg = xmalloc((2 * (size_t)nterms + 2) * sizeof *w->deg);
    w->gain = xmalloc((2 * (size_t)nterms + 2) * sizeof *w->gain);
    w->map = xmalloc(((size_t)nterms + 1) * sizeof *w->map);
    memset(w->map, 0xff, ((size_t)nterms + 1) * sizeof *w->map);
    w->back = xmalloc(((size_t)nterms + 1) * sizeof *w->back);
    w->perm = xmalloc(((size_t)n + 1) * sizeof *w->perm);
    w->ids = xmalloc(((size_t)n + 1) * sizeof *w->ids);
    w->items = xmalloc(((size_t)n + 1) * sizeof *w->items);
    w->spawn = spawn;
}

static void worker_free(Worker *w)
{
    free(w->deg);
    free(w->gain);
    free(w->map);
    free(w->back);
    free(w->perm);
    free(w->ids);
    free(w->items);
}

typedef struct {
    Worker w;
    Range r;
    uint32_t *docs;
    int failed; /* ran out of memory */
} Task;

static void bisect(Worker *w, Range *r, uint32_t *docs);

/* A half on a thread of its own, under its own guard: running out of
 * memory there is reported to the thread that joins it. */
static void *run_task(void *arg)
{
    Task *t = arg;
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) {
        t->failed = 1;
        return NULL;
    }
    bisect(&t->w, &t->r, t->docs);
    oom_leave(&g);
    return NULL;
}

/* Splits r, whose articles are docs[0 .. r->n) (article i of r is docs[i]),
 * and puts docs in its final order. Frees r's lists. */
static void bisect(Worker *w, Range *r, uint32_t *docs)
{
    uint32_t n = r->n, half = n / 2;
    if (n <= LEAF) {
        range_free(r);
        return;
    }
    count_degrees(w, r, half);
    for (int round = 0; round < ROUNDS; round++)
        if (refine(w, r, half) == 0) break;
    memcpy(w->ids, docs, n * sizeof *docs);
    for (uint32_t i = 0; i < n; i++) docs[i] = w->ids[w->perm[i]];
    Range left = half_range(w, r, 0, half, 0), right = half_range(w, r, half, n - half, 1);
    range_free(r);
    if (w->spawn <= 0) {
        bisect(w, &left, docs);
        bisect(w, &right, docs + half);
        return;
    }
    /* On the heap: the guard below reads it after a jump. */
    Task *t = xcalloc(1, sizeof *t);
    t->r = right;
    t->docs = docs + half;
    worker_init(&t->w, w->log2n, right.n, right.nterms, w->spawn - 1);
    w->spawn--;
    pthread_t th;
    if (pthread_create(&th, NULL, run_task, t) != 0) {
        bisect(w, &left, docs);
        run_task(t);
    } else {
        /* running out of memory on this half: the other is joined first */
        OomGuard g;
        oom_enter(&g);
        if (setjmp(g.jump)) {
            pthread_join(th, NULL);
            worker_free(&t->w);
            free(t);
            oom_rethrow();
        }
        bisect(w, &left, docs);
        oom_leave(&g);
        pthread_join(th, NULL);
    }
    w->spawn++;
    worker_free(&t->w);
    int failed = t->failed;
    free(t);
    if (failed) {
        err_set("out of memory (ordering articles)");
        oom_rethrow();
    }
}

void bisection_order(const DocTerms *g, uint32_t *order, int threads)
{
    for (uint32_t i = 0; i < g->ndocs; i++) order[i] = i;
    float *log2n = xmalloc(((size_t)g->ndocs + 2) * sizeof *log2n);
    log2n[0] = 0;
    for (uint32_t i = 1; i <= g->ndocs + 1; i++) log2n[i] = log2f((float)i);
    int spawn = 0; /* split levels that start a thread: 2^spawn threads */
    while (spawn < 6 && (2 << spawn) <= threads) spawn++;
    Worker w;
    worker_init(&w, log2n, g->ndocs, g->nterms, spawn);
    /* the root's articles are numbered as in g, and so are its terms */
    Range root = {g->ndocs, g->nterms, g->off, g->terms, 0};
    bisect(&w, &root, order);
    worker_free(&w);
    free(log2n);
}
