/*
 * segment_merge.c: several segments of an index -> one, without their
 * deleted passages. It is how an incremental reindex keeps the segment
 * count small and how `search index --optimize` makes one segment.
 *
 * The live articles are renumbered in order (segment after segment), or,
 * to reorder, in the order recursive graph bisection finds for them
 * (bisection.c) over the terms each holds. Their records and texts are
 * copied, and every key's postings and positions gathered from the
 * segments that have it (a k-way merge of their sorted lexicons), put in
 * the new id order and encoded again by the same writer a fresh build
 * uses, with block maxima for the merged segment's own mean length.
 *
 * A merge reads every byte of its inputs, and what it writes is trusted
 * from then on, so each input is verified first (segment_verify: its
 * files' CRC32s, every entry and record): damage stops the merge with the
 * error naming the file, where a search would only meet the parts it
 * reads.
 */
#include "index/writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define GONE UINT32_MAX /* a deleted passage has no new id */

typedef struct {
    const Segment *sg;
    const Deletes *del;
    uint32_t *map; /* passage id -> new id, or GONE; while the article graph
                      is built, -> its live article's merge-wide number */
    DocStoreCursor texts;
    const uint8_t *unpacked; /* reordering: passage p's text is unpacked[ */
    uint64_t *text_at;       /* text_at[p] .. text_at[p + 1]) */
} Input;

typedef struct {
    uint32_t input, article; /* a live article: its segment and id there */
} ArticleRef;

static int postings_corrupt(const Input *in)
{
    return segment_corrupt(in->sg, "postings.bin", "a term's postings do not decode");
}

/* The live articles of every input, numbered in input order; each input's
 * map sends their passages to their number. Returns how many. */
static uint32_t live_articles(Input *in, size_t n, ArticleRef **refs)
{
    size_t cap = 0, count = 0;
    for (size_t i = 0; i < n; i++) cap += segment_stats(in[i].sg)->articles;
    *refs = xmalloc((cap + 1) * sizeof **refs);
    for (size_t i = 0; i < n; i++)
        for (uint32_t a = 0; a < segment_stats(in[i].sg)->articles; a++) {
            if (in[i].del && bit_get(in[i].del->article_bits, a)) continue;
            ArticleInfo ai;
            segment_article(in[i].sg, a, &ai);
            for (uint32_t p = ai.first_passage; p < ai.first_passage + ai.npassages; p++)
                in[i].map[p] = (uint32_t)count;
            (*refs)[count++] = (ArticleRef){(uint32_t)i, a};
        }
    return (uint32_t)count;
}

/* The inputs' lexicons walked together: each key once, with which inputs
 * hold it (has[i]) and their entries for it (info[i]). */
typedef struct {
    const Segment **segs;
    uint8_t *has;
    TermInfo *info;
    LexMerge m;
    const char *key;
    size_t kl;
} KeyWalk;

static void keywalk_open(KeyWalk *k, const Input *in, size_t n)
{
    k->segs = xmalloc(n * sizeof *k->segs);
    for (size_t i = 0; i < n; i++) k->segs[i] = in[i].sg;
    k->has = xmalloc(n);
    k->info = xmalloc(n * sizeof *k->info);
    lexmerge_init(&k->m, k->segs, n, "", 0);
}

/* 1 with the next key; 0 at the end, or with *rc = -1 at a corrupt
 * entry (which segment_verify leaves none of). */
static int keywalk_next(KeyWalk *k, int *rc)
{
    int got = lexmerge_next(&k->m, &k->key, &k->kl, k->has, k->info);
    if (got < 0) *rc = -1;
    return got == 1;
}

static void keywalk_close(KeyWalk *k)
{
    lexmerge_free(&k->m);
    free(k->has);
    free(k->info);
    free(k->segs);
}

/* Appends to *list the live articles holding lexicon entry t of in, each
 * once, ascending (an article's passages are consecutive). */
static int term_articles(const Input *in, const TermInfo *t, Buf *list)
{
    PostingCursor c;
    cursor_open(&c, in->sg, t);
    uint32_t last = GONE;
    for (uint32_t pid = c.pid; pid != PID_END; pid = cursor_next(&c)) {
        uint32_t a = in->map[pid];
        if (a == GONE || a == last) continue;
        buf_append(list, &a, sizeof a);
        last = a;
    }
    return c.corrupt ? postings_corrupt(in) : 0;
}

