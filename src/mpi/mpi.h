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
 *   mpi_shard.c   ranks 1..N of serve: one shard each, the collective rounds
 *   wire.c        the bytes that travel: batches, pooled keys, hit records
 */
#ifndef SEARCH_MPI_H
#define SEARCH_MPI_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "libsearch.h"
#include "util/util.h"

#define MPI_BATCH_MAX 64 /* queries in one collective round at most */

/* "DIR/shard-I": where rank I's shard lives under --index DIR. */
void shard_dir(char *out, size_t cap, const char *dir, int shard);
/* The epoch recorded in a shard directory (0: none); mpi_index.c writes it. */
uint64_t epoch_read(const char *shard_dir);
int epoch_write(const char *shard_dir, uint64_t epoch);

int mpi_index(int argc, char **argv);
int mpi_serve(int argc, char **argv);
/* serve's two sides; shards is the communicator of ranks 1..N. */
int front_run(int nshards, int batch, int hex);
int shard_run(MPI_Comm shards, const char *dir);

/* ---- wire.c ---- */

/* One query of a batch. */
typedef struct {
    uint32_t k;
    char *qid, *text;
} WireQuery;

/* A batch: u32 count, then per query u32 k, u32 qid length, qid, u32
 * text length, text. */
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

/* A shard's answer to one query: u32 status (srch_code), then u32 count
 * and hit records (f64 score, u32 + path, u64 start, u32 + json) or, on
 * failure, u32 + the message. */
void wire_put_hits(Buf *b, const srch_hits *h);
void wire_put_error(Buf *b, const srch_error *e);

#endif
