/*
 * wand.c: WAND (Broder et al., 2003) and block-max WAND (Ding & Suel,
 * 2011) over the union of the query terms.
 *
 * Cursors are kept sorted by their current passage. The pivot is the first
 * cursor at which the sum of term upper bounds exceeds the top-k threshold:
 * no passage before the pivot's can enter the top k. Block-max WAND then
 * also sums the bounds of the blocks holding the pivot passage; when even
 * that sum cannot beat the threshold, every passage up to the end of the
 * nearest of those blocks is skipped without decoding anything.
 */
#include "query/query.h"

/* Insertion sort of the cursor order by current passage: n is small and
 * the order changes little between steps. */
static void sort_by_pid(SearchContext *c, size_t n)
{
    uint32_t *o = c->order;
    for (size_t i = 1; i < n; i++) {
        uint32_t x = o[i], pid = c->cur[x].pid;
        size_t j = i;
        while (j > 0 && c->cur[o[j - 1]].pid > pid) {
            o[j] = o[j - 1];
            j--;
        }
        o[j] = x;
    }
}

/* Index in order[] of the pivot, or n when no passage can enter. */
static size_t find_pivot(const SearchContext *c, size_t n, float threshold)
{
    float acc = 0.0f;
    for (size_t p = 0; p < n; p++) {
        const PostingCursor *cur = &c->cur[c->order[p]];
        if (cur->pid == PID_END) return n;
        acc += c->ub[c->order[p]];
        if (acc > threshold) {
            while (p + 1 < n && c->cur[c->order[p + 1]].pid == cur->pid) p++; /* take all on it */
            return p;
        }
    }
    return n;
}

static void advance_before(SearchContext *c, size_t p, uint32_t target)
{
    for (size_t j = 0; j <= p; j++) {
        PostingCursor *cur = &c->cur[c->order[j]];
        if (cur->pid < target) cursor_advance(cur, target);
    }
}

static int wand_loop(SearchContext *c, TopK *top, int block_max)
{
    size_t n = search_open_cursors(c);
    for (size_t i = 0; i < n; i++) c->order[i] = (uint32_t)i;
    for (;;) {
        sort_by_pid(c, n);
        float threshold = topk_threshold(top);
        size_t p = find_pivot(c, n, threshold);
        if (p == n) break;
        uint32_t pivot = c->cur[c->order[p]].pid;
        if (block_max) {
            float bound = 0.0f;
            uint32_t next = p + 1 < n ? c->cur[c->order[p + 1]].pid : PID_END;
            for (size_t j = 0; j <= p; j++) {
                uint32_t last = cursor_shallow(&c->cur[c->order[j]], pivot);
                bound += block_upper_bound(c, c->order[j]);
                if (last < next - 1) next = last + 1;
            }
            if (bound <= threshold) { /* nothing in [pivot, next) can enter */
                advance_before(c, p, next > pivot ? next : pivot + 1);
                continue;
            }
        }
        if (c->cur[c->order[0]].pid == pivot) {
            topk_push(top, pivot, score_and_advance(c, n, pivot));
        } else {
            advance_before(c, p, pivot);
        }
    }
    return search_check_cursors(c, n);
}

int search_wand(SearchContext *c, TopK *top) { return wand_loop(c, top, 0); }
int search_bmw(SearchContext *c, TopK *top) { return wand_loop(c, top, 1); }
