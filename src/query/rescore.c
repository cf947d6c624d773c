/*
 * rescore.c: the exact top k of a score that costs too much to compute
 * for every match, from the best of a cheaper ranking. Proximity
 * (proximity_search.c: BM25, then the proximity part added) and article
 * evidence (article_score.c: articles by their best passage, then every
 * passage of each) both rescore the K best of a first ranking, and both
 * know how high a candidate left out could score from the K-th first
 * score. K starts where the caller says and doubles until that bound is
 * below the k-th best rescored score, or every match was taken. Each
 * round is a fresh first ranking, so the work is at most about twice the
 * last round's.
 */
#include "query/query.h"

int rescore_top(const Rescorer *r, size_t first_K, TopK *top)
{
    size_t k = top->k;
    for (size_t K = first_K;; K *= 2) {
        TopK cand;
        topk_init(&cand, k, top->group);
        float kth;
        int rc = r->round(r->ctx, K, &cand, &kth);
        size_t n = rc == 0 ? topk_sorted(&cand) : 0;
        /* done when every match was rescored (fewer than K), or none left
         * out can reach the k-th best */
        int done = rc != 0 || kth < 0 || (n == k && BOUND_SLACK * r->bound(r->ctx, kth) < cand.heap[k - 1].score);
        if (done) {
            top->base = 0; /* the candidates' ids are global, deleted ones dropped */
            top->deleted = NULL;
            for (size_t i = 0; i < n; i++) topk_push(top, cand.heap[i].pid, cand.heap[i].score);
        }
        topk_free(&cand);
        if (done) return rc != 0 || top->corrupt ? -1 : 0;
    }
}
