/*
 * bmm.c: block-max MaxScore over windows, scoring a window at a time.
 *
 * After Lucene's MaxScoreBulkScorer (Lucene 9.6+; Turtle & Flood's
 * MaxScore made block-max and window-wise). The passage ids are cut into
 * windows ending where the first of the query terms' current blocks ends,
 * so that in a window every term has a single block and the sum of those
 * blocks' maxima bounds every score in it:
 *
 *   - a window whose bound cannot beat the top-k threshold is skipped
 *     without decoding anything;
 *   - otherwise the terms are split, by their block maxima, into
 *     non-essential ones (together unable to beat the threshold) and
 *     essential ones; the essential terms' postings in the window are
 *     scored in bulk into an array (tight loops, no per-passage cursor
 *     juggling); then each passage found there is completed with the
 *     non-essential terms only while its score can still make the top k.
 *
 * Windows are visited in passage order, so a passage tying the threshold
 * loses to those kept (they have lower ids), and the result is exactly the
 * exhaustive one: scores are ScoreSums, the same in any summing order.
 */
#include "query/query.h"

/* The window starting at base: its end and each term's block bound.
 * Returns the bound of the whole window. */
static float open_window(SearchContext *c, size_t n, uint32_t base, uint32_t *end)
{
    uint32_t e = base + BMM_WINDOW - 1 < base ? PID_END - 1 : base + BMM_WINDOW - 1;
    float total = 0.0f;
    for (size_t i = 0; i < n; i++) {
        uint32_t last = cursor_shallow(&c->cur[i], base);
        if (last == PID_END) {
            c->ub[i] = 0.0f; /* this term has nothing at or after base */
            continue;
        }
        if (last < e) e = last;
        c->ub[i] = block_upper_bound(c, i);
        total += c->ub[i];
    }
    *end = e;
    return total;
}

/* Bulk reading of a cursor: the postings of its decoded block, from the
 * current one, with ids <= end; then move past them. */
static uint32_t block_span(PostingCursor *cur, uint32_t end)
{
    if (cur->ids[cur->n - 1] <= end) return cur->n - cur->i; /* the usual case: all of it */
    uint32_t i = cur->i;
    while (i < cur->n && cur->ids[i] <= end) i++;
    return i - cur->i;
}

static void pass_span(PostingCursor *cur, uint32_t m)
{
    if (cur->i + m < cur->n) { /* the span ends inside this block */
        cur->i += m;
        cur->pid = cur->ids[cur->i];
        return;
    }
    cur->i = cur->n - 1; /* on the block's last posting: next loads the next block */
    cursor_next(cur);
}

/* The lengths of a span's passages, asked for all at once: they lie far
 * apart in an array of 4 bytes per passage, and the loop that scores the
 * span would otherwise wait on them a few at a time. */
static inline void prefetch_lengths(const uint32_t *lengths, const uint32_t *ids, uint32_t m)
{
    for (uint32_t k = 0; k < m; k++) __builtin_prefetch(&lengths[ids[k]]);
}

/* Adds term t's scores of the passages in [base, end] to the window, a
 * decoded block at a time; widens [*lo, *hi], the offsets touched. */
static void score_term(SearchContext *c, uint32_t t, uint32_t base, uint32_t end, uint32_t *lo, uint32_t *hi)
{
    PostingCursor *cur = &c->cur[t];
    const uint32_t *lengths = segment_lengths(c->seg);
    const Bm25 *p = c->bm25;
    float w = c->qt[t]->weight;
    cursor_advance(cur, base);
    if (cur->pid <= end && cur->pid - base < *lo) *lo = cur->pid - base;
    while (cur->pid <= end) {
        uint32_t m = block_span(cur, end);
        const uint32_t *ids = cur->ids + cur->i, *tfs = cursor_block_tfs(cur) + cur->i;
        prefetch_lengths(lengths, ids, m);
        for (uint32_t k = 0; k < m; k++) {
            uint32_t off = ids[k] - base;
            float tf = (float)(tfs[k] + 1);
            c->acc[off] += score_fixed(w * tf / (tf + bm25_norm(p, lengths[ids[k]])));
            c->seen[off >> 6] |= (uint64_t)1 << (off & 63);
        }
        *hi = ids[m - 1] - base; /* ascending: the last one is the highest */
        pass_span(cur, m);
    }
}

/* The window being scored: its non-essential terms (order[0..ne)) and the
 * largest essential sum that surely cannot make the top k with them. */
typedef struct {
    size_t ne;
    float threshold; /* the threshold drop was computed for */
    ScoreSum drop;   /* sums <= drop are dropped with one integer comparison */
} Split;

/* What drop is for threshold t: below (t / slack - prefix[ne]) by a margin
 * of t * 1e-5, far wider than the float rounding of the exact test
 * (about 1e-7 relative), so a dropped sum would have failed that test too;
 * sums just above go on to it. Most candidates fail here, without the
 * int-to-float conversions of the exact test (callgrind, multi-word
 * queries on 200k synthetic passages, k=10: 3.4% fewer instructions). */
