/*
 * index.h: the on-disk inverted index, writer side and reader side.
 * The byte layout of every file is documented in FORMAT.md (and only there).
 *
 *   codec.c          bit-packing of blocks of up to 128 integers
 *   postings_mem.c   in-memory postings while indexing (term -> gaps, tfs)
 *   index_file.c     the common file frame: header, CRC32, write + fsync,
 *                    mmap + verify
 *   index_writer.c   writes meta, lexicon, postings, passages, articles
 *   docstore.c       the zstd-compressed passage text store (both sides)
 *   segment.c        opens one segment (the seven files of part of the
 *                    corpus); lexicon look-ups; passage and article records
 *   deletes.c        the passages and articles a commit deleted from a
 *                    segment, and the postings they take from each term
 *   index_reader.c   opens the live commit: its segments seen as one index
 *                    (global passage ids, statistics without the deleted)
 *   postings.c       PostingCursor: block-skipping iteration over a term
 *   positions.c      token positions per posting: block encoding (writer)
 *                    and PositionCursor (reader), for phrase queries
 *   fields.c         lexicon keys of the title and heading fields
 *   publish.c        atomic publication: generation directories + CURRENT
 *   bisection.c      an article order that clusters similar articles
 *                    (recursive graph bisection), for merges that reorder
 *   indexer.c        the pipeline corpus -> passages -> terms -> index
 *   check.c          search check: every posting, position and record verified
 */
#ifndef INDEX_H
#define INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analysis.h"
#include "corpus/corpus.h"
#include "util/util.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define BLOCK_SIZE 128 /* postings per block */

/* The BM25 parameters block-max scores are precomputed for (the query
 * defaults). Queries with other parameters fall back to bounds from the
 * largest tf and smallest length, which hold for any k1 and b. */
#define IMPACT_K1 1.2f
#define IMPACT_B 0.75f

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

/* ---- codec.c ---- */

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

/* ---- postings_mem.c ---- */

typedef struct {
    Buf data;          /* per passage: varint passage gap, varint tf, then tf
                          varint positions (first absolute, then gaps) */
    uint32_t last_pid; /* last passage appended (gap base) */
    uint32_t df;       /* passages containing the term */
} MemPostings;

/* A term of the passage being added: its occurrences so far. */
typedef struct {
    uint32_t term;        /* index into MemIndex.lists */
    uint32_t tf;          /* occurrences */
    uint32_t first, last; /* chain of them through MemIndex.tok_next */
} MemTouched;

/* An entry of the current passage's table from term to MemTouched. */
typedef struct {
    uint32_t stamp; /* the passage id + 1 it was set in: older is empty */
    uint32_t term;
    uint32_t slot;  /* its MemIndex.touched entry */
} MemSeen;

/* Where the lists' small buffers come from (postings_mem.c): slabs cut
 * into chunks of SMALL_CLASSES power-of-two sizes, with a free list per
 * size for the chunks that a growing list left behind. */
#define SMALL_CLASSES 8
typedef struct {
    uint8_t **slabs;
    size_t nslabs, used; /* allocated / in use (the rest kept for reuse) */
    uint8_t *at, *end;   /* what is left of slab used - 1 */
    void *free_list[SMALL_CLASSES];
} SmallChunks;

typedef struct {
    StrMap terms;        /* term -> index into lists */
    MemPostings *lists;  /* per term */
    size_t nlists, cap;  /* used / allocated */
    MemTouched *touched; /* terms seen in the current passage */
    size_t ntouched, touched_cap;
    MemSeen *seen;       /* which terms those are: open addressing, small */
    size_t seen_cap;     /* power of two, > 2 x ntouched */
    uint32_t *tok_pos;   /* the current passage's occurrences: position */
    uint32_t *tok_next;  /* and the next occurrence of the same term */
    size_t ntok, tok_cap;
    size_t data_bytes;   /* allocated for the lists' data, outside the slabs */
    SmallChunks small;   /* the lists' buffers of up to SMALL_MAX bytes */
    uint8_t *stage;      /* stage_terms lines: the latest records of the
                            first terms (postings_mem.c), NULL until used */
    uint32_t stage_terms; /* 0 (memindex_init): none */
} MemIndex;

void memindex_init(MemIndex *m);
/* Gives the first terms staging lines, as many as fit in bytes. */
void memindex_stage(MemIndex *m, size_t bytes);
/* Moves every record still in a staging line to its list: before the
 * lists are read (the runs and the final merge do it). */
void memindex_flush(MemIndex *m);
/* The id of a term, added when new. */
uint32_t memindex_term(MemIndex *m, const char *term, size_t len);
/* The same, h its hash_bytes, after memindex_term_prefetch(m, h): the
 * terms' table is too large for the caches, so a batch of look-ups fetches
 * its slots first. */
uint32_t memindex_term_hashed(MemIndex *m, const char *term, size_t len, uint32_t h);
static inline void memindex_term_prefetch(const MemIndex *m, uint32_t h) { strmap_prefetch(&m->terms, h); }
/* One occurrence of term t at position pos of passage pid (passages are
 * added in order, the occurrences of one term in increasing positions). */
void memindex_add(MemIndex *m, uint32_t pid, uint32_t t, uint32_t pos);
/* Starts fetching term t's record (one cache line), which the passage's
 * end will read. */
