/*
 * test_oom.c: running out of memory anywhere in the library returns
 * SRCH_NOMEM and leaves everything as it was. Each case fails the n-th
 * allocation (util.h, alloc_fail_after) for n = 0, 1, 2, ... until the
 * operation no longer reaches it, in a forked child (the memory of a call
 * that failed is not reclaimed, so the child ends with _exit, before the
 * leak checker runs), and checks: the call returned SRCH_NOMEM or
 * SRCH_OK, never crashed or exited; a searcher that failed answers the
 * next query right; a build that failed left the last good index, no
 * temporaries and no held lock.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "libsearch.h"
#include "util/util.h"

#define QUERY "ketamine therapy depression"

/* what a child reports through its exit status */
enum { NOT_REACHED = 10, HANDLED = 11, BAD_CODE = 12, WRONG_AFTER = 13, SWALLOWED = 14 };

static char dir[256], corpus[300], good[300], newer[300], work[300];
static char old_answer[4096], new_answer[4096];

static void sh(const char *fmt, const char *a, const char *b)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    CHECK_EQ_INT(system(cmd), 0);
}

/* Hits as text (ids, passages, scores). */
static void hits_text(const srch_hits *h, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < srch_hits_count(h) && len < cap; i++) {
        const srch_hit *x = srch_hits_get(h, i);
        len += (size_t)snprintf(out + len, cap - len, "%.*s#%u %.6f\n", (int)x->id_len, x->id, x->passage, x->score);
    }
}

/* The hits of QUERY on an open searcher as text. */
static srch_code answer_with(srch_searcher *s, char *out, size_t cap)
{
    srch_hits *h;
    srch_code rc = srch_search(s, QUERY, NULL, &h, NULL);
    if (rc != SRCH_OK) return rc;
    hits_text(h, out, cap);
    srch_hits_free(h);
    return SRCH_OK;
}

/* The answer of the index in d, or "" when it does not open. */
static void answer(const char *d, char *out, size_t cap)
{
    srch_index *ix;
    srch_searcher *s;
    out[0] = 0;
    if (srch_open(d, &ix, NULL) != SRCH_OK) return;
    if (srch_searcher_new(ix, &s, NULL) == SRCH_OK) {
        answer_with(s, out, cap);
        srch_searcher_free(s);
    }
    srch_close(ix);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/search-oom-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    snprintf(good, sizeof good, "%s/good", dir);
    snprintf(newer, sizeof newer, "%s/newer", dir);
    snprintf(work, sizeof work, "%s/work", dir);
    sh("cp -R corpus '%s'%s", corpus, "");
    srch_build_options o;
    srch_build_options_init(&o);
    o.threads = 2;
    CHECK_EQ_INT(srch_build(corpus, good, &o, NULL, NULL), SRCH_OK);
    answer(good, old_answer, sizeof old_answer);
    /* the update every build case makes: one article more, one changed */
    sh("printf 'Ketamine therapy for treatment-resistant depression, again.\\n' >'%s/new.txt'; "
       "printf 'Depression and ketamine: a changed article.\\n' >>'%s/ketamine-treatment-depression.txt'",
       corpus, corpus);
    sh("cp -R '%s' '%s'", good, newer);
    CHECK_EQ_INT(srch_build(corpus, newer, &o, NULL, NULL), SRCH_OK);
    answer(newer, new_answer, sizeof new_answer);
    CHECK(old_answer[0] && new_answer[0] && strcmp(old_answer, new_answer) != 0);
}

/* Runs fn(n) in a child with the n-th allocation failing; its status. */
static int in_child(int (*fn)(void), long n)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alloc_fail_after(n);
        int r = fn();
        long left = alloc_fail_after(-1);
        /* succeeded though an allocation failed: SWALLOWED */
        _exit(r == NOT_REACHED && left < 0 ? SWALLOWED : r);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Open, search, snippet; after SRCH_NOMEM the same searcher answers as
 * the index does. */
static int search_case(void)
{
    srch_index *ix;
    srch_searcher *s;
    srch_error err;
    srch_code rc = srch_open(good, &ix, &err);
    if (rc != SRCH_OK) return rc == SRCH_NOMEM && strstr(err.message, "out of memory") ? HANDLED : BAD_CODE;
    rc = srch_searcher_new(ix, &s, &err);
    if (rc != SRCH_OK) {
        srch_close(ix);
        return rc == SRCH_NOMEM ? HANDLED : BAD_CODE;
    }
    char got[4096];
    rc = answer_with(s, got, sizeof got);
    int r = rc == SRCH_OK ? strcmp(got, old_answer) == 0 ? NOT_REACHED : WRONG_AFTER
            : rc == SRCH_NOMEM ? HANDLED : BAD_CODE;
    uint64_t count;
    if (r == NOT_REACHED && (rc = srch_count(s, QUERY, NULL, &count, NULL)) != SRCH_OK)
        r = rc == SRCH_NOMEM ? HANDLED : BAD_CODE;
    if (r == HANDLED) { /* the searcher that failed, once memory is back */
        alloc_fail_after(-1);
        if (answer_with(s, got, sizeof got) != SRCH_OK || strcmp(got, old_answer) != 0) r = WRONG_AFTER;
    }
    srch_searcher_free(s);
    srch_close(ix);
    return r;
}

