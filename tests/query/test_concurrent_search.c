/* test_concurrent_search.c: one open index serves searches from several
 * threads at once. Each thread has its own srch_searcher, as a server
 * would make one per thread; the srch_index and its mapped segments are
 * shared. Every query of a mixed set (words, unions, required and
 * excluded words, phrases, prefixes, groups; every algorithm; heap and
 * buffer top-k; hits grouped by article), with its count, hit records,
 * texts, explanations and snippets, must give in every thread exactly
 * what it gave run alone; the list of algorithm names (for an error
 * message) is the same in each. The index has two segments and deletes,
 * so the cross-segment paths run too. Under ThreadSanitizer (make
 * check-tsan) this is the test that shared state on the query path is
 * only read. */
#include "check.h"
#include "testcorpus.h"

#include <pthread.h>

#define THREADS 4
#define ROUNDS 3

static TestCorpus corpus;
static Index *ix;        /* the fixture, checked through the internals */
static srch_index *api;  /* what the threads search */

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
    srch_searcher *s;
    srch_hits *hits; /* reused query after query */
    Buf out;
} Searcher;

static void searcher_open(Searcher *se)
{
    memset(se, 0, sizeof *se);
    CHECK_EQ_INT(srch_searcher_new(api, &se->s, NULL), SRCH_OK);
}

static void searcher_close(Searcher *se)
{
    srch_hits_free(se->hits);
    buf_free(&se->out);
    srch_searcher_free(se->s);
}

/* A hit's records, text, explanation and snippet, as bytes. */
static void put_hit_details(Buf *o, const srch_hit *h)
{
    buf_put_u64(o, h->start);
    buf_put_u64(o, h->end);
    buf_append(o, h->id, h->id_len);
    buf_append(o, h->text, h->text_len);
    if (h->explain_json) buf_append(o, h->explain_json, strlen(h->explain_json));
    char *snip = srch_snippet(h, 120, "[", "]");
    buf_append(o, snip, strlen(snip));
    srch_free(snip);
}

/* Everything query q in variant v gives, as bytes, into se->out: the
 * count, every hit (id and score bits), and for the best three their
 * records, text, explanation and snippet. -1 if a call failed. */
static int answer(Searcher *se, size_t q, size_t v)
{
    Buf *o = &se->out;
    o->len = 0;
    srch_search_options so;
    srch_search_options_init(&so);
    so.max_expansions = 8;
    so.algorithm = variants[v].alg;
    so.k = variants[v].k;
    so.per_article = variants[v].group ? 1 : 0;
    so.explain = 1;
    uint64_t count;
    srch_error err;
    srch_code rc = srch_count(se->s, queries[q], &so, &count, &err);
    if (rc == SRCH_BAD_QUERY) {
        buf_printf(o, "refused: %s", err.message);
        return 0;
    }
    if (rc != SRCH_OK) return -1;
    buf_put_u64(o, count);
    if (srch_search_into(se->s, queries[q], &so, &se->hits, NULL) != SRCH_OK) return -1;
    for (size_t i = 0; i < srch_hits_count(se->hits); i++) {
        const srch_hit *h = srch_hits_get(se->hits, i);
        buf_put_u64(o, h->passage_id);
        buf_append(o, &h->score, sizeof h->score);
    }
    for (size_t i = 0; i < srch_hits_count(se->hits) && i < 3; i++) put_hit_details(o, srch_hits_get(se->hits, i));
    return 0;
}

/* The names of the algorithms, and the error that lists them, as a
 * thread sees them: both are built on first use, by whichever thread
 * comes first, the others reading them. 0 when they are right. */
static int algorithm_lists_agree(Searcher *se)
{
    Buf names = {0};
    for (const char *const *a = srch_algorithms(); *a; a++) buf_printf(&names, "%s%s", names.len ? ", " : "", *a);
    buf_put_u8(&names, 0);
    srch_search_options so;
    srch_search_options_init(&so);
    so.algorithm = "fastest";
    srch_error err;
    srch_code rc = srch_search_into(se->s, "w1", &so, &se->hits, &err);
    int ok = !strcmp((const char *)names.data, "bmm, bmw, maxscore, wand, exhaustive") && rc == SRCH_BAD_ARG &&
             strstr(err.message, (const char *)names.data) != NULL;
    buf_free(&names);
    return ok ? 0 : -1;
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
    if (algorithm_lists_agree(&se) != 0) w->errors++;
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
    return ix && tc_api_open(&corpus, &api) == SRCH_OK ? 0 : -1;
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
    srch_close(api);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
