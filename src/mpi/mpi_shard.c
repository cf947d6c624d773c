/* mpi_shard.c: ranks 1..N of `search serve --mpi`, each answering from one
 * shard. Per batch of queries the shards make at most four collective
 * calls among themselves, whatever the batch's size: the epoch check (one
 * Allreduce, and one more when a switch is due), the prefix keys
 * (Allgather of sizes, Allgatherv; only when a query has a '*'), the
 * statistics (an Allreduce of each query's shape, then one of the sums),
 * and one Gatherv of the answers to the front end. */
#include "mpi/mpi.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *dir;
    srch_index *ix;
    srch_searcher *s;
    uint64_t epoch;   /* served: every shard serves the same */
    MPI_Comm comm;
} Shard;

/* The next epoch, once every shard has it recorded and has opened its
 * commit: MPI_Allreduce(MIN, ready), so the switch is made on all shards
 * or none. Between batches only: a batch is answered by one epoch. */
static void follow_epoch(Shard *sh)
{
    uint64_t e = epoch_read(sh->dir), v[2] = {e, UINT64_MAX - e}, r[2];
    MPI_Allreduce(v, r, 2, MPI_UINT64_T, MPI_MAX, sh->comm);
    uint64_t top = r[0], low = UINT64_MAX - r[1];
    if (top != low || top <= sh->epoch) return; /* not on every shard yet */
    srch_index *next = NULL;
    srch_error err;
    int ready = srch_reopen(sh->ix, &next, &err) == SRCH_OK, all;
    srch_searcher *s = NULL;
    if (ready && next && srch_searcher_new(next, &s, &err) != SRCH_OK) ready = 0;
    MPI_Allreduce(&ready, &all, 1, MPI_INT, MPI_MIN, sh->comm);
    if (!all) { /* tried again next batch */
        srch_searcher_free(s);
        srch_close(next);
        return;
    }
    if (next) {
        srch_searcher_free(sh->s);
        srch_close(sh->ix);
        sh->ix = next;
        sh->s = s;
    }
    sh->epoch = top;
}

/* Every shard's bytes, concatenated in rank order into all; at[i] where
 * shard i's begin (at[n] the end). */
static void all_gather(MPI_Comm comm, const Buf *mine, Buf *all, int *at)
{
    int n, size = (int)mine->len;
    MPI_Comm_size(comm, &n);
    int *sizes = xmalloc(n * sizeof *sizes);
    MPI_Allgather(&size, 1, MPI_INT, sizes, 1, MPI_INT, comm);
    at[0] = 0;
    for (int i = 0; i < n; i++) at[i + 1] = at[i] + sizes[i];
    all->len = 0;
    buf_reserve(all, (size_t)at[n] + 1);
    MPI_Allgatherv(mine->data, size, MPI_BYTE, all->data, sizes, at, MPI_BYTE, comm);
    all->len = (size_t)at[n];
    free(sizes);
}

typedef struct {
    WireQuery q[MPI_BATCH_MAX];
    size_t n;
    Buf keys[MPI_BATCH_MAX];      /* each query's pooled prefix keys */
    uint64_t *stats[MPI_BATCH_MAX];
    size_t nstats[MPI_BATCH_MAX];
    int failed[MPI_BATCH_MAX];    /* here, or on any shard */
    srch_error err[MPI_BATCH_MAX];
} Round;

static void query_options(const WireQuery *q, srch_search_options *o)
{
    srch_search_options_init(o);
    o->k = q->k;
    if (*q->algorithm) o->algorithm = q->algorithm; /* each gives the same hits: the caller's choice of speed */
}

static int is_search(const Round *r, size_t i) { return r->q[i].kind == WIRE_SEARCH; }

