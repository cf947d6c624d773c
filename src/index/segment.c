/*
 * segment.c: opens one segment (a directory of the seven files) and
 * answers look-ups in it. Every file is CRC-checked by file_map() (but
 * a segment's writer, reopening it, has its CRCs from writing it); the
 * structure is then validated here (every offset and count in bounds, terms sorted) so that
 * the query code can trust what it reads without re-checking each access.
 */
#include "index/index.h"

#include <stdio.h>
#include <stdlib.h>

#define LEX_ENTRY 40
#define POSITIONS_HEADER 16 /* u64 terms, u64 positions */
#define PASSAGE_RECORD 24
#define ARTICLE_RECORD 56
/* Every LEX_SAMPLE-th key's first bytes are kept in memory (a sample of
 * 8 bytes per 32 keys: 435 KB for 1.74M keys), so that a look-up's binary
 * search runs in that small array and ends in one run of 32 entries; over
 * the whole lexicon its last dozen steps were each a cache miss in the
 * entries and another in the pool. */
#define LEX_SAMPLE 32

struct Segment {
    char *dir;                   /* the generation directory */
    int written;                 /* segment_open_written: CRC32s not read back */
    MappedFile meta, lex, post, posi, pass, arts, store;
    IndexStats stats;
    const uint8_t *lex_entries;  /* nterms x LEX_ENTRY */
    const uint8_t *lex_pool;     /* term bytes */
    uint64_t lex_pool_len;
    uint64_t *lex_sample;        /* key_prefix of every LEX_SAMPLE-th key */
    const uint8_t *pass_records; /* N x PASSAGE_RECORD */
    const uint32_t *lengths;     /* N passage lengths (4-byte aligned) */
    uint32_t *lengths_copy;      /* set when the mapping was not aligned */
    const uint8_t *art_records;
    const uint8_t *art_pool;
    uint64_t art_pool_len;
};

static int corrupt(const Segment *sg, const char *file, const char *why)
{
    err_set("index file %s/%s is corrupt: %s (rebuild with: search index)", sg->dir, file, why);
    return -1;
}

static int load_meta(Segment *sg)
{
    const MappedFile *m = &sg->meta;
    if (m->len != 5 * 8 + 4 * 4 + 8 + 32) return corrupt(sg, "meta.bin", "wrong size");
    const uint8_t *p = m->payload;
    IndexStats *s = &sg->stats;
    s->passages = rd_u64(p);
    s->articles = rd_u64(p + 8);
    s->terms = rd_u64(p + 16);
    s->postings = rd_u64(p + 24);
    s->total_length = rd_u64(p + 32);
    s->passage_words = rd_u32(p + 40);
    s->analysis.stopwords = (int)rd_u32(p + 44);
    if (rd_u32(p + 48) != BLOCK_SIZE) return corrupt(sg, "meta.bin", "unsupported block size");
    s->analysis.letters_only = (int)rd_u32(p + 52);
    if (s->analysis.stopwords > 1 || s->analysis.letters_only > 1) return corrupt(sg, "meta.bin", "bad analysis flags");
    memcpy(&s->impact_k1, p + 56, 4);
    memcpy(&s->impact_b, p + 60, 4);
    if (!(s->impact_k1 >= 0 && s->impact_b >= 0 && s->impact_b <= 1)) return corrupt(sg, "meta.bin", "bad impact parameters");
    memcpy(s->analysis.language, p + 64, 32);
    if (s->analysis.language[31] != 0 || !analysis_language_known(s->analysis.language))
        return corrupt(sg, "meta.bin", "bad language name");
    if (s->passages >= UINT32_MAX || s->articles >= UINT32_MAX || s->articles > s->passages)
        return corrupt(sg, "meta.bin", "impossible counts");
    return 0;
}

/* The term's positions: its offset in the lexicon, its end the next
 * term's offset (or the end of the file). */
static uint64_t positions_end(const Segment *sg, uint64_t i)
{
    return i + 1 < sg->stats.terms ? rd_u64(sg->lex_entries + (i + 1) * LEX_ENTRY + 32) : sg->posi.len;
}

/* One entry's bounds: term in the pool, postings and positions in their
 * files (positions in lexicon order, one after another). */
