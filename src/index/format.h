/*
 * format.h: the bytes of the index files, in code. FORMAT.md describes
 * them for people; this header is their one definition for the program.
 * Every fixed-size record has a size constant, a struct of its fields and
 * a put/get pair, and every writer and reader of a file goes through
 * them, so no offset into a record is written anywhere else
 * (tests/index/test_format.c pins each to FORMAT.md's offsets).
 * Integers are little-endian (util.h's rd_* and the wr_* below, which
 * assume a little-endian host as util.c checks).
 *
 * Also here, as they shape the bytes too: the block codec (codec.c), the
 * lexicon keys of the fields (fields.c) and the tf-part the stored maxima
 * are computed with. What reads an index is in reader.h, what writes one
 * in writer.h.
 */
#ifndef INDEX_FORMAT_H
#define INDEX_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analysis/analysis.h"
#include "util/util.h"

#define BLOCK_SIZE 128 /* postings per block */

/* The BM25 parameters an index's block-max scores are precomputed for
 * when its build names none (search index --k1/--b choose others, and
 * meta.bin records them). A query that names no k1 and b scores with the
 * index's, so it always prunes with these exact maxima; queries with other
 * parameters fall back to bounds from the largest tf and smallest length,
 * which hold for any k1 and b. b 0.6 rather than Lucene's 0.75: the better
 * on average over cranfield, cisi and cacm (bench/results/sweep-fine.md,
 * docs/decisions/2026-12-06-ranking-defaults.md). */
#define IMPACT_K1 1.2f
#define IMPACT_B 0.6f
#define IMPACT_K1_MAX 100.0f

typedef struct {
    float k1, b;
} ImpactParams;

/* k1 in [0, IMPACT_K1_MAX], b in [0, 1]: what a query accepts too. A NaN
 * fails every comparison, so it is refused as well (meta.bin is read with
 * this). */
static inline int impact_valid(float k1, float b)
{
    return k1 >= 0 && k1 <= IMPACT_K1_MAX && b >= 0 && b <= 1;
}

/* tf / (tf + k1 * (1 - b + b * len / avgdl)): the part of a BM25 term score
 * that depends on the passage. Written and read with the same float
 * arithmetic so that stored maxima bound query-time scores. */
static inline float bm25_tf_part(float k1, float b, float avgdl, uint32_t tf, uint32_t len)
{
    float norm = k1 * (1.0f - b + b * (float)len / avgdl);
    return (float)tf / ((float)tf + norm);
}
static inline float index_avgdl(uint64_t total_length, uint64_t passages)
{
    float a = passages ? (float)((double)total_length / (double)passages) : 1.0f;
    return a > 0 ? a : 1.0f;
}

/* A term of several blocks stores, ahead of its block directory, the
 * tf-part of its 10th, 100th and 1000th best postings (0 where it has
 * fewer): k passages score at least that on the term alone, a floor under
 * the top-k threshold before any posting is read (threshold.c). */
#define TERM_FLOORS 3
static inline uint32_t term_floor_rank(size_t i) { return i == 0 ? 10 : i == 1 ? 100 : 1000; }
/* The floor a top-k query may use: the smallest rank >= k (its k-th best
 * is no lower), or TERM_FLOORS when k is above them all. */
static inline size_t term_floor_for(size_t k)
{
    size_t r = 0;
    while (r < TERM_FLOORS && term_floor_rank(r) < k) r++;
    return r;
}

/* Lexicon order: bytes compared as unsigned (memcmp), a proper prefix
 * first. */
