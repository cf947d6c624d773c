/*
 * postings_mem.c: postings accumulated in memory while indexing.
 *
 * Each term owns a growable buffer holding, per passage, the varint passage
 * gap, the tf and the tf positions (first absolute, then gaps): a few bytes
 * a posting, appended without any per-token allocation. While a passage is
 * being added its terms are listed (touched) and their occurrences
 * chained per term through two reused arrays (tok_pos/tok_next); the
 * record is written when the passage ends, so each term's buffer is
 * touched once per passage. Which terms the passage has so far is kept in
 * a small table of its own (seen), not in the terms' records: with
 * millions of terms those are spread over far more memory than the
 * caches hold, and each token would wait on one; now only the passage's
 * end reads them, each once, after prefetching them all.
 *
 * Most terms are rare, and most buffers tiny: they are cut from slabs in
 * power-of-two sizes from 16 bytes (a buffer of malloc's takes 80 at the
 * least, counting its header and the 64 bytes Buf starts with), and a
 * buffer that outgrows its chunk leaves the chunk on a free list for the
 * next one. Past SMALL_MAX bytes they are malloc's, grown by realloc.
 *
 * The first terms met (which are most of the frequent ones: up to 65536,
 * as many as the bytes memindex_stage is given allow) write their records
 * into a cache line of their own first, all of them in at most 4 MB, and
 * move them to their list when the line is full: a passage's
 * records would otherwise land at the ends of a few dozen lists spread
 * over hundreds of megabytes, a TLB miss each on the (virtual) machines we
 * measure on.
 */
#include "index/writer.h"

#include <stdlib.h>

#define SMALL_MIN 16
#define SMALL_MAX (SMALL_MIN << (SMALL_CLASSES - 1)) /* 2 KB */
#define SLAB_BYTES ((size_t)2 << 20)                 /* a huge page */

static unsigned small_class(size_t cap) { return (unsigned)__builtin_ctzll(cap / SMALL_MIN); }

static uint8_t *small_get(SmallChunks *a, size_t cap)
{
    void **head = &a->free_list[small_class(cap)];
    if (*head) {
        uint8_t *p = *head;
        memcpy(head, p, sizeof *head);
        return p;
    }
    if ((size_t)(a->end - a->at) < cap) { /* slabs' sizes are multiples of every class */
        if (a->used == a->nslabs) {
            a->slabs = xrealloc(a->slabs, (a->nslabs + 1) * sizeof *a->slabs);
            uint8_t *slab = xaligned_alloc(64, SLAB_BYTES); /* counted once it is there to free */
            a->slabs[a->nslabs++] = slab;
        }
        a->at = a->slabs[a->used++];
        a->end = a->at + SLAB_BYTES;
    }
    uint8_t *p = a->at;
    a->at += cap;
    return p;
}

static void small_put(SmallChunks *a, uint8_t *p, size_t cap)
{
    void **head = &a->free_list[small_class(cap)];
    memcpy(p, head, sizeof *head);
    *head = p;
}

/* Every chunk free again; the slabs are kept, their pages already mapped. */
static void small_reset(SmallChunks *a)
{
    memset(a->free_list, 0, sizeof a->free_list);
    a->used = 0;
    a->at = a->end = NULL;
}

static void small_free(SmallChunks *a)
{
    for (size_t i = 0; i < a->nslabs; i++) free(a->slabs[i]);
    free(a->slabs);
    memset(a, 0, sizeof *a);
}

#define STAGE_TERMS_MAX ((size_t)1 << 16)
#define STAGE_LINE 64 /* a line: byte 0 its length, then up to 63 bytes of records */

void memindex_stage(MemIndex *m, size_t bytes)
{
    size_t n = bytes / STAGE_LINE;
    m->stage_terms = (uint32_t)(n < STAGE_TERMS_MAX ? n : STAGE_TERMS_MAX);
}

static inline uint8_t *stage_line(const MemIndex *m, uint32_t t) { return m->stage + (size_t)t * STAGE_LINE; }

void memindex_init(MemIndex *m)
{
    memset(m, 0, sizeof *m);
    strmap_init(&m->terms);
}

/* Records are 32 bytes on a 64-byte boundary: each lies in one cache line,
 * the one line memindex_prefetch fetches (realloc aligns to 16 only). */
_Static_assert(sizeof(MemPostings) == 32, "a record is half a cache line");

static void grow_lists(MemIndex *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    MemPostings *lists = xaligned_alloc(64, cap * sizeof *lists);
    if (m->nlists) memcpy(lists, m->lists, m->nlists * sizeof *lists);
    free(m->lists);
    m->lists = lists;
    m->cap = cap;
}

uint32_t memindex_term(MemIndex *m, const char *term, size_t len)
{
    return memindex_term_hashed(m, term, len, hash_bytes(term, len));
}

