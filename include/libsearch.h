/*
 * libsearch.h: BM25 passage search as a library. The one public header.
 *
 * An index is a directory made by srch_build from a corpus (a directory of
 * .txt/.md articles, or a passages file of id<TAB>title<TAB>text lines,
 * plain or gzip). Articles are split into passages, analysed (UTF-8
 * tokenizer, case and accent folding, Snowball stemming) and ranked with
 * BM25. Building again updates the index, touching only what changed; a
 * search sees the old index or the new one, never a mix.
 *
 *     srch_index *ix;
 *     srch_error err;
 *     if (srch_open("index", &ix, &err) != SRCH_OK) { puts(err.message); return 2; }
 *     srch_searcher *s;
 *     srch_searcher_new(ix, &s, &err);
 *     srch_hits *hits;
 *     if (srch_search(s, "suicidal ideation", NULL, &hits, &err) == SRCH_OK) {
 *         for (size_t i = 0; i < srch_hits_count(hits); i++) {
 *             const srch_hit *h = srch_hits_get(hits, i);
 *             printf("%.4f %.*s\n", h->score, (int)h->title_len, h->title);
 *         }
 *         srch_hits_free(hits);
 *     }
 *     srch_searcher_free(s);
 *     srch_close(ix);
 *
 * Link with `pkg-config --cflags --libs libsearch`.
 *
 * Threads: an open srch_index may be shared by any number of threads; a
 * srch_searcher is one thread's at a time (make one per thread). Builds
 * of one index directory are serialised by a lock (SRCH_BUSY).
 *
 * Errors: every function that can fail returns a srch_code and, when its
 * srch_error pointer is not NULL, fills it with the code and a one-line
 * message. The library writes nothing to stdout or stderr of its own:
 * warnings and progress go to the callbacks a caller passes, and it never
 * exits the process.
 *
 * Out of memory: any function that allocates returns SRCH_NOMEM (or
 * NULL, for srch_snippet) when an allocation fails, in whichever of the
 * library's threads it failed. What the call had allocated by then is not
 * all given back, but every handle stays usable (a searcher answers the
 * next query), a build that ran out leaves the last good index, its lock
 * released and no temporary files, and an index is never left half
 * published.
 *
 * Strings handed out (titles, paths, texts) are UTF-8 as found in the
 * corpus, with a length and not necessarily NUL-terminated; they live as
 * long as the object that holds them.
 */
#ifndef LIBSEARCH_H
#define LIBSEARCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SRCH_VERSION "1.0.0"
#define SRCH_VERSION_NUMBER 1000000 /* major * 1000000 + minor * 1000 + patch */

/* The library's version, which may differ from the header's. */
const char *srch_version(void);

/* ---- errors ---- */

typedef enum {
    SRCH_OK = 0,
    SRCH_NOT_FOUND = 1, /* no index (or corpus, or file) at the path given */
    SRCH_CORRUPT = 2,   /* the index is damaged; the message names the file */
    SRCH_IO = 3,        /* reading or writing failed (permissions, disk full, ...) */
    SRCH_BAD_QUERY = 4, /* a query the engine refuses (too many terms, ...) */
    SRCH_BAD_ARG = 5,   /* an invalid argument or option value */
    SRCH_NOMEM = 6,     /* out of memory */
    SRCH_BUSY = 7,      /* another build of this index is running */
    SRCH_ERROR = 8      /* anything else */
} srch_code;

typedef struct {
    srch_code code;
    char message[512]; /* one line, no trailing newline */
} srch_error;

/* A short name for a code ("corrupt", "busy", ...). */
const char *srch_code_name(srch_code code);

/* ---- opening an index ---- */

typedef struct srch_index srch_index;

/* Opens the live commit of the index in dir, read-only. */
srch_code srch_open(const char *dir, srch_index **out, srch_error *err);
void srch_close(srch_index *ix);

typedef struct {
    uint64_t passages;      /* live passages (N of BM25) */
    uint64_t articles;      /* live articles */
    uint64_t terms;         /* distinct terms, summed over segments */
    uint64_t segments;
    double avg_length;      /* mean passage length in tokens */
    const char *language;   /* the stemmer, "none" for none */
    int stopwords;          /* 1 when stop words were dropped */
    uint32_t passage_words; /* passage size the index was built with */
    const char *commit;     /* the commit directory open, e.g. "gen-000012" */
} srch_index_info;

