/*
 * docstore.c: the passage text store, writer and reader.
 *
 * Passage texts are concatenated in passage-id order (each prefixed by its
 * varint length) into raw blocks, each compressed on its own as a zstd
 * frame. Showing a hit costs one block decompression, so blocks are small:
 * about STORE_BLOCK bytes, compressed with a zstd dictionary trained on
 * the store's first STORE_SAMPLE bytes of text, which wins back what small
 * blocks lose. A store with less text than that has no dictionary and
 * blocks of STORE_BLOCK_PLAIN bytes. Layout: FORMAT.md, "store.bin".
 *
 * zstd at level 1 (Debian's libzstd): on 16 KB blocks of our text it
 * compresses 1.3 to 1.5 times as fast as libdeflate at its level 1 into
 * about as many bytes, and decompresses twice as fast (bench/store_codec.c,
 * bench/README.md); libdeflate was itself twice as fast as zlib. With the
 * dictionary, 1 KB blocks read a text 4 to 5 times as fast as 16 KB
 * blocks without one, for the same bytes on simplewiki and 6% more on
 * synthetic text (docs/decisions/2026-12-06-store-dictionary.md).
 */
#include "index/writer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <zdict.h>
#include <zstd.h>

#define STORE_BLOCK 1024               /* with a dictionary */
#define STORE_BLOCK_PLAIN (16 * 1024)  /* without */
#define STORE_SAMPLE (1u << 20)        /* text the dictionary is trained on */
#define STORE_DICT (32u * 1024)        /* the dictionary's size, at most */
/* Level 1, zstd's fastest regular level: a store is written once per
 * build, and the build's time is what this level was chosen for. */
#define STORE_LEVEL 1
/* Without a dictionary: the match-finding hash table cut from 2^15
 * entries (what level 1 takes for a 16 KB input) to 2^10: a table of 4 KB
 * stays in the L1 cache and is cheap to set up per block, which makes
 * compression about a third faster for about 4% more bytes
 * (bench/store_codec.c, "store"). */
#define STORE_HASH_LOG 10
/* Matches of at least 6 bytes (level 1 takes 5 here): fewer and longer
 * ones, so compression is 15-17% faster and decompression 8-10%, for
 * about 2% more bytes (bench/store_codec.c, "store", on the texts of the
 * 1M synthetic passages and of simplewiki). */
#define STORE_MIN_MATCH 6

/* With a helper thread, full blocks are compressed in the background while
 * the indexer goes on: a ring of QUEUE slots, each a group of blocks of
 * about GROUP bytes, filled in order by the indexer, compressed in order
 * by the helper, and collected in order, so the store is byte for byte
 * what one thread writes. Handing blocks over a group at a time keeps the
 * two threads from waking each other for every 1 KiB block. */
#define QUEUE 8
#define GROUP (64u * 1024)

typedef struct {
    Buf raw;    /* the group's blocks, back to back */
    Buf blocks; /* per block: u32 first passage, u32 raw length */
    Buf out;    /* their frames, back to back */
    Buf clens;  /* per block: u32 frame length */
    int state;  /* SLOT_* */
    int failed;
} Slot;

enum { SLOT_FREE, SLOT_FULL, SLOT_DONE };

struct DocStoreWriter {
    /* until the dictionary is settled: the first texts, and their sizes */
    Buf sample, sample_sizes;
    Buf train_sizes, dict; /* the sample's non-empty sizes; the dictionary */
    int settled;
    size_t block;    /* STORE_BLOCK or STORE_BLOCK_PLAIN */
    uint32_t dict_len;
    ZSTD_CDict *cdict;
    Buf raw;         /* the block being filled */
    Slot group;      /* threaded: the closed blocks not yet handed over */
    Buf dir;         /* directory entries so far, written after the blocks */
    FileOut data;    /* store.bin, its compressed blocks written as they come */
    ZSTD_CCtx *comp; /* used by the one thread that compresses */
    uint32_t npassages, nblocks;
    uint32_t block_first; /* first passage of the open block */
    int failed;
    /* the helper thread (threaded writers only) */
    int threaded, stop;
    pthread_t helper;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    Slot slot[QUEUE];
    uint64_t queued, collected; /* groups handed over / appended */
    double *cpu;                /* where the helper leaves its CPU seconds */
};

