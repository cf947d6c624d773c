/*
 * testcorpus.h: random corpora for the index and query tests. Documents
 * are lists of word ids written as "wN" words into a passages file, indexed
 * with stemming off, so the test knows every term frequency and length and
 * can compute BM25 on its own to check the engine against.
 */
#ifndef TESTCORPUS_H
#define TESTCORPUS_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "index/writer.h"
#include "libsearch.h"
#include "query/query.h"

typedef struct {
    uint32_t ndocs, vocab;
    uint32_t **words; /* words[d][0..len[d]) */
    uint32_t *len;
    char dir[256];    /* temp directory holding docs.tsv and idx/ */
} TestCorpus;

static uint32_t tc_seed = 7;
static inline uint32_t tc_rand(void)
{
    tc_seed ^= tc_seed << 13;
    tc_seed ^= tc_seed >> 17;
    tc_seed ^= tc_seed << 5;
    return tc_seed;
}

/* Zipf-like word choice: low ids are frequent, as in real text. */
static inline uint32_t tc_word(uint32_t vocab)
{
    uint32_t r = tc_rand() % vocab, s = tc_rand() % vocab;
    return r < s ? r : s;
}

/* Makes c->dir and opens its docs.tsv (id<TAB>title<TAB>text lines) for
 * writing; NULL on failure. */
static inline FILE *tc_docs_open(TestCorpus *c)
{
    snprintf(c->dir, sizeof c->dir, "/tmp/search-test-XXXXXX");
    if (!mkdtemp(c->dir)) return NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/docs.tsv", c->dir);
    return fopen(path, "w");
}

/* Indexes c->dir/docs.tsv into c->dir/NAME, one passage per document,
 * stemming off, its block maxima for k1 and b (negative: the defaults);
 * returns the opened index or NULL. */
static inline Index *tc_index_docs_as(TestCorpus *c, const char *name, float k1, float b)
{
    char path[512], idx[512];
    snprintf(path, sizeof path, "%s/docs.tsv", c->dir);
    snprintf(idx, sizeof idx, "%s/%s", c->dir, name);
    IndexerOptions o;
    indexer_options_default(&o);
    indexer_options_impact(&o, k1, b);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    o.passage_words = 100000; /* one passage per document */
    IndexerReport r;
    if (indexer_build(path, idx, &o, &r) != 0) return NULL;
    return index_open(idx);
}
/* Indexes c->dir/docs.tsv into c->dir/idx, as tc_index_docs_as. */
static inline Index *tc_index_docs(TestCorpus *c) { return tc_index_docs_as(c, "idx", -1, -1); }

/* Makes and indexes a corpus; returns the opened index or NULL. */
static inline Index *tc_build(TestCorpus *c, uint32_t ndocs, uint32_t vocab, uint32_t maxlen)
{
    c->ndocs = ndocs;
    c->vocab = vocab;
    c->words = calloc(ndocs, sizeof *c->words);
    c->len = calloc(ndocs, sizeof *c->len);
    FILE *f = tc_docs_open(c);
    if (!f) return NULL;
    for (uint32_t d = 0; d < ndocs; d++) {
        c->len[d] = 1 + tc_rand() % maxlen;
        c->words[d] = malloc(c->len[d] * sizeof **c->words);
        fprintf(f, "doc%u\t\t", d);
        for (uint32_t i = 0; i < c->len[d]; i++) {
            c->words[d][i] = tc_word(vocab);
            fprintf(f, "%sw%u", i ? " " : "", c->words[d][i]);
        }
        fputc('\n', f);
    }
    fclose(f);
    return tc_index_docs(c);
}

static inline void tc_free(TestCorpus *c)
{
    for (uint32_t d = 0; d < c->ndocs; d++) free(c->words[d]);
    free(c->words);
    free(c->len);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", c->dir);
}

static inline uint32_t tc_tf(const TestCorpus *c, uint32_t d, uint32_t w)
{
    uint32_t tf = 0;
    for (uint32_t i = 0; i < c->len[d]; i++) tf += c->words[d][i] == w;
    return tf;
}

/* tc_build for a test program's main: on failure says why and prints the
 * suite's summary line, so the runner counts the failure. */
static inline Index *tc_build_or_report(TestCorpus *c, const char *suite, uint32_t ndocs, uint32_t vocab,
                                        uint32_t maxlen)
{
    Index *ix = tc_build(c, ndocs, vocab, maxlen);
    if (!ix) {
        fprintf(stderr, "%s: building the test index failed: %s\n", suite, err_msg());
        printf("%s: 0 passed, 1 failed\n", suite);
    }
    return ix;
}

