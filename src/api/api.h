/*
 * api.h: what the files of the public API (include/libsearch.h) share:
 * turning the library's error message into a srch_error.
 *
 *   errors.c    codes, their names, the version
 *   index.c     srch_open, srch_close, srch_index_stats, srch_reopen
 *   article.c   srch_article: an article's passages by its id
 *   json.c      srch_hit_json
 *   searcher.c  srch_search and its hits, srch_count, srch_snippet
 *   build.c     srch_build
 *   builder.c   srch_builder: a build from articles handed over one by one
 *   check.c     srch_check
 *   eval.c      srch_eval
 */
#ifndef API_H
#define API_H

#include <pthread.h>

#include "libsearch.h"
#include "index/index.h"
#include "query/query.h"

struct srch_index {
    Index *ix;
    char *root;        /* the index directory, as opened */
    char *commit_name; /* e.g. "gen-000012" */
    pthread_mutex_t mu; /* guards ids */
    StrMap *ids;       /* article id -> article number + 1, made at the first look-up */
};

struct srch_hits {
    srch_hit *v;
    size_t n;
    char *pool;         /* every string of every hit */
    srch_span *spans;   /* every hit's highlights */
    char *notes;
    int flags;
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
