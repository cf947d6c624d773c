/*
 * deletes.c: the passages and articles one commit deleted from one segment
 * (FORMAT.md, "del-N.bin"), both sides.
 *
 * A segment never changes once written; an edited or removed article is
 * marked deleted in the commit's deletes file instead. So that BM25 sees
 * exactly the statistics a full rebuild would, the file also holds, for
 * every term, how many of its postings lie on deleted passages: a term's
 * live df is its df minus that.
 */
#include "index/writer.h"

#include <stdlib.h>

static size_t words_for(uint64_t n) { return (size_t)((n + 63) / 64); }

void deletes_init(Deletes *d, const Segment *sg)
{
    const IndexStats *s = segment_stats(sg);
    memset(d, 0, sizeof *d);
    d->npassages = s->passages;
    d->narticles = s->articles;
    d->passage_bits = xcalloc(words_for(d->npassages) + 1, 8);
    d->article_bits = xcalloc(words_for(d->narticles) + 1, 8);
}

void deletes_copy(Deletes *d, const Deletes *from)
{
    *d = *from;
    size_t pw = words_for(d->npassages) + 1, aw = words_for(d->narticles) + 1, t = d->nterms + 1;
    d->passage_bits = memcpy(xmalloc(pw * 8), from->passage_bits, pw * 8);
    d->article_bits = memcpy(xmalloc(aw * 8), from->article_bits, aw * 8);
    d->term_ord = xmalloc(t * sizeof *d->term_ord);
    d->term_count = xmalloc(t * sizeof *d->term_count);
    if (d->nterms) {
        memcpy(d->term_ord, from->term_ord, d->nterms * sizeof *d->term_ord);
        memcpy(d->term_count, from->term_count, d->nterms * sizeof *d->term_count);
    }
}

void deletes_free(Deletes *d)
{
    free(d->passage_bits);
    free(d->article_bits);
    free(d->term_ord);
    free(d->term_count);
    memset(d, 0, sizeof *d);
}

void deletes_article(Deletes *d, const Segment *sg, uint32_t aid)
{
    ArticleInfo a;
    if (aid >= d->narticles || bit_get(d->article_bits, aid) || segment_article(sg, aid, &a) != 0) return;
    bit_set(d->article_bits, aid);
    d->articles++;
    const uint32_t *len = segment_lengths(sg);
    for (uint32_t p = a.first_passage; p < a.first_passage + a.npassages; p++) {
        bit_set(d->passage_bits, p);
        d->passages++;
        d->length += len[p];
    }
}

int deletes_count_terms(Deletes *d, const Segment *sg)
{
    const IndexStats *s = segment_stats(sg);
    free(d->term_ord);
    free(d->term_count);
    d->term_ord = d->term_count = NULL;
    d->nterms = d->postings = 0;
    if (!d->passages) return 0;
    size_t cap = 0;
    PostingCursor c;
    for (uint64_t t = 0; t < s->terms; t++) {
        const char *key;
        size_t len;
        TermInfo ti;
        if (segment_term_at(sg, t, &key, &len, &ti) != 1) return -1;
        cursor_open(&c, sg, &ti);
        uint32_t n = 0;
        for (uint32_t pid = c.pid; pid != PID_END; pid = cursor_next(&c)) n += (uint32_t)bit_get(d->passage_bits, pid);
        if (c.corrupt) {
            segment_corrupt(sg, "postings.bin", "a term's postings do not decode");
            return -1;
        }
        if (!n) continue;
        if (d->nterms == cap) {
            cap = cap ? 2 * cap : 1024;
            d->term_ord = xrealloc(d->term_ord, cap * sizeof *d->term_ord);
            d->term_count = xrealloc(d->term_count, cap * sizeof *d->term_count);
        }
        d->term_ord[d->nterms] = (uint32_t)t;
        d->term_count[d->nterms++] = n;
        d->postings += n;
    }
    return 0;
}

uint32_t deletes_of_term(const Deletes *d, uint64_t ord)
{
    size_t lo = 0, hi = d->nterms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->term_ord[mid] < ord) lo = mid + 1;
        else hi = mid;
    }
    return lo < d->nterms && d->term_ord[lo] == ord ? d->term_count[lo] : 0;
}

int deletes_write(const Deletes *d, const char *dir, const char *name)
{
    Buf b = {0};
    uint8_t head[DELETES_HEADER_BYTES], term[DELETES_TERM_BYTES];
    deletes_header_put(head, &(DeletesHeader){d->npassages, d->narticles, d->passages, d->articles, d->length,
                                              d->nterms});
    buf_append(&b, head, sizeof head);
    for (size_t i = 0; i < words_for(d->npassages); i++) buf_put_u64(&b, d->passage_bits[i]);
    for (size_t i = 0; i < words_for(d->narticles); i++) buf_put_u64(&b, d->article_bits[i]);
    for (uint64_t i = 0; i < d->nterms; i++) {
        deletes_term_put(term, &(DeletesTerm){d->term_ord[i], d->term_count[i]});
        buf_append(&b, term, sizeof term);
    }
    int rc = file_write(dir, name, "DELS", &b);
    buf_free(&b);
    return rc;
}

