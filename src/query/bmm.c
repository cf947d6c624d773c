/*
 * bmm.c: block-max MaxScore over windows, scoring a window at a time.
 *
 * After Lucene's MaxScoreBulkScorer (Lucene 9.6+; Turtle & Flood's
 * MaxScore made block-max and window-wise). The passage ids are cut into
 * windows ending where the first of the essential terms' current blocks
 * ends (those of the window scored last; all terms at first), at most
 * BMM_WINDOW long. A term's bound in a window is the largest maximum of
 * its blocks there, and their sum bounds every score in it:
 *
 *   - a window whose bound cannot beat the top-k threshold is skipped
 *     without decoding anything;
 *   - otherwise the terms are split, by those bounds, into non-essential
 *     ones (together unable to beat the threshold) and essential ones;
 *     the essential terms' postings in the window are scored in bulk into
 *     an array, a BMM_SLICE of passages at a time (tight loops, no
 *     per-passage cursor juggling, the array in the L1 cache); the
 *     passages found there whose sum could still make the top k are then
 *     completed with the non-essential terms a term at a time: each
 *     term's cursor walks forward through the window's candidates once,
 *     before each term those that can no longer make it are dropped, and
 *     a candidate whose sum cannot make it with the term's own block's
 *     maximum does not have that block decoded.
 *
 * Ending windows at the essential terms' blocks only keeps a dense
 * non-essential term from cutting them every few dozen postings (its
 * blocks are the shortest), and the per-candidate block test gives back
 * the tightness its bound over several blocks loses (without that test,
 * such windows were 8% slower).
 *
 * Windows are visited in passage order, so a passage tying the threshold
 * loses to those kept (they have lower ids), and the result is exactly the
 * exhaustive one: scores are ScoreSums, the same in any summing order.
 */
#include "query/query.h"

/* The bound of cursor i's scores in [from, to]: the largest of its
 * blocks' there. Leaves its shallow position on the block holding to. */
static float range_bound(SearchContext *c, size_t i, uint32_t from, uint32_t to)
{
    PostingCursor *cur = &c->cur[i];
    float ub = 0.0f;
    for (uint32_t last = cursor_shallow(cur, from); last != PID_END; last = cursor_shallow(cur, last + 1)) {
        float b = block_upper_bound(c, i);
        if (b > ub) ub = b;
        if (last >= to) break;
    }
    return ub;
}

/* The window starting at base: its end, from the blocks of the essential
 * terms order[ne..n), and each term's bound in it (0: nothing at or after
 * base). Returns the bound of the whole window. */
