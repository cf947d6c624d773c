/*
 * shard.h: an index that holds one shard of a corpus (shard.c).
 *
 * A corpus split into N shards puts each article in shard
 * shard_of(id) = FNV-1a-64(id bytes) mod N, so all the passages of an
 * article stay together and an edit touches one shard. A shard's index
 * directory records which shard it is in its SHARD file (FORMAT.md), and
 * a build that names another split is refused.
 */
#ifndef INDEX_SHARD_H
#define INDEX_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "corpus/corpus.h"

#define SHARD_MAX 65536 /* shards of one corpus at most */

typedef struct {
    uint32_t count; /* shards of the corpus; 0: the index is not a shard */
    uint32_t index; /* which one, from 0 */
} ShardSpec;

/* FNV-1a, 64 bits, of the id's bytes: stable across machines and versions. */
uint64_t shard_hash(const char *id, size_t len);
static inline uint32_t shard_of(const char *id, size_t len, uint32_t count)
{
    return (uint32_t)(shard_hash(id, len) % count);
}

/* The SHARD record of index directory dir: 0 with count 0 when there is
 * none (an index of a whole corpus, or no index yet); -1 with err_msg when
 * it cannot be read or does not parse. */
int shard_read(const char *dir, ShardSpec *out);
/* Makes sure dir holds shard want (count 0: a whole corpus): writes the
 * SHARD record into a new index directory, leaves a matching one alone,
 * and refuses (-1, err_msg one line) a directory that holds another split
 * or a whole corpus's index. */
int shard_claim(const char *dir, const ShardSpec *want);

/* An article source (corpus.h) that hands on only the articles of one
 * shard, read from another source. Files of other shards are skipped
 * unread (they are not counted as unchanged files). */
typedef struct {
    article_source_fn inner;
    void *inner_src;
    ShardSpec spec;
    /* private */
    article_fn fn;
    void *ctx;
    unchanged_fn unchanged;
    void *unchanged_ctx;
    uint64_t others;       /* files of other shards skipped */
} ShardSource;

int shard_source_read(void *src, const CorpusOptions *o, article_fn fn, void *ctx, CorpusStats *stats);

/* A corpus path read down to one shard (spec.count 0: all of it): the
 * article source (src a ShardCorpus) a shard's build and check read. */
typedef struct {
    const char *path;
    ShardSpec spec;
} ShardCorpus;
int shard_corpus_read(void *src, const CorpusOptions *o, article_fn fn, void *ctx, CorpusStats *stats);

#endif