static inline void memindex_prefetch(const MemIndex *m, uint32_t t) { __builtin_prefetch(&m->lists[t], 1); }
void memindex_end_passage(MemIndex *m, uint32_t pid); /* flushes tfs */
/* Heap bytes held: what a memory budget counts. */
size_t memindex_bytes(const MemIndex *m);
/* Empties every term's postings (after they went to a run); the terms
 * and their ids stay. */
void memindex_clear_postings(MemIndex *m);
/* Frees everything; m is empty again, with its staging size kept. */
void memindex_free(MemIndex *m);

/* ---- index_file.c ---- */

typedef struct {
    const uint8_t *map;     /* whole mapping */
    size_t size;            /* its size */
    const uint8_t *payload; /* after the header */
    size_t len;             /* payload bytes */
} MappedFile;

/* Writes header + payload to dir/name, fsyncs it. */
int file_write(const char *dir, const char *name, const char kind[4], const Buf *payload);

/* A framed file written as a stream, for files too large to hold in
 * memory: the payload is appended through a buffer while its CRC32 runs;
 * its first `prefix` bytes (counts known only at the end) and the header
 * are written by fileout_close, which fsyncs. A spill is a plain scratch
 * file for a section that precedes others in the format but is produced
 * alongside them; fileout_append_spill moves it to the end of a file
 * (without reading it back where the kernel can copy) and removes it.
 * Errors are kept until close (or append), which returns -1 with err_msg
 * set. */
#define FILEOUT_BUFFER (256u << 10)
typedef struct {
    int fd;
    int failed, spill;
    size_t prefix;
    uint64_t len;  /* payload bytes after the prefix, so far */
    uint64_t at;   /* the file's offset after what was written out */
    uint64_t writeback; /* the offset up to which writing back was started */
    uint32_t crc;  /* of those written out (not of buf) */
    Buf buf;
    char path[4096];
    char err[512];
} FileOut;

int fileout_open(FileOut *f, const char *dir, const char *name, size_t prefix);
int fileout_open_spill(FileOut *f, const char *dir, const char *name);
void fileout_write(FileOut *f, const void *p, size_t n);
/* For an encoder that appends to a Buf: f's buffer, flushed first when
 * full; fileout_wrote then counts what was appended since it held `before`
 * bytes. Saves the copy from a scratch buffer. */
Buf *fileout_buf(FileOut *f);
void fileout_wrote(FileOut *f, size_t before);
int fileout_append_spill(FileOut *f, FileOut *spill); /* discards spill */
int fileout_finish_spill(FileOut *f); /* closes a spill, keeping the file */
/* prefix: f's prefix bytes; adds the file's size to *bytes (may be NULL). */
int fileout_close(FileOut *f, const char kind[4], const void *prefix, uint64_t *bytes);
void fileout_discard(FileOut *f); /* closes and removes it */
/* Maps dir/name and checks magic, kind, version, length and CRC32. */
int file_map(const char *dir, const char *name, const char kind[4], MappedFile *out);
/* The same without reading the payload for its CRC32 (only the header's
 * is checked): for the large files of a segment, whose readers check
 * every length and offset they use, so that opening an index costs the
 * same whatever its size; file_verify reads the CRC32 later. */
int file_map_lazy(const char *dir, const char *name, const char kind[4], MappedFile *out);
/* The payload's CRC32 of a file mapped by file_map_lazy, read in full
 * (search check, and a merge before it reads a segment). */
int file_verify(const char *dir, const char *name, const MappedFile *f);
/* Drops a mapping's pages (those wholly below upto) from the process;
 * they stay in the page cache and the next access maps them again.
 * Checks that walk a large index from end to end call it as they go, so
 * that opening one does not hold all of it in resident memory. */
void file_release_below(const MappedFile *f, const void *upto);
void file_release(const MappedFile *f);
void file_unmap(MappedFile *f);

/* ---- the index as the query side sees it ---- */

typedef struct {
    uint64_t passages;     /* N */
    uint64_t articles;
    uint64_t terms;        /* lexicon keys, all fields */
    uint64_t postings;     /* (key, passage) pairs, all fields */
    uint64_t positions;    /* stored positions: sum of tf over all postings */
    uint64_t total_length; /* sum of passage lengths in body tokens */
    uint32_t passage_words;/* the passage size it was built with */
    AnalysisConfig analysis;
    float impact_k1;       /* parameters of the stored block maxima */
    float impact_b;
} IndexStats;

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
/* The k-th largest of v[0..n) (1 <= k <= n), which it reorders so that
 * v[0..k) are the k largest. */
float floats_select_largest(float *v, size_t n, size_t k);
/* The floors of a term with these tf-parts (df > BLOCK_SIZE), reordering
 * them. */
void term_floors(float *parts, size_t df, float floors[TERM_FLOORS]);

typedef struct {
    uint64_t postings_off; /* into the postings payload */
    uint32_t postings_len; /* bytes */
    uint32_t df;
    uint32_t max_tf;
    uint32_t nblocks;
    float max_tf_part;     /* largest bm25_tf_part over the term's postings,
                              at impact_k1 / impact_b */
    uint64_t positions_off; /* the term's positions in the positions payload */
    uint64_t positions_len; /* bytes */
    uint64_t ord;          /* its place in the segment's lexicon */
} TermInfo;

