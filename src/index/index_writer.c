/*
 * index_writer.c: writes one index generation from an IndexBuilder.
 * Each function below owns the bytes of one file; FORMAT.md is their spec.
 */
#include "index/index.h"

#include <stdio.h>
#include <stdlib.h>

#define LEX_ENTRY 40
#define DIR_ENTRY 16

void builder_init(IndexBuilder *b, const AnalysisConfig *a, uint32_t passage_words, int threads)
{
    memset(b, 0, sizeof *b);
    memindex_init(&b->mem);
    b->store = docstore_writer_new(threads > 1);
    b->analysis = *a;
    b->passage_words = passage_words;
}

void builder_free(IndexBuilder *b)
{
    memindex_free(&b->mem);
    buf_free(&b->passages);
    buf_free(&b->lengths);
    buf_free(&b->articles);
    buf_free(&b->strings);
    if (b->store) {
        Buf tmp = {0};
        docstore_finish(b->store, &tmp); /* frees it */
        buf_free(&tmp);
    }
    memset(b, 0, sizeof *b);
}

void builder_add_passage(IndexBuilder *b, uint32_t ordinal, uint64_t start, uint64_t end, uint32_t length,
                         const char *text, size_t len)
{
    buf_put_u32(&b->passages, b->narticles);
    buf_put_u32(&b->passages, ordinal);
    buf_put_u64(&b->passages, start);
    buf_put_u64(&b->passages, end);
    buf_put_u32(&b->lengths, length);
    b->total_length += length;
    docstore_add(b->store, text, len);
    b->npassages++;
}

static uint32_t add_string(Buf *pool, const char *s, size_t n)
{
    uint32_t off = (uint32_t)pool->len;
    buf_append(pool, s, n);
    return off;
}

void builder_add_article(IndexBuilder *b, const ArticleInfo *a, uint32_t first)
{
    buf_put_u32(&b->articles, add_string(&b->strings, a->id, a->id_len));
    buf_put_u32(&b->articles, a->id_len);
    /* the rows of a passages file share its path: store it once */
    if (!b->narticles || a->path_len != b->last_path_len ||
        memcmp(b->strings.data + b->last_path_off, a->path, a->path_len) != 0) {
        b->last_path_off = add_string(&b->strings, a->path, a->path_len);
        b->last_path_len = a->path_len;
    }
    buf_put_u32(&b->articles, b->last_path_off);
    buf_put_u32(&b->articles, a->path_len);
    buf_put_u32(&b->articles, add_string(&b->strings, a->title, a->title_len));
    buf_put_u32(&b->articles, a->title_len);
    buf_put_u32(&b->articles, first);
    buf_put_u32(&b->articles, b->npassages - first);
    buf_put_u64(&b->articles, a->size);
    buf_put_u64(&b->articles, (uint64_t)a->mtime);
    buf_put_u64(&b->articles, a->hash);
    b->narticles++;
}

static const StrMap *sort_map; /* qsort has no context argument in C11 */

static int cmp_terms(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return key_cmp(strmap_key(sort_map, a), sort_map->klens[a], strmap_key(sort_map, b), sort_map->klens[b]);
}

/* Entry e of the term map -> its postings list index. */
static uint32_t *sorted_terms(const MemIndex *m)
{
    uint32_t *order = xmalloc((m->terms.n ? m->terms.n : 1) * sizeof *order);
    for (size_t e = 0; e < m->terms.n; e++) order[e] = (uint32_t)e;
    sort_map = &m->terms;
    qsort(order, m->terms.n, sizeof *order, cmp_terms);
    return order;
}

typedef struct {
    uint32_t *ids, *tfs; /* one term's postings, decoded */
    size_t cap;
    uint32_t *pos;       /* their positions, back to back */
    size_t pos_cap;
} Scratch;

/* A varint of the in-memory postings (postings_mem.c wrote it, so it is
 * well formed); inline: this runs once per token of the corpus. */
static inline const uint8_t *get_varint(const uint8_t *q, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t c = *q++;
        v |= (uint32_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) break;
    }
    *out = v;
    return q;
}