uint32_t memindex_term_hashed(MemIndex *m, const char *term, size_t len, uint32_t h)
{
    int added;
    uint32_t *v = strmap_upsert_hashed(&m->terms, term, len, h, &added);
    if (added) {
        if (m->nlists == m->cap) grow_lists(m);
        memset(&m->lists[m->nlists], 0, sizeof *m->lists);
        *v = (uint32_t)m->nlists++; /* = the entry's number in terms: a term's id finds its key */
    }
    return *v;
}

/* Slot for one more occurrence in the current passage (room was made). */
static inline uint32_t new_token(MemIndex *m, uint32_t pos)
{
    m->tok_pos[m->ntok] = pos;
    return (uint32_t)m->ntok++;
}

#define FIRST_SEEN 1024

static inline size_t seen_hash(uint32_t t, size_t cap) { return (size_t)(t * 0x9e3779b1u) & (cap - 1); }

/* The entry of term t in the passage's table, or the free one it would take. */
static MemSeen *seen_find(const MemIndex *m, uint32_t stamp, uint32_t t)
{
    size_t i = seen_hash(t, m->seen_cap);
    while (m->seen[i].stamp == stamp && m->seen[i].term != t) i = (i + 1) & (m->seen_cap - 1);
    return &m->seen[i];
}

/* A larger table, with the passage's terms so far. */
static void seen_grow(MemIndex *m, uint32_t stamp)
{
    free(m->seen);
    m->seen_cap = m->seen_cap ? 2 * m->seen_cap : FIRST_SEEN;
    m->seen = xcalloc(m->seen_cap, sizeof *m->seen);
    for (size_t i = 0; i < m->ntouched; i++) {
        uint32_t t = m->touched[i].term;
        *seen_find(m, stamp, t) = (MemSeen){stamp, t, (uint32_t)i};
    }
}

/* Room for one more occurrence and one more term in the passage's arrays.
 * Apart from memindex_add's per-token path, which then calls nothing and
 * saves no registers. */
__attribute__((noinline)) static void make_room(MemIndex *m, uint32_t stamp)
{
    if (m->ntok == m->tok_cap) {
        m->tok_cap = m->tok_cap ? m->tok_cap * 2 : 1024;
        m->tok_pos = xrealloc(m->tok_pos, m->tok_cap * sizeof *m->tok_pos);
        m->tok_next = xrealloc(m->tok_next, m->tok_cap * sizeof *m->tok_next);
    }
    if (2 * (m->ntouched + 1) > m->seen_cap) seen_grow(m, stamp);
    if (m->ntouched == m->touched_cap) {
        m->touched_cap = m->touched_cap ? m->touched_cap * 2 : 256;
        m->touched = xrealloc(m->touched, m->touched_cap * sizeof *m->touched);
    }
}

void memindex_add(MemIndex *m, uint32_t pid, uint32_t t, uint32_t pos)
{
    uint32_t stamp = pid + 1;
    if (m->ntok == m->tok_cap || 2 * (m->ntouched + 1) > m->seen_cap || m->ntouched == m->touched_cap)
        make_room(m, stamp);
    uint32_t k = new_token(m, pos);
    MemSeen *e = seen_find(m, stamp, t);
    if (e->stamp == stamp) {
        MemTouched *u = &m->touched[e->slot];
        u->tf++;
        m->tok_next[u->last] = k;
        u->last = k;
        return;
    }
    *e = (MemSeen){stamp, t, (uint32_t)m->ntouched};
    m->touched[m->ntouched++] = (MemTouched){t, 1, k, k};
}

/* Writes v as a varint at q (room for 5 bytes); returns the bytes used.
 * Inline here: this runs once per token, buf_put_varint's call would not. */