/* Every key of the inputs held by two live articles or more, in lexicon
 * order: its articles appended to *list, and where they end to *ends (a
 * key held by one article costs the same wherever it goes). */
static int term_lists(Input *in, size_t n, Buf *list, Buf *ends)
{
    KeyWalk k;
    keywalk_open(&k, in, n);
    int rc = 0;
    while (rc == 0 && keywalk_next(&k, &rc)) {
        size_t at = list->len;
        for (size_t i = 0; i < n && rc == 0; i++)
            if (k.has[i]) rc = term_articles(&in[i], &k.info[i], list);
        if (list->len - at < 2 * sizeof(uint32_t)) list->len = at;
        else buf_append(ends, &(uint64_t){list->len / sizeof(uint32_t)}, sizeof(uint64_t));
    }
    keywalk_close(&k);
    return rc;
}

/* The live articles and the terms each holds: term_lists turned from
 * term-major to article-major (terms come out ascending per article). */
static int article_graph(Input *in, size_t n, uint32_t narticles, DocTerms *g)
{
    Buf list = {0}, ends = {0};
    int rc = term_lists(in, n, &list, &ends);
    const uint32_t *arts = (const uint32_t *)list.data;
    const uint64_t *end = (const uint64_t *)ends.data;
    uint64_t npairs = list.len / sizeof *arts;
    uint32_t nterms = (uint32_t)(ends.len / sizeof *end);
    uint64_t *off = xcalloc((size_t)narticles + 1, sizeof *off);
    for (uint64_t j = 0; j < npairs; j++) off[arts[j] + 1]++;
    for (uint32_t d = 0; d < narticles; d++) off[d + 1] += off[d];
    uint64_t *fill = xmalloc(((size_t)narticles + 1) * sizeof *fill);
    memcpy(fill, off, ((size_t)narticles + 1) * sizeof *fill);
    uint32_t *terms = xmalloc((npairs + 1) * sizeof *terms);
    uint64_t j = 0;
    for (uint32_t t = 0; t < nterms; t++)
        for (; j < end[t]; j++) terms[fill[arts[j]]++] = t;
    free(fill);
    buf_free(&list);
    buf_free(&ends);
    *g = (DocTerms){narticles, nterms, off, terms};
    return rc;
}

/* The new numbering of the live articles: order[i] is the one to number i. */
static int article_order(Input *in, size_t n, uint32_t narticles, int reorder, int threads, uint32_t *order)
{
    if (!reorder) {
        for (uint32_t i = 0; i < narticles; i++) order[i] = i;
        return 0;
    }
    DocTerms g;
    int rc = article_graph(in, n, narticles, &g);
    if (rc == 0) bisection_order(&g, order, threads);
    free((void *)g.off);
    free((void *)g.terms);
    return rc;
}

/* The live postings of lexicon entry t of in, renumbered; *sorted is
 * cleared when an id is not above the one before. */
static int gather(TermPostings *g, const Input *in, const TermInfo *t, PositionCursor *pc, int *sorted)
{
    PostingCursor c;
    cursor_open(&c, in->sg, t);
    positions_open(pc, in->sg, t);
    for (uint32_t pid = c.pid; pid != PID_END; pid = cursor_next(&c)) {
        uint32_t id = in->map[pid];
        if (id == GONE) continue;
        const uint32_t *tfs = cursor_block_tfs(&c);
        uint32_t np;
        const uint32_t *pos = tfs ? positions_of(pc, &c, &np) : NULL;
        if (!pos) break;
        if (g->n && id <= g->ids[g->n - 1]) *sorted = 0;
        memcpy(term_postings_add(g, id, np), pos, np * sizeof *pos);
    }
    if (c.corrupt) return postings_corrupt(in);
    return c.pid != PID_END ? -1 : 0; /* positions_of named the damage */
}

/* keys[0..n) sorted by their high 32 bits, which are below limit: least
 * significant byte first, skipping the bytes limit does not need. */
