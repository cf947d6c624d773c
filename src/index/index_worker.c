/*
 * index_worker.c: one indexing worker (index_worker.h): batches of
 * articles -> analysed terms -> its own in-memory postings, and runs when
 * they outgrow its budget.
 *
 * Each passage is indexed in three fields (FORMAT.md, "Fields"): its text
 * (the body), the heading lines it starts with, and its article's title.
 * A worker has its own analyzer (a stemmer is not shared between threads)
 * and its own cache from folded token to term id, so that each distinct
 * token is stemmed once per worker, not once per occurrence.
 */
#include "index/index_worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- batches ---- */

void batch_clear(Batch *b)
{
    b->arena.len = 0;
    b->nart = b->nspans = 0;
}

static size_t put_str(Batch *b, const char *s, size_t n)
{
    size_t off = b->arena.len;
    buf_append(&b->arena, s, n);
    return off;
}

void batch_add(Batch *b, const Article *a, uint64_t hash, const PassageSpan *spans, size_t n, int borrow)
{
    if (b->nart == b->art_cap) {
        b->art_cap = b->art_cap ? 2 * b->art_cap : 64;
        b->art = xrealloc(b->art, b->art_cap * sizeof *b->art);
    }
    if (b->nspans + n > b->span_cap) {
        b->span_cap = b->nspans + n > 2 * b->span_cap ? b->nspans + n : 2 * b->span_cap;
        b->spans = xrealloc(b->spans, b->span_cap * sizeof *b->spans);
        b->lengths = xrealloc(b->lengths, b->span_cap * sizeof *b->lengths);
    }
    BatchArticle *x = &b->art[b->nart++];
    x->id_len = (uint32_t)strlen(a->id);
    x->path_len = (uint32_t)strlen(a->path);
    x->title_len = (uint32_t)strlen(a->title);
    x->id = put_str(b, a->id, x->id_len);
    x->path = put_str(b, a->path, x->path_len);
    x->title = put_str(b, a->title, x->title_len + 1); /* with its NUL: analysed as a string */
    x->text = borrow ? 0 : put_str(b, a->text, a->len);
    x->borrowed = borrow ? a->text : NULL;
    x->len = a->len;
    x->base = a->base;
    x->title_end = a->title_end;
    x->file_size = a->file_size;
    x->file_mtime = a->file_mtime;
    x->hash = hash;
    x->first_span = b->nspans;
    x->nspans = n;
    if (n) memcpy(b->spans + b->nspans, spans, n * sizeof *spans);
    b->nspans += n;
}

void batch_free(Batch *b)
{
    buf_free(&b->arena);
    free(b->art);
    free(b->spans);
    free(b->lengths);
    memset(b, 0, sizeof *b);
}

/* ---- a worker ---- */

/* A token met for the first time, its term analysed, waiting for the
 * term's id (resolve_rest). */
typedef struct {
    uint32_t tok;      /* the token's index */
    uint32_t hash;     /* hash_bytes of its term's field key */
    uint32_t off, len; /* that key, in Tokens.keys */
} NewTerm;

/* The folded tokens of one field of a passage, resolved to term ids as a
 * batch. A field's tokens are cached under its key byte and the token. */
typedef struct {
    FoldedTokens f;      /* the tokens (after the field byte), their places and positions */
    uint32_t *hash;      /* per token: hash_bytes of it */
    uint32_t *id;        /* per token: its term id, or TERM_STOP */
    size_t cap;          /* room in hash, id and fresh */
    NewTerm *fresh;      /* the tokens met for the first time, analysed */
    size_t nfresh;
    Buf keys;            /* their terms' field keys */
} Tokens;

/* An article's title terms, added to each of its passages. */
typedef struct {
    uint32_t *id, *pos; /* term ids and positions, stop words left out */
    size_t n, cap;
} TitleTerms;