/* Follows the index as builds publish new commits (a server's live
 * updates). When CURRENT names another commit than ix's, *out is a new
 * handle on it; else *out is NULL. ix stays open and keeps answering from
 * its commit (its files stay readable after a build removes them) until
 * it is closed, so the searches under way finish on the commit they began
 * on: close ix once they are done. Costs a read of CURRENT when nothing
 * changed. */
srch_code srch_reopen(srch_index *ix, srch_index **out, srch_error *err);

/* Statistics of the open commit; the strings live as long as ix. */
void srch_index_stats(const srch_index *ix, srch_index_info *out);

/* ---- searching ---- */

typedef struct srch_searcher srch_searcher;

/* A searcher of ix: the analyser, scorer and buffers one thread's queries
 * reuse. ix must outlive it. */
srch_code srch_searcher_new(srch_index *ix, srch_searcher **out, srch_error *err);
void srch_searcher_free(srch_searcher *s);

typedef struct {
    size_t k;               /* hits wanted (articles with per_article); default 10 */
    size_t offset;          /* hits skipped first, for paging; default 0 */
    const char *algorithm;  /* "bmm" (default), "bmw", "maxscore", "wand", "exhaustive"
                               (srch_algorithms); each gives the exhaustive one's hits,
                               bitwise the same scores */
    float k1, b;            /* BM25, k1 0 to 100, b 0 to 1; negative (the default): the
                               index's, those its block maxima were built for
                               (srch_build_options.k1, b; 1.2 and 0.6 unless built with
                               others), with which a search prunes best */
    float title_boost;      /* weight of the title field for unfielded words; 0 = off */
    float heading_boost;    /* likewise for headings */
    uint32_t max_expansions; /* terms a prefix query expands to at most; default 128 */
    uint32_t per_article;   /* 0: hits are passages; N: hits are articles ranked by
                               their best passage, each with its N best passages */
    int explain;            /* 1: each hit says why it scored what it did */
    int ids_only;           /* 1: hits without text, highlights or explanation (a TREC run
                               needs ids and scores only, and saves reading every text) */
    int scores_only;        /* 1: hits hold rank, score and passage_id, and (per_article)
                               article_hit; every other field is 0 or "". No record is
                               read, so the search costs the ranking alone (a benchmark's
                               timing, a top k that is only counted) */
    int total;              /* 1: also count every passage the query matches, as
                               srch_count does (srch_hits_total): a second pass */
    int rm3;                /* 1: RM3 pseudo-relevance feedback: the query's rm3_docs best
                               passages expand it with their rm3_terms most telling words,
                               then the expanded query is searched (a second search) */
    uint32_t rm3_docs;      /* feedback passages, 1 to 1000; default 10 */
    uint32_t rm3_terms;     /* expansion words at most, 1 to 100; default 10 */
    float rm3_weight;       /* the original query's share of the weights, 0 to 1; default 0.5 */
    float article_weight;   /* with per_article: articles rank by their best passage's score
                               plus this times their other passages' scores (0: the best
                               passage alone, the default; 1: the sum), 0 to 10 */
    float proximity;        /* weight of a term-proximity part added to BM25 (BM25TP: the
                               query words near each other in a passage score more), 0 to
                               10; 0: off, the default. Exact like the rest */
} srch_search_options;

/* The defaults above. */
void srch_search_options_init(srch_search_options *o);

/* The names srch_search_options.algorithm takes, the default first,
 * NULL-terminated. */
const char *const *srch_algorithms(void);

typedef struct {
    size_t start, end;      /* a byte range in the hit's text */
} srch_span;

typedef struct {
    size_t rank;            /* 1-based, counting from the first hit of all (offset included);
                               with per_article, the article's rank */
    size_t article_hit;     /* with per_article: the passage's place in its article's
                               list, from 1; else 0 */
    double score;           /* BM25 */
    uint32_t passage;       /* the passage's number within its article, from 1 */
    uint64_t passage_id;    /* index-wide ids (change when the index is updated) */
    uint64_t article_id;
    const char *id;         /* the article id: its path in the corpus directory, or the
                               passages file's id column */
    size_t id_len;
    const char *path;       /* the file it was read from */
    size_t path_len;
    const char *title;
    size_t title_len;
    uint64_t start, end;    /* the passage's byte range in that file */
    const char *text;       /* the passage's text */
    size_t text_len;
    const srch_span *highlights; /* the query's words in text, in order */
    size_t nhighlights;
    const char *explain_json; /* with explain: a JSON object (k1, b, length, mean_length,
                                 parts: field, term or phrase, tf, idf, boost, score) */
    const char *explain_text; /* the same as lines for people; NULL without explain */
} srch_hit;