static float open_window(SearchContext *c, size_t n, size_t ne, uint32_t base, uint32_t *end)
{
    uint32_t e = base + BMM_WINDOW - 1 < base ? PID_END - 1 : base + BMM_WINDOW - 1;
    for (size_t j = ne; j < n; j++) {
        uint32_t last = cursor_shallow(&c->cur[c->order[j]], base);
        if (last < e) e = last;
    }
    float total = 0.0f;
    for (size_t i = 0; i < n; i++) {
        c->ub[i] = range_bound(c, i, base, e);
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
    return block_find(cur->ids, cur->i, end + 1) - cur->i; /* ids[i] <= end < the last id */
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
 * apart, and the loop that scores the span would otherwise wait on them a
 * few at a time. They are read as short lengths (2 bytes a passage, not
 * 4): a smaller array for these random reads to miss in. */
static inline void prefetch_lengths(const uint16_t *shorts, const uint32_t *ids, uint32_t m)
{
    for (uint32_t k = 0; k < m; k++) __builtin_prefetch(&shorts[ids[k]]);
}

/* Adds term t's scores of the passages in [base, end] to the window, a
 * decoded block at a time ([base, end] is at most one slice); sets the
 * bits of *words for the words of c->seen it touched. */
static void score_term(SearchContext *c, uint32_t t, uint32_t base, uint32_t end, uint64_t *words)
{
    PostingCursor *cur = &c->cur[t];
    const PassageLengths lengths = c->lengths;
    const Bm25 *p = c->bm25;
    float w = c->qt[t]->weight;
    uint64_t touched = 0;
    cursor_advance(cur, base);
    while (cur->pid <= end) {
        uint32_t m = block_span(cur, end);
        const uint32_t *ids = cur->ids + cur->i, *tfs = cursor_block_tfs(cur) + cur->i;
        prefetch_lengths(lengths.shorts, ids, m);
        for (uint32_t k = 0; k < m; k++) {
            uint32_t off = ids[k] - base;
            float tf = (float)(tfs[k] + 1);
            c->acc[off] += score_fixed(w * tf / (tf + bm25_norm(p, passage_length(lengths, ids[k]))));
            c->seen[off >> 6] |= (uint64_t)1 << (off & 63);
            touched |= (uint64_t)1 << (off >> 6);
        }
        pass_span(cur, m);
    }
    *words |= touched;
}

/* The largest partial sum that surely cannot make the top k at threshold
 * t with the terms order[0..ne) still to add (a window's non-essential
 * terms when candidates are collected; fewer as they complete): below
 * (t / slack - prefix[ne]) by a margin of t * 1e-5, far wider than the
 * float rounding of the exact test (about 1e-7 relative), so a dropped sum
 * would have failed that test too; sums just above go on to it. Most
 * candidates fail here, with one integer comparison. */
static ScoreSum drop_level(const SearchContext *c, size_t ne, float t)
{
    double v = (double)t / (double)PARTIAL_SLACK - (double)c->prefix[ne] - (double)t * 1e-5;
    return v > 0 ? (ScoreSum)(v * 4294967296.0) : -1; /* sums are >= 0: -1 drops none */
}

/* Keeps passage pid, whose essential terms sum to sum, as a candidate of
 * the window if the sum is above drop (most are not: branchless). */
static inline void collect(SearchContext *c, ScoreSum drop, uint32_t *m, uint32_t pid, ScoreSum sum)
{
    c->cand[*m] = pid;
    c->cand_sum[*m] = sum;
    *m += sum > drop;
}

/* Collects the passages of word w of the window (64 passages from base +
 * 64 w) that have a sum, and clears the word for the next window. */
static inline void collect_word(SearchContext *c, ScoreSum drop, uint32_t *m, uint32_t base, size_t w)
{
    uint64_t bits = c->seen[w];
    c->seen[w] = 0;
    for (; bits; bits &= bits - 1) {
        uint32_t off = (uint32_t)(w << 6) + (uint32_t)__builtin_ctzll(bits);
        collect(c, drop, m, base + off, c->acc[off]);
        c->acc[off] = 0;
    }
}

/* Completes the window's m candidates with the non-essential terms a term
 * at a time, the highest bound first (the window's bounds are in
 * prefix[]); then offers the survivors in passage order. Each term's
 * cursor walks forward through the candidates once, where completing them
 * one by one would visit every term per candidate, and the same pass drops
 * the candidates that cannot make the top k even with this term and those
 * left (by drop_level's integer cut: one pass over the candidates per
 * term, not a pruning pass and then a seeking one). A candidate beyond the
 * term's decoded block first tries the bound of the block that would hold
 * it: the window's bound is the largest of several blocks', and most
 * blocks cannot help. */
static void complete_window(SearchContext *c, size_t ne, uint32_t m, TopK *top)
{
    const PassageLengths lengths = c->lengths; /* a candidate's short length was just read */
    float threshold = topk_threshold(top);
    WORK_ADD(candidates, m);
    for (size_t j = ne; j-- > 0 && m;) {
        ScoreSum cut = drop_level(c, j + 1, threshold);
        uint32_t t = c->order[j], kept = 0;
        PostingCursor *cur = &c->cur[t];
        float w = c->qt[t]->weight;
        for (uint32_t i = 0; i < m; i++) {
            uint32_t pid = c->cand[i];
            ScoreSum sum = c->cand_sum[i];
            if (sum <= cut) continue;
            c->cand[kept] = pid; /* kept, and its sum completed below if the term has it */
            c->cand_sum[kept++] = sum;
            WORK_COUNT(completions);
            if (cur->pid < pid && cur->ids[cur->n - 1] < pid) { /* a block not decoded: can its bound help? */
                cursor_shallow(cur, pid);
                if ((score_value(sum) + c->prefix[j] + block_upper_bound(c, t)) * PARTIAL_SLACK <= threshold) {
                    WORK_COUNT(bound_skips);
                    continue;
                }
            }
            WORK_COUNT(seeks);
            WORK_SEEKING(1);
            uint32_t at = cursor_seek(cur, pid);
            WORK_SEEKING(0);
            if (at != pid) continue;
            WORK_COUNT(seek_hits);
            c->cand_sum[kept - 1] = sum + score_fixed(bm25_term(w, cursor_tf(cur), bm25_norm(c->bm25, passage_length(lengths, pid))));
        }
        m = kept;
    }
    threshold = topk_threshold(top); /* -1 while the heap fills; changes only on a push */
    for (uint32_t i = 0; i < m; i++) {
        float s = score_value(c->cand_sum[i]);
        if (s <= threshold) continue;
        topk_push(top, c->cand[i], s);
        threshold = topk_threshold(top);
    }
}

/* One essential term (the common case once the threshold has risen): its
 * postings are the candidates, in order, with no accumulator at all. */
static void score_single(SearchContext *c, size_t ne, ScoreSum drop, uint32_t t, uint32_t base, uint32_t end, TopK *top)
{
    PostingCursor *cur = &c->cur[t];
    const PassageLengths lengths = c->lengths;
    const Bm25 *p = c->bm25;
    float w = c->qt[t]->weight;
    uint32_t n = 0;
    cursor_advance(cur, base);
    while (cur->pid <= end) {
        uint32_t m = block_span(cur, end);
        const uint32_t *ids = cur->ids + cur->i, *tfs = cursor_block_tfs(cur) + cur->i;
        prefetch_lengths(lengths.shorts, ids, m);
        for (uint32_t k = 0; k < m; k++) {
            float tf = (float)(tfs[k] + 1);
            uint32_t len = passage_length(lengths, ids[k]);
            collect(c, drop, &n, ids[k], score_fixed(w * tf / (tf + bm25_norm(p, len))));
        }
        pass_span(cur, m);
    }
    complete_window(c, ne, n, top);
}

/* Scores one window whose bound beats the threshold; returns how many of
 * its terms were non-essential, order[0..ne). */
static size_t score_window(SearchContext *c, size_t n, uint32_t base, uint32_t end, TopK *top)
{
    search_order_by_bound(c, n); /* by this window's block bounds */
    size_t ne = search_nonessential(c, n, 0, topk_threshold(top));
    ScoreSum drop = drop_level(c, ne, topk_threshold(top));
    if (ne + 1 == n) {
        score_single(c, ne, drop, c->order[ne], base, end, top);
        return ne;
    }
    /* The essential terms add into the accumulator a slice of BMM_SLICE
     * passages at a time, so that its sums stay in the L1 cache; the
     * candidates of all slices, in passage order, are completed at once. */
    uint32_t m = 0;
    for (uint32_t lo = base;; lo += BMM_SLICE) {
        uint32_t hi = end - lo >= BMM_SLICE ? lo + BMM_SLICE - 1 : end;
        uint64_t words = 0;
        for (size_t j = ne; j < n; j++) score_term(c, c->order[j], lo, hi, &words);
        /* only the words some posting touched: a slice's postings are
         * often a few dozen, and scanning every word cost as much as
         * scoring them */
        for (; words; words &= words - 1) collect_word(c, drop, &m, lo, (size_t)__builtin_ctzll(words));
        if (hi == end) break;
    }
    complete_window(c, ne, m, top);
    return ne;
}

int search_bmm(SearchContext *c, TopK *top)
{
    size_t n = search_open_cursors(c), ne = 0;
    uint32_t base = PID_END;
    for (size_t i = 0; i < n; i++) {
        c->order[i] = (uint32_t)i;
        if (c->cur[i].pid < base) base = c->cur[i].pid;
    }
    while (base != PID_END) {
        uint32_t end;
        float bound = open_window(c, n, ne, base, &end);
        if (bound * PARTIAL_SLACK > topk_threshold(top)) ne = score_window(c, n, base, end, top);
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
