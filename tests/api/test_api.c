/*
 * test_api.c: the public API (include/libsearch.h) as a program embedding
 * it sees it: a build with its callbacks and report, a search's hits and
 * every field of them against the engine's own answers, every algorithm
 * against the exhaustive one, hits reused search after search, paging,
 * grouping by article, explain, counts, snippets, each error code where
 * it belongs, checks, evaluation, and one open index searched from four
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

/* The top 10 of q on s with options o, into pid and score; returns how many. */
static size_t top10(srch_searcher *s, const char *q, const srch_search_options *o, uint64_t *pid, double *score)
{
    srch_hits *h = NULL;
    srch_error err;
    CHECK_EQ_INT(srch_search(s, q, o, &h, &err), SRCH_OK);
    size_t n = h ? srch_hits_count(h) : 0;
    for (size_t i = 0; i < n; i++) {
        pid[i] = srch_hits_get(h, i)->passage_id;
        score[i] = srch_hits_get(h, i)->score;
    }
    srch_hits_free(h);
    return n;
}

/* An index built for b 0.5 (srch_build_options.b) is searched at b 0.5
 * when the search names no k1 or b: the same hits and scores as naming
 * k1 1.2, b 0.5, other scores than b 0.75, and explain says so. Bad
 * parameters are refused at build and search; an update naming others
 * rebuilds the index in full. */
