/*
 * proximity.c: the term-proximity part of a passage's score, BM25TP
 * (Buettcher, Clarke and Lushman, SIGIR 2006), from the body positions the
 * index stores for phrases.
 *
 * The query words found in a passage are merged into one sequence of
 * occurrences by position. Each pair of neighbours in that sequence that
 * are two different words, d positions apart, lends each word the other's
 * idf / d^2 (its accumulator); a word's part saturates like BM25's tf
 * part, with the accumulator for tf:
 *
 *   part = weight * sum over words t of boost_t * min(1, idf_t) * (k1 + 1)
 *                                        * acc_t / (acc_t + K)
 *
 * K the passage's BM25 length part, k1 * (1 - b + b * len / avglen). So a
 * word's part is below weight * boost * min(1, idf) * (k1 + 1) whatever
 * the passage: that sum over the query's words bounds every passage's
 * part, which is what lets proximity_search.c prune exactly. Positions
 * count the stop words an index drops, so d is the distance in the text.
 *
 * The proximity words are the distinct body words of the clauses that
 * score (not those under an exclusion), phrase words included; a word
 * given twice counts twice, as in BM25. Titles and headings count from
 * their own position 0, so they are left out.
 */
#include "query/query.h"

#include <stdlib.h>

/* Adds key k to the words, or its boost to the same word's. */
static void add_word(Proximity *p, const Query *q, uint32_t k, float *boost)
{
    const QueryTerm *t = &q->keys[k];
    for (size_t i = 0; i < p->n; i++) {
        const QueryTerm *u = &q->keys[p->t[i].key];
        if (u->len == t->len && !memcmp(u->term, t->term, t->len)) {
            boost[i] += t->boost;
            return;
        }
    }
    boost[p->n] = t->boost;
    p->t[p->n++] = (ProxTerm){k, t->idf, 0.0f};
}

/* The body words of node id and below, but under an exclusion. */
static void collect(Proximity *p, const Query *q, int32_t id, float *boost)
{
    const QueryNode *n = &q->nodes[id];
    if (n->occur == OCC_MUST_NOT) return;
    if (n->kind == QN_GROUP) {
        for (int32_t ch = n->child; ch >= 0; ch = q->nodes[ch].next) collect(p, q, ch, boost);
        return;
    }
    for (uint32_t k = n->a; k < n->a + n->n; k++) {
        const char *term;
        size_t len;
        if (query_key_field(&q->keys[k], &term, &len) == FIELD_BODY && q->keys[k].df > 0) add_word(p, q, k, boost);
    }
}

void proximity_init(Proximity *p, const SearchContext *c)
{
    const Query *q = c->q;
    memset(p, 0, sizeof *p);
    if (!(c->proximity > 0) || q->nnodes == 0) return;
    size_t cap = q->nkeys ? q->nkeys : 1;
    p->t = xmalloc(cap * sizeof *p->t);
    float *boost = xmalloc(cap * sizeof *boost);
    collect(p, q, 0, boost);
    float sum = 0.0f;
    for (size_t i = 0; i < p->n; i++) {
        float idf = p->t[i].idf;
        p->t[i].outer = c->proximity * boost[i] * (idf < 1.0f ? idf : 1.0f) * (c->bm25->k1 + 1.0f);
        sum += p->t[i].outer;
    }
    free(boost);
    p->bound = p->n >= 2 ? BOUND_SLACK * sum : 0.0f; /* one word has no neighbour but itself */
    p->pos = xmalloc(cap * sizeof *p->pos);
    p->npos = xmalloc(cap * sizeof *p->npos);
    p->head = xmalloc(cap * sizeof *p->head);
    p->idf = xmalloc(cap * sizeof *p->idf);
    p->outer = xmalloc(cap * sizeof *p->outer);
    p->acc = xmalloc(cap * sizeof *p->acc);
}

void proximity_free(Proximity *p)
{
    free(p->t);
    free(p->pos);
    free(p->npos);
    free(p->head);
    free(p->idf);
    free(p->outer);
    free(p->acc);
    memset(p, 0, sizeof *p);
}

void proximity_open(Proximity *p, SearchContext *c)
{
    for (size_t i = 0; i < p->n; i++) {
        const QueryTerm *t = &c->q->keys[p->t[i].key];
        if (!t->found) continue;
        cursor_open(&c->cur[p->t[i].key], c->seg, &t->info);
        positions_open(&c->pos[p->t[i].key], c->seg, &t->info);
    }
}

int proximity_at(Proximity *p, SearchContext *c, uint32_t pid, ScoreSum *out)
{
    size_t m = 0;
    *out = 0;
    for (size_t i = 0; i < p->n; i++) {
        uint32_t k = p->t[i].key;
        if (!c->q->keys[k].found || cursor_seek(&c->cur[k], pid) != pid) continue;
        p->pos[m] = positions_of(&c->pos[k], &c->cur[k], &p->npos[m]);
        if (!p->pos[m]) return -1;
        p->idf[m] = p->t[i].idf;
        p->outer[m] = p->t[i].outer;
        m++;
    }
    for (size_t i = 0; i < p->n; i++)
        if (c->q->keys[p->t[i].key].found && c->cur[p->t[i].key].corrupt)
            return segment_corrupt(c->seg, "postings.bin", "a term's postings do not decode");
    if (m < 2) return 0;
    float norm = bm25_norm(c->bm25, segment_lengths(c->seg)[pid]);
    *out = proximity_bm25tp(p->pos, p->npos, p->idf, p->outer, m, norm, p->head, p->acc);
    return 0;
}

/* The word whose next occurrence comes first, or m when all are used. */
static size_t next_word(const uint32_t *const *pos, const uint32_t *npos, const uint32_t *head, size_t m)
{
    size_t best = m;
    for (size_t i = 0; i < m; i++)
        if (head[i] < npos[i] && (best == m || pos[i][head[i]] < pos[best][head[best]])) best = i;
    return best;
}

ScoreSum proximity_bm25tp(const uint32_t *const *pos, const uint32_t *npos, const float *idf, const float *outer,
                          size_t m, float norm, uint32_t *head, double *acc)
{
    for (size_t i = 0; i < m; i++) {
        head[i] = 0;
        acc[i] = 0.0;
    }
    size_t prev = m;
    uint32_t at = 0;
    for (size_t w; (w = next_word(pos, npos, head, m)) < m; prev = w) {
        uint32_t p = pos[w][head[w]++];
        if (prev < m && prev != w && p > at) {
            double d = (double)(p - at), x = 1.0 / (d * d);
            acc[w] += (double)idf[prev] * x;
            acc[prev] += (double)idf[w] * x;
        }
        at = p;
    }
    ScoreSum sum = 0;
    for (size_t i = 0; i < m; i++)
        if (acc[i] > 0) sum += score_fixed((float)((double)outer[i] * acc[i] / (acc[i] + (double)norm)));
    return sum;
}
