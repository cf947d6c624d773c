/*
 * segment.c: opens one segment (a directory of the seven files) and
 * answers look-ups in it.
 *
 * An open reads what is small and what every query needs whole: the
 * files' headers, meta.bin (with its CRC32) and the counts at the head of
 * each payload, checked against meta.bin and the file lengths. It does not
 * read the large payloads (lexicon entries, postings, positions, passage
 * and article records, the text store), so that it costs the same
 * whatever the segment's size. Each of those is checked when it is read,
 * before any length or offset in it is used: a lexicon entry when a
 * look-up or a walk reads it (its key inside the pool, its postings and
 * positions inside their files), a record when it is asked for, a block
 * of postings, positions or text when it is decoded (postings.c,
 * positions.c, docstore.c). Damage is then an error naming the file,
 * never a read out of bounds. What a bound cannot catch (a byte of a key
 * or a title, a tf inside its block's bound) is caught by the CRC32s,
 * which segment_verify reads: search check and every merge call it. The
 * writer, reopening the segment it has just written, skips only the
 * CRC32s (segment_open_written).
 */
#include "index/reader.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* Every LEX_SAMPLE-th key's first bytes are kept in memory (a sample of
 * 8 bytes per 32 keys: 435 KB for 1.74M keys), so that a look-up's binary
 * search runs in that small array and ends in one run of 32 entries; over
 * the whole lexicon its last dozen steps were each a cache miss in the
 * entries and another in the pool. Gathering it reads a 32nd of the
 * entries and touches every page of them, which is what an open must not
 * do: it is gathered by the LEX_SAMPLE_AFTER-th look-up of the segment,
 * when its cost is shared by as many look-ups. */
#define LEX_SAMPLE 32
#define LEX_SAMPLE_AFTER 256

/* What look-ups learn and keep: the only part of a segment that changes
 * after the open, through atomics, so one open segment serves any number
 * of threads. */
typedef struct {
    _Atomic(uint64_t *) sample; /* key_prefix of every LEX_SAMPLE-th key, or NULL */
    atomic_uint lookups;        /* look-ups counted until the sample is gathered */
} LexCache;

struct Segment {
    char *dir;                   /* the segment directory */
    int written;                 /* segment_open_written: CRC32s not read back */
    MappedFile meta, lex, post, posi, pass, arts, store;
    DocStoreDict *store_dict;    /* store.bin's dictionary, made when first needed */
    IndexStats stats;
    const uint8_t *lex_entries;  /* nterms x LEX_ENTRY_BYTES */
    const uint8_t *lex_pool;     /* term bytes */
    uint64_t lex_pool_len;
    LexCache *cache;
    const uint8_t *pass_records; /* N x PASSAGE_RECORD_BYTES */
    const uint32_t *lengths;     /* N passage lengths (4-byte aligned) */
    const uint16_t *short_lengths; /* N short lengths (format.h) */
    uint8_t *lengths_copy;       /* both, when the mapping was not aligned */
    const uint8_t *art_records;
    const uint8_t *art_pool;
    uint64_t art_pool_len;
};

int segment_corrupt(const Segment *sg, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    file_corrupt_v(sg->dir, file, fmt, ap);
    va_end(ap);
    return -1;
}

static int corrupt(const Segment *sg, const char *file, const char *why)
{
    return segment_corrupt(sg, file, "%s", why);
}