typedef struct {
    uint32_t article; /* index into articles */
    uint32_t ordinal; /* passage number within the article, from 0 */
    uint64_t start;   /* byte range in the article's file */
    uint64_t end;
} PassageInfo;

typedef struct {
    const char *id, *path, *title; /* not NUL-terminated: use the lengths */
    uint32_t id_len, path_len, title_len;
    uint32_t first_passage, npassages;
    uint64_t size;   /* its source file's size and modification time (ns) */
    int64_t mtime;   /* when indexed, and a hash of its text and title: */
    uint64_t hash;   /* what an incremental reindex compares */
} ArticleInfo;

/* Lexicon order: bytes compared as unsigned (memcmp), a proper prefix
 * first. */
static inline int key_cmp(const void *a, size_t la, const void *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* docstore.c: reads texts keeping the last block decompressed, so that reading in id
 * order decompresses each block once. */
typedef struct {
    uint32_t block; /* the block held, or UINT32_MAX */
    uint32_t first; /* its first passage */
    Buf raw;        /* its bytes */
    Buf spans;      /* per passage of it: u32 offset in raw, u32 length */
    struct ZSTD_DCtx_s *dec; /* zstd's ZSTD_DCtx, made at the first block read */
} DocStoreCursor;

/* One segment: an immutable directory of the seven files (FORMAT.md). */
typedef struct Segment Segment;

/* Opens a segment, reading only what is small (segment.c says what);
 * every large payload is checked as it is read. */
Segment *segment_open(const char *dir);
/* A segment this process has just written: segment_verify's checks at
 * once, but the files' CRC32s, which were computed as the files were
 * written (re-reading them from the page cache would verify no disk). */
Segment *segment_open_written(const char *dir);
/* Everything segment_open left to the readers, at once: every file's
 * CRC32 (but a written segment's), every lexicon entry and the keys'
 * order, every record and block directory. 0, or -1 with err_msg naming
 * the file. For search check, and a merge before it reads a segment. */
int segment_verify(const Segment *sg);
/* Sets err_msg to "index file DIR/FILE is corrupt: WHY (rebuild ...)",
 * WHY formatted; returns -1. */
int segment_corrupt(const Segment *sg, const char *file, const char *fmt, ...) PRINTF_LIKE(3, 4);
void segment_close(Segment *sg);
const IndexStats *segment_stats(const Segment *sg);
const char *segment_dir(const Segment *sg);
const uint32_t *segment_lengths(const Segment *sg); /* passage lengths, N entries */
/* 1 and *out filled when the key is in the lexicon, 0 when it is not,
 * -1 (err_msg set) when a lexicon entry it reads is corrupt. */
int segment_lookup(const Segment *sg, const char *key, size_t len, TermInfo *out);
/* The i-th key in lexicon order (for prefix expansion and checks): 1, 0
 * past the end, -1 when its entry is corrupt. */
int segment_term_at(const Segment *sg, uint64_t i, const char **key, size_t *len, TermInfo *out);
/* The lexicon range of the keys that start with prefix (memcmp order):
 * *first the index of the first, *count how many; -1 when corrupt. */
int segment_prefix_range(const Segment *sg, const char *prefix, size_t len, uint64_t *first, uint64_t *count);
/* A passage's and an article's record, checked as they are read: -1 for
 * an id out of range, or (err_msg set) a corrupt record; *out is then
 * zeroed, its strings empty. */
int segment_passage(const Segment *sg, uint32_t pid, PassageInfo *out);
int segment_article(const Segment *sg, uint32_t aid, ArticleInfo *out);
/* The passage's text into out (replacing its contents); -1 if corrupt,
 * its passage and article records included. */
int segment_passage_text(const Segment *sg, uint32_t pid, Buf *out);
/* The same through a cursor (docstore.c): cheap in id order. */
int segment_passage_read(const Segment *sg, uint32_t pid, DocStoreCursor *c, const char **text, size_t *len);
const uint8_t *segment_postings_base(const Segment *sg, size_t *len);
const uint8_t *segment_positions_base(const Segment *sg, size_t *len);

/* The keys of several segments in lexicon order, each once: a k-way merge
 * of their lexicons (for prefix expansion across segments, and merging). */
typedef struct {
    const Segment *const *seg;
    size_t n;
    uint64_t *at, *end; /* per segment: its next entry, the end of its range */
} LexMerge;

/* Over the keys starting with prefix (len 0: every key); -1 when a
 * lexicon is corrupt (lexmerge_free m all the same). */
int lexmerge_init(LexMerge *m, const Segment *const *segs, size_t n, const char *prefix, size_t len);
/* The next key: returns 1 with *key, *len set and, per segment i, has[i]
 * and (when it has the key) info[i]; 0 at the end; -1 when an entry is
 * corrupt. */
int lexmerge_next(LexMerge *m, const char **key, size_t *len, uint8_t *has, TermInfo *info);
void lexmerge_free(LexMerge *m);

/* ---- deletes.c ---- */

/* What one commit deleted from one segment (FORMAT.md, del-N.bin). */
typedef struct {
    uint64_t npassages, narticles; /* of the segment */
    uint64_t passages, articles;   /* deleted */
    uint64_t length;               /* sum of the deleted passages' lengths */
    uint64_t postings;             /* deleted postings, all terms */
    uint64_t *passage_bits;        /* bit pid set: deleted */
    uint64_t *article_bits;
    uint32_t *term_ord, *term_count; /* sorted lexicon ordinals with deleted
                                        postings, and how many */
    uint64_t nterms;
} Deletes;

static inline int bit_get(const uint64_t *bits, uint64_t i) { return (int)((bits[i >> 6] >> (i & 63)) & 1); }
static inline void bit_set(uint64_t *bits, uint64_t i) { bits[i >> 6] |= 1ull << (i & 63); }

/* Empty deletes for a segment. */
void deletes_init(Deletes *d, const Segment *sg);
void deletes_free(Deletes *d);
void deletes_copy(Deletes *d, const Deletes *from);
/* Marks article aid of sg deleted, with all its passages. */
void deletes_article(Deletes *d, const Segment *sg, uint32_t aid);
/* Counts every term's postings on deleted passages (reads all of sg's
 * postings), filling term_ord / term_count and postings. */
int deletes_count_terms(Deletes *d, const Segment *sg);
/* The deleted postings of the term at lexicon ordinal ord. */
uint32_t deletes_of_term(const Deletes *d, uint64_t ord);
int deletes_write(const Deletes *d, const char *dir, const char *name);
/* Reads and validates dir/name against its segment. */
int deletes_read(Deletes *d, const char *dir, const char *name, const Segment *sg);

/* ---- index_reader.c ---- */

/* A commit's list of segments (FORMAT.md, manifest.bin). */
#define MANIFEST_MAX_SEGMENTS 64
typedef struct {
    size_t n;
    uint32_t number[MANIFEST_MAX_SEGMENTS];  /* seg-N directory names */
    int has_deletes[MANIFEST_MAX_SEGMENTS];  /* its del-N.bin is in the commit */
} Manifest;

int manifest_read(const char *commit, Manifest *m);
int manifest_write(const Manifest *m, const char *commit);
/* root/seg-N (caller frees). */
char *index_segment_path(const char *root, uint32_t number);

/* The live commit of an index: its segments, in order, seen as one index.
 * Passage (article) ids are global: a segment's ids follow the previous
 * segments' ones, deleted passages included (they are never returned). */
typedef struct Index Index;

/* Opens the commit CURRENT names in root. */
Index *index_open(const char *root);
/* Opens the given commit directory of root. */
Index *index_open_commit(const char *root, const char *commit);
void index_close(Index *ix);
/* Statistics of the live passages: N, articles, postings and total length
 * leave the deleted out (BM25 sees exactly what a full rebuild would). */
const IndexStats *index_stats(const Index *ix);
uint32_t index_pid_limit(const Index *ix);     /* global ids are below this */
uint32_t index_article_limit(const Index *ix);
size_t index_nsegments(const Index *ix);
const Segment *index_segment(const Index *ix, size_t i);
uint32_t index_segment_number(const Index *ix, size_t i); /* its seg-N name */
uint32_t index_segment_base(const Index *ix, size_t i);   /* its first global id */
uint32_t index_segment_article_base(const Index *ix, size_t i);
const Deletes *index_deletes(const Index *ix, size_t i);  /* NULL: none */
const char *index_commit_dir(const Index *ix);
/* The live df of a key over all segments; the key's entry in the first
 * segment goes to *first (when not NULL), returning in *in_first whether
 * it has one (a query starts on that segment: no second look-up).
 * INDEX_DF_CORRUPT (err_msg set) when a lexicon entry it reads is. */
#define INDEX_DF_CORRUPT UINT64_MAX
uint64_t index_df(const Index *ix, const char *key, size_t len, TermInfo *first, int *in_first);
/* Calls fn for each distinct key starting with prefix, in key order, with
 * its live df (keys all of whose postings are deleted are left out).
 * -1 (err_msg set) when a lexicon entry it reads is corrupt. */
int index_prefix_each(const Index *ix, const char *prefix, size_t len,
                      void (*fn)(void *ctx, const char *key, size_t len, uint64_t df), void *ctx);
/* Global passage id -> segment and its id there; -1 when out of range. */
int index_locate(const Index *ix, uint32_t pid, size_t *seg, uint32_t *local);
int index_deleted(const Index *ix, uint32_t pid);
/* Records by global id: article ids and first passages are global. */
int index_passage(const Index *ix, uint32_t pid, PassageInfo *out);
int index_article(const Index *ix, uint32_t aid, ArticleInfo *out);
int index_passage_text(const Index *ix, uint32_t pid, Buf *out);

/* ---- postings.c ---- */

typedef struct {
    const uint8_t *dir;   /* block directory: nblocks x 16 bytes */
    uint8_t onedir[16];   /* the directory of a one-block term (not stored) */
    const uint8_t *data;  /* block data start */
    const uint8_t *end;   /* end of this term's bytes */
    uint32_t nblocks, df;
    uint32_t block;       /* current (decoded) block */
    uint32_t sblock;      /* block found by cursor_shallow, >= block */
    uint32_t i, n;        /* position in / size of the decoded block */
    uint32_t pid;         /* current passage id, or PID_END */
    uint32_t ids[BLOCK_SIZE];
    uint32_t tfs[BLOCK_SIZE];
    int tfs_decoded;      /* tfs of this block decoded yet */
    uint32_t tf_at, tf_end; /* where this block's packed tfs lie */
    int corrupt;          /* set when a block failed to decode */
    uint32_t npassages;   /* N, to reject out-of-range ids */
    float floors[TERM_FLOORS]; /* the term's stored floors (0: none) */
} PostingCursor;

#define PID_END UINT32_MAX

/* Positions the cursor on the term's first posting. */
void cursor_open(PostingCursor *c, const Segment *sg, const TermInfo *t);
uint32_t cursor_next(PostingCursor *c);
/* Moves to the first passage >= target (skipping whole blocks). */
uint32_t cursor_advance(PostingCursor *c, uint32_t target);
/* The index of the first of a decoded block's ids that is >= target,
 * looking from i on, when ids[i] < target <= the block's last id. Four ids
 * are compared at a time from the aligned group holding i (those before i
 * are smaller still), so that the loop's exit, which a scan id by id
 * mispredicts once per seek, comes a quarter as late; lanes past the
 * block's end come after its last id and are never the first found. */
static inline uint32_t block_find(const uint32_t *ids, uint32_t i, uint32_t target)
{
#ifdef __SSE2__
    const __m128i flip = _mm_set1_epi32((int)0x80000000u); /* unsigned order in signed compares */
    const __m128i t = _mm_xor_si128(_mm_set1_epi32((int)target), flip);
    for (uint32_t j = i & ~3u;; j += 4) {
        __m128i v = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(ids + j)), flip);
        unsigned below = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmplt_epi32(v, t)));
        if (below != 15) return j + (uint32_t)__builtin_ctz(~below);
    }