static int check_entry(Segment *sg, uint64_t i, uint64_t *pos_prev)
{
    const uint8_t *e = sg->lex_entries + i * LEX_ENTRY;
    uint64_t off = rd_u64(e), plen = rd_u32(e + 8), df = rd_u32(e + 12);
    uint64_t toff = rd_u32(e + 20), tlen = rd_u32(e + 24), pos_off = rd_u64(e + 32);
    uint64_t nblocks = (df + BLOCK_SIZE - 1) / BLOCK_SIZE;
    uint64_t dir = nblocks > 1 ? TERM_FLOORS * 4 + nblocks * 16 : 0; /* floors and directory */
    float part;
    memcpy(&part, e + 28, 4);
    if (!(part >= 0 && part <= 1)) return corrupt(sg, "lexicon.bin", "bad term maximum");
    if (toff + tlen > sg->lex_pool_len || tlen == 0 || tlen > FIELD_KEY_MAX)
        return corrupt(sg, "lexicon.bin", "term out of bounds");
    if (off > sg->post.len || plen > sg->post.len - off || dir > plen)
        return corrupt(sg, "lexicon.bin", "postings out of bounds");
    if (df == 0 || df > sg->stats.passages) return corrupt(sg, "lexicon.bin", "bad document frequency");
    /* every term has a position, so offsets strictly increase */
    if (i ? pos_off <= *pos_prev : pos_off != POSITIONS_HEADER)
        return corrupt(sg, "lexicon.bin", "positions out of order");
    if (pos_off > sg->posi.len) return corrupt(sg, "lexicon.bin", "positions out of bounds");
    *pos_prev = pos_off;
    return 0;
}

/* A key's first 8 bytes as a big-endian number, zero-padded. Two keys
 * whose prefixes differ compare as their prefixes do (a shorter key sorts
 * first, and its padding is below any byte the longer one has there, or
 * equal to a 0 byte); equal prefixes leave the keys to key_cmp. */
static uint64_t key_prefix(const uint8_t *k, size_t len)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) v = v << 8 | (i < len ? k[i] : 0);
    return v;
}

/* positions.bin's header (load_lexicon checks each term's block table). */
static int load_positions(Segment *sg)
{
    const MappedFile *m = &sg->posi;
    if (m->len < POSITIONS_HEADER || rd_u64(m->payload) != sg->stats.terms)
        return corrupt(sg, "positions.bin", "term count does not match");
    sg->stats.positions = rd_u64(m->payload + 8);
    if (sg->stats.positions < sg->stats.postings) return corrupt(sg, "positions.bin", "too few positions");
    if (sg->stats.terms == 0 && m->len != POSITIONS_HEADER) return corrupt(sg, "positions.bin", "wrong size");
    return 0;
}

/* Term i's block table in positions.bin, once entries i and i + 1 have
 * placed its positions in bounds and in order. */
static int check_positions(Segment *sg, uint64_t i)
{
    const uint8_t *e = sg->lex_entries + i * LEX_ENTRY;
    uint64_t off = rd_u64(e + 32), df = rd_u32(e + 12);
    if (positions_check_term(sg->posi.payload + off, positions_end(sg, i) - off,
                             (uint32_t)((df + BLOCK_SIZE - 1) / BLOCK_SIZE)) != 0)
        return corrupt(sg, "positions.bin", "bad block table");
    return 0;
}

/* Every entry, its key's order and its positions' block table, in one
 * pass: each page of the mapping is touched once, and let go of after. */
static int load_lexicon(Segment *sg)
{
    const MappedFile *m = &sg->lex;
    if (m->len < 8 || rd_u64(m->payload) != sg->stats.terms || sg->stats.terms > (m->len - 8) / LEX_ENTRY)
        return corrupt(sg, "lexicon.bin", "term count does not match");
    sg->lex_entries = m->payload + 8;
    sg->lex_pool = sg->lex_entries + sg->stats.terms * LEX_ENTRY;
    sg->lex_pool_len = m->len - 8 - sg->stats.terms * LEX_ENTRY;
    sg->lex_sample = xmalloc((sg->stats.terms / LEX_SAMPLE + 1) * sizeof *sg->lex_sample);
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    uint64_t postings = 0, pos_prev = 0;
    for (uint64_t i = 0; i < sg->stats.terms; i++) {
        const uint8_t *e = sg->lex_entries + i * LEX_ENTRY;
        if (check_entry(sg, i, &pos_prev) != 0 || (i && check_positions(sg, i - 1) != 0)) return -1;
        if ((i & 0xffff) == 0) {
            file_release_below(m, e);
            file_release_below(&sg->posi, sg->posi.payload + pos_prev);
        }
        uint64_t toff = rd_u32(e + 20), tlen = rd_u32(e + 24);
        if (prev && key_cmp(prev, prev_len, sg->lex_pool + toff, tlen) >= 0)
            return corrupt(sg, "lexicon.bin", "terms out of order");
        if (i % LEX_SAMPLE == 0) sg->lex_sample[i / LEX_SAMPLE] = key_prefix(sg->lex_pool + toff, tlen);
        prev = sg->lex_pool + toff;
        prev_len = tlen;
        postings += rd_u32(e + 12);
    }
    if (sg->stats.terms && check_positions(sg, sg->stats.terms - 1) != 0) return -1;
    if (postings != sg->stats.postings) return corrupt(sg, "lexicon.bin", "posting count does not match");
    return 0;
}

