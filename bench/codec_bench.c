/*
 * codec_bench.c: integer codecs measured on the real postings of an index.
 *
 *   codec_bench INDEXDIR [MAX_POSTINGS]
 *
 * Reads every term's postings through PostingCursor (or, with MAX_POSTINGS,
 * every k-th term until that many postings: lexicon order is alphabetical,
 * so a prefix of it would be a biased sample), cuts them into blocks of 128
 * as the index does, and re-encodes the blocks with each codec:
 *
 *   bp128         the engine's codec: SIMD-BP128 for full blocks (ids
 *                 unpacked, prefix-summed and bounds-checked in one SSE2
 *                 pass), binary packing for a term's partial last block
 *   bp128-scalar  the same bytes, unpacked and summed by scalar code: what
 *                 the SIMD code buys
 *   streamvbyte   Debian's libstreamvbyte (delta coding for ids)
 *   varint        LEB128, 7 bits a byte, scalar
 *
 * Every codec stores a block as the index does, the id run followed by the
 * tf run, and decodes one block at a time as a cursor would (block-level
 * random access is what skipping needs). Ids are decoded back to passage
 * ids, the prefix sum included in the timing. Each codec must round-trip
 * every block; the bp128 bytes must equal the index's own bytes.
 *
 * Prints one JSON line per codec on stdout and a Markdown table on stderr.
 */
#include "index/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <streamvbyte.h>
#include <streamvbytedelta.h>

#define MIN_SECONDS 0.5 /* each timing repeats the whole decode this long */
#define SLACK 64        /* zero bytes after the last block: decoders may read ahead */
#define DIR_ENTRY 16

/* ---- the postings, as d-gaps in blocks ---- */

typedef struct {
    uint64_t off;  /* first posting of the block */
    uint32_t n;    /* postings in it: 128, or fewer for a term's last block */
    uint32_t base; /* the id before the block; UINT32_MAX before a term's first */
} Block;

typedef struct {
    uint32_t first_block; /* index into blocks */
    TermInfo info;
} Term;

typedef struct {
    uint32_t *ids, *gaps, *tfs; /* per posting: id, id - prev - 1, tf - 1 */
    uint64_t n, cap;
    Block *blocks;
    size_t nblocks, full_blocks, blocks_cap;
    Term *terms;
    size_t nterms, terms_cap;
} Postings;

static void postings_grow(Postings *p, uint64_t extra)
{
    if (p->n + extra <= p->cap) return;
    while (p->n + extra > p->cap) p->cap = p->cap ? 2 * p->cap : 1 << 20;
    p->ids = xrealloc(p->ids, p->cap * sizeof *p->ids);
    p->gaps = xrealloc(p->gaps, p->cap * sizeof *p->gaps);
    p->tfs = xrealloc(p->tfs, p->cap * sizeof *p->tfs);
}

static void add_block(Postings *p, uint64_t off, uint32_t n, uint32_t base)
{
    if (p->nblocks == p->blocks_cap)
        p->blocks = xrealloc(p->blocks, (p->blocks_cap = p->blocks_cap ? 2 * p->blocks_cap : 4096) * sizeof *p->blocks);
    p->blocks[p->nblocks++] = (Block){off, n, base};
    p->full_blocks += n == BLOCK_SIZE;
}

static void add_term_record(Postings *p, const TermInfo *t)
{
    if (p->nterms == p->terms_cap)
        p->terms = xrealloc(p->terms, (p->terms_cap = p->terms_cap ? 2 * p->terms_cap : 4096) * sizeof *p->terms);
    p->terms[p->nterms++] = (Term){(uint32_t)p->nblocks, *t};
}

/* Reads one term through a cursor and appends its postings and blocks. */
static int add_term(Postings *p, const Index *ix, const TermInfo *t)
{
    postings_grow(p, t->df);
    add_term_record(p, t);
    PostingCursor c;
    cursor_open(&c, index_segment(ix, 0), t);
    uint64_t start = p->n;
    for (uint32_t id = c.pid; id != PID_END; id = cursor_next(&c)) {
        if (p->n - start >= t->df) return -1;
        p->ids[p->n] = id;
        p->tfs[p->n] = cursor_tf(&c) - 1;
        p->n++;
    }
    if (c.corrupt || p->n - start != t->df) return -1;
    for (uint64_t off = start; off < p->n; off += BLOCK_SIZE) {
        uint32_t n = p->n - off < BLOCK_SIZE ? (uint32_t)(p->n - off) : BLOCK_SIZE;
        uint32_t prev = off == start ? UINT32_MAX : p->ids[off - 1];
        add_block(p, off, n, prev);
        for (uint32_t i = 0; i < n; i++) {
            p->gaps[off + i] = p->ids[off + i] - prev - 1; /* wraps to the id itself after UINT32_MAX */
            prev = p->ids[off + i];
        }
    }
    return 0;
}

