/*
 * reindex.c: incremental reindexing. What changed in the corpus since the
 * live commit, and the next commit: the live segments with the changed and
 * removed articles marked deleted, plus a new segment of the new and
 * changed ones, merged down so that segments stay few.
 *
 * An article is matched to its previous version by id (for duplicate ids,
 * in corpus order) and kept only when a rebuild would record it exactly
 * so: the same title and text (their hash), read from the same path, at
 * the same place in it (a passages file's row moves when a row before it
 * grows). A file is not even read when the live commit's sources.bin
 * holds its stamp (sources.c): for a passages file, only when every live
 * article was read from it. A previous article the corpus no longer has
 * is removed.
 *
 * Merge policy: segments are kept oldest first; after adding the new one,
 * the newest two are merged while the newer holds at least a quarter of
 * the live passages of the one before it (so sizes grow by a factor of 4
 * or more from newest to oldest and there are O(log N) segments). A
 * segment with more deleted than live passages is rewritten. --optimize
 * merges everything into one. With --reorder, every segment the run
 * writes has its articles in bisection order: merges reorder, and a new
 * segment no merge took is rewritten so.
 */
#include "corpus/corpus.h"
#include "index/shard.h"
#include "index/writer.h"

#include <stdio.h>
#include <stdlib.h>

#define MERGE_FACTOR 4

enum { UNSEEN = 0, KEPT = 1, CHANGED = 2 };

struct Previous {
    Index *ix;
    StrMap ids;        /* article id -> first entry + 1 */
    uint32_t *seg;     /* per entry: segment and article in it */
    uint32_t *aid;
    uint32_t *next;    /* next entry with the same id + 1, or 0 */
    uint8_t *state;
    size_t n;
    Sources sources;   /* the files the live commit was made from */
};

/* Every live article of the previous commit, in segment order, and a map
 * from id to the chain of entries with that id (in order: entries are
 * chained from the last, each put in front). */
static void add_entries(Previous *p)
{
    const Index *ix = p->ix;
    size_t cap = index_article_limit(ix) + 1;
    p->seg = xmalloc(cap * sizeof *p->seg);
    p->aid = xmalloc(cap * sizeof *p->aid);
    p->next = xcalloc(cap, sizeof *p->next);
    p->state = xcalloc(cap, 1);
    for (size_t s = 0; s < index_nsegments(ix); s++) {
        const Deletes *d = index_deletes(ix, s);
        for (uint32_t a = 0; a < segment_stats(index_segment(ix, s))->articles; a++) {
            if (d && bit_get(d->article_bits, a)) continue;
            p->seg[p->n] = (uint32_t)s;
            p->aid[p->n++] = a;
        }
    }
    strmap_init(&p->ids);
    for (size_t e = p->n; e-- > 0;) {
        ArticleInfo ai;
        segment_article(index_segment(ix, p->seg[e]), p->aid[e], &ai);
        uint32_t *head = strmap_upsert(&p->ids, ai.id, ai.id_len, NULL);
        p->next[e] = *head;
        *head = (uint32_t)e + 1;
    }
}

/* The live commit, or when CURRENT is missing or its commit does not
 * open, the newest commit that does (said in rep->recovered). */
static Index *open_live(const char *dir, IndexerReport *rep)
{
    char *cur = publish_current(dir);
    Index *ix = cur ? index_open(dir) : NULL;
    free(cur);
    if (ix) return ix;
    size_t ncommits;
    char *newest = publish_newest(dir, &ncommits);
    if (newest) {
        ix = index_open_commit(dir, newest);
        snprintf(rep->recovered, sizeof rep->recovered, "%s", strrchr(newest, '/') + 1);
    } else if (ncommits) {
        rep->why_full = "no commit of the previous index can be read";
    }
    free(newest);
    return ix;
}

/* Takes ix over. */
static Previous *previous_of(Index *ix)
{
    Previous *p = xcalloc(1, sizeof *p);
    p->ix = ix;
    add_entries(p);
    sources_read(&p->sources, index_commit_dir(ix)); /* none or damaged: every file is read */
    return p;
}

/* An open checks only what is small (segment.c); an update keeps the
 * records and postings of the segments it builds on, so they are
 * verified whole first, as a merge verifies its inputs. */
static int verify_segments(const Index *ix)
{
    for (size_t s = 0; s < index_nsegments(ix); s++)
        if (segment_verify(index_segment(ix, s)) != 0) return -1;
    return 0;
}