/* One block as a zstd frame appended to out, through a context kept for
 * the whole store (setting one up per block would cost more than
 * compressing); its length, or 0 on failure. */
static size_t compress_block(ZSTD_CCtx *comp, const uint8_t *raw, size_t len, Buf *out)
{
    size_t cap = ZSTD_compressBound(len);
    buf_reserve(out, out->len + cap);
    size_t n = ZSTD_compress2(comp, out->data + out->len, cap, raw, len);
    if (ZSTD_isError(n)) return 0;
    out->len += n;
    return n;
}

/* Each frame also carries zstd's checksum of its content (4 bytes a
 * block), so a damaged block is refused however the damage falls: a
 * flipped byte in a frame's raw literals decompresses without complaint
 * otherwise. */
ZSTD_CCtx *docstore_compressor_new(void)
{
    ZSTD_CCtx *z = ZSTD_createCCtx();
    if (z && (ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, STORE_LEVEL)) ||
              ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_hashLog, STORE_HASH_LOG)) ||
              ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_minMatch, STORE_MIN_MATCH)) ||
              ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1)))) {
        ZSTD_freeCCtx(z);
        return NULL;
    }
    return z;
}

static void append_block(DocStoreWriter *w, uint32_t first, uint32_t raw_len, const uint8_t *frame, size_t clen)
{
    w->failed |= clen == 0;
    uint8_t e[STORE_ENTRY_BYTES];
    /* the offset is relative to the block area */
    uint64_t offset = w->data.len - w->dict_len; /* the dictionary is written first */
    store_entry_put(e, &(StoreEntry){.first = first, .raw_len = raw_len, .offset = offset, .clen = (uint32_t)clen});
    buf_append(&w->dir, e, sizeof e);
    fileout_write(&w->data, frame, clen);
    w->nblocks++;
}

/* A slot's blocks compressed, on the helper thread, where running out of
 * memory fails the group (and so the store) instead of reaching no guard. */
static int compress_group(ZSTD_CCtx *c, Slot *s)
{
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) return 1;
    s->out.len = s->clens.len = 0;
    const uint32_t *b = (const uint32_t *)s->blocks.data;
    int failed = 0;
    for (size_t i = 0, at = 0; i < s->blocks.len / 8; at += b[2 * i + 1], i++) {
        uint32_t clen = (uint32_t)compress_block(c, s->raw.data + at, b[2 * i + 1], &s->out);
        failed |= clen == 0;
        buf_append(&s->clens, &clen, sizeof clen);
    }
    oom_leave(&g);
    return failed;
}

static void *helper_main(void *arg)
{
    DocStoreWriter *w = arg;
    uint64_t next = 0;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        Slot *s = &w->slot[next % QUEUE];
        while (s->state != SLOT_FULL && !w->stop) pthread_cond_wait(&w->cv, &w->mu);
        if (s->state != SLOT_FULL) break; /* stopped with nothing left */
        pthread_mutex_unlock(&w->mu);
        int failed = compress_group(w->comp, s);
        pthread_mutex_lock(&w->mu);
        s->failed = failed;
        s->state = SLOT_DONE;
        next++;
        pthread_cond_broadcast(&w->cv);
    }
    if (w->cpu) *w->cpu = thread_cpu_seconds();
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Appends finished blocks in order; with wait, until every queued one is. */
static void collect(DocStoreWriter *w, int wait)
{
    for (;;) {
        if (w->collected == w->queued) return;
        Slot *s = &w->slot[w->collected % QUEUE];
        pthread_mutex_lock(&w->mu);
        while (wait && s->state != SLOT_DONE) pthread_cond_wait(&w->cv, &w->mu);
        int done = s->state == SLOT_DONE;
        pthread_mutex_unlock(&w->mu);
        if (!done) return;
        w->failed |= s->failed;
        const uint32_t *b = (const uint32_t *)s->blocks.data, *clens = (const uint32_t *)s->clens.data;
        for (size_t i = 0, at = 0; !s->failed && i < s->blocks.len / 8; at += clens[i], i++)
            append_block(w, b[2 * i], b[2 * i + 1], s->out.data + at, clens[i]);
        pthread_mutex_lock(&w->mu);
        s->state = SLOT_FREE;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        w->collected++;
    }
}

