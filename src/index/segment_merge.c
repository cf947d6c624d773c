/*
 * segment_merge.c: several segments of an index -> one, without their
 * deleted passages. It is how an incremental reindex keeps the segment
 * count small and how `search index --optimize` makes one segment.
 *
 * The live passages are renumbered in order (segment after segment), the
 * records and texts copied, and every key's postings and positions
 * gathered from the segments that have it (a k-way merge of their sorted
 * lexicons) and encoded again by the same writer a fresh build uses, with
 * block maxima for the merged segment's own mean length.
 */
#include "index/index.h"

#include <stdlib.h>

#define GONE UINT32_MAX /* a deleted passage has no new id */

typedef struct {
    const Segment *sg;
    uint32_t *map;       /* old passage id -> new, or GONE */
} Input;

/* The live postings of lexicon entry t of in, renumbered. */
static int gather(TermPostings *g, const Input *in, const TermInfo *t, PositionCursor *pc)
{
    PostingCursor c;
    cursor_open(&c, in->sg, t);
    positions_open(pc, in->sg, t);
    for (uint32_t pid = c.pid; pid != PID_END; pid = cursor_next(&c)) {
        if (in->map[pid] == GONE) continue;
        const uint32_t *tfs = cursor_block_tfs(&c);
        uint32_t n;
        const uint32_t *pos = tfs ? positions_of(pc, &c, &n) : NULL;
        if (!pos) break;
        memcpy(term_postings_add(g, in->map[pid], n), pos, n * sizeof *pos);
    }
    if (c.corrupt || c.pid != PID_END) {
        err_set("index segment %s is corrupt (rebuild with: search index --full)", segment_dir(in->sg));
        return -1;
    }
    return 0;
}

/* Every key of the inputs in order, each with the postings of all of them. */
static int merge_terms(Input *in, size_t n, TermWriter *w, const uint32_t *lengths, float avgdl)
{
    const Segment **segs = xmalloc(n * sizeof *segs);
    for (size_t i = 0; i < n; i++) segs[i] = in[i].sg;
    uint8_t *has = xmalloc(n);
    TermInfo *info = xmalloc(n * sizeof *info);
    LexMerge m;
    lexmerge_init(&m, segs, n, "", 0);
    TermPostings g = {0};
    PositionCursor pc;
    positions_init(&pc);
    const char *key;
    size_t kl;
    int rc = 0;
    while (rc == 0 && lexmerge_next(&m, &key, &kl, has, info)) {
        term_postings_clear(&g);
        for (size_t i = 0; i < n && rc == 0; i++)
            if (has[i]) rc = gather(&g, &in[i], &info[i], &pc);
        if (rc == 0 && g.n) term_writer_add(w, key, kl, &g, lengths, avgdl);
    }
    lexmerge_free(&m);
    positions_free(&pc);
    term_postings_free(&g);
    free(has);
    free(info);
    free(segs);
    return rc;
}

/* The live articles of one input: records, lengths and texts, renumbered. */
static int copy_records(IndexBuilder *b, Input *in, const Deletes *d)
{
    const IndexStats *s = segment_stats(in->sg);
    const uint32_t *len = segment_lengths(in->sg);
    Buf text = {0};
    for (uint32_t a = 0; a < s->articles; a++) {
        ArticleInfo ai;
        segment_article(in->sg, a, &ai);
        if (d && bit_get(d->article_bits, a)) continue;
        uint32_t first = b->npassages;
        for (uint32_t p = ai.first_passage; p < ai.first_passage + ai.npassages; p++) {
            PassageInfo pi;
            segment_passage(in->sg, p, &pi);
            if (segment_passage_text(in->sg, p, &text) != 0) {
                buf_free(&text);
                return -1;
            }
            in->map[p] = b->npassages;
            builder_add_passage(b, pi.ordinal, pi.start, pi.end, len[p], (const char *)text.data, text.len);
        }
        builder_add_article(b, &ai, first);
    }
    buf_free(&text);
    return 0;
}

int segment_merge(const Segment *const *segs, const Deletes *const *dels, size_t n, const char *dir, int threads,
                  uint64_t *bytes)
{
    const IndexStats *st = segment_stats(segs[0]);
    IndexBuilder b;
    if (builder_open(&b, dir, &st->analysis, st->passage_words, threads) != 0) return -1;
    Input *in = xcalloc(n, sizeof *in);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        in[i].sg = segs[i];
        const IndexStats *s = segment_stats(in[i].sg);
        in[i].map = xmalloc((s->passages + 1) * sizeof *in[i].map);
        memset(in[i].map, 0xff, (s->passages + 1) * sizeof *in[i].map);
        rc = copy_records(&b, &in[i], dels[i]);
    }
    TermWriter w;
    *bytes = 0;
    if (rc == 0) rc = term_writer_open(&w, dir);
    if (rc == 0) {
        rc = merge_terms(in, n, &w, (const uint32_t *)b.lengths.data, index_avgdl(b.total_length, b.npassages));
        if (rc == 0) rc = term_writer_finish(&w, bytes);
        else term_writer_abort(&w);
    }
    if (rc == 0) rc = builder_finish(&b, &w, bytes);
    else builder_abort(&b);
    for (size_t i = 0; i < n; i++) free(in[i].map);
    free(in);
    return rc;
}