/* Posting i's tf positions (first absolute, then gaps) into s->pos at at. */
static const uint8_t *decode_positions(const uint8_t *q, Scratch *s, size_t at, uint32_t tf)
{
    if (at + tf > s->pos_cap) {
        s->pos_cap = at + tf > 2 * s->pos_cap ? at + tf : 2 * s->pos_cap;
        s->pos = xrealloc(s->pos, s->pos_cap * sizeof *s->pos);
    }
    uint32_t v, prev = 0;
    for (uint32_t j = 0; j < tf; j++) {
        q = get_varint(q, &v);
        s->pos[at + j] = prev += v; /* prev is 0 for the first: absolute */
    }
    return q;
}

static void decode_mem(const MemPostings *p, Scratch *s)
{
    if (p->df > s->cap) {
        s->cap = p->df;
        s->ids = xrealloc(s->ids, s->cap * sizeof *s->ids);
        s->tfs = xrealloc(s->tfs, s->cap * sizeof *s->tfs);
    }
    const uint8_t *q = p->data.data;
    uint32_t gap, tf, pid = 0;
    size_t npos = 0;
    for (uint32_t i = 0; i < p->df; i++) {
        q = get_varint(q, &gap);
        q = get_varint(q, &tf);
        pid = i ? pid + gap : gap - 1;
        s->ids[i] = pid;
        s->tfs[i] = tf;
        q = decode_positions(q, s, npos, tf);
        npos += tf;
    }
}

typedef struct {
    uint32_t max_tf;  /* over the term */
    float max_part;   /* largest bm25_tf_part at the impact parameters */
} TermMax;

static void put_dir_entry(uint8_t *d, uint32_t last, uint32_t end, float part, uint32_t max_tf, uint32_t min_len)
{
    uint16_t tf16 = (uint16_t)(max_tf > 65535 ? 65535 : max_tf);   /* read as "at least" */
    uint16_t len16 = (uint16_t)(min_len > 65535 ? 65535 : min_len); /* smaller is safe */
    memcpy(d, &last, 4);
    memcpy(d + 4, &end, 4);
    memcpy(d + 8, &part, 4);
    memcpy(d + 12, &tf16, 2);
    memcpy(d + 14, &len16, 2);
}

/* One term's postings: the block directory (only when there are several
 * blocks), then the blocks of id gaps and tfs. */
static void encode_term(Buf *out, const uint32_t *ids, const uint32_t *tfs, uint32_t df, const uint32_t *lengths,
                        float avgdl, TermMax *tm)
{
    uint32_t nblocks = (df + BLOCK_SIZE - 1) / BLOCK_SIZE;
    size_t dir_len = nblocks > 1 ? (size_t)nblocks * DIR_ENTRY : 0, dir_at = out->len;
    buf_reserve(out, dir_len);
    out->len += dir_len;
    size_t data_at = out->len;
    uint32_t vals[BLOCK_SIZE];
    uint8_t packed[1 + 4 * BLOCK_SIZE];
    tm->max_tf = 0;
    tm->max_part = 0;
    for (uint32_t b = 0; b < nblocks; b++) {
        uint32_t lo = b * BLOCK_SIZE, n = df - lo < BLOCK_SIZE ? df - lo : BLOCK_SIZE;
        uint32_t prev = lo ? ids[lo - 1] : UINT32_MAX, bmax = 0, bmin = UINT32_MAX;
        float part = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t id = ids[lo + i], tf = tfs[lo + i];
            vals[i] = id - prev - 1; /* gap - 1: wraps right for the first */
            prev = id;
            float p = bm25_tf_part(IMPACT_K1, IMPACT_B, avgdl, tf, lengths[id]);
            if (p > part) part = p;
            if (tf > bmax) bmax = tf;
            if (lengths[id] < bmin) bmin = lengths[id];
        }
        /* full blocks in the SIMD layout, a term's last partial block plain */
        buf_append(out, packed, n == BLOCK_SIZE ? bp128_encode(vals, packed) : bp_encode(vals, n, packed));
        for (uint32_t i = 0; i < n; i++) vals[i] = tfs[lo + i] - 1;
        buf_append(out, packed, n == BLOCK_SIZE ? bp128_encode(vals, packed) : bp_encode(vals, n, packed));
        if (dir_len)
            put_dir_entry(out->data + dir_at + (size_t)b * DIR_ENTRY, ids[lo + n - 1],
                          (uint32_t)(out->len - data_at), part, bmax, bmin);
        if (bmax > tm->max_tf) tm->max_tf = bmax;
        if (part > tm->max_part) tm->max_part = part;
    }
}

