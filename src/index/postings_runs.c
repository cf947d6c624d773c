/*
 * postings_runs.c: postings that do not fit in memory.
 *
 * When a worker's in-memory postings reach its share of the memory
 * budget, run_write dumps them to a run file: every key with postings, in
 * lexicon order, followed by its postings exactly as postings_mem.c keeps
 * them (varint passage gaps, tfs and positions). Writing a run is a sort
 * of the keys and a sequential write; nothing is re-encoded.
 *
 * At the end runs_merge reads all runs (a buffer each) and the in-memory
 * remainders side by side, key by key, and hands every key's postings,
 * merged into passage order, to the term writer. Passage ids are global,
 * so a key's postings from different sources never share a passage: the
 * merge only interleaves them, and the segment is the same whatever the
 * memory budget or the number of workers.
 */
#include "index/writer.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_BUFFER (256u << 10)
/* Runs read at once; more are first merged in groups into larger runs,
 * so that the read buffers stay small whatever the number of runs. */
#define FAN_IN 32

/* ---- writing ---- */

/* A key of a MemIndex that has postings, gathered in lexicon order so that
 * the run writer and the merge read keys one after another instead of
 * chasing map entry -> key, term -> record -> postings for each. */
typedef struct {
    const char *key;
    const uint8_t *data;
    size_t len;
    uint32_t klen, df;
} MemKey;

/* A map entry and the first 8 bytes of its key, big-endian and zero-padded:
 * prefixes compare as the keys do (key_cmp) unless they are equal, since
 * keys hold no zero byte (FORMAT.md, "Fields"). */
typedef struct {
    uint64_t prefix;
    uint64_t e;
} SortKey;

static uint64_t key_prefix(const char *key, size_t len)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) v = v << 8 | (i < len ? (uint8_t)key[i] : 0);
    return v;
}

/* LSD radix sort of a[0..n) by prefix, a byte at a time (bytes every key
 * shares are skipped); the result is in a. Stable. */
static void radix_sort(SortKey *a, SortKey *tmp, size_t n)
{
    SortKey *src = a, *dst = tmp;
    for (unsigned shift = 0; shift < 64 && n; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++) count[src[i].prefix >> shift & 255]++;
        if (count[src[0].prefix >> shift & 255] == n) continue;
        for (size_t b = 0, sum = 0; b < 256; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) dst[count[src[i].prefix >> shift & 255]++] = src[i];
        SortKey *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

static int cmp_keys(const void *x, const void *y, void *map)
{
    const SortKey *a = x, *b = y;
    const StrMap *t = map;
    return key_cmp(strmap_key(t, a->e), t->klens[a->e], strmap_key(t, b->e), t->klens[b->e]);
}

/* The entries of m's keys that have postings, in lexicon order: by
 * prefix, then keys sharing one by key_cmp (few: 8 bytes tell most terms
 * apart). A term's id is its entry (memindex_term), so the lists say which
 * to take without touching a key: a run past the memory budget holds a
 * fraction of the vocabulary met so far, and reading every key for every
 * run made bounded-memory builds quadratic in the runs. */
static SortKey *sort_entries(const MemIndex *m, size_t *count)
{
    const StrMap *t = &m->terms;
    size_t n = 0;
    /* room for every entry, in one pass over them: only the n taken are
     * touched */
    SortKey *a = xmalloc((t->n ? t->n : 1) * sizeof *a);
    for (size_t e = 0; e < t->n; e++)
        if (m->lists[t->vals[e]].df) a[n++] = (SortKey){key_prefix(strmap_key(t, e), t->klens[e]), e};
    SortKey *tmp = xmalloc((n ? n : 1) * sizeof *tmp);
    radix_sort(a, tmp, n);
    free(tmp);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && a[j].prefix == a[i].prefix;) j++;
        if (j - i > 1) qsort_r(a + i, j - i, sizeof *a, cmp_keys, (void *)t);
    }
    *count = n;
    return a;
}

/* The keys that have postings, in lexicon order. The look-ups of an entry
 * (its value, then its term's record) miss the cache: they are fetched
 * ahead, AHEAD entries for the value and half that for the record. */
#define AHEAD 16
static MemKey *sorted_terms(MemIndex *m, size_t *n)
{
    memindex_flush(m); /* every record in its list */
    const StrMap *t = &m->terms;
    size_t count;
    SortKey *order = sort_entries(m, &count);
    MemKey *keys = xmalloc((count ? count : 1) * sizeof *keys);
    for (size_t i = 0; i < count; i++) {
        if (i + AHEAD < count) __builtin_prefetch(&t->vals[order[i + AHEAD].e]);
        if (i + AHEAD / 2 < count) __builtin_prefetch(&m->lists[t->vals[order[i + AHEAD / 2].e]]);
        size_t e = order[i].e;
        const MemPostings *p = &m->lists[t->vals[e]];
        keys[i] = (MemKey){strmap_key(t, e), p->data.data, p->data.len, t->klens[e], p->df};
    }
    *n = count;
    free(order);
    return keys;
}