static int load_passages(Segment *sg)
{
    const MappedFile *m = &sg->pass;
    uint64_t n = sg->stats.passages;
    if (m->len != 8 + n * (PASSAGE_RECORD + 4) || rd_u64(m->payload) != n)
        return corrupt(sg, "passages.bin", "passage count does not match");
    sg->pass_records = m->payload + 8;
    const uint8_t *lp = sg->pass_records + n * PASSAGE_RECORD;
    if ((uintptr_t)lp % 4 == 0) {
        sg->lengths = (const uint32_t *)(const void *)lp;
    } else {
        sg->lengths_copy = xmalloc(n * 4 + 4);
        memcpy(sg->lengths_copy, lp, n * 4);
        sg->lengths = sg->lengths_copy;
    }
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *r = sg->pass_records + i * PASSAGE_RECORD;
        if (rd_u32(r) >= sg->stats.articles || rd_u64(r + 8) > rd_u64(r + 16))
            return corrupt(sg, "passages.bin", "bad passage record");
        if ((i & 0xffff) == 0) file_release_below(m, r);
        total += sg->lengths[i];
    }
    if (total != sg->stats.total_length) return corrupt(sg, "passages.bin", "lengths do not add up");
    return 0;
}

static int load_articles(Segment *sg)
{
    const MappedFile *m = &sg->arts;
    uint64_t n = sg->stats.articles;
    if (m->len < 8 || rd_u64(m->payload) != n || n > (m->len - 8) / ARTICLE_RECORD)
        return corrupt(sg, "articles.bin", "article count does not match");
    sg->art_records = m->payload + 8;
    sg->art_pool = sg->art_records + n * ARTICLE_RECORD;
    sg->art_pool_len = m->len - 8 - n * ARTICLE_RECORD;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *r = sg->art_records + i * ARTICLE_RECORD;
        for (int f = 0; f < 3; f++)
            if ((uint64_t)rd_u32(r + 8 * f) + rd_u32(r + 8 * f + 4) > sg->art_pool_len)
                return corrupt(sg, "articles.bin", "string out of bounds");
        if ((uint64_t)rd_u32(r + 24) + rd_u32(r + 28) > sg->stats.passages)
            return corrupt(sg, "articles.bin", "passage range out of bounds");
        if ((i & 0xffff) == 0) file_release_below(m, r);
    }
    return 0;
}

static int map(Segment *sg, const char *name, const char kind[4], MappedFile *out)
{
    return sg->written ? file_map_written(sg->dir, name, kind, out) : file_map(sg->dir, name, kind, out);
}

static int map_all(Segment *sg)
{
    if (map(sg, "meta.bin", "META", &sg->meta) || load_meta(sg)) return -1;
    if (map(sg, "postings.bin", "POST", &sg->post)) return -1;
    if (map(sg, "positions.bin", "POSI", &sg->posi) || load_positions(sg)) return -1;
    if (map(sg, "lexicon.bin", "LEXI", &sg->lex) || load_lexicon(sg)) return -1;
    /* each file is let go of as it is checked (file_release) */
    file_release(&sg->lex);
    file_release(&sg->posi);
    if (map(sg, "articles.bin", "ARTI", &sg->arts) || load_articles(sg)) return -1;
    file_release(&sg->arts);
    if (map(sg, "passages.bin", "PASS", &sg->pass) || load_passages(sg)) return -1;
    file_release(&sg->pass);
    if (map(sg, "store.bin", "STOR", &sg->store)) return -1;
    if (docstore_check(sg->store.payload, sg->store.len, (uint32_t)sg->stats.passages) != 0)
        return corrupt(sg, "store.bin", "bad block directory");
    file_release(&sg->store);
    return 0;
}

