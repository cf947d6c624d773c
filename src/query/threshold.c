/*
 * threshold.c: a floor under the top-k threshold, set before scoring.
 *
 * A passage's union score is at least its score for any one query term
 * (the parts are never negative, and their fixed-point sum never rounds
 * below one of them). So when k live passages score at least s on one
 * term alone, the k-th best union score is at least s, and every
 * algorithm may prune from the first passage on as if the threshold
 * were already s. Without it the threshold starts at nothing and climbs
 * through the first windows, which are scored nearly in full.
 *
 * A term of several blocks stores the tf-part of its 10th, 100th and
 * 1000th best postings (FORMAT.md): for k up to 1000 its floor costs a
 * multiplication. Its score is computed here from the tf-part, not from
 * the tf and length as the algorithms compute it, so it is lowered by
 * BOUND_SLACK, far more than the few ulps the two roundings can differ.
 * Otherwise (one-block terms, other k up to 128) the term's k passages
 * are looked for where they are likeliest: in its blocks with the highest
 * stored maxima, which are decoded and scored with the same arithmetic as
 * the algorithms use. Both are term-level threshold estimates, as in
 * Mallia, Siedlaczek, Sun, Suel and Petri, "A comparison of top-k
 * threshold estimation techniques for disjunctive query processing", CIKM
 * 2020: the stored one is their precomputed kind, the other their
 * cheapest kind computed at query time.
 *
 * A floor from the blocks is one float below s, so that a passage scoring
 * exactly s still enters (it may outrank others at s by its lower id).
 */
#include "query/query.h"

#include <math.h>

/* Blocks read per term. Only small k is seeded from blocks: at k = 1000
 * the k-th best score of one term's best blocks sits far below the final
 * threshold, and reading 8 blocks per term cost more than the pruning it
 * bought
 * (callgrind, 1-5 term queries on 200k synthetic passages: 6% more
 * instructions at k = 1000; 4.5% fewer at k = 10, 3% fewer at k = 100). */
#define SEED_BLOCKS_MAX 2

/* Inserts block b of bound part into the m best kept in best[] (by bound,
 * descending); returns the new count. */
static size_t keep_best(uint32_t *best, float *part, size_t n, size_t m, uint32_t b, float p)
{
    if (n == m && p <= part[n - 1]) return n;
    size_t i = n < m ? n++ : n - 1;
    for (; i > 0 && part[i - 1] < p; i--) {
        best[i] = best[i - 1];
        part[i] = part[i - 1];
    }
    best[i] = b;
    part[i] = p;
    return n;
}

/* What cursor i's term alone guarantees: the k-th best of its scores in
 * its m best blocks, or -1 when they hold fewer than k live passages. */
static float term_floor(SearchContext *c, size_t i, size_t k, size_t m, float floor, uint64_t *keys)
{
    PostingCursor *cur = &c->cur[i];
    float w = c->qt[i]->weight;
    uint32_t best[SEED_BLOCKS_MAX];
    float part[SEED_BLOCKS_MAX];
    float top_part = c->qt[i]->info.max_tf_part; /* the term's: its best block's */
    if (BOUND_SLACK * w * top_part <= floor) return -1.0f; /* cannot raise the floor */
    size_t nb = 0;
    for (uint32_t b = 0; b < cur->nblocks; b++) {
        float p = cursor_block_max_tf_part_of(cur, b);
        if (BOUND_SLACK * w * p > floor) nb = keep_best(best, part, nb, m, b, p);
        if (m == 1 && p == top_part) break; /* no block beats it */
    }
    const PassageLengths lengths = c->lengths;
    size_t n = 0;
    for (size_t j = 0; j < nb; j++) {
        if (cursor_enter_block(cur, best[j]) == PID_END) return -1.0f; /* corrupt: the search reports it */
        const uint32_t *tfs = cursor_block_tfs(cur);
        for (uint32_t x = 0; x < cur->n; x++) {
            uint32_t pid = cur->ids[x];
            if (c->deleted && bit_get(c->deleted, pid)) continue;
            keys[n++] = hit_key(pid, score_one(w, tfs[x] + 1, bm25_norm(c->bm25, passage_length(lengths, pid))));
        }
    }
    return n >= k ? key_score(keys_select_largest(keys, n, k)) : -1.0f; /* keys hold ids: distinct */
}

/* The floor term i's stored floors give at k, or 0. */
static float stored_floor(const SearchContext *c, size_t i, size_t k)
{
    float part = c->exact_floors ? cursor_floor_part(&c->cur[i], k) : 0.0f;
    return c->qt[i]->weight * part / BOUND_SLACK;
}

/* Whether that is the term's own k-th best (k one of the stored ranks):
 * its best blocks can give no more. */
static int stored_is_exact(const SearchContext *c, size_t i, size_t k)
{
    size_t r = term_floor_for(k);
    return r < TERM_FLOORS && term_floor_rank(r) == k && stored_floor(c, i, k) > 0;
}

void search_seed_threshold(SearchContext *c, TopK *top)
{
    size_t k = top->k;
    /* only a union, or one word, scores a passage at least any one term's score */
    if (!(c->q->flat || (c->q->conjunctive && c->q->n == 1))) return;
    if (top->group || !c->exact_maxima) return;
    size_t m = k > BLOCK_SIZE / 2 ? 2 : 1; /* some postings of the best block score low */
    uint64_t keys[SEED_BLOCKS_MAX * BLOCK_SIZE];
    size_t n = search_open_cursors(c);
    search_order_by_bound(c, n); /* strongest term first: the others may then be skipped */
    float floor = top->floor;
    for (size_t i = 0; i < n; i++) {
        float s = stored_floor(c, i, k);
        if (s > floor) floor = s;
    }
    for (size_t j = n; j-- > 0 && k <= BLOCK_SIZE;) {
        size_t i = c->order[j];
        if (c->cur[i].df < k || stored_is_exact(c, i, k)) continue;
        float s = term_floor(c, i, k, m, floor, keys);
        if (s > 0 && nextafterf(s, 0.0f) > floor) floor = nextafterf(s, 0.0f);
    }
    top->floor = floor;
}