/* Every term, or every k-th term until max postings (0 = no limit). */
static int load_postings(const Index *ix, uint64_t max, Postings *p)
{
    uint64_t total = index_stats(ix)->postings;
    uint64_t stride = max && max < total ? (total + max - 1) / max : 1;
    const char *term;
    size_t len;
    TermInfo t;
    memset(p, 0, sizeof *p);
    for (uint64_t i = 0; segment_term_at(index_segment(ix, 0), i, &term, &len, &t); i++) {
        if (max && p->n >= max) break;
        if (i % stride) continue;
        if (add_term(p, ix, &t) != 0) {
            fprintf(stderr, "codec_bench: term %.*s: postings do not decode\n", (int)len, term);
            return -1;
        }
    }
    return 0;
}

/* ---- the codecs ---- */

/* Encoders get both views of a block's ids (gaps and ids) and write at most
 * MAX_RUN bytes. Decoders return the bytes consumed, 0 on corrupt input. */
#define MAX_RUN (BLOCK_SIZE * 5 + 64)

typedef struct {
    const char *name;
    size_t (*enc_ids)(const uint32_t *gaps, const uint32_t *ids, uint32_t n, uint32_t base, uint8_t *out);
    size_t (*enc_tfs)(const uint32_t *v, uint32_t n, uint8_t *out);
    size_t (*dec_ids)(const uint8_t *in, size_t avail, uint32_t n, uint32_t base, uint32_t *out);
    size_t (*dec_tfs)(const uint8_t *in, size_t avail, uint32_t n, uint32_t *out);
} Codec;

static void prefix_sum_scalar(uint32_t *v, uint32_t n, uint32_t base)
{
    for (uint32_t i = 0; i < n; i++) v[i] = base = base + v[i] + 1;
}

/* Passage count: the engine rejects ids at or above it while decoding. */
static uint32_t id_limit = UINT32_MAX;

/* bp128: exactly what index_writer.c and postings.c do; full blocks of ids
 * are unpacked, summed and bounds-checked in one SIMD pass. */
static size_t bp_enc_ids(const uint32_t *gaps, const uint32_t *ids, uint32_t n, uint32_t base, uint8_t *out)
{
    (void)ids, (void)base;
    return n == BLOCK_SIZE ? bp128_encode(gaps, out) : bp_encode(gaps, n, out);
}

static size_t bp_enc_tfs(const uint32_t *v, uint32_t n, uint8_t *out)
{
    return n == BLOCK_SIZE ? bp128_encode(v, out) : bp_encode(v, n, out);
}

static size_t bp_dec_ids(const uint8_t *in, size_t avail, uint32_t n, uint32_t base, uint32_t *out)
{
    if (n < BLOCK_SIZE) {
        size_t used = bp_decode(in, avail, out, n);
        prefix_sum_scalar(out, n, base);
        return used;
    }
    return bp128_decode_ids(in, avail, out, base, id_limit);
}

static size_t bp_dec_tfs(const uint8_t *in, size_t avail, uint32_t n, uint32_t *out)
{
    return n == BLOCK_SIZE ? bp128_decode(in, avail, out) : bp_decode(in, avail, out, n);
}

/* bp128-scalar: the same bytes, scalar unpacking and a scalar prefix sum
 * (partial blocks are scalar in the engine already). */
static size_t bps_dec_ids(const uint8_t *in, size_t avail, uint32_t n, uint32_t base, uint32_t *out)
{
    size_t used = n == BLOCK_SIZE ? bp128_decode_scalar(in, avail, out) : bp_decode(in, avail, out, n);
    prefix_sum_scalar(out, n, base);
    return used;
}

static size_t bps_dec_tfs(const uint8_t *in, size_t avail, uint32_t n, uint32_t *out)
{
    return n == BLOCK_SIZE ? bp128_decode_scalar(in, avail, out) : bp_decode(in, avail, out, n);
}

/* streamvbyte codes the differences between ids itself, from base; the
 * library cannot bound its reads, so consumption is checked afterwards. */
static size_t svb_enc_ids(const uint32_t *gaps, const uint32_t *ids, uint32_t n, uint32_t base, uint8_t *out)
{
    (void)gaps;
    return streamvbyte_delta_encode(ids, n, out, base);
}

