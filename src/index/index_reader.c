/*
 * index_reader.c: opens the live generation of an index and answers
 * look-ups. Every file is CRC-checked by file_map(); the structure is then
 * validated here (every offset and count in bounds, terms sorted) so that
 * the query code can trust what it reads without re-checking each access.
 */
#include "index/index.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define LEX_ENTRY 40
#define POSITIONS_HEADER 16 /* u64 terms, u64 positions */
#define PASSAGE_RECORD 24
#define ARTICLE_RECORD 32

struct Index {
    char *dir;                   /* the generation directory */
    MappedFile meta, lex, post, posi, pass, arts, store;
    IndexStats stats;
    const uint8_t *lex_entries;  /* nterms x LEX_ENTRY */
    const uint8_t *lex_pool;     /* term bytes */
    uint64_t lex_pool_len;
    const uint8_t *pass_records; /* N x PASSAGE_RECORD */
    const uint32_t *lengths;     /* N passage lengths (4-byte aligned) */
    uint32_t *lengths_copy;      /* set when the mapping was not aligned */
    const uint8_t *art_records;
    const uint8_t *art_pool;
    uint64_t art_pool_len;
};

static int corrupt(const Index *ix, const char *file, const char *why)
{
    err_set("index file %s/%s is corrupt: %s (rebuild with: search index)", ix->dir, file, why);
    return -1;
}

static int load_meta(Index *ix)
{
    const MappedFile *m = &ix->meta;
    if (m->len != 5 * 8 + 4 * 4 + 8 + 32) return corrupt(ix, "meta.bin", "wrong size");
    const uint8_t *p = m->payload;
    IndexStats *s = &ix->stats;
    s->passages = rd_u64(p);
    s->articles = rd_u64(p + 8);
    s->terms = rd_u64(p + 16);
    s->postings = rd_u64(p + 24);
    s->total_length = rd_u64(p + 32);
    s->passage_words = rd_u32(p + 40);
    s->analysis.stopwords = (int)rd_u32(p + 44);
    if (rd_u32(p + 48) != BLOCK_SIZE) return corrupt(ix, "meta.bin", "unsupported block size");
    s->analysis.letters_only = (int)rd_u32(p + 52);
    if (s->analysis.stopwords > 1 || s->analysis.letters_only > 1) return corrupt(ix, "meta.bin", "bad analysis flags");
    memcpy(&s->impact_k1, p + 56, 4);
    memcpy(&s->impact_b, p + 60, 4);
    if (!(s->impact_k1 >= 0 && s->impact_b >= 0 && s->impact_b <= 1)) return corrupt(ix, "meta.bin", "bad impact parameters");
    memcpy(s->analysis.language, p + 64, 32);
    if (s->analysis.language[31] != 0) return corrupt(ix, "meta.bin", "bad language name");
    if (s->passages >= UINT32_MAX || s->articles >= UINT32_MAX || s->articles > s->passages)
        return corrupt(ix, "meta.bin", "impossible counts");
    return 0;
}

static int term_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* The term's positions: its offset in the lexicon, its end the next
 * term's offset (or the end of the file). */
static uint64_t positions_end(const Index *ix, uint64_t i)
{
    return i + 1 < ix->stats.terms ? rd_u64(ix->lex_entries + (i + 1) * LEX_ENTRY + 32) : ix->posi.len;
}

/* One entry's bounds: term in the pool, postings and positions in their
 * files (positions in lexicon order, one after another). */
