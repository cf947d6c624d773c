/* test_algorithms.c: every query algorithm returns exactly the exhaustive
 * top k (same passages in the same order, bitwise the same scores) on
 * random corpora and queries, with the stored block maxima (default
 * parameters) and with the fallback bounds (other k1, b), per passage and
 * per article, started from nothing and from the floor threshold.c sets
 * (which must never exceed the k-th best score); and on the same documents
 * indexed for k1 1.2, b 0.6 and for b 0.75 (search index --b), whose
 * stored maxima and floors a search at their parameters prunes with
 * (tight, and exact). */
#include "check.h"
#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;       /* the index searched: built for the defaults, or */
static Index *ix_b06;   /* the same documents built for k1 1.2, b 0.6 */
static Index *ix_b075;  /* and for k1 1.2, b 0.75 */
static Analyzer *an;

typedef struct {
    size_t n;
    Hit hits[1000];
    float floor; /* top's floor when the algorithm started */
} Result;

static size_t floors_set; /* runs where threshold.c found a floor */

/* A query parsed on index x at k1, b and a search context for it (which
 * points into the struct: it stays where it was opened). */
typedef struct {
    Bm25 p;
    Query q;
    SearchContext ctx;
} Opened;

static void open_query(Opened *o, Index *x, float k1, float b, const char *text)
{
    bm25_init(&o->p, k1, b, index_stats(x));
    query_init(&o->q);
    CHECK_EQ_INT(query_parse(an, x, &o->p, text, &o->q), 0);
    search_context_init(&o->ctx, x, &o->p);
    o->ctx.q = &o->q;
}

static void close_query(Opened *o)
{
    search_context_free(&o->ctx);
    query_free(&o->q);
}

static void run(const Algorithm *alg, const char *text, size_t k, float k1, float b, int group, int seed,
                Result *out)
{
    Opened o;
    open_query(&o, ix, k1, b, text);
    SearchContext *ctx = &o.ctx;
    TopK top;
    topk_init(&top, k, group ? ix : NULL);
    if (seed) search_seed_threshold(ctx, &top);
    out->floor = top.floor;
    floors_set += top.floor > 0;
    CHECK_EQ_INT(alg->run(ctx, &top), 0);
    out->n = topk_sorted(&top);
    memcpy(out->hits, top.heap, out->n * sizeof *top.heap);
    topk_free(&top);
    close_query(&o);
}

static int same(const Result *a, const Result *b)
{
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->hits[i].pid != b->hits[i].pid || a->hits[i].score != b->hits[i].score) return 0;
    return 1;
}

static void check_all(const char *text, size_t k, float k1, float b, int group)
{
    Result ref, got;
    run(algorithm_find("exhaustive"), text, k, k1, b, group, 0, &ref);
    static const char *names[] = {"bmm", "bmw", "maxscore", "wand"};
    for (size_t i = 0; i < 2 * sizeof names / sizeof *names; i++) {
        const Algorithm *alg = algorithm_find(names[i / 2]);
        CHECK(alg != NULL);
        if (!alg) continue;
        int seed = i % 2;
        run(alg, text, k, k1, b, group, seed, &got);
        if (!same(&ref, &got)) {
            fprintf(stderr, "  %s differs on \"%s\" k=%zu k1=%g b=%g group=%d seed=%d\n", names[i / 2], text, k, k1,
                    b, group, seed);
            check_failed_in_test++;
        }
        /* the floor is a score k passages reach: below the k-th best */
        if (seed && got.floor > 0) CHECK(ref.n == k && got.floor < ref.hits[k - 1].score);
    }
}

static void random_query(char *text)
{
    size_t nq = 1 + tc_rand() % 6;
    text[0] = 0;
    for (size_t i = 0; i < nq; i++)
        sprintf(text + strlen(text), "w%u ", tc_rand() % 4 ? tc_word(corpus.vocab) : tc_rand() % corpus.vocab);
}

static void test_default_parameters(void)
{
    char text[256];
    for (int iter = 0; iter < 400; iter++) {
        random_query(text);
        check_all(text, 1 + tc_rand() % (iter % 4 ? 20 : 200), BM25_K1_DEFAULT, BM25_B_DEFAULT, 0);
    }
}

/* Frequent words have k passages in their best blocks: a floor is found
 * for most queries, so the seeded runs above did test pruning from it. */