static void radix_sort_high(uint64_t *keys, uint64_t *tmp, size_t n, uint32_t limit)
{
    for (int shift = 32; shift < 64 && (shift == 32 || (limit >> (shift - 32)) != 0); shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++) count[((keys[i] >> shift) & 0xff) + 1]++;
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++) tmp[count[(keys[i] >> shift) & 0xff]++] = keys[i];
        memcpy(keys, tmp, n * sizeof *keys);
    }
}

/* Puts p's postings (with their positions) in id order, through out. */
static void sort_postings(TermPostings *p, TermPostings *out, uint32_t limit)
{
    uint64_t *keys = xmalloc(2 * p->n * sizeof *keys);
    uint32_t *at = xmalloc(p->n * sizeof *at); /* where each posting's positions start */
    for (size_t i = 0, npos = 0; i < p->n; npos += p->tfs[i++]) {
        keys[i] = (uint64_t)p->ids[i] << 32 | i;
        at[i] = (uint32_t)npos;
    }
    radix_sort_high(keys, keys + p->n, p->n, limit);
    term_postings_clear(out);
    for (size_t k = 0; k < p->n; k++) {
        uint32_t i = (uint32_t)keys[k];
        memcpy(term_postings_add(out, p->ids[i], p->tfs[i]), p->pos + at[i], p->tfs[i] * sizeof *p->pos);
    }
    TermPostings t = *p;
    *p = *out;
    *out = t;
    free(keys);
    free(at);
}

/* Every key of the inputs in order, each with the postings of all of them. */
static int merge_terms(Input *in, size_t n, TermWriter *w, const uint32_t *lengths, uint32_t npassages, float avgdl)
{
    KeyWalk k;
    keywalk_open(&k, in, n);
    TermPostings g = {0}, spare = {0};
    PositionCursor pc;
    positions_init(&pc);
    int rc = 0;
    while (rc == 0 && keywalk_next(&k, &rc)) {
        term_postings_clear(&g);
        int sorted = 1;
        for (size_t i = 0; i < n && rc == 0; i++)
            if (k.has[i]) rc = gather(&g, &in[i], &k.info[i], &pc, &sorted);
        if (rc == 0 && !sorted) sort_postings(&g, &spare, npassages);
        if (rc == 0 && g.n) term_writer_add(w, k.key, k.kl, &g, lengths, avgdl);
    }
    keywalk_close(&k);
    positions_free(&pc);
    term_postings_free(&g);
    term_postings_free(&spare);
    return rc;
}

/* Reordered articles are read from all over their stores. Rather than a
 * block decompressed per article, the live texts are unpacked once, in
 * store order, into a scratch file, which is mapped (and unlinked: the
 * mapping outlives it) and read from. */
static int unpack_texts(Input *in, size_t n, const char *dir, uint8_t **map, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/texts.tmp", dir);
    FILE *f = fopen(path, "w+b");
    int io = f ? 0 : errno, rc = f ? 0 : -1; /* io: the errno of a failed call */
    uint64_t at = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint32_t np = (uint32_t)segment_stats(in[i].sg)->passages;
        in[i].text_at = xmalloc(((size_t)np + 1) * sizeof *in[i].text_at);
        for (uint32_t p = 0; p < np && rc == 0; p++) {
            const char *text;
            size_t tl = 0;
            in[i].text_at[p] = at;
            if (in[i].map[p] == GONE) continue;
            rc = segment_passage_read(in[i].sg, p, &in[i].texts, &text, &tl);
            if (rc == 0 && fwrite(text, 1, tl, f) != tl) io = errno, rc = -1;
            at += tl;
        }
        if (rc == 0) in[i].text_at[np] = at;
    }
    if (rc == 0 && fflush(f) != 0) io = errno, rc = -1;
    *map = NULL;
    *len = at;
    if (rc == 0 && at) {
        void *m = mmap(NULL, at, PROT_READ, MAP_PRIVATE, fileno(f), 0);
        if (m == MAP_FAILED) io = errno, rc = -1;
        else *map = m;
    }
    if (f && fclose(f) != 0 && rc == 0) io = errno, rc = -1;
    if (io) err_set("cannot write %s: %s", path, strerror(io));
    unlink(path);
    for (size_t i = 0; i < n; i++) in[i].unpacked = *map;
    return rc;
}

