/*
 * shard.c: the shard an article belongs to, the SHARD record of a shard's
 * index directory, and a corpus read down to one shard.
 *
 * The record is one line of text, "search shard I of N, fnv1a64\n", so
 * that a person listing the directory can read it; it is written once,
 * when the directory becomes a shard (before its first build), through a
 * temporary file renamed over it, and never changes: a corpus split
 * another way is another set of indexes.
 */
#include "index/shard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

#define SHARD_FILE "SHARD"
#define SHARD_LINE_MAX 64

uint64_t shard_hash(const char *id, size_t len)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a 64-bit offset basis */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)id[i];
        h *= 1099511628211ULL; /* FNV prime */
    }
    return h;
}

static char *shard_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* "search shard I of N, fnv1a64\n", nothing more: 0, or -1. */
static int parse_record(const char *s, size_t n, ShardSpec *out)
{
    char line[SHARD_LINE_MAX + 1], tail[2];
    if (n == 0 || n > SHARD_LINE_MAX || s[n - 1] != '\n' || memchr(s, 0, n)) return -1;
    memcpy(line, s, n - 1);
    line[n - 1] = 0;
    unsigned long i, c;
    int used = 0;
    if (sscanf(line, "search shard %lu of %lu, fnv1a64%n%1s", &i, &c, &used, tail) != 2) return -1;
    if ((size_t)used != n - 1 || c < 1 || c > SHARD_MAX || i >= c) return -1;
    out->count = (uint32_t)c;
    out->index = (uint32_t)i;
    return 0;
}

int shard_read(const char *dir, ShardSpec *out)
{
    memset(out, 0, sizeof *out);
    char *path = shard_path(dir, SHARD_FILE);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(path);
        if (e == ENOENT || e == ENOTDIR) return 0;
        err_set("cannot read %s/%s: %s", dir, SHARD_FILE, strerror(e));
        return -1;
    }
    char buf[SHARD_LINE_MAX + 2];
    ssize_t n = read(fd, buf, sizeof buf); /* one more than a record can be: a longer file is refused */
    close(fd);
    int rc = n >= 0 ? parse_record(buf, (size_t)n, out) : -1;
    if (rc != 0) err_set("%s is damaged: it should read \"search shard I of N, fnv1a64\"", path);
    free(path);
    return rc;
}

static int write_record(const char *dir, const ShardSpec *s)
{
    char line[SHARD_LINE_MAX + 1];
    int n = snprintf(line, sizeof line, "search shard %u of %u, fnv1a64\n", s->index, s->count);
    char *tmp = shard_path(dir, SHARD_FILE ".tmp"), *path = shard_path(dir, SHARD_FILE);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc = -1;
    if (fd >= 0) {
        rc = write(fd, line, (size_t)n) == n && fsync(fd) == 0 ? 0 : -1;
        if (close(fd) != 0) rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) rc = -1;
    if (rc != 0) {
        err_set("cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    free(path);
    return rc;
}

/* 1 when dir holds an index (its CURRENT) */
static int has_index(const char *dir)
{
    char *p = shard_path(dir, "CURRENT");
    int there = access(p, F_OK) == 0;
    free(p);
    return there;
}

int shard_claim(const char *dir, const ShardSpec *want)
{
    ShardSpec have;
    if (shard_read(dir, &have) != 0) return -1;
    if (have.count == want->count && (have.count == 0 || have.index == want->index)) return 0;
    if (have.count) {
        if (want->count)
            err_set("index %s is shard %u of %u, not shard %u of %u: give --shards %u --shard %u, or another --index",
                    dir, have.index, have.count, want->index, want->count, have.count, have.index);
        else
            err_set("index %s is shard %u of %u: update it with --shards %u --shard %u", dir, have.index, have.count,
                    have.count, have.index);
        return -1;
    }
    if (has_index(dir)) {
        err_set("index %s holds a whole corpus, not a shard: give --index a new or empty directory", dir);
        return -1;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        err_set("cannot create index directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return write_record(dir, want);
}

/* ---- a corpus read down to one shard ---- */

static int mine(const ShardSource *s, const char *id) { return shard_of(id, strlen(id), s->spec.count) == s->spec.index; }

static int keep_article(void *ctx, const Article *a)
{
    ShardSource *s = ctx;
    return mine(s, a->id) ? s->fn(s->ctx, a) : 0;
}

/* An article file of another shard is skipped unread; a passages file
 * (id NULL) is read, its rows sorted out one by one. */
static int ask_unchanged(void *ctx, const char *id, const char *path, uint64_t stamp)
{
    ShardSource *s = ctx;
    if (id && !mine(s, id)) {
        s->others++;
        return 1;
    }
    return s->unchanged ? s->unchanged(s->unchanged_ctx, id, path, stamp) : 0;
}

int shard_source_read(void *src, const CorpusOptions *o, article_fn fn, void *ctx, CorpusStats *stats)
{
    ShardSource *s = src;
    s->fn = fn;
    s->ctx = ctx;
    s->unchanged = o->unchanged;
    s->unchanged_ctx = o->unchanged_ctx;
    s->others = 0;
    CorpusOptions co = *o;
    co.unchanged = ask_unchanged;
    co.unchanged_ctx = s;
    int rc = s->inner(s->inner_src, &co, keep_article, s, stats);
    stats->unchanged -= s->others < stats->unchanged ? s->others : stats->unchanged;
    return rc;
}

static int read_path(void *src, const CorpusOptions *o, article_fn fn, void *ctx, CorpusStats *stats)
{
    return corpus_read(src, o, fn, ctx, stats);
}

int shard_corpus_read(void *src, const CorpusOptions *o, article_fn fn, void *ctx, CorpusStats *stats)
{
    const ShardCorpus *c = src;
    if (!c->spec.count) return corpus_read(c->path, o, fn, ctx, stats);
    ShardSource s = {read_path, (void *)c->path, c->spec, NULL, NULL, NULL, NULL, 0};
    return shard_source_read(&s, o, fn, ctx, stats);
}