static void test_floor_found(void)
{
    floors_set = 0;
    char text[256];
    for (int iter = 0; iter < 50; iter++) {
        snprintf(text, sizeof text, "w%u w%u", tc_rand() % 5, tc_rand() % 50);
        check_all(text, 10, BM25_K1_DEFAULT, BM25_B_DEFAULT, 0);
    }
    CHECK(floors_set >= 4 * 40); /* four algorithms, most of the 50 queries */
}

/* At k = 10, 100 and 1000 the floor comes from the terms' stored floors
 * (at 1000 from nothing else): it must be found for the frequent words
 * and stay below the k-th best, and every algorithm pruning from it must
 * still return the exhaustive top k. */
static void test_stored_floors(void)
{
    static const size_t ks[] = {10, 100, 1000};
    char text[256];
    for (size_t j = 0; j < 3; j++) {
        floors_set = 0;
        for (int iter = 0; iter < 12; iter++) {
            snprintf(text, sizeof text, "w%u w%u w%u", tc_rand() % 3, tc_rand() % 40, tc_rand() % 300);
            check_all(text, ks[j], BM25_K1_DEFAULT, BM25_B_DEFAULT, 0);
        }
        CHECK(floors_set >= 4 * 12); /* every seeded run found one */
    }
}

static void test_other_parameters(void)
{
    static const float params[][2] = {{0.9f, 0.4f}, {2.0f, 1.0f}, {0.5f, 0.0f}, {1.2f, 0.3f}};
    char text[256];
    for (int iter = 0; iter < 200; iter++) {
        random_query(text);
        check_all(text, 1 + tc_rand() % 30, params[iter % 4][0], params[iter % 4][1], 0);
    }
}

static void test_best_passage_per_article(void)
{
    char text[256];
    for (int iter = 0; iter < 150; iter++) {
        random_query(text);
        check_all(text, 1 + tc_rand() % 50, BM25_K1_DEFAULT, BM25_B_DEFAULT, 1);
    }
}

/* Rare words (ids near the vocabulary's end) have one or two blocks that
 * span the whole corpus, so bmm's windows reach its end, longer than a
 * slice of the accumulator (BMM_SLICE): several of them essential at
 * once are added up a slice at a time. The random queries above, mostly
 * of frequent words, met that in only two windows, and missed a posting
 * dropped at a slice's edge. */
static void test_windows_longer_than_a_slice(void)
{
    CHECK(corpus.ndocs > BMM_SLICE); /* one passage per document: a window can span slices */
    char text[256];
    for (int iter = 0; iter < 100; iter++) {
        size_t nq = 2 + tc_rand() % 3;
        text[0] = 0;
        for (size_t i = 0; i < nq; i++) sprintf(text + strlen(text), "w%u ", corpus.vocab - 1 - tc_rand() % 100);
        /* k = 200 keeps about every passage the words have: a posting
         * lost at a slice's edge then changes the result */
        check_all(text, iter % 2 ? 1 + tc_rand() % 20 : 200, BM25_K1_DEFAULT, BM25_B_DEFAULT, 0);
    }
}

/* A rare word and frequent ones: bmm's windows follow the rare word's
 * blocks, each spanning many of the frequent words' blocks, whose bound
 * there is the largest of those blocks' maxima (one block's would be too
 * low: a passage whose frequent words score above it would be dropped),
 * and whose candidates skip, by their own block's maximum, the blocks that
 * cannot help. */
static void test_windows_spanning_blocks(void)
{
    char text[256];
    for (int iter = 0; iter < 300; iter++) {
        snprintf(text, sizeof text, "w%u w%u w%u", corpus.vocab - 1 - tc_rand() % 150, tc_rand() % 4, tc_rand() % 12);
        check_all(text, 1 + tc_rand() % 12, BM25_K1_DEFAULT, BM25_B_DEFAULT, 0);
    }
}

/* Opens a context on index x at k1, b for query text, on its segment 0;
 * returns whether it prunes with the stored maxima, and each term's bound
 * in ub (the first n). */
static int stored_maxima_used(Index *x, float k1, float b, const char *text, float *ub, size_t *n)
{
    Opened o;
    open_query(&o, x, k1, b, text);
    search_segment(&o.ctx, 0, NULL);
    *n = search_open_cursors(&o.ctx);
    memcpy(ub, o.ctx.ub, *n * sizeof *ub);
    int exact = o.ctx.exact_maxima && o.ctx.exact_floors;
    close_query(&o);
    return exact;
}

/* Every algorithm on index x at k1, b against the exhaustive one: random
 * queries, per passage and per article, and frequent words whose stored
 * floors seed the threshold (they must have been used). */