typedef struct srch_hits srch_hits;

/* Runs query (the query syntax of search(1): words, "phrases"~N, +required,
 * -excluded, AND/OR/NOT, (groups), prefix*, title:/heading:/body: fields).
 * opts NULL: the defaults. *out holds the hits, even none. */
srch_code srch_search(srch_searcher *s, const char *query, const srch_search_options *opts, srch_hits **out,
                      srch_error *err);
size_t srch_hits_count(const srch_hits *h);
const srch_hit *srch_hits_get(const srch_hits *h, size_t i);
/* What the query made of the words: notes (e.g. a prefix that expanded to
 * more terms than allowed), or "" when there are none. */
const char *srch_hits_notes(const srch_hits *h);
/* SRCH_QUERY_* flags: why a query has no hits when it can have none. */
#define SRCH_QUERY_NO_TERMS 1      /* no searchable words (e.g. only stop words) */
#define SRCH_QUERY_ONLY_EXCLUDES 2 /* every clause excludes */
#define SRCH_QUERY_ONLY_STOP_WORDS 4 /* with NO_TERMS: it had words, all of them stop
                                        words the index drops (not just "+" or "!") */
int srch_hits_flags(const srch_hits *h);
/* With the total option: how many live passages the query matches; else 0. */
uint64_t srch_hits_total(const srch_hits *h);
void srch_hits_free(srch_hits *h);

/* srch_search into the hits of an earlier search, reusing their memory:
 * a loop of searches (a server, a benchmark) that passes the same hits
 * allocates nothing once they have grown to its largest answer. *hits
 * NULL: new hits, as srch_search makes them. Pointers into *hits from
 * before the call are invalid after it. On failure *hits holds no hits;
 * either way, the caller frees it with srch_hits_free in the end. */
srch_code srch_search_into(srch_searcher *s, const char *query, const srch_search_options *opts, srch_hits **hits,
                           srch_error *err);

/* The passages of the article id (as hits give it), in order, as hits of
 * score 0 with their texts and no highlights: a "whole article" view.
 * SRCH_NOT_FOUND when the open commit holds no such article. The first
 * call on an index reads every article record (a map of the ids, kept
 * while ix is open). */
srch_code srch_article(srch_index *ix, const char *id, srch_hits **out, srch_error *err);

/* The hit as the JSON object search --json and search serve print: rank,
 * score, id ("article#passage"), article, passage, path, title, start and
 * end (bytes in the file), text, highlights (byte ranges of text),
 * highlight_chars (the same in characters), explain when explained. The
 * caller frees it with srch_free; NULL when out of memory. */
char *srch_hit_json(const srch_hit *h);

/* How many live passages the query matches. */
srch_code srch_count(srch_searcher *s, const char *query, const srch_search_options *opts, uint64_t *out,
                     srch_error *err);

/* The best window of the hit's text, at most max_bytes long, white space
 * collapsed, the highlights wrapped in open and close (e.g. "**"). The
 * caller frees it with srch_free. NULL when out of memory. */
char *srch_snippet(const srch_hit *h, size_t max_bytes, const char *open, const char *close);
void srch_free(void *p);

/* ---- sharded search: one corpus in several indexes, scored as one ----
 *
 * The shards of a corpus (srch_build_shard) answer a query together with
 * the passages and bitwise the scores one index of the whole corpus gives,
 * in three steps on every shard, with two exchanges between them (MPI's
 * Allgatherv and Allreduce, or anything else that moves bytes):
 *
 *   1. srch_shard_prefixes: the keys the query's prefix* words match in
 *      this shard. Concatenate every shard's (empty when the query has no
 *      prefix) and hand the result to each shard for steps 2 and 3.
 *   2. srch_shard_stats: the query's statistics in this shard, n integers:
 *      live passages, their total length, the df of each key. Sum them,
 *      element by element, over the shards (the same n on each).
 *   3. srch_shard_search: the search, scored with the sums.
 *
 * Then merge the shards' hits (each its top k) by srch_hit_order and keep
 * the first k. Hit texts and highlights come from the shard holding the
 * passage; passage_id and article_id are that shard's. Every shard must be
 * built with the same analysis (language, stop words). */

