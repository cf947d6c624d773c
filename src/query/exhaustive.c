/*
 * exhaustive.c: the reference ranking. Document-at-a-time over the union:
 * every posting of every query term is scored, nothing is skipped. It is
 * the slowest algorithm and the one every faster one must agree with.
 */
#include "query/query.h"

int search_exhaustive(SearchContext *ctx, TopK *top)
{
    size_t n = search_open_cursors(ctx);
    for (;;) {
        uint32_t pid = PID_END;
        for (size_t i = 0; i < n; i++)
            if (ctx->cur[i].pid < pid) pid = ctx->cur[i].pid;
        if (pid == PID_END) break;
        topk_push(top, pid, score_and_advance(ctx, n, pid));
    }
    return search_check_cursors(ctx, n);
}