static int load_meta(Segment *sg)
{
    const MappedFile *m = &sg->meta;
    if (m->len != META_BYTES) return corrupt(sg, "meta.bin", "wrong size");
    MetaRecord r;
    meta_get(m->payload, &r);
    IndexStats *s = &sg->stats;
    s->passages = r.passages;
    s->articles = r.articles;
    s->terms = r.terms;
    s->postings = r.postings;
    s->total_length = r.total_length;
    s->passage_words = r.passage_words;
    s->analysis.stopwords = (int)r.stopwords;
    if (r.block_size != BLOCK_SIZE) return corrupt(sg, "meta.bin", "unsupported block size");
    s->analysis.letters_only = (int)r.letters_only;
    if (s->analysis.stopwords > 1 || s->analysis.letters_only > 1) return corrupt(sg, "meta.bin", "bad analysis flags");
    s->impact_k1 = r.k1;
    s->impact_b = r.b;
    /* queries score with these when they name none: a NaN, an infinite,
     * negative or huge k1, or a b outside 0..1 would make every bound and
     * score meaningless */
    if (!impact_valid(s->impact_k1, s->impact_b)) return corrupt(sg, "meta.bin", "bad impact parameters (k1, b)");
    memcpy(s->analysis.language, r.language, META_LANGUAGE_BYTES);
    if (s->analysis.language[31] != 0 || !analysis_language_known(s->analysis.language))
        return corrupt(sg, "meta.bin", "bad language name");
    if (s->passages >= UINT32_MAX || s->articles >= UINT32_MAX || s->articles > s->passages)
        return corrupt(sg, "meta.bin", "impossible counts");
    return 0;
}

/* ---- the lexicon ---- */

/* Lexicon entry i (in range). */
static LexEntry entry_at(const Segment *sg, uint64_t i)
{
    LexEntry e;
    lex_entry_get(sg->lex_entries + i * LEX_ENTRY_BYTES, &e);
    return e;
}

/* The term's positions: its offset in the lexicon, its end the next
 * term's offset (or the end of the file). */
static uint64_t positions_end(const Segment *sg, uint64_t i)
{
    return i + 1 < sg->stats.terms ? entry_at(sg, i + 1).positions_off : sg->posi.len;
}

/* Entry i's key, inside the pool and 1 to FIELD_KEY_MAX bytes long; NULL
 * (err_msg set) when it is not. */
static const uint8_t *entry_key(const Segment *sg, uint64_t i, size_t *len)
{
    LexEntry e = entry_at(sg, i);
    uint64_t toff = e.key_off, tlen = e.key_len;
    if (toff + tlen > sg->lex_pool_len || tlen == 0 || tlen > FIELD_KEY_MAX) {
        corrupt(sg, "lexicon.bin", "term out of bounds");
        return NULL;
    }
    *len = (size_t)tlen;
    return sg->lex_pool + toff;
}

/* Entry i's bounds, all of which a reader of the term relies on: its key
 * in the pool, its postings (with their directory) in postings.bin, its
 * positions before the next term's and in positions.bin (terms' positions
 * lie one after another in lexicon order, and every term has some), its
 * df and largest tf-part possible. */
static int check_entry(const Segment *sg, uint64_t i)
{
    LexEntry e = entry_at(sg, i);
    uint64_t off = e.postings_off, plen = e.postings_len, df = e.df, pos_off = e.positions_off;
    uint64_t dir = block_dir_bytes((df + BLOCK_SIZE - 1) / BLOCK_SIZE); /* floors and directory */
    size_t tlen;
    float part = e.max_tf_part;
    if (!(part >= 0 && part <= 1)) return corrupt(sg, "lexicon.bin", "bad term maximum");
    if (!entry_key(sg, i, &tlen)) return -1;
    if (df == 0 || df > sg->stats.passages) return corrupt(sg, "lexicon.bin", "bad document frequency");
    if (off > sg->post.len || plen > sg->post.len - off || dir > plen)
        return corrupt(sg, "lexicon.bin", "postings out of bounds");
    if (i ? pos_off <= POSITIONS_HEADER_BYTES : pos_off != POSITIONS_HEADER_BYTES)
        return corrupt(sg, "lexicon.bin", "positions out of order");
    if (pos_off >= positions_end(sg, i) || positions_end(sg, i) > sg->posi.len)
        return corrupt(sg, "lexicon.bin", "positions out of bounds");
    return 0;
}

