/*
 * topk.c: keeps the k best hits seen so far in a binary min-heap, so the
 * threshold a candidate must beat is heap[0], read in O(1), and an insert
 * costs O(log k). Order is total: higher score first, then lower passage id,
 * so every algorithm returns the same list.
 *
 * For large k (and no grouping) a buffer replaces the heap: see TopK in
 * query.h.
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
    t->floor = -1.0f;
    if (!group && t->k >= TOPK_BUFFER_FROM) {
        t->keys = xmalloc(TOPK_BUFFER_FACTOR * t->k * sizeof *t->keys);
        t->scratch = xmalloc(TOPK_BUFFER_FACTOR * t->k * sizeof *t->scratch);
        t->threshold = -1.0f;
    }
    if (group) {
        size_t na = index_article_limit(group);
        t->slot = xmalloc((na ? na : 1) * sizeof *t->slot);
        memset(t->slot, 0xff, (na ? na : 1) * sizeof *t->slot);
    }
}

/* A corrupt record reads as article 0 (a slot that exists) and marks t. */
static uint32_t article_of(TopK *t, uint32_t pid)
{
    PassageInfo p;
    if (index_passage(t->group, pid, &p) != 0) t->corrupt = 1;
    return p.article;
}

void topk_clear(TopK *t)
{
    if (t->group)
        for (size_t i = 0; i < t->n; i++) t->slot[article_of(t, t->heap[i].pid)] = -1;
    t->n = 0;
    t->corrupt = 0;
    t->nkeys = 0;
    t->min_key = 0;
    t->threshold = -1.0f;
    t->floor = -1.0f;
    t->base = 0;
    t->deleted = NULL;
}

void topk_free(TopK *t)
{
    free(t->heap);
    free(t->slot);
    free(t->keys);
    free(t->scratch);
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

/* ---- buffer mode ---- */

static inline void swap_keys(uint64_t *a, uint64_t *b)
{
    uint64_t x = *a;
    *a = *b;
    *b = x;
}

/* Partitions v[0..n) (n >= 2, distinct keys) around a median-of-three
 * pivot, largest first: returns p with v[0..p) > v[p] > v(p..n). */
static size_t partition_desc(uint64_t *v, size_t n)
{
    size_t mid = n / 2;
    if (v[0] < v[mid]) swap_keys(&v[0], &v[mid]);
    if (v[0] < v[n - 1]) swap_keys(&v[0], &v[n - 1]);
    if (v[mid] < v[n - 1]) swap_keys(&v[mid], &v[n - 1]);
    swap_keys(&v[mid], &v[n - 1]); /* the median goes last */
    uint64_t pivot = v[n - 1];
    size_t p = 0;
    /* Lomuto without a branch: whether a key beats the pivot is a coin
     * toss the predictor loses half the time. Every key is swapped with
     * v[p]; p moves past it only when it is larger, so v[p..i] stays all
     * smaller keys either way. */
    for (size_t i = 0; i + 1 < n; i++) {
        uint64_t x = v[i];
        v[i] = v[p];
        v[p] = x;
        p += x > pivot;
    }
    swap_keys(&v[p], &v[n - 1]);
    return p;
}

uint64_t keys_select_largest(uint64_t *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* the k-th largest belongs in [lo, hi) */
    while (hi - lo > 1) {
        size_t p = lo + partition_desc(v + lo, hi - lo);
        if (p == k - 1) break;
        if (k - 1 < p) hi = p;
        else lo = p + 1;
    }
    return v[k - 1]; /* larger ones before it, smaller after */
}

/* Keeps the k best keys, in the order they came: the k-th best is
 * selected in a copy, and the keys below it dropped. The order is what
 * lets sort_desc leave ties alone. */
void topk_truncate(TopK *t)
{
    memcpy(t->scratch, t->keys, t->nkeys * sizeof *t->keys);
    t->min_key = keys_select_largest(t->scratch, t->nkeys, t->k);
    size_t m = 0;
    for (size_t i = 0; i < t->nkeys; i++) {
        t->keys[m] = t->keys[i];
        m += t->keys[i] >= t->min_key; /* no branch: half the keys go */
    }
    t->nkeys = m; /* k: the keys are distinct */
    t->threshold = key_score(t->min_key);
}

static int cmp_keys_desc(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a < b) - (a > b);
}

/* Sorts v[0..n) largest first, with tmp[0..n) as scratch. A radix sort on
 * the score's bytes (the keys' high four), least significant first and
 * each pass stable, leaves tied scores in the order the keys came: passage
 * order, which is the order ties rank in. A byte that every score shares
 * costs no pass (the k best scores of a query mostly share their
 * exponent). Ties out of passage order (a caller that offered hits in
 * another order) are sorted after.
 *
 * At k = 1000 on syn1m, quicksort over the whole keys took 29 kcycles a
 * query (9% of it), radix passes over all eight bytes 20, and this 17: 93%
 * of a query's k best share their score with others, and the scores need
 * four passes as a rule. */
static void sort_desc(uint64_t *v, uint64_t *tmp, size_t n)
{
    if (n < 2) return;
    uint32_t all = UINT32_MAX, any = 0; /* the bits every score has, and some */
    for (size_t i = 0; i < n; i++) {
        all &= (uint32_t)(v[i] >> 32);
        any |= (uint32_t)(v[i] >> 32);
    }
    uint64_t *src = v, *dst = tmp;
    for (unsigned shift = 32; shift < 64; shift += 8) {
        if (!(((all ^ any) >> (shift - 32)) & 0xff)) continue; /* all alike */
        uint32_t c[256] = {0}, at = 0;
        for (size_t i = 0; i < n; i++) c[(src[i] >> shift) & 0xff]++;
        for (unsigned b = 256; b-- > 0;) { /* the largest byte first */
            uint32_t x = c[b];
            c[b] = at;
            at += x;
        }
        for (size_t i = 0; i < n; i++) dst[c[(src[i] >> shift) & 0xff]++] = src[i];
        uint64_t *x = src;
        src = dst;
        dst = x;
    }
    if (src != v) memcpy(v, src, n * sizeof *v);
    for (size_t i = 0, j; i < n; i = j) { /* ties: already in order, as a rule */
        int sorted = 1;
        for (j = i + 1; j < n && v[j] >> 32 == v[i] >> 32; j++) sorted &= v[j] < v[j - 1];
        if (!sorted) qsort(v + i, j - i, sizeof *v, cmp_keys_desc);
    }
}

static size_t sorted_keys(TopK *t)
{
    if (t->nkeys > t->k) topk_truncate(t);
    sort_desc(t->keys, t->scratch, t->nkeys);
    for (size_t i = 0; i < t->nkeys; i++) {
        t->heap[i].pid = UINT32_MAX - (uint32_t)t->keys[i];
        t->heap[i].score = key_score(t->keys[i]);
    }
    t->n = t->nkeys;
    t->nkeys = 0;
    return t->n;
}

/* ---- heap mode ---- */

void topk_push_heap(TopK *t, uint32_t pid, float score)
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
    if (t->keys) return sorted_keys(t);
    if (t->group)
        for (size_t i = 0; i < t->n; i++) t->slot[article_of(t, t->heap[i].pid)] = -1;
    qsort(t->heap, t->n, sizeof *t->heap, cmp_hits);
    return t->n;
}
