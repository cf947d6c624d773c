/*
 * indexer.c: the indexing pipeline, start to finish.
 *
 *   corpus_read -> passages_split -> analyzer_run -> memindex (postings)
 *                                 -> docstore (text), passage records
 *   then builder_write into a fresh generation and publish_commit.
 *
 * Each passage is indexed in three fields (FORMAT.md, "Fields"): its text
 * (the body), the heading lines it starts with, and its article's title.
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
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cpus > 1 ? (int)cpus : 1;
}

/* The folded tokens of one field of a passage, resolved to term ids as a
 * batch. A field's tokens are cached under its key byte and the token. */
typedef struct {
    Buf bytes;           /* the tokens (with the field byte), back to back */
    uint32_t *off, *len; /* per token: where in bytes, how long */
    uint32_t *hash;      /* per token: hash_bytes of it */
    uint32_t *pos;       /* per token: its position in the field */
    uint32_t *id;        /* per token: its term id, or TERM_STOP */
    size_t n, cap;
    int field;           /* FIELD_* of the tokens being collected */
} TokenBatch;

/* An article's title terms, added to each of its passages. */
typedef struct {
    uint32_t *id, *pos; /* term ids and positions, stop words left out */
    size_t n, cap;
} TitleTerms;

#define TERM_STOP UINT32_MAX /* a token that is a stop word */

typedef struct {
    IndexBuilder b;
    Analyzer *an;
    const IndexerOptions *opt;
    StrMap token_terms;    /* folded token -> term id, or TERM_STOP */
    TokenBatch batch;
    TitleTerms title;
    Previous *prev;        /* the live commit, when updating it */
    IndexerReport *rep;
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
        b->pos = xrealloc(b->pos, b->cap * sizeof *b->pos);
        b->id = xrealloc(b->id, b->cap * sizeof *b->id);
    }
    b->off[b->n] = (uint32_t)b->bytes.len;
    b->len[b->n] = (uint32_t)t->len + (b->field != FIELD_BODY);
    b->pos[b->n] = t->pos;
    if (b->field != FIELD_BODY) buf_put_u8(&b->bytes, (uint8_t)b->field);
    buf_append(&b->bytes, t->term, t->len);
    b->n++;
}

/* Term id of a cached key (a folded token, after its field byte for the
 * title and heading fields): from the cache, else stemmed once and cached. */
static uint32_t resolve(Run *r, const char *key, size_t len, uint32_t h)
{
    uint32_t *v = strmap_get_hashed(&r->token_terms, key, len, h);
    if (v) return *v;
    const char *token;
    size_t tl;
    int field = key_field(key, len, &token, &tl);
    char term[TERM_MAX_BYTES + 1], fkey[FIELD_KEY_MAX];
    size_t n = analyzer_finish(r->an, token, tl, term);
    uint32_t id = n ? memindex_term(&r->b.mem, fkey, field_key(field, term, n, fkey)) : TERM_STOP;
    *strmap_upsert_hashed(&r->token_terms, key, len, h, NULL) = id;
    return id;
}

/* Analyses text as one field into the batch and resolves its tokens. The
 * look-ups of all of them are prefetched first, so their cache misses
 * overlap instead of following one another. */
static void batch_fill(Run *r, int field, const char *text, size_t len)
{
    TokenBatch *b = &r->batch;
    b->n = 0;
    b->bytes.len = 0;
    b->field = field;
    analyzer_run_folded(r->an, text, len, on_token, r);
    const char *bytes = (const char *)b->bytes.data;
    for (size_t i = 0; i < b->n; i++) {
        b->hash[i] = hash_bytes(bytes + b->off[i], b->len[i]);
        strmap_prefetch(&r->token_terms, b->hash[i]);
    }
    for (size_t i = 0; i < b->n; i++) b->id[i] = resolve(r, bytes + b->off[i], b->len[i], b->hash[i]);
}

/* Adds the batch's terms to passage pid; returns how many there were. */
static uint32_t batch_add(Run *r, uint32_t pid)
{
    const TokenBatch *b = &r->batch;
    uint32_t kept = 0;
    for (size_t i = 0; i < b->n; i++) {
        /* each add misses the cache on its term's record: fetch ahead */
        if (i + 8 < b->n && b->id[i + 8] != TERM_STOP) __builtin_prefetch(&r->b.mem.lists[b->id[i + 8]], 1);
        if (b->id[i] == TERM_STOP) continue;
        memindex_add(&r->b.mem, pid, b->id[i], b->pos[i]);
        kept++;
    }
    return kept;
}