static size_t svb_enc_tfs(const uint32_t *v, uint32_t n, uint8_t *out) { return streamvbyte_encode(v, n, out); }

static size_t svb_dec_ids(const uint8_t *in, size_t avail, uint32_t n, uint32_t base, uint32_t *out)
{
    size_t used = streamvbyte_delta_decode(in, out, n, base);
    return used <= avail ? used : 0;
}

static size_t svb_dec_tfs(const uint8_t *in, size_t avail, uint32_t n, uint32_t *out)
{
    size_t used = streamvbyte_decode(in, out, n);
    return used <= avail ? used : 0;
}

/* varint: LEB128, the format of the in-memory postings and the doc store. */
static size_t leb_enc(const uint32_t *v, uint32_t n, uint8_t *out)
{
    uint8_t *p = out;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = v[i];
        for (; x >= 0x80; x >>= 7) *p++ = (uint8_t)(x | 0x80);
        *p++ = (uint8_t)x;
    }
    return (size_t)(p - out);
}

static size_t leb_enc_ids(const uint32_t *gaps, const uint32_t *ids, uint32_t n, uint32_t base, uint8_t *out)
{
    (void)ids, (void)base;
    return leb_enc(gaps, n, out);
}

/* One value; 0 when it runs past end or past 5 bytes. */
static inline size_t leb_get(const uint8_t *p, const uint8_t *end, uint32_t *out)
{
    uint32_t x = 0;
    for (unsigned k = 0; k < 5 && p + k < end; k++) {
        x |= (uint32_t)(p[k] & 0x7f) << (7 * k);
        if (!(p[k] & 0x80)) {
            *out = x;
            return k + 1;
        }
    }
    return 0;
}

static size_t leb_dec_tfs(const uint8_t *in, size_t avail, uint32_t n, uint32_t *out)
{
    const uint8_t *p = in, *end = in + avail;
    for (uint32_t i = 0; i < n; i++) {
        size_t k = leb_get(p, end, &out[i]);
        if (!k) return 0;
        p += k;
    }
    return (size_t)(p - in);
}

/* The prefix sum is fused into the decoding loop, as a varint cursor would. */
static size_t leb_dec_ids(const uint8_t *in, size_t avail, uint32_t n, uint32_t base, uint32_t *out)
{
    const uint8_t *p = in, *end = in + avail;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t g;
        size_t k = leb_get(p, end, &g);
        if (!k) return 0;
        p += k;
        out[i] = base = base + g + 1;
    }
    return (size_t)(p - in);
}

static const Codec CODECS[] = {
    {"bp128", bp_enc_ids, bp_enc_tfs, bp_dec_ids, bp_dec_tfs},
    {"bp128-scalar", bp_enc_ids, bp_enc_tfs, bps_dec_ids, bps_dec_tfs},
    {"streamvbyte", svb_enc_ids, svb_enc_tfs, svb_dec_ids, svb_dec_tfs},
    {"varint", leb_enc_ids, leb_enc, leb_dec_ids, leb_dec_tfs},
};

/* ---- encoding, checking, timing ---- */

typedef struct {
    Buf data;          /* every block: id run, then tf run */
    uint64_t *start;   /* per block: where it begins; start[nblocks] = end */
    uint64_t *tf_at;   /* per block: where its tf run begins */
    uint64_t id_bytes, tf_bytes;
} Encoded;

static void encode_all(const Codec *c, const Postings *p, Encoded *e)
{
    memset(e, 0, sizeof *e);
    e->start = xmalloc((p->nblocks + 1) * sizeof *e->start);
    e->tf_at = xmalloc((p->nblocks + 1) * sizeof *e->tf_at);
    for (size_t b = 0; b < p->nblocks; b++) {
        const Block *bl = &p->blocks[b];
        buf_reserve(&e->data, 2 * MAX_RUN);
        e->start[b] = e->data.len;
        e->data.len += c->enc_ids(p->gaps + bl->off, p->ids + bl->off, bl->n, bl->base, e->data.data + e->data.len);
        e->tf_at[b] = e->data.len;
        e->data.len += c->enc_tfs(p->tfs + bl->off, bl->n, e->data.data + e->data.len);
        e->id_bytes += e->tf_at[b] - e->start[b];
        e->tf_bytes += e->data.len - e->tf_at[b];
    }
    e->start[p->nblocks] = e->data.len;
    buf_reserve(&e->data, SLACK); /* zeroed read-ahead room, not counted */
    memset(e->data.data + e->data.len, 0, SLACK);
}