/* A run being written: its records, and every RUN_SAMPLE_BYTES the key
 * and offset of the record there, for the index at its end, which lets a
 * merge of a key range start reading near the range (FORMAT.md, "Scratch
 * files"). */
#define RUN_SAMPLE_BYTES (4u << 10)
#define RUN_TRAILER_BYTES 16

typedef struct {
    FileOut f;
    Buf head, index;
    uint64_t next_sample, samples;
} RunWriter;

static int run_writer_open(RunWriter *w, const char *dir, const char *name)
{
    memset(w, 0, sizeof *w);
    return fileout_open_spill(&w->f, dir, name);
}

/* One key's record. */
static void run_writer_put(RunWriter *w, const char *key, size_t klen, uint64_t df, const void *data, size_t len)
{
    if (w->f.len >= w->next_sample) {
        buf_put_varint(&w->index, klen);
        buf_append(&w->index, key, klen);
        buf_put_varint(&w->index, w->f.len);
        w->samples++;
        w->next_sample = w->f.len + RUN_SAMPLE_BYTES;
    }
    Buf *head = &w->head;
    head->len = 0;
    buf_put_varint(head, klen);
    buf_append(head, key, klen);
    buf_put_varint(head, df);
    buf_put_varint(head, len);
    fileout_write(&w->f, head->data, head->len);
    fileout_write(&w->f, data, len);
}

/* The index and the trailer written, the file closed and kept (adding its
 * size to *bytes), or removed. */
static int run_writer_finish(RunWriter *w, int ok, uint64_t *bytes)
{
    uint8_t trailer[RUN_TRAILER_BYTES];
    wr_u64(trailer, w->f.len);
    wr_u64(trailer + 8, w->samples);
    fileout_write(&w->f, w->index.data, w->index.len);
    fileout_write(&w->f, trailer, sizeof trailer);
    buf_free(&w->head);
    buf_free(&w->index);
    if (!ok) {
        fileout_discard(&w->f);
        return -1;
    }
    if (bytes) *bytes += w->f.len;
    return fileout_finish_spill(&w->f);
}

int run_write(MemIndex *m, const char *dir, const char *name, uint64_t *bytes)
{
    RunWriter w;
    if (run_writer_open(&w, dir, name) != 0) return -1;
    size_t n;
    MemKey *keys = sorted_terms(m, &n);
    for (size_t i = 0; i < n; i++) run_writer_put(&w, keys[i].key, keys[i].klen, keys[i].df, keys[i].data, keys[i].len);
    free(keys);
    memindex_clear_postings(m);
    return run_writer_finish(&w, 1, bytes);
}

/* ---- reading ---- */

/* A run file or an in-memory index, read key by key. */
typedef struct {
    /* the current key and its postings */
    const char *key;
    size_t klen;
    const uint8_t *data;
    size_t len;
    uint32_t df;
    int done;
    /* the key range read: keys from lo (NULL: the first) to before hi
     * (NULL: to the last) */
    const char *lo, *hi;
    size_t lolen, hilen;
    /* a run file */
    const char *path;
    int fd;
    uint8_t *buf;
    size_t at, end;
    uint64_t fpos, limit; /* the file's offset read up to; where its records end */
    Buf kbuf, dbuf;
    /* an in-memory index */
    const MemIndex *m;
    const MemKey *keys;
    size_t n, next;
    const uint32_t *lengths; /* the passages' lengths, when writing terms: fetched ahead */
} Source;

/* A run's index: its samples' keys and record offsets, in key order. */
typedef struct {
    Buf keys;
    size_t *koff;
    uint32_t *klen;
    uint64_t *off;
    size_t n;
    uint64_t end; /* where the records end and the index begins */
} RunIndex;

static int run_damaged(const char *path) { return file_corrupt(NULL, path, "a run this build wrote is damaged"); }

static int run_corrupt(const Source *s) { return run_damaged(s->path); }

/* Makes at least one unread byte available; 0 at the end of the file. */
static int refill(Source *s)
{
    if (s->at < s->end) return 1;
    if (s->fpos >= s->limit) return 0;
    for (;;) {
        size_t want = s->limit - s->fpos < READ_BUFFER ? (size_t)(s->limit - s->fpos) : READ_BUFFER;
        ssize_t n = pread(s->fd, s->buf, want, (off_t)s->fpos);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            err_set("cannot read %s: %s", s->path, strerror(errno));
            return -1;
        }
        if (n == 0) return run_corrupt(s); /* the trailer said there was more */
        s->at = 0;
        s->end = (size_t)n;
        s->fpos += (uint64_t)n;
        return 1;
    }
}