/* Resolves an article's title once for all its passages. */
static void title_terms(Run *r, const char *title)
{
    TitleTerms *t = &r->title;
    batch_fill(r, FIELD_TITLE, title, strlen(title));
    const TokenBatch *b = &r->batch;
    if (b->n > t->cap) {
        t->cap = b->n;
        t->id = xrealloc(t->id, t->cap * sizeof *t->id);
        t->pos = xrealloc(t->pos, t->cap * sizeof *t->pos);
    }
    t->n = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->id[i] == TERM_STOP) continue;
        t->id[t->n] = b->id[i];
        t->pos[t->n++] = b->pos[i];
    }
}

/* Indexes one passage's body, heading and title fields; returns its length:
 * the body's terms (what BM25 normalises every field's tf by). */
static uint32_t index_passage_terms(Run *r, uint32_t pid, const Article *a, const PassageSpan *sp)
{
    MemIndex *m = &r->b.mem;
    batch_fill(r, FIELD_BODY, a->text + sp->start, sp->end - sp->start);
    uint32_t kept = batch_add(r, pid);
    size_t h = sp->start > a->title_end ? sp->start : a->title_end; /* the title line is the title field */
    if (h < sp->heads) {
        batch_fill(r, FIELD_HEADING, a->text + h, sp->heads - h);
        batch_add(r, pid);
    }
    for (size_t i = 0; i < r->title.n; i++) __builtin_prefetch(&m->lists[r->title.id[i]], 1);
    for (size_t i = 0; i < r->title.n; i++) memindex_add(m, pid, r->title.id[i], r->title.pos[i]);
    memindex_end_passage(m, pid);
    return kept;
}

uint64_t article_hash(const char *title, const char *text, size_t len)
{
    return hash64(text, len, hash64(title, strlen(title), 0));
}

static void add_article_record(IndexBuilder *b, const Article *a, uint32_t first, uint32_t n)
{
    ArticleInfo ai = {a->id, a->path, a->title, (uint32_t)strlen(a->id), (uint32_t)strlen(a->path),
                      (uint32_t)strlen(a->title), first, n, a->file_size, a->file_mtime,
                      article_hash(a->title, a->text, a->len)};
    builder_add_article(b, &ai, first);
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
    if (r->prev && previous_match(r->prev, a->id, article_hash(a->title, a->text, a->len), r->rep)) return 0;
    PassageSpan *spans;
    size_t n = passages_split(a->text, a->len, a->heading_end, r->opt->passage_words, &spans);
    if ((uint64_t)b->npassages + n >= UINT32_MAX - 1 || b->strings.len > (1ull << 31)) {
        free(spans);
        err_set("corpus too large for one index (over 4 billion passages or 2 GB of names)");
        return -1;
    }
    uint32_t first = b->npassages;
    title_terms(r, a->title);
    for (size_t i = 0; i < n; i++) {
        const char *t = a->text + spans[i].start;
        size_t tl = spans[i].end - spans[i].start;
        uint32_t plen = index_passage_terms(r, b->npassages, a, &spans[i]);
        builder_add_passage(b, (uint32_t)i, a->base + spans[i].start, a->base + spans[i].end, plen, t, tl);
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
    /* read under the build lock: the commit updated is the live one */
    r.prev = previous_open(dir, o, &rep->why_full);
    r.rep = rep;
    rep->incremental = r.prev != NULL;
    builder_init(&r.b, &o->analysis, o->passage_words, o->threads);
    CorpusOptions co;
    corpus_options_default(&co);
    co.strict = o->strict;
    co.unchanged = r.prev ? previous_unchanged_file : NULL;
    co.unchanged_ctx = r.prev;
    CorpusStats cs;
    int rc = corpus_read(corpus, &co, on_article, &r, &cs);
    progress(&r, 1);
    uint32_t number = 0;
    char *segdir = rc == 0 && r.b.narticles ? publish_segment(&pub, &number) : NULL;
    if (segdir) rc = builder_write(&r.b, segdir, &rep->index_bytes);
    else if (rc == 0 && r.b.narticles) rc = -1;
    rep->articles = r.b.narticles;
    rep->skipped = cs.skipped;
    rep->passages = r.b.npassages;
    rep->terms = r.b.mem.terms.n;
    rep->postings = r.b.mem.npostings;
    rep->source_bytes = cs.bytes;
    rep->unread = cs.unchanged;
    builder_free(&r.b);
    analyzer_free(r.an);
    strmap_free(&r.token_terms);
    buf_free(&r.batch.bytes);
    free(r.batch.off);
    free(r.batch.len);
    free(r.batch.hash);
    free(r.batch.pos);
    free(r.batch.id);
    free(r.title.id);
    free(r.title.pos);
    if (rc == 0) rc = reindex_commit(r.prev, &pub, number, segdir, o, rep);
    else publish_abort(&pub);
    free(segdir);
    previous_close(r.prev);
    rep->seconds = now_seconds() - r.started;
    return rc == 0 ? 0 : -1;
}