static int check_entry(Index *ix, uint64_t i, uint64_t *pos_prev)
{
    const uint8_t *e = ix->lex_entries + i * LEX_ENTRY;
    uint64_t off = rd_u64(e), plen = rd_u32(e + 8), df = rd_u32(e + 12);
    uint64_t toff = rd_u32(e + 20), tlen = rd_u32(e + 24), pos_off = rd_u64(e + 32);
    uint64_t nblocks = (df + BLOCK_SIZE - 1) / BLOCK_SIZE;
    uint64_t dir = nblocks > 1 ? nblocks * 16 : 0;
    float part;
    memcpy(&part, e + 28, 4);
    if (!(part >= 0 && part <= 1)) return corrupt(ix, "lexicon.bin", "bad term maximum");
    if (toff + tlen > ix->lex_pool_len || tlen == 0 || tlen > FIELD_KEY_MAX)
        return corrupt(ix, "lexicon.bin", "term out of bounds");
    if (off > ix->post.len || plen > ix->post.len - off || dir > plen)
        return corrupt(ix, "lexicon.bin", "postings out of bounds");
    if (df == 0 || df > ix->stats.passages) return corrupt(ix, "lexicon.bin", "bad document frequency");
    /* every term has a position, so offsets strictly increase */
    if (i ? pos_off <= *pos_prev : pos_off != POSITIONS_HEADER)
        return corrupt(ix, "lexicon.bin", "positions out of order");
    if (pos_off > ix->posi.len) return corrupt(ix, "lexicon.bin", "positions out of bounds");
    *pos_prev = pos_off;
    return 0;
}

static int load_lexicon(Index *ix)
{
    const MappedFile *m = &ix->lex;
    if (m->len < 8 || rd_u64(m->payload) != ix->stats.terms || ix->stats.terms > (m->len - 8) / LEX_ENTRY)
        return corrupt(ix, "lexicon.bin", "term count does not match");
    ix->lex_entries = m->payload + 8;
    ix->lex_pool = ix->lex_entries + ix->stats.terms * LEX_ENTRY;
    ix->lex_pool_len = m->len - 8 - ix->stats.terms * LEX_ENTRY;
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    uint64_t postings = 0, pos_prev = 0;
    for (uint64_t i = 0; i < ix->stats.terms; i++) {
        const uint8_t *e = ix->lex_entries + i * LEX_ENTRY;
        if (check_entry(ix, i, &pos_prev) != 0) return -1;
        uint64_t toff = rd_u32(e + 20), tlen = rd_u32(e + 24);
        if (prev && term_cmp(prev, prev_len, ix->lex_pool + toff, tlen) >= 0)
            return corrupt(ix, "lexicon.bin", "terms out of order");
        prev = ix->lex_pool + toff;
        prev_len = tlen;
        postings += rd_u32(e + 12);
    }
    if (postings != ix->stats.postings) return corrupt(ix, "lexicon.bin", "posting count does not match");
    return 0;
}

/* positions.bin: its header, then every term's block table (the lexicon
 * has placed the terms in bounds and in order already). */
static int load_positions(Index *ix)
{
    const MappedFile *m = &ix->posi;
    if (m->len < POSITIONS_HEADER || rd_u64(m->payload) != ix->stats.terms)
        return corrupt(ix, "positions.bin", "term count does not match");
    ix->stats.positions = rd_u64(m->payload + 8);
    if (ix->stats.positions < ix->stats.postings) return corrupt(ix, "positions.bin", "too few positions");
    if (ix->stats.terms == 0 && m->len != POSITIONS_HEADER) return corrupt(ix, "positions.bin", "wrong size");
    for (uint64_t i = 0; i < ix->stats.terms; i++) {
        const uint8_t *e = ix->lex_entries + i * LEX_ENTRY;
        uint64_t off = rd_u64(e + 32), df = rd_u32(e + 12);
        if (positions_check_term(m->payload + off, positions_end(ix, i) - off,
                                 (uint32_t)((df + BLOCK_SIZE - 1) / BLOCK_SIZE)) != 0)
            return corrupt(ix, "positions.bin", "bad block table");
    }
    return 0;
}

