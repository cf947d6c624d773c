/* test_exhaustive.c: the reference scorer against BM25 computed here from
 * the raw random corpus, in double precision, for random queries; and the
 * best-passage-per-article mode against the same. */
#include "check.h"
#include "testcorpus.h"

#include <math.h>

#define PW 25 /* passage size in words: documents of up to 60 words split */

typedef struct {
    uint32_t doc, first, n; /* passage = words [first, first+n) of doc */
} RefPassage;

static TestCorpus corpus;
static Index *ix;
static RefPassage *ref;
static uint32_t nref;

static void make_ref(void)
{
    ref = malloc(corpus.ndocs * 3 * sizeof *ref);
    for (uint32_t d = 0; d < corpus.ndocs; d++)
        for (uint32_t w = 0; w < corpus.len[d]; w += PW)
            ref[nref++] = (RefPassage){d, w, corpus.len[d] - w < PW ? corpus.len[d] - w : PW};
}

static uint32_t ref_tf(const RefPassage *p, uint32_t w)
{
    uint32_t tf = 0;
    for (uint32_t i = 0; i < p->n; i++) tf += corpus.words[p->doc][p->first + i] == w;
    return tf;
}

/* BM25 written out again, independently of src/query. */
static double ref_score(const RefPassage *p, const uint32_t *q, size_t nq, double k1, double b, double avgdl)
{
    static uint32_t df_cache[1024];
    static int cached[1024];
    double s = 0;
    for (size_t i = 0; i < nq; i++) {
        if (!cached[q[i]]) { /* words are < vocab + 20 < 1024 */
            for (uint32_t j = 0; j < nref; j++) df_cache[q[i]] += ref_tf(&ref[j], q[i]) > 0;
            cached[q[i]] = 1;
        }
        uint32_t df = df_cache[q[i]];
        uint32_t tf = ref_tf(p, q[i]);
        if (!tf) continue;
        double idf = log(1 + (nref - df + 0.5) / (df + 0.5));
        s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * p->n / avgdl));
    }
    return s;
}

typedef struct {
    uint32_t pid;
    double score;
} RefHit;

static int cmp_ref(const void *x, const void *y)
{
    const RefHit *a = x, *b = y;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return a->pid < b->pid ? -1 : 1;
}

/* Runs query words q through the engine (exhaustive) and the reference and
 * compares the top k: same scores within float tolerance, same passages
 * except where the reference itself has a near-tie. */
static void compare(const uint32_t *q, size_t nq, size_t k, float k1, float b, int group)
{
    char text[512] = "";
    for (size_t i = 0; i < nq; i++) sprintf(text + strlen(text), "w%u ", q[i]);
    Analyzer *an = tc_analyzer(ix);
    Bm25 p;
    bm25_init(&p, k1, b, index_stats(ix));
    Query qq;
    query_init(&qq);
    QueryOptions qo; /* the reference scores the body only */
    query_options_default(&qo);
    qo.title = qo.heading = 0;
    CHECK_EQ_INT(query_parse_with(an, ix, &p, &qo, text, &qq), 0);
    TopK top;
    topk_init(&top, k, group ? ix : NULL);
    SearchContext ctx;
    search_context_init(&ctx, ix, &p);
    ctx.q = &qq;
    CHECK_EQ_INT(search_exhaustive(&ctx, &top), 0);
    search_context_free(&ctx);
    size_t got = topk_sorted(&top);

    RefHit *all = malloc(nref * sizeof *all);
    size_t n = 0;
    double best_of_doc[4096] = {0};
    uint32_t best_pid[4096];
    for (uint32_t j = 0; j < nref; j++) {
        double s = ref_score(&ref[j], q, nq, k1, b, p.avgdl);
        if (s <= 0) continue;
        if (!group) {
            all[n++] = (RefHit){j, s};
        } else if (s > best_of_doc[ref[j].doc]) {
            best_of_doc[ref[j].doc] = s;
            best_pid[ref[j].doc] = j;
        }
    }
    if (group)
        for (uint32_t d = 0; d < corpus.ndocs; d++)
            if (best_of_doc[d] > 0) all[n++] = (RefHit){best_pid[d], best_of_doc[d]};
    qsort(all, n, sizeof *all, cmp_ref);
    CHECK_EQ_INT(got, n < k ? n : k);
    for (size_t i = 0; i < got && i < n; i++) {
        CHECK_NEAR(top.heap[i].score, all[i].score, 1e-4 * all[i].score);
        int near_tie = (i > 0 && all[i - 1].score - all[i].score < 1e-4) ||
                       (i + 1 < n && all[i].score - all[i + 1].score < 1e-4);
        if (!near_tie) CHECK_EQ_INT(top.heap[i].pid, all[i].pid);
    }
    free(all);
    topk_free(&top);
    query_free(&qq);
    analyzer_free(an);
}

static void test_random_queries(void)
{
    uint32_t q[6];
    for (int iter = 0; iter < 60; iter++) {
        size_t nq = 1 + tc_rand() % 5;
        for (size_t i = 0; i < nq; i++) q[i] = tc_word(corpus.vocab + 20); /* some unknown words */
        compare(q, nq, 1 + tc_rand() % 20, 1.2f, 0.75f, 0);
    }
}

static void test_other_parameters(void)
{
    uint32_t q[3] = {1, 17, 40};
    compare(q, 3, 10, 0.9f, 0.4f, 0);
    compare(q, 3, 10, 2.0f, 0.0f, 0);
    compare(q, 3, 10, 0.0f, 1.0f, 0); /* k1 = 0: binary tf */
}

static void test_best_passage_per_article(void)
{
    uint32_t q[6];
    for (int iter = 0; iter < 30; iter++) {
        size_t nq = 1 + tc_rand() % 4;
        for (size_t i = 0; i < nq; i++) q[i] = tc_word(corpus.vocab);
        compare(q, nq, 1 + tc_rand() % 30, 1.2f, 0.75f, 1);
    }
}

static void test_repeated_query_term(void)
{
    uint32_t q[3] = {5, 5, 9}; /* w5 counts twice, as in Lucene */
    compare(q, 3, 10, 1.2f, 0.75f, 0);
}

int main(void)
{
    ix = tc_build(&corpus, 800, 300, 60);
    /* tc_build indexes one passage per document; rebuild with PW-word passages */
    index_close(ix);
    IndexerOptions o;
    indexer_options_default(&o);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    o.passage_words = PW;
    IndexerReport r;
    char docs[512], idx[512];
    snprintf(docs, sizeof docs, "%s/docs.tsv", corpus.dir);
    snprintf(idx, sizeof idx, "%s/idx", corpus.dir);
    if (indexer_build(docs, idx, &o, &r) != 0 || !(ix = index_open(idx))) {
        fprintf(stderr, "build failed: %s\n", err_msg());
        printf("exhaustive: 0 passed, 1 failed\n");
        return 1;
    }
    make_ref();
    if (index_stats(ix)->passages != nref) {
        fprintf(stderr, "passages %llu, expected %u\n", (unsigned long long)index_stats(ix)->passages, nref);
        printf("exhaustive: 0 passed, 1 failed\n");
        return 1;
    }
    static const TestCase cases[] = {T(test_random_queries), T(test_other_parameters),
                                     T(test_best_passage_per_article), T(test_repeated_query_term)};
    int rc = run_tests("exhaustive", cases, sizeof cases / sizeof cases[0]);
    index_close(ix);
    free(ref);
    tc_free(&corpus);
    return rc;
}