static inline size_t put_varint(uint8_t *q, uint32_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        q[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    q[n++] = (uint8_t)v;
    return n;
}

/* Room for need more bytes in a list's buffer: the next power of two
 * that holds them, from a slab while that is at most SMALL_MAX. */
__attribute__((noinline)) static void grow_data(MemIndex *m, Buf *b, size_t need)
{
    size_t cap = b->cap ? b->cap : SMALL_MIN;
    while (cap < b->len + need) cap *= 2;
    if (cap > SMALL_MAX && b->cap > SMALL_MAX) {
        b->data = xrealloc(b->data, cap);
        m->data_bytes += cap - b->cap;
    } else {
        uint8_t *q = cap <= SMALL_MAX ? small_get(&m->small, cap) : xmalloc(cap);
        if (b->len) memcpy(q, b->data, b->len);
        if (b->cap) small_put(&m->small, b->data, b->cap);
        if (cap > SMALL_MAX) m->data_bytes += cap;
        b->data = q;
    }
    b->cap = cap;
}

static void free_data(Buf *b)
{
    if (b->cap > SMALL_MAX) free(b->data);
    memset(b, 0, sizeof *b);
}

/* Appends term t's staging line to its list, and empties the line. */
static void unstage(MemIndex *m, MemPostings *p, uint32_t t)
{
    uint8_t *line = stage_line(m, t);
    if (!line[0]) return;
    if (p->data.len + line[0] > p->data.cap) grow_data(m, &p->data, line[0]);
    memcpy(p->data.data + p->data.len, line + 1, line[0]);
    p->data.len += line[0];
    line[0] = 0;
}

void memindex_flush(MemIndex *m)
{
    if (!m->stage) return;
    size_t n = m->nlists < m->stage_terms ? m->nlists : m->stage_terms;
    for (size_t t = 0; t < n; t++) unstage(m, &m->lists[t], (uint32_t)t);
}

/* Where the term's record for passage pid goes (room for need bytes):
 * its staging line if it has one with room, else its list. */
static uint8_t *record_room(MemIndex *m, MemPostings *p, uint32_t t, size_t need, uint8_t **line)
{
    *line = NULL;
    if (t < m->stage_terms && need < STAGE_LINE) {
        uint8_t *l = stage_line(m, t);
        if (l[0] + need < STAGE_LINE) {
            *line = l;
            return l + 1 + l[0];
        }
        unstage(m, p, t); /* full: to the list, and the line is empty again */
        *line = l;
        return l + 1;
    }
    if (t < m->stage_terms) unstage(m, p, t); /* a long record: the line's go first, in order */
    if (p->data.len + need > p->data.cap) grow_data(m, &p->data, need); /* most records fit */
    return p->data.data + p->data.len;
}

/* The term's record for passage pid: gap, tf, then its positions from its
 * chain of occurrences, written straight into its staging line or list. */
static void put_record(MemIndex *m, MemPostings *p, uint32_t t, const MemTouched *u, uint32_t pid)
{
    size_t need = 5 * ((size_t)u->tf + 2);
    uint8_t *line, *q = record_room(m, p, t, need, &line), *start = q;
    /* the first gap is pid + 1 so that every gap is >= 1 */
    q += put_varint(q, p->df ? pid - p->last_pid : pid + 1);
    q += put_varint(q, u->tf);
    uint32_t k = u->first, prev = 0;
    for (uint32_t j = 0; j < u->tf; j++, k = m->tok_next[k]) {
        q += put_varint(q, m->tok_pos[k] - prev); /* prev is 0 for the first: absolute */
        prev = m->tok_pos[k];
    }
    if (line) line[0] = (uint8_t)(line[0] + (q - start));
    else p->data.len += (size_t)(q - start);
}

void memindex_end_passage(MemIndex *m, uint32_t pid)
{
    /* the records were prefetched when their terms were met; now the ends
     * of their buffers, where the postings go */
    if (!m->stage && m->stage_terms) m->stage = xcalloc(m->stage_terms, STAGE_LINE);
    for (size_t i = 0; i < m->ntouched; i++) {
        uint32_t t = m->touched[i].term;
        const MemPostings *p = &m->lists[t];
        if (t < m->stage_terms) __builtin_prefetch(stage_line(m, t), 1);
        else if (p->data.data) __builtin_prefetch(p->data.data + p->data.len, 1);
    }
    for (size_t i = 0; i < m->ntouched; i++) {
        const MemTouched *u = &m->touched[i];
        MemPostings *p = &m->lists[u->term];
        put_record(m, p, u->term, u, pid);
        p->last_pid = pid;
        p->df++;
    }
    m->ntouched = 0;
    m->ntok = 0;
}

size_t memindex_bytes(const MemIndex *m)
{
    size_t stage = m->stage ? (size_t)m->stage_terms * STAGE_LINE : 0;
    return m->data_bytes + m->small.nslabs * SLAB_BYTES + stage + m->cap * sizeof *m->lists + strmap_bytes(&m->terms) +
           m->touched_cap * sizeof *m->touched + m->seen_cap * sizeof *m->seen + m->tok_cap * (sizeof *m->tok_pos + sizeof *m->tok_next);
}

void memindex_clear_postings(MemIndex *m)
{
    for (size_t i = 0; i < m->nlists; i++) {
        free_data(&m->lists[i].data);
        m->lists[i].df = m->lists[i].last_pid = 0;
    }
    m->data_bytes = 0;
    small_reset(&m->small);
    if (m->stage) /* staged records are dropped too */
        for (size_t t = 0; t < m->nlists && t < m->stage_terms; t++) stage_line(m, (uint32_t)t)[0] = 0;
}

void memindex_free(MemIndex *m)
{
    for (size_t i = 0; i < m->nlists; i++) free_data(&m->lists[i].data);
    small_free(&m->small);
    free(m->stage);
    free(m->lists);
    free(m->touched);
    free(m->seen);
    free(m->tok_pos);
    free(m->tok_next);
    strmap_free(&m->terms);
    uint32_t stage_terms = m->stage_terms; /* kept, as tokenmap_free keeps its front's size */
    memindex_init(m);
    m->stage_terms = stage_terms;
}
