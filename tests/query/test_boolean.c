/* test_boolean.c: the query tree scorer against a brute force. Random
 * queries with required, excluded and optional words, phrases (exact and
 * sloppy) and nested groups are written as query text, parsed, and run
 * with search_tree (pruned), search_tree_exhaustive and count_tree; the
 * brute force evaluates the same clauses on the documents' word lists
 * (matching by its own definition, phrases by trying every placement)
 * and must agree on every hit, bitwise on every score, and on the count. */
#include "check.h"
#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;
static Analyzer *an;

enum { B_TERM, B_PHRASE, B_GROUP };

typedef struct BClause {
    int occur, kind;
    uint32_t w[3];
    int nw;
    uint32_t slop;
    float boost;             /* a repeated optional word adds up */
    struct BClause *kids[4]; /* B_GROUP */
    int nkids;
} BClause;

static BClause pool[64];
static int npool;

static uint32_t df_cache[64]; /* vocabulary is small: df per word, once */

static uint32_t df_of(uint32_t w)
{
    if (df_cache[w]) return df_cache[w];
    uint32_t df = 0;
    for (uint32_t d = 0; d < corpus.ndocs; d++) df += tc_tf(&corpus, d, w) > 0;
    return df_cache[w] = df;
}

static float weight_of(const Bm25 *p, uint32_t w, float boost)
{
    return bm25_idf(corpus.ndocs, df_of(w)) * (p->k1 + 1.0f) * boost;
}

/* Can words w[i..] be placed after position prev, each at least one after
 * the one before, ending within limit? */
static int place(uint32_t d, const BClause *c, int i, uint32_t prev, uint32_t limit)
{
    if (i == c->nw) return 1;
    for (uint32_t p = prev + 1; p < corpus.len[d] && p <= limit; p++)
        if (corpus.words[d][p] == c->w[i] && place(d, c, i + 1, p, limit)) return 1;
    return 0;
}

static uint32_t brute_phrase_tf(uint32_t d, const BClause *c)
{
    uint32_t n = 0;
    for (uint32_t p0 = 0; p0 < corpus.len[d]; p0++)
        if (corpus.words[d][p0] == c->w[0] && place(d, c, 1, p0, p0 + (uint32_t)(c->nw - 1) + c->slop)) n++;
    return n;
}

/* Whether clause c matches document d, and its score there. */
static int brute(const Bm25 *p, uint32_t d, const BClause *c, ScoreSum *score)
{
    float norm = bm25_norm(p, corpus.len[d]);
    *score = 0;
    if (c->kind == B_TERM) {
        uint32_t tf = tc_tf(&corpus, d, c->w[0]);
        if (tf) *score = score_fixed(bm25_term(weight_of(p, c->w[0], c->boost), tf, norm));
        return tf > 0;
    }
    if (c->kind == B_PHRASE) {
        uint32_t tf = brute_phrase_tf(d, c);
        float w = 0;
        for (int i = 0; i < c->nw; i++) w += weight_of(p, c->w[i], 1.0f);
        if (tf) *score = score_fixed(bm25_term(w, tf, norm));
        return tf > 0;
    }
    int has_must = 0, any_should = 0;
    for (int i = 0; i < c->nkids; i++) {
        ScoreSum s;
        int m = brute(p, d, c->kids[i], &s);
        if (c->kids[i]->occur == OCC_MUST_NOT) {
            if (m) return 0;
            continue;
        }
        if (c->kids[i]->occur == OCC_MUST) {
            has_must = 1;
            if (!m) return 0;
        } else if (m) {
            any_should = 1;
        }
        if (m) *score += s;
    }
    return has_must || any_should;
}

static void put_words(char *text, const BClause *c)
{
    for (int i = 0; i < c->nw; i++) sprintf(text + strlen(text), "%sw%u", i ? " " : "", c->w[i]);
}

/* A random group of clauses, written to text as query syntax. */
static BClause *gen_group(int depth, char *text)
{
    BClause *g = &pool[npool++];
    memset(g, 0, sizeof *g);
    g->kind = B_GROUP;
    int n = 1 + (int)(tc_rand() % 4);
    for (int i = 0; i < n && npool < 60; i++) {
        uint32_t r = tc_rand() % 10;
        int occur = r < 5 ? OCC_SHOULD : r < 8 ? OCC_MUST : OCC_MUST_NOT;
        r = tc_rand() % 20;
        int kind = r < 12 ? B_TERM : r < 17 || depth > 0 ? B_PHRASE : B_GROUP;
        strcat(text, occur == OCC_MUST ? " +" : occur == OCC_MUST_NOT ? " -" : " ");
        if (kind == B_GROUP) {
            strcat(text, "(");
            BClause *k = gen_group(depth + 1, text);
            strcat(text, ")");
            k->occur = occur;
            g->kids[g->nkids++] = k;
            continue;
        }
        BClause *c = &pool[npool++];
        memset(c, 0, sizeof *c);
        c->occur = occur;
        c->kind = kind;
        c->boost = 1.0f;
        c->nw = kind == B_TERM ? 1 : 2 + (int)(tc_rand() % 2);
        for (int j = 0; j < c->nw; j++) c->w[j] = tc_word(corpus.vocab);
        if (kind == B_TERM) {
            put_words(text, c);
            int merged = 0; /* the parser folds a repeated optional word */
            for (int j = 0; j < g->nkids && occur == OCC_SHOULD && !merged; j++) {
                BClause *o = g->kids[j];
                if (o->kind == B_TERM && o->occur == OCC_SHOULD && o->w[0] == c->w[0]) o->boost += 1.0f, merged = 1;
            }
            if (merged) continue;
        } else {
            c->slop = tc_rand() % 3 ? 0 : 1 + tc_rand() % 3;
            strcat(text, "\"");
            put_words(text, c);
            strcat(text, "\"");
            if (c->slop) sprintf(text + strlen(text), "~%u", c->slop);
        }
        g->kids[g->nkids++] = c;
    }
    return g;
}

