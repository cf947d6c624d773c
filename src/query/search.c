/*
 * search.c: runs a parsed query over every segment of the index: which
 * scorer answers it, and the segments in turn into one top k or one count.
 *
 * The shape of the query picks the scorer: a conjunction of words goes to
 * search_and (ranked_and.c), a flat union to the algorithm asked for, and
 * any other tree to the tree scorer (boolean.c). The exhaustive algorithm
 * is the reference, so with it nothing is pruned whatever the shape: the
 * tree is scored exhaustively and no threshold is seeded.
 */
#include "query/query.h"

static int run_segment(const Algorithm *alg, SearchContext *c, TopK *top)
{
    if (alg->exhaustive) return c->q->flat ? alg->run(c, top) : search_tree_exhaustive(c, top);
    search_seed_threshold(c, top);
    /* a conjunction of words: leapfrogging from the rarest list with block
     * maxima beats the general tree scorer (about 2x on 1M passages) */
    if (c->q->conjunctive) return search_and(c, top);
    return c->q->flat ? alg->run(c, top) : search_tree(c, top);
}

/* Segment by segment, in order, into one top k: global ids grow from one
 * segment to the next, so ties still rank by id, and the threshold the
 * earlier segments reached prunes the later ones from their start. */
int search_run(const Algorithm *alg, SearchContext *c, TopK *top)
{
    for (size_t i = 0; i < index_nsegments(c->ix); i++) {
        search_segment(c, i, top);
        if (run_segment(alg, c, top) != 0) return -1;
    }
    return top->corrupt ? -1 : 0; /* err_msg names the passage */
}

static int64_t count_segment(SearchContext *c)
{
    const Query *q = c->q;
    if (!q->conjunctive && !q->flat) return count_tree(c);
    uint64_t n = q->conjunctive ? count_and(c) : count_or(c);
    /* the cursors the count opened: every found term (a conjunction with a
     * missing term opens none) */
    size_t found = 0;
    for (size_t i = 0; i < q->n; i++) found += q->terms[i].found != 0;
    if (q->conjunctive && found != q->n) found = 0;
    return search_check_cursors(c, found) == 0 ? (int64_t)n : -1;
}

int64_t search_count(SearchContext *c)
{
    int64_t n = 0;
    for (size_t i = 0; i < index_nsegments(c->ix); i++) {
        search_segment(c, i, NULL);
        int64_t m = count_segment(c);
        if (m < 0) return -1;
        n += m;
    }
    return n;
}