static void test_build_parameters(void)
{
    char idx6[400];
    snprintf(idx6, sizeof idx6, "%s/idx-b05", dir);
    srch_build_options o;
    srch_build_options_init(&o);
    CHECK(o.k1 < 0 && o.b < 0); /* the index's (new: the defaults) */
    srch_build_report r;
    srch_error err;
    static const float bad[][2] = {{NAN, -1}, {-1, NAN}, {101, -1}, {-1, 1.5f}, {INFINITY, 0.5f}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        o.k1 = bad[i][0];
        o.b = bad[i][1];
        CHECK_EQ_INT(srch_build(corpus, idx6, &o, &r, &err), SRCH_BAD_ARG);
    }
    o.k1 = -1;
    o.b = 0.5f;
    CHECK_EQ_INT(srch_build(corpus, idx6, &o, &r, &err), SRCH_OK);
    srch_index *ix;
    srch_searcher *s;
    CHECK_EQ_INT(srch_open(idx6, &ix, &err), SRCH_OK);
    if (!ix) return;
    CHECK_EQ_INT(srch_searcher_new(ix, &s, &err), SRCH_OK);
    srch_search_options so;
    srch_search_options_init(&so);
    CHECK(so.k1 < 0 && so.b < 0);
    uint64_t pd[10], p6[10], p75[10];
    double sd[10], s6[10], s75[10];
    size_t nd = top10(s, "ketamine depression", &so, pd, sd);
    so.k1 = 1.2f;
    so.b = 0.5f;
    size_t n6 = top10(s, "ketamine depression", &so, p6, s6);
    so.b = 0.75f;
    size_t n75 = top10(s, "ketamine depression", &so, p75, s75);
    CHECK(nd == 10 && n6 == 10 && n75 == 10);
    int differ = 0;
    for (size_t i = 0; i < 10 && i < nd && i < n6 && i < n75; i++) {
        CHECK(pd[i] == p6[i] && sd[i] == s6[i]);
        differ |= sd[i] != s75[i];
    }
    CHECK(differ);
    srch_search_options_init(&so);
    so.explain = 1;
    so.k = 1;
    srch_hits *h = NULL;
    CHECK_EQ_INT(srch_search(s, "ketamine", &so, &h, &err), SRCH_OK);
    CHECK(h && srch_hits_count(h) == 1 && strstr(srch_hits_get(h, 0)->explain_json, "\"k1\":1.2000,\"b\":0.5000"));
    srch_hits_free(h);
    so.k1 = NAN;
    CHECK_EQ_INT(srch_search(s, "ketamine", &so, &h, &err), SRCH_BAD_ARG);
    so.k1 = 1.2f;
    so.b = 1.01f;
    CHECK_EQ_INT(srch_search(s, "ketamine", &so, &h, &err), SRCH_BAD_ARG);
    srch_searcher_free(s);
    srch_close(ix);
    /* kept by an update naming none; others rebuild in full */
    srch_build_options_init(&o);
    CHECK_EQ_INT(srch_build(corpus, idx6, &o, &r, &err), SRCH_OK);
    CHECK(r.updated && r.why_full == NULL);
    o.b = 0.75f;
    CHECK_EQ_INT(srch_build(corpus, idx6, &o, &r, &err), SRCH_OK);
    CHECK(!r.updated && r.why_full && strstr(r.why_full, "--b"));
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


/* Every algorithm srch_algorithms names gives the exhaustive one's hits,
 * scores bitwise the same. */
static void test_algorithms_agree(srch_searcher *s)
{
    const char *const *names = srch_algorithms();
    CHECK(names[0] && !strcmp(names[0], "bmm"));
    srch_search_options o;
    srch_search_options_init(&o);
    o.k = 20;
    o.algorithm = "exhaustive";
    srch_hits *want = NULL, *got = NULL;
    CHECK_EQ_INT(srch_search(s, "mental health treatment", &o, &want, NULL), SRCH_OK);
    CHECK(srch_hits_count(want) == 20);
    size_t n = 0;
    for (; names[n]; n++) {
        o.algorithm = names[n];
        CHECK_EQ_INT(srch_search_into(s, "mental health treatment", &o, &got, NULL), SRCH_OK);
        CHECK_EQ_INT(srch_hits_count(got), srch_hits_count(want));
        for (size_t i = 0; i < srch_hits_count(got) && i < srch_hits_count(want); i++) {
            const srch_hit *a = srch_hits_get(got, i), *b = srch_hits_get(want, i);
            CHECK(a->passage_id == b->passage_id && !memcmp(&a->score, &b->score, sizeof a->score));
        }
    }
    CHECK_EQ_INT(n, 5);
    srch_hits_free(want);
    srch_hits_free(got);
}

/* srch_search_into reuses one srch_hits: each answer as srch_search
 * gives it, a smaller one after a larger, an empty one after a failure;
 * scores_only leaves every field but rank and score empty; total counts
 * as srch_count does. */
static void test_search_into(srch_searcher *s)
{
    static const char *const queries[] = {"ketamine", "suicidal ideation", "+ketamine +depression", "\"mental health\""};
    srch_search_options o;
    srch_search_options_init(&o);
    o.k = 30;
    o.total = 1;
    srch_hits *h = NULL, *fresh;
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        o.k = q % 2 ? 3 : 30;
        CHECK_EQ_INT(srch_search_into(s, queries[q], &o, &h, NULL), SRCH_OK);
        CHECK_EQ_INT(srch_search(s, queries[q], &o, &fresh, NULL), SRCH_OK);
        CHECK(srch_hits_count(h) == srch_hits_count(fresh) && srch_hits_count(h) > 0);
        for (size_t i = 0; i < srch_hits_count(h) && i < srch_hits_count(fresh); i++) {
            const srch_hit *a = srch_hits_get(h, i), *b = srch_hits_get(fresh, i);
            CHECK(a->passage_id == b->passage_id && a->score == b->score && a->text_len == b->text_len &&
                  !memcmp(a->text, b->text, a->text_len) && a->nhighlights == b->nhighlights);
        }
        uint64_t n;
        CHECK_EQ_INT(srch_count(s, queries[q], NULL, &n, NULL), SRCH_OK);
        CHECK(srch_hits_total(h) == n && n >= srch_hits_count(h));
        srch_hits_free(fresh);
    }
    srch_error err;
    CHECK_EQ_INT(srch_search_into(s, "ketamine", &(srch_search_options){.k = 0}, &h, &err), SRCH_BAD_ARG);
    CHECK(h != NULL && srch_hits_count(h) == 0 && srch_hits_get(h, 0) == NULL);
    o.scores_only = 1;
    o.total = 0;
    o.k = 10;
    CHECK_EQ_INT(srch_search_into(s, "ketamine", &o, &h, NULL), SRCH_OK);
    CHECK(srch_hits_count(h) == 10 && srch_hits_total(h) == 0);
    for (size_t i = 0; i < srch_hits_count(h); i++) {
        const srch_hit *x = srch_hits_get(h, i);
        CHECK(x->rank == i + 1 && x->score > 0 && x->id_len == 0 && !strcmp(x->id, "") && x->text_len == 0 &&
              x->article_id == 0 && x->nhighlights == 0);
    }
    srch_hits_free(h);
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
    CHECK(!(srch_hits_flags(h) & SRCH_QUERY_ONLY_STOP_WORDS)); /* no words at all */
    srch_hits_free(h);
    CHECK_EQ_INT(srch_search(s, "+", NULL, &h, &err), SRCH_OK); /* once reported as only stop words */
    CHECK_EQ_INT(srch_hits_flags(h), SRCH_QUERY_NO_TERMS);
    srch_hits_free(h);
    CHECK_EQ_INT(srch_search(s, "the +of", NULL, &h, &err), SRCH_OK);
    CHECK_EQ_INT(srch_hits_flags(h), SRCH_QUERY_NO_TERMS | SRCH_QUERY_ONLY_STOP_WORDS);
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
    test_algorithms_agree(s);
    test_search_into(s);
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

/* ---- srch_builder ---- */

typedef struct {
    const char *id, *title, *text;
} Row;

/* Builds dir from rows through srch_builder; the commit's code. */
static srch_code build_rows(const char *d, const Row *rows, size_t n, int full, srch_build_report *rep)
{
    srch_build_options o;
    srch_build_options_init(&o);
    o.threads = 2;
    o.full = full;
    o.passage_words = 20;
    srch_builder *b;
    srch_error err;
    srch_code rc = srch_builder_new(d, "feed", &o, &b, &err);
    if (rc != SRCH_OK) return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = srch_builder_add(b, rows[i].id, rows[i].title, rows[i].text, strlen(rows[i].text), &err)) != SRCH_OK) {
            srch_builder_abort(b);
            return rc;
        }
    return srch_builder_commit(b, rep, &err);
}

