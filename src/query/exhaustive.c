/*
 * exhaustive.c: the reference ranking. Document-at-a-time over the union:
 * every posting of every query term is scored, nothing is skipped. It is
 * the slowest algorithm and the one every faster one must agree with.
 */
#include "query/query.h"

#include <stdlib.h>

int search_exhaustive(const SearchContext *ctx, TopK *top)
{
    const Query *q = ctx->q;
    const uint32_t *lengths = index_lengths(ctx->ix);
    PostingCursor *cur = xmalloc((q->n ? q->n : 1) * sizeof *cur);
    const QueryTerm **qt = xmalloc((q->n ? q->n : 1) * sizeof *qt);
    size_t n = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (!q->terms[i].found) continue;
        cursor_open(&cur[n], ctx->ix, &q->terms[i].info);
        qt[n++] = &q->terms[i];
    }
    int corrupt = 0;
    for (;;) {
        uint32_t pid = PID_END;
        for (size_t i = 0; i < n; i++)
            if (cur[i].pid < pid) pid = cur[i].pid;
        if (pid == PID_END) break;
        float norm = bm25_norm(ctx->bm25, lengths[pid]), score = 0.0f;
        for (size_t i = 0; i < n; i++) {
            if (cur[i].pid != pid) continue;
            score += bm25_term(qt[i]->weight, cursor_tf(&cur[i]), norm);
            cursor_next(&cur[i]);
        }
        topk_push(top, pid, score);
    }
    for (size_t i = 0; i < n; i++) corrupt |= cur[i].corrupt;
    free(cur);
    free(qt);
    if (corrupt) {
        err_set("index postings are corrupt (rebuild with: search index)");
        return -1;
    }
    return 0;
}
