/*
 * query_parse.c: a bag-of-words query. The text goes through the same
 * Analyzer as the indexed passages (the index records which), repeated
 * terms are merged into one with a query count (Lucene's BooleanQuery of a
 * term twice scores it twice; so does our weight), and each term is looked
 * up once here so that algorithms get ready cursors' TermInfo and weights.
 */
#include "query/query.h"

#include <stdlib.h>

typedef struct {
    Query *q;
    int overflow;
} ParseCtx;

static void on_term(void *ctx, const Token *t)
{
    ParseCtx *pc = ctx;
    Query *q = pc->q;
    for (size_t i = 0; i < q->n; i++) {
        if (q->terms[i].len == t->len && memcmp(q->terms[i].term, t->term, t->len) == 0) {
            q->terms[i].qtf++;
            return;
        }
    }
    if (q->n == QUERY_MAX_TERMS) {
        pc->overflow = 1;
        return;
    }
    QueryTerm *qt = &q->terms[q->n++];
    memset(qt, 0, sizeof *qt);
    memcpy(qt->term, t->term, t->len);
    qt->len = t->len;
    qt->qtf = 1;
}

int query_parse(Analyzer *an, const Index *ix, const Bm25 *p, const char *text, Query *q)
{
    q->n = 0;
    ParseCtx pc = {q, 0};
    q->words = analyzer_run(an, text, strlen(text), on_term, &pc);
    if (pc.overflow) {
        err_set("query has more than %d distinct terms", QUERY_MAX_TERMS);
        q->n = 0;
        return -1;
    }
    uint64_t N = index_stats(ix)->passages;
    for (size_t i = 0; i < q->n; i++) {
        QueryTerm *t = &q->terms[i];
        t->found = index_lookup(ix, t->term, t->len, &t->info);
        t->idf = t->found ? bm25_idf(N, t->info.df) : 0.0f;
        t->weight = t->idf * (p->k1 + 1.0f) * (float)t->qtf;
    }
    return 0;
}

void query_init(Query *q)
{
    memset(q, 0, sizeof *q);
    q->terms = xmalloc(QUERY_MAX_TERMS * sizeof *q->terms);
}

void query_free(Query *q)
{
    free(q->terms);
    memset(q, 0, sizeof *q);
}