DocStoreWriter *docstore_writer_new(const char *dir, int threaded)
{
    DocStoreWriter *w = xcalloc(1, sizeof(DocStoreWriter));
    if (fileout_open(&w->data, dir, "store.bin", STORE_HEADER_BYTES) != 0) {
        free(w);
        return NULL;
    }
    w->comp = docstore_compressor_new();
    w->failed = !w->comp;
    if (!threaded) return w;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->threaded = pthread_create(&w->helper, NULL, helper_main, w) == 0;
    return w;
}

void docstore_writer_time(DocStoreWriter *w, double *cpu)
{
    if (!w->threaded) return;
    pthread_mutex_lock(&w->mu);
    w->cpu = cpu;
    pthread_mutex_unlock(&w->mu);
}

/* Hands the group of closed blocks to the helper. */
static void hand_over(DocStoreWriter *w)
{
    if (w->group.blocks.len == 0) return;
    collect(w, 0);
    Slot *s = &w->slot[w->queued % QUEUE];
    pthread_mutex_lock(&w->mu);
    int busy = s->state != SLOT_FREE;
    pthread_mutex_unlock(&w->mu);
    if (busy) collect(w, 1); /* the ring is full: wait for its oldest */
    Slot t = *s; /* hand the group over, keep the slot's old buffers for the next */
    s->raw = w->group.raw;
    s->blocks = w->group.blocks;
    w->group.raw = t.raw;
    w->group.blocks = t.blocks;
    w->group.raw.len = w->group.blocks.len = 0;
    pthread_mutex_lock(&w->mu);
    s->state = SLOT_FULL;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    w->queued++;
}

static void close_block(DocStoreWriter *w)
{
    if (w->raw.len == 0) return;
    if (!w->threaded) {
        Buf out = {0};
        size_t clen = compress_block(w->comp, w->raw.data, w->raw.len, &out);
        append_block(w, w->block_first, (uint32_t)w->raw.len, out.data, clen);
        buf_free(&out);
    } else {
        uint32_t b[2] = {w->block_first, (uint32_t)w->raw.len};
        buf_append(&w->group.raw, w->raw.data, w->raw.len);
        buf_append(&w->group.blocks, b, sizeof b);
        if (w->group.raw.len >= GROUP) hand_over(w);
    }
    w->raw.len = 0;
    w->block_first = w->npassages;
}

static void append_text(DocStoreWriter *w, const char *text, size_t len)
{
    buf_put_varint(&w->raw, len);
    buf_append(&w->raw, text, len);
    w->npassages++;
    if (w->raw.len >= w->block) close_block(w);
}

/* Trains a dictionary on the sample's texts (the empty ones left out) and
 * compresses with it from now on: w->comp is replaced by a context that
 * refers to it (its level, and its parameters sized for the dictionary),
 * and the dictionary is written ahead of the blocks. When zstd cannot make
 * one, the store goes on without (deterministically: zstd's training is
 * single-threaded and depends on the sample alone). */