static void check_index_at(Index *x, float k1, float b)
{
    Index *saved = ix;
    ix = x;
    char text[256];
    for (int iter = 0; iter < 150; iter++) {
        random_query(text);
        check_all(text, 1 + tc_rand() % (iter % 4 ? 20 : 200), k1, b, iter % 5 == 0);
    }
    floors_set = 0;
    for (int iter = 0; iter < 20; iter++) {
        snprintf(text, sizeof text, "w%u w%u w%u", tc_rand() % 3, tc_rand() % 40, tc_rand() % 300);
        check_all(text, iter % 2 ? 10 : 100, k1, b, 0);
    }
    CHECK(floors_set >= 4 * 20);
    ix = saved;
}

/* The default index is built for the query defaults (they must agree), an
 * index built with b 0.6 or 0.75 records it, and a search at an index's
 * parameters prunes with its stored (exact) maxima and floors, which are
 * below the bound a search at b 0.6 gets from the index built for 0.75
 * (the largest tf over the smallest length); every algorithm returns the
 * exhaustive top k on each at its b, and at others (the generic bound). */
static void test_indexes_built_for_b(void)
{
    CHECK(index_stats(ix)->impact_k1 == BM25_K1_DEFAULT && index_stats(ix)->impact_b == BM25_B_DEFAULT);
    CHECK(index_stats(ix_b06)->impact_k1 == 1.2f && index_stats(ix_b06)->impact_b == 0.6f);
    CHECK(index_stats(ix_b075)->impact_k1 == 1.2f && index_stats(ix_b075)->impact_b == 0.75f);
    float tight[QUERY_MAX_TERMS], loose[QUERY_MAX_TERMS];
    size_t nt = 0, nl = 0;
    CHECK(stored_maxima_used(ix, BM25_K1_DEFAULT, BM25_B_DEFAULT, "w0 w7 w60", tight, &nt));
    CHECK(stored_maxima_used(ix_b075, 1.2f, 0.75f, "w0 w7 w60", tight, &nt));
    CHECK(!stored_maxima_used(ix_b06, 1.2f, 0.75f, "w0 w7 w60", loose, &nl));
    CHECK(!stored_maxima_used(ix_b075, 1.2f, 0.6f, "w0 w7 w60", loose, &nl));
    CHECK(stored_maxima_used(ix_b06, 1.2f, 0.6f, "w0 w7 w60", tight, &nt));
    CHECK(nt == 3 && nl == 3);
    for (size_t i = 0; i < nt && i < nl; i++) CHECK(tight[i] < loose[i]);
    check_index_at(ix_b06, 1.2f, 0.6f);
    check_index_at(ix_b075, 1.2f, 0.75f);
    Index *saved = ix;
    ix = ix_b06;
    char text[256];
    for (int iter = 0; iter < 50; iter++) {
        random_query(text);
        check_all(text, 1 + tc_rand() % 30, iter % 2 ? 1.2f : 0.9f, iter % 2 ? 0.75f : 0.4f, 0);
    }
    ix = saved;
}

/* Builds the corpus into NAME for b 0.6 with this many threads; returns
 * the key ranges its final merge wrote in parallel, 0 on failure. */
static unsigned build_b06_with(const char *name, int threads)
{
    char docs[512], idx[512];
    snprintf(docs, sizeof docs, "%s/docs.tsv", corpus.dir);
    snprintf(idx, sizeof idx, "%s/%s", corpus.dir, name);
    IndexerOptions o;
    indexer_options_default(&o);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    o.passage_words = 100000;
    o.threads = threads;
    o.b = 0.6f;
    o.b_given = 1;
    IndexerReport r;
    return indexer_build(docs, idx, &o, &r) == 0 ? r.ranges : 0;
}

/* File `file` of segment 0 of index NAME in the corpus's directory
 * (malloc'd), or NULL. */
static char *built_file(const char *name, const char *file)
{
    char idx[512];
    snprintf(idx, sizeof idx, "%s/%s", corpus.dir, name);
    return tc_segment_file(idx, file);
}

/* The final merge writes key ranges in parallel, one writer each, whose
 * maxima and floors must be computed for the index's k1 and b like the
 * first writer's: the term files of a build on four threads (several
 * ranges) are byte for byte those of one thread (one range). */
static void test_parallel_ranges_use_the_index_b(void)
{
    CHECK_EQ_INT(build_b06_with("idx-b06-t1", 1), 1);
    CHECK(build_b06_with("idx-b06-t4", 4) > 1);
    static const char *files[] = {"postings.bin", "lexicon.bin"};
    for (size_t i = 0; i < 2; i++) {
        char *a = built_file("idx-b06-t1", files[i]), *b = built_file("idx-b06-t4", files[i]);
        CHECK(a && b && tc_same_file(a, b)); /* both read, byte for byte the same */
        free(a);
        free(b);
    }
}