static int load_passages(Index *ix)
{
    const MappedFile *m = &ix->pass;
    uint64_t n = ix->stats.passages;
    if (m->len != 8 + n * (PASSAGE_RECORD + 4) || rd_u64(m->payload) != n)
        return corrupt(ix, "passages.bin", "passage count does not match");
    ix->pass_records = m->payload + 8;
    const uint8_t *lp = ix->pass_records + n * PASSAGE_RECORD;
    if ((uintptr_t)lp % 4 == 0) {
        ix->lengths = (const uint32_t *)(const void *)lp;
    } else {
        ix->lengths_copy = xmalloc(n * 4 + 4);
        memcpy(ix->lengths_copy, lp, n * 4);
        ix->lengths = ix->lengths_copy;
    }
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *r = ix->pass_records + i * PASSAGE_RECORD;
        if (rd_u32(r) >= ix->stats.articles || rd_u64(r + 8) > rd_u64(r + 16))
            return corrupt(ix, "passages.bin", "bad passage record");
        total += ix->lengths[i];
    }
    if (total != ix->stats.total_length) return corrupt(ix, "passages.bin", "lengths do not add up");
    return 0;
}

static int load_articles(Index *ix)
{
    const MappedFile *m = &ix->arts;
    uint64_t n = ix->stats.articles;
    if (m->len < 8 || rd_u64(m->payload) != n || n > (m->len - 8) / ARTICLE_RECORD)
        return corrupt(ix, "articles.bin", "article count does not match");
    ix->art_records = m->payload + 8;
    ix->art_pool = ix->art_records + n * ARTICLE_RECORD;
    ix->art_pool_len = m->len - 8 - n * ARTICLE_RECORD;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *r = ix->art_records + i * ARTICLE_RECORD;
        for (int f = 0; f < 3; f++)
            if ((uint64_t)rd_u32(r + 8 * f) + rd_u32(r + 8 * f + 4) > ix->art_pool_len)
                return corrupt(ix, "articles.bin", "string out of bounds");
        if ((uint64_t)rd_u32(r + 24) + rd_u32(r + 28) > ix->stats.passages)
            return corrupt(ix, "articles.bin", "passage range out of bounds");
    }
    return 0;
}

static int map_all(Index *ix)
{
    if (file_map(ix->dir, "meta.bin", "META", &ix->meta) || load_meta(ix)) return -1;
    if (file_map(ix->dir, "postings.bin", "POST", &ix->post)) return -1;
    if (file_map(ix->dir, "positions.bin", "POSI", &ix->posi)) return -1;
    if (file_map(ix->dir, "lexicon.bin", "LEXI", &ix->lex) || load_lexicon(ix) || load_positions(ix)) return -1;
    if (file_map(ix->dir, "articles.bin", "ARTI", &ix->arts) || load_articles(ix)) return -1;
    if (file_map(ix->dir, "passages.bin", "PASS", &ix->pass) || load_passages(ix)) return -1;
    if (file_map(ix->dir, "store.bin", "STOR", &ix->store)) return -1;
    if (docstore_check(ix->store.payload, ix->store.len, (uint32_t)ix->stats.passages) != 0)
        return corrupt(ix, "store.bin", "bad block directory");
    return 0;
}

static void unmap_all(Index *ix)
{
    file_unmap(&ix->meta);
    file_unmap(&ix->lex);
    file_unmap(&ix->post);
    file_unmap(&ix->posi);
    file_unmap(&ix->pass);
    file_unmap(&ix->arts);
    file_unmap(&ix->store);
    free(ix->lengths_copy);
    ix->lengths_copy = NULL;
}

Index *index_open(const char *root)
{
    /* A reindex may publish a new generation and delete this one between
     * our reading CURRENT and opening its files: then read CURRENT again. */
    for (int attempt = 0; attempt < 5; attempt++) {
        char *gen = publish_current(root);
        if (!gen) return NULL;
        Index *ix = xcalloc(1, sizeof *ix);
        ix->dir = gen;
        errno = 0;
        if (map_all(ix) == 0) return ix;
        int vanished = errno == ENOENT;
        unmap_all(ix);
        free(ix->dir);
        free(ix);
        if (!vanished) return NULL;
    }
    return NULL;
}

void index_close(Index *ix)
{
    if (!ix) return;
    unmap_all(ix);
    free(ix->dir);
    free(ix);
}

