/*
 * bm25.c: Okapi BM25 as Lucene computes it (BM25Similarity):
 *
 *   score(q, p) = sum over terms t of q:
 *       idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |p| / avgdl))
 *   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))
 *
 * with |p| the passage length in indexed tokens, kept exactly (Lucene
 * rounds it to one byte). The (k1 + 1) factor, which Lucene 8 dropped since
 * it does not change the order, is kept so scores match the textbook form.
 */
#include "query/query.h"

#include <math.h>

void bm25_init(Bm25 *p, float k1, float b, const IndexStats *s)
{
    p->k1 = k1;
    p->b = b;
    p->avgdl = index_avgdl(s->total_length, s->passages);
    p->norm0 = k1 * (1.0f - b);
    p->norm1 = k1 * b / p->avgdl;
}

void bm25_params(const IndexStats *s, float *k1, float *b)
{
    if (*k1 < 0) *k1 = s->impact_k1;
    if (*b < 0) *b = s->impact_b;
}

float bm25_idf(uint64_t N, uint64_t df)
{
    if (df > N) df = N;
    return (float)log(1.0 + ((double)N - (double)df + 0.5) / ((double)df + 0.5));
}