static void set_drop(const SearchContext *c, Split *sp, float t)
{
    sp->threshold = t;
    double v = (double)t / (double)PARTIAL_SLACK - (double)c->prefix[sp->ne] - (double)t * 1e-5;
    sp->drop = v > 0 ? (ScoreSum)(v * 4294967296.0) : -1; /* sums are >= 0: -1 drops none */
}

/* A candidate's essential score is known: complete it, keep it if good.
 * Most candidates fail the first test, so it is done here, inline. */
static inline void consider(SearchContext *c, Split *sp, uint32_t pid, ScoreSum sum, TopK *top)
{
    if (sum <= sp->drop) return;
    size_t ne = sp->ne;
    float threshold = topk_threshold(top);
    if (ne && (score_value(sum) + c->prefix[ne]) * PARTIAL_SLACK <= threshold) return;
    /* the window's block maxima are already in prefix[]: no block check */
    float s = ne ? search_complete(c, ne, pid, sum, threshold, 0) : score_value(sum);
    if (s > threshold) { /* threshold is -1 while the heap fills */
        topk_push(top, pid, s);
        /* a heap's threshold moves with every push once full, a buffer's
         * only when it is cut back to k */
        if (topk_threshold(top) != sp->threshold) set_drop(c, sp, topk_threshold(top));
    }
}

/* One essential term (the common case once the threshold has risen): its
 * postings are the candidates, in order, with no accumulator at all. */
static void score_single(SearchContext *c, Split *sp, uint32_t t, uint32_t base, uint32_t end, TopK *top)
{
    PostingCursor *cur = &c->cur[t];
    const uint32_t *lengths = segment_lengths(c->seg);
    const Bm25 *p = c->bm25;
    float w = c->qt[t]->weight;
    cursor_advance(cur, base);
    while (cur->pid <= end) {
        uint32_t m = block_span(cur, end);
        const uint32_t *ids = cur->ids + cur->i, *tfs = cursor_block_tfs(cur) + cur->i;
        prefetch_lengths(lengths, ids, m);
        for (uint32_t k = 0; k < m; k++) { /* consider() moves only other cursors */
            float tf = (float)(tfs[k] + 1);
            consider(c, sp, ids[k], score_fixed(w * tf / (tf + bm25_norm(p, lengths[ids[k]]))), top);
        }
        pass_span(cur, m);
    }
}

/* Scores one window whose bound beats the threshold. */
static void score_window(SearchContext *c, size_t n, uint32_t base, uint32_t end, TopK *top)
{
    search_order_by_bound(c, n); /* by this window's block bounds */
    size_t ne = search_nonessential(c, n, 0, topk_threshold(top));
    Split sp = {ne, -1.0f, -1};
    set_drop(c, &sp, topk_threshold(top));
    if (ne + 1 == n) {
        score_single(c, &sp, c->order[ne], base, end, top);
        return;
    }
    uint32_t lo = UINT32_MAX, hi = 0, top_hi = 0;
    for (size_t j = ne; j < n; j++) {
        score_term(c, c->order[j], base, end, &lo, &hi);
        if (hi > top_hi) top_hi = hi;
    }
    if (lo == UINT32_MAX) return;
    for (size_t w = lo >> 6; w <= top_hi >> 6; w++) {
        uint64_t bits = c->seen[w];
        c->seen[w] = 0;
        while (bits) {
            uint32_t off = (uint32_t)(w << 6) + (uint32_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            ScoreSum sum = c->acc[off];
            c->acc[off] = 0;
            consider(c, &sp, base + off, sum, top);
        }
    }
}

int search_bmm(const SearchContext *cc, TopK *top)
{
    SearchContext *c = (SearchContext *)cc;
    size_t n = search_open_cursors(c);
    uint32_t base = PID_END;
    for (size_t i = 0; i < n; i++)
        if (c->cur[i].pid < base) base = c->cur[i].pid;
    while (base != PID_END) {
        uint32_t end;
        float bound = open_window(c, n, base, &end);
        if (bound * PARTIAL_SLACK > topk_threshold(top)) score_window(c, n, base, end, top);
        if (end == PID_END - 1) break;
        base = end + 1;
        /* Jump over passages no term has when every cursor already stands
         * beyond them; a cursor left behind (skipped or non-essential) may
         * have postings anywhere from base on, unless it is exhausted. */
        uint32_t next = PID_END;
        for (size_t i = 0; i < n && next > base; i++) {
            PostingCursor *cur = &c->cur[i];
            uint32_t p = cur->pid >= base ? cur->pid : cursor_shallow(cur, base) != PID_END ? base : PID_END;
            if (p < next) next = p;
        }
        base = next;
    }
    return search_check_cursors(c, n);
}