static int bad(const char *dir, const char *name, const char *why) { return file_corrupt(dir, name, "%s", why); }

static uint64_t popcount_bits(const uint64_t *w, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) c += (uint64_t)__builtin_popcountll(w[i]);
    return c;
}

/* Bits past the last passage (article) must be clear, an article's
 * passages deleted exactly when it is, and the counts add up. Only the
 * deleted articles' records are read, so that an open costs what the
 * deletes do, not what the segment does: their passage ranges, in order
 * and apart, all deleted and as many as the passages' bitmap holds, are
 * then exactly the deleted passages. -1 with err_msg set when an article
 * record is corrupt, -2 when the bits disagree. */
static int check_bits(const Deletes *d, const Segment *sg)
{
    if (d->npassages % 64 && d->passage_bits[d->npassages / 64] >> (d->npassages % 64)) return -2;
    if (d->narticles % 64 && d->article_bits[d->narticles / 64] >> (d->narticles % 64)) return -2;
    if (popcount_bits(d->passage_bits, words_for(d->npassages)) != d->passages) return -2;
    if (popcount_bits(d->article_bits, words_for(d->narticles)) != d->articles) return -2;
    uint64_t passages = 0, length = 0, next = 0; /* the first passage the next deleted article may have */
    const uint32_t *len = segment_lengths(sg);
    for (size_t w = 0; w < words_for(d->narticles); w++)
        for (uint64_t bits = d->article_bits[w]; bits; bits &= bits - 1) {
            ArticleInfo ai;
            if (segment_article(sg, (uint32_t)(w * 64 + (unsigned)__builtin_ctzll(bits)), &ai) != 0) return -1;
            if (ai.first_passage < next) return -2;
            for (uint32_t p = ai.first_passage; p < ai.first_passage + ai.npassages; p++) {
                if (!bit_get(d->passage_bits, p)) return -2;
                length += len[p];
            }
            passages += ai.npassages;
            next = (uint64_t)ai.first_passage + ai.npassages;
        }
    return passages == d->passages && length == d->length ? 0 : -2;
}

static int check_terms(Deletes *d, const Segment *sg)
{
    const IndexStats *s = segment_stats(sg);
    for (uint64_t i = 0; i < d->nterms; i++) {
        TermInfo ti;
        const char *key;
        size_t len;
        if ((i && d->term_ord[i] <= d->term_ord[i - 1]) || d->term_ord[i] >= s->terms) return -2;
        if (segment_term_at(sg, d->term_ord[i], &key, &len, &ti) != 1) return -1; /* the lexicon's: err_msg says */
        if (d->term_count[i] == 0 || d->term_count[i] > ti.df) return -2;
        d->postings += d->term_count[i];
    }
    return d->postings <= s->postings ? 0 : -2;
}

int deletes_read(Deletes *d, const char *dir, const char *name, const Segment *sg)
{
    MappedFile m;
    memset(d, 0, sizeof *d);
    if (file_map(dir, name, "DELS", &m) != 0) return -1;
    const uint8_t *p = m.payload;
    const IndexStats *s = segment_stats(sg);
    int rc = -1;
    DeletesHeader h = {0, 0, 0, 0, 0, 0};
    if (m.len >= DELETES_HEADER_BYTES) deletes_header_get(p, &h);
    if (m.len < DELETES_HEADER_BYTES || h.npassages != s->passages || h.narticles != s->articles) {
        bad(dir, name, "does not match its segment");
        goto out;
    }
    deletes_init(d, sg);
    d->passages = h.passages;
    d->articles = h.articles;
    d->length = h.length;
    d->nterms = h.nterms;
    size_t pw = words_for(d->npassages), aw = words_for(d->narticles);
    if (d->nterms > s->terms ||
        m.len != DELETES_HEADER_BYTES + DELETES_WORD_BYTES * (pw + aw) + DELETES_TERM_BYTES * d->nterms) {
        bad(dir, name, "wrong size");
        goto out;
    }
    p += DELETES_HEADER_BYTES;
    for (size_t i = 0; i < pw; i++, p += DELETES_WORD_BYTES) d->passage_bits[i] = rd_u64(p);
    for (size_t i = 0; i < aw; i++, p += DELETES_WORD_BYTES) d->article_bits[i] = rd_u64(p);
    d->term_ord = xmalloc((d->nterms + 1) * sizeof *d->term_ord);
    d->term_count = xmalloc((d->nterms + 1) * sizeof *d->term_count);
    for (uint64_t i = 0; i < d->nterms; i++, p += DELETES_TERM_BYTES) {
        DeletesTerm t;
        deletes_term_get(p, &t);
        d->term_ord[i] = t.ord;
        d->term_count[i] = t.count;
    }
    int bits = check_bits(d, sg), terms = bits ? 0 : check_terms(d, sg);
    if (bits == -2) bad(dir, name, "deleted passages and articles do not agree");
    else if (terms == -2) bad(dir, name, "bad deleted postings counts");
    else rc = bits || terms ? -1 : 0; /* -1: a record of the segment's, err_msg set */
out:
    file_unmap(&m);
    if (rc != 0) deletes_free(d);
    return rc;
}