static void unmap_all(Segment *sg)
{
    file_unmap(&sg->meta);
    file_unmap(&sg->lex);
    file_unmap(&sg->post);
    file_unmap(&sg->posi);
    file_unmap(&sg->pass);
    file_unmap(&sg->arts);
    file_unmap(&sg->store);
    free(sg->lengths_copy);
    sg->lengths_copy = NULL;
    free(sg->lex_sample);
    sg->lex_sample = NULL;
}

static Segment *open_segment(const char *dir, int written)
{
    Segment *sg = xcalloc(1, sizeof *sg);
    sg->dir = xstrdup(dir);
    sg->written = written;
    if (map_all(sg) == 0) return sg;
    segment_close(sg);
    return NULL;
}

Segment *segment_open(const char *dir) { return open_segment(dir, 0); }
Segment *segment_open_written(const char *dir) { return open_segment(dir, 1); }

void segment_close(Segment *sg)
{
    if (!sg) return;
    unmap_all(sg);
    free(sg->dir);
    free(sg);
}

const IndexStats *segment_stats(const Segment *sg) { return &sg->stats; }
const char *segment_dir(const Segment *sg) { return sg->dir; }
const uint32_t *segment_lengths(const Segment *sg) { return sg->lengths; }

const uint8_t *segment_postings_base(const Segment *sg, size_t *len)
{
    *len = sg->post.len;
    return sg->post.payload;
}

const uint8_t *segment_positions_base(const Segment *sg, size_t *len)
{
    *len = sg->posi.len;
    return sg->posi.payload;
}

static void term_info(const Segment *sg, uint64_t i, TermInfo *out)
{
    const uint8_t *e = sg->lex_entries + i * LEX_ENTRY;
    out->postings_off = rd_u64(e);
    out->postings_len = rd_u32(e + 8);
    out->df = rd_u32(e + 12);
    out->max_tf = rd_u32(e + 16);
    out->nblocks = (out->df + BLOCK_SIZE - 1) / BLOCK_SIZE;
    memcpy(&out->max_tf_part, e + 28, 4);
    out->positions_off = rd_u64(e + 32);
    out->positions_len = positions_end(sg, i) - out->positions_off;
    out->ord = i;
}

int segment_term_at(const Segment *sg, uint64_t i, const char **term, size_t *len, TermInfo *out)
{
    if (i >= sg->stats.terms) return 0;
    const uint8_t *e = sg->lex_entries + i * LEX_ENTRY;
    *term = (const char *)sg->lex_pool + rd_u32(e + 20);
    *len = rd_u32(e + 24);
    if (out) term_info(sg, i, out);
    return 1;
}

/* key_cmp of term i's key with key. */
static int entry_cmp(const Segment *sg, uint64_t i, const uint8_t *key, size_t len)
{
    const uint8_t *e = sg->lex_entries + i * LEX_ENTRY;
    return key_cmp(sg->lex_pool + rd_u32(e + 20), rd_u32(e + 24), key, len);
}