/* Terms are visited in lexicon order, which scatters them over memory:
 * fetch a few terms ahead, in the order each access needs the one before
 * (map entry, then postings record, then postings bytes). */
static void prefetch_term(const MemIndex *m, const uint32_t *order, size_t i)
{
    if (i + 12 < m->terms.n) {
        __builtin_prefetch(&m->terms.vals[order[i + 12]]);
        __builtin_prefetch(&m->terms.koff[order[i + 12]]);
    }
    if (i + 8 < m->terms.n) {
        __builtin_prefetch(&m->lists[m->terms.vals[order[i + 8]]]);
        __builtin_prefetch(strmap_key(&m->terms, order[i + 8]));
    }
    if (i + 4 < m->terms.n) __builtin_prefetch(m->lists[m->terms.vals[order[i + 4]]].data.data);
}

/* Term e of the map: its postings and positions into the writer. */
static void add_mem_term(TermWriter *f, const MemIndex *m, uint32_t e, Scratch *s, const uint32_t *lengths, float avgdl)
{
    const MemPostings *p = &m->lists[m->terms.vals[e]];
    decode_mem(p, s);
    term_writer_add(f, strmap_key(&m->terms, e), m->terms.klens[e], s->ids, s->tfs, s->pos, p->df, lengths, avgdl);
}

void term_writer_init(TermWriter *f, uint64_t npostings, uint64_t npositions)
{
    memset(f, 0, sizeof *f);
    buf_put_u64(&f->lex, 0); /* the term count, known at the end */
    buf_put_u64(&f->pos, 0); /* the term and position counts, likewise */
    buf_put_u64(&f->pos, 0);
    /* a bound (a value takes at most 4 bytes and its run's width byte, a
     * block 4 table bytes): growing by doubling would copy and fault in
     * tens of MB; pages reserved and never written cost nothing */
    buf_reserve(&f->pos, 5 * npositions + 4 * npostings);
}

void term_writer_add(TermWriter *f, const char *key, size_t len, const uint32_t *ids, const uint32_t *tfs,
                     const uint32_t *pos, uint32_t df, const uint32_t *lengths, float avgdl)
{
    uint64_t post_off = f->post.len, pos_off = f->pos.len;
    TermMax tm;
    encode_term(&f->post, ids, tfs, df, lengths, avgdl, &tm);
    positions_encode_term(&f->pos, tfs, pos, df);
    buf_put_u64(&f->lex, post_off);
    buf_put_u32(&f->lex, (uint32_t)(f->post.len - post_off));
    buf_put_u32(&f->lex, df);
    buf_put_u32(&f->lex, tm.max_tf);
    buf_put_u32(&f->lex, (uint32_t)f->pool.len);
    buf_put_u32(&f->lex, (uint32_t)len);
    buf_append(&f->lex, &tm.max_part, 4);
    buf_put_u64(&f->lex, pos_off);
    buf_append(&f->pool, key, len);
    f->terms++;
    f->postings += df;
    for (uint32_t i = 0; i < df; i++) f->positions += tfs[i];
}

void term_writer_free(TermWriter *f)
{
    buf_free(&f->lex);
    buf_free(&f->pool);
    buf_free(&f->post);
    buf_free(&f->pos);
}

