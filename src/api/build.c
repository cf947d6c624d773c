/* build.c: srch_build, the indexer through the public API. */
#include "api/api.h"
#include "index/shard.h"
#include "index/writer.h"

#include <stdio.h>
#include <stdlib.h>

void srch_build_options_init(srch_build_options *o)
{
    memset(o, 0, sizeof *o);
    IndexerOptions d;
    indexer_options_default(&d);
    o->language = "english";
    o->stopwords = d.analysis.stopwords;
    o->passage_words = d.passage_words;
    o->threads = d.threads;
    o->memory = d.memory;
    o->k1 = o->b = -1.0f; /* the index's */
}

const char *const *srch_languages(void) { return analysis_language_list(); }

/* The caller's callbacks, through the indexer's. */
static void on_progress(void *ctx, uint64_t articles, uint64_t passages, uint64_t bytes, double seconds, int final)
{
    const srch_build_options *o = ctx;
    srch_progress p = {articles, passages, bytes, seconds};
    (void)final;
    o->progress(o->ctx, &p);
}

static void on_warning(void *ctx, const char *message)
{
    const srch_build_options *o = ctx;
    o->warning(o->ctx, message);
}

srch_code api_indexer_options(const srch_build_options *o, IndexerOptions *io, srch_error *err)
{
    indexer_options_default(io);
    const char *lang = analysis_language_name(o->language ? o->language : "english");
    if (!lang)
        return api_fail_msg(err, SRCH_BAD_ARG, "unknown stemmer language '%s' (known: %s none)", o->language,
                            analyzer_languages());
    snprintf(io->analysis.language, sizeof io->analysis.language, "%s", lang);
    io->analysis.stopwords = o->stopwords;
    if (o->passage_words < 10 || o->passage_words > 100000)
        return api_fail_msg(err, SRCH_BAD_ARG, "passage_words must be 10 to 100000");
    if (o->memory < INDEXER_MIN_MEMORY) return api_fail_msg(err, SRCH_BAD_ARG, "memory must be at least 1 MiB");
    if (o->threads < 1 || o->threads > 256) return api_fail_msg(err, SRCH_BAD_ARG, "threads must be 1 to 256");
    /* negative: not given (the index's); a NaN is neither and is refused */
    indexer_options_impact(io, o->k1, o->b);
    if (!impact_valid(io->k1_given ? io->k1 : IMPACT_K1, io->b_given ? io->b : IMPACT_B))
        return api_fail_msg(err, SRCH_BAD_ARG, "k1 must be 0 to %g and b 0 to 1", (double)IMPACT_K1_MAX);
    io->passage_words = o->passage_words;
    io->threads = o->threads;
    io->memory = o->memory;
    io->full = o->full;
    io->optimize = o->optimize;
    io->reorder = o->reorder;
    io->strict = o->strict;
    io->progress = o->progress ? on_progress : NULL;
    io->warn = o->warning ? on_warning : NULL;
    io->ctx = (void *)o;
    return SRCH_OK;
}

void api_build_report(const IndexerReport *r, srch_build_report *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->updated = r->incremental;
    rep->up_to_date = r->up_to_date;
    rep->why_full = r->why_full;
    rep->unchanged = r->unchanged;
    rep->added = r->added;
    rep->changed = r->changed;
    rep->removed = r->removed;
    rep->files_not_read = r->unread;
    rep->articles = r->articles;
    rep->passages = r->passages;
    rep->terms = r->terms;
    rep->postings = r->postings;
    rep->skipped = r->skipped;
    rep->source_bytes = r->source_bytes;
    rep->index_bytes = r->index_bytes;
    rep->runs = r->runs;
    rep->run_bytes = r->run_bytes;
    rep->segments = r->segments;
    rep->merged = r->merged;
    rep->seconds = r->seconds;
    static _Thread_local char recovered[32];
    snprintf(recovered, sizeof recovered, "%s", r->recovered);
    rep->recovered = recovered[0] ? recovered : NULL;
}

/* A build of shard spec (count 0: the whole corpus) of corpus into dir,
 * which must hold that shard or nothing yet (shard_claim). */
static srch_code build_unguarded(const char *corpus, const char *dir, const srch_build_options *opts,
                                 const ShardSpec *spec, srch_build_report *rep, srch_error *err)
{
    srch_build_report scratch;
    if (!rep) rep = &scratch;
    memset(rep, 0, sizeof *rep);
    srch_build_options defaults;
    if (!opts) srch_build_options_init(&defaults);
    const srch_build_options *o = opts ? opts : &defaults;
    if (!corpus || !dir) return api_fail_msg(err, SRCH_BAD_ARG, "a corpus and an index directory are needed");
    IndexerOptions io;
    srch_code rc = api_indexer_options(o, &io, err);
    if (rc != SRCH_OK) return rc;
    if (spec->count && (spec->count > SHARD_MAX || spec->index >= spec->count))
        return api_fail_msg(err, SRCH_BAD_ARG, "a shard must be 0 to N-1 of N shards, N at most %d", SHARD_MAX);
    if (shard_claim(dir, spec) != 0) return api_fail(err, SRCH_BAD_ARG);
    IndexerReport r;
    ShardCorpus src = {corpus, *spec};
    int built = indexer_build_from(shard_corpus_read, &src, dir, &io, &r);
    api_build_report(&r, rep);
    return built == 0 ? api_ok(err) : api_fail(err, SRCH_ERROR);
}

srch_code srch_build(const char *corpus, const char *dir, const srch_build_options *opts, srch_build_report *rep,
                     srch_error *err)
{
    API_GUARD(err);
    ShardSpec whole = {0, 0};
    srch_code rc = build_unguarded(corpus, dir, opts, &whole, rep, err);
    API_LEAVE();
    return rc;
}

srch_code srch_build_shard(const char *corpus, const char *dir, uint32_t shards, uint32_t shard,
                           const srch_build_options *opts, srch_build_report *rep, srch_error *err)
{
    API_GUARD(err);
    ShardSpec spec = {shards, shard};
    srch_code rc = shards == 0 ? api_fail_msg(err, SRCH_BAD_ARG, "a corpus is split into 1 shard or more")
                               : build_unguarded(corpus, dir, opts, &spec, rep, err);
    API_LEAVE();
    return rc;
}

uint32_t srch_shard_of(const char *id, size_t len, uint32_t shards)
{
    return shards ? shard_of(id, len, shards) : 0;
}

srch_code srch_index_shard(const char *dir, uint32_t *shards, uint32_t *shard, srch_error *err)
{
    ShardSpec s;
    if (shard_read(dir, &s) != 0) return api_fail(err, SRCH_CORRUPT);
    *shards = s.count;
    *shard = s.index;
    return api_ok(err);
}