#define TERM_STOP UINT32_MAX          /* a token that is a stop word */
#define TERM_UNKNOWN (UINT32_MAX - 1) /* tokens_fill: not resolved yet */

struct Worker {
    Analyzer *an;
    MemIndex mem;
    TokenMap token_terms; /* folded token -> term id, or TERM_STOP */
    Tokens tokens;
    TitleTerms title;
    size_t budget;
    char *dir;
    int number;
    char **runs;
    size_t nruns;
    uint64_t run_bytes;
};


/* What a folded token analyses to (0 for a stop word), in term. A title
 * or heading token whose bare form the body already met is not stemmed
 * again: the cache gives the body's term, whose key is the bare term. */
static size_t token_term(Worker *w, int field, const char *token, size_t tl, char term[TERM_MAX_BYTES + 1])
{
    const uint32_t *v = field == FIELD_BODY ? NULL : tokenmap_get(&w->token_terms, token, tl, hash_bytes(token, tl));
    if (!v) return analyzer_finish(w->an, token, tl, term);
    if (*v == TERM_STOP) return 0;
    const StrMap *t = &w->mem.terms; /* term ids are its entry numbers */
    size_t n = t->klens[*v];
    memcpy(term, strmap_key(t, *v), n + 1); /* with its NUL */
    return n;
}

/* Token i, found in neither of the cache's tables: met for the first
 * time. Its term is analysed (stemmed) and queued, and the term's slot in
 * the terms' table fetched for the look-up that follows. 0: a stop word,
 * nothing queued. */
static int analyse_fresh(Worker *w, size_t i)
{
    Tokens *b = &w->tokens;
    const char *token;
    size_t tl;
    int field = key_field(b->f.bytes + b->f.off[i], b->f.tlen[i], &token, &tl);
    char term[TERM_MAX_BYTES + 1];
    size_t n = token_term(w, field, token, tl, term);
    if (!n) return 0;
    buf_reserve(&b->keys, FIELD_KEY_MAX);
    char *key = (char *)b->keys.data + b->keys.len;
    size_t len = field_key(field, term, n, key);
    uint32_t h = hash_bytes(key, len);
    b->fresh[b->nfresh++] = (NewTerm){(uint32_t)i, h, (uint32_t)b->keys.len, (uint32_t)len};
    b->keys.len += len;
    memindex_term_prefetch(&w->mem, h);
    return 1;
}

/* Resolves the tokens the front table did not have (their main-table
 * slots were fetched): from the main table, else analysed and cached. A
 * key found there goes into the front table too; one met for the first
 * time is most likely rare, and would only push a frequent one out. The
 * new ones' terms are looked up together at the end, so that the terms'
 * table's misses overlap as the cache's do (a token twice new in one
 * passage is analysed twice, and gets the same term). */
static void resolve_rest(Worker *w)
{
    Tokens *b = &w->tokens;
    const FoldedTokens *f = &b->f;
    TokenMap *tm = &w->token_terms;
    b->nfresh = b->keys.len = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (b->id[i] != TERM_UNKNOWN) continue;
        const char *key = f->bytes + f->off[i];
        const uint32_t *v = tokenmap_get(tm, key, f->tlen[i], b->hash[i]);
        if (v) {
            tokenmap_hot_put(tm, key, f->tlen[i], b->hash[i], *v);
            b->id[i] = *v;
            if (*v != TERM_STOP) memindex_prefetch(&w->mem, *v);
        } else if (!analyse_fresh(w, i)) {
            tokenmap_put(tm, key, f->tlen[i], b->hash[i], TERM_STOP);
            b->id[i] = TERM_STOP;
        }
    }
    for (size_t k = 0; k < b->nfresh; k++) {
        const NewTerm *e = &b->fresh[k];
        uint32_t id = memindex_term_hashed(&w->mem, (const char *)b->keys.data + e->off, e->len, e->hash);
        tokenmap_put(tm, f->bytes + f->off[e->tok], f->tlen[e->tok], b->hash[e->tok], id);
        b->id[e->tok] = id;
        memindex_prefetch(&w->mem, id);
    }
}