static void encoded_free(Encoded *e)
{
    buf_free(&e->data);
    free(e->start);
    free(e->tf_at);
}

/* The engine's decoders are given the whole block for the ids (the tf run
 * follows) and exactly the tf run for the tfs; so are all codecs here. */
static size_t decode_ids(const Codec *c, const Encoded *e, const Block *bl, size_t b, uint32_t *out)
{
    return c->dec_ids(e->data.data + e->start[b], e->start[b + 1] - e->start[b], bl->n, bl->base, out);
}

static size_t decode_tfs(const Codec *c, const Encoded *e, const Block *bl, size_t b, uint32_t *out)
{
    return c->dec_tfs(e->data.data + e->tf_at[b], e->start[b + 1] - e->tf_at[b], bl->n, out);
}

/* Blocks that do not decode to exactly what was encoded. */
static uint64_t count_failures(const Codec *c, const Postings *p, const Encoded *e)
{
    uint32_t out[BLOCK_SIZE];
    uint64_t bad = 0;
    for (size_t b = 0; b < p->nblocks; b++) {
        const Block *bl = &p->blocks[b];
        int ok = decode_ids(c, e, bl, b, out) == e->tf_at[b] - e->start[b] &&
                 !memcmp(out, p->ids + bl->off, bl->n * sizeof *out);
        ok = ok && decode_tfs(c, e, bl, b, out) == e->start[b + 1] - e->tf_at[b] &&
             !memcmp(out, p->tfs + bl->off, bl->n * sizeof *out);
        bad += !ok;
    }
    return bad;
}

/* Terms whose re-encoded blocks differ from the bytes in postings.bin. */
static uint64_t count_index_mismatches(const Index *ix, const Postings *p, const Encoded *e)
{
    size_t len;
    const uint8_t *base = segment_postings_base(index_segment(ix, 0), &len);
    uint64_t bad = 0;
    for (size_t i = 0; i < p->nterms; i++) {
        const TermInfo *t = &p->terms[i].info;
        size_t dir = t->nblocks > 1 ? TERM_FLOORS * 4 + (size_t)t->nblocks * DIR_ENTRY : 0; /* floors, directory */
        size_t first = p->terms[i].first_block, last = first + t->nblocks;
        uint64_t from = e->start[first], bytes = e->start[last] - from;
        bad += bytes != t->postings_len - dir || memcmp(e->data.data + from, base + t->postings_off + dir, bytes);
    }
    return bad;
}

static volatile uint32_t sink; /* keeps the decoding loops from being optimised away */

enum { ALL_BLOCKS, FULL_BLOCKS, PARTIAL_BLOCKS };

static int block_wanted(const Block *bl, int which)
{
    return which == ALL_BLOCKS || (bl->n == BLOCK_SIZE) == (which == FULL_BLOCKS);
}

/* Decodes the id runs (want_ids) or tf runs of the blocks `which` selects,
 * repeatedly for at least MIN_SECONDS; returns millions of integers per
 * second (0 when there are no such blocks). */
static double time_decode(const Codec *c, const Postings *p, const Encoded *e, int want_ids, int which)
{
    uint64_t n = 0;
    for (size_t b = 0; b < p->nblocks; b++) n += block_wanted(&p->blocks[b], which) ? p->blocks[b].n : 0;
    if (!n) return 0;
    uint32_t out[BLOCK_SIZE];
    uint32_t acc = 0;
    uint64_t reps = 0;
    double t0 = now_seconds(), elapsed;
    do {
        for (size_t b = 0; b < p->nblocks; b++) {
            const Block *bl = &p->blocks[b];
            if (!block_wanted(bl, which)) continue;
            if (want_ids) decode_ids(c, e, bl, b, out);
            else decode_tfs(c, e, bl, b, out);
            acc += out[bl->n - 1];
        }
        reps++;
        elapsed = now_seconds() - t0;
    } while (elapsed < MIN_SECONDS);
    sink = acc;
    return (double)reps * (double)n / elapsed / 1e6;
}

/* ---- report ---- */

typedef struct {
    const char *name;
    double bits, id_bits, tf_bits;
    double ids_mis, tfs_mis, all_mis;
    double ids_full, tfs_full, ids_partial, tfs_partial; /* the same split by block kind */
    uint64_t bytes, failures;
    long long index_mismatches; /* -1: not comparable to the index's bytes */
} Result;

