/*
 * mpi.h: search-mpi, the program `search index --mpi` and `search serve
 * --mpi` hand over to under mpirun (src/cli/mpi_exec.c). It is a program
 * of its own so that ./search never loads libmpi: a CLI query costs about
 * a millisecond, and MPI_Init alone costs more than that.
 *
 *   mpi_main.c    dispatch, and what every rank shares
 *   mpi_index.c   each rank builds its shard; an epoch marks a set of shards
 *                 that all built
 *   mpi_front.c   rank 0 of serve: reads queries, broadcasts batches, merges
 *   mpi_http.c    rank 0 of serve --listen: search serve's HTTP server, whose
 *                 requests one thread sends to the shards in batches
 *   mpi_shard.c   ranks 1..N of serve: one shard each, the collective rounds
 *   wire.c        the bytes that travel: batches, pooled keys, hit records
 */
#ifndef SEARCH_MPI_H
#define SEARCH_MPI_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "libsearch.h"
#include "serve/serve.h"
#include "util/util.h"

#define MPI_BATCH_MAX 64 /* queries in one collective round at most */

/* The thread level MPI_Init_thread provided (mpi_main.c). */
extern int mpi_thread_provided;

/* "DIR/shard-I": where rank I's shard lives under --index DIR. */
void shard_dir(char *out, size_t cap, const char *dir, int shard);
/* The epoch recorded in a shard directory (0: none); mpi_index.c writes it. */
uint64_t epoch_read(const char *shard_dir);
int epoch_write(const char *shard_dir, uint64_t epoch);

int mpi_index(int argc, char **argv);
int mpi_serve(int argc, char **argv);
/* serve's two sides; shards is the communicator of ranks 1..N. */
int front_run(int nshards, int batch, int hex);
/* The same with the HTTP server of search serve (o) in front. */
int front_http(int nshards, int batch, const ServeOptions *o);
int shard_run(MPI_Comm shards, const char *dir);

/* ---- wire.c ---- */

/* What an item of a batch asks the shards. */
enum {
    WIRE_SEARCH = 0,  /* text is a query: each shard's top k */
    WIRE_ARTICLE = 1, /* text is an article id: the shard holding it answers */
    WIRE_INFO = 2     /* the shard's counts (passages, articles, segments) */
};

/* One item of a batch. */
typedef struct {
    uint32_t kind, k;
    char *qid, *text, *algorithm; /* algorithm "": the default */
} WireQuery;

/* A batch: u32 count, then per item u32 kind, u32 k, and u32 length +
 * bytes of qid, text and algorithm. */
void wire_put_batch(Buf *b, const WireQuery *q, size_t n);
/* Reads a batch (q: room for MPI_BATCH_MAX, strings into pool); -1 when
 * the bytes are not one. */
int wire_get_batch(const uint8_t *p, size_t len, WireQuery *q, size_t *n, Buf *pool);

/* A reader of bytes that checks every length against what is left. */
typedef struct {
    const uint8_t *p, *end;
    int bad;
} Reader;
uint32_t rd32(Reader *r);
uint64_t rd64(Reader *r);
const uint8_t *rdn(Reader *r, size_t n);

/* One merged hit at the front end: what srch_hit_order reads and the
 * JSON the shard made of it. */
typedef struct {
    srch_hit h;         /* score, path and start set */
    const char *json;   /* the hit's object without its leading {"rank":0, */
    size_t json_len;
} WireHit;

/* A shard's answer to one item: u32 status (srch_code); on failure u32 +
 * the message; else for a search u32 count, hit records (f64 score, u32 +
 * path, u64 start, u32 + json) and u32 + the notes; for an article u32 +
 * its JSON body (empty from the shards not holding it); for info three
 * u64 counts. */
void wire_put_hits(Buf *b, const srch_hits *h);
void wire_put_error(Buf *b, const srch_error *e);

/* ---- mpi_front.c: what both front ends do with the answers ---- */

/* The shards' answers to the batch just broadcast, gathered at rank 0
 * into *buf (the caller frees it); rd[s] reads shard s's, past the epoch
 * it names, which is returned (a shard naming another is marked bad). */
uint64_t front_gather(int nshards, uint8_t **buf, Reader *rd);
/* A batch (wire_put_batch's bytes) to every shard; an empty one ends them. */
void front_broadcast(const Buf *b);
/* 1 when any of the n readers met bytes that did not read. */
int rd_any_bad(const Reader *rd, int n);
/* What a failure says when no shard said why: an answer that did not read. */
#define FRONT_UNREAD "a shard's answer did not read"

/* One search's answers from every shard (the readers at it), merged. */
typedef struct {
    WireHit *hits;      /* in the order of one index; the caller frees */
    size_t n;
    srch_code code;     /* SRCH_OK, or why it failed: */
    const char *why;    /* on failure, the first shard's message that says, else
                           FRONT_UNREAD (why_len bytes) */
    uint32_t why_len;
    const char *notes;  /* the first shard's notes that say something */
    uint32_t notes_len;
} Merged;
void front_merge(Reader *rd, int nshards, Merged *m);

#endif