Previous *previous_open(const char *dir, const IndexerOptions *o, IndexerReport *rep)
{
    rep->why_full = NULL;
    if (o->full) return NULL;
    Index *ix = open_live(dir, rep);
    if (!ix) return NULL; /* none yet, or none readable */
    if (verify_segments(ix) != 0) {
        rep->why_full = "the previous index is damaged (search check names what); rebuilt from the corpus";
        index_close(ix);
        return NULL;
    }
    const IndexStats *s = index_stats(ix);
    rep->impact = (ImpactParams){s->impact_k1, s->impact_b};
    rep->had_impact = 1;
    if (s->passage_words != o->passage_words || !analysis_config_equal(&s->analysis, &o->analysis)) {
        rep->why_full = "the analysis settings changed";
        index_close(ix);
        return NULL;
    }
    /* An index's maxima hold for one k1 and b (index_reader.c refuses
     * segments that differ): other ones rewrite them all, by a full
     * rebuild, rather than leave a mixed index. */
    if ((o->k1_given && o->k1 != s->impact_k1) || (o->b_given && o->b != s->impact_b)) {
        rep->why_full = "the BM25 parameters of the block maxima (--k1, --b) changed";
        index_close(ix);
        return NULL;
    }
    return previous_of(ix);
}

ImpactParams previous_impact(const IndexerOptions *o, IndexerReport *rep)
{
    ImpactParams r = rep->had_impact ? rep->impact : (ImpactParams){IMPACT_K1, IMPACT_B};
    if (o->k1_given) r.k1 = o->k1;
    if (o->b_given) r.b = o->b;
    rep->impact = r;
    rep->had_impact = 1;
    return r;
}

void previous_close(Previous *p)
{
    if (!p) return;
    index_close(p->ix);
    strmap_free(&p->ids);
    free(p->seg);
    free(p->aid);
    free(p->next);
    free(p->state);
    sources_free(&p->sources);
    free(p);
}

static int article_of(const Previous *p, size_t e, ArticleInfo *out)
{
    return segment_article(index_segment(p->ix, p->seg[e]), p->aid[e], out);
}

/* The first entry with this id not matched yet, or -1. */
static long unmatched(const Previous *p, const char *id, size_t len)
{
    uint32_t *v = strmap_get(&p->ids, id, len);
    for (uint32_t e = v ? *v : 0; e; e = p->next[e - 1])
        if (p->state[e - 1] == UNSEEN) return (long)e - 1;
    return -1;
}

static int same_path(const ArticleInfo *a, const char *path)
{
    return a->path_len == strlen(path) && !memcmp(a->path, path, a->path_len);
}

/* The stored start of the article's first passage. */
static uint64_t first_start(const Previous *p, size_t e, const ArticleInfo *a)
{
    PassageInfo pi;
    return segment_passage(index_segment(p->ix, p->seg[e]), a->first_passage, &pi) == 0 ? pi.start : UINT64_MAX;
}

int previous_unchanged_file(Previous *p, const char *id, const char *path, uint64_t stamp, IndexerReport *rep)
{
    ArticleInfo a;
    if (!stamp || sources_get(&p->sources, id ? 'A' : 'F', id ? id : path) != stamp) return 0;
    if (id) {
        long e = unmatched(p, id, strlen(id));
        if (e < 0 || article_of(p, (size_t)e, &a) != 0 || !same_path(&a, path)) return 0;
        p->state[e] = KEPT;
        rep->unchanged++;
        return 1;
    }
    /* A passages file is the whole corpus: every live article came from it. */
    for (size_t e = 0; e < p->n; e++)
        if (p->state[e] != UNSEEN || article_of(p, e, &a) != 0 || !same_path(&a, path)) return 0;
    memset(p->state, KEPT, p->n);
    rep->unchanged += p->n;
    return 1;
}

int previous_match(Previous *p, const char *id, uint64_t hash, const char *path, uint64_t start, IndexerReport *rep)
{
    long e = unmatched(p, id, strlen(id));
    ArticleInfo a;
    if (e < 0) {
        rep->added++;
        return 0;
    }
    if (article_of(p, (size_t)e, &a) == 0 && a.hash == hash && same_path(&a, path) && first_start(p, (size_t)e, &a) == start) {
        p->state[e] = KEPT;
        rep->unchanged++;
        return 1;
    }
    p->state[e] = CHANGED;
    rep->changed++;
    return 0;
}

/* ---- is the index current? ---- */

typedef struct {
    Previous *p;
    CorpusDiff *d;
    uint32_t passage_words;
    IndexerReport rep; /* previous_match's counts */
} Comparison;