#else
    while (ids[i] < target) i++;
    return i;
#endif
}
/* cursor_advance with the common case inline: the target is in the
 * decoded block (the scan is short: candidates come in order). */
static inline uint32_t cursor_seek(PostingCursor *c, uint32_t target)
{
    if (c->pid >= target) return c->pid;
    if (c->ids[c->n - 1] < target) return cursor_advance(c, target);
    c->i = block_find(c->ids, c->i, target);
    return c->pid = c->ids[c->i];
}
/* The current block's tfs minus one (decoded on first use), for bulk
 * scoring of c->ids[c->i .. c->n); a block that fails to decode reads as
 * zeros and marks the cursor corrupt. */
const uint32_t *cursor_block_tfs(PostingCursor *c);
/* The current posting's tf; inline, as it runs once per candidate found,
 * and the block's tfs are usually decoded already. */
static inline uint32_t cursor_tf(PostingCursor *c)
{
    return (c->tfs_decoded ? c->tfs : cursor_block_tfs(c))[c->i] + 1;
}
/* Finds, without decoding, the block that would hold target (the first
 * whose last id is >= target) and makes it the block that the block-max
 * accessors below describe. Returns its last id, or PID_END past the end. */
uint32_t cursor_shallow(PostingCursor *c, uint32_t target);
/* Block-max data of the block last found by cursor_shallow (initially the
 * current block); a shallow position past the end reads as tf 0. */