static int read_varint(Source *s, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        int r = refill(s);
        if (r <= 0) return r < 0 ? -1 : run_corrupt(s);
        uint8_t c = s->buf[s->at++];
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return 0;
    }
    return run_corrupt(s);
}

static int read_bytes(Source *s, Buf *out, uint64_t n)
{
    out->len = 0;
    buf_reserve(out, n);
    while (out->len < n) {
        int r = refill(s);
        if (r <= 0) return r < 0 ? -1 : run_corrupt(s);
        size_t take = s->end - s->at < n - out->len ? s->end - s->at : n - out->len;
        memcpy(out->data + out->len, s->buf + s->at, take);
        out->len += take;
        s->at += take;
    }
    return 0;
}

/* The lengths of k's first passages, which the term writer reads for
 * their tf-parts: a rare term's few passages lie anywhere in the lengths
 * (4 MB for 1M passages), and perf put two thirds of encode_term's time on
 * those loads. k's bytes were fetched AHEAD / 2 keys ago; a posting there
 * is a gap (the first is pid + 1), a tf and tf positions (postings_mem.c),
 * so the first few passages are found by reading a few varints. */
#define LENGTHS_AHEAD 4
static void prefetch_lengths(const Source *s, const MemKey *k)
{
    const uint8_t *q = k->data, *end = q + k->len;
    uint64_t pid = UINT64_MAX;
    for (uint32_t i = 0; i < k->df && i < LENGTHS_AHEAD; i++) {
        uint64_t gap, tf, pos;
        size_t n = rd_varint(q, end, &gap);
        if (!n || !gap) return;
        q += n;
        pid += gap;
        __builtin_prefetch(&s->lengths[pid]);
        if (i + 1 == k->df || i + 1 == LENGTHS_AHEAD || !(n = rd_varint(q, end, &tf)) || tf > (uint64_t)(end - q)) return;
        for (q += n; tf--; q += n)
            if (!(n = rd_varint(q, end, &pos))) return;
    }
}

static int next_key(Source *s);

/* Moves to the next key: 0, or 1 with done set at the end (of the source
 * or of its range), or -1. */
static int source_next(Source *s)
{
    int r = next_key(s);
    if (r == 0 && s->hi && key_cmp(s->key, s->klen, s->hi, s->hilen) >= 0) return s->done = 1;
    return r;
}

static int next_key(Source *s)
{
    if (s->m) {
        if (s->next == s->n) return s->done = 1;
        if (s->next + AHEAD < s->n) { /* random addresses: the lexicon order is not the map's */
            __builtin_prefetch(s->keys[s->next + AHEAD].data);
            __builtin_prefetch(s->keys[s->next + AHEAD].key);
        }
        if (s->lengths && s->next + AHEAD / 2 < s->n) prefetch_lengths(s, &s->keys[s->next + AHEAD / 2]);
        const MemKey *k = &s->keys[s->next++];
        s->key = k->key;
        s->klen = k->klen;
        s->data = k->data;
        s->len = k->len;
        s->df = k->df;
        return 0;
    }
    int r = refill(s);
    if (r <= 0) return r < 0 ? -1 : (s->done = 1);
    uint64_t klen, df, len;
    if (read_varint(s, &klen) || klen == 0 || klen > FIELD_KEY_MAX || read_bytes(s, &s->kbuf, klen) ||
        read_varint(s, &df) || df == 0 || df > UINT32_MAX || read_varint(s, &len) || len < 3 * df ||
        read_bytes(s, &s->dbuf, len))
        return err_msg()[0] ? -1 : run_corrupt(s);
    s->key = (const char *)s->kbuf.data;
    s->klen = klen;
    s->df = (uint32_t)df;
    s->data = s->dbuf.data;
    s->len = len;
    return 0;
}

static void run_index_free(RunIndex *x)
{
    buf_free(&x->keys);
    free(x->koff);
    free(x->klen);
    free(x->off);
    memset(x, 0, sizeof *x);
}

/* The index at the end of the run open on fd (run_writer_finish), checked:
 * every length is read against what is left of the file. */
