/*
 * test_api.c: the public API (include/libsearch.h) as a program embedding
 * it sees it: a build with its callbacks and report, a search's hits and
 * every field of them against the engine's own answers, paging, grouping
 * by article, explain, counts, snippets, each error code where it
 * belongs, checks, evaluation, and one open index searched from four
 * threads at once.
 */
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "check.h"
#include "libsearch.h"
#include "testcorpus.h"

static char dir[256], corpus[300], idx[300];
static unsigned warnings, progress_calls;

static void on_warning(void *ctx, const char *m)
{
    (void)ctx;
    warnings += strstr(m, "empty.txt") != NULL;
}

static void on_progress(void *ctx, const srch_progress *p)
{
    (void)ctx;
    (void)p;
    progress_calls++;
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/search-api-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    snprintf(idx, sizeof idx, "%s/idx", dir);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "cp -R corpus '%s' && : > '%s/empty.txt'", corpus, corpus);
    CHECK_EQ_INT(system(cmd), 0);
}

static void test_build(void)
{
    setup();
    srch_build_options o;
    srch_build_options_init(&o);
    o.warning = on_warning;
    o.progress = on_progress;
    srch_build_report r;
    srch_error err;
    CHECK_EQ_INT(srch_build(corpus, idx, &o, &r, &err), SRCH_OK);
    CHECK_EQ_INT(err.code, SRCH_OK);
    CHECK(!r.updated && r.articles == 4 && r.passages > 50 && r.skipped == 1);
    CHECK_EQ_INT(warnings, 1); /* the empty file, told to the callback, not printed */
    CHECK(progress_calls >= 1);
    CHECK_EQ_INT(srch_build(corpus, idx, &o, &r, &err), SRCH_OK);
    CHECK(r.updated && r.unchanged == 4 && r.added == 0);
    o.language = "klingon";
    CHECK_EQ_INT(srch_build(corpus, idx, &o, &r, &err), SRCH_BAD_ARG);
    CHECK(strstr(err.message, "klingon") != NULL);
    srch_build_options_init(&o);
    CHECK_EQ_INT(srch_build("/nonexistent/corpus", idx, &o, &r, &err), SRCH_NOT_FOUND);
    /* a second build while one holds the lock */
    char lock[400];
    snprintf(lock, sizeof lock, "%s/LOCK", idx);
    int fd = open(lock, O_RDWR);
    CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0);
    CHECK_EQ_INT(srch_build(corpus, idx, &o, &r, &err), SRCH_BUSY);
    close(fd);
    int found = 0;
    for (const char *const *l = srch_languages(); *l; l++) found += !strcmp(*l, "english") || !strcmp(*l, "none");
    CHECK_EQ_INT(found, 2);
}

/* The engine's own top k for a query, as the tests of the query side run it. */
static size_t engine_top(const char *q, size_t k, Hit *out)
{
    Index *ix = index_open(idx);
    CHECK(ix != NULL);
    if (!ix) return 0;
    TcSearch s;
    tc_search_open(&s, ix);
    TopK top;
    topk_init(&top, k, NULL);
    size_t n = 0;
    if (tc_search_parse(&s, q) == 0 && search_run(algorithm_find("exhaustive"), &s.ctx, &top) == 0) {
        n = topk_sorted(&top);
        memcpy(out, top.heap, n * sizeof *out);
    }
    topk_free(&top);
    tc_search_close(&s);
    index_close(ix);
    return n;
}