static int term_info(const Segment *sg, uint64_t i, TermInfo *out)
{
    if (check_entry(sg, i) != 0) return -1;
    LexEntry e = entry_at(sg, i);
    out->postings_off = e.postings_off;
    out->postings_len = e.postings_len;
    out->df = e.df;
    out->max_tf = e.max_tf;
    out->nblocks = (out->df + BLOCK_SIZE - 1) / BLOCK_SIZE;
    out->max_tf_part = e.max_tf_part;
    out->positions_off = e.positions_off;
    out->positions_len = positions_end(sg, i) - out->positions_off;
    out->ord = i;
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

/* positions.bin's header (its terms' block tables are checked as they are
 * read: positions_open). */
static int load_positions(Segment *sg)
{
    const MappedFile *m = &sg->posi;
    PositionsHeader h = {0, 0};
    if (m->len >= POSITIONS_HEADER_BYTES) positions_header_get(m->payload, &h);
    if (m->len < POSITIONS_HEADER_BYTES || h.terms != sg->stats.terms)
        return corrupt(sg, "positions.bin", "term count does not match");
    sg->stats.positions = h.positions;
    if (sg->stats.positions < sg->stats.postings) return corrupt(sg, "positions.bin", "too few positions");
    if (sg->stats.terms == 0 && m->len != POSITIONS_HEADER_BYTES) return corrupt(sg, "positions.bin", "wrong size");
    return 0;
}

/* The lexicon's head: its term count is meta.bin's, and the entries fit. */
static int load_lexicon(Segment *sg)
{
    const MappedFile *m = &sg->lex;
    if (m->len < COUNT_BYTES || count_get(m->payload) != sg->stats.terms ||
        sg->stats.terms > (m->len - COUNT_BYTES) / LEX_ENTRY_BYTES)
        return corrupt(sg, "lexicon.bin", "term count does not match");
    sg->lex_entries = m->payload + COUNT_BYTES;
    sg->lex_pool = sg->lex_entries + sg->stats.terms * LEX_ENTRY_BYTES;
    sg->lex_pool_len = m->len - COUNT_BYTES - sg->stats.terms * LEX_ENTRY_BYTES;
    return 0;
}

/* Term i's block table in positions.bin, once entries i and i + 1 have
 * placed its positions in bounds and in order. */
static int check_positions(const Segment *sg, uint64_t i)
{
    LexEntry e = entry_at(sg, i);
    uint64_t off = e.positions_off, df = e.df;
    if (positions_check_term(sg->posi.payload + off, positions_end(sg, i) - off,
                             (uint32_t)((df + BLOCK_SIZE - 1) / BLOCK_SIZE)) != 0)
        return corrupt(sg, "positions.bin", "bad block table");
    return 0;
}

/* The whole lexicon: every entry, the keys' order and each term's
 * positions block table, in one pass: each page of the mapping is touched
 * once, and let go of after. */
static int verify_lexicon(const Segment *sg)
{
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    uint64_t postings = 0;
    for (uint64_t i = 0; i < sg->stats.terms; i++) {
        LexEntry e = entry_at(sg, i);
        if (check_entry(sg, i) != 0 || check_positions(sg, i) != 0) return -1;
        if ((i & 0xffff) == 0) {
            file_release_below(&sg->lex, sg->lex_entries + i * LEX_ENTRY_BYTES);
            file_release_below(&sg->posi, sg->posi.payload + e.positions_off);
        }
        size_t tlen = 0;
        const uint8_t *key = entry_key(sg, i, &tlen); /* in bounds: check_entry */
        if (prev && key_cmp(prev, prev_len, key, tlen) >= 0) return corrupt(sg, "lexicon.bin", "terms out of order");
        prev = key;
        prev_len = tlen;
        postings += e.df;
    }
    if (postings != sg->stats.postings) return corrupt(sg, "lexicon.bin", "posting count does not match");
    file_release(&sg->lex);
    file_release(&sg->posi);
    return 0;
}

/* ---- records ---- */

/* passages.bin's size, which its count fixes, and where the lengths are. */
static int load_passages(Segment *sg)
{
    const MappedFile *m = &sg->pass;
    uint64_t n = sg->stats.passages;
    if (m->len != COUNT_BYTES + n * (PASSAGE_RECORD_BYTES + PASSAGE_LENGTH_BYTES + PASSAGE_SHORT_BYTES) ||
        count_get(m->payload) != n)
        return corrupt(sg, "passages.bin", "passage count does not match");
    sg->pass_records = m->payload + COUNT_BYTES;
    const uint8_t *lp = sg->pass_records + n * PASSAGE_RECORD_BYTES;
    size_t bytes = n * (PASSAGE_LENGTH_BYTES + PASSAGE_SHORT_BYTES);
    if ((uintptr_t)lp % 4 != 0) { /* n * 4 keeps the short lengths aligned too */
        sg->lengths_copy = xmalloc(bytes + PASSAGE_LENGTH_BYTES);
        memcpy(sg->lengths_copy, lp, bytes);
        lp = sg->lengths_copy;
    }
    sg->lengths = (const uint32_t *)(const void *)lp;
    sg->short_lengths = (const uint16_t *)(const void *)(lp + n * PASSAGE_LENGTH_BYTES);
    return 0;
}

/* articles.bin's head: its count is meta.bin's and the records fit. */
static int load_articles(Segment *sg)
{
    const MappedFile *m = &sg->arts;
    uint64_t n = sg->stats.articles;
    if (m->len < COUNT_BYTES || count_get(m->payload) != n || n > (m->len - COUNT_BYTES) / ARTICLE_RECORD_BYTES)
        return corrupt(sg, "articles.bin", "article count does not match");
    sg->art_records = m->payload + COUNT_BYTES;
    sg->art_pool = sg->art_records + n * ARTICLE_RECORD_BYTES;
    sg->art_pool_len = m->len - COUNT_BYTES - n * ARTICLE_RECORD_BYTES;
    return 0;
}

static const char *const no_string = "";

/* Article record aid (in range). */
static ArticleRecord article_at(const Segment *sg, uint32_t aid)
{
    ArticleRecord r;
    article_record_get(sg->art_records + (size_t)aid * ARTICLE_RECORD_BYTES, &r);
    return r;
}

int segment_article(const Segment *sg, uint32_t aid, ArticleInfo *out)
{
    memset(out, 0, sizeof *out); /* what a caller that ignores a failure finds */
    out->id = out->path = out->title = no_string;
    if (aid >= sg->stats.articles) return -1;
    ArticleRecord r = article_at(sg, aid);
    if ((uint64_t)r.id_off + r.id_len > sg->art_pool_len || (uint64_t)r.path_off + r.path_len > sg->art_pool_len ||
        (uint64_t)r.title_off + r.title_len > sg->art_pool_len)
        return segment_corrupt(sg, "articles.bin", "article %u: string out of bounds", aid);
    if ((uint64_t)r.first_passage + r.npassages > sg->stats.passages)
        return segment_corrupt(sg, "articles.bin", "article %u: passage range out of bounds", aid);
    const char *pool = (const char *)sg->art_pool;
    out->id = pool + r.id_off;
    out->id_len = r.id_len;
    out->path = pool + r.path_off;
    out->path_len = r.path_len;
    out->title = pool + r.title_off;
    out->title_len = r.title_len;
    out->first_passage = r.first_passage;
    out->npassages = r.npassages;
    out->size = r.size;
    out->mtime = r.mtime;
    out->hash = r.hash;
    return 0;
}

/* A passage's record is checked against its article's: the article's
 * range holds the passage, at the place the record says. */
int segment_passage(const Segment *sg, uint32_t pid, PassageInfo *out)
{
    memset(out, 0, sizeof *out);
    if (pid >= sg->stats.passages) return -1;
    PassageInfo r;
    passage_record_get(sg->pass_records + (size_t)pid * PASSAGE_RECORD_BYTES, &r);
    if (r.article >= sg->stats.articles || r.start > r.end)
        return segment_corrupt(sg, "passages.bin", "passage %u: bad record", pid);
    ArticleRecord a = article_at(sg, r.article);
    if (pid < a.first_passage || pid - a.first_passage >= a.npassages || r.ordinal != pid - a.first_passage)
        return segment_corrupt(sg, "passages.bin", "passage %u: not where its article's record (articles.bin) puts it",
                               pid);
    *out = r;
    return 0;
}

/* Every record, as segment_passage and segment_article check one, and the
 * lengths' sum against meta.bin. */
static int verify_records(const Segment *sg)
{
    uint64_t total = 0;
    for (uint32_t a = 0; a < sg->stats.articles; a++) {
        ArticleInfo ai;
        if (segment_article(sg, a, &ai) != 0) return -1;
        if ((a & 0xffff) == 0) file_release_below(&sg->arts, sg->art_records + (size_t)a * ARTICLE_RECORD_BYTES);
    }
    for (uint32_t p = 0; p < sg->stats.passages; p++) {
        PassageInfo pi;
        if (segment_passage(sg, p, &pi) != 0) return -1;
        if ((p & 0xffff) == 0) file_release_below(&sg->pass, sg->pass_records + (size_t)p * PASSAGE_RECORD_BYTES);
        total += sg->lengths[p];
        if (sg->short_lengths[p] != short_length(sg->lengths[p]))
            return segment_corrupt(sg, "passages.bin", "passage %u: short length %u, length %u", p,
                                   sg->short_lengths[p], sg->lengths[p]);
    }
    file_release(&sg->arts);
    file_release(&sg->pass);
    if (total != sg->stats.total_length) return corrupt(sg, "passages.bin", "lengths do not add up");
    return 0;
}

/* ---- open, verify ---- */

static int map_all(Segment *sg)
{
    if (file_map(sg->dir, "meta.bin", "META", &sg->meta) || load_meta(sg)) return -1;
    if (file_map_lazy(sg->dir, "postings.bin", "POST", &sg->post)) return -1;
    if (file_map_lazy(sg->dir, "positions.bin", "POSI", &sg->posi) || load_positions(sg)) return -1;
    if (file_map_lazy(sg->dir, "lexicon.bin", "LEXI", &sg->lex) || load_lexicon(sg)) return -1;
    if (file_map_lazy(sg->dir, "articles.bin", "ARTI", &sg->arts) || load_articles(sg)) return -1;
    if (file_map_lazy(sg->dir, "passages.bin", "PASS", &sg->pass) || load_passages(sg)) return -1;
    if (file_map_lazy(sg->dir, "store.bin", "STOR", &sg->store)) return -1;
    sg->store_dict = docstore_dict_new();
    if (docstore_check_header(sg->store.payload, sg->store.len, (uint32_t)sg->stats.passages) != 0)
        return corrupt(sg, "store.bin", "bad block directory");
    return 0;
}

/* Everything but the CRC32s: what an open checks at once and what it
 * leaves to the readers, for every entry, record and block directory. */
static int verify_structure(const Segment *sg)
{
    if (verify_lexicon(sg) != 0 || verify_records(sg) != 0) return -1;
    int rc = docstore_check(sg->store.payload, sg->store.len, (uint32_t)sg->stats.passages);
    file_release(&sg->store);
    return rc == 0 ? 0 : corrupt(sg, "store.bin", "bad block directory");
}

int segment_verify(const Segment *sg)
{
    const struct {
        const char *name;
        const MappedFile *f;
    } lazy[] = {{"postings.bin", &sg->post}, {"positions.bin", &sg->posi}, {"lexicon.bin", &sg->lex},
                {"articles.bin", &sg->arts}, {"passages.bin", &sg->pass},  {"store.bin", &sg->store}};
    for (size_t i = 0; !sg->written && i < sizeof lazy / sizeof *lazy; i++)
        if (file_verify(sg->dir, lazy[i].name, lazy[i].f) != 0) return -1;
    return verify_structure(sg);
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
    docstore_dict_free(sg->store_dict);
    sg->store_dict = NULL;
    free(sg->lengths_copy);
    sg->lengths_copy = NULL;
    if (sg->cache) free(atomic_load(&sg->cache->sample));
    free(sg->cache);
    sg->cache = NULL;
}

static Segment *open_segment(const char *dir, int written)
{
    Segment *sg = xcalloc(1, sizeof *sg);
    sg->dir = xstrdup(dir);
    sg->written = written;
    sg->cache = xcalloc(1, sizeof *sg->cache);
    atomic_init(&sg->cache->sample, NULL);
    atomic_init(&sg->cache->lookups, 0);
    if (map_all(sg) == 0 && (!written || verify_structure(sg) == 0)) return sg;
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
PassageLengths segment_passage_lengths(const Segment *sg) { return (PassageLengths){sg->short_lengths, sg->lengths}; }

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

int segment_term_at(const Segment *sg, uint64_t i, const char **term, size_t *len, TermInfo *out)
{
    if (i >= sg->stats.terms) return 0;
    const uint8_t *key = entry_key(sg, i, len);
    if (!key || (out && term_info(sg, i, out) != 0)) return -1;
    *term = (const char *)key;
    return 1;
}

/* key_cmp of term i's key with key into *c; -1 when the entry's key is
 * out of bounds. */
static int entry_cmp(const Segment *sg, uint64_t i, const uint8_t *key, size_t len, int *c)
{
    size_t tlen;
    const uint8_t *t = entry_key(sg, i, &tlen);
    if (!t) return -1;
    *c = key_cmp(t, tlen, key, len);
    return 0;
}

/* The sample (LEX_SAMPLE), gathered now; NULL when a sampled key is out
 * of bounds (look-ups then search the entries and report it if they meet
 * it). */
static uint64_t *gather_sample(const Segment *sg)
{
    uint64_t *s = xmalloc((sg->stats.terms / LEX_SAMPLE + 1) * sizeof *s);
    for (uint64_t i = 0; i < sg->stats.terms; i += LEX_SAMPLE) {
        size_t len;
        const uint8_t *key = entry_key(sg, i, &len);
        if (!key) {
            free(s);
            return NULL;
        }
        s[i / LEX_SAMPLE] = key_prefix(key, len);
    }
    uint64_t *none = NULL;
    if (!atomic_compare_exchange_strong(&sg->cache->sample, &none, s)) { /* another thread's came first */
        free(s);
        s = none;
    }
    return s;
}

/* The sample, once this segment has served LEX_SAMPLE_AFTER look-ups;
 * NULL before. */
static const uint64_t *lex_sample(const Segment *sg)
{
    uint64_t *s = atomic_load_explicit(&sg->cache->sample, memory_order_acquire);
    if (s) return s;
    unsigned n = atomic_fetch_add_explicit(&sg->cache->lookups, 1, memory_order_relaxed);
    return n + 1 == LEX_SAMPLE_AFTER ? gather_sample(sg) : NULL;
}

/* Binary search for key in entries [lo, hi): 1 with *out filled, 0 when
 * absent, -1 when an entry it compares is out of bounds. */
static int search_entries(const Segment *sg, uint64_t lo, uint64_t hi, const uint8_t *key, size_t len, TermInfo *out)
{
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int c;
        if (entry_cmp(sg, mid, key, len, &c) != 0) return -1;
        if (c == 0) return term_info(sg, mid, out) == 0 ? 1 : -1;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

int segment_lookup(const Segment *sg, const char *term, size_t len, TermInfo *out)
{
    const uint8_t *key = (const uint8_t *)term;
    uint64_t n = sg->stats.terms;
    const uint64_t *sample = lex_sample(sg);
    if (!sample) return search_entries(sg, 0, n, key, len, out);
    /* the run of LEX_SAMPLE keys that would hold it: after the last
     * sampled key not above it */
    uint64_t pre = key_prefix(key, len), lo = 0, hi = n ? (n - 1) / LEX_SAMPLE + 1 : 0;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2, s = sample[mid];
        int c = s < pre ? -1 : 1;
        if (s == pre && entry_cmp(sg, mid * LEX_SAMPLE, key, len, &c) != 0) return -1;
        if (c <= 0) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return 0; /* before the first key */
    lo = (lo - 1) * LEX_SAMPLE;
    return search_entries(sg, lo, lo + LEX_SAMPLE < n ? lo + LEX_SAMPLE : n, key, len, out);
}

/* The first term for which before(term) is false; before must be true for
 * a prefix of the lexicon and false after it. -1 when a key it reads is
 * out of bounds. */
static int partition(const Segment *sg, const uint8_t *key, size_t klen, int (*before)(int c, size_t tlen, size_t klen),
                     uint64_t *at)
{
    uint64_t lo = 0, hi = sg->stats.terms;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        size_t tlen;
        const uint8_t *t = entry_key(sg, mid, &tlen);
        if (!t) return -1;
        int c = memcmp(t, key, tlen < klen ? tlen : klen);
        if (before(c, tlen, klen)) lo = mid + 1;
        else hi = mid;
    }
    *at = lo;
    return 0;
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

int segment_prefix_range(const Segment *sg, const char *prefix, size_t len, uint64_t *first, uint64_t *count)
{
    uint64_t end;
    *first = *count = 0;
    if (partition(sg, (const uint8_t *)prefix, len, before_range, first) != 0 ||
        partition(sg, (const uint8_t *)prefix, len, not_after_range, &end) != 0)
        return -1;
    *count = end > *first ? end - *first : 0; /* a damaged order could put it before */
    return 0;
}

int segment_passage_text(const Segment *sg, uint32_t pid, Buf *out)
{
    PassageInfo p;
    ArticleInfo a;
    /* the hit's records first: a caller showing it reads them too, and
     * not every caller checks what those calls return */
    if (segment_passage(sg, pid, &p) != 0 || segment_article(sg, p.article, &a) != 0) return -1;
    if (docstore_get(sg->store.payload, sg->store.len, sg->store_dict, pid, out) != 0)
        return segment_corrupt(sg, "store.bin", "the text of passage %u does not decode", pid);
    return 0;
}

int segment_passage_read(const Segment *sg, uint32_t pid, DocStoreCursor *c, const char **text, size_t *len)
{
    if (docstore_read(c, sg->store.payload, sg->store.len, sg->store_dict, pid, text, len) != 0)
        return segment_corrupt(sg, "store.bin", "the text of passage %u does not decode", pid);
    return 0;
}

int lexmerge_init(LexMerge *m, const Segment *const *segs, size_t n, const char *prefix, size_t len)
{
    m->seg = segs;
    m->n = n;
    m->at = xmalloc(2 * (n ? n : 1) * sizeof *m->at);
    m->end = m->at + n;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t count;
        if (segment_prefix_range(segs[i], prefix, len, &m->at[i], &count) != 0) rc = -1;
        m->end[i] = m->at[i] + count;
    }
    return rc;
}

/* Segments are few: the smallest next key is found by a scan. */
int lexmerge_next(LexMerge *m, const char **key, size_t *len, uint8_t *has, TermInfo *info)
{
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < m->n; i++) {
        const char *k;
        size_t kl;
        if (m->at[i] >= m->end[i]) continue;
        if (segment_term_at(m->seg[i], m->at[i], &k, &kl, NULL) != 1) return -1;
        if (!best || key_cmp(k, kl, best, best_len) < 0) best = k, best_len = kl;
    }
    if (!best) return 0;
    for (size_t i = 0; i < m->n; i++) {
        const char *k;
        size_t kl;
        has[i] = 0;
        if (m->at[i] >= m->end[i]) continue;
        if (segment_term_at(m->seg[i], m->at[i], &k, &kl, NULL) != 1) return -1;
        if (key_cmp(k, kl, best, best_len) != 0) continue;
        if (segment_term_at(m->seg[i], m->at[i], &k, &kl, &info[i]) != 1) return -1;
        has[i] = 1;
        m->at[i]++;
    }
    *key = best; /* still valid: the segments stay mapped */
    *len = best_len;
    return 1;
}

void lexmerge_free(LexMerge *m) { free(m->at); }