int term_writer_finish(TermWriter *f, const char *dir, uint64_t *bytes)
{
    memcpy(f->lex.data, &f->terms, 8);
    memcpy(f->pos.data, &f->terms, 8);
    memcpy(f->pos.data + 8, &f->positions, 8);
    buf_append(&f->lex, f->pool.data, f->pool.len);
    int rc = file_write(dir, "lexicon.bin", "LEXI", &f->lex);
    if (rc == 0) rc = file_write(dir, "postings.bin", "POST", &f->post);
    if (rc == 0) rc = file_write(dir, "positions.bin", "POSI", &f->pos);
    *bytes += f->lex.len + f->post.len + f->pos.len + 3 * 32;
    buf_free(&f->lex);
    buf_free(&f->pool);
    buf_free(&f->post);
    buf_free(&f->pos);
    return rc;
}

static int write_postings(IndexBuilder *b, const char *dir, uint64_t *bytes, TermWriter *f)
{
    const MemIndex *m = &b->mem;
    uint32_t *order = sorted_terms(m);
    Scratch s = {0};
    float avgdl = index_avgdl(b->total_length, b->npassages);
    term_writer_init(f, m->npostings, m->npositions);
    for (size_t i = 0; i < m->terms.n; i++) {
        prefetch_term(m, order, i);
        add_mem_term(f, m, order[i], &s, (const uint32_t *)b->lengths.data, avgdl);
    }
    free(order);
    free(s.ids);
    free(s.tfs);
    free(s.pos);
    return term_writer_finish(f, dir, bytes);
}

static int write_meta(IndexBuilder *b, const char *dir, uint64_t *bytes, const TermWriter *f)
{
    Buf m = {0};
    buf_put_u64(&m, b->npassages);
    buf_put_u64(&m, b->narticles);
    buf_put_u64(&m, f->terms);
    buf_put_u64(&m, f->postings);
    buf_put_u64(&m, b->total_length);
    buf_put_u32(&m, b->passage_words);
    buf_put_u32(&m, (uint32_t)b->analysis.stopwords);
    buf_put_u32(&m, BLOCK_SIZE);
    buf_put_u32(&m, (uint32_t)b->analysis.letters_only);
    float k1 = IMPACT_K1, bb = IMPACT_B;
    buf_append(&m, &k1, 4);
    buf_append(&m, &bb, 4);
    char lang[32] = {0};
    snprintf(lang, sizeof lang, "%s", b->analysis.language);
    buf_append(&m, lang, sizeof lang);
    int rc = file_write(dir, "meta.bin", "META", &m);
    *bytes += m.len + 32;
    buf_free(&m);
    return rc;
}

static int write_records(IndexBuilder *b, const char *dir, uint64_t *bytes)
{
    Buf p = {0}, a = {0}, s = {0};
    buf_put_u64(&p, b->npassages);
    buf_append(&p, b->passages.data, b->passages.len);
    buf_append(&p, b->lengths.data, b->lengths.len);
    buf_put_u64(&a, b->narticles);
    buf_append(&a, b->articles.data, b->articles.len);
    buf_append(&a, b->strings.data, b->strings.len);
    int rc = docstore_finish(b->store, &s);
    b->store = NULL;
    if (rc == 0) rc = file_write(dir, "passages.bin", "PASS", &p);
    if (rc == 0) rc = file_write(dir, "articles.bin", "ARTI", &a);
    if (rc == 0) rc = file_write(dir, "store.bin", "STOR", &s);
    *bytes += p.len + a.len + s.len + 3 * 32;
    buf_free(&p);
    buf_free(&a);
    buf_free(&s);
    return rc;
}

int builder_write_records(IndexBuilder *b, const char *dir, uint64_t *bytes, const TermWriter *terms)
{
    if (write_records(b, dir, bytes) != 0) return -1;
    /* meta last: a segment without it is never opened */
    return write_meta(b, dir, bytes, terms);
}

int builder_write(IndexBuilder *b, const char *dir, uint64_t *bytes)
{
    *bytes = 0;
    TermWriter f;
    if (write_postings(b, dir, bytes, &f) != 0) return -1;
    return builder_write_records(b, dir, bytes, &f);
}