/* Analyses text as one field into the tokens and resolves them, in three
 * passes so that the cache misses of each overlap instead of following one
 * another: the front table's slots are fetched; the tokens found there are
 * resolved, and the main table's slots of the others fetched; then those
 * are resolved (resolve_rest). The terms' records are fetched for
 * memindex_add. */
static void tokens_fill(Worker *w, int field, const char *text, size_t len)
{
    Tokens *b = &w->tokens;
    const FoldedTokens *f = &b->f;
    TokenMap *tm = &w->token_terms;
    char key = (char)field; /* the body's keys are the bare tokens */
    analyzer_fold_tokens(w->an, text, len, &key, field != FIELD_BODY, &b->f);
    if (f->ncap > b->cap) {
        b->cap = f->ncap;
        b->hash = xrealloc(b->hash, b->cap * sizeof *b->hash);
        b->id = xrealloc(b->id, b->cap * sizeof *b->id);
        b->fresh = xrealloc(b->fresh, b->cap * sizeof *b->fresh);
    }
    for (size_t i = 0; i < f->n; i++) {
        b->hash[i] = hash_bytes(f->bytes + f->off[i], f->tlen[i]);
        tokenmap_hot_prefetch(tm, b->hash[i]);
    }
    int rest = 0;
    for (size_t i = 0; i < f->n; i++) {
        const uint32_t *v = tokenmap_hot_get(tm, f->bytes + f->off[i], f->tlen[i], b->hash[i]);
        b->id[i] = v ? *v : TERM_UNKNOWN;
        if (!v) {
            tokenmap_prefetch(tm, b->hash[i]);
            rest = 1;
        } else if (*v != TERM_STOP)
            memindex_prefetch(&w->mem, *v);
    }
    if (rest) resolve_rest(w);
}

/* Adds the tokens' terms to passage pid; returns how many there were. */
static uint32_t tokens_add(Worker *w, uint32_t pid)
{
    const Tokens *b = &w->tokens;
    uint32_t kept = 0;
    for (size_t i = 0; i < b->f.n; i++) { /* the terms' records were prefetched by tokens_fill */
        if (b->id[i] == TERM_STOP) continue;
        memindex_add(&w->mem, pid, b->id[i], b->f.pos[i]);
        kept++;
    }
    return kept;
}

/* Resolves an article's title once for all its passages. */
static void title_terms(Worker *w, const char *title)
{
    TitleTerms *t = &w->title;
    tokens_fill(w, FIELD_TITLE, title, strlen(title));
    const Tokens *b = &w->tokens;
    if (b->f.n > t->cap) {
        t->cap = b->f.n;
        t->id = xrealloc(t->id, t->cap * sizeof *t->id);
        t->pos = xrealloc(t->pos, t->cap * sizeof *t->pos);
    }
    t->n = 0;
    for (size_t i = 0; i < b->f.n; i++) {
        if (b->id[i] == TERM_STOP) continue;
        t->id[t->n] = b->id[i];
        t->pos[t->n++] = b->f.pos[i];
    }
}

/* Indexes one passage's body, heading and title fields; returns its length:
 * the body's terms (what BM25 normalises every field's tf by). */
static uint32_t passage_terms(Worker *w, uint32_t pid, const char *text, size_t title_end, const PassageSpan *sp)
{
    MemIndex *m = &w->mem;
    tokens_fill(w, FIELD_BODY, text + sp->start, sp->end - sp->start);
    uint32_t kept = tokens_add(w, pid);
    size_t h = sp->start > title_end ? sp->start : title_end; /* the title line is the title field */
    if (h < sp->heads) {
        tokens_fill(w, FIELD_HEADING, text + h, sp->heads - h);
        tokens_add(w, pid);
    }
    for (size_t i = 0; i < w->title.n; i++) memindex_prefetch(m, w->title.id[i]);
    for (size_t i = 0; i < w->title.n; i++) memindex_add(m, pid, w->title.id[i], w->title.pos[i]);
    memindex_end_passage(m, pid);
    return kept;
}