uint32_t cursor_block_last(const PostingCursor *c);
uint32_t cursor_block_max_tf(const PostingCursor *c);   /* 65535 = "at least" */
uint32_t cursor_block_min_len(const PostingCursor *c);  /* capped at 65535 */
float cursor_block_max_tf_part(const PostingCursor *c); /* at impact_k1/b */
/* Block b's stored max tf part, without decoding it (0 past the end). */
float cursor_block_max_tf_part_of(const PostingCursor *c, uint32_t b);
/* A tf-part that k of the term's postings reach, from its stored floors
 * (the smallest rank >= k); 0 when it stores none that applies. */
float cursor_floor_part(const PostingCursor *c, size_t k);
/* Decodes block b and stands on its first posting (PID_END past the end
 * or if it is corrupt). */
uint32_t cursor_enter_block(PostingCursor *c, uint32_t b);

/* ---- positions.c ---- */

/* Writer: appends one term's positions (FORMAT.md, positions.bin): pos holds
 * the positions of its df postings back to back, tfs[i] of posting i. */
void positions_encode_term(Buf *out, const uint32_t *tfs, const uint32_t *pos, uint32_t df);
/* Checks a term's block table at open: its nblocks blocks fill exactly len
 * bytes at p. Returns 0, or -1 when they do not. */
int positions_check_term(const uint8_t *p, uint64_t len, uint32_t nblocks);

/* Reader: the positions of one term, a block at a time. */
typedef struct {
    const uint8_t *table; /* block end offsets, nblocks x u32; NULL for one block */
    const uint8_t *data;  /* the first block */
    uint64_t len;         /* bytes of block data */
    uint32_t nblocks;
    uint32_t block;       /* block decoded into pos, or UINT32_MAX */
    uint32_t *pos;        /* that block's positions, absolute */
    size_t cap;           /* entries allocated in pos (kept across terms) */
    uint32_t start[BLOCK_SIZE + 1]; /* posting i's are pos[start[i]..start[i+1]) */
} PositionCursor;

/* Prepares reading the positions of term t (reuses p's buffers: call
 * positions_init once, then positions_open per query term). */