static void use_dictionary(DocStoreWriter *w)
{
    const size_t *all = (const size_t *)w->sample_sizes.data;
    size_t n = w->sample_sizes.len / sizeof *all;
    w->train_sizes.len = 0;
    for (size_t i = 0; i < n; i++)
        if (all[i]) buf_append(&w->train_sizes, &all[i], sizeof *all);
    buf_reserve(&w->dict, STORE_DICT);
    size_t d = ZDICT_trainFromBuffer(w->dict.data, STORE_DICT, w->sample.data, (const size_t *)w->train_sizes.data,
                                     (unsigned)(w->train_sizes.len / sizeof *all));
    if (ZDICT_isError(d)) return;
    ZSTD_CCtx *z = NULL;
    if ((w->cdict = ZSTD_createCDict(w->dict.data, d, STORE_LEVEL)) && (z = ZSTD_createCCtx()) &&
        !ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1)) &&
        !ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_dictIDFlag, 0)) && /* the store says which */
        !ZSTD_isError(ZSTD_CCtx_refCDict(z, w->cdict))) {
        ZSTD_freeCCtx(w->comp);
        w->comp = z;
        fileout_write(&w->data, w->dict.data, d);
        w->dict_len = (uint32_t)d;
        w->block = STORE_BLOCK;
        return;
    }
    ZSTD_freeCCtx(z);
    ZSTD_freeCDict(w->cdict);
    w->cdict = NULL;
}

/* Decides on the dictionary once the sample is full (or the store ends
 * before), then puts the sample's texts into blocks. */
static void settle(DocStoreWriter *w)
{
    w->settled = 1;
    w->block = STORE_BLOCK_PLAIN;
    if (w->sample.len >= STORE_SAMPLE && !w->failed) use_dictionary(w);
    const char *t = (const char *)w->sample.data;
    const size_t *sizes = (const size_t *)w->sample_sizes.data;
    for (size_t i = 0; i < w->sample_sizes.len / sizeof *sizes; t += sizes[i++]) append_text(w, t, sizes[i]);
    buf_free(&w->sample);
    buf_free(&w->sample_sizes);
    buf_free(&w->train_sizes);
    buf_free(&w->dict);
}

void docstore_add(DocStoreWriter *w, const char *text, size_t len)
{
    if (w->settled) return append_text(w, text, len);
    buf_append(&w->sample, text, len);
    buf_append(&w->sample_sizes, &len, sizeof len);
    if (w->sample.len >= STORE_SAMPLE) settle(w);
}

static void stop_helper(DocStoreWriter *w)
{
    if (!w->threaded) return;
    collect(w, 1);
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->helper, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    for (int i = 0; i < QUEUE; i++) {
        buf_free(&w->slot[i].raw);
        buf_free(&w->slot[i].blocks);
        buf_free(&w->slot[i].out);
        buf_free(&w->slot[i].clens);
    }
    buf_free(&w->group.raw);
    buf_free(&w->group.blocks);
    w->threaded = 0;
}

static void free_writer(DocStoreWriter *w)
{
    ZSTD_freeCCtx(w->comp); /* NULL is a no-op; before the dictionary it refers to */
    ZSTD_freeCDict(w->cdict);
    buf_free(&w->sample);
    buf_free(&w->sample_sizes);
    buf_free(&w->train_sizes);
    buf_free(&w->dict);
    fileout_discard(&w->data);
    buf_free(&w->raw);
    buf_free(&w->dir);
    free(w);
}

int docstore_finish(DocStoreWriter *w, uint64_t *bytes)
{
    if (!w->settled) settle(w);
    close_block(w);
    if (w->threaded) hand_over(w);
    stop_helper(w);
    if (w->failed) {
        err_set("compressing the text store failed (out of memory?)");
        free_writer(w);
        return -1;
    }
    uint8_t head[STORE_HEADER_BYTES]; /* known at the end, written then */
    store_header_put(head, &(StoreHeader){w->nblocks, w->npassages, w->dict_len});
    fileout_write(&w->data, w->dir.data, w->dir.len);
    int rc = fileout_close(&w->data, "STOR", head, bytes);
    free_writer(w);
    return rc;
}

void docstore_abort(DocStoreWriter *w)
{
    stop_helper(w);
    free_writer(w);
}

