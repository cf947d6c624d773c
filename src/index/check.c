/*
 * check.c: `search check`, a deep verification of an index, in the spirit
 * of Lucene's CheckIndex. Opening an index checks the files' frames, the
 * small files' CRC32s and the counts at the head of each payload, and the
 * readers check each entry, record and block as they read it; this first
 * verifies the rest of each segment (segment_verify: every file's CRC32,
 * every lexicon entry and the terms' order, every record and block
 * directory), then goes through all the data itself:
 *
 *   every term's postings decode, ids increase and stay below N, the count
 *   is its df, its largest tf is the lexicon's, every posting lies within
 *   its block's stored bounds (max tf, min length, max tf-part) and the
 *   term's stored floors are its postings' (10th, 100th, 1000th best
 *   tf-part), so pruning can trust them; every posting's positions decode, number its
 *   tf and increase; df and tf add up to the totals in meta.bin; articles
 *   cover the passages in order, each passage naming its article and place;
 *   every passage's text decompresses.
 */
#include "index/writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define CHECK_MAX_REPORTED 20

static void problem(IndexCheck *r, const char *fmt, ...)
{
    r->problems++;
    if (r->problems > CHECK_MAX_REPORTED) return;
    va_list ap;
    va_start(ap, fmt);
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    buf_append(&r->report, line, strlen(line));
    buf_put_u8(&r->report, '\n');
}

typedef struct {
    const Segment *sg;
    IndexCheck *r;
    float avgdl;
    PositionCursor pos;
    float *parts;     /* the term's tf-parts, for its floors */
    size_t parts_cap;
    int skipped;      /* a term's postings were not read: no totals */
} Checker;

/* One posting against its block's stored bounds and its positions. */
static void check_posting(Checker *k, const char *term, PostingCursor *c, uint32_t tf, const TermInfo *t, uint32_t at)
{
    const IndexStats *s = segment_stats(k->sg);
    uint32_t len = segment_lengths(k->sg)[c->pid];
    float part = bm25_tf_part(s->impact_k1, s->impact_b, k->avgdl, tf, len);
    if (at < k->parts_cap) k->parts[at] = part; /* the term's at-th posting */
    uint32_t cap = tf > 65535 ? 65535 : tf;
    if (cursor_block_max_tf(c) < cap || cursor_block_min_len(c) > len || cursor_block_max_tf_part(c) < part ||
        t->max_tf_part < part)
        problem(k->r, "term '%s', passage %u: posting above its block's stored bounds", term, c->pid);
    uint32_t n;
    const uint32_t *p = positions_of(&k->pos, c, &n);
    if (!p) {
        problem(k->r, "term '%s', passage %u: positions do not decode", term, c->pid);
        return;
    }
    if (n != tf) problem(k->r, "term '%s', passage %u: %u positions for tf %u", term, c->pid, n, tf);
    for (uint32_t i = 1; i < n; i++)
        if (p[i] <= p[i - 1]) {
            problem(k->r, "term '%s', passage %u: positions not increasing", term, c->pid);
            break;
        }
    k->r->positions += n;
}

/* The term's stored floors against its tf-parts' 10th, 100th and 1000th
 * largest: a floor above its rank's part would let a query prune a
 * passage of the true top k. */
static void check_floors(Checker *k, const char *term, const PostingCursor *c, uint32_t df)
{
    float want[TERM_FLOORS];
    term_floors(k->parts, df, want);
    for (size_t r = 0; r < TERM_FLOORS; r++)
        if (c->floors[r] != want[r])
            problem(k->r, "term '%s': stored floor of its %u best is %g, its postings give %g", term,
                    term_floor_rank(r), (double)c->floors[r], (double)want[r]);
}

static void check_term(Checker *k, uint64_t i)
{
    const char *s;
    size_t len;
    TermInfo t;
    segment_term_at(k->sg, i, &s, &len, &t); /* 1: segment_verify checked every entry */
    const char *word;
    size_t wl;
    int field = key_field(s, len, &word, &wl);
    char term[FIELD_KEY_MAX + 16]; /* as a query names it: title:word */
    snprintf(term, sizeof term, "%s%s%.*s", field == FIELD_BODY ? "" : field_name(field),
             field == FIELD_BODY ? "" : ":", (int)wl, word);
    PostingCursor c;
    cursor_open(&c, k->sg, &t);
    if (c.corrupt && t.nblocks > 1 && !(c.floors[0] <= t.max_tf_part && c.floors[1] <= c.floors[0] &&
                                         c.floors[2] <= c.floors[1] && c.floors[2] >= 0)) {
        /* the cursor refuses the term (a query would prune by them) */
        problem(k->r, "term '%s': stored floor of its 10 best is %g, of its 100 best %g, of its 1000 best %g: not in "
                "rank order under its best tf-part %g", term, (double)c.floors[0], (double)c.floors[1],
                (double)c.floors[2], (double)t.max_tf_part);
        k->skipped = 1;
        return;
    }
    positions_open(&k->pos, k->sg, &t);
    if (t.df > k->parts_cap) {
        free(k->parts);
        k->parts_cap = t.df;
        k->parts = xmalloc(t.df * sizeof *k->parts);
    }
    uint32_t df = 0, max_tf = 0;
    for (; c.pid != PID_END; cursor_next(&c)) {
        uint32_t tf = cursor_tf(&c);
        if (c.corrupt) break;
        if (tf > max_tf) max_tf = tf;
        check_posting(k, term, &c, tf, &t, df++);
    }
    if (c.corrupt) problem(k->r, "term '%s': postings do not decode", term);
    else if (df != t.df) problem(k->r, "term '%s': %u postings, df says %u", term, df, t.df);
    else if (max_tf != t.max_tf) problem(k->r, "term '%s': largest tf %u, lexicon says %u", term, max_tf, t.max_tf);
    else if (t.nblocks > 1) check_floors(k, term, &c, df);
    k->r->postings += df;
}