void positions_init(PositionCursor *p);
void positions_open(PositionCursor *p, const Segment *sg, const TermInfo *t);
/* The positions (ascending) of the posting the cursor c is on; c was
 * opened on the same term and is on a passage (c->pid != PID_END). *n gets
 * the count, which equals the posting's tf. Returns NULL with err_msg() set
 * when the positions data is corrupt. The array stays valid until the next
 * call on p. Decodes a whole block's positions once and then serves every
 * posting of that block from it. */
const uint32_t *positions_of(PositionCursor *p, PostingCursor *c, uint32_t *n);
void positions_free(PositionCursor *p);

/* ---- check.c ---- */

typedef struct {
    uint64_t terms, postings, positions, passages, articles; /* checked */
    uint64_t segments, deleted;
    uint64_t problems;
    Buf report; /* the first problems, a line each */
} IndexCheck;

/* Verifies each segment of an open index (segment_verify: the CRC32s and
 * structure an open leaves to the readers), then goes through every
 * term's postings and positions, the passage and article records and the
 * text store. Returns 0 when all is consistent, else -1 with the problems
 * in r->report (caller frees it). */
int index_check(const Index *ix, IndexCheck *r);

/* ---- docstore.c ---- */

typedef struct DocStoreWriter DocStoreWriter;
/* Writes dir/store.bin, its compressed blocks as they are made and the
 * directory after them at the end. threaded: full blocks are compressed
 * by a helper thread while the caller goes on (the bytes written are the
 * same). NULL, err_msg set, if the file cannot be made. */
DocStoreWriter *docstore_writer_new(const char *dir, int threaded);
/* A zstd context that compresses a block as the store does (level, table
 * size), or NULL; freed with ZSTD_freeCCtx. For bench/store_codec. */
struct ZSTD_CCtx_s *docstore_compressor_new(void);
void docstore_add(DocStoreWriter *w, const char *text, size_t len);
/* Writes store.bin (adding its size to *bytes); frees w. */
int docstore_finish(DocStoreWriter *w, uint64_t *bytes);
void docstore_abort(DocStoreWriter *w); /* frees w, removes its files */
/* Reader side: checks a store payload's head against the passage count
 * (at open; each directory entry is checked when its block is read), or
 * its whole directory (docstore_check); copies passage pid's text into
 * out (-1, err_msg set, if corrupt). */
int docstore_check_header(const uint8_t *payload, size_t len, uint32_t npassages);
int docstore_check(const uint8_t *payload, size_t len, uint32_t npassages);
int docstore_get(const uint8_t *payload, size_t len, uint32_t pid, Buf *out);
void docstore_cursor_init(DocStoreCursor *c);
void docstore_cursor_free(DocStoreCursor *c);
/* Passage pid's text, valid until the cursor moves (-1, err_msg set, if
 * corrupt). */
int docstore_read(DocStoreCursor *c, const uint8_t *payload, size_t len, uint32_t pid, const char **text,
                  size_t *tlen);

/* ---- term_writer.c ---- */

/* The three term files (lexicon, postings, positions), written a term at a
 * time in key order as they are encoded: from the in-memory postings and
 * their runs, or merging segments. */
typedef struct {
    FileOut lex, pool, post, pos; /* lexicon entries, their key bytes, postings, positions */
    uint64_t terms, postings, positions;
    float *parts;                 /* scratch: a term's tf-parts, for its floors */
    size_t parts_cap;
} TermWriter;

/* One key's postings as the merges gather them for the writer: ids
 * ascending, their tfs, and their positions back to back. */
typedef struct {
    uint32_t *ids, *tfs, *pos;
    size_t n, cap, npos, pos_cap;
} TermPostings;

/* Appends posting (id, tf); returns where its tf positions go. */
uint32_t *term_postings_add(TermPostings *p, uint32_t id, uint32_t tf);
/* Room for n more postings and npos more positions, so that a caller
 * that knows its counts (or bounds) fills ids, tfs and pos directly. */
void term_postings_reserve(TermPostings *p, size_t n, size_t npos);
static inline void term_postings_clear(TermPostings *p) { p->n = p->npos = 0; }
void term_postings_free(TermPostings *p);

int term_writer_open(TermWriter *f, const char *dir);
/* One term and its postings; lengths and avgdl of the segment being
 * written. */
void term_writer_add(TermWriter *f, const char *key, size_t len, const TermPostings *p, const uint32_t *lengths,
                     float avgdl);
/* Completes the files (adding their sizes to *bytes), or removes them. */
int term_writer_finish(TermWriter *f, uint64_t *bytes);
void term_writer_abort(TermWriter *f);

/* ---- postings_runs.c ---- */

/* A build whose postings outgrow its memory budget writes them, sorted by
 * key, to run files in the segment directory, and merges the runs and
 * what is still in memory into the term files at the end (FORMAT.md,
 * "Run files"). Runs may hold interleaved passage ranges (one worker's
 * batches); the merge orders each key's postings by passage id, so the
 * result is the same however the postings were split. */

/* Writes m's postings to dir/name and clears them; adds the file's size
 * to *bytes. */
int run_write(MemIndex *m, const char *dir, const char *name, uint64_t *bytes);
/* Every key of the run files and the in-memory indexes, in lexicon
 * order, with its postings in passage order, into w; lengths and avgdl
 * of the segment. Runs beyond what is read at once are first merged into
 * larger runs in dir. Every run file is removed. */
