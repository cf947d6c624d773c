/* test_ranked_and.c: conjunctive top-k (search_and) against a brute force on
 * random corpora: the exhaustive ranking of every passage, filtered to those
 * holding every query term (known from the corpus word lists), cut to k;
 * same passages, same order, bitwise the same scores, with the stored block
 * maxima and with the fallback bounds. count_and / count_or against counts
 * from the word lists (one passage per document). */
#include "check.h"
#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;
static Analyzer *an;
static uint32_t *present; /* present[d * vocab + w]: doc d holds word w */

typedef struct {
    size_t n;
    Hit hits[300];
} Result;

typedef struct {
    uint32_t w[16]; /* distinct query words (ids; >= vocab: absent) */
    size_t n;
} Words;

static int doc_has(uint32_t d, uint32_t w) { return w < corpus.vocab && present[(size_t)d * corpus.vocab + w]; }

static int doc_has_all(uint32_t d, const Words *q)
{
    for (size_t i = 0; i < q->n; i++)
        if (!doc_has(d, q->w[i])) return 0;
    return q->n > 0;
}

static int doc_has_any(uint32_t d, const Words *q)
{
    for (size_t i = 0; i < q->n; i++)
        if (doc_has(d, q->w[i])) return 1;
    return 0;
}

/* Parses, then optionally zeroes the weight of term zero_term (>= 0). */
static void setup(Query *q, SearchContext *ctx, Bm25 *p, const char *text, float k1, float b, int zero_term)
{
    bm25_init(p, k1, b, index_stats(ix));
    query_init(q);
    QueryOptions qo; /* the reference scores the body only */
    query_options_default(&qo);
    qo.title = qo.heading = 0;
    CHECK_EQ_INT(query_parse_with(an, ix, p, &qo, text, q), 0);
    if (zero_term >= 0 && (size_t)zero_term < q->n) q->terms[zero_term].weight = 0.0f;
    search_context_init(ctx, ix, p);
    ctx->q = q;
}

static void run_and(const char *text, size_t k, float k1, float b, int zero_term, Result *out)
{
    Bm25 p;
    Query q;
    SearchContext ctx;
    setup(&q, &ctx, &p, text, k1, b, zero_term);
    TopK top;
    topk_init(&top, k, NULL);
    CHECK_EQ_INT(search_and(&ctx, &top), 0);
    out->n = topk_sorted(&top);
    memcpy(out->hits, top.heap, out->n * sizeof *top.heap);
    topk_free(&top);
    search_context_free(&ctx);
    query_free(&q);
}

/* The expected result: every passage ranked exhaustively, filtered. */
static void brute_and(const char *text, const Words *w, size_t k, float k1, float b, int zero_term, Result *out)
{
    Bm25 p;
    Query q;
    SearchContext ctx;
    setup(&q, &ctx, &p, text, k1, b, zero_term);
    TopK top;
    topk_init(&top, corpus.ndocs, NULL);
    CHECK_EQ_INT(search_exhaustive(&ctx, &top), 0);
    size_t n = topk_sorted(&top);
    out->n = 0;
    for (size_t i = 0; i < n && out->n < k; i++)
        if (doc_has_all(top.heap[i].pid, w)) out->hits[out->n++] = top.heap[i];
    topk_free(&top);
    search_context_free(&ctx);
    query_free(&q);
}

static void counts(const char *text, uint64_t *and_n, uint64_t *or_n)
{
    Bm25 p;
    Query q;
    SearchContext ctx;
    setup(&q, &ctx, &p, text, BM25_K1_DEFAULT, BM25_B_DEFAULT, -1);
    *and_n = count_and(&ctx);
    *or_n = count_or(&ctx);
    search_context_free(&ctx);
    query_free(&q);
}

static int same(const Result *a, const Result *b) { return tc_same_hits(a->hits, a->n, b->hits, b->n); }

static void check_query(const char *text, const Words *w, size_t k, float k1, float b, int zero_term)
{
    Result want, got;
    brute_and(text, w, k, k1, b, zero_term, &want);
    run_and(text, k, k1, b, zero_term, &got);
    if (!same(&want, &got)) {
        fprintf(stderr, "  search_and differs on \"%s\" k=%zu k1=%g b=%g zero=%d: %zu hits, expected %zu\n", text, k,
                k1, b, zero_term, got.n, want.n);
        check_failed_in_test++;
    }
    uint64_t want_and = 0, want_or = 0, got_and, got_or;
    for (uint32_t d = 0; d < corpus.ndocs; d++) {
        want_and += doc_has_all(d, w);
        want_or += doc_has_any(d, w);
    }
    counts(text, &got_and, &got_or);
    if (got_and != want_and || got_or != want_or) {
        fprintf(stderr, "  counts of \"%s\": and %llu (expected %llu), or %llu (expected %llu)\n", text,
                (unsigned long long)got_and, (unsigned long long)want_and, (unsigned long long)got_or,
                (unsigned long long)want_or);
        check_failed_in_test++;
    }
}

