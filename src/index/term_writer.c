/*
 * term_writer.c: the three term files of a segment (lexicon, postings,
 * positions), written one term at a time in lexicon order, from merged
 * in-memory runs (postings_runs.c) or from merged segments
 * (segment_merge.c). Everything streams to disk as it is encoded: only
 * one term's encoding is held in memory. Layouts: FORMAT.md.
 */
#include "index/writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
    uint32_t max_tf;  /* over the term */
    float max_part;   /* largest bm25_tf_part at the writer's impact parameters */
} TermMax;

static void put_dir_entry(uint8_t *d, uint32_t last, uint32_t end, float part, uint32_t max_tf, uint32_t min_len)
{
    BlockEntry e = {
        .last = last,
        .end = end,
        .max_tf_part = part,
        .max_tf = (uint16_t)(max_tf > BLOCK_ENTRY_CAP ? BLOCK_ENTRY_CAP : max_tf),    /* read as "at least" */
        .min_len = (uint16_t)(min_len > BLOCK_ENTRY_CAP ? BLOCK_ENTRY_CAP : min_len), /* smaller is safe */
    };
    block_entry_put(d, &e);
}

float floats_select_largest(float *v, size_t n, size_t k)
{
    /* Wirth's selection, descending: afterwards v[0..want] >= v[want] >=
     * v[want+1..n) */
    ptrdiff_t l = 0, r = (ptrdiff_t)n - 1, want = (ptrdiff_t)k - 1;
    while (l < r) {
        float x = v[want];
        ptrdiff_t i = l, j = r;
        do {
            while (v[i] > x) i++;
            while (x > v[j]) j--;
            if (i <= j) {
                float t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        } while (i <= j);
        if (j < want) l = i;
        if (want < i) r = j;
    }
    return v[want];
}

/* Buckets of tf-parts by their float's top bits (in order for floats >= 0:
 * parts lie in [0, 1], whose bits stay below 0x3f800001): 8192 of 32 KB,
 * each 1/64 of its values wide. */
#define PART_BUCKET_SHIFT 17
#define PART_BUCKETS 8192

static size_t part_bucket(float p)
{
    uint32_t bits;
    memcpy(&bits, &p, 4);
    bits >>= PART_BUCKET_SHIFT;
    return bits < PART_BUCKETS ? bits : PART_BUCKETS - 1;
}

/* Moves to the front of parts[0..n) those that can be among its k
 * largest, returning how many: a histogram finds the bucket holding the
 * k-th largest, and only the parts of that bucket and above stay. The
 * selection then runs on those, not on the whole list: Wirth's loops
 * branch on every comparison of values in no order, and over every list
 * they were 5% of a one-thread build. The histogram is zero between calls
 * (each part's bucket is cleared as the parts are kept or dropped), so a
 * short list does not pay for clearing 32 KB. */
static size_t keep_top_buckets(float *parts, size_t n, size_t k)
{
    static _Thread_local uint32_t hist[PART_BUCKETS];
    size_t top = 0;
    for (size_t i = 0; i < n; i++) {
        size_t b = part_bucket(parts[i]);
        hist[b]++;
        top = b > top ? b : top;
    }
    size_t b = top + 1, seen = 0;
    while (seen < k) seen += hist[--b];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t pb = part_bucket(parts[i]);
        hist[pb] = 0;
        parts[m] = parts[i];
        m += pb >= b;
    }
    return m;
}

void term_floors(float *parts, size_t df, float floors[TERM_FLOORS])
{
    size_t n = df;
    /* each rank selects within the larger one's best */
    for (size_t r = TERM_FLOORS; r-- > 0;) {
        size_t k = term_floor_rank(r);
        if (k > n) {
            floors[r] = 0.0f;
            continue;
        }
        if (n > 2 * k) n = keep_top_buckets(parts, n, k);
        floors[r] = floats_select_largest(parts, n, k);
        n = k;
    }
}

/* One term's postings: when there are several blocks, the term's floors
 * and the block directory; then the blocks of id gaps and tfs. parts has
 * room for df floats. */