static int run_index_read(int fd, const char *path, RunIndex *x)
{
    memset(x, 0, sizeof *x);
    struct stat st;
    uint8_t t[RUN_TRAILER_BYTES];
    if (fstat(fd, &st) != 0 || st.st_size < RUN_TRAILER_BYTES ||
        pread(fd, t, sizeof t, st.st_size - RUN_TRAILER_BYTES) != (ssize_t)sizeof t)
        return run_damaged(path);
    uint64_t size = (uint64_t)st.st_size - RUN_TRAILER_BYTES, end = rd_u64(t), n = rd_u64(t + 8);
    if (end > size || n > size - end) return run_damaged(path);
    Buf raw = {0};
    buf_reserve(&raw, size - end + 1);
    if (pread(fd, raw.data, size - end, (off_t)end) != (ssize_t)(size - end)) {
        buf_free(&raw);
        return run_damaged(path);
    }
    x->end = end;
    x->koff = xmalloc((n ? n : 1) * sizeof *x->koff);
    x->klen = xmalloc((n ? n : 1) * sizeof *x->klen);
    x->off = xmalloc((n ? n : 1) * sizeof *x->off);
    const uint8_t *q = raw.data, *stop = raw.data + (size - end);
    for (; x->n < n; x->n++) {
        uint64_t klen, off;
        size_t m = rd_varint(q, stop, &klen);
        if (!m || klen == 0 || klen > FIELD_KEY_MAX || klen > (uint64_t)(stop - q - m)) break;
        x->koff[x->n] = x->keys.len;
        x->klen[x->n] = (uint32_t)klen;
        buf_append(&x->keys, q + m, klen);
        q += m + klen;
        if (!(m = rd_varint(q, stop, &off)) || off >= end || (x->n && off <= x->off[x->n - 1])) break;
        x->off[x->n] = off;
        q += m;
    }
    buf_free(&raw);
    if (x->n != n || q != stop) {
        run_index_free(x);
        return run_damaged(path);
    }
    return 0;
}

static const char *sample_key(const RunIndex *x, size_t i) { return (const char *)x->keys.data + x->koff[i]; }

/* The indexes of runs[0..n) into ix, read once for every source opened on
 * them; -1 (none kept) when one cannot be read. */
static int run_indexes_read(const char *const *runs, size_t n, RunIndex *ix)
{
    for (size_t i = 0; i < n; i++) {
        int fd = open(runs[i], O_RDONLY | O_CLOEXEC);
        int rc = fd < 0 ? (err_set("cannot open %s: %s", runs[i], strerror(errno)), -1) : run_index_read(fd, runs[i], &ix[i]);
        if (fd >= 0) close(fd);
        if (rc != 0) {
            while (i--) run_index_free(&ix[i]);
            return -1;
        }
    }
    return 0;
}

/* Opens a run, whose index is x, to read the keys of [lo, hi) (NULL: no
 * bound): from the last sample at or before lo, skipping the keys before
 * it. */
static int source_open_run(Source *s, const char *path, const RunIndex *x, const char *lo, size_t lolen,
                           const char *hi, size_t hilen)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->lo = lo, s->lolen = lolen, s->hi = hi, s->hilen = hilen;
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        err_set("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    s->limit = x->end;
    for (size_t i = 0; lo && i < x->n && key_cmp(sample_key(x, i), x->klen[i], lo, lolen) <= 0; i++) s->fpos = x->off[i];
    s->buf = xmalloc(READ_BUFFER);
    int r;
    do {
        r = source_next(s);
    } while (r == 0 && lo && key_cmp(s->key, s->klen, lo, lolen) < 0);
    return r < 0 ? -1 : 0;
}

/* Reads the keys of [lo, hi) of keys[0..n), an in-memory index's in
 * lexicon order (sorted_terms). */
static void source_open_mem(Source *s, MemIndex *m, const MemKey *keys, size_t n, const uint32_t *lengths,
                            const char *lo, size_t lolen, const char *hi, size_t hilen)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->m = m;
    s->lengths = lengths;
    s->lo = lo, s->lolen = lolen, s->hi = hi, s->hilen = hilen;
    size_t a = 0, b = n; /* the first key at or after lo */
    while (lo && a < b) {
        size_t mid = a + (b - a) / 2;
        if (key_cmp(keys[mid].key, keys[mid].klen, lo, lolen) < 0) a = mid + 1;
        else b = mid;
    }
    s->keys = keys;
    s->next = a;
    s->n = n;
    source_next(s);
}

static void source_close(Source *s)
{
    if (s->fd >= 0) close(s->fd);
    free(s->buf);
    buf_free(&s->kbuf);
    buf_free(&s->dbuf);
}

/* ---- merging ---- */

/* One source's postings of the current key, decoded a posting at a time. */
typedef struct {
    const uint8_t *q, *end;
    uint32_t left, pid, tf;
} RunCursor;

