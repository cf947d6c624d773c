/*
 * writer.h: what writes an index: the indexer's pipeline, the in-memory
 * postings and their runs, the writers of each file, segment merges, and
 * the commit protocol that publishes the result. The bytes are format.h's;
 * the writers reopen what they wrote through reader.h.
 *
 *   postings_mem.c   in-memory postings while indexing (term -> gaps, tfs)
 *   postings_runs.c  postings past the memory budget: runs on disk, merged
 *   index_file.c     streamed writes of a framed file, fsync
 *   term_writer.c    lexicon, postings, positions, a term at a time
 *   positions.c      a term's positions, block-coded
 *   index_writer.c   passages, articles, meta
 *   docstore.c       the zstd-compressed passage text store
 *   deletes.c        a commit's deletes of a segment
 *   commit.c         the commit protocol: LOCK, temporaries and their
 *                    clean-up, manifest, CURRENT, publication
 *   bisection.c      an article order that clusters similar articles
 *                    (recursive graph bisection), for merges that reorder
 *   segment_merge.c  segments -> one, without their deleted passages
 *   sources.c        the files a commit was made from (sources.bin)
 *   reindex.c        incremental updates: what changed, merge policy
 *   indexer.c        the pipeline corpus -> passages -> terms -> index
 */
#ifndef INDEX_WRITER_H
#define INDEX_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analysis.h"
#include "corpus/corpus.h"
#include "index/reader.h"
#include "util/util.h"

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

/* ---- index_file.c: the writing side ---- */

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
void fileout_flush(FileOut *f); /* writes out the buffer: a spill's fd then holds all f.len bytes */
int fileout_finish_spill(FileOut *f); /* closes a spill, keeping the file */
/* prefix: f's prefix bytes; adds the file's size to *bytes (may be NULL). */
int fileout_close(FileOut *f, const char kind[4], const void *prefix, uint64_t *bytes);
void fileout_discard(FileOut *f); /* closes and removes it */

/* ---- term floors (term_writer.c) ---- */

/* The k-th largest of v[0..n) (1 <= k <= n), which it reorders so that
 * v[0..k) are the k largest. */
float floats_select_largest(float *v, size_t n, size_t k);
/* The floors of a term with these tf-parts (df > BLOCK_SIZE), reordering
 * them. */
void term_floors(float *parts, size_t df, float floors[TERM_FLOORS]);

/* ---- deletes.c: the writing side ---- */

/* Empty deletes for a segment. */
void deletes_init(Deletes *d, const Segment *sg);
void deletes_copy(Deletes *d, const Deletes *from);
/* Marks article aid of sg deleted, with all its passages. */
void deletes_article(Deletes *d, const Segment *sg, uint32_t aid);
/* Counts every term's postings on deleted passages (reads all of sg's
 * postings), filling term_ord / term_count and postings. */
int deletes_count_terms(Deletes *d, const Segment *sg);
int deletes_write(const Deletes *d, const char *dir, const char *name);

/* ---- positions.c: the writing side ---- */

/* Appends one term's positions (FORMAT.md, positions.bin): pos holds
 * the positions of its df postings back to back, tfs[i] of posting i. */
void positions_encode_term(Buf *out, const uint32_t *tfs, const uint32_t *pos, uint32_t df);

/* ---- docstore.c ---- */

typedef struct DocStoreWriter DocStoreWriter;
/* Writes dir/store.bin, its compressed blocks as they are made and the
 * directory after them at the end. threaded: full blocks are compressed
 * by a helper thread while the caller goes on (the bytes written are the
 * same). NULL, err_msg set, if the file cannot be made. */
DocStoreWriter *docstore_writer_new(const char *dir, int threaded);
/* A threaded writer's compressing thread stores its CPU seconds at *cpu
 * when it ends (docstore_finish or docstore_abort). */
void docstore_writer_time(DocStoreWriter *w, double *cpu);
/* A zstd context that compresses a block as the store does (level, table
 * size), or NULL; freed with ZSTD_freeCCtx. For bench/store_codec. */
struct ZSTD_CCtx_s *docstore_compressor_new(void);
void docstore_add(DocStoreWriter *w, const char *text, size_t len);
/* Writes store.bin (adding its size to *bytes); frees w. */
int docstore_finish(DocStoreWriter *w, uint64_t *bytes);
void docstore_abort(DocStoreWriter *w); /* frees w, removes its files */

/* ---- term_writer.c ---- */

/* The three term files (lexicon, postings, positions), written a term at a
 * time in key order as they are encoded: from the in-memory postings and
 * their runs, or merging segments. */
typedef struct {
    FileOut lex, pool, post, pos; /* lexicon entries, their key bytes, postings, positions */
    uint64_t terms, postings, positions;
    unsigned joined;              /* key ranges written apart and joined to these files */
    float *parts;                 /* scratch: a term's tf-parts, for its floors */
    size_t parts_cap;
    ImpactParams impact;          /* the k1 and b of its maxima and floors (meta.bin
                                     records them from here) */
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

/* Maxima and floors are computed for impact's k1 and b (impact_valid). */
int term_writer_open(TermWriter *f, const char *dir, const ImpactParams *impact);
/* A writer of a later key range of the same term files, written in
 * parallel with the first's into scratch files (`terms-N-*.tmp`), then
 * joined after it by term_writer_join: its postings, positions and keys
 * appended, its lexicon entries' offsets moved by what precedes them. The
 * files are byte for byte those one writer would have written: its maxima
 * are computed for impact, the first writer's. */
int term_writer_open_part(TermWriter *f, const char *dir, unsigned part, const ImpactParams *impact);
/* Appends part (completed, its keys after all of w's) to w; discards part. */
int term_writer_join(TermWriter *w, TermWriter *part);
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
               TermWriter *w, const uint32_t *lengths, float avgdl, int threads);

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

/* ---- commit.c ---- */

int manifest_write(const Manifest *m, const char *commit);

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

typedef struct IndexerOptions {
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
    /* The BM25 k1 and b the block maxima are computed for (meta.bin), and
     * so the ones queries that name none score with. Each only when its
     * *_given is set; else the updated index's (an index has one pair:
     * an update giving others rebuilds it in full), or for a new index
     * IMPACT_K1 / IMPACT_B. impact_valid holds for given ones. */
    float k1, b;
    int k1_given, b_given;
} IndexerOptions;

#define INDEXER_MIN_MEMORY ((size_t)1 << 20)

typedef struct IndexerReport {
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
    unsigned ranges;          /* key ranges the final merge wrote in parallel */
    ImpactParams impact;  /* the k1 and b the new segment's maxima were computed for */
    int had_impact;       /* previous_open read them from the index updated (or
                             rebuilt in full: the ones not named are kept) */
} IndexerReport;

void indexer_options_default(IndexerOptions *o);
/* k1 and b for the block maxima, as srch_build_options holds them: each
 * given unless negative (a NaN is given, for impact_valid to refuse). */
void indexer_options_impact(IndexerOptions *o, float k1, float b);
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
/* The k1 and b the build writes its maxima for: o's where given, else
 * those of the index it updates or rebuilds (which previous_open read into
 * rep), else IMPACT_K1 / IMPACT_B; also recorded in rep->impact. */
ImpactParams previous_impact(const IndexerOptions *o, IndexerReport *rep);
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