/*
 * index_worker.h: the indexing pipeline's unit of work and its workers.
 *
 * The reader (indexer.c) copies consecutive articles into a Batch, splits
 * them into passages and numbers the passages. A Worker analyses a batch
 * (tokenise, fold, stem: analysis/) into its own in-memory postings and
 * records each passage's length; when its postings reach its share of the
 * memory budget it writes them to a run (postings_runs.c). Batches are
 * numbered before any worker sees them, so what a worker holds never
 * depends on which worker took which batch.
 */
#ifndef INDEX_WORKER_H
#define INDEX_WORKER_H

#include "corpus/corpus.h"
#include "index/writer.h"

/* An article of a batch; its strings are offsets into the batch's arena
 * (which grows while the batch is filled). */
typedef struct {
    size_t id, path, title, text;
    uint32_t id_len, path_len, title_len;
    size_t len;                       /* bytes of text */
    uint64_t base;                    /* Article.base */
    size_t title_end;                 /* Article.title_end */
    uint64_t file_size, hash;
    int64_t file_mtime;
    size_t first_span, nspans;        /* its passages in the batch's spans */
    const char *borrowed;             /* the text, when not copied to the arena */
} BatchArticle;

typedef struct {
    Buf arena;             /* strings and texts of the articles */
    BatchArticle *art;
    size_t nart, art_cap;
    PassageSpan *spans;    /* passages, article after article */
    size_t nspans, span_cap;
    uint32_t *lengths;     /* per passage: its body length, set by the worker */
    uint32_t first_pid;    /* id of the first passage */
} Batch;

void batch_clear(Batch *b);
/* Copies a, and passages split from it, into the batch; with borrow set,
 * all but the text, which must then stay valid until the batch is done. */
void batch_add(Batch *b, const Article *a, uint64_t hash, const PassageSpan *spans, size_t n, int borrow);
void batch_free(Batch *b);
static inline const char *batch_str(const Batch *b, size_t off) { return (const char *)b->arena.data + off; }
static inline const char *batch_text(const Batch *b, const BatchArticle *a)
{
    return a->borrowed ? a->borrowed : batch_str(b, a->text);
}

/* ---- token_map.c: a worker's cache from folded token to term id ---- */

#define TOKEN_INLINE 23 /* longer keys live in the arena */

typedef struct {
    uint32_t hash;
    uint32_t value;
    uint8_t len;                /* key bytes; 0: an empty slot */
    char key[TOKEN_INLINE];     /* the key, or (longer) its u64 arena offset */
} TokenSlot;
_Static_assert(sizeof(TokenSlot) == 32, "two slots a cache line");

/* The front table: up to 2^16 slots (2 MB), direct-mapped by a hash's
 * high bits, for tokens met before whose key is inline. */
#define HOT_BITS_MAX 16

typedef struct {
    TokenSlot *slots; /* 64-byte aligned, so a slot never straddles lines */
    size_t nslots;    /* power of two */
    size_t n;         /* keys */
    Buf arena;        /* the keys longer than TOKEN_INLINE */
    TokenSlot *hot;   /* the front table, NULL until its first key */
    unsigned hot_bits; /* its size; 0 (tokenmap_init): none */
} TokenMap;

/* a[0..n) == b[0..n) for an inline key (n <= TOKEN_INLINE): a few loads,
 * overlapping where n is not a multiple of their width, instead of a
 * memcmp call per look-up. Reads nothing past either key. */
static inline int token_same_inline(const char *ka, const char *kb, size_t n)
{
    const uint8_t *a = (const uint8_t *)ka, *b = (const uint8_t *)kb;
    _Static_assert(TOKEN_INLINE <= 24, "three words cover an inline key");
    if (n >= 8) {
        uint64_t d = (rd_u64(a) ^ rd_u64(b)) | (rd_u64(a + n - 8) ^ rd_u64(b + n - 8));
        if (n > 16) d |= rd_u64(a + 8) ^ rd_u64(b + 8);
        return d == 0;
    }
    if (n >= 4) return ((rd_u32(a) ^ rd_u32(b)) | (rd_u32(a + n - 4) ^ rd_u32(b + n - 4))) == 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

void tokenmap_init(TokenMap *m);
/* The value of key (h its hash_bytes), or NULL. */
const uint32_t *tokenmap_get(const TokenMap *m, const char *key, size_t len, uint32_t h);
/* Sets key's value, adding it when absent (len 1..255). */
void tokenmap_put(TokenMap *m, const char *key, size_t len, uint32_t h, uint32_t value);
static inline void tokenmap_prefetch(const TokenMap *m, uint32_t h)
{
    if (m->nslots) __builtin_prefetch(&m->slots[h & (m->nslots - 1)]);
}
/* The front table: most tokens are a few thousand frequent words, whose
 * slots in the main table lie on as many pages all over it; here they
 * share a few hundred (the machines we measure on are virtual, and a TLB
 * miss costs them a walk of two page tables). tokenmap_hot_get is a hint:
 * NULL means "ask tokenmap_get". */
static inline void tokenmap_hot_prefetch(const TokenMap *m, uint32_t h)
{
    if (m->hot) __builtin_prefetch(&m->hot[h >> (32 - m->hot_bits)]);
}
static inline const uint32_t *tokenmap_hot_get(const TokenMap *m, const char *key, size_t len, uint32_t h)
{
    if (!m->hot) return NULL;
    const TokenSlot *s = &m->hot[h >> (32 - m->hot_bits)];
    return s->hash == h && s->len == len && token_same_inline(s->key, key, len) ? &s->value : NULL;
}
/* Gives m a front table of as many slots as fit in bytes, up to
 * 2^HOT_BITS_MAX. */
void tokenmap_front(TokenMap *m, size_t bytes);
/* Puts a key with an inline key there, in place of whatever had its slot. */
void tokenmap_hot_put(TokenMap *m, const char *key, size_t len, uint32_t h, uint32_t value);
size_t tokenmap_bytes(const TokenMap *m); /* heap bytes held */
void tokenmap_free(TokenMap *m);         /* and empty again (its front's size kept) */

typedef struct Worker Worker;

/* budget: bytes its postings and term caches may take before a run is
 * written; runs go to dir as run-<number>-<k>.tmp. */
Worker *worker_new(const AnalysisConfig *a, size_t budget, const char *dir, int number);
/* Indexes the batch's passages; -1 with err_msg set (a run not written). */
int worker_index(Worker *w, Batch *b);
/* What it holds in memory, and the runs it wrote. */
MemIndex *worker_postings(Worker *w);
size_t worker_runs(const Worker *w, const char *const **paths);
uint64_t worker_run_bytes(const Worker *w);
/* Frees what only reading needed (the token cache): once every batch is
 * indexed, before its postings are written. */
void worker_end_reading(Worker *w);
void worker_free(Worker *w); /* removes its runs */

#endif
