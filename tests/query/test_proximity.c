/* test_proximity.c: the proximity part (proximity.c). BM25TP's formula on
 * hand-made positions; the part of every passage of a random corpus
 * against one computed here from the words the test wrote (so positions,
 * idf, boosts and the length part are read right); no part above the
 * bound; and which query words take part (body words of the clauses that
 * score, a word given twice counting twice). */
#include "check.h"
#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;

static float part_of(const uint32_t *const *pos, const uint32_t *npos, const float *idf, const float *outer, size_t m,
                     float norm)
{
    uint32_t head[8];
    double acc[8];
    return score_value(proximity_bm25tp(pos, npos, idf, outer, m, norm, head, acc));
}

static void formula_by_hand(void)
{
    /* a at 0, b at 2: one pair, d = 2; a gets idf_b / 4, b gets idf_a / 4 */
    static const uint32_t a[] = {0}, b[] = {2};
    const uint32_t *pos[] = {a, b};
    uint32_t npos[] = {1, 1};
    float idf[] = {2.0f, 3.0f}, outer[] = {1.0f, 2.0f};
    double acc_a = 0.75, acc_b = 0.5, want = acc_a / (acc_a + 1.0) + 2.0 * acc_b / (acc_b + 1.0);
    CHECK_NEAR(part_of(pos, npos, idf, outer, 2, 1.0f), want, 1e-6);
    /* a a b: only the neighbours (a at 1, b at 5) count, d = 4; a pair of
     * the same word adds nothing */
    static const uint32_t a2[] = {0, 1}, b2[] = {5};
    const uint32_t *pos2[] = {a2, b2};
    uint32_t npos2[] = {2, 1};
    acc_a = 3.0 / 16, acc_b = 2.0 / 16;
    want = acc_a / (acc_a + 1.0) + 2.0 * acc_b / (acc_b + 1.0);
    CHECK_NEAR(part_of(pos2, npos2, idf, outer, 2, 1.0f), want, 1e-6);
    /* interleaved a b a: two pairs, both d = 1 */
    static const uint32_t a3[] = {3, 5}, b3[] = {4};
    const uint32_t *pos3[] = {a3, b3};
    uint32_t npos3[] = {2, 1};
    acc_a = 3.0 + 3.0, acc_b = 2.0 + 2.0;
    want = acc_a / (acc_a + 2.0) + 2.0 * acc_b / (acc_b + 2.0);
    CHECK_NEAR(part_of(pos3, npos3, idf, outer, 2, 2.0f), want, 1e-6);
    /* one word alone, however often: nothing */
    CHECK_NEAR(part_of(pos2, npos2, idf, outer, 1, 1.0f), 0.0, 0.0);
}

/* The words of query text the test's parse gives; 0 on failure. */
static size_t words_of(TcSearch *s, const char *text, float weight, Proximity *p)
{
    if (tc_search_parse(s, text) != 0) return 0;
    s->ctx.proximity = weight;
    proximity_init(p, &s->ctx);
    return p->n;
}

static void which_words_take_part(void)
{
    TcSearch s;
    tc_search_open(&s, ix);
    Proximity p;
    CHECK_EQ_INT(words_of(&s, "w1 w2 -w3", 1.0f, &p), 2); /* not the excluded one */
    CHECK(p.bound > 0);
    proximity_free(&p);
    CHECK_EQ_INT(words_of(&s, "w1 w2 w1", 1.0f, &p), 2); /* w1 twice: its boost doubles */
    float idf = s.q.keys[p.t[0].key].idf;
    CHECK_NEAR(p.t[0].outer, 2.0f * (idf < 1 ? idf : 1) * (BM25_K1_DEFAULT + 1), 1e-5);
    proximity_free(&p);
    CHECK_EQ_INT(words_of(&s, "\"w1 w2\" +w4", 0.5f, &p), 3); /* phrase words, required words */
    proximity_free(&p);
    CHECK_EQ_INT(words_of(&s, "title:w1 w2", 1.0f, &p), 1); /* titles count positions apart */
    CHECK(p.bound == 0);                                    /* one word: no part */
    proximity_free(&p);
    CHECK_EQ_INT(words_of(&s, "w1 w2", 0.0f, &p), 0); /* weight 0: off */
    CHECK(p.bound == 0);
    proximity_free(&p);
    tc_search_close(&s);
}

/* BM25TP of document d for query words w[0..m) (distinct), computed from
 * the words the test wrote: a position is the word's place. */
static double by_hand(const TcSearch *s, uint32_t d, const uint32_t *w, const float *idf, size_t m, float weight)
{
    double acc[8] = {0};
    int prev = -1;
    uint32_t at = 0;
    for (uint32_t i = 0; i < corpus.len[d]; i++) {
        int j = -1;
        for (size_t x = 0; x < m; x++)
            if (corpus.words[d][i] == w[x]) j = (int)x;
        if (j < 0) continue;
        if (prev >= 0 && prev != j) {
            double x = 1.0 / ((double)(i - at) * (i - at));
            acc[j] += idf[prev] * x;
            acc[prev] += idf[j] * x;
        }
        prev = j;
        at = i;
    }
    double norm = bm25_norm(&s->bm, corpus.len[d]), sum = 0;
    for (size_t x = 0; x < m; x++)
        if (acc[x] > 0) sum += weight * (idf[x] < 1 ? idf[x] : 1) * (s->bm.k1 + 1) * acc[x] / (acc[x] + norm);
    return sum;
}

static void every_passage_against_the_words(void)
{
    TcSearch s;
    tc_search_open(&s, ix);
    size_t compared = 0, nonzero = 0;
    for (int iter = 0; iter < 30; iter++) {
        uint32_t w[3] = {tc_word(60), tc_word(60), tc_word(60)};
        if (w[0] == w[1] || w[1] == w[2] || w[0] == w[2]) continue;
        char text[64];
        snprintf(text, sizeof text, "w%u w%u w%u", w[0], w[1], w[2]);
        float weight = 0.25f * (float)(1 + iter % 4);
        CHECK_EQ_INT(tc_search_parse(&s, text), 0);
        s.ctx.proximity = weight;
        float idf[3], bound = 0;
        for (size_t x = 0; x < 3; x++) idf[x] = s.q.terms[x].idf;
        Proximity p;
        proximity_init(&p, &s.ctx);
        bound = p.bound;
        proximity_free(&p);
        for (uint32_t d = 0; d < corpus.ndocs; d++) {
            ScoreSum part;
            CHECK_EQ_INT(proximity_of(&s.ctx, d, &part), 0);
            double want = by_hand(&s, d, w, idf, 3, weight), got = score_value(part);
            CHECK_NEAR(got, want, 1e-5 * (1 + want));
            CHECK(got <= bound);
            compared++;
            nonzero += got > 0;
        }
    }
    CHECK(compared > 10000);
    CHECK(nonzero > 1000); /* the words did meet */
    tc_search_close(&s);
}

int main(void)
{
    ix = tc_build_or_report(&corpus, "proximity", 800, 200, 80);
    if (!ix) return 1;
    static const TestCase cases[] = {T(formula_by_hand), T(which_words_take_part),
                                     T(every_passage_against_the_words)};
    int rc = run_tests("proximity", cases, sizeof cases / sizeof cases[0]);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
