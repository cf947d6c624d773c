/*
 * live.c: the generation a server answers from. A watcher thread asks
 * srch_reopen every refresh_ms whether a build has published a new
 * commit; if so, new queries get the new generation while those under way
 * finish on theirs. A generation is reference-counted: the live one holds
 * a reference, each query one more; the last release closes it (its files,
 * mapped, stay readable until then though the build removes them).
 */
#include "serve/serve.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct Generation {
    srch_index *ix;
    atomic_uint refs;
    char name[64];
    pthread_mutex_t mu;   /* guards idle */
    srch_searcher **idle; /* searchers not in use, made for this generation */
    size_t nidle, cap;
};

struct Live {
    pthread_mutex_t mu; /* guards current */
    pthread_cond_t cv;  /* wakes the watcher to stop */
    Generation *current;
    unsigned refresh_ms;
    int stop;
    pthread_t watcher;
};

static Generation *generation_new(srch_index *ix)
{
    Generation *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->ix = ix;
    atomic_init(&g->refs, 1); /* the live reference */
    srch_index_info info;
    srch_index_stats(ix, &info);
    snprintf(g->name, sizeof g->name, "%s", info.commit);
    pthread_mutex_init(&g->mu, NULL);
    return g;
}

static void generation_free(Generation *g)
{
    for (size_t i = 0; i < g->nidle; i++) srch_searcher_free(g->idle[i]);
    free(g->idle);
    pthread_mutex_destroy(&g->mu);
    srch_close(g->ix);
    free(g);
}

static void unref(Generation *g)
{
    if (atomic_fetch_sub(&g->refs, 1) == 1) generation_free(g);
}

srch_index *generation_index(const Generation *g) { return g->ix; }
const char *generation_name(const Generation *g) { return g->name; }

int live_refresh(Live *l)
{
    pthread_mutex_lock(&l->mu);
    Generation *cur = l->current;
    atomic_fetch_add(&cur->refs, 1);
    pthread_mutex_unlock(&l->mu);
    srch_index *next = NULL;
    srch_code rc = srch_reopen(cur->ix, &next, NULL);
    Generation *g = rc == SRCH_OK && next ? generation_new(next) : NULL;
    if (!g && next) srch_close(next);
    if (g) {
        pthread_mutex_lock(&l->mu);
        int still = l->current == cur; /* not replaced by another refresh meanwhile */
        if (still) l->current = g;
        pthread_mutex_unlock(&l->mu);
        if (still) {
            unref(cur); /* its live reference */
        } else {
            unref(g);
            g = NULL;
        }
    }
    unref(cur);
    return g != NULL; /* a damaged or half-written CURRENT: keep serving the last good one */
}

static void *watch(void *arg)
{
    Live *l = arg;
    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += (long)(l->refresh_ms % 1000) * 1000000L;
        t.tv_sec += l->refresh_ms / 1000 + t.tv_nsec / 1000000000L;
        t.tv_nsec %= 1000000000L;
        int rc = 0;
        while (!l->stop && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&l->cv, &l->mu, &t);
        if (l->stop) break;
        pthread_mutex_unlock(&l->mu);
        live_refresh(l);
        pthread_mutex_lock(&l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

Live *live_open(const char *dir, unsigned refresh_ms, srch_error *err)
{
    srch_index *ix;
    if (srch_open(dir, &ix, err) != SRCH_OK) return NULL;
    Live *l = calloc(1, sizeof *l);
    Generation *g = generation_new(ix);
    if (!l || !g) {
        free(l);
        if (g) generation_free(g);
        else srch_close(ix);
        snprintf(err->message, sizeof err->message, "out of memory");
        err->code = SRCH_NOMEM;
        return NULL;
    }
    l->current = g;
    l->refresh_ms = refresh_ms ? refresh_ms : 250;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    if (pthread_create(&l->watcher, NULL, watch, l) != 0) {
        live_close(l);
        snprintf(err->message, sizeof err->message, "cannot start the index watcher");
        err->code = SRCH_ERROR;
        return NULL;
    }
    return l;
}

void live_close(Live *l)
{
    pthread_mutex_lock(&l->mu);
    int started = !l->stop;
    l->stop = 1;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    if (started && l->watcher) pthread_join(l->watcher, NULL);
    unref(l->current);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    free(l);
}

Generation *live_acquire(Live *l, srch_searcher **s, srch_error *err)
{
    pthread_mutex_lock(&l->mu);
    Generation *g = l->current;
    atomic_fetch_add(&g->refs, 1);
    pthread_mutex_unlock(&l->mu);
    if (!s) return g;
    pthread_mutex_lock(&g->mu);
    *s = g->nidle ? g->idle[--g->nidle] : NULL;
    pthread_mutex_unlock(&g->mu);
    if (!*s && srch_searcher_new(g->ix, s, err) != SRCH_OK) {
        unref(g);
        return NULL;
    }
    return g;
}

void live_release(Live *l, Generation *g, srch_searcher *s)
{
    (void)l;
    if (s) {
        pthread_mutex_lock(&g->mu);
        if (g->nidle == g->cap) {
            size_t cap = g->cap ? 2 * g->cap : 8;
            srch_searcher **v = realloc(g->idle, cap * sizeof *v);
            if (v) {
                g->idle = v;
                g->cap = cap;
            }
        }
        if (g->nidle < g->cap) {
            g->idle[g->nidle++] = s;
            s = NULL;
        }
        pthread_mutex_unlock(&g->mu);
        if (s) srch_searcher_free(s); /* no room to keep it */
    }
    unref(g);
}