static void check_records(Checker *k)
{
    const IndexStats *s = segment_stats(k->sg);
    uint64_t next = 0;
    for (uint32_t a = 0; a < s->articles; a++) {
        ArticleInfo ai;
        segment_article(k->sg, a, &ai);
        if (ai.first_passage != next) problem(k->r, "article %u: its passages do not follow the previous one's", a);
        next = (uint64_t)ai.first_passage + ai.npassages;
        for (uint32_t j = 0; j < ai.npassages && ai.first_passage + j < s->passages; j++) {
            PassageInfo p;
            segment_passage(k->sg, ai.first_passage + j, &p);
            if (p.article != a || p.ordinal != j)
                problem(k->r, "passage %u: names article %u #%u, lies in article %u #%u", ai.first_passage + j,
                        p.article, p.ordinal, a, j);
        }
    }
    if (next != s->passages) problem(k->r, "the articles cover %llu passages of %llu", (unsigned long long)next,
                                     (unsigned long long)s->passages);
    DocStoreCursor c; /* in id order: each block decompressed once */
    docstore_cursor_init(&c);
    for (uint32_t pid = 0; pid < s->passages; pid++) {
        const char *text;
        size_t len;
        if (segment_passage_read(k->sg, pid, &c, &text, &len) != 0)
            problem(k->r, "passage %u: its text does not decompress", pid);
    }
    docstore_cursor_free(&c);
}

/* -1 when the segment did not verify: nothing else of it is read. */
static int check_segment(const Segment *sg, IndexCheck *r)
{
    const IndexStats *s = segment_stats(sg);
    if (segment_verify(sg) != 0) {
        problem(r, "%s", err_msg());
        return -1;
    }
    uint64_t postings = r->postings, positions = r->positions;
    Checker k = {sg, r, index_avgdl(s->total_length, s->passages), {0}, NULL, 0, 0};
    positions_init(&k.pos);
    for (uint64_t i = 0; i < s->terms; i++) check_term(&k, i);
    positions_free(&k.pos);
    free(k.parts);
    r->terms += s->terms;
    if (!k.skipped && r->postings - postings != s->postings)
        problem(r, "%s: %llu postings in all, meta.bin says %llu", segment_dir(sg),
                (unsigned long long)(r->postings - postings), (unsigned long long)s->postings);
    if (!k.skipped && r->positions - positions != s->positions)
        problem(r, "%s: %llu positions in all, meta.bin says %llu", segment_dir(sg),
                (unsigned long long)(r->positions - positions), (unsigned long long)s->positions);
    check_records(&k);
    r->passages += s->passages;
    r->articles += s->articles;
    return 0;
}

/* The deletes' per-term counts, counted again from the postings. */
static void check_deletes(const Segment *sg, const Deletes *d, IndexCheck *r)
{
    Deletes again;
    deletes_copy(&again, d);
    if (deletes_count_terms(&again, sg) != 0) {
        problem(r, "%s", err_msg());
    } else if (again.nterms != d->nterms || again.postings != d->postings ||
               memcmp(again.term_ord, d->term_ord, d->nterms * 4) != 0 ||
               memcmp(again.term_count, d->term_count, d->nterms * 4) != 0) {
        problem(r, "%s: the deletes' postings counts do not match the postings", segment_dir(sg));
    }
    r->deleted += d->passages;
    deletes_free(&again);
}

/* sources.bin, when the commit has one (older ones do not): searches
 * never read it, but a damaged one makes every update read all files. */
static void check_sources(const Index *ix, IndexCheck *r)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sources.bin", index_commit_dir(ix));
    struct stat st;
    if (stat(path, &st) != 0) return;
    Sources s;
    /* a reindex publishing meanwhile removes this commit's directory: a
     * file gone is not a damaged one (the rest was mapped at open) */
    if (sources_read(&s, index_commit_dir(ix)) != 0 && stat(path, &st) == 0) problem(r, "%s", err_msg());
    sources_free(&s);
}

int index_check(const Index *ix, IndexCheck *r)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < index_nsegments(ix); i++) {
        if (check_segment(index_segment(ix, i), r) == 0 && index_deletes(ix, i))
            check_deletes(index_segment(ix, i), index_deletes(ix, i), r);
    }
    r->segments = index_nsegments(ix);
    check_sources(ix, r);
    return r->problems ? -1 : 0;
}