static Result measure(const Index *ix, const Codec *c, const Postings *p)
{
    Encoded e;
    encode_all(c, p, &e);
    Result r = {.name = c->name, .bytes = e.id_bytes + e.tf_bytes, .index_mismatches = -1};
    double n = p->n ? (double)p->n : 1;
    r.bits = 8.0 * (double)r.bytes / n;
    r.id_bits = 8.0 * (double)e.id_bytes / n;
    r.tf_bits = 8.0 * (double)e.tf_bytes / n;
    r.failures = count_failures(c, p, &e);
    if (c->enc_ids == bp_enc_ids) r.index_mismatches = (long long)count_index_mismatches(ix, p, &e);
    if (p->n) {
        r.ids_mis = time_decode(c, p, &e, 1, ALL_BLOCKS);
        r.tfs_mis = time_decode(c, p, &e, 0, ALL_BLOCKS);
        r.ids_full = time_decode(c, p, &e, 1, FULL_BLOCKS);
        r.tfs_full = time_decode(c, p, &e, 0, FULL_BLOCKS);
        r.ids_partial = time_decode(c, p, &e, 1, PARTIAL_BLOCKS);
        r.tfs_partial = time_decode(c, p, &e, 0, PARTIAL_BLOCKS);
        r.all_mis = 2.0 / (1.0 / r.ids_mis + 1.0 / r.tfs_mis); /* both runs of every posting */
    }
    encoded_free(&e);
    return r;
}

static void print_json(const Result *r, const Postings *p)
{
    printf("{\"codec\":\"%s\",\"postings\":%llu,\"terms\":%zu,\"blocks\":%zu,\"full_blocks\":%zu,\"bytes\":%llu,"
           "\"bits_per_posting\":%.3f,\"id_bits_per_posting\":%.3f,\"tf_bits_per_posting\":%.3f,"
           "\"ids_mints_per_s\":%.1f,\"tfs_mints_per_s\":%.1f,\"mints_per_s\":%.1f,\"failures\":%llu",
           r->name, (unsigned long long)p->n, p->nterms, p->nblocks, p->full_blocks, (unsigned long long)r->bytes,
           r->bits, r->id_bits, r->tf_bits, r->ids_mis, r->tfs_mis, r->all_mis, (unsigned long long)r->failures);
    printf(",\"full_blocks_ids_mints_per_s\":%.1f,\"full_blocks_tfs_mints_per_s\":%.1f,"
           "\"partial_blocks_ids_mints_per_s\":%.1f,\"partial_blocks_tfs_mints_per_s\":%.1f",
           r->ids_full, r->tfs_full, r->ids_partial, r->tfs_partial);
    if (r->index_mismatches >= 0) printf(",\"terms_differing_from_index\":%lld", r->index_mismatches);
    printf("}\n");
    fflush(stdout);
}

static void print_table(const Result *r, size_t n, const Postings *p)
{
    fprintf(stderr, "\n%llu postings of %zu terms, %zu blocks (%zu full)\n\n", (unsigned long long)p->n, p->nterms,
            p->nblocks, p->full_blocks);
    fprintf(stderr, "| codec | bits/posting | id bits | tf bits | ids M int/s | tfs M int/s | both M int/s "
                    "| ids full/partial | tfs full/partial | failures |\n");
    fprintf(stderr, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "| %s | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f | %.0f / %.0f | %.0f / %.0f | %llu |\n", r[i].name,
                r[i].bits, r[i].id_bits, r[i].tf_bits, r[i].ids_mis, r[i].tfs_mis, r[i].all_mis, r[i].ids_full,
                r[i].ids_partial, r[i].tfs_full, r[i].tfs_partial, (unsigned long long)r[i].failures);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: codec_bench INDEXDIR [MAX_POSTINGS]\n");
        return 2;
    }
    uint64_t max = argc == 3 ? strtoull(argv[2], NULL, 10) : 0;
    Index *ix = index_open(argv[1]);
    if (!ix) {
        fprintf(stderr, "codec_bench: %s\n", err_msg());
        return 2;
    }
    id_limit = (uint32_t)index_stats(ix)->passages;
    Postings p;
    if (load_postings(ix, max, &p) != 0) return 2;
    enum { NCODECS = sizeof CODECS / sizeof CODECS[0] };
    Result res[NCODECS];
    int failed = 0;
    for (size_t i = 0; i < NCODECS; i++) {
        res[i] = measure(ix, &CODECS[i], &p);
        print_json(&res[i], &p);
        failed |= res[i].failures != 0 || res[i].index_mismatches > 0;
    }
    print_table(res, NCODECS, &p);
    index_close(ix);
    free(p.ids), free(p.gaps), free(p.tfs), free(p.blocks), free(p.terms);
    return failed ? 1 : 0;
}
