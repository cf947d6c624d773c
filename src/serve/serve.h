/*
 * serve.h: `search serve`, the HTTP front end: JSON endpoints and a web
 * page over the public API, answering from the newest generation of the
 * index as builds publish them.
 *
 *   live.c     the generation served: follows CURRENT, counts references,
 *              closes an old generation once its last query is done
 *   server.c   the HTTP daemon (libmicrohttpd), routes, limits, statistics
 *   options.c  the options of search serve, which search-mpi takes too
 *   reply.c    the body of a /search answer (bench/serve_bench writes it too)
 *   web/       the page, its script and style, linked into the binary
 */
#ifndef SERVE_H
#define SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "libsearch.h"
#include "util/util.h"

#define SERVE_SCHEMA 1 /* "schema" of every answer */

/* What /health and /stats report of the corpus served. */
typedef struct {
    char generation[64];
    uint64_t passages, articles, segments;
} ServeInfo;

/* What answers the server's queries: the local index (server.c), or in
 * its place search-mpi's front end, where the shards answer
 * (src/mpi/mpi_http.c). Each function runs on a request thread, may
 * block until the answer is there, and returns SRCH_OK with body (or
 * info) filled, or an error in err, which becomes the HTTP status and
 * JSON error a local search's would. The parameters are checked against
 * the limits before, as for a local search. */
typedef struct {
    void *ctx;
    /* /search: the body as serve_search_body writes it, without took_ms */
    srch_code (*search)(void *ctx, const char *q, const srch_search_options *so, Buf *body, srch_error *err);
    /* /articles/ID: the whole body, as serve_article_body writes it */
    srch_code (*article)(void *ctx, const char *id, Buf *body, srch_error *err);
    srch_code (*info)(void *ctx, ServeInfo *out, srch_error *err);
} ServeBackend;

typedef struct {
    const char *index;     /* the index directory */
    const char *host;      /* address to bind (default 127.0.0.1) */
    unsigned port;         /* 0: any free port (the one taken is printed) */
    unsigned threads;      /* request threads */
    unsigned max_connections; /* open at once; more are not accepted */
    unsigned queue;        /* requests in progress at most; past it, 503 */
    unsigned timeout;      /* seconds a connection may idle */
    size_t max_query;      /* bytes of q at most (413 past it) */
    size_t max_k;          /* k + offset at most */
    unsigned refresh_ms;   /* how often CURRENT is looked at */
    int quiet;             /* no start-up line */
    const ServeBackend *backend; /* NULL: answer from index; else from it */
} ServeOptions;

void serve_options_default(ServeOptions *o);
/* search serve's options (options.c) over the defaults in o; host (cap
 * bytes) holds --listen's address. 0, 1 for --help, or -1 when one is
 * not valid, said on stderr when say. */
int serve_options_parse(int argc, char **argv, ServeOptions *o, char *host, size_t cap, int say);
/* Serves until SIGINT or SIGTERM; 0, or 2 with a one-line error printed. */
int serve_run(const ServeOptions *o);

/* ---- reply.c ---- */

/* A /search answer for the hits of q but its closing ,"took_ms":X}: the
 * caller times the answer, JSON included, then closes it. */
void serve_search_body(Buf *b, const char *q, const char *generation, size_t k, size_t offset, const srch_hits *h);
/* The same in two halves, for hits that come as JSON already (search-mpi's
 * front end, from the shards): open writes up to the hits' '[', notes
 * from their ']' on, the hits (comma-separated objects) go between. */
void serve_search_open(Buf *b, const char *q, const char *generation, size_t k, size_t offset);
void serve_search_notes(Buf *b, const char *notes, size_t len);
/* The answer of /articles/ID: the passages of h (srch_article's) as JSON. */
void serve_article_body(Buf *b, const char *id, const char *generation, const srch_hits *h);

/* ---- live.c ---- */

/* One generation of the index, and the searchers made for it. */
typedef struct Generation Generation;

typedef struct Live Live;

/* Opens dir's live commit and starts following it (every refresh_ms). */
Live *live_open(const char *dir, unsigned refresh_ms, srch_error *err);
/* Stops following and closes everything; no generation may be held. */
void live_close(Live *l);
/* The newest generation, held until live_release; and, when s is not
 * NULL, a searcher of it, the caller's until it releases the generation
 * (look-ups that search nothing need none). */
Generation *live_acquire(Live *l, srch_searcher **s, srch_error *err);
void live_release(Live *l, Generation *g, srch_searcher *s);
srch_index *generation_index(const Generation *g);
const char *generation_name(const Generation *g);
/* Looks at CURRENT now (the watcher does it every refresh_ms): 1 when a
 * newer generation was opened. */
int live_refresh(Live *l);

#endif