int runs_merge(const char *const *runs, size_t nruns, MemIndex *const *mems, size_t nmems, const char *dir,
               TermWriter *w, const uint32_t *lengths, float avgdl);

/* ---- index_writer.c ---- */

/* The record files of one segment being written (passages, articles, the
 * text store, meta), streamed to disk as passages and articles arrive.
 * Only the passage lengths stay in memory: block maxima need them. */
typedef struct {
    FileOut passages;      /* PassageInfo records, FORMAT.md layout */
    FileOut articles;      /* article records */
    FileOut strings;       /* spill: article id/path/title bytes */
    Buf lengths;           /* u32 length per passage */
    Buf last_path;         /* the last article's path, to store a shared one once */
    DocStoreWriter *store; /* passage texts */
    char *dir;             /* where the files go */
    uint32_t npassages, narticles;
    uint32_t last_path_off;
    uint64_t total_length;
    AnalysisConfig analysis;
    uint32_t passage_words;
} IndexBuilder;

/* Starts writing a segment's record files into dir; threads > 1: the text
 * store is compressed on a second thread. */
int builder_open(IndexBuilder *b, const char *dir, const AnalysisConfig *a, uint32_t passage_words, int threads);
/* The next passage of the current article (the one builder_add_article
 * will close), its body length and text. */
void builder_add_passage(IndexBuilder *b, uint32_t ordinal, uint64_t start, uint64_t end, uint32_t length,
                         const char *text, size_t len);
/* Closes the current article: its passages are those added since first. */
void builder_add_article(IndexBuilder *b, const ArticleInfo *a, uint32_t first);
/* Bytes of article strings so far (the format's offsets are 32-bit). */
uint64_t builder_strings_bytes(const IndexBuilder *b);
/* Completes the passage, article, store and meta files, after the term
 * files (whose counts meta.bin records); adds their sizes to *bytes. On
 * failure, or with builder_abort, the files are removed. */
int builder_finish(IndexBuilder *b, const TermWriter *terms, uint64_t *bytes);
void builder_abort(IndexBuilder *b);

/* ---- publish.c ---- */

typedef struct {
    char *root;    /* the index directory */
    char *tmpname; /* commit being built, e.g. "gen-000004.tmp-1234" */
    char *tmpdir;  /* root/tmpname: where the commit's files go */
    char *final;   /* its name once published, "gen-000004" */
    char *current, *current_tmp; /* root/CURRENT and root/CURRENT.tmp, made
                                    early: publishing allocates nothing */
    int lock_fd;   /* holds an exclusive flock on root/LOCK */
    unsigned long next;   /* the next unused number */
    size_t nsegs;         /* new segments of this build */
    uint32_t seg_number[MANIFEST_MAX_SEGMENTS];
    char *seg_tmp[MANIFEST_MAX_SEGMENTS]; /* their directories */
} Publication;

/* Creates the index directory if needed, takes the build lock (a second
 * concurrent build fails with a clear message), cleans up leftovers of
 * dead builds and makes a fresh commit directory to write into. */
int publish_begin(Publication *p, const char *root);
/* A fresh directory for a new segment (caller frees the path); *number
 * is its number, for the manifest. */
char *publish_segment(Publication *p, uint32_t *number);
/* Removes a new segment that turned out empty. */
void publish_drop_segment(Publication *p, uint32_t number);
/* Writes the manifest m, fsyncs and atomically switches CURRENT to the
 * new commit, then removes what it no longer uses. */
int publish_commit(Publication *p, const Manifest *m);
/* Removes the unfinished commit and new segments. */
void publish_abort(Publication *p);
/* Reads CURRENT: the live commit directory (caller frees) or NULL. */
char *publish_current(const char *root);
/* The newest commit directory that opens as an index (caller frees), or
 * NULL: what an update starts from when CURRENT is damaged. *ncommits
 * gets how many published commits there are. */
char *publish_newest(const char *root, size_t *ncommits);

/* ---- bisection.c ---- */

/* Articles and their terms: article d holds the distinct term ids
 * terms[off[d] .. off[d + 1]), each below nterms. */
typedef struct {
    uint32_t ndocs, nterms;
    const uint64_t *off;
    const uint32_t *terms;
} DocTerms;

/* order[i] gets the article to number i, so that articles sharing terms
 * get near numbers. Deterministic, whatever the thread count. */
void bisection_order(const DocTerms *g, uint32_t *order, int threads);

/* ---- segment_merge.c ---- */

/* Writes into dir one segment of the live passages of segments[0..n) (with
 * deletes dels[i], or NULL), renumbered from 0: in that order, or with
 * reorder set, whole articles in the order bisection_order finds. */
int segment_merge(const Segment *const *segs, const Deletes *const *dels, size_t n, const char *dir, int threads,
                  int reorder, uint64_t *bytes);

/* ---- indexer.c ---- */