/* A random query of 1..maxw words, mostly frequent ones so that
 * conjunctions have matches; now and then a word of no document. */
static void random_query(char *text, Words *w, size_t maxw, int allow_absent)
{
    size_t nq = 1 + tc_rand() % maxw;
    text[0] = 0;
    w->n = 0;
    for (size_t i = 0; i < nq; i++) {
        uint32_t x = tc_rand() % 3 ? tc_rand() % 30 : tc_word(corpus.vocab);
        if (allow_absent && tc_rand() % 25 == 0) x = corpus.vocab + 7;
        sprintf(text + strlen(text), "w%u ", x);
        size_t j = 0;
        while (j < w->n && w->w[j] != x) j++;
        if (j == w->n) w->w[w->n++] = x;
    }
}

static void test_default_parameters(void)
{
    char text[256];
    Words w;
    for (int iter = 0; iter < 400; iter++) {
        random_query(text, &w, 4, 1);
        check_query(text, &w, 1 + tc_rand() % (iter % 4 ? 20 : 300), BM25_K1_DEFAULT, BM25_B_DEFAULT, -1);
    }
}

static void test_other_parameters(void)
{
    static const float params[][2] = {{0.9f, 0.4f}, {2.0f, 1.0f}, {0.5f, 0.0f}, {1.2f, 0.3f}};
    char text[256];
    Words w;
    for (int iter = 0; iter < 200; iter++) {
        random_query(text, &w, 3, 0);
        check_query(text, &w, 1 + tc_rand() % 40, params[iter % 4][0], params[iter % 4][1], -1);
    }
}

static void test_single_and_many_terms(void)
{
    char text[256];
    Words w;
    for (int iter = 0; iter < 100; iter++) {
        random_query(text, &w, 1, 0);
        check_query(text, &w, 1 + tc_rand() % 50, BM25_K1_DEFAULT, BM25_B_DEFAULT, -1);
    }
    /* the most frequent words together: long lists, many blocks */
    Words all = {{0, 1, 2, 3, 4, 5}, 6};
    check_query("w0 w1 w2 w3 w4 w5", &all, 10, BM25_K1_DEFAULT, BM25_B_DEFAULT, -1);
    Words two = {{0, 1}, 2};
    check_query("w0 w1", &two, 300, BM25_K1_DEFAULT, BM25_B_DEFAULT, -1);
    check_query("w1 w0 w1 w0", &two, 7, BM25_K1_DEFAULT, BM25_B_DEFAULT, -1);
}

/* A term of weight 0 is not scored but must still be required. */
static void test_zero_weight_term_still_required(void)
{
    char text[256];
    Words w;
    for (int iter = 0; iter < 100; iter++) {
        random_query(text, &w, 4, 0);
        if (w.n < 2) continue; /* the brute force needs a scored term */
        check_query(text, &w, 1 + tc_rand() % 30, BM25_K1_DEFAULT, BM25_B_DEFAULT, (int)(tc_rand() % w.n));
    }
}

static void test_empty_queries(void)
{
    Words none = {{0}, 0};
    check_query("", &none, 10, BM25_K1_DEFAULT, BM25_B_DEFAULT, -1);
    check_query("!!! ---", &none, 10, BM25_K1_DEFAULT, BM25_B_DEFAULT, -1);
    Words absent = {{corpus.vocab + 3}, 1};
    check_query("nosuchword", &absent, 10, BM25_K1_DEFAULT, BM25_B_DEFAULT, -1);
    Words mixed = {{0, corpus.vocab + 3}, 2};
    check_query("w0 nosuchword", &mixed, 10, BM25_K1_DEFAULT, BM25_B_DEFAULT, -1);
    uint64_t a, o;
    counts("w0 nosuchword", &a, &o);
    CHECK_EQ_INT(a, 0);
    CHECK(o > 0);
}

int main(void)
{
    ix = tc_build_or_report(&corpus, "ranked_and", 6000, 400, 120);
    if (!ix) return 1;
    if (index_stats(ix)->passages != corpus.ndocs) {
        fprintf(stderr, "expected one passage per document\n");
        printf("ranked_and: 0 passed, 1 failed\n");
        return 1;
    }
    present = calloc((size_t)corpus.ndocs * corpus.vocab, sizeof *present);
    for (uint32_t d = 0; d < corpus.ndocs; d++)
        for (uint32_t i = 0; i < corpus.len[d]; i++) present[(size_t)d * corpus.vocab + corpus.words[d][i]] = 1;
    an = tc_analyzer(ix);
    static const TestCase cases[] = {T(test_default_parameters), T(test_other_parameters),
                                     T(test_single_and_many_terms), T(test_zero_weight_term_still_required),
                                     T(test_empty_queries)};
    int rc = run_tests("ranked_and", cases, sizeof cases / sizeof cases[0]);
    analyzer_free(an);
    index_close(ix);
    tc_free(&corpus);
    free(present);
    return rc;
}
