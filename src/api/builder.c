/*
 * builder.c: srch_builder, a build fed article by article. The indexer
 * pulls its articles from a source (indexer_build_from); here the source
 * is a queue the caller's srch_builder_add fills, and the indexer runs on
 * a thread of the builder's. The queue is bounded in bytes, so a caller
 * faster than the indexer waits instead of holding the corpus in memory.
 */
#include "api/api.h"
#include "index/shard.h"
#include "index/writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define QUEUE_BYTES ((size_t)16 << 20) /* articles waiting at most; one larger than this waits alone */

typedef struct Row {
    struct Row *next;
    const char *id, *title;
    const char *text;
    size_t len;
} Row; /* and its strings, in the same allocation */

struct srch_builder {
    char *dir, *name;
    srch_build_options opts; /* a copy: the indexer's callbacks read it */
    IndexerOptions io;
    IndexerReport rep;
    StrMap ids; /* added so far: an id twice is refused */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    Row *head, *tail;  /* waiting, oldest first */
    size_t queued;     /* their text bytes */
    int started;       /* the build holds the lock and reads the queue */
    int ended;         /* commit: no more rows */
    int abandoned;     /* abort: the build is to fail */
    int finished;      /* the build thread is done; rc and error are its outcome */
    int rc;
    char error[512];
};

static void lock(srch_builder *b) { pthread_mutex_lock(&b->mu); }
static void unlock(srch_builder *b) { pthread_mutex_unlock(&b->mu); }

/* The next row, or NULL at the end; -1 when the build is abandoned. */
static int next_row(srch_builder *b, Row **out)
{
    lock(b);
    if (!b->started) {
        b->started = 1;
        pthread_cond_broadcast(&b->cv);
    }
    while (!b->head && !b->ended && !b->abandoned) pthread_cond_wait(&b->cv, &b->mu);
    int rc = b->abandoned ? -1 : 0;
    Row *r = rc == 0 ? b->head : NULL;
    if (r) {
        b->head = r->next;
        if (!b->head) b->tail = NULL;
        b->queued -= r->len;
        pthread_cond_broadcast(&b->cv); /* room for the caller */
    }
    unlock(b);
    *out = r;
    return rc;
}

/* The indexer's article source: the rows, as they come. */
static int pull(void *src, const CorpusOptions *co, article_fn fn, void *ctx, CorpusStats *stats)
{
    srch_builder *b = src;
    (void)co;
    memset(stats, 0, sizeof *stats);
    for (;;) {
        Row *r;
        if (next_row(b, &r) != 0) {
            err_set("the build was abandoned");
            return -1;
        }
        if (!r) return 0;
        Article a = {r->id, b->name, r->title, r->text, r->len, 0, 0, 0, r->len, 0};
        stats->bytes += r->len;
        int rc = 0;
        if (all_blank(r->text, r->len)) {
            stats->skipped++; /* nothing to find, as an empty file */
        } else {
            stats->articles++;
            rc = fn(ctx, &a); /* the text is indexed when it returns */
        }
        free(r);
        if (rc != 0) return rc;
    }
}

/* The build, on its thread; running out of memory fails it like an error. */
static int build(srch_builder *b)
{
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) return -1;
    int rc = indexer_build_from(pull, b, b->dir, &b->io, &b->rep);
    oom_leave(&g);
    return rc;
}

static void *build_main(void *arg)
{
    srch_builder *b = arg;
    int rc = build(b);
    lock(b);
    b->rc = rc;
    if (rc != 0) snprintf(b->error, sizeof b->error, "%s", err_msg());
    b->finished = 1;
    pthread_cond_broadcast(&b->cv);
    unlock(b);
    return NULL;
}

static void free_builder(srch_builder *b)
{
    while (b->head) {
        Row *r = b->head;
        b->head = r->next;
        free(r);
    }
    strmap_free(&b->ids);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b->dir);
    free(b->name);
    free(b);
}

/* The build's own failure as the caller's error. */
static srch_code build_failed(const srch_builder *b, srch_error *err)
{
    err_set("%s", b->error);
    return api_fail(err, SRCH_ERROR);
}