/* srch_search_into with one srch_hits for searches of every kind (a
 * buffer top k with its total, grouped by article, scores only); after
 * SRCH_NOMEM the hits hold none and, memory back, the same searcher and
 * hits answer as the index does. */
static int search_into_case(void)
{
    srch_index *ix;
    srch_searcher *s;
    if (srch_open(good, &ix, NULL) != SRCH_OK) return HANDLED;
    if (srch_searcher_new(ix, &s, NULL) != SRCH_OK) {
        srch_close(ix);
        return HANDLED;
    }
    srch_search_options o[4];
    for (int i = 0; i < 4; i++) srch_search_options_init(&o[i]);
    o[0].k = 100;
    o[0].total = 1;
    o[1].per_article = 2;
    o[2].scores_only = 1;
    srch_hits *h = NULL;
    srch_code rc = SRCH_OK;
    for (int i = 0; i < 4 && rc == SRCH_OK; i++) rc = srch_search_into(s, QUERY, &o[i], &h, NULL);
    char got[4096];
    int r = rc == SRCH_OK ? (hits_text(h, got, sizeof got), strcmp(got, old_answer) == 0 ? NOT_REACHED : WRONG_AFTER)
            : rc == SRCH_NOMEM ? HANDLED : BAD_CODE;
    if (r == HANDLED) {
        if (srch_hits_count(h) != 0 || *srch_hits_notes(h)) r = WRONG_AFTER;
        alloc_fail_after(-1);
        if (srch_search_into(s, QUERY, &o[3], &h, NULL) != SRCH_OK) r = WRONG_AFTER;
        hits_text(h, got, sizeof got);
        if (strcmp(got, old_answer) != 0) r = WRONG_AFTER;
    }
    srch_hits_free(h);
    srch_searcher_free(s);
    srch_close(ix);
    return r;
}

static int build_threads, build_reorder;
static int rows_version; /* srch_builder's case: the rows of build 1 or 2 */

static int build_case(void)
{
    srch_build_options o;
    srch_build_options_init(&o);
    o.threads = build_threads;
    o.reorder = o.optimize = build_reorder; /* a merge, and bisection's threads */
    srch_error err;
    srch_code rc = srch_build(corpus, work, &o, NULL, &err);
    if (rc == SRCH_OK) return NOT_REACHED;
    return rc == SRCH_NOMEM && strstr(err.message, "out of memory") ? HANDLED : BAD_CODE;
}

/* The articles as rows through srch_builder: version 2 changes one and
 * adds one. */
static int builder_case(void)
{
    static const char *const text[] = {"Ketamine therapy eases depression within hours.",
                                       "Microdosing psychedelics: a tenth of a dose.",
                                       "Ketamine therapy for depression, changed.", "A new article on ketamine."};
    srch_build_options o;
    srch_build_options_init(&o);
    o.threads = 2;
    srch_builder *b;
    srch_error err;
    srch_code rc = srch_builder_new(work, "rows", &o, &b, &err);
    char id[16];
    for (int i = 0; rc == SRCH_OK && i < 2 + (rows_version == 2); i++) {
        snprintf(id, sizeof id, "r%d", i);
        const char *t = rows_version == 1 || i == 1 ? text[i] : text[i ? 3 : 2];
        if ((rc = srch_builder_add(b, id, "Row", t, strlen(t), &err)) != SRCH_OK) srch_builder_abort(b);
    }
    if (rc == SRCH_OK) rc = srch_builder_commit(b, NULL, &err);
    if (rc == SRCH_OK) return NOT_REACHED;
    return rc == SRCH_NOMEM && strstr(err.message, "out of memory") ? HANDLED : BAD_CODE;
}

static int check_case(void)
{
    srch_check_report rep;
    srch_code rc = srch_check(good, NULL, &rep, NULL);
    if (rc == SRCH_OK) {
        int sound = rep.problems == 0;
        srch_check_report_free(&rep);
        return sound ? NOT_REACHED : BAD_CODE;
    }
    return rc == SRCH_NOMEM ? HANDLED : BAD_CODE;
}

/* Allocations fn makes, counted by a failure set too far to come. */
static long allocations(int (*fn)(void))
{
    alloc_fail_after(1L << 40);
    fn();
    return (1L << 40) - alloc_fail_after(-1);
}

