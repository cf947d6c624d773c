/*
 * proximity_search.c: the exact top k by BM25 plus the proximity part
 * (proximity.c), on top of any algorithm.
 *
 * The proximity part of a passage is at most P (Proximity.bound), and it
 * needs every word's positions at the passage, which the pruned
 * algorithms never read. So the passages are taken K at a time by their
 * BM25 score (search_run: pruned, exact), K = k at first, and each one's
 * proximity part is added. A passage left out ranks below the K-th by
 * BM25, so its total is at most that score plus P; when that is below
 * the k-th best total found (the k-th best article's, when grouping), it
 * cannot enter, and the top k is final. Else K doubles (rescore.c). The exhaustive
 * algorithm is the reference: it adds the part to every match, no bound
 * used. Every algorithm's BM25 scores are bitwise the exhaustive one's
 * and the part is computed alike, so the totals are bitwise the same too.
 */
#include "query/query.h"

#include <stdlib.h>

static int by_pid(const void *a, const void *b)
{
    uint32_t x = ((const Hit *)a)->pid, y = ((const Hit *)b)->pid;
    return x < y ? -1 : x > y;
}

/* Adds the proximity part to the scores of h[0..n) (global ids, BM25
 * scores), segment by segment in id order; h ends sorted by id. */
static int add_parts(SearchContext *c, Proximity *p, Hit *h, size_t n)
{
    qsort(h, n, sizeof *h, by_pid);
    size_t open = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t seg;
        uint32_t local;
        if (index_locate(c->ix, h[i].pid, &seg, &local) != 0) return -1;
        if (seg != open) {
            search_segment(c, seg, NULL);
            proximity_open(p, c);
            open = seg;
        }
        ScoreSum part;
        if (proximity_at(p, c, local, &part) != 0) return -1;
        h[i].score = proximity_total(h[i].score, part);
    }
    return 0;
}

typedef struct {
    const Algorithm *alg;
    SearchContext *c;
    Proximity *p;
} Ranked;

/* A Rescorer's round: the K best by BM25 with their totals, into the
 * grouping (or not) cand of top's k; their K-th BM25 score to *kth (-1:
 * fewer matched). */
static int ranked_round(void *ctx, size_t K, TopK *cand, float *kth)
{
    const Algorithm *alg = ((Ranked *)ctx)->alg;
    SearchContext *c = ((Ranked *)ctx)->c;
    Proximity *p = ((Ranked *)ctx)->p;
    TopK first;
    topk_init(&first, K, NULL);
    int rc = search_run(alg, c, &first);
    size_t n = rc == 0 ? topk_sorted(&first) : 0;
    *kth = n == K ? first.heap[K - 1].score : -1.0f;
    if (rc == 0) rc = add_parts(c, p, first.heap, n);
    for (size_t i = 0; rc == 0 && i < n; i++) topk_push(cand, first.heap[i].pid, first.heap[i].score);
    topk_free(&first);
    return rc != 0 || cand->corrupt ? -1 : 0;
}

/* A passage left out scores at most the K-th BM25 score plus the most
 * any passage's part can be. */
static float ranked_bound(void *ctx, float kth) { return kth + ((const Ranked *)ctx)->p->bound; }

/* K doubling until no passage left out can reach the k-th best total
 * (rescore.c); the exhaustive reference takes every match at once. */
static int ranked(const Algorithm *alg, SearchContext *c, Proximity *p, TopK *top)
{
    Ranked r = {alg, c, p};
    Rescorer rs = {ranked_round, ranked_bound, &r};
    size_t all = (size_t)index_stats(c->ix)->passages + 1; /* more than match: kth < 0, done */
    return rescore_top(&rs, alg->exhaustive ? all : top->k, top);
}

int search_ranked(const Algorithm *alg, SearchContext *c, TopK *top)
{
    Proximity p;
    proximity_init(&p, c);
    int rc = p.bound > 0 ? ranked(alg, c, &p, top) : search_run(alg, c, top);
    proximity_free(&p);
    return rc;
}

int search_range_ranked(SearchContext *c, TopK *top, uint32_t first, uint32_t last)
{
    Proximity p;
    proximity_init(&p, c);
    if (!(p.bound > 0)) {
        proximity_free(&p);
        return search_tree_range(c, top, first, last);
    }
    TopK all;
    topk_init(&all, (size_t)(last - first) + 1, NULL);
    int rc = search_tree_range(c, &all, first, last);
    size_t n = rc == 0 ? topk_sorted(&all) : 0;
    if (rc == 0) rc = add_parts(c, &p, all.heap, n);
    top->base = 0;
    top->deleted = NULL;
    for (size_t i = 0; rc == 0 && i < n; i++) topk_push(top, all.heap[i].pid, all.heap[i].score);
    topk_free(&all);
    proximity_free(&p);
    return rc;
}

int proximity_of(SearchContext *c, uint32_t pid, ScoreSum *out)
{
    *out = 0;
    Proximity p;
    proximity_init(&p, c);
    size_t seg;
    uint32_t local;
    int rc = 0;
    if (p.bound > 0) {
        rc = index_locate(c->ix, pid, &seg, &local);
        if (rc == 0) {
            search_segment(c, seg, NULL);
            proximity_open(&p, c);
            rc = proximity_at(&p, c, local, out);
        }
    }
    proximity_free(&p);
    return rc;
}