/* Phase 1: the keys the batch's prefixes match, pooled over the shards. */
static void pool_prefixes(Shard *sh, Round *r)
{
    int star = 0;
    for (size_t i = 0; i < r->n; i++) star |= is_search(r, i) && strchr(r->q[i].text, '*') != NULL;
    if (!star) return; /* the same test on every shard: all skip the exchange */
    Buf mine = {0}, all = {0};
    for (size_t i = 0; i < r->n; i++) {
        srch_search_options o;
        query_options(&r->q[i], &o);
        void *b = NULL;
        size_t len = 0;
        if (is_search(r, i) && srch_shard_prefixes(sh->s, r->q[i].text, &o, &b, &len, &r->err[i]) != SRCH_OK) r->failed[i] = 1;
        buf_put_u32(&mine, (uint32_t)len);
        if (len) buf_append(&mine, b, len);
        srch_free(b);
    }
    int n;
    MPI_Comm_size(sh->comm, &n);
    int *at = xmalloc((n + 1) * sizeof *at);
    all_gather(sh->comm, &mine, &all, at);
    for (int s = 0; s < n; s++) {
        Reader rd = {all.data + at[s], all.data + at[s + 1], 0};
        for (size_t i = 0; i < r->n; i++) {
            uint32_t len = rd32(&rd);
            const uint8_t *p = rdn(&rd, len);
            if (p) buf_append(&r->keys[i], p, len);
        }
        if (rd.bad) for (size_t i = 0; i < r->n; i++) r->failed[i] = 1;
    }
    free(at);
    buf_free(&mine);
    buf_free(&all);
}

/* Phase 2: each query's statistics summed over the shards, exactly. */
static void sum_stats(Shard *sh, Round *r)
{
    uint64_t shape[MPI_BATCH_MAX][3], agreed[MPI_BATCH_MAX][3];
    for (size_t i = 0; i < r->n; i++) {
        srch_search_options o;
        query_options(&r->q[i], &o);
        r->stats[i] = NULL;
        r->nstats[i] = 0;
        if (is_search(r, i) && !r->failed[i] && srch_shard_stats(sh->s, r->q[i].text, &o, r->keys[i].data, r->keys[i].len, &r->stats[i],
                                              &r->nstats[i], &r->err[i]) != SRCH_OK)
            r->failed[i] = 1;
        shape[i][0] = (uint64_t)r->failed[i];
        shape[i][1] = r->nstats[i];
        shape[i][2] = UINT64_MAX - r->nstats[i];
    }
    MPI_Allreduce(shape, agreed, (int)(3 * r->n), MPI_UINT64_T, MPI_MAX, sh->comm);
    size_t total = 0;
    for (size_t i = 0; i < r->n; i++) {
        r->failed[i] = agreed[i][0] || agreed[i][1] != UINT64_MAX - agreed[i][2];
        if (!r->failed[i]) total += r->nstats[i];
    }
    uint64_t *v = xcalloc(total + 1, sizeof *v), *sum = xcalloc(total + 1, sizeof *sum);
    size_t at = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!r->failed[i] && r->nstats[i]) memcpy(v + at, r->stats[i], r->nstats[i] * sizeof *v), at += r->nstats[i];
    MPI_Allreduce(v, sum, (int)total, MPI_UINT64_T, MPI_SUM, sh->comm);
    at = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!r->failed[i] && r->nstats[i]) memcpy(r->stats[i], sum + at, r->nstats[i] * sizeof *v), at += r->nstats[i]; /* none: not a search */
    free(v);
    free(sum);
}

/* An article's passages, from the shard holding it; an empty body from
 * the others. */
static void answer_article(Shard *sh, const WireQuery *q, Buf *out)
{
    int me, n;
    MPI_Comm_rank(sh->comm, &me);
    MPI_Comm_size(sh->comm, &n);
    if (srch_shard_of(q->text, strlen(q->text), (uint32_t)n) != (uint32_t)me) {
        buf_put_u32(out, SRCH_OK);
        buf_put_u32(out, 0);
        return;
    }
    srch_hits *h;
    srch_error err;
    if (srch_article(sh->ix, q->text, &h, &err) != SRCH_OK) return wire_put_error(out, &err);
    char gen[64];
    snprintf(gen, sizeof gen, "epoch-%llu", (unsigned long long)sh->epoch);
    Buf body = {0};
    serve_article_body(&body, q->text, gen, h);
    srch_hits_free(h);
    buf_put_u32(out, SRCH_OK);
    buf_put_u32(out, (uint32_t)body.len);
    buf_append(out, body.data, body.len);
    buf_free(&body);
}

