/*
 * indexer.c: the indexing pipeline, start to finish.
 *
 *   corpus_read -> passages_split -> analyzer_run -> memindex (postings)
 *                                 -> docstore (text), passage records
 *   then builder_write into a fresh generation and publish_commit.
 *
 * The whole build happens in a new generation directory; the live index is
 * replaced only by the final atomic rename, so a failed or interrupted build
 * leaves it untouched.
 */
#include "index/index.h"
#include "corpus/corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void indexer_options_default(IndexerOptions *o)
{
    memset(o, 0, sizeof *o);
    analysis_config_default(&o->analysis);
    o->passage_words = PASSAGE_WORDS_DEFAULT;
}

/* The folded tokens of one passage, resolved to term ids as a batch. */
typedef struct {
    Buf bytes;           /* the tokens, back to back */
    uint32_t *off, *len; /* per token: where in bytes, how long */
    uint32_t *hash;      /* per token: hash_bytes of it */
    size_t n, cap;
} TokenBatch;

#define TERM_STOP UINT32_MAX /* a token that is a stop word */

typedef struct {
    IndexBuilder b;
    Analyzer *an;
    const IndexerOptions *opt;
    StrMap token_terms;    /* folded token -> term id, or TERM_STOP */
    TokenBatch batch;
    uint64_t source_bytes; /* for progress */
    double started, last_progress;
} Run;

static void on_token(void *ctx, const Token *t)
{
    TokenBatch *b = &((Run *)ctx)->batch;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->off = xrealloc(b->off, b->cap * sizeof *b->off);
        b->len = xrealloc(b->len, b->cap * sizeof *b->len);
        b->hash = xrealloc(b->hash, b->cap * sizeof *b->hash);
    }
    b->off[b->n] = (uint32_t)b->bytes.len;
    b->len[b->n] = (uint32_t)t->len;
    buf_append(&b->bytes, t->term, t->len);
    b->n++;
}

/* Term id of a folded token: from the cache, else stemmed once and cached. */
static uint32_t resolve(Run *r, const char *tok, size_t len, uint32_t h)
{
    uint32_t *v = strmap_get_hashed(&r->token_terms, tok, len, h);
    if (v) return *v;
    char term[TERM_MAX_BYTES + 1];
    size_t n = analyzer_finish(r->an, tok, len, term);
    uint32_t id = n ? memindex_term(&r->b.mem, term, n) : TERM_STOP;
    *strmap_upsert_hashed(&r->token_terms, tok, len, h, NULL) = id;
    return id;
}

/* Analyses one passage into postings; returns its length in terms. The
 * look-ups of all its tokens are prefetched first, so their cache misses
 * overlap instead of following one another. */
static uint32_t index_passage_terms(Run *r, uint32_t pid, const char *text, size_t len)
{
    TokenBatch *b = &r->batch;
    b->n = 0;
    b->bytes.len = 0;
    analyzer_run_folded(r->an, text, len, on_token, r);
    const char *bytes = (const char *)b->bytes.data;
    for (size_t i = 0; i < b->n; i++) {
        b->hash[i] = hash_bytes(bytes + b->off[i], b->len[i]);
        strmap_prefetch(&r->token_terms, b->hash[i]);
    }
    uint32_t kept = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t id = resolve(r, bytes + b->off[i], b->len[i], b->hash[i]);
        if (id == TERM_STOP) continue;
        memindex_add(&r->b.mem, pid, id);
        kept++;
    }
    memindex_end_passage(&r->b.mem, pid);
    return kept;
}

static uint32_t add_string(Buf *pool, const char *s, size_t n)
{
    uint32_t off = (uint32_t)pool->len;
    buf_append(pool, s, n);
    return off;
}

