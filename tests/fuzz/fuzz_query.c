/* fuzz_query.c: libFuzzer target for the query path. Any bytes are a
 * query: parsed (with fields and a small prefix bound), run with the
 * pruned and the exhaustive tree scorer (which must agree), and each hit
 * explained and given a snippet. Crashes, sanitizer reports, a pruned
 * result that differs, or an explanation that disagrees with the score
 * abort. `make fuzz` runs it for a bounded time (FUZZ_SECONDS). */
#include <stdlib.h>

#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;
static Analyzer *an;
static Bm25 bm;
static Query q;
static SearchContext ctx;
static QueryOptions opts;

static void cleanup(void) { tc_free(&corpus); }

static void setup(void)
{
    tc_seed = 99;
    ix = tc_build(&corpus, 400, 30, 25);
    atexit(cleanup);
    if (!ix) {
        fprintf(stderr, "fuzz_query: cannot build the test index: %s\n", err_msg());
        abort();
    }
    an = tc_analyzer(ix);
    bm25_init(&bm, BM25_K1_DEFAULT, BM25_B_DEFAULT, index_stats(ix));
    query_init(&q);
    search_context_init(&ctx, ix, &bm);
    ctx.q = &q;
    query_options_default(&opts);
    opts.max_expansions = 8;
}

static size_t run(search_fn fn, TopK *top)
{
    topk_clear(top);
    if (fn(&ctx, top) != 0) abort(); /* the index is sound: no error is right */
    return topk_sorted(top);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ix) setup();
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0; /* a NUL inside ends the query, as in C strings */
    if (query_parse_with(an, ix, &bm, &opts, text, &q) == 0) {
        TopK a, e;
        topk_init(&a, 5, NULL);
        topk_init(&e, 5, NULL);
        size_t na = run(search_tree, &a), ne = run(search_tree_exhaustive, &e);
        if (na != ne) abort();
        for (size_t i = 0; i < na; i++)
            if (a.heap[i].pid != e.heap[i].pid || a.heap[i].score != e.heap[i].score) abort();
        Buf out = {0}, passage = {0};
        for (size_t i = 0; i < na; i++) {
            out.len = 0;
            if (explain_hit(&ctx, a.heap[i].pid, (int)(i & 1), "  ", &out) != a.heap[i].score) abort();
            if (index_passage_text(ix, a.heap[i].pid, &passage) != 0) abort();
            Span *m;
            size_t nm = snippet_matches(an, &q, (const char *)passage.data, passage.len, &m);
            for (size_t j = 0; j < nm; j++)
                if (m[j].start >= m[j].end || m[j].end > passage.len || (j && m[j].start < m[j - 1].end)) abort();
            free(m);
        }
        buf_free(&out);
        buf_free(&passage);
        topk_free(&a);
        topk_free(&e);
    }
    free(text);
    return 0;
}