/* Step 1. *keys (srch_free) and *len: records of the pooled format. The
 * query's prefixes must match at most 2^20 terms in the shard
 * (SRCH_BAD_QUERY otherwise: pooling more would cost more than it is worth). */
srch_code srch_shard_prefixes(srch_searcher *s, const char *query, const srch_search_options *opts, void **keys,
                              size_t *len, srch_error *err);
/* Step 2. keys: every shard's step 1, concatenated. *stats (srch_free)
 * holds *n integers. */
srch_code srch_shard_stats(srch_searcher *s, const char *query, const srch_search_options *opts, const void *keys,
                           size_t keys_len, uint64_t **stats, size_t *n, srch_error *err);
/* Step 3, into *hits as srch_search_into. stats: the n sums of step 2. */
srch_code srch_shard_search(srch_searcher *s, const char *query, const srch_search_options *opts, const void *keys,
                            size_t keys_len, const uint64_t *stats, size_t n, srch_hits **hits, srch_error *err);
/* The order of one index of the whole corpus: -1 when a ranks before b, 1
 * after, 0 for the same passage: higher score first; equal scores in the
 * order a full build numbers passages: the corpus's files as its walk
 * visits them (directories in byte order of names), then place in the file.
 * (An index updated or built with --reorder numbers them otherwise, and
 * ranks equal scores by its own numbers.) Hits need their paths: not
 * scores_only. */
int srch_hit_order(const srch_hit *a, const srch_hit *b);

/* ---- building and updating ---- */

typedef struct {
    uint64_t articles, passages; /* read so far */
    uint64_t bytes;              /* source bytes read so far */
    double seconds;
} srch_progress;

typedef struct {
    const char *language;  /* Snowball stemmer ("english", default), or "none" */
    int stopwords;         /* 1: drop English stop words; default 0 */
    uint32_t passage_words; /* passage size in words; default 250 */
    int threads;           /* default: the CPUs online */
    size_t memory;         /* bytes the build may hold before it spills runs to disk;
                              default a quarter of RAM; at least 1 MiB */
    int full;              /* 1: rebuild from scratch instead of updating */
    int optimize;          /* 1: merge the index into one segment */
    int reorder;           /* 1: number articles by graph bisection (smaller, faster) */
    int strict;            /* 1: an unreadable, empty or binary file is an error */
    /* Called about twice a second while reading, and once at the end. */
    void (*progress)(void *ctx, const srch_progress *p);
    /* Called for each skipped file or row, with a one-line message. */
    void (*warning)(void *ctx, const char *message);
    void *ctx;
    float k1, b;           /* the BM25 parameters the block maxima are computed for, and
                              so the ones searches that name none use: k1 0 to 100, b 0
                              to 1; negative (the default): the updated index's, or 1.2
                              and 0.6 for a new one. An update giving others rebuilds
                              the index in full (why_full says so) */
} srch_build_options;

void srch_build_options_init(srch_build_options *o);
/* The names srch_build_options.language takes, NULL-terminated. */
const char *const *srch_languages(void);

typedef struct {
    int updated;            /* 1: the live index was updated; 0: built from scratch */
    int up_to_date;         /* nothing changed: nothing written */
    const char *why_full;   /* when an update was not possible, why (or NULL) */
    const char *recovered;  /* CURRENT was damaged: the commit updated instead, or NULL */
    uint64_t unchanged, added, changed, removed; /* articles, when updating */
    uint64_t files_not_read; /* files skipped as provably unchanged */
    uint64_t articles, passages, terms, postings, skipped; /* what the new segment holds */
    uint64_t source_bytes, index_bytes;
    uint64_t runs, run_bytes; /* postings spilled to disk past the memory budget */
    size_t segments, merged;
    double seconds;
} srch_build_report;

/* Builds or updates the index in dir from corpus, and publishes it
 * atomically: a failed or interrupted build leaves the last good index.
 * The report's strings are static. */
srch_code srch_build(const char *corpus, const char *dir, const srch_build_options *opts, srch_build_report *rep,
                     srch_error *err);

/* ---- shards: one corpus split over several indexes ---- */

/* Which of shards shards the article id (len bytes) belongs to: FNV-1a
 * (64 bits) of the id's bytes, modulo shards; stable across machines and
 * versions. All the passages of an article are in one shard. */
uint32_t srch_shard_of(const char *id, size_t len, uint32_t shards);
/* srch_build of shard shard (0 to shards - 1) of corpus: only its
 * articles are read and indexed, and dir records which shard it holds.
 * Updates, reorder and optimize work as for a whole corpus. A directory
 * that holds another shard, or a whole corpus's index, is refused with
 * SRCH_BAD_ARG (srch_build refuses a shard's directory likewise). */