static void note(CorpusDiff *d, const char *what, const char *id, size_t len)
{
    if (++d->noted > CORPUS_DIFF_MAX_NOTED) return;
    char line[600];
    int n = snprintf(line, sizeof line, "%s: %.*s\n", what, (int)(len > 500 ? 500 : len), id);
    buf_append(&d->report, line, (size_t)n);
}

static int compare_article(void *ctx, const Article *a)
{
    Comparison *c = ctx;
    PassageSpan *spans;
    size_t n = passages_split(a->text, a->len, a->heading_end, c->passage_words, &spans);
    uint64_t added = c->rep.added;
    uint64_t start = a->base + (n ? spans[0].start : 0);
    free(spans);
    c->d->articles++;
    if (previous_match(c->p, a->id, article_hash(a->title, a->text, a->len), a->path, start, &c->rep)) return 0;
    note(c->d, c->rep.added != added ? "not in the index" : "changed since indexed", a->id, strlen(a->id));
    return 0;
}

int corpus_compare(const char *dir, const char *corpus, CorpusDiff *d)
{
    memset(d, 0, sizeof *d);
    Index *ix = index_open(dir);
    if (!ix) return -1;
    Comparison c = {previous_of(ix), d, index_stats(ix)->passage_words, {0}};
    CorpusOptions co;
    corpus_options_default(&co); /* every file read: the stamps are not the proof here */
    CorpusStats cs = {0};
    ShardCorpus src = {corpus, {0, 0}}; /* a shard is compared with its part of the corpus */
    int rc = shard_read(dir, &src.spec);
    if (rc == 0) rc = shard_corpus_read(&src, &co, compare_article, &c, &cs);
    if (rc == 0) {
        for (size_t e = 0; e < c.p->n; e++) {
            if (c.p->state[e] != UNSEEN) continue;
            ArticleInfo a;
            if (article_of(c.p, e, &a) == 0) note(d, "not in the corpus", a.id, a.id_len);
            d->removed++;
        }
        d->same = c.rep.unchanged;
        d->added = c.rep.added;
        d->changed = c.rep.changed;
        d->skipped = cs.skipped;
    }
    previous_close(c.p);
    return rc;
}

/* ---- the next commit ---- */

typedef struct {
    Segment *sg;
    Deletes *del;    /* NULL: none */
    uint32_t number; /* seg-N */
    int owned;       /* sg opened here (new or merged), else the previous index's */
    int reordered;   /* written in bisection order by this run */
} PlanSegment;

typedef struct {
    PlanSegment s[MANIFEST_MAX_SEGMENTS + 2];
    size_t n;
} Plan;

static uint64_t live(const Plan *pl, size_t i)
{
    return segment_stats(pl->s[i].sg)->passages - (pl->s[i].del ? pl->s[i].del->passages : 0);
}

static void release(PlanSegment *ps)
{
    if (ps->owned) segment_close(ps->sg);
    if (ps->del) deletes_free(ps->del);
    free(ps->del);
}

static void drop(Plan *pl, size_t i)
{
    release(&pl->s[i]);
    memmove(&pl->s[i], &pl->s[i + 1], (pl->n - i - 1) * sizeof pl->s[0]);
    pl->n--;
}

/* The previous commit's segments with their deletes, the removed and
 * changed articles added to them. */
static int plan_previous(Plan *pl, Previous *p, IndexerReport *rep)
{
    const Index *ix = p->ix;
    for (size_t s = 0; s < index_nsegments(ix); s++) {
        PlanSegment *ps = &pl->s[pl->n++];
        ps->sg = (Segment *)index_segment(ix, s);
        ps->number = index_segment_number(ix, s);
        ps->del = xmalloc(sizeof *ps->del);
        const Deletes *old = index_deletes(ix, s);
        if (old) deletes_copy(ps->del, old);
        else deletes_init(ps->del, ps->sg);
        uint64_t before = ps->del->articles;
        for (size_t e = 0; e < p->n; e++) {
            if (p->seg[e] != s || p->state[e] == KEPT) continue;
            rep->removed += p->state[e] == UNSEEN;
            deletes_article(ps->del, ps->sg, p->aid[e]);
        }
        if (ps->del->articles != before && deletes_count_terms(ps->del, ps->sg) != 0) return -1;
        rep->changes += ps->del->articles != before;
        if (!ps->del->passages) {
            deletes_free(ps->del);
            free(ps->del);
            ps->del = NULL;
        }
    }
    return 0;
}

