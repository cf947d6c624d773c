/* test_search.c: search_run and search_count (search.c), the dispatch of
 * a parsed query over every segment. On an index of two segments, the
 * first with deletes, every algorithm gives through search_run exactly
 * what the exhaustive one gives (same passages, bitwise the same scores)
 * for unions, conjunctions, phrases and other trees, at k = 1, 10 and
 * every passage; the hits are live passages, best first, ties by id
 * across the segments; and search_count counts exactly the passages the
 * exhaustive search finds when k leaves none out. */
#include "check.h"
#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;

static const char *queries[] = {
    "w1", "w0 w1", "w3 w17 w40 w2", "+w1 +w2", "+w0 +w5 +w9", "w2 -w1", "\"w0 w1\"", "+(w3 w4) +w0",
    "w5 AND w6 OR w7", "w60 w61 w62", "w9999", "w9999 w1", "+w1 +w9999",
};
#define NQ (sizeof queries / sizeof queries[0])

/* The corpus again with its last rows changed or removed and new rows
 * added, indexed as an update: a second segment, deletes in the first. */
static int update_corpus(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/docs.tsv", corpus.dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (uint32_t d = 0; d < corpus.ndocs - 40; d++) {
        fprintf(f, "doc%u\t\t", d);
        if (d >= corpus.ndocs - 80) {
            fprintf(f, "w%u w1 w0 w2 w%u\n", d % 7, 60 + d % 3);
            continue;
        }
        for (uint32_t i = 0; i < corpus.len[d]; i++) fprintf(f, "%sw%u", i ? " " : "", corpus.words[d][i]);
        fputc('\n', f);
    }
    for (uint32_t d = 0; d < 150; d++) fprintf(f, "new%u\t\tw%u w1 w%u w3 w0\n", d, d % 5, 60 + d % 4);
    fclose(f);
    index_close(ix);
    ix = tc_index_docs(&corpus);
    return ix ? 0 : -1;
}

/* Runs the query in s with alg into top; the number of hits, sorted. */
static size_t run(TcSearch *s, const char *alg, TopK *top)
{
    topk_clear(top);
    CHECK_EQ_INT(search_run(algorithm_find(alg), &s->ctx, top), 0);
    return topk_sorted(top);
}

static int live(uint32_t pid)
{
    size_t seg;
    uint32_t local;
    if (index_locate(ix, pid, &seg, &local) != 0) return 0;
    const Deletes *d = index_deletes(ix, seg);
    return !d || !bit_get(d->passage_bits, local);
}

static void fixture_has_segments_and_deletes(void)
{
    CHECK(index_nsegments(ix) == 2);
    CHECK(index_deletes(ix, 0) != NULL);
}

/* Every algorithm against the exhaustive one, at k = 1, 10 and all. */
static void algorithms_agree_across_segments(void)
{
    size_t all = index_stats(ix)->passages, ks[] = {1, 10, all};
    TcSearch s;
    tc_search_open(&s, ix);
    for (size_t q = 0; q < NQ; q++) {
        CHECK_EQ_INT(tc_search_parse(&s, queries[q]), 0);
        for (size_t ki = 0; ki < 3; ki++) {
            TopK want, got;
            topk_init(&want, ks[ki], NULL);
            topk_init(&got, ks[ki], NULL);
            size_t nw = run(&s, "exhaustive", &want);
            size_t na;
            const Algorithm *algs = algorithm_list(&na);
            for (size_t a = 0; a < na; a++) {
                size_t n = run(&s, algs[a].name, &got);
                int same = tc_same_hits(got.heap, n, want.heap, nw);
                if (!same) fprintf(stderr, "  \"%s\" k=%zu: %s differs\n", queries[q], ks[ki], algs[a].name);
                CHECK(same);
            }
            topk_free(&want);
            topk_free(&got);
        }
    }
    tc_search_close(&s);
}

/* The hits of a search that leaves none out: live, best first, ties by
 * id; as many as search_count counts. */
static void count_matches_the_hits(void)
{
    TcSearch s;
    tc_search_open(&s, ix);
    TopK top;
    topk_init(&top, index_stats(ix)->passages, NULL);
    size_t found = 0;
    for (size_t q = 0; q < NQ; q++) {
        CHECK_EQ_INT(tc_search_parse(&s, queries[q]), 0);
        size_t n = run(&s, "exhaustive", &top);
        for (size_t i = 0; i < n; i++) {
            CHECK(live(top.heap[i].pid));
            if (i) CHECK(hit_better(top.heap[i - 1].score, top.heap[i - 1].pid, top.heap[i].score, top.heap[i].pid));
        }
        CHECK_EQ_INT(search_count(&s.ctx), (long long)n);
        found += n > 0;
    }
    CHECK(found >= NQ - 3); /* w9999 alone, with +, and no more match nothing */
    topk_free(&top);
    tc_search_close(&s);
}

int main(void)
{
    tc_seed = 31;
    ix = tc_build_or_report(&corpus, "search", 2000, 150, 40);
    if (!ix) return 1;
    if (update_corpus() != 0) {
        fprintf(stderr, "search: updating the test index failed: %s\n", err_msg());
        printf("search: 0 passed, 1 failed\n");
        return 1;
    }
    static const TestCase cases[] = {T(fixture_has_segments_and_deletes), T(algorithms_agree_across_segments),
                                     T(count_matches_the_hits)};
    int rc = run_tests("search", cases, sizeof cases / sizeof cases[0]);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