srch_code srch_build_shard(const char *corpus, const char *dir, uint32_t shards, uint32_t shard,
                           const srch_build_options *opts, srch_build_report *rep, srch_error *err);
/* The shard the index directory dir holds: *shards 0 when it holds a
 * whole corpus (or nothing). SRCH_CORRUPT when its record is damaged. */
srch_code srch_index_shard(const char *dir, uint32_t *shards, uint32_t *shard, srch_error *err);

/* A build from articles handed over one by one, for a program whose
 * articles are not files (a database, a feed, a crawler). The articles
 * added between srch_builder_new and srch_builder_commit are the whole
 * corpus, as the rows of a passages file are: the index is updated to
 * hold exactly them (an article not added again is removed), touching only
 * what changed, and the result is the index a full build from them would
 * be. The build runs on a thread of the builder's (the progress and
 * warning callbacks are called from it) while the caller adds; it holds
 * the index's build lock from srch_builder_new to commit or abort. Until
 * the commit publishes it, searches see the last good index; an abort, an
 * error or a crash leaves that index as it was.
 *
 *     srch_builder *b;
 *     if (srch_builder_new("index", "feed", NULL, &b, &err) != SRCH_OK) ...
 *     while (next_article(&id, &title, &text, &len))
 *         if (srch_builder_add(b, id, title, text, len, &err) != SRCH_OK) { srch_builder_abort(b); ... }
 *     srch_builder_commit(b, &report, &err);
 */
typedef struct srch_builder srch_builder;

/* Starts a build of the index in dir (made when missing). name is what
 * hits give as their path (NULL: "api"). opts NULL: the defaults (its
 * corpus-reading fields, strict aside, do not apply). Fails at once with
 * SRCH_BUSY when another build of dir is running. The strings and
 * callback context opts names must outlive the builder. */
srch_code srch_builder_new(const char *dir, const char *name, const srch_build_options *opts, srch_builder **out,
                           srch_error *err);
/* Adds an article: id (unique in this build, no tab, newline or NUL),
 * title (may be NULL or ""; no tab or newline) and len bytes of UTF-8
 * text, split into passages as a file's would be; a hit's byte range is
 * a range of this text. An article of nothing but white space is counted
 * as skipped. Copies what it needs; may wait while the build catches up.
 * SRCH_BAD_ARG for a bad or repeated id; after a failure of the build
 * itself, its error (the builder is then only good for srch_builder_abort). */
srch_code srch_builder_add(srch_builder *b, const char *id, const char *title, const char *text, size_t len,
                           srch_error *err);
/* Ends the build and publishes the index atomically (rep may be NULL), and
 * frees b, whatever the outcome. */
srch_code srch_builder_commit(srch_builder *b, srch_build_report *rep, srch_error *err);
/* Abandons the build: the index stays as it was. Frees b. */
void srch_builder_abort(srch_builder *b);

/* ---- checking ---- */

typedef struct {
    uint64_t terms, postings, positions, passages, articles; /* verified */
    uint64_t problems;       /* 0: sound */
    const char *report;      /* the first problems, a line each */
    /* with a corpus: */
    int corpus_checked;
    uint64_t corpus_articles, same, added, changed, removed; /* as srch_build would count them */
    const char *differences; /* the first differences, a line each ("changed since indexed: id") */
} srch_check_report;

/* Verifies every checksum, posting, position, record and text of the
 * index; with corpus (may be NULL), also that it holds exactly the
 * corpus's articles now. SRCH_OK when the checks could run (look at
 * problems and the differences); the report's strings live until
 * srch_check_report_free. */
srch_code srch_check(const char *dir, const char *corpus, srch_check_report *rep, srch_error *err);
void srch_check_report_free(srch_check_report *rep);

/* ---- evaluation ---- */

typedef struct {
    double map, ndcg10, p10, recall100, recall1000, mrr; /* means over queries, as trec_eval */
    size_t queries;
} srch_eval_result;

/* Scores a TREC run file against a qrels file, as trec_eval does (with
 * complete set, queries with judgments and no results count as zeros:
 * trec_eval -c). */
srch_code srch_eval(const char *qrels, const char *run, int complete, srch_eval_result *out, srch_error *err);

#ifdef __cplusplus
}
#endif

#endif
