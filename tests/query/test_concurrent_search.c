/* test_concurrent_search.c: one open Index serves searches from several
 * threads at once. Each thread has its own query state, wired as the
 * search command wires it (Analyzer, Bm25, Query, SearchContext, TopK); the
 * Index and its mapped segments are shared. Every query of a mixed set
 * (words, unions, required and excluded words, phrases, prefixes, groups;
 * every algorithm; heap and buffer top-k; hits grouped by article), with
 * its count, hit records, texts, explanations and snippets, must give in
 * every thread exactly what it gave run alone; the list of algorithm names
 * (for an error message) is the same in each. The index has two segments
 * and deletes, so the cross-segment paths run too. Under ThreadSanitizer
 * (make check-tsan) this is the test that shared state on the query path
 * is only read. */
#include "check.h"
#include "testcorpus.h"

#include <pthread.h>

#define THREADS 4
#define ROUNDS 3

static TestCorpus corpus;
static Index *ix;

static const char *queries[] = {
    "w1",
    "w0 w1",
    "w3 w17 w40 w2",
    "+w1 +w2",
    "+w0 +w5 +w9",
    "w2 -w1",
    "\"w0 w1\"",
    "\"w1 w0 w2\"~3",
    "w1*",
    "w2* w0",
    "+(w3 w4) +w0",
    "w5 AND w6 OR w7",
    "NOT w1 w2",
    "title:w1 w2",
    "w60 w61 w62 w63 w64 w65 w66 w67",
    "w9999",
    "",
};
#define NQ (sizeof queries / sizeof queries[0])

/* The variants each query is run in: algorithm, k, grouped by article. */
typedef struct {
    const char *alg;
    size_t k;
    int group;
} Variant;

static const Variant variants[] = {
    {"bmm", 10, 0}, {"bmw", 10, 0}, {"maxscore", 100, 0}, {"wand", 10, 0}, {"exhaustive", 100, 0}, {"bmm", 5, 1},
};
#define NV (sizeof variants / sizeof variants[0])

/* One thread's query state. */
typedef struct {
    TcSearch s;
    QueryOptions qo;
    TopK top[NV];
    Buf text, out;
} Searcher;

static void searcher_open(Searcher *se)
{
    tc_search_open(&se->s, ix);
    query_options_default(&se->qo);
    se->qo.max_expansions = 8;
    for (size_t v = 0; v < NV; v++) topk_init(&se->top[v], variants[v].k, variants[v].group ? ix : NULL);
    memset(&se->text, 0, sizeof se->text);
    memset(&se->out, 0, sizeof se->out);
}

static void searcher_close(Searcher *se)
{
    for (size_t v = 0; v < NV; v++) topk_free(&se->top[v]);
    buf_free(&se->text);
    buf_free(&se->out);
    tc_search_close(&se->s);
}

/* Everything query q in variant v gives, as bytes, into se->out: the
 * count, every hit (id and score bits), and for the best three their
 * passage and article records, text, explanation and snippet. -1 if a
 * call failed. */
static int answer(Searcher *se, size_t q, size_t v)
{
    Buf *o = &se->out;
    o->len = 0;
    if (query_parse_with(se->s.an, ix, &se->s.bm, &se->qo, queries[q], &se->s.q) != 0) {
        buf_printf(o, "refused: %s", err_msg());
        return 0;
    }
    se->s.ctx.q = &se->s.q;
    int64_t count = search_count(&se->s.ctx);
    buf_put_u64(o, (uint64_t)count);
    TopK *top = &se->top[v];
    topk_clear(top);
    if (search_run(algorithm_find(variants[v].alg), &se->s.ctx, top) != 0) return -1;
    size_t n = topk_sorted(top);
    for (size_t i = 0; i < n; i++) {
        buf_put_u32(o, top->heap[i].pid);
        buf_append(o, &top->heap[i].score, 4);
    }
    for (size_t i = 0; i < n && i < 3; i++) {
        uint32_t pid = top->heap[i].pid;
        PassageInfo p;
        ArticleInfo a;
        if (index_passage(ix, pid, &p) != 0 || index_article(ix, p.article, &a) != 0) return -1;
        buf_put_u64(o, p.start);
        buf_put_u64(o, p.end);
        buf_append(o, a.id, a.id_len);
        if (index_passage_text(ix, pid, &se->text) != 0) return -1;
        buf_append(o, se->text.data, se->text.len);
        float e = explain_hit(&se->s.ctx, pid, 1, "", o);
        buf_append(o, &e, 4);
        Span *m;
        size_t nm = snippet_matches(se->s.an, &se->s.q, (const char *)se->text.data, se->text.len, &m);
        SnippetStyle st = {120, "[", "]"};
        snippet_make((const char *)se->text.data, se->text.len, m, nm, &st, o);
        free(m);
    }
    top->n = 0;
    return 0;
}