static void encode_term(Buf *out, const uint32_t *ids, const uint32_t *tfs, uint32_t df, const uint32_t *lengths,
                        float avgdl, ImpactParams ip, float *parts, TermMax *tm)
{
    uint32_t nblocks = (df + BLOCK_SIZE - 1) / BLOCK_SIZE;
    size_t floors_at = out->len, dir_len = (size_t)block_dir_bytes(nblocks);
    size_t dir_at = floors_at + (dir_len ? FLOORS_BYTES : 0);
    buf_reserve(out, dir_len);
    out->len += dir_len;
    size_t data_at = out->len;
    uint32_t vals[BLOCK_SIZE];
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
            float p = bm25_tf_part(ip.k1, ip.b, avgdl, tf, lengths[id]);
            parts[lo + i] = p;
            if (p > part) part = p;
            if (tf > bmax) bmax = tf;
            if (lengths[id] < bmin) bmin = lengths[id];
        }
        /* full blocks in the SIMD layout, a term's last partial block plain */
        buf_put_packed(out, vals, n);
        for (uint32_t i = 0; i < n; i++) vals[i] = tfs[lo + i] - 1;
        buf_put_packed(out, vals, n);
        if (dir_len)
            put_dir_entry(out->data + dir_at + (size_t)b * BLOCK_ENTRY_BYTES, ids[lo + n - 1],
                          (uint32_t)(out->len - data_at), part, bmax, bmin);
        if (bmax > tm->max_tf) tm->max_tf = bmax;
        if (part > tm->max_part) tm->max_part = part;
    }
    if (dir_len) {
        float floors[TERM_FLOORS];
        term_floors(parts, df, floors);
        floors_put(out->data + floors_at, floors);
    }
}

/* A capacity of at least want: doubled, so that appends cost O(1) each. */
static size_t grown(size_t cap, size_t want)
{
    cap = cap ? 2 * cap : 1024;
    return cap > want ? cap : want;
}

void term_postings_reserve(TermPostings *p, size_t n, size_t npos)
{
    if (p->n + n > p->cap) {
        p->cap = grown(p->cap, p->n + n);
        p->ids = xrealloc(p->ids, p->cap * sizeof *p->ids);
        p->tfs = xrealloc(p->tfs, p->cap * sizeof *p->tfs);
    }
    if (p->npos + npos > p->pos_cap) {
        p->pos_cap = grown(p->pos_cap, p->npos + npos);
        p->pos = xrealloc(p->pos, p->pos_cap * sizeof *p->pos);
    }
}

uint32_t *term_postings_add(TermPostings *p, uint32_t id, uint32_t tf)
{
    if (p->n == p->cap || p->npos + tf > p->pos_cap) term_postings_reserve(p, 1, tf);
    p->ids[p->n] = id;
    p->tfs[p->n++] = tf;
    p->npos += tf;
    return p->pos + p->npos - tf;
}

void term_postings_free(TermPostings *p)
{
    free(p->ids);
    free(p->tfs);
    free(p->pos);
    memset(p, 0, sizeof *p);
}

/* f emptied, its maxima for impact, none of its files open yet (an abort
 * then closes only those opened). */
static void writer_init(TermWriter *f, const ImpactParams *impact)
{
    memset(f, 0, sizeof *f);
    f->impact = *impact;
    f->lex.fd = f->pool.fd = f->post.fd = f->pos.fd = -1;
}

int term_writer_open(TermWriter *f, const char *dir, const ImpactParams *impact)
{
    writer_init(f, impact);
    if (fileout_open(&f->lex, dir, "lexicon.bin", COUNT_BYTES) != 0 ||
        fileout_open_spill(&f->pool, dir, "lexicon-keys.tmp") != 0 ||
        fileout_open(&f->post, dir, "postings.bin", 0) != 0 ||
        fileout_open(&f->pos, dir, "positions.bin", POSITIONS_HEADER_BYTES) != 0) {
        term_writer_abort(f);
        return -1;
    }
    return 0;
}

int term_writer_open_part(TermWriter *f, const char *dir, unsigned part, const ImpactParams *impact)
{
    writer_init(f, impact);
    char name[4][48];
    const char *what[4] = {"lexicon", "keys", "postings", "positions"};
    for (int i = 0; i < 4; i++) snprintf(name[i], sizeof name[i], "terms-%u-%s.tmp", part, what[i]);
    if (fileout_open_spill(&f->lex, dir, name[0]) != 0 || fileout_open_spill(&f->pool, dir, name[1]) != 0 ||
        fileout_open_spill(&f->post, dir, name[2]) != 0 || fileout_open_spill(&f->pos, dir, name[3]) != 0) {
        term_writer_abort(f);
        return -1;
    }
    return 0;
}

/* part's lexicon entries into w's, their offsets moved past w's postings,
 * positions and keys (read back from part's scratch file). */