/* Passages of 65,534 to 90,000 words among short ones: a passage's short
 * length (format.h), which the scoring loops read, is capped at 65,535,
 * where its length is read instead. Every algorithm must score them with
 * their length, as the exhaustive one does, and the long passages must be
 * among the hits, so that it was their lengths that were read. */
static void test_passages_longer_than_a_short_length(void)
{
    static const uint32_t longs[] = {65534, 65535, 65536, 90000};
    const uint32_t nshort = 300, nlong = sizeof longs / sizeof *longs;
    TestCorpus lc = {.vocab = 40}; /* no word lists kept: tc_free removes the files */
    FILE *f = tc_docs_open(&lc);
    CHECK(f != NULL);
    if (!f) return;
    for (uint32_t d = 0; d < nshort + nlong; d++) {
        uint32_t len = d < nshort ? 1 + tc_rand() % 60 : longs[d - nshort];
        fprintf(f, "doc%u\t\t", d);
        for (uint32_t i = 0; i < len; i++) fprintf(f, "%sw%u", i ? " " : "", tc_word(lc.vocab));
        fputc('\n', f);
    }
    fclose(f);
    Index *x = tc_index_docs(&lc);
    CHECK(x != NULL);
    if (!x) return;
    const Segment *sg = index_segment(x, 0);
    for (uint32_t i = 0; i < nlong; i++) {
        CHECK_EQ_INT(segment_lengths(sg)[nshort + i], longs[i]);
        CHECK_EQ_INT(segment_passage_lengths(sg).shorts[nshort + i], longs[i] < SHORT_LENGTH_CAP ? longs[i] : SHORT_LENGTH_CAP);
    }
    Index *saved = ix;
    ix = x;
    size_t long_hits = 0;
    char text[256];
    for (int iter = 0; iter < 60; iter++) {
        snprintf(text, sizeof text, "w%u w%u w%u", tc_rand() % lc.vocab, tc_rand() % lc.vocab, tc_rand() % lc.vocab);
        size_t k = 1 + tc_rand() % 40;
        check_all(text, k, BM25_K1_DEFAULT, BM25_B_DEFAULT, 0);
        Result ref;
        run(algorithm_find("exhaustive"), text, k, BM25_K1_DEFAULT, BM25_B_DEFAULT, 0, 0, &ref);
        for (size_t i = 0; i < ref.n; i++) long_hits += ref.hits[i].pid >= nshort;
    }
    CHECK(long_hits >= 60); /* the long passages score high on frequent words */
    ix = saved;
    index_close(x);
    tc_free(&lc);
}

static void test_unknown_and_repeated_terms(void)
{
    check_all("nosuchword", 10, BM25_K1_DEFAULT, BM25_B_DEFAULT, 0);
    check_all("w3 w3 w3 w1", 10, BM25_K1_DEFAULT, BM25_B_DEFAULT, 0);
    check_all("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11", 15, BM25_K1_DEFAULT, BM25_B_DEFAULT, 0);
}

int main(void)
{
    /* long lists (many blocks) for the frequent words, varied tfs and lengths */
    ix = tc_build_or_report(&corpus, "algorithms", 6000, 500, 120);
    if (!ix) return 1;
    an = tc_analyzer(ix);
    ix_b06 = tc_index_docs_as(&corpus, "idx-b06", 1.2f, 0.6f);
    ix_b075 = tc_index_docs_as(&corpus, "idx-b075", 1.2f, 0.75f);
    if (!ix_b06 || !ix_b075) return 1;
    static const TestCase cases[] = {T(test_default_parameters), T(test_floor_found), T(test_stored_floors),
                                     T(test_other_parameters),
                                     T(test_best_passage_per_article), T(test_windows_longer_than_a_slice),
                                     T(test_windows_spanning_blocks),
                                     T(test_indexes_built_for_b),
                                     T(test_parallel_ranges_use_the_index_b),
                                     T(test_passages_longer_than_a_short_length), T(test_unknown_and_repeated_terms)};
    int rc = run_tests("algorithms", cases, sizeof cases / sizeof cases[0]);
    analyzer_free(an);
    index_close(ix);
    index_close(ix_b06);
    index_close(ix_b075);
    tc_free(&corpus);
    return rc;
}