static void add_article_record(IndexBuilder *b, const Article *a, uint32_t first, uint32_t n)
{
    size_t il = strlen(a->id), pl = strlen(a->path), tl = strlen(a->title);
    buf_put_u32(&b->articles, add_string(&b->strings, a->id, il));
    buf_put_u32(&b->articles, (uint32_t)il);
    /* the rows of a passages file share its path: store it once */
    if (!b->narticles || pl != b->last_path_len || memcmp(b->strings.data + b->last_path_off, a->path, pl) != 0) {
        b->last_path_off = add_string(&b->strings, a->path, pl);
        b->last_path_len = (uint32_t)pl;
    }
    buf_put_u32(&b->articles, b->last_path_off);
    buf_put_u32(&b->articles, (uint32_t)pl);
    buf_put_u32(&b->articles, add_string(&b->strings, a->title, tl));
    buf_put_u32(&b->articles, (uint32_t)tl);
    buf_put_u32(&b->articles, first);
    buf_put_u32(&b->articles, n);
    b->narticles++;
}

static void progress(Run *r, int final)
{
    double now = now_seconds();
    if (!r->opt->progress || (!final && now - r->last_progress < 0.5)) return;
    r->last_progress = now;
    double mb = r->source_bytes / 1e6, secs = now - r->started;
    fprintf(stderr, "\r  indexing: %u articles, %u passages, %.1f MB, %.1f MB/s%s", r->b.narticles,
            r->b.npassages, mb, secs > 0 ? mb / secs : 0.0, final ? "\n" : "");
}

static int on_article(void *ctx, const Article *a)
{
    Run *r = ctx;
    IndexBuilder *b = &r->b;
    PassageSpan *spans;
    size_t n = passages_split(a->text, a->len, a->heading_end, r->opt->passage_words, &spans);
    if ((uint64_t)b->npassages + n >= UINT32_MAX - 1 || b->strings.len > (1ull << 31)) {
        free(spans);
        err_set("corpus too large for one index (over 4 billion passages or 2 GB of names)");
        return -1;
    }
    uint32_t first = b->npassages;
    for (size_t i = 0; i < n; i++) {
        const char *t = a->text + spans[i].start;
        size_t tl = spans[i].end - spans[i].start;
        uint32_t plen = index_passage_terms(r, b->npassages, t, tl);
        buf_put_u32(&b->passages, b->narticles);
        buf_put_u32(&b->passages, (uint32_t)i);
        buf_put_u64(&b->passages, a->base + spans[i].start);
        buf_put_u64(&b->passages, a->base + spans[i].end);
        buf_put_u32(&b->lengths, plen);
        b->total_length += plen;
        docstore_add(b->store, t, tl);
        b->npassages++;
    }
    free(spans);
    add_article_record(b, a, first, (uint32_t)n);
    r->source_bytes += a->len;
    progress(r, 0);
    return 0;
}

int indexer_build(const char *corpus, const char *dir, const IndexerOptions *o, IndexerReport *rep)
{
    memset(rep, 0, sizeof *rep);
    Run r = {0};
    r.opt = o;
    r.started = now_seconds();
    r.an = analyzer_new(&o->analysis);
    if (!r.an) return -1;
    Publication pub;
    if (publish_begin(&pub, dir) != 0) {
        analyzer_free(r.an);
        return -1;
    }
    builder_init(&r.b, &o->analysis, o->passage_words);
    CorpusOptions co;
    corpus_options_default(&co);
    co.strict = o->strict;
    CorpusStats cs;
    int rc = corpus_read(corpus, &co, on_article, &r, &cs);
    progress(&r, 1);
    if (rc == 0) rc = builder_write(&r.b, pub.tmpdir, &rep->index_bytes);
    rep->articles = r.b.narticles;
    rep->skipped = cs.skipped;
    rep->passages = r.b.npassages;
    rep->terms = r.b.mem.terms.n;
    rep->postings = r.b.mem.npostings;
    rep->source_bytes = cs.bytes;
    builder_free(&r.b);
    analyzer_free(r.an);
    strmap_free(&r.token_terms);
    buf_free(&r.batch.bytes);
    free(r.batch.off);
    free(r.batch.len);
    free(r.batch.hash);
    if (rc == 0) rc = publish_commit(&pub);
    else publish_abort(&pub);
    rep->seconds = now_seconds() - r.started;
    return rc == 0 ? 0 : -1;
}