int segment_lookup(const Segment *sg, const char *term, size_t len, TermInfo *out)
{
    const uint8_t *key = (const uint8_t *)term;
    uint64_t pre = key_prefix(key, len), n = sg->stats.terms;
    /* the run of LEX_SAMPLE keys that would hold it: after the last
     * sampled key not above it */
    uint64_t lo = 0, hi = n ? (n - 1) / LEX_SAMPLE + 1 : 0;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2, s = sg->lex_sample[mid];
        int c = s != pre ? (s < pre ? -1 : 1) : entry_cmp(sg, mid * LEX_SAMPLE, key, len);
        if (c <= 0) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return 0; /* before the first key */
    lo = (lo - 1) * LEX_SAMPLE;
    hi = lo + LEX_SAMPLE < n ? lo + LEX_SAMPLE : n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int c = entry_cmp(sg, mid, key, len);
        if (c == 0) {
            term_info(sg, mid, out);
            return 1;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

/* The first term for which before(term) is false; before must be true for
 * a prefix of the lexicon and false after it. */
static uint64_t partition(const Segment *sg, const uint8_t *key, size_t klen, int (*before)(int c, size_t tlen, size_t klen))
{
    uint64_t lo = 0, hi = sg->stats.terms;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        const uint8_t *e = sg->lex_entries + mid * LEX_ENTRY;
        size_t tlen = rd_u32(e + 24);
        int c = memcmp(sg->lex_pool + rd_u32(e + 20), key, tlen < klen ? tlen : klen);
        if (before(c, tlen, klen)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* c compares a term's first bytes with the prefix's. Before the range: a
 * smaller term, or a proper prefix of the prefix. */
static int before_range(int c, size_t tlen, size_t klen) { return c < 0 || (c == 0 && tlen < klen); }
/* Not after the range: any term before it or starting with the prefix. */
static int not_after_range(int c, size_t tlen, size_t klen)
{
    (void)tlen;
    (void)klen;
    return c <= 0;
}

uint64_t segment_prefix_range(const Segment *sg, const char *prefix, size_t len, uint64_t *first)
{
    *first = partition(sg, (const uint8_t *)prefix, len, before_range);
    return partition(sg, (const uint8_t *)prefix, len, not_after_range) - *first;
}

int segment_passage(const Segment *sg, uint32_t pid, PassageInfo *out)
{
    if (pid >= sg->stats.passages) return -1;
    const uint8_t *r = sg->pass_records + (size_t)pid * PASSAGE_RECORD;
    out->article = rd_u32(r);
    out->ordinal = rd_u32(r + 4);
    out->start = rd_u64(r + 8);
    out->end = rd_u64(r + 16);
    return 0;
}

int segment_article(const Segment *sg, uint32_t aid, ArticleInfo *out)
{
    if (aid >= sg->stats.articles) return -1;
    const uint8_t *r = sg->art_records + (size_t)aid * ARTICLE_RECORD;
    const char *pool = (const char *)sg->art_pool;
    out->id = pool + rd_u32(r);
    out->id_len = rd_u32(r + 4);
    out->path = pool + rd_u32(r + 8);
    out->path_len = rd_u32(r + 12);
    out->title = pool + rd_u32(r + 16);
    out->title_len = rd_u32(r + 20);
    out->first_passage = rd_u32(r + 24);
    out->npassages = rd_u32(r + 28);
    out->size = rd_u64(r + 32);
    out->mtime = (int64_t)rd_u64(r + 40);
    out->hash = rd_u64(r + 48);
    return 0;
}

int segment_passage_text(const Segment *sg, uint32_t pid, Buf *out)
{
    return docstore_get(sg->store.payload, sg->store.len, pid, out);
}

int segment_passage_read(const Segment *sg, uint32_t pid, DocStoreCursor *c, const char **text, size_t *len)
{
    return docstore_read(c, sg->store.payload, sg->store.len, pid, text, len);
}

void lexmerge_init(LexMerge *m, const Segment *const *segs, size_t n, const char *prefix, size_t len)
{
    m->seg = segs;
    m->n = n;
    m->at = xmalloc(2 * (n ? n : 1) * sizeof *m->at);
    m->end = m->at + n;
    for (size_t i = 0; i < n; i++) m->end[i] = segment_prefix_range(segs[i], prefix, len, &m->at[i]) + m->at[i];
}

/* Segments are few: the smallest next key is found by a scan. */
int lexmerge_next(LexMerge *m, const char **key, size_t *len, uint8_t *has, TermInfo *info)
{
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < m->n; i++) {
        const char *k;
        size_t kl;
        if (m->at[i] < m->end[i] && segment_term_at(m->seg[i], m->at[i], &k, &kl, NULL) &&
            (!best || key_cmp(k, kl, best, best_len) < 0))
            best = k, best_len = kl;
    }
    if (!best) return 0;
    for (size_t i = 0; i < m->n; i++) {
        const char *k;
        size_t kl;
        has[i] = m->at[i] < m->end[i] && segment_term_at(m->seg[i], m->at[i], &k, &kl, &info[i]) &&
                 key_cmp(k, kl, best, best_len) == 0;
        m->at[i] += has[i];
    }
    *key = best; /* still valid: the segments stay mapped */
    *len = best_len;
    return 1;
}

void lexmerge_free(LexMerge *m) { free(m->at); }
