/*
 * index_reader.c: the live commit of an index, its segments seen as one.
 *
 * CURRENT names a commit directory; its manifest lists the segments in
 * order and which of them have deletes (FORMAT.md, "Directory"). Global
 * passage ids run through the segments one after another, deleted ones
 * included, so a segment's ids are a contiguous range and turning a global
 * id into a segment's is one binary search. Statistics leave the deleted
 * out: N, the total length and every df are what a full rebuild of the
 * live articles would have, so scores are too.
 */
#include "index/reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct Index {
    char *root;
    char *commit;       /* the commit directory */
    size_t nseg;
    Segment **seg;
    uint32_t *number;   /* seg-N names */
    Deletes **del;      /* per segment, NULL when it has none */
    uint32_t *base;     /* nseg + 1 first global passage ids */
    uint32_t *abase;    /* and article ids */
    IndexStats stats;   /* of the live passages */
};

static int same_settings(const IndexStats *a, const IndexStats *b)
{
    return a->passage_words == b->passage_words && analysis_config_equal(&a->analysis, &b->analysis) &&
           a->impact_k1 == b->impact_k1 && a->impact_b == b->impact_b;
}

/* Adds segment i's live counts to the index's statistics. */
static int add_stats(Index *ix, size_t i)
{
    const IndexStats *s = segment_stats(ix->seg[i]);
    const Deletes *d = ix->del[i];
    IndexStats *t = &ix->stats;
    if (i == 0) {
        t->passage_words = s->passage_words;
        t->analysis = s->analysis;
        t->impact_k1 = s->impact_k1;
        t->impact_b = s->impact_b;
    } else if (!same_settings(t, s)) {
        err_set("index %s: segments were built with different settings (rebuild with: search index --full)", ix->root);
        return -1;
    }
    if ((uint64_t)ix->base[i] + s->passages >= UINT32_MAX) {
        err_set("index %s: over 4 billion passages", ix->root);
        return -1;
    }
    ix->base[i + 1] = ix->base[i] + (uint32_t)s->passages;
    ix->abase[i + 1] = ix->abase[i] + (uint32_t)s->articles;
    t->passages += s->passages - (d ? d->passages : 0);
    t->articles += s->articles - (d ? d->articles : 0);
    t->terms += s->terms;
    t->postings += s->postings - (d ? d->postings : 0);
    t->positions += s->positions;
    t->total_length += s->total_length - (d ? d->length : 0);
    return 0;
}

static int open_segments(Index *ix, const Manifest *m)
{
    ix->seg = xcalloc(m->n, sizeof *ix->seg);
    ix->del = xcalloc(m->n, sizeof *ix->del);
    ix->number = xcalloc(m->n, sizeof *ix->number);
    ix->base = xcalloc(m->n + 1, sizeof *ix->base);
    ix->abase = xcalloc(m->n + 1, sizeof *ix->abase);
    ix->nseg = m->n; /* once the arrays index_close walks are there */
    /* an index of no segments still answers queries with the defaults */
    ix->stats.impact_k1 = IMPACT_K1;
    ix->stats.impact_b = IMPACT_B;
    for (size_t i = 0; i < m->n; i++) {
        ix->number[i] = m->number[i];
        char *dir = index_segment_path(ix->root, m->number[i]);
        ix->seg[i] = segment_open(dir);
        free(dir);
        if (!ix->seg[i]) return -1;
        if (m->has_deletes[i]) {
            char name[COMMIT_NAME_MAX];
            commit_deletes_name(m->number[i], name);
            ix->del[i] = xmalloc(sizeof *ix->del[i]);
            if (deletes_read(ix->del[i], ix->commit, name, ix->seg[i]) != 0) {
                free(ix->del[i]);
                ix->del[i] = NULL;
                return -1;
            }
        }
        if (add_stats(ix, i) != 0) return -1;
    }
    return 0;
}

/* Reads the commit's manifest and opens its segments into ix: 0, or -1
 * when they do not open. Running out of memory closes what was opened
 * and passes the failure on. */
static int open_commit(Index *ix, const char *commit)
{
    Manifest m;
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) {
        index_close(ix);
        oom_rethrow();
    }
    int rc = manifest_read(commit, &m) == 0 && open_segments(ix, &m) == 0 ? 0 : -1;
    oom_leave(&g);
    return rc;
}

Index *index_open_commit(const char *root, const char *commit)
{
    Index *ix = xcalloc(1, sizeof *ix);
    ix->root = xstrdup(root);
    ix->commit = xstrdup(commit);
    if (open_commit(ix, commit) == 0) return ix;
    index_close(ix);
    return NULL;
}

Index *index_open(const char *root)
{
    /* A reindex may publish a new commit and delete this one's files
     * between our reading CURRENT and opening them: then read it again. */
    for (int attempt = 0; attempt < 5; attempt++) {
        char *commit = publish_current(root);
        if (!commit) return NULL;
        Index *ix = xcalloc(1, sizeof *ix);
        ix->root = xstrdup(root);
        ix->commit = commit;
        errno = 0;
        if (open_commit(ix, commit) == 0) return ix;
        int vanished = errno == ENOENT;
        index_close(ix);
        if (!vanished) return NULL;
    }
    /* Missing every time: not a reindex at work but an index some files of
     * which are gone, or one an older version of search wrote. */
    char *why = xstrdup(err_msg());
    err_set("%s (the index is incomplete or from an older version; rebuild with: search index --full)", why);
    free(why);
    return NULL;
}