static inline int get_varint(RunCursor *c, uint32_t *v)
{
    if (c->q < c->end && *c->q < 0x80) { /* one byte: most gaps, tfs and positions */
        *v = *c->q++;
        return 0;
    }
    if (c->end - c->q >= 2 && c->q[1] < 0x80) { /* two: most other gaps */
        *v = (uint32_t)(c->q[0] & 0x7f) | (uint32_t)c->q[1] << 7;
        c->q += 2;
        return 0;
    }
    uint64_t x;
    size_t n = rd_varint(c->q, c->end, &x);
    if (!n || x > UINT32_MAX) return -1;
    c->q += n;
    *v = (uint32_t)x;
    return 0;
}

/* Reads the next posting's passage and tf (the first gap is pid + 1);
 * its positions follow at c->q. 1 when there is none left. */
static inline int run_cursor_next(RunCursor *c, int first)
{
    if (!c->left) return 1;
    uint32_t gap;
    if (get_varint(c, &gap) || get_varint(c, &c->tf) || gap == 0 || c->tf == 0) return -1;
    c->pid = first ? gap - 1 : c->pid + gap;
    c->left--;
    return 0;
}

/* Room in g for tf more positions. Grown as they come rather than to the
 * bound their bytes set (up to four times what they take: a merge in a
 * memory budget holds one term's postings beyond it, and the most frequent
 * term's would have grown the peak). */
static inline void position_room(TermPostings *g, uint32_t tf)
{
    if (tf > g->pos_cap - g->npos) term_postings_reserve(g, 0, tf);
}

/* Appends a posting's tf positions, read from c (gaps, the first one
 * absolute), to g. */
static inline int take_positions(TermPostings *g, RunCursor *c, uint32_t tf)
{
    position_room(g, tf);
    uint32_t *pos = g->pos + g->npos, v, prev = 0;
    g->npos += tf;
    for (uint32_t j = 0; j < tf; j++) {
        if (get_varint(c, &v)) return -1;
        pos[j] = prev += v;
    }
    return 0;
}

/* Appends the cursor's current posting and its positions to g, which
 * has room for every posting of the key; room bounds its positions. */
static inline int take(TermPostings *g, RunCursor *c, size_t room)
{
    if ((g->n && c->pid <= g->ids[g->n - 1]) || c->tf > room - g->npos) return -1;
    g->ids[g->n] = c->pid;
    g->tfs[g->n++] = c->tf;
    return take_positions(g, c, c->tf);
}

/* The postings of a key only one source has (with one worker and no
 * runs, every key): decoded straight into g, which is given room for
 * them all at once. Each position takes at least a byte of the source's
 * len and each posting two more, which bounds the positions (room). The
 * checks are take()'s and run_cursor_next()'s. */
static int decode_key(TermPostings *g, const Source *s)
{
    if (s->len < 2 * (size_t)s->df) return -1;
    term_postings_reserve(g, s->df, 0);
    RunCursor c = {s->data, s->data + s->len, s->df, 0, 0};
    uint32_t *ids = g->ids, *tfs = g->tfs;
    size_t room = s->len - 2 * (size_t)s->df;
    uint64_t pid = UINT64_MAX; /* the first gap is pid + 1 */
    for (uint32_t i = 0; i < s->df; i++) {
        uint32_t gap, tf;
        if (get_varint(&c, &gap) || get_varint(&c, &tf) || gap == 0 || tf == 0 || tf > room - g->npos) return -1;
        pid += gap;
        if (pid > UINT32_MAX) return -1;
        ids[i] = (uint32_t)pid;
        tfs[i] = tf;
        if (take_positions(g, &c, tf)) return -1;
    }
    if (c.q != c.end) return -1;
    g->n = s->df;
    return 0;
}

/* The postings of the sources in[0..k) for one key, in passage order. */
static int merge_key(TermPostings *g, Source *const *in, size_t k, RunCursor *cur)
{
    term_postings_clear(g);
    if (k == 1) return decode_key(g, in[0]);
    /* room for all: each position takes at least a byte, each posting two more */
    size_t live = 0, df = 0, room = 0;
    for (size_t i = 0; i < k; i++) {
        if (in[i]->len < 2 * (size_t)in[i]->df) return -1;
        df += in[i]->df;
        room += in[i]->len - 2 * (size_t)in[i]->df;
    }
    term_postings_reserve(g, df, 0);
    for (size_t i = 0; i < k; i++) {
        cur[i] = (RunCursor){in[i]->data, in[i]->data + in[i]->len, in[i]->df, 0, 0};
        int r = run_cursor_next(&cur[i], 1);
        if (r < 0) return -1;
        if (r == 0) cur[live++] = cur[i];
    }
    /* Sources hold runs of consecutive passages (a worker's batches, and
     * its runs one after another), so the source with the least passage
     * keeps it for as long as it stays below every other's: one scan of
     * the sources per stretch, not per posting. */
    while (live) {
        size_t best = 0;
        uint32_t next = UINT32_MAX; /* the least passage of the others */
        for (size_t i = 1; i < live; i++) {
            if (cur[i].pid < cur[best].pid) {
                next = cur[best].pid;
                best = i;
            } else if (cur[i].pid < next) {
                next = cur[i].pid;
            }
        }
        int r;
        do {
            if (take(g, &cur[best], room) != 0) return -1;
            r = run_cursor_next(&cur[best], 0);
        } while (r == 0 && cur[best].pid < next);
        if (r < 0) return -1;
        if (r == 1) {
            if (cur[best].q != cur[best].end) return -1;
            cur[best] = cur[--live];
        }
    }
    return 0;
}