/* This shard's counts, which the front end sums. */
static void answer_info(Shard *sh, Buf *out)
{
    srch_index_info info;
    srch_index_stats(sh->ix, &info);
    buf_put_u32(out, SRCH_OK);
    buf_put_u64(out, info.passages);
    buf_put_u64(out, info.articles);
    buf_put_u64(out, info.segments);
}

static void answer_search(Shard *sh, Round *r, size_t i, srch_hits **h, Buf *out)
{
    srch_search_options o;
    query_options(&r->q[i], &o);
    if (!r->failed[i] && srch_shard_search(sh->s, r->q[i].text, &o, r->keys[i].data, r->keys[i].len, r->stats[i],
                                           r->nstats[i], h, &r->err[i]) != SRCH_OK)
        r->failed[i] = 2;
    if (r->failed[i]) {
        if (r->err[i].code == SRCH_OK) r->err[i].message[0] = 0; /* failed elsewhere: that shard says why */
        wire_put_error(out, &r->err[i]);
    } else {
        wire_put_hits(out, *h);
    }
}

/* An answer too large for one Gatherv (its counts are ints, summed over
 * the shards) is replaced by an error for each item. */
static void cap_answer(Shard *sh, const Round *r, Buf *out)
{
    int n;
    MPI_Comm_size(sh->comm, &n);
    if (out->len <= (size_t)(INT_MAX - 64) / (size_t)(n + 1)) return;
    out->len = 0;
    buf_put_u64(out, sh->epoch);
    srch_error e = {SRCH_BAD_ARG, "the answers of one batch are too large to gather; ask for fewer hits"};
    for (size_t i = 0; i < r->n; i++) wire_put_error(out, &e);
}

/* Phase 3: the searches (and look-ups), into this shard's answer for the
 * front end. */
static void answer(Shard *sh, Round *r, Buf *out)
{
    buf_put_u64(out, sh->epoch);
    srch_hits *h = NULL;
    for (size_t i = 0; i < r->n; i++) {
        if (r->q[i].kind == WIRE_ARTICLE) answer_article(sh, &r->q[i], out);
        else if (r->q[i].kind == WIRE_INFO) answer_info(sh, out);
        else answer_search(sh, r, i, &h, out);
        srch_free(r->stats[i]);
        r->keys[i].len = 0;
    }
    srch_hits_free(h);
    cap_answer(sh, r, out);
}

int shard_run(MPI_Comm comm, const char *dir)
{
    Shard sh = {dir, NULL, NULL, 0, comm};
    srch_error err;
    int ok = srch_open(dir, &sh.ix, &err) == SRCH_OK && srch_searcher_new(sh.ix, &sh.s, &err) == SRCH_OK, all;
    if (!ok) fprintf(stderr, "search: %s\n", err.message);
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD); /* the front end joins: it stops too */
    if (!all) return 2;
    sh.epoch = epoch_read(dir);
    Round *r = xcalloc(1, sizeof *r);
    Buf in = {0}, pool = {0}, out = {0};
    for (;;) {
        int len;
        MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
        buf_reserve(&in, (size_t)len + 1);
        MPI_Bcast(in.data, len, MPI_BYTE, 0, MPI_COMM_WORLD);
        if (wire_get_batch(in.data, (size_t)len, r->q, &r->n, &pool) != 0 || r->n == 0) break;
        memset(r->failed, 0, sizeof r->failed);
        for (size_t i = 0; i < r->n; i++) r->err[i] = (srch_error){SRCH_OK, ""};
        follow_epoch(&sh);
        pool_prefixes(&sh, r);
        sum_stats(&sh, r);
        out.len = 0;
        answer(&sh, r, &out);
        int size = (int)out.len;
        MPI_Gather(&size, 1, MPI_INT, NULL, 0, MPI_INT, 0, MPI_COMM_WORLD);
        MPI_Gatherv(out.data, size, MPI_BYTE, NULL, NULL, NULL, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
    for (size_t i = 0; i < MPI_BATCH_MAX; i++) buf_free(&r->keys[i]);
    free(r);
    buf_free(&in);
    buf_free(&pool);
    buf_free(&out);
    srch_searcher_free(sh.s);
    srch_close(sh.ix);
    return 0;
}