static int join_entries(TermWriter *w, TermWriter *part)
{
    fileout_flush(&part->lex);
    if (part->lex.failed) return -1;
    if (w->pool.len + part->pool.len > UINT32_MAX) {
        err_set("the terms' keys pass 4 GB, more than a lexicon holds");
        return -1;
    }
    uint8_t chunk[LEX_ENTRY_BYTES * 1024];
    for (uint64_t at = 0; at < part->lex.len;) {
        size_t want = part->lex.len - at < sizeof chunk ? (size_t)(part->lex.len - at) : sizeof chunk;
        ssize_t n = pread(part->lex.fd, chunk, want, (off_t)at);
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)want) { /* a scratch file of a known size, read at once */
            err_set("cannot read back %s: %s", part->lex.path, n < 0 ? strerror(errno) : "short read");
            return -1;
        }
        for (size_t i = 0; i < want; i += LEX_ENTRY_BYTES) {
            LexEntry e;
            lex_entry_get(chunk + i, &e);
            e.postings_off += w->post.len;
            e.positions_off += w->pos.len;
            e.key_off += (uint32_t)w->pool.len;
            lex_entry_put(chunk + i, &e);
        }
        fileout_write(&w->lex, chunk, want);
        at += want;
    }
    return 0;
}

int term_writer_join(TermWriter *w, TermWriter *part)
{
    int rc = join_entries(w, part);
    /* the entries' offsets above were taken before these grow */
    if (rc == 0) rc = fileout_append_spill(&w->pool, &part->pool);
    if (rc == 0) rc = fileout_append_spill(&w->post, &part->post);
    if (rc == 0) rc = fileout_append_spill(&w->pos, &part->pos);
    if (rc == 0) {
        w->terms += part->terms;
        w->postings += part->postings;
        w->positions += part->positions;
        w->joined++;
    }
    term_writer_abort(part); /* what is left of it: scratch */
    return rc;
}

void term_writer_add(TermWriter *f, const char *key, size_t len, const TermPostings *p, const uint32_t *lengths,
                     float avgdl)
{
    const uint32_t *ids = p->ids, *tfs = p->tfs, *pos = p->pos;
    uint32_t df = (uint32_t)p->n;
    uint64_t post_off = f->post.len, pos_off = POSITIONS_HEADER_BYTES + f->pos.len;
    TermMax tm;
    if (df > f->parts_cap) {
        /* emptied first: a failed allocation jumps out, and an abort of the
         * writer (a key range's, which catches it) frees parts */
        free(f->parts);
        f->parts = NULL;
        f->parts_cap = 0;
        f->parts = xmalloc(df * sizeof *f->parts);
        f->parts_cap = df;
    }
    Buf *b = fileout_buf(&f->post); /* encoded where they are written from */
    size_t before = b->len;
    encode_term(b, ids, tfs, df, lengths, avgdl, f->impact, f->parts, &tm);
    fileout_wrote(&f->post, before);
    b = fileout_buf(&f->pos);
    before = b->len;
    positions_encode_term(b, tfs, pos, df);
    fileout_wrote(&f->pos, before);
    LexEntry entry = {
        .postings_off = post_off,
        .postings_len = (uint32_t)(f->post.len - post_off),
        .df = df,
        .max_tf = tm.max_tf,
        .key_off = (uint32_t)f->pool.len,
        .key_len = (uint32_t)len,
        .max_tf_part = tm.max_part,
        .positions_off = pos_off,
    };
    uint8_t e[LEX_ENTRY_BYTES];
    lex_entry_put(e, &entry);
    fileout_write(&f->lex, e, sizeof e);
    fileout_write(&f->pool, key, len);
    f->terms++;
    f->postings += df;
    for (uint32_t i = 0; i < df; i++) f->positions += tfs[i];
}

static void free_scratch(TermWriter *f)
{
    free(f->parts);
    f->parts = NULL;
    f->parts_cap = 0;
}

void term_writer_abort(TermWriter *f)
{
    free_scratch(f);
    fileout_discard(&f->lex);
    fileout_discard(&f->pool);
    fileout_discard(&f->post);
    fileout_discard(&f->pos);
}

int term_writer_finish(TermWriter *f, uint64_t *bytes)
{
    uint8_t lex_prefix[COUNT_BYTES], pos_prefix[POSITIONS_HEADER_BYTES];
    count_put(lex_prefix, f->terms);
    positions_header_put(pos_prefix, &(PositionsHeader){f->terms, f->positions});
    free_scratch(f);
    int rc = fileout_append_spill(&f->lex, &f->pool);
    if (rc == 0) rc = fileout_close(&f->lex, "LEXI", lex_prefix, bytes);
    if (rc == 0) rc = fileout_close(&f->post, "POST", NULL, bytes);
    if (rc == 0) rc = fileout_close(&f->pos, "POSI", pos_prefix, bytes);
    if (rc != 0) term_writer_abort(f);
    return rc;
}