/* n = 0 .. total, every one for the first 64, then spread out. */
static long next_n(long n, long total) { return n < 64 ? n + 1 : n + 1 + total / 200; }

/* Every allocation of a search case failing in turn. */
static void search_cases(int (*fn)(void), const char *name)
{
    long total = allocations(fn);
    CHECK(total > 10);
    int handled = 0;
    for (long n = 0;; n = next_n(n, total)) {
        int st = in_child(fn, n);
        if (st == NOT_REACHED) break;
        if (st != HANDLED) fprintf(stderr, "  %s, allocation %ld failing: status %d\n", name, n, st);
        CHECK_EQ_INT(st, HANDLED);
        handled++;
    }
    CHECK(handled > 10);
}

static void test_search(void)
{
    setup();
    search_cases(search_case, "search");
    search_cases(search_into_case, "search_into");
}

/* No temporary in the index directory, and its lock free. */
static int clean(const char *d)
{
    DIR *dd = opendir(d);
    if (!dd) return 1; /* a first build that failed early made nothing */
    struct dirent *e;
    int tmp = 0;
    while ((e = readdir(dd))) tmp |= strstr(e->d_name, ".tmp") != NULL;
    closedir(dd);
    char lock[400];
    snprintf(lock, sizeof lock, "%s/LOCK", d);
    int fd = open(lock, O_RDWR);
    int free_lock = fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (fd >= 0) close(fd);
    return !tmp && free_lock;
}

/* An update (from good) or a first build (from nothing) failing at each
 * allocation in turn: the last good index stays, or none. */
static void build_cases(int (*fn)(void), int update, const char *from, const char *before, const char *after)
{
    char got[4096];
    sh("rm -rf '%s'%s", work, "");
    if (update) sh("cp -R '%s' '%s'", from, work);
    long total = allocations(fn);
    CHECK(total > 50);
    int handled = 0;
    for (long n = 0;; n = next_n(n, total)) {
        sh("rm -rf '%s'%s", work, "");
        if (update) sh("cp -R '%s' '%s'", from, work);
        int st = in_child(fn, n);
        answer(work, got, sizeof got);
        if (st == NOT_REACHED) {
            CHECK_EQ_STR(got, after);
            break;
        }
        if (st == SWALLOWED) { /* only once the new index is published */
            CHECK_EQ_STR(got, after);
            CHECK(clean(work));
            continue;
        }
        if (st != HANDLED) fprintf(stderr, "  build, allocation %ld of %ld failing: status %d\n", n, total, st);
        CHECK_EQ_INT(st, HANDLED);
        if (!clean(work) || strcmp(got, update ? before : "") != 0)
            fprintf(stderr, "  build, allocation %ld of %ld failing:\n", n, total);
        CHECK(clean(work));
        CHECK_EQ_STR(got, update ? before : "");
        handled++;
    }
    CHECK(handled >= (total < 64 ? total : 64) - 2);
}

static void corpus_cases(int update, int threads, int reorder)
{
    build_threads = threads;
    build_reorder = reorder;
    build_cases(build_case, update, good, old_answer, new_answer);
}

static void test_update(void) { corpus_cases(1, 2, 0); }
static void test_update_reorder(void) { corpus_cases(1, 2, 1); }
static void test_first_build(void) { corpus_cases(0, 1, 0); }

/* The same through srch_builder: its thread, its queue. */
static void test_builder(void)
{
    char rows1[400], before[4096], after[4096];
    snprintf(rows1, sizeof rows1, "%s/rows1", dir);
    sh("rm -rf '%s'%s", work, "");
    rows_version = 2;
    CHECK_EQ_INT(builder_case(), NOT_REACHED);
    answer(work, after, sizeof after);
    sh("rm -rf '%s'%s", work, "");
    rows_version = 1;
    CHECK_EQ_INT(builder_case(), NOT_REACHED);
    answer(work, before, sizeof before);
    sh("mv '%s' '%s'", work, rows1);
    CHECK(before[0] && after[0] && strcmp(before, after) != 0);
    rows_version = 2;
    build_cases(builder_case, 1, rows1, before, after);
    build_cases(builder_case, 0, rows1, before, after);
}

static void test_check(void)
{
    long total = allocations(check_case);
    for (long n = 0;; n = next_n(n, total)) {
        int st = in_child(check_case, n);
        if (st == NOT_REACHED) break;
        CHECK_EQ_INT(st, HANDLED);
    }
    sh("rm -rf '%s'%s", dir, "");
}

TEST_MAIN("oom", T(test_search), T(test_update), T(test_update_reorder), T(test_first_build), T(test_builder), T(test_check))
