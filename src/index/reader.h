/*
 * reader.h: an index as its readers see it (the query side, the public
 * API, search check): the live commit's segments seen as one, lexicon
 * look-ups, postings and positions cursors, the passage and article
 * records and their texts. The bytes are format.h's; what writes an index
 * is in writer.h.
 *
 *   index_file.c     mapping a file and checking its frame; the one
 *                    report of a damaged file (file_corrupt)
 *   segment.c        opens one segment (the seven files of part of the
 *                    corpus); lexicon look-ups; passage and article records
 *   deletes.c        the passages and articles a commit deleted from a
 *                    segment, and the postings they take from each term
 *   commit.c         reading CURRENT and a commit's manifest
 *   index_reader.c   opens the live commit: its segments seen as one index
 *                    (global passage ids, statistics without the deleted)
 *   postings.c       PostingCursor: block-skipping iteration over a term
 *   positions.c      PositionCursor: a posting's positions, for phrases
 *   docstore.c       a passage's text from the zstd-compressed store
 *   check.c          search check: every posting, position and record verified
 */
#ifndef INDEX_READER_H
#define INDEX_READER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/analysis.h"
#include "index/format.h"
#include "util/util.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- index_file.c ---- */

typedef struct {
    const uint8_t *map;     /* whole mapping */
    size_t size;            /* its size */
    const uint8_t *payload; /* after the header */
    size_t len;             /* payload bytes */
} MappedFile;

/* The one report of a damaged index file: sets err_msg to "index file
 * DIR/FILE is corrupt: WHY (rebuild with: search index --full)", WHY
 * formatted, and returns -1. dir NULL: file is a whole path. */
int file_corrupt(const char *dir, const char *file, const char *fmt, ...) PRINTF_LIKE(3, 4);
int file_corrupt_v(const char *dir, const char *file, const char *fmt, va_list ap);
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

/* ---- segment.c ---- */

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
    const char *id, *path, *title; /* not NUL-terminated: use the lengths */
    uint32_t id_len, path_len, title_len;
    uint32_t first_passage, npassages;
    uint64_t size;   /* its source file's size and modification time (ns) */
    int64_t mtime;   /* when indexed, and a hash of its text and title: */
    uint64_t hash;   /* what an incremental reindex compares */
} ArticleInfo;

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
/* file_corrupt of the segment's file (postings.bin, ...); returns -1. */
int segment_corrupt(const Segment *sg, const char *file, const char *fmt, ...) PRINTF_LIKE(3, 4);
void segment_close(Segment *sg);
const IndexStats *segment_stats(const Segment *sg);
const char *segment_dir(const Segment *sg);
const uint32_t *segment_lengths(const Segment *sg); /* passage lengths, N entries */
/* The lengths as the scoring loops read them: the short lengths
 * (format.h), half the bytes to miss in, and the u32 ones behind a capped
 * short length. */
typedef struct {
    const uint16_t *shorts;
    const uint32_t *full;
} PassageLengths;
PassageLengths segment_passage_lengths(const Segment *sg);
static inline uint32_t passage_length(PassageLengths l, uint32_t pid)
{
    uint32_t len = l.shorts[pid];
    return __builtin_expect(len != SHORT_LENGTH_CAP, 1) ? len : l.full[pid];
}
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

void deletes_free(Deletes *d);
/* The deleted postings of the term at lexicon ordinal ord. */
uint32_t deletes_of_term(const Deletes *d, uint64_t ord);
/* Reads and validates dir/name against its segment. */
int deletes_read(Deletes *d, const char *dir, const char *name, const Segment *sg);

/* ---- commit.c: what a reader needs of the commit protocol ---- */

/* A commit's list of segments (FORMAT.md, manifest.bin). */
#define MANIFEST_MAX_SEGMENTS 64
typedef struct {
    size_t n;
    uint32_t number[MANIFEST_MAX_SEGMENTS];  /* seg-N directory names */
    int has_deletes[MANIFEST_MAX_SEGMENTS];  /* its del-N.bin is in the commit */
} Manifest;

int manifest_read(const char *commit, Manifest *m);
/* The name of segment number's deletes file in a commit, del-N.bin. */
#define COMMIT_NAME_MAX 32
void commit_deletes_name(uint32_t number, char out[COMMIT_NAME_MAX]);
/* root/seg-N (caller frees). */
char *index_segment_path(const char *root, uint32_t number);
/* Reads CURRENT: the live commit directory (caller frees) or NULL. */
char *publish_current(const char *root);
/* The newest commit directory that opens as an index (caller frees), or
 * NULL: what an update starts from, and a search reads, when CURRENT is
 * damaged. *ncommits gets how many published commits there are. */
char *publish_newest(const char *root, size_t *ncommits);