/* Every hit of q on the index in d as a line: id, passage, score, range;
 * each hit's text checked against the row it came from. */
static void rows_answer(const char *d, const char *q, const Row *rows, size_t n, char *out, size_t cap)
{
    srch_index *ix;
    srch_searcher *s;
    srch_hits *h;
    out[0] = 0;
    CHECK_EQ_INT(srch_open(d, &ix, NULL), SRCH_OK);
    if (!ix) return;
    CHECK_EQ_INT(srch_searcher_new(ix, &s, NULL), SRCH_OK);
    srch_search_options so;
    srch_search_options_init(&so);
    so.k = 100;
    CHECK_EQ_INT(srch_search(s, q, &so, &h, NULL), SRCH_OK);
    size_t len = 0;
    for (size_t i = 0; h && i < srch_hits_count(h); i++) {
        const srch_hit *x = srch_hits_get(h, i);
        len += (size_t)snprintf(out + len, cap - len, "%.*s#%u %.6f %llu-%llu\n", (int)x->id_len, x->id, x->passage,
                                x->score, (unsigned long long)x->start, (unsigned long long)x->end);
        CHECK(x->path_len == 4 && !memcmp(x->path, "feed", 4));
        const Row *r = NULL;
        for (size_t j = 0; j < n; j++)
            if (strlen(rows[j].id) == x->id_len && !memcmp(rows[j].id, x->id, x->id_len)) r = &rows[j];
        CHECK(r != NULL); /* only rows of this build are found */
        if (r) { /* the byte range is a range of the text added */
            CHECK(x->end <= strlen(r->text) && x->text_len == x->end - x->start);
            CHECK(!memcmp(r->text + x->start, x->text, x->text_len));
            const char *t = r->title ? r->title : "";
            CHECK(strlen(t) == x->title_len && !memcmp(t, x->title, x->title_len));
        }
    }
    srch_hits_free(h);
    srch_searcher_free(s);
    srch_close(ix);
}

