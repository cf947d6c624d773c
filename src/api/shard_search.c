/*
 * shard_search.c: a search over one shard of a corpus that scores as an
 * index of the whole corpus would: srch_shard_prefixes, srch_shard_stats,
 * srch_shard_search, and srch_hit_order, the order to merge their hits in.
 *
 * BM25 reads three corpus-wide figures: N, the mean passage length and
 * each term's df. Each is a sum over the shards, so the shards' own
 * figures, added up in any order (an MPI_Allreduce of integers), are the
 * whole corpus's, exactly. A prefix* is the one part of a query whose keys
 * depend on the index: it expands to the most frequent keys that start
 * with it, by df, so the shards first pool the keys they hold (with their
 * df) and every shard expands from the pooled list, in lexicon order, as
 * one index would from its own lexicon.
 *
 * The pooled keys travel as bytes: records of u8 length, the key, u64 df
 * (little-endian), in any order, repeated keys summed. They come from
 * other machines, so every length is checked.
 */
#include "api/api.h"

#include <stdlib.h>

#define SHARD_PREFIX_KEYS_MAX (1u << 20) /* keys a query's prefixes may match on one shard */

/* ---- the keys a query's prefixes match in this shard ---- */

typedef struct {
    Buf out;           /* records */
    size_t n;
    PrefixKeyFn fn;    /* the parser's */
    void *ctx;
} Recorder;

static void record_key(void *ctx, const char *key, size_t len, uint64_t df)
{
    Recorder *r = ctx;
    if (r->n++ < SHARD_PREFIX_KEYS_MAX) {
        buf_put_u8(&r->out, (uint8_t)len);
        buf_append(&r->out, key, len);
        buf_put_u64(&r->out, df);
    }
    r->fn(r->ctx, key, len, df);
}

static int record_each(void *src, const Index *ix, const char *prefix, size_t len, PrefixKeyFn fn, void *ctx)
{
    Recorder *r = src;
    r->fn = fn;
    r->ctx = ctx;
    return index_prefix_each(ix, prefix, len, record_key, r);
}

/* ---- pooled keys ---- */

typedef struct {
    const char *key;
    uint8_t len;
    uint64_t df;
} PoolKey;

typedef struct {
    PoolKey *k;
    size_t n;
} Pool;

static int by_key(const void *a, const void *b)
{
    const PoolKey *x = a, *y = b;
    return key_cmp(x->key, x->len, y->key, y->len);
}

/* Reads records into p, sorted, each key once with its df summed; -1
 * (err_msg) when the bytes are not records. The keys point into b. */
static int pool_read(const void *b, size_t len, Pool *p)
{
    const uint8_t *s = b, *end = s + len;
    size_t n = 0;
    for (const uint8_t *q = s; q < end; n++) {
        if (q[0] == 0 || q[0] > FIELD_KEY_MAX || (size_t)(end - q) < 1u + q[0] + 8u) {
            err_set("the prefix keys given are damaged at byte %zu of %zu", (size_t)(q - s), len);
            return -1;
        }
        q += 1u + q[0] + 8u;
    }
    p->k = n ? xmalloc(n * sizeof *p->k) : NULL;
    p->n = 0;
    for (const uint8_t *q = s; q < end; q += 1u + q[0] + 8u)
        p->k[p->n++] = (PoolKey){(const char *)q + 1, q[0], rd_u64(q + 1 + q[0])};
    if (p->n) qsort(p->k, p->n, sizeof *p->k, by_key); /* qsort of NULL is undefined, even of nothing */
    size_t w = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (w && by_key(&p->k[w - 1], &p->k[i]) == 0) {
            uint64_t sum = p->k[w - 1].df + p->k[i].df;
            if (sum < p->k[i].df) {
                err_set("the prefix keys given are damaged: a df overflows");
                return -1;
            }
            p->k[w - 1].df = sum;
        } else {
            p->k[w++] = p->k[i];
        }
    }
    p->n = w;
    return 0;
}

/* The pooled keys that start with prefix, in lexicon order: the parser's
 * expansion source in place of the index's lexicon. */
static int pool_each(void *src, const Index *ix, const char *prefix, size_t len, PrefixKeyFn fn, void *ctx)
{
    (void)ix;
    const Pool *p = src;
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(p->k[mid].key, p->k[mid].len, prefix, len) < 0) lo = mid + 1;
        else hi = mid;
    }
    for (size_t i = lo; i < p->n && p->k[i].len >= len && memcmp(p->k[i].key, prefix, len) == 0; i++)
        if (p->k[i].df) fn(ctx, p->k[i].key, p->k[i].len, p->k[i].df);
    return 0;
}

/* ---- the public functions ---- */