void index_close(Index *ix)
{
    if (!ix) return;
    for (size_t i = 0; i < ix->nseg; i++) {
        segment_close(ix->seg[i]);
        if (ix->del[i]) deletes_free(ix->del[i]);
        free(ix->del[i]);
    }
    free(ix->seg);
    free(ix->del);
    free(ix->number);
    free(ix->base);
    free(ix->abase);
    free(ix->root);
    free(ix->commit);
    free(ix);
}

const IndexStats *index_stats(const Index *ix) { return &ix->stats; }
uint32_t index_pid_limit(const Index *ix) { return ix->base[ix->nseg]; }
uint32_t index_article_limit(const Index *ix) { return ix->abase[ix->nseg]; }
size_t index_nsegments(const Index *ix) { return ix->nseg; }
const Segment *index_segment(const Index *ix, size_t i) { return ix->seg[i]; }
uint32_t index_segment_number(const Index *ix, size_t i) { return ix->number[i]; }
uint32_t index_segment_base(const Index *ix, size_t i) { return ix->base[i]; }
uint32_t index_segment_article_base(const Index *ix, size_t i) { return ix->abase[i]; }
const Deletes *index_deletes(const Index *ix, size_t i) { return ix->del[i]; }
const char *index_commit_dir(const Index *ix) { return ix->commit; }

uint64_t index_df(const Index *ix, const char *key, size_t len, TermInfo *first, int *in_first)
{
    uint64_t df = 0;
    if (in_first) *in_first = 0;
    for (size_t i = 0; i < ix->nseg; i++) {
        TermInfo ti;
        int found = segment_lookup(ix->seg[i], key, len, &ti);
        if (found < 0) return INDEX_DF_CORRUPT;
        if (!found) continue;
        if (i == 0 && first) {
            *first = ti;
            *in_first = 1;
        }
        df += ti.df - (ix->del[i] ? deletes_of_term(ix->del[i], ti.ord) : 0);
    }
    return df;
}

int index_prefix_each(const Index *ix, const char *prefix, size_t len,
                      void (*fn)(void *ctx, const char *key, size_t len, uint64_t df), void *ctx)
{
    LexMerge m;
    int rc = lexmerge_init(&m, (const Segment *const *)ix->seg, ix->nseg, prefix, len);
    uint8_t *has = xmalloc(ix->nseg);
    TermInfo *info = xmalloc(ix->nseg * sizeof *info);
    const char *key;
    size_t kl;
    while (rc == 0 && (rc = lexmerge_next(&m, &key, &kl, has, info)) == 1) {
        rc = 0;
        uint64_t df = 0;
        for (size_t i = 0; i < ix->nseg; i++)
            if (has[i]) df += info[i].df - (ix->del[i] ? deletes_of_term(ix->del[i], info[i].ord) : 0);
        if (df) fn(ctx, key, kl, df);
    }
    free(has);
    free(info);
    lexmerge_free(&m);
    return rc;
}

/* The last segment whose first id (in base[], passage or article ids) is
 * at most id. */
static size_t segment_of(const uint32_t *base, size_t nseg, uint32_t id)
{
    size_t lo = 0, hi = nseg;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (base[mid] <= id) lo = mid;
        else hi = mid;
    }
    return lo;
}

int index_locate(const Index *ix, uint32_t pid, size_t *seg, uint32_t *local)
{
    if (pid >= ix->base[ix->nseg]) return -1;
    *seg = segment_of(ix->base, ix->nseg, pid);
    *local = pid - ix->base[*seg];
    return 0;
}

int index_deleted(const Index *ix, uint32_t pid)
{
    size_t s;
    uint32_t l;
    if (index_locate(ix, pid, &s, &l) != 0) return 1;
    return ix->del[s] ? bit_get(ix->del[s]->passage_bits, l) : 0;
}

int index_passage(const Index *ix, uint32_t pid, PassageInfo *out)
{
    size_t s;
    uint32_t l;
    memset(out, 0, sizeof *out); /* what a caller that ignores a failure finds */
    if (index_locate(ix, pid, &s, &l) != 0 || segment_passage(ix->seg[s], l, out) != 0) return -1;
    out->article += ix->abase[s];
    return 0;
}

int index_article(const Index *ix, uint32_t aid, ArticleInfo *out)
{
    memset(out, 0, sizeof *out);
    out->id = out->path = out->title = "";
    if (aid >= ix->abase[ix->nseg]) return -1;
    size_t s = segment_of(ix->abase, ix->nseg, aid);
    if (segment_article(ix->seg[s], aid - ix->abase[s], out) != 0) return -1;
    out->first_passage += ix->base[s];
    return 0;
}

int index_passage_text(const Index *ix, uint32_t pid, Buf *out)
{
    size_t s;
    uint32_t l;
    if (index_locate(ix, pid, &s, &l) != 0) return -1;
    return segment_passage_text(ix->seg[s], l, out);
}
