/*
 * article_score.c: article evidence. Articles ranked not by their best
 * passage alone (MaxP) but by that passage's score plus lambda times the
 * scores of their other matching passages:
 *
 *   A(a) = max_p s(p) + lambda * (sum_p s(p) - max_p s(p))
 *
 * lambda 0 is MaxP, 1 is SumP (Dai and Callan, SIGIR 2019, fuse passage
 * scores into a document's so; Callan, SIGIR 1994, found a document's
 * passages and its whole text better together than either). An article
 * that is about the query has several passages that match it.
 *
 * Exact top k (rescore.c): the articles are taken by their best passage
 * (the grouping top k of search_run, pruned as usual) K at a time, K = k
 * at first; each one's A is computed from all its passages. An article not
 * among those K has no passage above M, the K-th best passage's score,
 * and so A <= M * (1 + lambda * (n - 1)) with n the most passages any
 * article has. When that bound is below the k-th best A found, no other
 * article can enter; else K doubles. The exhaustive reference
 * (search_articles_exhaustive) computes A for every article.
 *
 * The sum is a ScoreSum of each passage's part, so it does not depend on
 * the order the passages are scored in. A passage's score is its BM25 plus,
 * when asked, its proximity part (search_ranked, search_range_ranked):
 * the bound holds for any passage score.
 */
#include "query/query.h"

#include <stdlib.h>

/* A of article aid: all its passages scored (search_range_ranked: with
 * the proximity part when on); its best passage to *best. -1 when it does
 * not match (or its record is corrupt: *corrupt set). */
static float article_score(SearchContext *c, uint32_t aid, float lambda, uint32_t *best, int *corrupt)
{
    ArticleInfo a;
    if (index_article(c->ix, aid, &a) != 0) {
        *corrupt = 1;
        return -1.0f;
    }
    TopK t;
    topk_init(&t, a.npassages, NULL);
    if (search_range_ranked(c, &t, a.first_passage, a.first_passage + a.npassages - 1) != 0) *corrupt = 1;
    size_t n = topk_sorted(&t);
    float score = -1.0f;
    if (n > 0) {
        ScoreSum sum = score_fixed(t.heap[0].score);
        for (size_t i = 1; i < n; i++) sum += score_fixed(lambda * t.heap[i].score);
        *best = t.heap[0].pid;
        score = score_value(sum);
    }
    topk_free(&t);
    return score;
}

/* The article of passage pid, or -1. */
static int64_t article_of(const Index *ix, uint32_t pid)
{
    PassageInfo p;
    return index_passage(ix, pid, &p) == 0 ? (int64_t)p.article : -1;
}

typedef struct {
    const Algorithm *alg;
    SearchContext *c;
    float lambda;
    uint32_t most;
} Articles;

/* A Rescorer's round: the articles of the K best (by best passage) scored
 * into out; the K-th best passage's score in *kth (-1: fewer than K
 * articles match). */
static int article_round(void *ctx, size_t K, TopK *out, float *kth)
{
    const Algorithm *alg = ((Articles *)ctx)->alg;
    SearchContext *c = ((Articles *)ctx)->c;
    float lambda = ((Articles *)ctx)->lambda;
    TopK g;
    topk_init(&g, K, c->ix);
    int rc = search_ranked(alg, c, &g);
    size_t n = rc == 0 ? topk_sorted(&g) : 0;
    *kth = n == K ? g.heap[K - 1].score : -1.0f;
    int corrupt = 0;
    for (size_t i = 0; i < n && !corrupt; i++) {
        int64_t aid = article_of(c->ix, g.heap[i].pid);
        uint32_t best = 0;
        float a = aid < 0 ? -1.0f : article_score(c, (uint32_t)aid, lambda, &best, &corrupt);
        corrupt |= aid < 0;
        if (a >= 0) topk_push(out, best, a);
    }
    topk_free(&g);
    return rc != 0 || corrupt ? -1 : 0;
}

uint32_t index_max_article_passages(const Index *ix)
{
    uint32_t most = 1;
    for (uint32_t a = 0; a < index_article_limit(ix); a++) {
        ArticleInfo ai;
        if (index_article(ix, a, &ai) == 0 && ai.npassages > most) most = ai.npassages;
    }
    return most;
}

/* An article not among the K has no passage above kth, and at most
 * `most` passages. */
static float article_bound(void *ctx, float kth)
{
    const Articles *a = ctx;
    return kth * (1.0f + a->lambda * (float)(a->most - 1));
}

int search_articles(const Algorithm *alg, SearchContext *c, float lambda, uint32_t most, TopK *top)
{
    if (alg->exhaustive) return search_articles_exhaustive(c, lambda, top);
    Articles a = {alg, c, lambda, most};
    Rescorer r = {article_round, article_bound, &a};
    return rescore_top(&r, top->k, top);
}

int search_articles_exhaustive(SearchContext *c, float lambda, TopK *top)
{
    int corrupt = 0;
    for (uint32_t a = 0; a < index_article_limit(c->ix) && !corrupt; a++) {
        ArticleInfo ai;
        if (index_article(c->ix, a, &ai) != 0) return -1;
        if (ai.npassages == 0 || index_deleted(c->ix, ai.first_passage)) continue;
        uint32_t best = 0;
        float s = article_score(c, a, lambda, &best, &corrupt);
        if (s >= 0) topk_push(top, best, s);
    }
    return corrupt ? -1 : 0;
}