static int passage_text(Input *in, uint32_t p, const char **text, size_t *len)
{
    if (!in->text_at) return segment_passage_read(in->sg, p, &in->texts, text, len);
    *text = (const char *)in->unpacked + in->text_at[p];
    *len = in->text_at[p + 1] - in->text_at[p];
    return 0;
}

/* One live article's record, passage records, lengths and texts, under
 * the next new ids. */
static int copy_article(IndexBuilder *b, Input *in, uint32_t a)
{
    const uint32_t *len = segment_lengths(in->sg);
    ArticleInfo ai;
    segment_article(in->sg, a, &ai);
    uint32_t first = b->npassages;
    for (uint32_t p = ai.first_passage; p < ai.first_passage + ai.npassages; p++) {
        PassageInfo pi;
        const char *text;
        size_t tl;
        segment_passage(in->sg, p, &pi);
        if (passage_text(in, p, &text, &tl) != 0) return -1;
        in->map[p] = b->npassages;
        builder_add_passage(b, pi.ordinal, pi.start, pi.end, len[p], text, tl);
    }
    builder_add_article(b, &ai, first);
    return 0;
}

static int copy_records(IndexBuilder *b, Input *in, const ArticleRef *refs, const uint32_t *order, uint32_t narticles)
{
    int rc = 0;
    for (uint32_t i = 0; i < narticles && rc == 0; i++)
        rc = copy_article(b, &in[refs[order[i]].input], refs[order[i]].article);
    return rc;
}

/* The term files, then the segment's other files; or, failing, neither. */
static int write_terms(IndexBuilder *b, Input *in, size_t n, const char *dir, uint64_t *bytes)
{
    TermWriter w;
    /* an index's segments share one k1 and b (index_reader.c refuses a mix):
     * the merged one's maxima are computed for them again, at its own mean
     * length */
    const IndexStats *st = segment_stats(in[0].sg);
    int rc = term_writer_open(&w, dir, &(ImpactParams){st->impact_k1, st->impact_b});
    if (rc == 0) {
        rc = merge_terms(in, n, &w, (const uint32_t *)b->lengths.data, b->npassages,
                         index_avgdl(b->total_length, b->npassages));
        if (rc == 0) rc = term_writer_finish(&w, bytes);
        else term_writer_abort(&w);
    }
    if (rc == 0) return builder_finish(b, &w, bytes);
    builder_abort(b);
    return rc;
}

int segment_merge(const Segment *const *segs, const Deletes *const *dels, size_t n, const char *dir, int threads,
                  int reorder, uint64_t *bytes)
{
    const IndexStats *st = segment_stats(segs[0]);
    for (size_t i = 0; i < n; i++)
        if (segment_verify(segs[i]) != 0) return -1;
    IndexBuilder b;
    if (builder_open(&b, dir, &st->analysis, st->passage_words, threads) != 0) return -1;
    Input *in = xcalloc(n, sizeof *in);
    for (size_t i = 0; i < n; i++) {
        size_t np = segment_stats(segs[i])->passages + 1;
        in[i] = (Input){.sg = segs[i], .del = dels[i], .map = xmalloc(np * sizeof *in[i].map)};
        memset(in[i].map, 0xff, np * sizeof *in[i].map);
        docstore_cursor_init(&in[i].texts);
    }
    ArticleRef *refs;
    uint32_t narticles = live_articles(in, n, &refs);
    uint32_t *order = xmalloc(((size_t)narticles + 1) * sizeof *order);
    uint8_t *unpacked = NULL;
    size_t unpacked_len = 0;
    int rc = article_order(in, n, narticles, reorder, threads, order);
    if (rc == 0 && reorder) rc = unpack_texts(in, n, dir, &unpacked, &unpacked_len);
    if (rc == 0) rc = copy_records(&b, in, refs, order, narticles); /* maps passages to their new ids */
    *bytes = 0;
    if (rc == 0) rc = write_terms(&b, in, n, dir, bytes);
    else builder_abort(&b);
    if (unpacked) munmap(unpacked, unpacked_len);
    free(order);
    free(refs);
    for (size_t i = 0; i < n; i++) {
        free(in[i].map);
        free(in[i].text_at);
        docstore_cursor_free(&in[i].texts);
    }
    free(in);
    return rc;
}
