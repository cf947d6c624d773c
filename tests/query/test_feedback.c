/* test_feedback.c: RM3 pseudo-relevance feedback (feedback.c). Every
 * algorithm, given the same expanded query, returns exactly what the
 * exhaustive one does (expansion runs the first stage with the algorithm
 * itself: the expanded queries must come out the same too); the expansion
 * finds a passage that shares the feedback passages' words but not the
 * query's; its boosts follow RM3's interpolation; and frequent words are
 * never added. */
#include "check.h"
#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;

typedef struct {
    size_t n;
    Hit hits[300];
    size_t nterms; /* the expanded query's distinct keys */
} Result;

/* text through feedback and search_run with alg, at k. */
static void run(TcSearch *s, const char *alg, const char *text, size_t k, const FeedbackOptions *fo, Result *out)
{
    CHECK_EQ_INT(tc_search_parse(s, text), 0);
    CHECK_EQ_INT(feedback_expand(&s->ctx, algorithm_find(alg), s->an, fo), 0);
    out->nterms = s->q.n;
    TopK top;
    topk_init(&top, k, NULL);
    CHECK_EQ_INT(search_run(algorithm_find(alg), &s->ctx, &top), 0);
    out->n = topk_sorted(&top);
    memcpy(out->hits, top.heap, out->n * sizeof *top.heap);
    topk_free(&top);
}

static int same(const Result *a, const Result *b)
{
    return a->nterms == b->nterms && tc_same_hits(a->hits, a->n, b->hits, b->n);
}

static void random_query(char *text)
{
    static const char *const shapes[] = {"w%u w%u", "w%u w%u w%u", "+w%u w%u", "\"w%u w%u\" w%u", "w%u -w%u"};
    uint32_t v = corpus.vocab;
    snprintf(text, 128, shapes[tc_rand() % 5], tc_word(v), tc_word(v), tc_rand() % v);
}

/* Random unions, required words, phrases and exclusions, with several
 * feedback settings and k: every algorithm gives the exhaustive answer. */
static void algorithms_agree_on_expanded_queries(void)
{
    TcSearch s;
    tc_search_open(&s, ix);
    size_t na, expanded = 0;
    const Algorithm *algs = algorithm_list(&na);
    char text[128];
    for (int iter = 0; iter < 150; iter++) {
        random_query(text);
        FeedbackOptions fo = {1 + tc_rand() % 20, 1 + tc_rand() % 30, (float)(tc_rand() % 11) / 10.0f};
        size_t k = iter % 3 ? 1 + tc_rand() % 20 : 300;
        Result want, got;
        CHECK_EQ_INT(tc_search_parse(&s, text), 0);
        size_t before = s.q.n;
        run(&s, "exhaustive", text, k, &fo, &want);
        expanded += want.nterms > before;
        for (size_t a = 0; a < na; a++) {
            run(&s, algs[a].name, text, k, &fo, &got);
            if (!same(&want, &got))
                fprintf(stderr, "  \"%s\" k=%zu docs=%u terms=%u: %s differs\n", text, k, fo.docs, fo.terms,
                        algs[a].name);
            CHECK(same(&want, &got));
        }
    }
    CHECK(expanded > 100); /* most queries did get new words */
    tc_search_close(&s);
}

/* A small corpus: "apple" always comes with "banana" and "cherry"; one
 * passage has those two but no "apple"; the rest is filler, so that
 * banana and cherry are in under a tenth of the passages and "common" in
 * all of them. */
static Index *fruit_index(TestCorpus *c)
{
    FILE *f = tc_docs_open(c);
    if (!f) return NULL;
    for (int d = 0; d < 3; d++) fprintf(f, "a%d\t\tapple banana cherry common\n", d);
    fprintf(f, "target\t\tbanana cherry pear common\n");
    for (int d = 0; d < 60; d++) fprintf(f, "f%d\t\tfiller%d common words%d\n", d, d, d % 7);
    fclose(f);
    return tc_index_docs(c);
}

static int has_term(const Query *q, const char *term, float *boost)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->terms[i].len == strlen(term) && !memcmp(q->terms[i].term, term, q->terms[i].len)) {
            *boost = q->terms[i].boost;
            return 1;
        }
    return 0;
}

static void expansion_finds_related_passage(void)
{
    TestCorpus c = {0};
    Index *fx = fruit_index(&c);
    CHECK(fx != NULL);
    if (!fx) return;
    TcSearch s;
    tc_search_open(&s, fx);
    FeedbackOptions off = {0, 10, 0.5f}, on;
    feedback_options_default(&on);
    Result plain, fb;
    run(&s, "bmm", "apple", 10, &off, &plain);
    CHECK_EQ_INT(plain.n, 3); /* only the apple passages */
    run(&s, "bmm", "apple", 10, &on, &fb);
    CHECK_EQ_INT(fb.n, 4);
    if (fb.n == 4) CHECK_EQ_INT(fb.hits[3].pid, 3); /* the target, last: it lacks the query's own word */
    /* RM3's boosts: the query's half to apple; the model's half shared
     * by apple, banana and cherry (equal in every feedback passage);
     * none to the word in every passage */
    float b = 0;
    CHECK(has_term(&s.q, "apple", &b) && fabsf(b - (0.5f + 0.5f / 3)) < 1e-6f);
    CHECK(has_term(&s.q, "banana", &b) && fabsf(b - 0.5f / 3) < 1e-6f);
    CHECK(has_term(&s.q, "cherry", &b) && fabsf(b - 0.5f / 3) < 1e-6f);
    CHECK(!has_term(&s.q, "common", &b));
    CHECK_EQ_INT(s.q.n, 3);
    /* weight 1: the query's own words only, in the same order */
    FeedbackOptions all = {10, 10, 1.0f};
    run(&s, "bmm", "apple", 10, &all, &fb);
    CHECK_EQ_INT(fb.n, 3);
    for (size_t i = 0; i < fb.n && i < plain.n; i++) CHECK_EQ_INT(fb.hits[i].pid, plain.hits[i].pid);
    /* one term kept: the first of the tied three by its bytes, apple */
    FeedbackOptions one = {10, 1, 0.5f};
    run(&s, "bmm", "apple", 10, &one, &fb);
    CHECK(has_term(&s.q, "apple", &b) && fabsf(b - 1.0f) < 1e-6f);
    CHECK_EQ_INT(s.q.n, 1);
    /* a query that matches nothing stays as it was */
    run(&s, "bmm", "nosuchword", 10, &on, &fb);
    CHECK_EQ_INT(fb.n, 0);
    tc_search_close(&s);
    index_close(fx);
    tc_free(&c);
}

int main(void)
{
    ix = tc_build_or_report(&corpus, "feedback", 3000, 400, 60);
    if (!ix) return 1;
    static const TestCase cases[] = {T(algorithms_agree_on_expanded_queries), T(expansion_finds_related_passage)};
    int rc = run_tests("feedback", cases, sizeof cases / sizeof cases[0]);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