static void test_search(void)
{
    srch_index *ix;
    srch_searcher *s;
    srch_hits *h;
    srch_error err;
    CHECK_EQ_INT(srch_open(idx, &ix, &err), SRCH_OK);
    if (!ix) return;
    srch_index_info info;
    srch_index_stats(ix, &info);
    CHECK(info.articles == 4 && info.passages > 50 && !strcmp(info.language, "english") && info.segments == 1);
    CHECK_EQ_INT(srch_searcher_new(ix, &s, &err), SRCH_OK);
    srch_search_options o;
    srch_search_options_init(&o);
    o.k = 5;
    CHECK_EQ_INT(srch_search(s, "suicidal ideation", &o, &h, &err), SRCH_OK);
    Hit want[5];
    size_t nw = engine_top("suicidal ideation", 5, want);
    CHECK_EQ_INT(srch_hits_count(h), nw);
    for (size_t i = 0; i < srch_hits_count(h) && i < nw; i++) {
        const srch_hit *x = srch_hits_get(h, i);
        CHECK(x->rank == i + 1 && x->article_hit == 0);
        CHECK(x->passage_id == want[i].pid && (float)x->score == want[i].score);
        CHECK(x->end > x->start && x->text_len > 0 && x->id_len > 0 && x->title_len > 0);
        CHECK(!strncmp(x->path, corpus, strlen(corpus)));
        CHECK(x->explain_json == NULL && x->explain_text == NULL);
        for (size_t m = 0; m < x->nhighlights; m++) { /* each highlight is one of the query's words */
            const srch_span *sp = &x->highlights[m];
            CHECK(sp->end <= x->text_len && sp->start < sp->end);
            CHECK(!strncasecmp(x->text + sp->start, "suicid", 6) || !strncasecmp(x->text + sp->start, "ideation", 8));
        }
        CHECK(x->nhighlights > 0);
    }
    const srch_hit *first = srch_hits_get(h, 0);
    if (first) {
        char *snip = srch_snippet(first, 200, "**", "**");
        CHECK(snip && strstr(snip, "**Suicidal**") != NULL);
        srch_free(snip);
    }
    /* paging: offset 2, k 3 are hits 3 to 5 */
    srch_hits *page;
    o.offset = 2;
    o.k = 3;
    CHECK_EQ_INT(srch_search(s, "suicidal ideation", &o, &page, &err), SRCH_OK);
    for (size_t i = 0; i < srch_hits_count(page); i++)
        CHECK(srch_hits_get(page, i)->passage_id == srch_hits_get(h, i + 2)->passage_id &&
              srch_hits_get(page, i)->rank == i + 3);
    srch_hits_free(page);
    srch_hits_free(h);
    /* articles, each with its two best passages, and explain */
    srch_search_options_init(&o);
    o.per_article = 2;
    o.explain = 1;
    CHECK_EQ_INT(srch_search(s, "ketamine depression", &o, &h, &err), SRCH_OK);
    CHECK(srch_hits_count(h) >= 4);
    for (size_t i = 0; i < srch_hits_count(h); i++) {
        const srch_hit *x = srch_hits_get(h, i);
        CHECK(x->article_hit == 1 || x->article_hit == 2);
        if (x->article_hit == 2) CHECK(srch_hits_get(h, i - 1)->article_id == x->article_id);
        CHECK(x->explain_json && x->explain_json[0] == '{' && strstr(x->explain_json, "\"parts\":["));
        CHECK(x->explain_text && strstr(x->explain_text, "sum of the parts"));
    }
    srch_hits_free(h);
    uint64_t n;
    CHECK_EQ_INT(srch_count(s, "ketamine", NULL, &n, &err), SRCH_OK);
    CHECK(n > 20);
    /* queries with nothing to find say why */
    CHECK_EQ_INT(srch_search(s, "-ketamine", NULL, &h, &err), SRCH_OK);
    CHECK(srch_hits_count(h) == 0 && (srch_hits_flags(h) & SRCH_QUERY_ONLY_EXCLUDES));
    srch_hits_free(h);
    CHECK_EQ_INT(srch_search(s, "...", NULL, &h, &err), SRCH_OK);
    CHECK(srch_hits_count(h) == 0 && (srch_hits_flags(h) & SRCH_QUERY_NO_TERMS));
    srch_hits_free(h);
    /* errors */
    Buf big = {0};
    for (int i = 0; i < 1100; i++) buf_printf(&big, "w%d ", i);
    buf_put_u8(&big, 0);
    CHECK_EQ_INT(srch_search(s, (const char *)big.data, NULL, &h, &err), SRCH_BAD_QUERY);
    CHECK(h == NULL && err.code == SRCH_BAD_QUERY && err.message[0]);
    buf_free(&big);
    o.k = 0;
    CHECK_EQ_INT(srch_search(s, "ketamine", &o, &h, &err), SRCH_BAD_ARG);
    srch_search_options_init(&o);
    o.algorithm = "fastest";
    CHECK_EQ_INT(srch_search(s, "ketamine", &o, &h, &err), SRCH_BAD_ARG);
    CHECK(strstr(err.message, "bmm") != NULL);
    srch_searcher_free(s);
    srch_close(ix);
    CHECK_EQ_INT(srch_open("/nonexistent/index", &ix, &err), SRCH_NOT_FOUND);
    CHECK(ix == NULL && !strcmp(srch_code_name(err.code), "not found"));
}

/* ---- four threads, one index ---- */

static srch_index *shared;
static const char *const thread_queries[] = {"suicidal ideation", "ketamine", "microdosing psychedelics",
                                              "\"mental health\"", "addict*", "+ketamine +depression"};
#define NTQ (sizeof thread_queries / sizeof *thread_queries)
static uint64_t expected[NTQ][10];