typedef struct {
    AnalysisConfig analysis;
    uint32_t passage_words;
    /* progress: called about twice a second while reading and once at the
     * end (final set); warn: each file or row skipped. Either may be NULL. */
    void (*progress)(void *ctx, uint64_t articles, uint64_t passages, uint64_t bytes, double seconds, int final);
    void (*warn)(void *ctx, const char *message);
    void *ctx;
    int strict;     /* 1: skipped corpus files are errors */
    int threads;    /* threads to use (default: the online CPUs); the
                       index is the same whatever the number */
    int full;       /* rebuild from scratch instead of updating */
    int optimize;   /* merge every segment into one */
    int reorder;    /* number the articles of every segment written by
                       recursive graph bisection (bisection.c): slower,
                       for smaller postings and faster unions */
    size_t memory;  /* budget for the postings being built: past it they
                       go to runs on disk (default: a quarter of RAM) */
    int grow_passage_words; /* 1: passage_words rises to the longest
                       article's words (and is recorded so), so no paragraph
                       is windowed: a one-paragraph article is one passage
                       (sbg-index, whose benchmark counts documents). Always
                       a full build: the size is known only at the end, and
                       an update's segments would disagree on it */
} IndexerOptions;

#define INDEXER_MIN_MEMORY ((size_t)1 << 20)

typedef struct {
    uint64_t articles, skipped, passages, terms, postings; /* indexed in the new segment */
    uint64_t source_bytes, index_bytes;
    double seconds;
    /* an incremental reindex: */
    int incremental;      /* 1: the live commit was updated */
    const char *why_full; /* else why not, when there was one */
    uint64_t unchanged, added, changed, removed; /* articles (unchanged: read or not) */
    uint64_t unread;      /* files skipped as unchanged unread */
    uint64_t changes;     /* segments added or with new deletes */
    size_t merged;        /* segments merged into others */
    size_t segments;      /* in the new commit */
    int up_to_date;       /* nothing changed: no new commit */
    char recovered[32];   /* CURRENT was damaged: the commit updated instead */
    uint64_t runs, run_bytes; /* postings written to runs, past the memory budget */
} IndexerReport;

void indexer_options_default(IndexerOptions *o);
/* A quarter of physical memory, at least INDEXER_MIN_MEMORY. */
size_t indexer_default_memory(void);
/* What an incremental reindex compares to notice an edited article. */
uint64_t article_hash(const char *title, const char *text, size_t len);
/* Builds a new index of corpus into dir and publishes it atomically. */
int indexer_build(const char *corpus, const char *dir, const IndexerOptions *o, IndexerReport *r);
/* The same with the articles from source(src, ...): a stream (jsonl_read)
 * is indexed as it is read, with no file to stamp or copy. */
int indexer_build_from(article_source_fn source, void *src, const char *dir, const IndexerOptions *o,
                       IndexerReport *r);

/* ---- sources.c ---- */

/* The corpus files a commit was made from, each with the stamp it had
 * when read (corpus.h: file_stamp; 0 = unknown, never taken as unchanged).
 * Kind 'A': an article file, by article id; 'F': a passages file, by path. */
typedef struct {
    StrMap keys;     /* kind + name -> entry + 1 */
    uint64_t *stamp; /* per entry */
    size_t n, cap;
} Sources;

void sources_init(Sources *s);
void sources_free(Sources *s);
void sources_put(Sources *s, char kind, const char *name, uint64_t stamp);
/* The stamp recorded for the file, 0 when none. */
uint64_t sources_get(const Sources *s, char kind, const char *name);
int sources_equal(const Sources *a, const Sources *b);
/* commit/sources.bin; reading a missing or damaged one gives -1 and an
 * empty s (usable: every file is then read). */
int sources_write(const Sources *s, const char *commit);
int sources_read(Sources *s, const char *commit);

/* ---- reindex.c ---- */

/* The live commit's articles, to compare the corpus with. */
typedef struct Previous Previous;
/* NULL when there is nothing to update (no index, --full) or it cannot be
 * (*why_full says why). */
Previous *previous_open(const char *dir, const IndexerOptions *o, IndexerReport *rep);
void previous_close(Previous *p);
/* 1 when the file (corpus.h's unchanged_fn) is the one the live commit
 * was made from: its articles are kept unread. */
int previous_unchanged_file(Previous *p, const char *id, const char *path, uint64_t stamp, IndexerReport *rep);
/* 1 when the article is the previous version's twin (skip it), else 0
 * (index it: new or changed); counts it in rep. hash is article_hash,
 * start where its first passage starts in its file. */
int previous_match(Previous *p, const char *id, uint64_t hash, const char *path, uint64_t start, IndexerReport *rep);
/* Whether the live commit of index dir holds exactly the articles of
 * corpus, read in full and compared as an update compares them: ids,
 * titles and texts (their hash), paths and places. d->report names the
 * first differences, one per line. -1 with err_msg when the index or the
 * corpus cannot be read. */
#define CORPUS_DIFF_MAX_NOTED 20
typedef struct {
    uint64_t articles;                /* in the corpus */
    uint64_t same, added, changed, removed; /* added: not in the index; removed: not in the corpus */
    uint64_t skipped;                 /* corpus files or rows that could not be read */
    uint64_t noted;                   /* differences, of which the first are in report */
    Buf report;
} CorpusDiff;
int corpus_compare(const char *dir, const char *corpus, CorpusDiff *d);

/* Publishes the next commit: p's segments (p may be NULL: a full build)
 * with the articles not seen deleted, the new segment when new_dir is
 * given, merged by the policy, and src, the files it was made from.
 * Publishes nothing when nothing changed; ends pub either way. */
int reindex_commit(Previous *p, Publication *pub, uint32_t new_number, const char *new_dir, const Sources *src,
                   const IndexerOptions *o, IndexerReport *rep);

#endif
