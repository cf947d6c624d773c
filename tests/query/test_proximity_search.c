/* test_proximity_search.c: the exact top k with the proximity part
 * (proximity_search.c). Every algorithm gives bitwise what the exhaustive
 * reference gives, which adds the part to every match: unions, required
 * words, phrases, exclusions, grouping by article, with RM3 too, many
 * weights and k. The reference itself is BM25 plus the part, passage by
 * passage; a passage range (an article's listing) is ranked alike; and
 * weight 0 is plain BM25. */
#include "check.h"
#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;

typedef struct {
    size_t n;
    Hit hits[300];
} Result;

static void run(TcSearch *s, const char *alg, const char *text, size_t k, int group, float weight,
                const FeedbackOptions *fo, Result *out)
{
    CHECK_EQ_INT(tc_search_parse(s, text), 0);
    s->ctx.proximity = weight;
    if (fo) CHECK_EQ_INT(feedback_expand(&s->ctx, algorithm_find(alg), s->an, fo), 0);
    TopK top;
    topk_init(&top, k, group ? ix : NULL);
    CHECK_EQ_INT(search_ranked(algorithm_find(alg), &s->ctx, &top), 0);
    out->n = topk_sorted(&top);
    memcpy(out->hits, top.heap, out->n * sizeof *top.heap);
    topk_free(&top);
}

static int same(const Result *a, const Result *b) { return tc_same_hits(a->hits, a->n, b->hits, b->n); }

static void random_query(char *text)
{
    static const char *const shapes[] = {"w%u w%u", "w%u w%u w%u", "+w%u w%u", "\"w%u w%u\" w%u", "w%u -w%u",
                                         "w%u w%u w%u w%u"};
    uint32_t v = corpus.vocab;
    snprintf(text, 128, shapes[tc_rand() % 6], tc_word(v), tc_word(v), tc_rand() % v, tc_word(v));
}

static void algorithms_agree(void)
{
    TcSearch s;
    tc_search_open(&s, ix);
    size_t na, moved = 0;
    const Algorithm *algs = algorithm_list(&na);
    char text[128];
    for (int iter = 0; iter < 200; iter++) {
        random_query(text);
        float weight = (float)(1 + tc_rand() % 40) / 10.0f;
        size_t k = iter % 3 ? 1 + tc_rand() % 20 : 300;
        int group = iter % 4 == 1;
        FeedbackOptions fo = {1 + tc_rand() % 10, 1 + tc_rand() % 10, (float)(tc_rand() % 11) / 10.0f};
        const FeedbackOptions *f = iter % 5 == 2 ? &fo : NULL;
        Result want, got, plain;
        run(&s, "exhaustive", text, k, group, weight, f, &want);
        run(&s, "exhaustive", text, k, group, 0.0f, f, &plain);
        moved += !same(&want, &plain);
        for (size_t a = 0; a < na; a++) {
            run(&s, algs[a].name, text, k, group, weight, f, &got);
            if (!same(&want, &got))
                fprintf(stderr, "  \"%s\" k=%zu weight=%g group=%d rm3=%d: %s differs\n", text, k, weight, group,
                        f != NULL, algs[a].name);
            CHECK(same(&want, &got));
        }
    }
    CHECK(moved > 100); /* the part did change most rankings */
    tc_search_close(&s);
}

/* The reference's hits are BM25 plus each passage's part, best first. */
static void reference_is_bm25_plus_part(void)
{
    TcSearch s;
    tc_search_open(&s, ix);
    Result bm, px;
    run(&s, "exhaustive", "w3 w5 w9", 300, 0, 0.0f, NULL, &bm);
    run(&s, "exhaustive", "w3 w5 w9", 300, 0, 1.5f, NULL, &px);
    CHECK_EQ_INT(px.n, 300);
    size_t raised = 0;
    for (size_t i = 0; i < px.n; i++) {
        ScoreSum part;
        CHECK_EQ_INT(proximity_of(&s.ctx, px.hits[i].pid, &part), 0);
        s.ctx.proximity = 0.0f;
        float bm25 = search_tree_score_at(&s.ctx, px.hits[i].pid, NULL);
        s.ctx.proximity = 1.5f;
        float total = proximity_total(bm25, part);
        CHECK(!memcmp(&total, &px.hits[i].score, sizeof total));
        raised += part > 0;
        if (i) CHECK(hit_better(px.hits[i - 1].score, px.hits[i - 1].pid, px.hits[i].score, px.hits[i].pid));
    }
    CHECK(raised > 100);
    CHECK(!same(&bm, &px));
    tc_search_close(&s);
}

/* A range (an article's passages) ranked with the part: as the whole
 * ranking orders those passages. */
static void range_ranked_alike(void)
{
    TcSearch s;
    tc_search_open(&s, ix);
    Result all;
    run(&s, "exhaustive", "w2 w4", 300, 0, 2.0f, NULL, &all);
    TopK r;
    topk_init(&r, 400, NULL);
    CHECK_EQ_INT(search_range_ranked(&s.ctx, &r, 100, 499), 0);
    size_t n = topk_sorted(&r), j = 0;
    for (size_t i = 0; i < all.n; i++) {
        if (all.hits[i].pid < 100 || all.hits[i].pid > 499) continue;
        CHECK(j < n && r.heap[j].pid == all.hits[i].pid && r.heap[j].score == all.hits[i].score);
        j++;
    }
    CHECK(j > 20);
    topk_free(&r);
    tc_search_close(&s);
}

int main(void)
{
    ix = tc_build_or_report(&corpus, "proximity_search", 3000, 300, 60);
    if (!ix) return 1;
    static const TestCase cases[] = {T(algorithms_agree), T(reference_is_bm25_plus_part), T(range_ranked_alike)};
    int rc = run_tests("proximity_search", cases, sizeof cases / sizeof cases[0]);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