typedef struct {
    uint32_t pid;
    float score;
} Ref;

static int ref_order(const void *a, const void *b)
{
    const Ref *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void check_query(const BClause *root, const char *text, size_t k, float k1, float b)
{
    Bm25 p;
    bm25_init(&p, k1, b, index_stats(ix));
    static Ref ref[4096];
    size_t nref = 0;
    for (uint32_t d = 0; d < corpus.ndocs; d++) {
        ScoreSum s;
        if (brute(&p, d, root, &s)) ref[nref++] = (Ref){d, score_value(s)};
    }
    qsort(ref, nref, sizeof *ref, ref_order);
    Query q;
    query_init(&q);
    QueryOptions qo;
    query_options_default(&qo);
    qo.title = qo.heading = 0;
    CHECK_EQ_INT(query_parse_with(an, ix, &p, &qo, text, &q), 0);
    SearchContext ctx;
    search_context_init(&ctx, ix, &p);
    ctx.q = &q;
    CHECK_EQ_INT(count_tree(&ctx), (long long)nref);
    search_fn fns[] = {search_tree, search_tree_exhaustive};
    for (size_t f = 0; f < 3; f++) {
        /* f == 2: search_run, as the product runs it (bmm for a flat query,
         * search_and for a conjunction of words, else the pruned tree) */
        TopK top;
        topk_init(&top, k, NULL);
        CHECK_EQ_INT(f == 2 ? search_run(algorithm_default(), &ctx, &top) : fns[f](&ctx, &top), 0);
        size_t n = topk_sorted(&top), want = nref < k ? nref : k;
        int same = n == want;
        for (size_t i = 0; same && i < n; i++) same = top.heap[i].pid == ref[i].pid && top.heap[i].score == ref[i].score;
        if (!same) {
            fprintf(stderr, "  '%s' (k=%zu k1=%g b=%g, %s): %zu hits, expected %zu\n", text, k, k1, b,
                    f == 0 ? "pruned" : f == 1 ? "exhaustive" : "search_run", n, want);
            for (size_t i = 0; i < n && i < 5; i++)
                fprintf(stderr, "    got %u %.9g  want %u %.9g\n", top.heap[i].pid, top.heap[i].score,
                        i < want ? ref[i].pid : 0, i < want ? ref[i].score : 0);
            check_failed_in_test++;
        }
        topk_free(&top);
    }
    search_context_free(&ctx);
    query_free(&q);
}

static void random_queries(float k1, float b, int iters)
{
    char text[2048];
    for (int it = 0; it < iters; it++) {
        npool = 0;
        text[0] = 0;
        BClause *root = gen_group(0, text);
        check_query(root, text, 1 + tc_rand() % (it % 3 ? 10 : 100), k1, b);
    }
}

static void test_random_default_parameters(void) { random_queries(BM25_K1_DEFAULT, BM25_B_DEFAULT, 300); }
static void test_random_other_parameters(void) { random_queries(0.9f, 0.4f, 150); }

/* Fixed shapes, so a failure names the construct. */
static void test_named_shapes(void)
{
    static const char *shapes[] = {
        "+w0 +w1", "w0 -w1", "+w2 -w0", "\"w0 w1\"", "\"w1 w0\"~2", "+w0 +(w1 w2)", "(w3 -w0) w4",
        "w0 AND w1", "w0 OR w1", "NOT w0 w1", "+\"w0 w0\" w1",
    };
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        Bm25 p;
        bm25_init(&p, BM25_K1_DEFAULT, BM25_B_DEFAULT, index_stats(ix));
        Query q;
        query_init(&q);
        CHECK_EQ_INT(query_parse(an, ix, &p, shapes[i], &q), 0);
        SearchContext ctx;
        search_context_init(&ctx, ix, &p);
        ctx.q = &q;
        TopK a, e;
        topk_init(&a, 10, NULL);
        topk_init(&e, 10, NULL);
        CHECK_EQ_INT(search_tree(&ctx, &a), 0);
        CHECK_EQ_INT(search_tree_exhaustive(&ctx, &e), 0);
        size_t na = topk_sorted(&a), ne = topk_sorted(&e);
        CHECK_EQ_INT(na, ne);
        CHECK(ne > 0 || i == 2); /* each shape matches something in this corpus */
        for (size_t j = 0; j < na && j < ne; j++) CHECK(a.heap[j].pid == e.heap[j].pid && a.heap[j].score == e.heap[j].score);
        topk_free(&a);
        topk_free(&e);
        search_context_free(&ctx);
        query_free(&q);
    }
}

int main(void)
{
    tc_seed = 4242;
    /* few words: phrases recur; over 128 postings: several blocks */
    ix = tc_build_or_report(&corpus, "boolean", 1500, 12, 30);
    if (!ix) return 1;
    an = tc_analyzer(ix);
    static const TestCase cases[] = {T(test_named_shapes), T(test_random_default_parameters),
                                     T(test_random_other_parameters)};
    int rc = run_tests("boolean", cases, sizeof cases / sizeof cases[0]);
    analyzer_free(an);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