/* ---- reader ---- */

/* The directory: the payload's last nblocks entries (docstore_check_header
 * has checked that they fit, and the dictionary before them). The blocks
 * lie between the dictionary and it. */
static StoreHeader header(const uint8_t *p)
{
    StoreHeader h;
    store_header_get(p, &h);
    return h;
}

static const uint8_t *block_area(const uint8_t *p) { return p + STORE_HEADER_BYTES + header(p).dict_len; }

static uint64_t block_area_len(const uint8_t *p, size_t len)
{
    return len - STORE_HEADER_BYTES - header(p).dict_len - (uint64_t)header(p).nblocks * STORE_ENTRY_BYTES;
}

/* A store's dictionary, made once by whichever reader needs it first. */
struct DocStoreDict {
    _Atomic(ZSTD_DDict *) d;
};

DocStoreDict *docstore_dict_new(void) { return xcalloc(1, sizeof(DocStoreDict)); }

void docstore_dict_free(DocStoreDict *h)
{
    if (!h) return;
    ZSTD_freeDDict(atomic_load(&h->d)); /* NULL is a no-op */
    free(h);
}

/* The dictionary of the store at p, from h (made there if it is not yet);
 * with h NULL, made afresh into *own for the caller to free. NULL when
 * zstd refuses it (damage) or runs out of memory. */
static ZSTD_DDict *dictionary(const uint8_t *p, DocStoreDict *h, ZSTD_DDict **own)
{
    ZSTD_DDict *d = h ? atomic_load_explicit(&h->d, memory_order_acquire) : NULL;
    if (d) return d;
    d = ZSTD_createDDict(p + STORE_HEADER_BYTES, header(p).dict_len);
    if (!d || !h) return *own = d;
    ZSTD_DDict *none = NULL;
    if (atomic_compare_exchange_strong_explicit(&h->d, &none, d, memory_order_acq_rel, memory_order_acquire)) return d;
    ZSTD_freeDDict(d); /* another thread's came first */
    return none;
}

static const uint8_t *directory(const uint8_t *p, size_t len)
{
    return p + len - (size_t)header(p).nblocks * STORE_ENTRY_BYTES;
}

/* The most content a zstd frame of clen bytes can give: each of its blocks
 * gives at most ZSTD_BLOCKSIZE_MAX bytes and takes at least 4 of the frame
 * (a 3-byte block header and the one byte an RLE block repeats). */
static uint64_t zstd_content_bound(uint32_t clen) { return (uint64_t)clen / 4 * ZSTD_BLOCKSIZE_MAX; }

int docstore_check_header(const uint8_t *p, size_t len, uint32_t npassages)
{
    if (len < STORE_HEADER_BYTES) return -1;
    uint32_t nblocks = header(p).nblocks, n = header(p).npassages;
    uint64_t fixed = (uint64_t)nblocks * STORE_ENTRY_BYTES + header(p).dict_len;
    if (n != npassages || fixed > len - STORE_HEADER_BYTES) return -1;
    return (n == 0) == (nblocks == 0) ? 0 : -1;
}

/* Directory entry b against the file and its neighbour, before any length
 * in it is trusted: its passages are a non-empty range inside the store's;
 * its frame lies in the block area and ends where the next block starts
 * (or the area ends: the writer appends them back to back), and its
 * uncompressed length is one its compressed bytes can give and holds at
 * least a length byte per text. A damaged length would otherwise size
 * the buffer a block is decompressed into (up to 4 GiB). load_block checks
 * the length against the frame's own when it reads the frame. */
