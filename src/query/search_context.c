/*
 * search_context.c: what every query algorithm shares: the workspace
 * allocated once per searcher (so a query allocates nothing), opening the
 * cursors of a query, and the score upper bounds that pruning relies on.
 */
#include "query/query.h"

#include <stdlib.h>

void search_context_init(SearchContext *c, const Index *ix, const Bm25 *bm25)
{
    memset(c, 0, sizeof *c);
    c->ix = ix;
    c->bm25 = bm25;
    search_segment(c, 0, NULL);
    c->cur = xcalloc(QUERY_MAX_TERMS, sizeof *c->cur); /* block_find reads a short block's tail: defined */
    c->qt = xmalloc(QUERY_MAX_TERMS * sizeof *c->qt);
    c->ub = xmalloc(QUERY_MAX_TERMS * sizeof *c->ub);
    c->order = xmalloc(QUERY_MAX_TERMS * sizeof *c->order);
    c->prefix = xmalloc((QUERY_MAX_TERMS + 1) * sizeof *c->prefix);
    c->acc = xcalloc(BMM_SLICE, sizeof *c->acc);
    c->seen = xcalloc(BMM_SLICE / 64, sizeof *c->seen);
    c->cand = xmalloc(BMM_WINDOW * sizeof *c->cand);
    c->cand_sum = xmalloc(BMM_WINDOW * sizeof *c->cand_sum);
    c->pos = xmalloc(QUERY_MAX_TERMS * sizeof *c->pos);
    for (size_t i = 0; i < QUERY_MAX_TERMS; i++) positions_init(&c->pos[i]);
    c->node_pid = xmalloc(QUERY_MAX_NODES * sizeof *c->node_pid);
    c->node_pf = xmalloc(QUERY_MAX_NODES * sizeof *c->node_pf);
    c->node_state = xmalloc(QUERY_MAX_NODES * sizeof *c->node_state);
    c->node_ub = xmalloc(QUERY_MAX_NODES * sizeof *c->node_ub);
}

void search_segment(SearchContext *c, size_t i, TopK *top)
{
    c->segment = i;
    c->seg = index_segment(c->ix, i);
    c->lengths = segment_passage_lengths(c->seg);
    c->base = index_segment_base(c->ix, i);
    const Deletes *d = index_deletes(c->ix, i);
    c->deleted = d ? d->passage_bits : NULL;
    /* The stored maxima hold for the parameters they were computed with,
     * at the segment's mean length or any smaller one (a passage's score
     * grows with the mean length); otherwise the largest tf over the
     * smallest length bounds any k1 and b (the score grows with tf and
     * falls with length). */
    const IndexStats *s = segment_stats(c->seg);
    int same = c->bm25->k1 == s->impact_k1 && c->bm25->b == s->impact_b;
    float avgdl = index_avgdl(s->total_length, s->passages);
    c->exact_maxima = same && c->bm25->avgdl <= avgdl;
    c->exact_floors = same && c->bm25->avgdl >= avgdl && !c->deleted; /* a score rises with the mean length */
    if (c->q) query_bind(c->q, c->seg);
    if (top) {
        top->base = c->base;
        top->deleted = c->deleted;
    }
}

void search_context_free(SearchContext *c)
{
    free(c->cur);
    free(c->qt);
    free(c->ub);
    free(c->order);
    free(c->prefix);
    free(c->acc);
    free(c->seen);
    free(c->cand);
    free(c->cand_sum);
    for (size_t i = 0; i < QUERY_MAX_TERMS; i++) positions_free(&c->pos[i]);
    free(c->pos);
    free(c->node_pid);
    free(c->node_pf);
    free(c->node_state);
    free(c->node_ub);
    memset(c, 0, sizeof *c);
}

float search_term_bound(const SearchContext *c, const QueryTerm *t)
{
    if (c->exact_maxima) return BOUND_SLACK * t->weight * t->info.max_tf_part;
    return BOUND_SLACK * bm25_term(t->weight, t->info.max_tf, bm25_norm(c->bm25, 0));
}

float block_upper_bound_generic(const SearchContext *c, size_t i)
{
    const PostingCursor *cur = &c->cur[i];
    uint32_t tf = cursor_block_max_tf(cur);
    if (tf == 65535) return BOUND_SLACK * c->qt[i]->weight; /* saturated: tf part < 1 */
    return BOUND_SLACK * bm25_term(c->qt[i]->weight, tf, bm25_norm(c->bm25, cursor_block_min_len(cur)));
}

size_t search_open_cursors(SearchContext *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->q->n; i++) {
        const QueryTerm *t = &c->q->terms[i];
        if (!t->found || t->weight <= 0) continue;
        if (n == 0) {
            if (c->exact_maxima) WORK_COUNT(exact_opens);
            else WORK_COUNT(generic_opens);
        }
        cursor_open(&c->cur[n], c->seg, &t->info);
        c->qt[n] = t;
        c->ub[n] = search_term_bound(c, t);
        n++;
    }
    return n;
}

int search_check_cursors(const SearchContext *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (c->cur[i].corrupt) return segment_corrupt(c->seg, "postings.bin", "a term's postings do not decode");
    return 0;
}

/* Reads the u32 length, where the pruned loops read the short one: the
 * exhaustive scorer, which sums with this, so checks those too. */
float score_and_advance(SearchContext *c, size_t n, uint32_t pid)
{
    float norm = bm25_norm(c->bm25, c->lengths.full[pid]);
    ScoreSum sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (c->cur[i].pid != pid) continue;
        sum += score_fixed(bm25_term(c->qt[i]->weight, cursor_tf(&c->cur[i]), norm));
        cursor_next(&c->cur[i]);
    }
    return score_value(sum);
}

void search_order_by_bound(SearchContext *c, size_t n)
{
    uint32_t *o = c->order;
    for (size_t i = 0; i < n; i++) o[i] = (uint32_t)i;
    for (size_t i = 1; i < n; i++) { /* insertion sort: n is small */
        uint32_t x = o[i];
        size_t j = i;
        while (j > 0 && c->ub[o[j - 1]] > c->ub[x]) {
            o[j] = o[j - 1];
            j--;
        }
        o[j] = x;
    }
    c->prefix[0] = 0.0f;
    for (size_t i = 0; i < n; i++) c->prefix[i + 1] = c->prefix[i] + c->ub[o[i]];
}

size_t search_nonessential(const SearchContext *c, size_t n, size_t from, float threshold)
{
    while (from < n && c->prefix[from + 1] * PARTIAL_SLACK <= threshold) from++;
    return from;
}

float search_complete(SearchContext *c, size_t ne, uint32_t pid, ScoreSum sum, float threshold)
{
    float norm = -1.0f;
    for (size_t j = ne; j-- > 0;) {
        float partial = score_value(sum);
        if ((partial + c->prefix[j + 1]) * PARTIAL_SLACK <= threshold) return -1.0f;
        uint32_t t = c->order[j];
        PostingCursor *cur = &c->cur[t];
        if (cur->pid < pid) {
            cursor_shallow(cur, pid);
            if ((partial + c->prefix[j] + block_upper_bound(c, t)) * PARTIAL_SLACK <= threshold) return -1.0f;
        }
        if (cursor_seek(cur, pid) != pid) continue;
        if (norm < 0) norm = bm25_norm(c->bm25, passage_length(c->lengths, pid));
        sum += score_fixed(bm25_term(c->qt[t]->weight, cursor_tf(cur), norm));
    }
    return score_value(sum);
}
