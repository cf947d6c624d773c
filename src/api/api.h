/*
 * api.h: what the files of the public API (include/libsearch.h) share:
 * turning the library's error message into a srch_error.
 *
 *   errors.c    codes, their names, the version
 *   index.c     srch_open, srch_close, srch_index_stats, srch_reopen
 *   article.c   srch_article: an article's passages by its id
 *   json.c      srch_hit_json
 *   searcher.c  srch_search, srch_count, srch_snippet
 *   hits.c      srch_hits: how hits are built and read
 *   build.c     srch_build
 *   builder.c   srch_builder: a build from articles handed over one by one
 *   check.c     srch_check
 *   eval.c      srch_eval
 */
#ifndef API_H
#define API_H

#include <pthread.h>

#include "libsearch.h"
#include "index/reader.h"
#include "query/query.h"

/* The indexer's (index/writer.h), named here so that the query side of the
 * API sees only index/reader.h. */
typedef struct IndexerOptions IndexerOptions;
typedef struct IndexerReport IndexerReport;

struct srch_index {
    Index *ix;
    char *root;        /* the index directory, as opened */
    char *commit_name; /* e.g. "gen-000012" */
    pthread_mutex_t mu; /* guards ids */
    StrMap *ids;       /* article id -> article number + 1, made at the first look-up */
    uint32_t most_passages; /* guarded by mu: the most passages of an article, 0 until
                               the first search with article evidence needs it */
};

/* A hit's strings while they are appended: offsets into the pool (0 is
 * the empty string; explain: SIZE_MAX for none). */
typedef struct {
    size_t id, path, title, text, explain_json, explain_text;
    size_t span0;       /* its first highlight in spans */
} HitOffsets;

struct srch_hits {
    srch_hit *v;
    HitOffsets *off;    /* each hit's strings in pool */
    size_t n, cap;      /* hits, and room for them in v and off */
    Buf pool;           /* every string of every hit, each NUL-terminated */
    Buf spans;          /* every hit's highlights (srch_span) */
    Buf notes;          /* NUL-terminated; empty: none */
    Buf text, explain;  /* the hit being made: its text, its explanation */
    uint64_t total;     /* with the total option: the matches */
    int flags;          /* SRCH_QUERY_* */
};

/* Fills err (may be NULL) from err_msg(), with code unless it is
 * SRCH_ERROR, in which case the code is read off the message: the
 * internal layers report a one-line message, whose wording for damage
 * ("corrupt", "damaged"), a missing path and a held lock is fixed and
 * tested. Returns the code. */
srch_code api_fail(srch_error *err, srch_code code);
/* The same with a message of the API's own. */
srch_code api_fail_msg(srch_error *err, srch_code code, const char *fmt, ...) PRINTF_LIKE(3, 4);
srch_code api_ok(srch_error *err);

/* searcher.c, for shard_search.c: a search that takes the statistics of
 * a whole corpus from outside. */
typedef struct {
    PrefixEachFn prefix_each;  /* the corpus's keys for prefixes; NULL: the index's */
    void *prefix_src;
    const QueryGlobal *global; /* the corpus's N and df; NULL: the index's */
    uint64_t total_length;     /* with global: the corpus's */
} SearchView;
/* srch_search_into with v's statistics (NULL: srch_search_into). */
srch_code api_search_view(srch_searcher *s, const char *query, const srch_search_options *opts, const SearchView *v,
                          srch_hits **hits, srch_error *err);
/* The query parsed with v's prefix keys (v's global is ignored), and the
 * index's own statistics of it appended to out as u64s: live passages,
 * their total length, the df of each key in the query's order. */
srch_code api_query_local(srch_searcher *s, const char *query, const srch_search_options *opts, const SearchView *v,
                          Buf *out, srch_error *err);

/* hits.c: building srch_hits. */
/* Empties h without allocating (what running out of memory leaves). */
void api_hits_empty(srch_hits *h);
/* Empties h for new hits, keeping its memory. */
void api_hits_reset(srch_hits *h);
/* Appends n bytes and a NUL to the pool; their offset. */
size_t api_hits_put(srch_hits *h, const void *p, size_t n);
/* Appends a hit of rank and score, every other field 0 or empty; its index. */
size_t api_hits_add(srch_hits *h, size_t rank, size_t article_hit, uint32_t pid, float score);
/* Hit i's passage and article records and, with text, its text (also
 * left in h->text); -1 when a record does not read (err_msg says). */
int api_hits_records(srch_hits *h, const Index *ix, size_t i, int text);
/* Points the hits at their strings, once the pool no longer moves. */
void api_hits_finish(srch_hits *h);

/* JSON (json.c): a string, escaped, and a hit as the object front ends print. */
void api_json_string(Buf *b, const char *s, size_t n);
void api_hit_json(Buf *b, const srch_hit *h);

/* The indexer's options from the API's (checked: SRCH_BAD_ARG with a
 * message); the callbacks are o's, o outliving the build. */
srch_code api_indexer_options(const srch_build_options *o, IndexerOptions *io, srch_error *err);
/* The API's report of a build from the indexer's. */
void api_build_report(const IndexerReport *r, srch_build_report *rep);

/* The first statement of a public function that allocates: running out of
 * memory in what follows returns SRCH_NOMEM (util.h, OomGuard). The
 * function calls API_LEAVE() before it returns. */
#define API_GUARD(err)                                                                                       \
    OomGuard api_guard_;                                                                                     \
    oom_enter(&api_guard_);                                                                                  \
    if (setjmp(api_guard_.jump)) return api_fail(err, SRCH_NOMEM)
#define API_LEAVE() oom_leave(&api_guard_)

#endif
