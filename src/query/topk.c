/*
 * topk.c: keeps the k best hits seen so far in a binary min-heap, so the
 * threshold a candidate must beat is heap[0], read in O(1), and an insert
 * costs O(log k). Order is total: higher score first, then lower passage id,
 * so every algorithm returns the same list.
 *
 * Group mode keeps at most one hit per article (its best passage): a
 * TREC run names documents, and a document cut into several passages must
 * appear once. slot[] tracks where each article sits in the heap.
 */
#include "query/query.h"

#include <stdlib.h>

void topk_init(TopK *t, size_t k, const Index *group)
{
    memset(t, 0, sizeof *t);
    t->k = k ? k : 1;
    t->heap = xmalloc(t->k * sizeof *t->heap);
    t->group = group;
    if (group) {
        size_t na = index_stats(group)->articles;
        t->slot = xmalloc((na ? na : 1) * sizeof *t->slot);
        memset(t->slot, 0xff, (na ? na : 1) * sizeof *t->slot);
    }
}

static uint32_t article_of(const TopK *t, uint32_t pid)
{
    PassageInfo p;
    index_passage(t->group, pid, &p);
    return p.article;
}

void topk_clear(TopK *t)
{
    if (t->group)
        for (size_t i = 0; i < t->n; i++) t->slot[article_of(t, t->heap[i].pid)] = -1;
    t->n = 0;
}

void topk_free(TopK *t)
{
    free(t->heap);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* worse(a, b): a ranks below b; the heap keeps the worst on top. */
static int worse(const Hit *a, const Hit *b) { return hit_better(b->score, b->pid, a->score, a->pid); }

static void place(TopK *t, size_t i, Hit h)
{
    t->heap[i] = h;
    if (t->group) t->slot[article_of(t, h.pid)] = (int32_t)i;
}

static void sift_up(TopK *t, size_t i)
{
    Hit h = t->heap[i];
    while (i > 0 && worse(&h, &t->heap[(i - 1) / 2])) {
        place(t, i, t->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(t, i, h);
}

static void sift_down(TopK *t, size_t i)
{
    Hit h = t->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->n) break;
        if (c + 1 < t->n && worse(&t->heap[c + 1], &t->heap[c])) c++;
        if (!worse(&t->heap[c], &h)) break;
        place(t, i, t->heap[c]);
        i = c;
    }
    place(t, i, h);
}

void topk_push(TopK *t, uint32_t pid, float score)
{
    Hit h = {pid, score};
    if (t->group) {
        int32_t s = t->slot[article_of(t, pid)];
        if (s >= 0) { /* the article is in: keep its better passage */
            if (worse(&h, &t->heap[s]) || (h.score == t->heap[s].score && h.pid == t->heap[s].pid)) return;
            t->heap[s] = h;
            sift_down(t, (size_t)s); /* it got better, so it moves down */
            return;
        }
    }
    if (t->n < t->k) {
        t->heap[t->n++] = h;
        sift_up(t, t->n - 1);
    } else if (worse(&t->heap[0], &h)) {
        if (t->group) t->slot[article_of(t, t->heap[0].pid)] = -1;
        t->heap[0] = h;
        sift_down(t, 0);
    }
}

static int cmp_hits(const void *x, const void *y)
{
    const Hit *a = x, *b = y;
    return hit_better(a->score, a->pid, b->score, b->pid) ? -1 : hit_better(b->score, b->pid, a->score, a->pid);
}

size_t topk_sorted(TopK *t)
{
    if (t->group)
        for (size_t i = 0; i < t->n; i++) t->slot[article_of(t, t->heap[i].pid)] = -1;
    qsort(t->heap, t->n, sizeof *t->heap, cmp_hits);
    return t->n;
}