typedef int (*key_fn)(void *ctx, const char *key, size_t klen, const TermPostings *g);

/* Every key of the sources in lexicon order, its postings merged, to out. */
static int merge_sources(Source *src, size_t n, key_fn out, void *ctx)
{
    Source **at = xmalloc((n ? n : 1) * sizeof *at);
    RunCursor *cur = xmalloc((n ? n : 1) * sizeof *cur);
    TermPostings g = {0};
    int rc = 0;
    while (rc == 0) {
        /* the smallest current key, and every source at it */
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (src[i].done) continue;
            int c = k ? key_cmp(src[i].key, src[i].klen, at[0]->key, at[0]->klen) : -1;
            if (c < 0) k = 0;
            if (c <= 0) at[k++] = &src[i];
        }
        if (!k) break;
        if (merge_key(&g, at, k, cur) != 0) {
            rc = at[0]->m ? (err_set("indexer postings are inconsistent"), -1) : run_corrupt(at[0]);
            break;
        }
        rc = out(ctx, at[0]->key, at[0]->klen, &g);
        for (size_t i = 0; i < k && rc == 0; i++) rc = source_next(at[i]) < 0 ? -1 : 0;
    }
    term_postings_free(&g);
    free(at);
    free(cur);
    return rc;
}

typedef struct {
    TermWriter *w;
    const uint32_t *lengths;
    float avgdl;
} ToTerms;

static int to_terms(void *ctx, const char *key, size_t klen, const TermPostings *g)
{
    ToTerms *t = ctx;
    term_writer_add(t->w, key, klen, g, t->lengths, t->avgdl);
    return 0;
}

typedef struct {
    RunWriter w;
    Buf rec;
} ToRun;

/* A merged key back in the run format (postings_mem.c's encoding). */
static int to_run(void *ctx, const char *key, size_t klen, const TermPostings *g)
{
    ToRun *t = ctx;
    t->rec.len = 0;
    const uint32_t *pos = g->pos;
    for (size_t i = 0; i < g->n; i++) {
        buf_put_varint(&t->rec, i ? g->ids[i] - g->ids[i - 1] : g->ids[i] + 1);
        buf_put_varint(&t->rec, g->tfs[i]);
        for (uint32_t j = 0, prev = 0; j < g->tfs[i]; prev = pos[j++]) buf_put_varint(&t->rec, pos[j] - prev);
        pos += g->tfs[i];
    }
    run_writer_put(&t->w, key, klen, g->n, t->rec.data, t->rec.len);
    return t->w.f.failed ? -1 : 0;
}

static int open_runs(Source *src, const char *const *runs, const RunIndex *ix, size_t n, const char *lo, size_t lolen,
                     const char *hi, size_t hilen)
{
    for (size_t i = 0; i < n; i++) {
        if (source_open_run(&src[i], runs[i], &ix[i], lo, lolen, hi, hilen) != 0) {
            for (size_t j = 0; j <= i; j++) source_close(&src[j]);
            return -1;
        }
    }
    return 0;
}

/* runs[0..n) -> one run at dir/name; the inputs are removed. */
static int merge_group(const char *const *runs, size_t n, const char *dir, const char *name)
{
    Source src[FAN_IN];
    RunIndex ix[FAN_IN];
    if (run_indexes_read(runs, n, ix) != 0) return -1;
    int opened = open_runs(src, runs, ix, n, NULL, 0, NULL, 0);
    for (size_t i = 0; i < n; i++) run_index_free(&ix[i]);
    if (opened != 0) return -1;
    ToRun t = {0};
    int rc = run_writer_open(&t.w, dir, name);
    if (rc == 0) {
        rc = merge_sources(src, n, to_run, &t);
        rc = run_writer_finish(&t.w, rc == 0, NULL);
    }
    buf_free(&t.rec);
    for (size_t i = 0; i < n; i++) {
        source_close(&src[i]);
        unlink(runs[i]);
    }
    return rc;
}

/* ---- the final merge, in key ranges written in parallel ---- */

/* A key where the merge may be cut, and the bytes of postings its source
 * holds between the cut before it and it. */
typedef struct {
    const char *key;
    uint32_t klen;
    uint64_t bytes;
} Cut;