static int entry_check(const uint8_t *p, size_t len, uint32_t b)
{
    uint32_t nblocks = header(p).nblocks, n = header(p).npassages;
    uint64_t data_len = block_area_len(p, len);
    StoreEntry e = store_entry_get(directory(p, len), b);
    uint32_t first = e.first, raw = e.raw_len, clen = e.clen;
    uint64_t off = e.offset;
    int last = b + 1 == nblocks;
    uint32_t next = last ? n : store_entry_get(directory(p, len), b + 1).first; /* the next block's first */
    uint64_t next_off = last ? data_len : store_entry_get(directory(p, len), b + 1).offset;
    if ((b == 0 && first != 0) || next <= first || next > n) return -1;
    if ((b == 0 && off != 0) || off > data_len || clen == 0 || clen > data_len - off || off + clen != next_off)
        return -1;
    return raw < next - first || raw > zstd_content_bound(clen) ? -1 : 0;
}

/* Every entry, as entry_check does for one when it is read, and the
 * dictionary, as zstd takes it (search check, merges, the writer's
 * reopen). */
int docstore_check(const uint8_t *p, size_t len, uint32_t npassages)
{
    if (docstore_check_header(p, len, npassages) != 0) return -1;
    for (uint32_t b = 0; b < header(p).nblocks; b++)
        if (entry_check(p, len, b) != 0) return -1;
    ZSTD_DDict *d = NULL;
    if (header(p).dict_len && !dictionary(p, NULL, &d)) return -1;
    ZSTD_freeDDict(d);
    return 0;
}

static uint32_t first_of(const uint8_t *dir, uint32_t b) { return store_entry_get(dir, b).first; }

/* Block holding pid: the last whose first passage is <= pid (load_block
 * checks that it is). Blocks hold about as many passages each, so the
 * search starts where the average puts pid and gallops from there: a few
 * neighbouring entries read, where a binary search over a large store's
 * directory (5 MB for 1M passages) missed the cache a dozen times. Damaged
 * entries only make it pick a block load_block then refuses. */
static uint32_t find_block(const uint8_t *dir, uint32_t nblocks, uint32_t npassages, uint32_t pid)
{
    uint32_t guess = (uint32_t)((uint64_t)pid * nblocks / npassages); /* pid < npassages */
    uint32_t lo, hi, step = 1; /* first_of(lo) <= pid < first_of(hi), hi == nblocks for none */
    if (first_of(dir, guess) <= pid) {
        for (lo = guess, hi = guess + 1; hi < nblocks && first_of(dir, hi) <= pid; step *= 2)
            lo = hi, hi = nblocks - hi > step ? hi + step : nblocks;
    } else {
        if (guess == 0) return 0; /* a damaged first entry: load_block refuses it */
        for (hi = guess, lo = guess - 1; lo > 0 && first_of(dir, lo) > pid; step *= 2)
            hi = lo, lo = lo > step ? lo - step : 0; /* block 0 starts at passage 0 */
    }
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (first_of(dir, mid) <= pid) lo = mid;
        else hi = mid;
    }
    return lo;
}

void docstore_cursor_init(DocStoreCursor *c) { memset(c, 0, sizeof *c), c->block = UINT32_MAX; }

void docstore_cursor_free(DocStoreCursor *c)
{
    ZSTD_freeDCtx(c->dec); /* NULL is a no-op */
    buf_free(&c->raw);
    buf_free(&c->spans);
}