static inline int key_cmp(const void *a, size_t la, const void *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* ---- little-endian encoding (rd_u16/32/64 in util.h decode) ---- */

static inline void wr_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void wr_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void wr_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline void wr_f32(uint8_t *p, float v) { memcpy(p, &v, 4); }
static inline float rd_f32(const uint8_t *p)
{
    float v;
    memcpy(&v, p, 4);
    return v;
}

/* ---- file frame (index_file.c): every file's 32-byte header ---- */

#define FRAME_MAGIC "PSGINDEX"
#define FRAME_VERSION 8
#define FRAME_BYTES 32
#define FRAME_CHECKED_BYTES 28 /* the header's own CRC32 covers these */

typedef struct {
    char magic[8];       /* FRAME_MAGIC */
    char kind[4];        /* META, LEXI, ... */
    uint32_t version;    /* FRAME_VERSION */
    uint64_t len;        /* payload bytes after the header */
    uint32_t crc;        /* CRC32 of the payload */
    uint32_t header_crc; /* CRC32 of the first FRAME_CHECKED_BYTES */
} FrameHeader;

/* The header of a payload of len bytes with CRC32 crc, its own CRC32
 * computed here. */
static inline void frame_put(uint8_t *p, const char kind[4], uint64_t len, uint32_t crc)
{
    memset(p, 0, FRAME_BYTES);
    memcpy(p, FRAME_MAGIC, 8);
    memcpy(p + 8, kind, 4);
    wr_u32(p + 12, FRAME_VERSION);
    wr_u64(p + 16, len);
    wr_u32(p + 24, crc);
    wr_u32(p + 28, crc32_of(p, FRAME_CHECKED_BYTES));
}
static inline void frame_get(const uint8_t *p, FrameHeader *h)
{
    memcpy(h->magic, p, 8);
    memcpy(h->kind, p + 8, 4);
    h->version = rd_u32(p + 12);
    h->len = rd_u64(p + 16);
    h->crc = rd_u32(p + 24);
    h->header_crc = rd_u32(p + 28);
}

/* ---- the u64 count at the head of lexicon.bin, passages.bin,
 * articles.bin, manifest.bin and sources.bin ---- */

#define COUNT_BYTES 8
static inline void count_put(uint8_t *p, uint64_t n) { wr_u64(p, n); }
static inline uint64_t count_get(const uint8_t *p) { return rd_u64(p); }

/* ---- meta.bin: the whole payload ---- */

#define META_BYTES 96
#define META_LANGUAGE_BYTES 32

typedef struct {
    uint64_t passages, articles;
    uint64_t terms, postings;     /* lexicon keys, and their df summed */
    uint64_t total_length;        /* body tokens of every passage */
    uint32_t passage_words;
    uint32_t stopwords;           /* 0/1 */
    uint32_t block_size;          /* BLOCK_SIZE */
    uint32_t letters_only;        /* 0/1 */
    float k1, b;                  /* of the stored maxima */
    char language[META_LANGUAGE_BYTES]; /* NUL-padded */
} MetaRecord;

static inline void meta_put(uint8_t *p, const MetaRecord *m)
{
    wr_u64(p, m->passages);
    wr_u64(p + 8, m->articles);
    wr_u64(p + 16, m->terms);
    wr_u64(p + 24, m->postings);
    wr_u64(p + 32, m->total_length);
    wr_u32(p + 40, m->passage_words);
    wr_u32(p + 44, m->stopwords);
    wr_u32(p + 48, m->block_size);
    wr_u32(p + 52, m->letters_only);
    wr_f32(p + 56, m->k1);
    wr_f32(p + 60, m->b);
    memcpy(p + 64, m->language, META_LANGUAGE_BYTES);
}
static inline void meta_get(const uint8_t *p, MetaRecord *m)
{
    m->passages = rd_u64(p);
    m->articles = rd_u64(p + 8);
    m->terms = rd_u64(p + 16);
    m->postings = rd_u64(p + 24);
    m->total_length = rd_u64(p + 32);
    m->passage_words = rd_u32(p + 40);
    m->stopwords = rd_u32(p + 44);
    m->block_size = rd_u32(p + 48);
    m->letters_only = rd_u32(p + 52);
    m->k1 = rd_f32(p + 56);
    m->b = rd_f32(p + 60);
    memcpy(m->language, p + 64, META_LANGUAGE_BYTES);
}

/* ---- lexicon.bin: COUNT_BYTES, T entries, the key pool ---- */

#define LEX_ENTRY_BYTES 40

typedef struct {
    uint64_t postings_off; /* in the postings.bin payload */
    uint32_t postings_len; /* bytes */
    uint32_t df;
    uint32_t max_tf;
    uint32_t key_off;      /* in the pool */
    uint32_t key_len;      /* 1..FIELD_KEY_MAX */
    float max_tf_part;     /* largest over the term's postings */
    uint64_t positions_off; /* in the positions.bin payload */
} LexEntry;

static inline void lex_entry_put(uint8_t *p, const LexEntry *e)
{
    wr_u64(p, e->postings_off);
    wr_u32(p + 8, e->postings_len);
    wr_u32(p + 12, e->df);
    wr_u32(p + 16, e->max_tf);
    wr_u32(p + 20, e->key_off);
    wr_u32(p + 24, e->key_len);
    wr_f32(p + 28, e->max_tf_part);
    wr_u64(p + 32, e->positions_off);
}
/* Inline, and so cheap for a caller that wants one field: the loads of
 * the others are dropped (look-ups read entries in their inner loop). */
static inline void lex_entry_get(const uint8_t *p, LexEntry *e)
{
    e->postings_off = rd_u64(p);
    e->postings_len = rd_u32(p + 8);
    e->df = rd_u32(p + 12);
    e->max_tf = rd_u32(p + 16);
    e->key_off = rd_u32(p + 20);
    e->key_len = rd_u32(p + 24);
    e->max_tf_part = rd_f32(p + 28);
    e->positions_off = rd_u64(p + 32);
}

/* ---- postings.bin: per term of B > 1 blocks, floors and a block
 * directory ahead of the blocks ---- */

#define FLOORS_BYTES (TERM_FLOORS * 4)

static inline void floors_put(uint8_t *p, const float f[TERM_FLOORS])
{
    for (size_t r = 0; r < TERM_FLOORS; r++) wr_f32(p + 4 * r, f[r]);
}
static inline void floors_get(const uint8_t *p, float f[TERM_FLOORS])
{
    for (size_t r = 0; r < TERM_FLOORS; r++) f[r] = rd_f32(p + 4 * r);
}

#define BLOCK_ENTRY_BYTES 16
#define BLOCK_ENTRY_CAP 65535 /* max_tf: "at least"; min_len: capped */

typedef struct {
    uint32_t last;     /* the block's last passage id */
    uint32_t end;      /* its end, from the first block's start */
    float max_tf_part; /* largest in the block */
    uint16_t max_tf;   /* largest tf, BLOCK_ENTRY_CAP meaning that or more */
    uint16_t min_len;  /* smallest passage length, capped */
} BlockEntry;

/* The bytes a term's floors and directory take ahead of its blocks. */
static inline uint64_t block_dir_bytes(uint64_t nblocks)
{
    return nblocks > 1 ? FLOORS_BYTES + nblocks * BLOCK_ENTRY_BYTES : 0;
}
static inline void block_entry_put(uint8_t *p, const BlockEntry *e)
{
    wr_u32(p, e->last);
    wr_u32(p + 4, e->end);
    wr_f32(p + 8, e->max_tf_part);
    wr_u16(p + 12, e->max_tf);
    wr_u16(p + 14, e->min_len);
}
/* Entry b of a directory; inline for the cursors' skipping loops, which
 * use one field of it. */
static inline BlockEntry block_entry_get(const uint8_t *dir, uint32_t b)
{
    const uint8_t *p = dir + (size_t)b * BLOCK_ENTRY_BYTES;
    BlockEntry e = {rd_u32(p), rd_u32(p + 4), rd_f32(p + 8), rd_u16(p + 12), rd_u16(p + 14)};
    return e;
}

/* ---- positions.bin: a header, then per term a block table of u32 ends
 * (positions.c both writes and reads those) and the blocks ---- */

#define POSITIONS_HEADER_BYTES 16
#define POSITIONS_END_BYTES 4 /* one block end of a term's table */

typedef struct {
    uint64_t terms;     /* as in lexicon.bin */
    uint64_t positions; /* sum of tf over all postings */
} PositionsHeader;

static inline void positions_header_put(uint8_t *p, const PositionsHeader *h)
{
    wr_u64(p, h->terms);
    wr_u64(p + 8, h->positions);
}
static inline void positions_header_get(const uint8_t *p, PositionsHeader *h)
{
    h->terms = rd_u64(p);
    h->positions = rd_u64(p + 8);
}

/* ---- passages.bin: COUNT_BYTES, N records, N u32 lengths, N u16 short
 * lengths ---- */

#define PASSAGE_RECORD_BYTES 24
#define PASSAGE_LENGTH_BYTES 4
#define PASSAGE_SHORT_BYTES 2
/* A short length is the length itself below the cap, the cap otherwise
 * (then the u32 length is read): half the bytes for the scoring loops to
 * fetch, each of which reads one length per posting at a random place. */
#define SHORT_LENGTH_CAP 65535u
static inline uint16_t short_length(uint32_t len) { return len < SHORT_LENGTH_CAP ? (uint16_t)len : SHORT_LENGTH_CAP; }

typedef struct {
    uint32_t article; /* index into articles */
    uint32_t ordinal; /* passage number within the article, from 0 */
    uint64_t start;   /* byte range in the article's file */
    uint64_t end;
} PassageInfo;

static inline void passage_record_put(uint8_t *p, const PassageInfo *r)
{
    wr_u32(p, r->article);
    wr_u32(p + 4, r->ordinal);
    wr_u64(p + 8, r->start);
    wr_u64(p + 16, r->end);
}
static inline void passage_record_get(const uint8_t *p, PassageInfo *r)
{
    r->article = rd_u32(p);
    r->ordinal = rd_u32(p + 4);
    r->start = rd_u64(p + 8);
    r->end = rd_u64(p + 16);
}

/* ---- articles.bin: COUNT_BYTES, A records, the string pool ---- */

#define ARTICLE_RECORD_BYTES 56

typedef struct {
    uint32_t id_off, id_len;       /* strings: offsets in the pool */
    uint32_t path_off, path_len;
    uint32_t title_off, title_len;
    uint32_t first_passage, npassages;
    uint64_t size;                 /* the source file's */
    int64_t mtime;                 /* ns since the epoch */
    uint64_t hash;                 /* article_hash */
} ArticleRecord;

static inline void article_record_put(uint8_t *p, const ArticleRecord *r)
{
    wr_u32(p, r->id_off);
    wr_u32(p + 4, r->id_len);
    wr_u32(p + 8, r->path_off);
    wr_u32(p + 12, r->path_len);
    wr_u32(p + 16, r->title_off);
    wr_u32(p + 20, r->title_len);
    wr_u32(p + 24, r->first_passage);
    wr_u32(p + 28, r->npassages);
    wr_u64(p + 32, r->size);
    wr_u64(p + 40, (uint64_t)r->mtime);
    wr_u64(p + 48, r->hash);
}
static inline void article_record_get(const uint8_t *p, ArticleRecord *r)
{
    r->id_off = rd_u32(p);
    r->id_len = rd_u32(p + 4);
    r->path_off = rd_u32(p + 8);
    r->path_len = rd_u32(p + 12);
    r->title_off = rd_u32(p + 16);
    r->title_len = rd_u32(p + 20);
    r->first_passage = rd_u32(p + 24);
    r->npassages = rd_u32(p + 28);
    r->size = rd_u64(p + 32);
    r->mtime = (int64_t)rd_u64(p + 40);
    r->hash = rd_u64(p + 48);
}

/* ---- store.bin: a header, the dictionary, the blocks, the directory last ---- */

#define STORE_HEADER_BYTES 16
#define STORE_ENTRY_BYTES 24

typedef struct {
    uint32_t nblocks;   /* K */
    uint32_t npassages; /* N */
    uint32_t dict_len;  /* D: the zstd dictionary's bytes, 0 for none */
} StoreHeader;

typedef struct {
    uint32_t first;   /* its first passage id */
    uint32_t raw_len; /* uncompressed bytes */
    uint64_t offset;  /* of its frame, from the start of the block area */
    uint32_t clen;    /* compressed bytes */
} StoreEntry;

static inline void store_header_put(uint8_t *p, const StoreHeader *h)
{
    wr_u32(p, h->nblocks);
    wr_u32(p + 4, h->npassages);
    wr_u32(p + 8, h->dict_len);
    wr_u32(p + 12, 0); /* reserved */
}
static inline void store_header_get(const uint8_t *p, StoreHeader *h)
{
    h->nblocks = rd_u32(p);
    h->npassages = rd_u32(p + 4);
    h->dict_len = rd_u32(p + 8);
}
static inline void store_entry_put(uint8_t *p, const StoreEntry *e)
{
    wr_u32(p, e->first);
    wr_u32(p + 4, e->raw_len);
    wr_u64(p + 8, e->offset);
    wr_u32(p + 16, e->clen);
    wr_u32(p + 20, 0); /* reserved */
}
/* Entry b of the directory at dir. */
static inline StoreEntry store_entry_get(const uint8_t *dir, uint32_t b)
{
    const uint8_t *p = dir + (size_t)b * STORE_ENTRY_BYTES;
    StoreEntry e = {rd_u32(p), rd_u32(p + 4), rd_u64(p + 8), rd_u32(p + 16)};
    return e;
}

/* ---- manifest.bin: COUNT_BYTES, S entries ---- */

#define MANIFEST_ENTRY_BYTES 8

typedef struct {
    uint32_t number;      /* seg-%06u */
    uint32_t has_deletes; /* 1: the commit holds its del-%06u.bin */
} ManifestEntry;

static inline void manifest_entry_put(uint8_t *p, const ManifestEntry *e)
{
    wr_u32(p, e->number);
    wr_u32(p + 4, e->has_deletes);
}
static inline void manifest_entry_get(const uint8_t *p, ManifestEntry *e)
{
    e->number = rd_u32(p);
    e->has_deletes = rd_u32(p + 4);
}

/* ---- del-N.bin: a header, two bitmaps of u64 words, T term entries ---- */

#define DELETES_HEADER_BYTES 48
#define DELETES_WORD_BYTES 8
#define DELETES_TERM_BYTES 8

typedef struct {
    uint64_t npassages, narticles; /* of the segment */
    uint64_t passages, articles;   /* deleted */
    uint64_t length;               /* the deleted passages' lengths summed */
    uint64_t nterms;               /* terms with deleted postings */
} DeletesHeader;

typedef struct {
    uint32_t ord;   /* the term's lexicon ordinal */
    uint32_t count; /* its postings on deleted passages */
} DeletesTerm;

static inline void deletes_header_put(uint8_t *p, const DeletesHeader *h)
{
    wr_u64(p, h->npassages);
    wr_u64(p + 8, h->narticles);
    wr_u64(p + 16, h->passages);
    wr_u64(p + 24, h->articles);
    wr_u64(p + 32, h->length);
    wr_u64(p + 40, h->nterms);
}
static inline void deletes_header_get(const uint8_t *p, DeletesHeader *h)
{
    h->npassages = rd_u64(p);
    h->narticles = rd_u64(p + 8);
    h->passages = rd_u64(p + 16);
    h->articles = rd_u64(p + 24);
    h->length = rd_u64(p + 32);
    h->nterms = rd_u64(p + 40);
}
static inline void deletes_term_put(uint8_t *p, const DeletesTerm *t)
{
    wr_u32(p, t->ord);
    wr_u32(p + 4, t->count);
}
static inline void deletes_term_get(const uint8_t *p, DeletesTerm *t)
{
    t->ord = rd_u32(p);
    t->count = rd_u32(p + 4);
}

/* ---- sources.bin: COUNT_BYTES, F entries of u64 stamp, varint key
 * length, key bytes (sources.c) ---- */

#define SOURCE_ENTRY_MIN_BYTES 10 /* a stamp, a length byte, a key byte */

typedef struct {
    uint64_t stamp;  /* 0: unknown */
    const char *key; /* kind byte and name; in the buffer read */
    size_t key_len;  /* at least 1 */
} SourceEntry;

static inline void source_entry_put(Buf *b, uint64_t stamp, const char *key, size_t len)
{
    buf_put_u64(b, stamp);
    buf_put_varint(b, len);
    buf_append(b, key, len);
}
/* The entry at p, before end: the bytes it takes, or 0 when it does not
 * fit or its key is empty. */
static inline size_t source_entry_get(const uint8_t *p, const uint8_t *end, SourceEntry *e)
{
    uint64_t klen;
    size_t used = (size_t)(end - p) >= 8 ? rd_varint(p + 8, end, &klen) : 0;
    if (!used || klen == 0 || klen > (uint64_t)(end - p) - 8 - used) return 0;
    e->stamp = rd_u64(p);
    e->key = (const char *)p + 8 + used;
    e->key_len = (size_t)klen;
    return 8 + used + (size_t)klen;
}

/* ---- codec.c: blocks of up to BLOCK_SIZE integers ---- */

/* Bits needed for the largest of n values (0..32). */
unsigned bits_needed(const uint32_t *v, size_t n);
/* Writes [bits:u8][n values packed at that width, LSB first] and returns
 * the bytes written (at most 1 + 4n). */
size_t bp_encode(const uint32_t *in, size_t n, uint8_t *out);
/* Reads what bp_encode wrote for n values from at most avail bytes.
 * Returns bytes consumed, or 0 if the data is corrupt or short. */
size_t bp_decode(const uint8_t *in, size_t avail, uint32_t *out, size_t n);
/* Full blocks of exactly BLOCK_SIZE values, in SIMD-BP128's vertical
 * layout (FORMAT.md): [u8 bits][16 * bits bytes]. Same contract as above. */
size_t bp128_encode(const uint32_t *in, uint8_t *out);
size_t bp128_encode_scalar(const uint32_t *in, uint8_t *out); /* the same bytes, lane by lane */
size_t bp128_decode(const uint8_t *in, size_t avail, uint32_t *out);
/* The same for a run none of whose values may be above top (a block's
 * tfs against its stored largest): 0 when one is, as for corrupt data.
 * The check rides along the unpacking, a compare per four values (a
 * second pass over them cost 3% of a k=1000 union). */
size_t bp128_decode_upto(const uint8_t *in, size_t avail, uint32_t *out, uint32_t top);
size_t bp_decode_upto(const uint8_t *in, size_t avail, uint32_t *out, size_t n, uint32_t top);
/* Appends n values (1..BLOCK_SIZE) to b: a full block with bp128_encode,
 * fewer with bp_encode. Packed in place, where packing into a scratch
 * block and copying cost a memmove call per few dozen bytes (3.8% of a
 * build's samples). */
void buf_put_packed(Buf *b, const uint32_t *v, size_t n);
size_t bp128_decode_scalar(const uint8_t *in, size_t avail, uint32_t *out);
/* Unpacks a full block of (gap - 1) values straight into ids following
 * base, rejecting any id >= limit; 0 when corrupt. */
size_t bp128_decode_ids(const uint8_t *in, size_t avail, uint32_t *out, uint32_t base, uint32_t limit);

/* ---- fields.c ---- */

/* A passage is indexed in three fields. Title and heading terms live in the
 * same lexicon as body terms, under a key of one field byte and the term
 * (analysed terms have no byte below 0x20, so keys cannot collide). */
enum { FIELD_BODY = 0, FIELD_TITLE = 1, FIELD_HEADING = 2, NFIELDS = 3 };
#define FIELD_KEY_MAX (TERM_MAX_BYTES + 1)
/* The lexicon key of an analysed term in field f: the term for the body,
 * else the byte f and the term. Writes it to out (room for FIELD_KEY_MAX
 * bytes) and returns its length. */
size_t field_key(int field, const char *term, size_t len, char *out);
/* The other way: the field of a lexicon key, and where its term starts. */
int key_field(const char *key, size_t len, const char **term, size_t *term_len);
/* "body", "title" or "heading": the name queries use for a field. */
const char *field_name(int field);

#endif