/* ---- index_reader.c ---- */

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
    const uint8_t *dir;   /* block directory: nblocks entries (format.h) */
    uint8_t onedir[BLOCK_ENTRY_BYTES]; /* the directory of a one-block term (not stored) */
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
/* The index of the first of a decoded block's ids (BLOCK_SIZE of them)
 * that is >= target, looking from i on, when ids[i] < target <= the
 * block's last id. Sixteen ids are compared at once (four SSE2 compares,
 * their masks joined), from the aligned group holding i (those before i
 * are smaller still): a seek usually ends within them, so the loop's exit,
 * which a scan of a few ids at a time mispredicts on about every seek, is
 * rarely taken twice. The sixteen never reach past the array (the last
 * group is the array's last sixteen, whose ids before i are smaller too),
 * and ids past a short block's end, stale, come after the one found. */
static inline uint32_t block_find(const uint32_t *ids, uint32_t i, uint32_t target)
{
#ifdef __SSE2__
    const __m128i flip = _mm_set1_epi32((int)0x80000000u); /* unsigned order in signed compares */
    const __m128i t = _mm_xor_si128(_mm_set1_epi32((int)target), flip);
    for (uint32_t j = i & ~3u;; j += 16) {
        if (j > BLOCK_SIZE - 16) j = BLOCK_SIZE - 16;
        unsigned below = 0;
        for (uint32_t q = 0; q < 4; q++) {
            __m128i v = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(ids + j + 4 * q)), flip);
            below |= (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmplt_epi32(v, t))) << (4 * q);
        }
        if (below != 0xffff) return j + (uint32_t)__builtin_ctz(~below);
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
/* Work counters of this thread's searches, for comparing two ways of
 * pruning by the work they do rather than by time (bench_search prints
 * them): compiled in only with -DSEARCH_COUNTERS (`make bench-counters`),
 * so that the searches of every other build pay nothing for them. */
#ifdef SEARCH_COUNTERS
typedef struct {
    uint64_t id_blocks;        /* blocks whose ids were decoded */
    uint64_t tf_blocks;        /* blocks whose tfs were decoded (scored) */
    uint64_t exact_opens;      /* cursor sets opened to prune with the stored maxima
                                  (a query opens one per segment, and one more
                                  where threshold.c seeds from the floors) */
    uint64_t generic_opens;    /* with the bound from max tf and min length */
    /* completing candidates with the non-essential terms (bmm.c) */
    uint64_t candidates;       /* passages a window's essential terms offered */
    uint64_t completions;      /* (candidate, term) pairs still alive when the term came */
    uint64_t bound_skips;      /* of those, decided by an undecoded block's bound */
    uint64_t seeks;            /* cursor seeks to a candidate */
    uint64_t seek_hits;        /* that found it */
    uint64_t seek_id_blocks;   /* id blocks decoded by those seeks (in id_blocks too) */
    int seeking;               /* set around the seeks, for load_block */
} WorkCounters;
extern _Thread_local WorkCounters work_counters;
#define WORK_COUNT(field) (work_counters.field++)
#define WORK_ADD(field, n) (work_counters.field += (n))
#define WORK_SEEKING(on) (work_counters.seeking = (on))
#else
#define WORK_COUNT(field) ((void)0)
#define WORK_ADD(field, n) ((void)0)
#define WORK_SEEKING(on) ((void)0)
#endif

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
/* at impact_k1/b; inline: the window bounds and completions read it per block */
static inline float cursor_block_max_tf_part(const PostingCursor *c)
{
    return c->sblock < c->nblocks ? block_entry_get(c->dir, c->sblock).max_tf_part : 0.0f;
}
/* Block b's stored max tf part, without decoding it (0 past the end). */
float cursor_block_max_tf_part_of(const PostingCursor *c, uint32_t b);
/* A tf-part that k of the term's postings reach, from its stored floors
 * (the smallest rank >= k); 0 when it stores none that applies. */
float cursor_floor_part(const PostingCursor *c, size_t k);
/* Decodes block b and stands on its first posting (PID_END past the end
 * or if it is corrupt). */
uint32_t cursor_enter_block(PostingCursor *c, uint32_t b);

/* ---- positions.c ---- */

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
    const Segment *sg;    /* whose positions.bin damage is reported in */
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

/* Checks a store payload's head against the passage count
 * (at open; each directory entry is checked when its block is read), or
 * its whole directory (docstore_check); copies passage pid's text into
 * out (-1 if corrupt: the caller names the file, as segment_passage_text
 * does). */
int docstore_check_header(const uint8_t *payload, size_t len, uint32_t npassages);
int docstore_check(const uint8_t *payload, size_t len, uint32_t npassages);
/* A store's zstd dictionary, made by the first read that needs it and
 * shared by every thread after (one per store: a segment holds it). The
 * reads below take it, or NULL to make one for the call alone. */
typedef struct DocStoreDict DocStoreDict;
DocStoreDict *docstore_dict_new(void);
void docstore_dict_free(DocStoreDict *d);
int docstore_get(const uint8_t *payload, size_t len, DocStoreDict *dict, uint32_t pid, Buf *out);
void docstore_cursor_init(DocStoreCursor *c);
void docstore_cursor_free(DocStoreCursor *c);
/* Passage pid's text, valid until the cursor moves (-1 if corrupt). */
int docstore_read(DocStoreCursor *c, const uint8_t *payload, size_t len, DocStoreDict *dict, uint32_t pid,
                  const char **text, size_t *tlen);

#endif