/* Decompresses block b into c and notes where each of its texts lies. */
static int load_block(DocStoreCursor *c, const uint8_t *p, size_t len, DocStoreDict *h, uint32_t b)
{
    uint32_t nblocks = header(p).nblocks;
    c->block = UINT32_MAX;
    c->raw.len = c->spans.len = 0;
    if (b >= nblocks || entry_check(p, len, b) != 0) return -1;
    StoreEntry e = store_entry_get(directory(p, len), b);
    uint32_t raw = e.raw_len, clen = e.clen;
    /* the next block's first */
    uint32_t next = b + 1 < nblocks ? store_entry_get(directory(p, len), b + 1).first : header(p).npassages;
    const uint8_t *data = block_area(p) + e.offset;
    /* the frame states its content size (the writer knows it): a length
     * that disagrees is damage, refused before it sizes the buffer */
    if (ZSTD_getFrameContentSize(data, clen) != raw) return -1;
    buf_reserve(&c->raw, raw);
    if (!c->dec && !(c->dec = ZSTD_createDCtx())) return -1;
    ZSTD_DDict *own = NULL, *d = header(p).dict_len ? dictionary(p, h, &own) : NULL;
    if (header(p).dict_len && !d) return -1;
    size_t got = d ? ZSTD_decompress_usingDDict(c->dec, c->raw.data, raw, data, clen, d)
                   : ZSTD_decompressDCtx(c->dec, c->raw.data, raw, data, clen);
    ZSTD_freeDDict(own);
    if (ZSTD_isError(got) || got != raw) return -1;
    c->raw.len = raw;
    for (const uint8_t *q = c->raw.data, *end = q + raw; q < end;) {
        uint64_t tlen;
        size_t used = rd_varint(q, end, &tlen);
        if (!used || tlen > (uint64_t)(end - q - used)) return -1;
        uint32_t span[2] = {(uint32_t)(q + used - c->raw.data), (uint32_t)tlen};
        buf_append(&c->spans, span, sizeof span);
        q += used + tlen;
    }
    if (c->spans.len / 8 != (size_t)next - e.first) return -1; /* as many texts as the directory says */
    c->block = b;
    c->first = e.first;
    return 0;
}

int docstore_read(DocStoreCursor *c, const uint8_t *p, size_t len, DocStoreDict *dict, uint32_t pid,
                  const char **text, size_t *tlen)
{
    /* the header was checked at open (docstore_check_header), the entry
     * is checked by load_block */
    uint32_t nblocks = header(p).nblocks, n = header(p).npassages;
    int rc = pid < n ? 0 : -1;
    if (rc == 0 && (c->block == UINT32_MAX || pid < c->first || pid - c->first >= c->spans.len / 8))
        rc = load_block(c, p, len, dict, find_block(directory(p, len), nblocks, n, pid));
    if (rc == 0 && pid - c->first >= c->spans.len / 8) rc = -1;
    if (rc != 0) return -1; /* the caller names the file (segment.c) */
    const uint32_t *span = (const uint32_t *)c->spans.data + 2 * (pid - c->first);
    *text = (const char *)c->raw.data + span[0];
    *tlen = span[1];
    return 0;
}

/* Each thread's cursor for docstore_get: making a zstd context per text
 * read was a sixth of a server's time (perf, bench/serve_bench). Freed
 * when the thread ends. */
static pthread_key_t cursor_key;
static pthread_once_t cursor_once = PTHREAD_ONCE_INIT;

static void cursor_destroy(void *c)
{
    docstore_cursor_free(c);
    free(c);
}

static void cursor_key_make(void) { pthread_key_create(&cursor_key, cursor_destroy); }

static DocStoreCursor *thread_cursor(void)
{
    pthread_once(&cursor_once, cursor_key_make);
    DocStoreCursor *c = pthread_getspecific(cursor_key);
    if (!c) {
        c = xmalloc(sizeof *c);
        docstore_cursor_init(c);
        if (pthread_setspecific(cursor_key, c) != 0) {
            free(c);
            return NULL;
        }
    }
    c->block = UINT32_MAX; /* its block may be another store's: read afresh */
    return c;
}

int docstore_get(const uint8_t *p, size_t len, DocStoreDict *dict, uint32_t pid, Buf *out)
{
    DocStoreCursor local, *c = thread_cursor();
    if (!c) {
        docstore_cursor_init(&local);
        c = &local;
    }
    const char *text;
    size_t tlen;
    int rc = docstore_read(c, p, len, dict, pid, &text, &tlen);
    if (rc == 0) {
        out->len = 0;
        buf_append(out, text, tlen);
        buf_put_u8(out, 0);
        out->len--; /* NUL-terminated for convenience, not counted */
    }
    if (c == &local) docstore_cursor_free(&local);
    return rc;
}
