/* test_article_score.c: article evidence (article_score.c). On articles
 * of several passages, every algorithm's search_articles gives exactly
 * what search_articles_exhaustive gives (same articles, best passages and
 * scores, in order), for several weights and k; and an article's score is
 * its best passage's plus the weight times its other passages' scores,
 * checked against a passage ranking of every passage. */
#include "check.h"
#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;

/* Random articles of 1 to 80 words, in sentences of 12, cut into
 * passages of 12 words. */
static Index *build(void)
{
    FILE *f = tc_docs_open(&corpus);
    if (!f) return NULL;
    for (int d = 0; d < 1500; d++) {
        fprintf(f, "doc%d\t\t", d);
        int n = 1 + (int)(tc_rand() % 80);
        for (int i = 0; i < n; i++) fprintf(f, "%sw%u%s", i ? " " : "", tc_word(300), i % 12 == 11 ? "." : "");
        fputc('\n', f);
    }
    fclose(f);
    char path[512], idx[512];
    snprintf(path, sizeof path, "%s/docs.tsv", corpus.dir);
    snprintf(idx, sizeof idx, "%s/idx", corpus.dir);
    IndexerOptions o;
    indexer_options_default(&o);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    o.passage_words = 12;
    IndexerReport r;
    if (indexer_build(path, idx, &o, &r) != 0) return NULL;
    return index_open(idx);
}

static size_t run(TcSearch *s, const char *alg, float lambda, TopK *top)
{
    topk_clear(top);
    const Algorithm *a = algorithm_find(alg);
    CHECK_EQ_INT(search_articles(a, &s->ctx, lambda, index_max_article_passages(ix), top), 0);
    return topk_sorted(top);
}

static void fixture_has_long_articles(void)
{
    CHECK(index_max_article_passages(ix) >= 5);
    CHECK(index_stats(ix)->passages > 2 * index_stats(ix)->articles);
}

static void algorithms_agree(void)
{
    static const float lambdas[] = {0.1f, 0.5f, 1.0f, 3.0f};
    TcSearch s;
    tc_search_open(&s, ix);
    size_t na;
    const Algorithm *algs = algorithm_list(&na);
    char text[64];
    for (int iter = 0; iter < 120; iter++) {
        snprintf(text, sizeof text, iter % 5 ? "w%u w%u" : "+w%u w%u", tc_word(300), tc_rand() % 300);
        CHECK_EQ_INT(tc_search_parse(&s, text), 0);
        size_t k = iter % 4 ? 1 + tc_rand() % 15 : 200;
        float lambda = lambdas[iter % 4];
        TopK want, got;
        topk_init(&want, k, NULL);
        topk_init(&got, k, NULL);
        size_t nw = run(&s, "exhaustive", lambda, &want);
        for (size_t a = 0; a < na; a++) {
            size_t n = run(&s, algs[a].name, lambda, &got);
            int same = tc_same_hits(got.heap, n, want.heap, nw);
            if (!same) fprintf(stderr, "  \"%s\" k=%zu lambda=%g: %s differs\n", text, k, lambda, algs[a].name);
            CHECK(same);
        }
        topk_free(&want);
        topk_free(&got);
    }
    tc_search_close(&s);
}

/* A(a) from a ranking of every passage: the best one's score plus lambda
 * times the others'. */
static void score_is_best_plus_weighted_rest(void)
{
    TcSearch s;
    tc_search_open(&s, ix);
    CHECK_EQ_INT(tc_search_parse(&s, "w3 w7 w20"), 0);
    size_t all = index_stats(ix)->passages;
    TopK p, a;
    topk_init(&p, all, NULL);
    topk_init(&a, all, NULL);
    CHECK_EQ_INT(search_run(algorithm_find("exhaustive"), &s.ctx, &p), 0);
    size_t np = topk_sorted(&p);
    size_t na = run(&s, "bmm", 0.5f, &a);
    CHECK(na > 100);
    size_t multi = 0;
    for (size_t i = 0; i < na; i++) {
        PassageInfo best;
        CHECK_EQ_INT(index_passage(ix, a.heap[i].pid, &best), 0);
        double want = 0, top = -1;
        size_t parts = 0;
        for (size_t j = 0; j < np; j++) { /* best first: the first of the article is its best */
            PassageInfo pi;
            if (index_passage(ix, p.heap[j].pid, &pi) != 0 || pi.article != best.article) continue;
            if (top < 0) {
                top = p.heap[j].score;
                CHECK_EQ_INT(p.heap[j].pid, a.heap[i].pid);
            }
            want += parts++ ? 0.5 * p.heap[j].score : p.heap[j].score;
        }
        multi += parts > 1;
        CHECK_NEAR(a.heap[i].score, want, 1e-4 * want);
    }
    CHECK(multi > 20); /* the weight did matter */
    topk_free(&p);
    topk_free(&a);
    tc_search_close(&s);
}

int main(void)
{
    ix = build();
    if (!ix) {
        fprintf(stderr, "article_score: building the test index failed: %s\n", err_msg());
        printf("article_score: 0 passed, 1 failed\n");
        return 1;
    }
    static const TestCase cases[] = {T(fixture_has_long_articles), T(algorithms_agree),
                                     T(score_is_best_plus_weighted_rest)};
    int rc = run_tests("article_score", cases, sizeof cases / sizeof cases[0]);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