static srch_code new_unguarded(const char *dir, const char *name, const srch_build_options *opts, srch_builder **out,
                               srch_error *err)
{
    *out = NULL;
    if (!dir) return api_fail_msg(err, SRCH_BAD_ARG, "no index directory given");
    ShardSpec whole = {0, 0}; /* a shard's directory is refused: its articles are picked by id */
    if (shard_claim(dir, &whole) != 0) return api_fail(err, SRCH_BAD_ARG);
    srch_builder *b = xcalloc(1, sizeof *b);
    if (opts) b->opts = *opts;
    else srch_build_options_init(&b->opts);
    srch_code rc = api_indexer_options(&b->opts, &b->io, err);
    if (rc != SRCH_OK) {
        free(b);
        return rc;
    }
    b->dir = xstrdup(dir);
    b->name = xstrdup(name ? name : "api");
    strmap_init(&b->ids);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    if (pthread_create(&b->thread, NULL, build_main, b) != 0) {
        free_builder(b);
        return api_fail_msg(err, SRCH_ERROR, "cannot start the build's thread");
    }
    /* the build has the lock and the live index once it reads the queue */
    lock(b);
    while (!b->started && !b->finished) pthread_cond_wait(&b->cv, &b->mu);
    unlock(b);
    if (!b->started) {
        pthread_join(b->thread, NULL);
        rc = build_failed(b, err);
        free_builder(b);
        return rc;
    }
    *out = b;
    return api_ok(err);
}

/* Why an id or title cannot be taken, or NULL. */
static const char *bad_name(const char *s, int empty_ok)
{
    if (!s || !*s) return empty_ok ? NULL : "empty";
    return strpbrk(s, "\t\n\r") ? "with a tab or line break" : NULL;
}

static srch_code add_unguarded(srch_builder *b, const char *id, const char *title, const char *text, size_t len,
                               srch_error *err)
{
    const char *why = bad_name(id, 0);
    if (why) return api_fail_msg(err, SRCH_BAD_ARG, "article id %s", why);
    if ((why = bad_name(title, 1))) return api_fail_msg(err, SRCH_BAD_ARG, "title of %s %s", id, why);
    if (!text && len) return api_fail_msg(err, SRCH_BAD_ARG, "no text given for %s", id);
    if (len && memchr(text, 0, len))
        return api_fail_msg(err, SRCH_BAD_ARG, "text of %s: binary data (a NUL byte)", id);
    if (!title) title = "";
    size_t idn = strlen(id), tn = strlen(title);
    Row *r = xmalloc(sizeof *r + idn + tn + len + 2); /* first: running out of memory leaves ids as it was */
    int added;
    strmap_upsert(&b->ids, id, idn, &added);
    if (!added) {
        free(r);
        return api_fail_msg(err, SRCH_BAD_ARG, "article id %s added twice", id);
    }
    char *p = (char *)(r + 1);
    r->next = NULL;
    r->id = memcpy(p, id, idn + 1);
    r->title = memcpy(p + idn + 1, title, tn + 1);
    r->text = len ? memcpy(p + idn + tn + 2, text, len) : p + idn + tn + 2;
    r->len = len;
    lock(b);
    while (b->queued && b->queued + len > QUEUE_BYTES && !b->finished) pthread_cond_wait(&b->cv, &b->mu);
    int finished = b->finished;
    if (!finished) {
        if (b->tail) b->tail->next = r;
        else b->head = r;
        b->tail = r;
        b->queued += len;
        pthread_cond_broadcast(&b->cv);
    }
    unlock(b);
    if (!finished) return api_ok(err);
    free(r);
    return build_failed(b, err);
}

/* Tells the build thread to end (abandon: to fail) and joins it. */
static void end_build(srch_builder *b, int abandon)
{
    lock(b);
    b->ended = 1;
    b->abandoned = abandon;
    pthread_cond_broadcast(&b->cv);
    unlock(b);
    pthread_join(b->thread, NULL);
}

srch_code srch_builder_new(const char *dir, const char *name, const srch_build_options *opts, srch_builder **out,
                           srch_error *err)
{
    API_GUARD(err);
    srch_code rc = new_unguarded(dir, name, opts, out, err);
    API_LEAVE();
    return rc;
}

srch_code srch_builder_add(srch_builder *b, const char *id, const char *title, const char *text, size_t len,
                           srch_error *err)
{
    API_GUARD(err);
    srch_code rc = add_unguarded(b, id, title, text, len, err);
    API_LEAVE();
    return rc;
}

srch_code srch_builder_commit(srch_builder *b, srch_build_report *rep, srch_error *err)
{
    end_build(b, 0);
    if (rep) api_build_report(&b->rep, rep);
    srch_code rc = b->rc == 0 ? api_ok(err) : build_failed(b, err);
    free_builder(b);
    return rc;
}

void srch_builder_abort(srch_builder *b)
{
    if (!b) return;
    end_build(b, 1);
    free_builder(b);
}