static void *searcher_thread(void *arg)
{
    long mismatches = 0;
    srch_searcher *s;
    if (srch_searcher_new(shared, &s, NULL) != SRCH_OK) return (void *)1;
    for (int round = 0; round < 20; round++)
        for (size_t q = 0; q < NTQ; q++) {
            srch_hits *h;
            if (srch_search(s, thread_queries[(q + (size_t)arg) % NTQ], NULL, &h, NULL) != SRCH_OK) {
                mismatches++;
                continue;
            }
            size_t qi = (q + (size_t)arg) % NTQ;
            for (size_t i = 0; i < srch_hits_count(h) && i < 10; i++)
                mismatches += srch_hits_get(h, i)->passage_id != expected[qi][i];
            srch_hits_free(h);
        }
    srch_searcher_free(s);
    return (void *)mismatches;
}

static void test_threads(void)
{
    CHECK_EQ_INT(srch_open(idx, &shared, NULL), SRCH_OK);
    if (!shared) return;
    srch_searcher *s;
    CHECK_EQ_INT(srch_searcher_new(shared, &s, NULL), SRCH_OK);
    for (size_t q = 0; q < NTQ; q++) {
        srch_hits *h;
        CHECK_EQ_INT(srch_search(s, thread_queries[q], NULL, &h, NULL), SRCH_OK);
        CHECK(srch_hits_count(h) > 0);
        for (size_t i = 0; i < srch_hits_count(h) && i < 10; i++) expected[q][i] = srch_hits_get(h, i)->passage_id;
        srch_hits_free(h);
    }
    srch_searcher_free(s);
    pthread_t t[4];
    for (long i = 0; i < 4; i++) CHECK_EQ_INT(pthread_create(&t[i], NULL, searcher_thread, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        CHECK_EQ_INT((long)r, 0);
    }
    srch_close(shared);
}

static void test_check_and_damage(void)
{
    srch_check_report r;
    srch_error err;
    CHECK_EQ_INT(srch_check(idx, corpus, &r, &err), SRCH_OK);
    CHECK(r.problems == 0 && r.corpus_checked && r.same == 4 && r.added + r.changed + r.removed == 0);
    srch_check_report_free(&r);
    char path[400];
    snprintf(path, sizeof path, "%s/ketamine-therapy-five-benefits.txt", corpus);
    FILE *f = fopen(path, "a");
    fputs("\nOne more line.\n", f);
    fclose(f);
    CHECK_EQ_INT(srch_check(idx, corpus, &r, &err), SRCH_OK);
    CHECK(r.changed == 1 && r.differences && strstr(r.differences, "changed since indexed: ketamine-therapy"));
    srch_check_report_free(&r);
    /* damage: a flipped byte in the postings */
    char *seg = tc_segment_dir(idx);
    snprintf(path, sizeof path, "%s/postings.bin", seg);
    free(seg);
    int fd = open(path, O_RDWR);
    unsigned char c;
    CHECK(fd >= 0 && pread(fd, &c, 1, 100) == 1);
    c ^= 0x41;
    CHECK(pwrite(fd, &c, 1, 100) == 1);
    close(fd);
    srch_index *ix = NULL;
    srch_code rc = srch_open(idx, &ix, &err);
    if (rc == SRCH_OK) { /* a lazily verified payload: check finds it */
        CHECK_EQ_INT(srch_check(idx, NULL, &r, &err), SRCH_OK);
        CHECK(r.problems > 0);
        srch_check_report_free(&r);
        srch_close(ix);
    } else {
        CHECK_EQ_INT(rc, SRCH_CORRUPT);
        CHECK(strstr(err.message, "postings.bin") != NULL);
    }
}

static void test_eval(void)
{
    char qrels[400], run[400];
    snprintf(qrels, sizeof qrels, "%s/qrels", dir);
    snprintf(run, sizeof run, "%s/run", dir);
    FILE *f = fopen(qrels, "w");
    fputs("1 0 a 1\n1 0 b 0\n2 0 c 1\n", f);
    fclose(f);
    f = fopen(run, "w");
    fputs("1 Q0 b 1 2.0 t\n1 Q0 a 2 1.0 t\n2 Q0 c 1 3.0 t\n", f);
    fclose(f);
    srch_eval_result e;
    srch_error err;
    CHECK_EQ_INT(srch_eval(qrels, run, 0, &e, &err), SRCH_OK);
    CHECK(e.queries == 2);
    CHECK_NEAR(e.map, (0.5 + 1.0) / 2, 1e-9);
    CHECK_NEAR(e.mrr, (0.5 + 1.0) / 2, 1e-9);
    CHECK_EQ_INT(srch_eval(qrels, "/nonexistent/run", 0, &e, &err), SRCH_NOT_FOUND);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

TEST_MAIN("api", T(test_build), T(test_search), T(test_threads), T(test_check_and_damage), T(test_eval))
