/* mpi_http.c: rank 0 of `search serve --mpi --listen ADDR:PORT`: search
 * serve's HTTP server (src/serve/server.c: the same routes, limits, JSON
 * and page) with a backend whose answers come from the shards. Request
 * threads queue jobs and wait; the main thread, the only one that calls
 * MPI (MPI_THREAD_FUNNELED is all it needs), takes every job waiting, up
 * to --batch, sends them as one batch, merges the answers and wakes the
 * jobs' threads: one collective round for all the requests waiting. */
#include "mpi/mpi.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Job {
    struct Job *next;
    WireQuery q;        /* what the shards are asked: k + offset hits for a search */
    size_t k, offset;   /* a search's page */
    Buf *body;          /* a search's or an article's answer */
    ServeInfo *info;
    srch_error *err;
    srch_code code;
    int done;
} Job;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* a job queued, or the server has stopped */
    pthread_cond_t done; /* a batch is answered */
    Job *head, *tail;
    int closing;
    int nshards, batch;
    const ServeOptions *o;
    int rc;              /* serve_run's */
} Front;

/* ---- the request threads' side: the backend ---- */

/* Queues j and waits until the MPI thread has answered it. */
static srch_code run_job(Front *f, Job *j)
{
    pthread_mutex_lock(&f->mu);
    if (f->tail) f->tail->next = j;
    else f->head = j;
    f->tail = j;
    pthread_cond_signal(&f->wake);
    while (!j->done) pthread_cond_wait(&f->done, &f->mu);
    pthread_mutex_unlock(&f->mu);
    return j->code;
}

static srch_code refuse(srch_error *err, const char *what)
{
    err->code = SRCH_BAD_ARG;
    snprintf(err->message, sizeof err->message,
             "%s is not available on a sharded index: its answer would differ from one index's", what);
    return SRCH_BAD_ARG;
}

static srch_code be_search(void *ctx, const char *q, const srch_search_options *so, Buf *body, srch_error *err)
{
    /* per_article ranks articles, and explain shows statistics, which the
     * merge of passage hits does not make as one index would: refused
     * rather than answered differently */
    if (so->per_article) return refuse(err, "per_article");
    if (so->explain) return refuse(err, "explain");
    Job j = {.q = {WIRE_SEARCH, (uint32_t)(so->k + so->offset), "-", (char *)q, (char *)(so->algorithm ? so->algorithm : "")},
             .k = so->k, .offset = so->offset, .body = body, .err = err};
    return run_job(ctx, &j);
}

static srch_code be_article(void *ctx, const char *id, Buf *body, srch_error *err)
{
    Job j = {.q = {WIRE_ARTICLE, 0, "-", (char *)id, ""}, .body = body, .err = err};
    return run_job(ctx, &j);
}

static srch_code be_info(void *ctx, ServeInfo *info, srch_error *err)
{
    Job j = {.q = {WIRE_INFO, 0, "-", "", ""}, .info = info, .err = err};
    return run_job(ctx, &j);
}

/* ---- the MPI thread's side ---- */

static void fail(Job *j, srch_code code, const char *why, size_t len)
{
    j->code = code == SRCH_OK ? SRCH_ERROR : code;
    j->err->code = j->code;
    snprintf(j->err->message, sizeof j->err->message, "%.*s", (int)(len < 500 ? len : 500), why);
}

/* A search's hits merged from every shard, paged: the body search serve
 * writes (serve_search_body) for the same hits, its framing from reply.c. */
static void complete_search(Job *j, Reader *rd, int nshards, uint64_t epoch)
{
    Merged m;
    front_merge(rd, nshards, &m);
    if (m.code != SRCH_OK) {
        fail(j, m.code, m.why, m.why_len);
        free(m.hits);
        return;
    }
    Buf *b = j->body;
    char gen[32];
    snprintf(gen, sizeof gen, "epoch-%llu", (unsigned long long)epoch);
    serve_search_open(b, j->q.text, gen, j->k, j->offset);
    size_t end = m.n < j->offset + j->k ? m.n : j->offset + j->k;
    for (size_t i = j->offset; i < end; i++) {
        buf_printf(b, "%s{\"rank\":%zu,", i > j->offset ? "," : "", i + 1);
        buf_append(b, m.hits[i].json, m.hits[i].json_len);
    }
    serve_search_notes(b, m.notes ? m.notes : "", m.notes_len);
    free(m.hits);
    j->code = SRCH_OK;
}