static int cut_cmp(const void *a, const void *b)
{
    const Cut *x = a, *y = b;
    return key_cmp(x->key, x->klen, y->key, y->klen);
}

/* One key range of the final merge: its sources, and the writer of its
 * part of the term files. */
typedef struct {
    Source *src;
    size_t n;
    TermWriter *w;
    const uint32_t *lengths;
    float avgdl;
    int rc;
    char err[512];
    pthread_t thread;
    int started;
} Range;

static void *range_merge(void *arg)
{
    Range *r = arg;
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) {
        r->rc = -1;
        snprintf(r->err, sizeof r->err, "%s", err_msg());
        return NULL;
    }
    ToTerms t = {r->w, r->lengths, r->avgdl};
    r->rc = merge_sources(r->src, r->n, to_terms, &t);
    if (r->rc) snprintf(r->err, sizeof r->err, "%s", err_msg());
    oom_leave(&g);
    return NULL;
}

#define MEM_CUTS 256 /* an in-memory index's cuts: one every ~1/256th of its bytes */

/* Where to cut the keys into nparts ranges of about equal postings bytes:
 * cut[i] starts range i + 1 (every key from it on). From the runs'
 * indexes and every ~1/256th of each in-memory index's bytes. Keys are
 * pointers into those, which the caller keeps. Returns the ranges made
 * (fewer when there are too few cuts). */
static size_t choose_cuts(RunIndex *ix, size_t nruns, MemKey *const *mk, const size_t *mn, size_t nmems,
                          size_t nparts, Cut *out)
{
    /* each cut of an in-memory index takes step > bytes / MEM_CUTS of
     * them: fewer than MEM_CUTS */
    size_t n = 0, cap = MEM_CUTS * nmems;
    for (size_t i = 0; i < nruns; i++) cap += ix[i].n;
    Cut *c = xmalloc((cap ? cap : 1) * sizeof *c);
    uint64_t total = 0;
    for (size_t i = 0; i < nruns; i++) {
        for (size_t j = 0; j < ix[i].n; j++)
            c[n++] = (Cut){sample_key(&ix[i], j), ix[i].klen[j], j ? ix[i].off[j] - ix[i].off[j - 1] : 0};
        total += ix[i].end;
    }
    for (size_t i = 0; i < nmems; i++) {
        uint64_t bytes = 0, step = 0, since = 0;
        for (size_t j = 0; j < mn[i]; j++) bytes += mk[i][j].len + mk[i][j].klen;
        step = bytes / MEM_CUTS + 1;
        total += bytes;
        for (size_t j = 0; j < mn[i]; j++) {
            if (since >= step) {
                assert(n < cap);
                c[n++] = (Cut){mk[i][j].key, mk[i][j].klen, since};
                since = 0;
            }
            since += mk[i][j].len + mk[i][j].klen;
        }
    }
    qsort(c, n, sizeof *c, cut_cmp);
    size_t made = 1;
    uint64_t sum = 0;
    for (size_t i = 0; i < n && made < nparts; i++) {
        sum += c[i].bytes;
        if (sum < total / nparts * made) continue;
        if (made > 1 && !cut_cmp(&out[made - 2], &c[i])) continue; /* the same cut twice: an empty range */
        out[made++ - 1] = c[i];
    }
    free(c);
    return made;
}

/* Opens range i's sources: every run and in-memory index, read from
 * cut[i - 1] to before cut[i]. */
static int open_range(Range *r, size_t i, size_t nranges, const Cut *cut, const char *const *runs, const RunIndex *ix,
                      size_t nruns, MemIndex *const *mems, MemKey *const *mk, const size_t *mn, size_t nmems,
                      const uint32_t *lengths)
{
    const char *lo = i ? cut[i - 1].key : NULL, *hi = i + 1 < nranges ? cut[i].key : NULL;
    size_t lolen = i ? cut[i - 1].klen : 0, hilen = i + 1 < nranges ? cut[i].klen : 0;
    r->n = nruns + nmems;
    r->src = xcalloc(r->n ? r->n : 1, sizeof *r->src);
    for (size_t j = 0; j < r->n; j++) r->src[j].fd = -1;
    if (open_runs(r->src, runs, ix, nruns, lo, lolen, hi, hilen) != 0) {
        r->n = 0; /* open_runs closed them */
        return -1;
    }
    for (size_t j = 0; j < nmems; j++)
        source_open_mem(&r->src[nruns + j], mems[j], mk[j], mn[j], lengths, lo, lolen, hi, hilen);
    return 0;
}

/* The ranges merged, the first on this thread and each other on one of its
 * own, into their writers. */