static void test_builder(void)
{
    char d1[400], d2[400], a1[8192], a2[8192];
    snprintf(d1, sizeof d1, "%s/rows", dir);
    snprintf(d2, sizeof d2, "%s/rows-full", dir);
    const Row v1[] = {
        {"a", "Ketamine for depression", "Ketamine is an anaesthetic.\n\nIn low doses ketamine eases depression "
                                          "within hours, where other antidepressants take weeks."},
        {"b", "Microdosing", "Microdosing psychedelics means taking a tenth of a dose.\nSome report better mood."},
        {"c", NULL, "Suicidal ideation fell after ketamine infusions in several trials."},
        {"d", "", "   \n  "}, /* nothing to find: skipped */
    };
    srch_build_report rep;
    CHECK_EQ_INT(build_rows(d1, v1, 4, 0, &rep), SRCH_OK);
    CHECK(!rep.updated && rep.articles == 3 && rep.skipped == 1 && rep.passages >= 4);
    rows_answer(d1, "ketamine", v1, 4, a1, sizeof a1);
    CHECK(strstr(a1, "a#1 ") && strstr(a1, "c#1 "));
    rows_answer(d1, "title:microdosing", v1, 4, a1, sizeof a1); /* the title is the title field */
    CHECK(strstr(a1, "b#1 ") && strstr(a1, "b#2 ") && !strstr(a1, "a#")); /* on every passage of b */
    /* the next build's rows are the corpus: b changed, c gone, e new */
    const Row v2[] = {
        v1[0],
        {"b", "Microdosing", "Microdosing psychedelics means taking a tenth of a dose.\nSome report worse sleep."},
        {"e", "Esketamine", "Esketamine is a ketamine nasal spray approved for depression."},
    };
    CHECK_EQ_INT(build_rows(d1, v2, 3, 0, &rep), SRCH_OK);
    CHECK(rep.updated && rep.unchanged == 1 && rep.changed == 1 && rep.added == 1 && rep.removed == 1);
    CHECK_EQ_INT(build_rows(d2, v2, 3, 1, &rep), SRCH_OK);
    CHECK(!rep.updated);
    const char *const qs[] = {"ketamine depression", "microdosing sleep", "suicidal", "title:esketamine"};
    for (size_t i = 0; i < 4; i++) { /* the update is the full build */
        rows_answer(d1, qs[i], v2, 3, a1, sizeof a1);
        rows_answer(d2, qs[i], v2, 3, a2, sizeof a2);
        CHECK_EQ_STR(a1, a2);
    }
    CHECK(!strstr(a1, "c#"));
    /* refused: bad ids and texts, a second build; an abort leaves the index */
    srch_builder *b, *b2;
    srch_error err;
    CHECK_EQ_INT(srch_builder_new(d1, NULL, NULL, &b, &err), SRCH_OK);
    CHECK_EQ_INT(srch_builder_new(d1, NULL, NULL, &b2, &err), SRCH_BUSY);
    CHECK_EQ_INT(srch_builder_add(b, "x\ty", "t", "text", 4, &err), SRCH_BAD_ARG);
    CHECK_EQ_INT(srch_builder_add(b, "", "t", "text", 4, &err), SRCH_BAD_ARG);
    CHECK_EQ_INT(srch_builder_add(b, "x", "t\nu", "text", 4, &err), SRCH_BAD_ARG);
    CHECK_EQ_INT(srch_builder_add(b, "x", "t", "te\0xt", 5, &err), SRCH_BAD_ARG);
    CHECK(strstr(err.message, "NUL") != NULL);
    CHECK_EQ_INT(srch_builder_add(b, "x", "t", "new text about ketamine", 23, &err), SRCH_OK);
    CHECK_EQ_INT(srch_builder_add(b, "x", "t", "again", 5, &err), SRCH_BAD_ARG);
    CHECK(strstr(err.message, "twice") != NULL);
    srch_builder_abort(b);
    rows_answer(d1, qs[0], v2, 3, a2, sizeof a2);
    rows_answer(d2, qs[0], v2, 3, a1, sizeof a1);
    CHECK_EQ_STR(a2, a1);
    CHECK_EQ_INT(srch_builder_new(NULL, NULL, NULL, &b, &err), SRCH_BAD_ARG);
}

/* srch_reopen: a handle follows the live commit; the old one answers from
 * its own until closed, though the build removed its files. */
