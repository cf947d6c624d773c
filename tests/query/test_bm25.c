/* test_bm25.c: BM25 values against hand-computed ones. */
#include "check.h"
#include "query/query.h"

static void test_idf(void)
{
    /* N=1000, df=10: ln(1 + 990.5/10.5) = ln(95.333...) = 4.557380 */
    CHECK_NEAR(bm25_idf(1000, 10), 4.5573800, 1e-5);
    /* a term in every passage still has positive idf: ln(1 + 0.5/1000.5) */
    CHECK_NEAR(bm25_idf(1000, 1000), 0.000499625, 1e-8);
    CHECK_NEAR(bm25_idf(1, 1), 0.2876821, 1e-6); /* ln(1 + 0.5/1.5) */
}

static void test_term_score(void)
{
    IndexStats s = {0};
    s.passages = 4;
    s.total_length = 400; /* avgdl 100 */
    Bm25 p;
    bm25_init(&p, 1.2f, 0.75f, &s);
    CHECK_NEAR(p.avgdl, 100.0, 1e-6);
    /* dl=50: K = 1.2*(0.25 + 0.75*0.5) = 0.75; tf=3, idf=2:
       2*2.2*3/(3+0.75) = 3.52 */
    float norm = bm25_norm(&p, 50);
    CHECK_NEAR(norm, 0.75, 1e-6);
    CHECK_NEAR(bm25_term(2.0f * 2.2f, 3, norm), 3.52, 1e-5);
    /* dl=avgdl: K = k1; tf=1: w/(1+1.2) */
    CHECK_NEAR(bm25_term(2.2f, 1, bm25_norm(&p, 100)), 1.0, 1e-6);
    /* b=0: length has no effect */
    bm25_init(&p, 0.9f, 0.0f, &s);
    CHECK_NEAR(bm25_norm(&p, 1), bm25_norm(&p, 10000), 1e-7);
}

static void test_monotone(void)
{
    IndexStats s = {0};
    s.passages = 10;
    s.total_length = 1000;
    Bm25 p;
    bm25_init(&p, 1.2f, 0.75f, &s);
    float prev = 0;
    for (uint32_t tf = 1; tf < 50; tf++) { /* grows with tf, saturating below w */
        float v = bm25_term(1.0f, tf, bm25_norm(&p, 100));
        CHECK(v > prev && v < 1.0f);
        prev = v;
    }
    CHECK(bm25_term(1.0f, 2, bm25_norm(&p, 50)) > bm25_term(1.0f, 2, bm25_norm(&p, 500)));
    CHECK(bm25_idf(1000, 1) > bm25_idf(1000, 2));
}

TEST_MAIN("bm25", T(test_idf), T(test_term_score), T(test_monotone))
