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

int search_maxscore(SearchContext *c, TopK *top)
{
    size_t n = search_open_cursors(c);
    search_order_by_bound(c, n);
    const PassageLengths lengths = c->lengths;
    float threshold = topk_threshold(top);
    size_t e = search_nonessential(c, n, 0, threshold);
    while (e < n) {
        uint32_t pid = PID_END;
        for (size_t j = e; j < n; j++)
            if (c->cur[c->order[j]].pid < pid) pid = c->cur[c->order[j]].pid;
        if (pid == PID_END) break;
        float norm = bm25_norm(c->bm25, passage_length(lengths, pid));
        ScoreSum sum = 0;
        for (size_t j = e; j < n; j++) { /* the essential terms on pid, moved past it */
            PostingCursor *cur = &c->cur[c->order[j]];
            if (cur->pid != pid) continue;
            sum += score_fixed(bm25_term(c->qt[c->order[j]]->weight, cursor_tf(cur), norm));
            cursor_next(cur);
        }
        float score = e ? search_complete(c, e, pid, sum, threshold) : score_value(sum);
        if (score > threshold) topk_push(top, pid, score); /* threshold is -1 while the top k fills */
        threshold = topk_threshold(top);
        e = search_nonessential(c, n, e, threshold);
    }
    return search_check_cursors(c, n);
}