/* The analyzer the index was built with: queries are analysed as it was. */
static inline Analyzer *tc_analyzer(const Index *ix) { return analyzer_new(&index_stats(ix)->analysis); }

/* The index c built (c->dir/idx), opened through the public API: what a
 * test that only searches needs, as a program embedding the library
 * would (a srch_searcher per thread on it). */
static inline srch_code tc_api_open(const TestCorpus *c, srch_index **out)
{
    char idx[512];
    snprintf(idx, sizeof idx, "%s/idx", c->dir);
    return srch_open(idx, out, NULL);
}

/* What a test of the query internals needs to run queries on an index at
 * its own k1 and b (those of its block maxima: a search's default), wired
 * as the API wires them (src/api/searcher.c).
 * Its fields point at each other: do not copy it. */
typedef struct {
    Index *ix;
    Analyzer *an;
    Bm25 bm;
    Query q;
    SearchContext ctx;
} TcSearch;

static inline void tc_search_open(TcSearch *s, Index *ix)
{
    s->ix = ix;
    s->an = tc_analyzer(ix);
    const IndexStats *st = index_stats(ix);
    bm25_init(&s->bm, st->impact_k1, st->impact_b, st);
    query_init(&s->q);
    search_context_init(&s->ctx, ix, &s->bm);
    s->ctx.q = &s->q;
}
/* Parses text (default options); 0 or -1 as query_parse. */
static inline int tc_search_parse(TcSearch *s, const char *text)
{
    return query_parse(s->an, s->ix, &s->bm, text, &s->q);
}
static inline void tc_search_close(TcSearch *s)
{
    search_context_free(&s->ctx);
    query_free(&s->q);
    analyzer_free(s->an);
}

/* 1 when two rankings hold the same passages in the same order with
 * bitwise the same scores: what every pruned algorithm must give against
 * the exhaustive one. */
static inline int tc_same_hits(const Hit *a, size_t na, const Hit *b, size_t nb)
{
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i].pid != b[i].pid || memcmp(&a[i].score, &b[i].score, sizeof a[i].score) != 0) return 0;
    return 1;
}

/* The directory of the first segment of the index in idx (malloc'd), or
 * NULL. */
static inline char *tc_segment_dir(const char *idx)
{
    Index *ix = index_open(idx);
    if (!ix) return NULL;
    char *dir = strdup(segment_dir(index_segment(ix, 0)));
    index_close(ix);
    return dir;
}

/* The path of file name in the first segment of the index in idx
 * (malloc'd), or NULL. */
static inline char *tc_segment_file(const char *idx, const char *name)
{
    char *gen = tc_segment_dir(idx);
    if (!gen) return NULL;
    char *path = malloc(strlen(gen) + strlen(name) + 2);
    sprintf(path, "%s/%s", gen, name);
    free(gen);
    return path;
}

/* The same for the index c built (c->dir/idx). */
static inline char *tc_gen_file(const TestCorpus *c, const char *name)
{
    char idx[512];
    snprintf(idx, sizeof idx, "%s/idx", c->dir);
    return tc_segment_file(idx, name);
}

/* 1 when files a and b both read and hold the same bytes. */
static inline int tc_same_file(const char *a, const char *b)
{
    char *x, *y;
    size_t lx, ly;
    if (read_file(a, 1u << 30, &x, &lx) != 0) return 0;
    if (read_file(b, 1u << 30, &y, &ly) != 0) {
        free(x);
        return 0;
    }
    int same = lx == ly && memcmp(x, y, lx) == 0;
    free(x);
    free(y);
    return same;
}

/* Rewrites both CRC32s of a framed index file in memory (FORMAT.md, "File
 * frame"), so that damage to it gets past the checksums and only the
 * structural checks or the decoders can notice. */
static inline void tc_fix_crc(uint8_t *file, size_t len)
{
    if (len < 32) return;
    uint32_t crc = crc32_of(file + 32, len - 32);
    memcpy(file + 24, &crc, 4);
    crc = crc32_of(file, 28);
    memcpy(file + 28, &crc, 4);
}

/* Reads a file, lets edit change its bytes, optionally fixes its CRCs and
 * writes it back. Returns 0, or -1 if it cannot be read or written. */
static inline int tc_edit_file(const char *path, void (*edit)(uint8_t *data, size_t len, void *ctx), void *ctx,
                               int fix_crc)
{
    uint8_t *data;
    size_t len;
    if (read_file(path, 1u << 30, (char **)&data, &len) != 0) return -1;
    edit(data, len, ctx);
    if (fix_crc) tc_fix_crc(data, len);
    int fd = open(path, O_WRONLY | O_TRUNC);
    int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
    if (fd >= 0) close(fd);
    free(data);
    return ok ? 0 : -1;
}

#endif