static srch_code prefixes_unguarded(srch_searcher *s, const char *query, const srch_search_options *opts, void **out,
                                    size_t *len, srch_error *err)
{
    Recorder r = {{0}, 0, NULL, NULL};
    SearchView v = {record_each, &r, NULL, 0};
    Buf scratch = {0};
    srch_code rc = api_query_local(s, query, opts, &v, &scratch, err);
    buf_free(&scratch);
    if (rc == SRCH_OK && r.n > SHARD_PREFIX_KEYS_MAX)
        rc = api_fail_msg(err, SRCH_BAD_QUERY, "the query's prefixes match %zu terms in this shard; at most %u can be "
                          "pooled across shards: make them longer", r.n, SHARD_PREFIX_KEYS_MAX);
    Pool p = {NULL, 0};
    if (rc == SRCH_OK && pool_read(r.out.data, r.out.len, &p) != 0) rc = api_fail(err, SRCH_ERROR);
    Buf b = {0}; /* each key once: the same prefix twice must not count its keys twice */
    for (size_t i = 0; rc == SRCH_OK && i < p.n; i++) {
        buf_put_u8(&b, p.k[i].len);
        buf_append(&b, p.k[i].key, p.k[i].len);
        buf_put_u64(&b, p.k[i].df);
    }
    free(p.k);
    buf_free(&r.out);
    *out = rc == SRCH_OK ? b.data : NULL;
    *len = rc == SRCH_OK ? b.len : 0;
    if (rc != SRCH_OK) buf_free(&b);
    else if (!b.data) *out = xcalloc(1, 1);
    return rc;
}

srch_code srch_shard_prefixes(srch_searcher *s, const char *query, const srch_search_options *opts, void **keys,
                              size_t *len, srch_error *err)
{
    API_GUARD(err);
    srch_code rc = prefixes_unguarded(s, query, opts, keys, len, err);
    API_LEAVE();
    return rc;
}

static srch_code stats_unguarded(srch_searcher *s, const char *query, const srch_search_options *opts,
                                 const void *keys, size_t keys_len, uint64_t **stats, size_t *n, srch_error *err)
{
    Pool p = {NULL, 0};
    if (pool_read(keys, keys_len, &p) != 0) return api_fail(err, SRCH_BAD_ARG);
    SearchView v = {pool_each, &p, NULL, 0};
    Buf b = {0};
    srch_code rc = api_query_local(s, query, opts, &v, &b, err);
    free(p.k);
    *n = rc == SRCH_OK ? b.len / 8 : 0;
    *stats = rc == SRCH_OK ? xmalloc(b.len) : NULL;
    for (size_t i = 0; i < *n; i++) (*stats)[i] = rd_u64(b.data + 8 * i);
    buf_free(&b);
    return rc;
}

/* RM3 expands a query from its first results with the statistics of the
 * index it runs on: one shard's, which would make the sharded answer
 * differ from one index's. Refused until the expansion is gathered too. */
static srch_code refuse_rm3(const srch_search_options *opts, srch_error *err)
{
    if (opts && opts->rm3)
        return api_fail_msg(err, SRCH_BAD_ARG, "rm3 is not available on a sharded index: its expansion would use "
                                               "one shard's statistics");
    return SRCH_OK;
}

srch_code srch_shard_stats(srch_searcher *s, const char *query, const srch_search_options *opts, const void *keys,
                           size_t keys_len, uint64_t **stats, size_t *n, srch_error *err)
{
    *stats = NULL;
    *n = 0;
    srch_code refused = refuse_rm3(opts, err);
    if (refused != SRCH_OK) return refused;
    API_GUARD(err);
    srch_code rc = stats_unguarded(s, query, opts, keys, keys_len, stats, n, err);
    API_LEAVE();
    return rc;
}

srch_code srch_shard_search(srch_searcher *s, const char *query, const srch_search_options *opts, const void *keys,
                            size_t keys_len, const uint64_t *stats, size_t n, srch_hits **hits, srch_error *err)
{
    api_hits_empty(*hits);
    srch_code refused = refuse_rm3(opts, err);
    if (refused != SRCH_OK) return refused;
    if (!stats || n < 2) /* the count of dfs is checked against the query's keys as it is parsed */
        return api_fail_msg(err, SRCH_BAD_ARG, "the statistics given are not N, total length and a df per key");
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) return api_fail(err, SRCH_NOMEM);
    Pool p = {NULL, 0};
    int bad = pool_read(keys, keys_len, &p) != 0;
    oom_leave(&g);
    if (bad) return api_fail(err, SRCH_BAD_ARG);
    QueryGlobal glob = {stats[0], stats + 2, n - 2};
    SearchView v = {pool_each, &p, &glob, stats[1]};
    srch_code rc = api_search_view(s, query, opts, &v, hits, err);
    free(p.k);
    return rc;
}

/* Paths in the order the corpus reader walks them: directory by
 * directory, names in byte order, so '/' ends a name before any byte
 * that could continue it. */
static int walk_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    size_t n = la < lb ? la : lb;
    for (size_t i = 0; i < n; i++) {
        unsigned x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x == y) continue;
        x = x == '/' ? 0 : x + 1;
        y = y == '/' ? 0 : y + 1;
        return x < y ? -1 : 1;
    }
    return la < lb ? -1 : la > lb;
}

int srch_hit_order(const srch_hit *a, const srch_hit *b)
{
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    int c = walk_cmp(a->path, a->path_len, b->path, b->path_len);
    if (c) return c;
    return a->start < b->start ? -1 : a->start > b->start;
}