static void test_reopen(void)
{
    char d[400];
    snprintf(d, sizeof d, "%s/reopen", dir);
    const Row v1[] = {{"a", "Old", "Ketamine eases depression."}, {"b", "Kept", "Microdosing psychedelics."}};
    const Row v2[] = {{"a", "New", "Zebrafish models of depression."}, {"b", "Kept", "Microdosing psychedelics."}};
    CHECK_EQ_INT(build_rows(d, v1, 2, 0, NULL), SRCH_OK);
    srch_index *old, *now;
    srch_error err;
    CHECK_EQ_INT(srch_open(d, &old, &err), SRCH_OK);
    if (!old) return;
    CHECK_EQ_INT(srch_reopen(old, &now, &err), SRCH_OK);
    CHECK(now == NULL); /* nothing published since */
    srch_index_info before, after;
    srch_index_stats(old, &before);
    CHECK_EQ_INT(build_rows(d, v2, 2, 0, NULL), SRCH_OK);
    char gone[600];
    snprintf(gone, sizeof gone, "%s/%s", d, before.commit);
    struct stat st;
    CHECK(stat(gone, &st) != 0); /* the old commit's directory is removed */
    CHECK_EQ_INT(srch_reopen(old, &now, &err), SRCH_OK);
    CHECK(now != NULL);
    if (!now) return;
    srch_index_stats(now, &after);
    CHECK(strcmp(before.commit, after.commit) < 0);
    srch_index *again;
    CHECK_EQ_INT(srch_reopen(now, &again, &err), SRCH_OK);
    CHECK(again == NULL);
    const char *qs[] = {"ketamine", "zebrafish", "microdosing"};
    uint64_t want_old[] = {1, 0, 1}, want_new[] = {0, 1, 1};
    for (int i = 0; i < 3; i++) {
        srch_searcher *so, *sn;
        uint64_t co = 9, cn = 9;
        CHECK_EQ_INT(srch_searcher_new(old, &so, &err), SRCH_OK);
        CHECK_EQ_INT(srch_searcher_new(now, &sn, &err), SRCH_OK);
        CHECK_EQ_INT(srch_count(so, qs[i], NULL, &co, &err), SRCH_OK);
        CHECK_EQ_INT(srch_count(sn, qs[i], NULL, &cn, &err), SRCH_OK);
        CHECK_EQ_INT(co, want_old[i]);
        CHECK_EQ_INT(cn, want_new[i]);
        srch_hits *h;
        CHECK_EQ_INT(srch_search(so, qs[i], NULL, &h, &err), SRCH_OK); /* its texts too */
        if (h && srch_hits_count(h)) CHECK(srch_hits_get(h, 0)->text_len > 0);
        srch_hits_free(h);
        srch_searcher_free(so);
        srch_searcher_free(sn);
    }
    srch_close(old);
    srch_close(now);
}

/* srch_article: an article's passages by id; srch_hit_json: a hit's JSON. */
static void test_article(void)
{
    char d[400];
    snprintf(d, sizeof d, "%s/article", dir);
    const char *text = "Müller wrote: microdosing psychedelics means taking a tenth of a dose.\n"
                       "Some report better mood, others worse sleep, and a few report nothing at all.";
    const Row rows[] = {{"m", "Microdosing", text}, {"n", "Other", "Nothing to see here at all."}};
    CHECK_EQ_INT(build_rows(d, rows, 2, 0, NULL), SRCH_OK); /* passages of 20 words: two */
    srch_index *ix;
    srch_error err;
    CHECK_EQ_INT(srch_open(d, &ix, &err), SRCH_OK);
    if (!ix) return;
    srch_hits *h;
    CHECK_EQ_INT(srch_article(ix, "m", &h, &err), SRCH_OK);
    CHECK_EQ_INT(srch_hits_count(h), 2);
    uint64_t at = 0;
    for (size_t i = 0; i < srch_hits_count(h); i++) { /* the passages, in order, cover the text */
        const srch_hit *x = srch_hits_get(h, i);
        CHECK(x->passage == i + 1 && x->score == 0 && x->id_len == 1 && x->id[0] == 'm');
        CHECK(x->title_len == 11 && !memcmp(x->title, "Microdosing", 11));
        CHECK(x->start >= at && x->end <= strlen(text) && !memcmp(text + x->start, x->text, x->text_len));
        at = x->end;
    }
    srch_hits_free(h);
    CHECK_EQ_INT(srch_article(ix, "nope", &h, &err), SRCH_NOT_FOUND);
    CHECK(h == NULL && strstr(err.message, "nope"));
    srch_searcher *s;
    CHECK_EQ_INT(srch_searcher_new(ix, &s, &err), SRCH_OK);
    CHECK_EQ_INT(srch_search(s, "microdosing", NULL, &h, &err), SRCH_OK);
    const srch_hit *x = srch_hits_get(h, 0);
    char *json = x ? srch_hit_json(x) : NULL;
    CHECK(json != NULL);
    if (json) { /* "microdosing" is bytes 15-26 of the text, characters 14-25 (ü is two bytes) */
        CHECK(strstr(json, "\"id\":\"m#1\"") && strstr(json, "\"article\":\"m\""));
        CHECK(strstr(json, "\"highlights\":[[15,26]]") && strstr(json, "\"highlight_chars\":[[14,25]]"));
        CHECK(strstr(json, "\"text\":\"Müller wrote") != NULL);
    }
    srch_free(json);
    srch_hits_free(h);
    srch_searcher_free(s);
    srch_close(ix);
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

TEST_MAIN("api", T(test_build), T(test_build_parameters), T(test_search), T(test_threads), T(test_check_and_damage), T(test_builder), T(test_reopen), T(test_article),
          T(test_eval))