Worker *worker_new(const AnalysisConfig *a, size_t budget, const char *dir, int number)
{
    Analyzer *an = analyzer_new(a);
    if (!an) return NULL;
    Worker *w = xcalloc(1, sizeof *w);
    w->an = an;
    /* the token cache's front table and the postings' staging lines
     * (which trade memory for fewer TLB misses) take a sixteenth of the
     * budget each at most: at full size (2 and 4 MB) they made a small
     * budget spill ten times as many runs */
    memindex_init(&w->mem);
    memindex_stage(&w->mem, budget / 16);
    tokenmap_init(&w->token_terms);
    tokenmap_front(&w->token_terms, budget / 16);
    w->budget = budget;
    w->dir = xstrdup(dir);
    w->number = number;
    return w;
}

static size_t held(const Worker *w) { return memindex_bytes(&w->mem) + tokenmap_bytes(&w->token_terms); }

/* Postings over budget go to a run. When even the terms alone (which a
 * run keeps, so that ids and the cache stay valid) take half the budget,
 * they are dropped too and the worker starts afresh. */
static int spill(Worker *w)
{
    if (held(w) <= w->budget) return 0;
    char name[64];
    snprintf(name, sizeof name, "run-%d-%zu.tmp", w->number, w->nruns);
    if (run_write(&w->mem, w->dir, name, &w->run_bytes) != 0) return -1;
    w->runs = xrealloc(w->runs, (w->nruns + 1) * sizeof *w->runs);
    size_t n = strlen(w->dir) + strlen(name) + 2;
    w->runs[w->nruns] = xmalloc(n);
    snprintf(w->runs[w->nruns++], n, "%s/%s", w->dir, name);
    if (held(w) > w->budget / 2) {
        memindex_free(&w->mem); /* both empty again, their fronts' sizes kept */
        tokenmap_free(&w->token_terms);
    }
    memory_release(); /* the freed postings go back to the system, not to this thread's arena */
    return 0;
}

int worker_index(Worker *w, Batch *b)
{
    uint32_t pid = b->first_pid;
    for (size_t i = 0; i < b->nart; i++) {
        const BatchArticle *a = &b->art[i];
        title_terms(w, batch_str(b, a->title));
        const char *text = batch_text(b, a);
        for (size_t j = a->first_span; j < a->first_span + a->nspans; j++) {
            b->lengths[j] = passage_terms(w, pid++, text, a->title_end, &b->spans[j]);
            /* a long article is a batch of its own, of any size: within
             * the budget only if it may spill as it goes */
            if (a->nspans > 64 && (j - a->first_span) % 16 == 15 && spill(w) != 0) return -1;
        }
    }
    return spill(w);
}

MemIndex *worker_postings(Worker *w) { return &w->mem; }

size_t worker_runs(const Worker *w, const char *const **paths)
{
    *paths = (const char *const *)w->runs;
    return w->nruns;
}

uint64_t worker_run_bytes(const Worker *w) { return w->run_bytes; }

void worker_end_reading(Worker *w) { tokenmap_free(&w->token_terms); }

void worker_free(Worker *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->nruns; i++) {
        unlink(w->runs[i]);
        free(w->runs[i]);
    }
    free(w->runs);
    analyzer_free(w->an);
    memindex_free(&w->mem);
    tokenmap_free(&w->token_terms);
    folded_tokens_free(&w->tokens.f);
    free(w->tokens.hash);
    free(w->tokens.id);
    free(w->tokens.fresh);
    buf_free(&w->tokens.keys);
    free(w->title.id);
    free(w->title.pos);
    free(w->dir);
    free(w);
}
