/*
 * ranked_and.c: conjunctive queries (every term required), ranked and
 * counted, and the size of a union.
 *
 * Cursors are visited rarest first (ascending df): the rarest one leads and
 * proposes a candidate, the others are advanced to it (leapfrogging) and
 * any that overshoot propose a later one. With block maxima, the candidate
 * is first checked against the top-k threshold: when the sum of the bounds
 * of the blocks holding it cannot beat the threshold, no passage up to the
 * end of the nearest of those blocks can enter, and the lead jumps past it
 * without decoding anything (as block-max WAND does for unions).
 *
 * A term found in the lexicon with weight 0 is not opened by
 * search_open_cursors (it cannot change a score) but still restricts a
 * conjunction, so it gets an extra cursor after the scored ones; scores
 * are summed by score_and_advance over the scored cursors only, in query
 * order, bitwise as every other algorithm sums them.
 */
#include "query/query.h"

/* Opens a cursor for every query term; the first *scored are the ones
 * search_open_cursors opens (weight > 0), the rest are found terms of
 * weight 0. Returns the total, or 0 when a conjunction cannot match
 * (no terms, or a term missing from the lexicon) and need_all is set. */
static size_t open_all(SearchContext *c, size_t *scored, int need_all)
{
    const Query *q = c->q;
    *scored = 0;
    if (need_all) {
        if (q->n == 0) return 0;
        for (size_t i = 0; i < q->n; i++)
            if (!q->terms[i].found) return 0;
    }
    size_t n = search_open_cursors(c);
    *scored = n;
    if (n == q->n) return n;
    for (size_t i = 0; i < q->n && n < QUERY_MAX_TERMS; i++) {
        const QueryTerm *t = &q->terms[i];
        if (!t->found || t->weight > 0) continue;
        cursor_open(&c->cur[n], c->seg, &t->info);
        c->qt[n] = t;
        c->ub[n] = 0.0f;
        n++;
    }
    return n;
}

/* order[0..n) = cursor indices by ascending df (insertion sort: n is small). */
static void order_by_df(SearchContext *c, size_t n)
{
    uint32_t *o = c->order;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = (uint32_t)i, df = c->cur[i].df;
        size_t j = i;
        while (j > 0 && c->cur[o[j - 1]].df > df) {
            o[j] = o[j - 1];
            j--;
        }
        o[j] = x;
    }
}

/* Advances the non-lead cursors (order[1..n)) to cand. Returns cand when
 * all are on it, else the first passage past cand that one landed on (or
 * PID_END when one ran out). */
static uint32_t align(SearchContext *c, size_t n, uint32_t cand)
{
    for (size_t j = 1; j < n; j++) {
        PostingCursor *cur = &c->cur[c->order[j]];
        uint32_t p = cur->pid < cand ? cursor_advance(cur, cand) : cur->pid;
        if (p != cand) return p;
    }
    return cand;
}

/* One scored word (a quarter of the benchmark's queries): a block at a
 * time, skipping each block whose maximum cannot beat the threshold, and
 * scoring the others in a tight loop that pushes only what can enter;
 * the general loop's per-passage alignment and summing cost 2-3x more. */
static void search_one(SearchContext *c, TopK *top)
{
    PostingCursor *cur = &c->cur[0];
    const PassageLengths lengths = c->lengths;
    const Bm25 *p = c->bm25;
    float w = c->qt[0]->weight;
    for (uint32_t from = cur->pid; from != PID_END;) {
        uint32_t last = cursor_shallow(cur, from); /* the block holding from: decoded only if it can help */
        if (last == PID_END) break;
        if (block_upper_bound(c, 0) > topk_threshold(top) && cursor_advance(cur, from) != PID_END) {
            const uint32_t *tfs = cursor_block_tfs(cur);
            for (uint32_t i = cur->i; i < cur->n; i++) {
                float s = score_one(w, tfs[i] + 1, bm25_norm(p, passage_length(lengths, cur->ids[i])));
                if (s > topk_threshold(top)) topk_push(top, cur->ids[i], s);
            }
        }
        from = last == PID_END - 1 ? PID_END : last + 1;
    }
}

int search_and(SearchContext *c, TopK *top)
{
    size_t scored, n = open_all(c, &scored, 1);
    if (n == 0) return search_check_cursors(c, n);
    if (n == 1 && scored == 1) {
        search_one(c, top);
        return search_check_cursors(c, n);
    }
    order_by_df(c, n);
    PostingCursor *lead = &c->cur[c->order[0]];
    uint32_t cand = lead->pid;
    /* the block bounds of [cand, blk_end] are those last computed */
    uint32_t blk_end = 0;
    float blk_bound = 0.0f;
    int blk_valid = 0;
    while (cand != PID_END) {
        float threshold = topk_threshold(top);
        if (threshold >= 0.0f) { /* full: block maxima can prune */
            if (!blk_valid || cand > blk_end) {
                blk_end = PID_END;
                blk_bound = 0.0f;
                for (size_t j = 0; j < scored; j++) {
                    uint32_t last = cursor_shallow(&c->cur[j], cand);
                    blk_bound += block_upper_bound(c, j);
                    if (last < blk_end) blk_end = last;
                }
                blk_valid = 1;
            }
            if (blk_bound <= threshold) { /* nothing in [cand, blk_end] can enter */
                if (blk_end == PID_END) break;
                cand = cursor_advance(lead, blk_end + 1);
                continue;
            }
        }
        uint32_t p = align(c, n, cand);
        if (p == cand) {
            float score = score_and_advance(c, scored, cand);
            for (size_t j = scored; j < n; j++) cursor_next(&c->cur[j]);
            topk_push(top, cand, score);
            cand = lead->pid;
        } else {
            if (p == PID_END) break;
            cand = cursor_advance(lead, p);
        }
    }
    return search_check_cursors(c, n);
}

uint64_t count_and(SearchContext *c)
{
    size_t scored, n = open_all(c, &scored, 1);
    if (n == 0) return 0;
    if (n == 1 && !c->deleted) return c->cur[0].df;
    order_by_df(c, n);
    PostingCursor *lead = &c->cur[c->order[0]];
    uint64_t count = 0;
    uint32_t cand = lead->pid;
    while (cand != PID_END) {
        uint32_t p = align(c, n, cand);
        if (p == cand) {
            count += !c->deleted || !bit_get(c->deleted, cand);
            cand = cursor_next(lead);
        } else {
            if (p == PID_END) break;
            cand = cursor_advance(lead, p);
        }
    }
    return count;
}

uint64_t count_or(SearchContext *c)
{
    size_t scored, n = open_all(c, &scored, 0);
    if (n == 0) return 0;
    if (n == 1 && !c->deleted) return c->cur[0].df;
    uint64_t count = 0;
    uint32_t pid = PID_END;
    for (size_t j = 0; j < n; j++)
        if (c->cur[j].pid < pid) pid = c->cur[j].pid;
    while (pid != PID_END) {
        count += !c->deleted || !bit_get(c->deleted, pid);
        uint32_t next = PID_END;
        for (size_t j = 0; j < n; j++) {
            PostingCursor *cur = &c->cur[j];
            uint32_t p = cur->pid == pid ? cursor_next(cur) : cur->pid;
            if (p < next) next = p;
        }
        pid = next;
    }
    return count;
}