/* The single-threaded answers: want[q][v]. */
static Buf want[NQ][NV];

typedef struct {
    int id;
    pthread_barrier_t *start;
    int mismatches, errors, answered;
} Worker;

static void *worker_main(void *arg)
{
    Worker *w = arg;
    Searcher se;
    searcher_open(&se);
    pthread_barrier_wait(w->start); /* all at once, for the most overlap */
    /* what an unknown algorithm's message lists, built on first use: by
     * whichever thread comes first, the others reading it */
    if (strcmp(algorithm_names(), "bmm, bmw, maxscore, wand, exhaustive") != 0) w->errors++;
    for (int round = 0; round < ROUNDS; round++) {
        /* each thread in its own order, so different queries overlap */
        for (size_t i = 0; i < NQ * NV; i++) {
            size_t j = (i * 7 + (size_t)w->id * 13 + (size_t)round * 5) % (NQ * NV);
            size_t q = j / NV, v = j % NV;
            if (answer(&se, q, v) != 0) {
                w->errors++;
                continue;
            }
            w->answered++;
            if (se.out.len != want[q][v].len || memcmp(se.out.data, want[q][v].data, se.out.len) != 0) {
                if (!w->mismatches)
                    fprintf(stderr, "  thread %d: \"%s\" with %s k=%zu differs\n", w->id, queries[q], variants[v].alg,
                            variants[v].k);
                w->mismatches++;
            }
        }
    }
    searcher_close(&se);
    return NULL;
}

/* The corpus again with some documents changed, some removed and some
 * added, indexed as an update: a second segment, and deletes in the
 * first. Only the last rows change (an earlier change would move every
 * row after it, and a moved row is reindexed), so the new segment stays
 * small enough not to be merged. */
static int update_corpus(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/docs.tsv", corpus.dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (uint32_t d = 0; d < corpus.ndocs; d++) {
        if (d >= corpus.ndocs - 50) continue; /* removed */
        fprintf(f, "doc%u\t\t", d);
        if (d >= corpus.ndocs - 100) { /* changed */
            fprintf(f, "w%u w%u w0 w1 w2 w%u\n", d % 7, d % 11, 60 + d % 8);
            continue;
        }
        for (uint32_t i = 0; i < corpus.len[d]; i++) fprintf(f, "%sw%u", i ? " " : "", corpus.words[d][i]);
        fputc('\n', f);
    }
    for (uint32_t d = 0; d < 200; d++) fprintf(f, "new%u\t\tw%u w1 w%u w3 w0\n", d, d % 5, 60 + d % 9);
    fclose(f);
    index_close(ix);
    ix = tc_index_docs(&corpus);
    return ix ? 0 : -1;
}

static size_t found; /* queries with hits */

static void setup_answers(void)
{
    Searcher se;
    searcher_open(&se);
    for (size_t q = 0; q < NQ; q++)
        for (size_t v = 0; v < NV; v++) {
            CHECK_EQ_INT(answer(&se, q, v), 0);
            buf_append(&want[q][v], se.out.data, se.out.len);
            /* a count and a hit at least, not a refusal */
            found += v == 0 && se.out.len >= 16 && memcmp(se.out.data, "refused", 7) != 0;
        }
    searcher_close(&se);
}

static void index_has_segments_and_deletes(void)
{
    CHECK(index_nsegments(ix) >= 2);
    int deletes = 0;
    for (size_t s = 0; s < index_nsegments(ix); s++) deletes |= index_deletes(ix, s) != NULL;
    CHECK(deletes);
    /* the answers are not trivial: most queries find something */
    CHECK(found >= NQ - 3);
}

static void four_threads_agree_with_one(void)
{
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    Worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (Worker){i, &start, 0, 0, 0};
        CHECK_EQ_INT(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(w[i].errors, 0);
        CHECK_EQ_INT(w[i].mismatches, 0);
        CHECK_EQ_INT(w[i].answered, ROUNDS * NQ * NV);
    }
    pthread_barrier_destroy(&start);
}

int main(void)
{
    tc_seed = 23;
    ix = tc_build_or_report(&corpus, "concurrent_search", 3000, 200, 40);
    if (!ix) return 1;
    if (update_corpus() != 0) {
        fprintf(stderr, "concurrent_search: updating the test index failed: %s\n", err_msg());
        printf("concurrent_search: 0 passed, 1 failed\n");
        return 1;
    }
    setup_answers();
    static const TestCase cases[] = {T(index_has_segments_and_deletes), T(four_threads_agree_with_one)};
    int rc = run_tests("concurrent_search", cases, sizeof cases / sizeof cases[0]);
    for (size_t q = 0; q < NQ; q++)
        for (size_t v = 0; v < NV; v++) buf_free(&want[q][v]);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