static int merge_ranges(Range *rg, size_t n)
{
    for (size_t i = 1; i < n; i++) rg[i].started = pthread_create(&rg[i].thread, NULL, range_merge, &rg[i]) == 0;
    range_merge(&rg[0]);
    int rc = rg[0].rc;
    if (rc) err_set("%s", rg[0].err);
    for (size_t i = 1; i < n; i++) {
        if (rg[i].started) pthread_join(rg[i].thread, NULL);
        else range_merge(&rg[i]); /* no thread to be had: here, after the first */
        if (rg[i].rc && !rc) {
            rc = -1;
            err_set("%s", rg[i].err);
        }
    }
    return rc;
}

#define MAX_RANGES 64

/* Every key of runs and mems into w, in up to `threads` key ranges merged
 * at once, each written apart and joined in order (term_writer_join): the
 * files are the same for any number of ranges. */
static int merge_final(const char *const *runs, size_t nruns, MemIndex *const *mems, size_t nmems, const char *dir,
                       TermWriter *w, const uint32_t *lengths, float avgdl, int threads)
{
    size_t want = threads < 1 ? 1 : threads > MAX_RANGES ? MAX_RANGES : (size_t)threads;
    MemKey **mk = xcalloc(nmems ? nmems : 1, sizeof *mk);
    size_t *mn = xcalloc(nmems ? nmems : 1, sizeof *mn);
    RunIndex *ix = xcalloc(nruns ? nruns : 1, sizeof *ix);
    Cut cut[MAX_RANGES];
    Range rg[MAX_RANGES];
    TermWriter part[MAX_RANGES];
    memset(rg, 0, sizeof rg);
    size_t nranges = 0, opened = 0, parts = 0;
    for (size_t i = 0; i < nmems; i++) mk[i] = sorted_terms(mems[i], &mn[i]);
    int rc = run_indexes_read(runs, nruns, ix);
    if (rc == 0) nranges = want > 1 ? choose_cuts(ix, nruns, mk, mn, nmems, want, cut) : 1;
    for (size_t i = 0; rc == 0 && i < nranges; i++, opened++) {
        rg[i].lengths = lengths;
        rg[i].avgdl = avgdl;
        rg[i].w = i ? &part[i] : w;
        if (i && term_writer_open_part(&part[i], dir, (unsigned)i, &w->impact) != 0) rc = -1;
        else parts += i > 0;
        if (rc == 0) rc = open_range(&rg[i], i, nranges, cut, runs, ix, nruns, mems, mk, mn, nmems, lengths);
    }
    if (rc == 0) rc = merge_ranges(rg, nranges);
    for (size_t i = 1; i <= parts; i++) {
        if (rc == 0) rc = term_writer_join(w, &part[i]);
        else term_writer_abort(&part[i]);
    }
    for (size_t i = 0; i < opened; i++) {
        for (size_t j = 0; j < rg[i].n; j++) source_close(&rg[i].src[j]);
        free(rg[i].src);
    }
    for (size_t i = 0; i < nmems; i++) free(mk[i]);
    for (size_t i = 0; i < nruns; i++) run_index_free(&ix[i]);
    free(mk);
    free(mn);
    free(ix);
    return rc;
}

int runs_merge(const char *const *runs, size_t nruns, MemIndex *const *mems, size_t nmems, const char *dir,
               TermWriter *w, const uint32_t *lengths, float avgdl, int threads)
{
    /* too many runs: merge the oldest in groups until few enough are left */
    char **list = xmalloc((2 * nruns + 1) * sizeof *list); /* each group adds one */
    size_t first = 0, end = 0, made = 0;
    for (size_t i = 0; i < nruns; i++) list[end++] = xstrdup(runs[i]);
    int rc = 0;
    while (rc == 0 && end - first >= 2 && end - first + nmems > FAN_IN) {
        char name[64];
        /* a group of k turns k sources into one: just enough of them, so
         * that no run is rewritten twice when one group would do (with
         * 62 runs, merging 32 and then the 31 left rewrote every byte) */
        size_t k = end - first + nmems - FAN_IN + 1;
        if (k > FAN_IN) k = FAN_IN;
        if (k > end - first) k = end - first;
        snprintf(name, sizeof name, "run-merged-%zu.tmp", made++);
        rc = merge_group((const char *const *)list + first, k, dir, name);
        first += k;
        size_t n = strlen(dir) + strlen(name) + 2;
        list[end] = xmalloc(n);
        snprintf(list[end++], n, "%s/%s", dir, name);
    }
    if (rc == 0) rc = merge_final((const char *const *)list + first, end - first, mems, nmems, dir, w, lengths, avgdl,
                                  threads);
    for (size_t i = 0; i < end; i++) {
        unlink(list[i]); /* the segment keeps none of them */
        free(list[i]);
    }
    free(list);
    return rc;
}
