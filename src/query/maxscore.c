/*
 * maxscore.c: MaxScore (Turtle & Flood, 1995), with block-max bounds on
 * the non-essential terms.
 *
 * Terms are ordered by their score upper bound. The lowest ones whose
 * bounds together cannot beat the top-k threshold are non-essential: a
 * passage containing only them cannot enter, so candidates come from the
 * essential terms alone, and the non-essential cursors are only advanced
 * to a candidate (skipping) while its score can still make it. Before
 * advancing one, the bound of its block at the candidate replaces its
 * global bound, which rejects most candidates without decoding anything.
 */
#include "query/query.h"

/* Partial sums are added in another order than the final score: a little
 * slack keeps a passage whose final float would just beat the threshold. */
#define SLACK 1.00002f

/* Sorts order[] by ascending upper bound and fills prefix[i] = sum of the
 * i smallest bounds. */
static void order_by_bound(SearchContext *c, size_t n)
{
    uint32_t *o = c->order;
    for (size_t i = 0; i < n; i++) o[i] = (uint32_t)i;
    for (size_t i = 1; i < n; i++) {
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

/* Number of non-essential terms for this threshold. */
static size_t essential_from(const SearchContext *c, size_t n, size_t e, float threshold)
{
    while (e < n && c->prefix[e + 1] <= threshold) e++;
    return e;
}

/* Checks the non-essential terms (order[e-1] down to order[0]) for pid:
 * returns 0 as soon as the passage provably cannot beat the threshold. */
static int complete(SearchContext *c, size_t e, uint32_t pid, float partial, float threshold)
{
    for (size_t j = e; j-- > 0;) {
        uint32_t t = c->order[j];
        PostingCursor *cur = &c->cur[t];
        if ((partial + c->prefix[j + 1]) * SLACK <= threshold) return 0;
        if (cur->pid < pid) {
            cursor_shallow(cur, pid);
            float b = block_upper_bound(c, t);
            if ((partial + c->prefix[j] + b) * SLACK <= threshold) return 0;
            cursor_advance(cur, pid);
        }
        if (cur->pid == pid) {
            float norm = bm25_norm(c->bm25, index_lengths(c->ix)[pid]);
            partial += bm25_term(c->qt[t]->weight, cursor_tf(cur), norm);
        }
    }
    return partial * SLACK > threshold;
}

int search_maxscore(const SearchContext *cc, TopK *top)
{
    SearchContext *c = (SearchContext *)cc;
    size_t n = search_open_cursors(c);
    order_by_bound(c, n);
    const uint32_t *lengths = index_lengths(c->ix);
    float threshold = topk_threshold(top);
    size_t e = essential_from(c, n, 0, threshold);
    while (e < n) {
        uint32_t pid = PID_END;
        for (size_t j = e; j < n; j++)
            if (c->cur[c->order[j]].pid < pid) pid = c->cur[c->order[j]].pid;
        if (pid == PID_END) break;
        float norm = bm25_norm(c->bm25, lengths[pid]), partial = 0.0f;
        for (size_t j = e; j < n; j++) {
            PostingCursor *cur = &c->cur[c->order[j]];
            if (cur->pid == pid) partial += bm25_term(c->qt[c->order[j]]->weight, cursor_tf(cur), norm);
        }
        if (e == 0 || complete(c, e, pid, partial, threshold)) {
            /* rescore in cursor order so every algorithm gets the same float */
            for (size_t j = 0; j < e; j++)
                if (c->cur[c->order[j]].pid < pid) cursor_advance(&c->cur[c->order[j]], pid);
            float score = score_and_advance(c, n, pid);
            if (score > threshold || top->n < top->k) topk_push(top, pid, score);
        } else {
            for (size_t j = e; j < n; j++)
                if (c->cur[c->order[j]].pid == pid) cursor_next(&c->cur[c->order[j]]);
        }
        threshold = topk_threshold(top);
        e = essential_from(c, n, e, threshold);
    }
    return search_check_cursors(c, n);
}
