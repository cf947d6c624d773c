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

typedef struct {
    IndexBuilder b;
    Analyzer *an;
    const IndexerOptions *opt;
    uint32_t pid;          /* passage being analysed */
    uint32_t len;          /* its length in kept tokens */
    uint64_t source_bytes; /* for progress */
    double started, last_progress;
} Run;

static void on_token(void *ctx, const Token *t)
{
    Run *r = ctx;
    memindex_add_token(&r->b.mem, r->pid, t->term, t->len);
    r->len++;
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
    buf_put_u32(&b->articles, add_string(&b->strings, a->path, pl));
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
        r->pid = b->npassages;
        r->len = 0;
        analyzer_run(r->an, t, tl, on_token, r);
        memindex_end_passage(&b->mem, r->pid);
        buf_put_u32(&b->passages, b->narticles);
        buf_put_u32(&b->passages, (uint32_t)i);
        buf_put_u64(&b->passages, a->base + spans[i].start);
        buf_put_u64(&b->passages, a->base + spans[i].end);
        buf_put_u32(&b->lengths, r->len);
        b->total_length += r->len;
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
    if (rc == 0) rc = publish_commit(&pub);
    else publish_abort(&pub);
    rep->seconds = now_seconds() - r.started;
    return rc == 0 ? 0 : -1;
}