/* An article's body from the shard holding it (the others send none). */
static void complete_article(Job *j, Reader *rd, int nshards)
{
    int owner = (int)srch_shard_of(j->q.text, strlen(j->q.text), (uint32_t)nshards);
    const char *why = FRONT_UNREAD;
    size_t why_len = sizeof FRONT_UNREAD - 1;
    srch_code code = SRCH_ERROR;
    for (int s = 0; s < nshards; s++) {
        uint32_t status = rd32(&rd[s]), len = rd32(&rd[s]);
        const char *p = (const char *)rdn(&rd[s], len);
        if (s != owner || !p) continue;
        code = (srch_code)status;
        if (status != SRCH_OK) why = p, why_len = len;
        else buf_append(j->body, p, len);
    }
    if (rd_any_bad(rd, nshards) || code != SRCH_OK) fail(j, code, why, why_len);
    else j->code = SRCH_OK;
}

/* The shards' counts, summed; the epoch they serve. */
static void complete_info(Job *j, Reader *rd, int nshards, uint64_t epoch)
{
    ServeInfo *in = j->info;
    memset(in, 0, sizeof *in);
    snprintf(in->generation, sizeof in->generation, "epoch-%llu", (unsigned long long)epoch);
    for (int s = 0; s < nshards; s++) {
        if (rd32(&rd[s]) != SRCH_OK) rd[s].bad = 1; /* never: counts cannot fail */
        in->passages += rd64(&rd[s]);
        in->articles += rd64(&rd[s]);
        in->segments += rd64(&rd[s]);
    }
    if (rd_any_bad(rd, nshards)) fail(j, SRCH_ERROR, FRONT_UNREAD, sizeof FRONT_UNREAD - 1);
    else j->code = SRCH_OK;
}

/* Every job waiting, up to the batch size; 0 once the server has stopped
 * and nothing waits. */
static size_t take(Front *f, Job **jobs)
{
    size_t n = 0;
    pthread_mutex_lock(&f->mu);
    while (!f->head && !f->closing) pthread_cond_wait(&f->wake, &f->mu);
    while (f->head && n < (size_t)f->batch) {
        jobs[n++] = f->head;
        f->head = f->head->next;
    }
    if (!f->head) f->tail = NULL;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* One collective round: the jobs as one batch, their answers merged. */
static void round_trip(Front *f, Job **jobs, size_t n, Buf *wire)
{
    WireQuery q[MPI_BATCH_MAX];
    for (size_t i = 0; i < n; i++) q[i] = jobs[i]->q;
    wire->len = 0;
    wire_put_batch(wire, q, n);
    front_broadcast(wire);
    Reader *rd = xcalloc(f->nshards, sizeof *rd);
    uint8_t *buf;
    uint64_t epoch = front_gather(f->nshards, &buf, rd);
    for (size_t i = 0; i < n; i++) {
        Job *j = jobs[i];
        if (j->q.kind == WIRE_SEARCH) complete_search(j, rd, f->nshards, epoch);
        else if (j->q.kind == WIRE_ARTICLE) complete_article(j, rd, f->nshards);
        else complete_info(j, rd, f->nshards, epoch);
    }
    free(rd);
    free(buf);
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < n; i++) jobs[i]->done = 1;
    pthread_cond_broadcast(&f->done);
    pthread_mutex_unlock(&f->mu);
}

static void *serve_thread(void *arg)
{
    Front *f = arg;
    f->rc = serve_run(f->o);
    pthread_mutex_lock(&f->mu);
    f->closing = 1; /* its request threads have all been answered and joined */
    pthread_cond_signal(&f->wake);
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

int front_http(int nshards, int batch, const ServeOptions *o)
{
    /* every MPI call is this thread's; the server's threads never make one */
    int ok = mpi_thread_provided >= MPI_THREAD_FUNNELED, all;
    if (!ok) fprintf(stderr, "search: this MPI cannot be used with threads (MPI_THREAD_FUNNELED not provided)\n");
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD); /* and every shard opened */
    if (!all) return 2;
    Front f = {.nshards = nshards, .batch = batch, .rc = 2};
    pthread_mutex_init(&f.mu, NULL);
    pthread_cond_init(&f.wake, NULL);
    pthread_cond_init(&f.done, NULL);
    ServeBackend be = {&f, be_search, be_article, be_info};
    ServeOptions so = *o;
    so.backend = &be;
    f.o = &so;
    pthread_t t;
    int started = pthread_create(&t, NULL, serve_thread, &f) == 0;
    if (!started) {
        fprintf(stderr, "search: cannot start the server's thread\n");
        f.closing = 1;
    }
    Job *jobs[MPI_BATCH_MAX];
    Buf wire = {0};
    size_t n;
    while ((n = take(&f, jobs)) > 0) round_trip(&f, jobs, n, &wire);
    if (started) pthread_join(t, NULL);
    wire.len = 0;
    wire_put_batch(&wire, NULL, 0); /* the end: the shards stop */
    front_broadcast(&wire);
    buf_free(&wire);
    pthread_cond_destroy(&f.done);
    pthread_cond_destroy(&f.wake);
    pthread_mutex_destroy(&f.mu);
    return f.rc;
}