const IndexStats *index_stats(const Index *ix) { return &ix->stats; }
const uint32_t *index_lengths(const Index *ix) { return ix->lengths; }

const uint8_t *index_postings_base(const Index *ix, size_t *len)
{
    *len = ix->post.len;
    return ix->post.payload;
}

const uint8_t *index_positions_base(const Index *ix, size_t *len)
{
    *len = ix->posi.len;
    return ix->posi.payload;
}

static void term_info(const Index *ix, uint64_t i, TermInfo *out)
{
    const uint8_t *e = ix->lex_entries + i * LEX_ENTRY;
    out->postings_off = rd_u64(e);
    out->postings_len = rd_u32(e + 8);
    out->df = rd_u32(e + 12);
    out->max_tf = rd_u32(e + 16);
    out->nblocks = (out->df + BLOCK_SIZE - 1) / BLOCK_SIZE;
    memcpy(&out->max_tf_part, e + 28, 4);
    out->positions_off = rd_u64(e + 32);
    out->positions_len = positions_end(ix, i) - out->positions_off;
}

int index_term_at(const Index *ix, uint64_t i, const char **term, size_t *len, TermInfo *out)
{
    if (i >= ix->stats.terms) return 0;
    const uint8_t *e = ix->lex_entries + i * LEX_ENTRY;
    *term = (const char *)ix->lex_pool + rd_u32(e + 20);
    *len = rd_u32(e + 24);
    if (out) term_info(ix, i, out);
    return 1;
}

int index_lookup(const Index *ix, const char *term, size_t len, TermInfo *out)
{
    uint64_t lo = 0, hi = ix->stats.terms;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        const uint8_t *e = ix->lex_entries + mid * LEX_ENTRY;
        int c = term_cmp(ix->lex_pool + rd_u32(e + 20), rd_u32(e + 24), (const uint8_t *)term, len);
        if (c == 0) {
            term_info(ix, mid, out);
            return 1;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

/* The first term for which before(term) is false; before must be true for
 * a prefix of the lexicon and false after it. */
static uint64_t partition(const Index *ix, const uint8_t *key, size_t klen, int (*before)(int c, size_t tlen, size_t klen))
{
    uint64_t lo = 0, hi = ix->stats.terms;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        const uint8_t *e = ix->lex_entries + mid * LEX_ENTRY;
        size_t tlen = rd_u32(e + 24);
        int c = memcmp(ix->lex_pool + rd_u32(e + 20), key, tlen < klen ? tlen : klen);
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

uint64_t index_prefix_range(const Index *ix, const char *prefix, size_t len, uint64_t *first)
{
    *first = partition(ix, (const uint8_t *)prefix, len, before_range);
    return partition(ix, (const uint8_t *)prefix, len, not_after_range) - *first;
}

int index_passage(const Index *ix, uint32_t pid, PassageInfo *out)
{
    if (pid >= ix->stats.passages) return -1;
    const uint8_t *r = ix->pass_records + (size_t)pid * PASSAGE_RECORD;
    out->article = rd_u32(r);
    out->ordinal = rd_u32(r + 4);
    out->start = rd_u64(r + 8);
    out->end = rd_u64(r + 16);
    return 0;
}

int index_article(const Index *ix, uint32_t aid, ArticleInfo *out)
{
    if (aid >= ix->stats.articles) return -1;
    const uint8_t *r = ix->art_records + (size_t)aid * ARTICLE_RECORD;
    const char *pool = (const char *)ix->art_pool;
    out->id = pool + rd_u32(r);
    out->id_len = rd_u32(r + 4);
    out->path = pool + rd_u32(r + 8);
    out->path_len = rd_u32(r + 12);
    out->title = pool + rd_u32(r + 16);
    out->title_len = rd_u32(r + 20);
    out->first_passage = rd_u32(r + 24);
    out->npassages = rd_u32(r + 28);
    return 0;
}

int index_passage_text(const Index *ix, uint32_t pid, Buf *out)
{
    return docstore_get(ix->store.payload, ix->store.len, pid, out);
}