/* Merges plan entries [from, to) into one new segment in their place. */
static int merge_range(Plan *pl, size_t from, size_t to, Publication *pub, const IndexerOptions *o, IndexerReport *rep)
{
    const Segment *segs[MANIFEST_MAX_SEGMENTS + 2];
    const Deletes *dels[MANIFEST_MAX_SEGMENTS + 2];
    for (size_t i = from; i < to; i++) {
        segs[i - from] = pl->s[i].sg;
        dels[i - from] = pl->s[i].del;
    }
    uint32_t number;
    char *dir = publish_segment(pub, &number);
    if (!dir) return -1;
    uint64_t bytes;
    int rc = segment_merge(segs, dels, to - from, dir, o->threads, o->reorder, &bytes);
    Segment *sg = rc == 0 ? segment_open_written(dir) : NULL;
    free(dir);
    if (!sg) return -1;
    rep->merged += to - from;
    for (size_t i = to; i-- > from + 1;) drop(pl, i);
    release(&pl->s[from]);
    pl->s[from] = (PlanSegment){sg, NULL, number, 1, o->reorder};
    return 0;
}

static int apply_policy(Plan *pl, Publication *pub, const IndexerOptions *o, IndexerReport *rep)
{
    for (size_t i = 0; i < pl->n;) /* all deleted: nothing left to keep */
        if (live(pl, i) == 0) drop(pl, i);
        else i++;
    if (o->optimize)
        return pl->n > 1 || (pl->n == 1 && (pl->s[0].del || o->reorder)) ? merge_range(pl, 0, pl->n, pub, o, rep) : 0;
    for (size_t i = 0; i < pl->n; i++)
        if (pl->s[i].del && pl->s[i].del->passages > live(pl, i) && merge_range(pl, i, i + 1, pub, o, rep) != 0)
            return -1;
    while (pl->n > 1 && (pl->n >= MANIFEST_MAX_SEGMENTS || live(pl, pl->n - 1) * MERGE_FACTOR >= live(pl, pl->n - 2)))
        if (merge_range(pl, pl->n - 2, pl->n, pub, o, rep) != 0) return -1;
    for (size_t i = 0; o->reorder && i < pl->n; i++) /* the new segment, if no merge took it */
        if (pl->s[i].owned && !pl->s[i].reordered && merge_range(pl, i, i + 1, pub, o, rep) != 0) return -1;
    return 0;
}

static int write_commit(const Plan *pl, Publication *pub, const Sources *src, Manifest *m)
{
    if (sources_write(src, pub->tmpdir) != 0) return -1;
    m->n = pl->n;
    for (size_t i = 0; i < pl->n; i++) {
        m->number[i] = pl->s[i].number;
        m->has_deletes[i] = pl->s[i].del != NULL;
        if (!pl->s[i].del) continue;
        char name[COMMIT_NAME_MAX];
        commit_deletes_name(pl->s[i].number, name);
        if (deletes_write(pl->s[i].del, pub->tmpdir, name) != 0) return -1;
    }
    return 0;
}

int reindex_commit(Previous *p, Publication *pub, uint32_t new_number, const char *new_dir, const Sources *src,
                   const IndexerOptions *o, IndexerReport *rep)
{
    Plan pl;
    memset(&pl, 0, sizeof pl);
    int rc = p ? plan_previous(&pl, p, rep) : 0;
    if (rc == 0 && new_dir) {
        Segment *sg = segment_open_written(new_dir);
        if (sg) pl.s[pl.n++] = (PlanSegment){sg, NULL, new_number, 1, 0};
        else rc = -1;
        rep->changes++;
    }
    /* nothing to commit, not even new stamps of files read again */
    rep->up_to_date = rc == 0 && p && !rep->changes && !o->optimize && sources_equal(src, &p->sources) &&
                      !rep->recovered[0];
    if (rc == 0 && !rep->up_to_date) rc = apply_policy(&pl, pub, o, rep);
    if (rc == 0 && !rep->up_to_date && pl.n == 0) {
        err_set("the corpus has no articles left to index");
        rc = -1;
    }
    Manifest m;
    if (rc == 0 && !rep->up_to_date) rc = write_commit(&pl, pub, src, &m);
    rep->segments = pl.n;
    while (pl.n) drop(&pl, pl.n - 1); /* unmaps the new segments before publishing renames them */
    if (rc == 0 && !rep->up_to_date) return publish_commit(pub, &m); /* aborts itself on failure */
    publish_abort(pub);
    return rc;
}
