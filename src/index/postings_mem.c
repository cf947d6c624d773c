/*
 * postings_mem.c: postings accumulated in memory while indexing.
 *
 * Each term owns a growable buffer holding, per passage, the varint passage
 * gap, the tf and the tf positions (first absolute, then gaps): a few bytes
 * a posting, appended without any per-token allocation. While a passage is
 * being added its terms are listed (touched) and their occurrences
 * chained per term through two reused arrays (tok_pos/tok_next); the
 * record is written when the passage ends, so each term's buffer is
 * touched once per passage (its cache miss prefetched when the term is met).
 */
#include "index/index.h"

#include <stdlib.h>

void memindex_init(MemIndex *m)
{
    memset(m, 0, sizeof *m);
    strmap_init(&m->terms);
}

uint32_t memindex_term(MemIndex *m, const char *term, size_t len)
{
    int added;
    uint32_t *v = strmap_upsert(&m->terms, term, len, &added);
    if (added) {
        if (m->nlists == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 1024;
            m->lists = xrealloc(m->lists, m->cap * sizeof *m->lists);
        }
        memset(&m->lists[m->nlists], 0, sizeof *m->lists);
        *v = (uint32_t)m->nlists++;
    }
    return *v;
}

/* Slot for one more occurrence in the current passage. */
static uint32_t new_token(MemIndex *m, uint32_t pos)
{
    if (m->ntok == m->tok_cap) {
        m->tok_cap = m->tok_cap ? m->tok_cap * 2 : 1024;
        m->tok_pos = xrealloc(m->tok_pos, m->tok_cap * sizeof *m->tok_pos);
        m->tok_next = xrealloc(m->tok_next, m->tok_cap * sizeof *m->tok_next);
    }
    m->tok_pos[m->ntok] = pos;
    return (uint32_t)m->ntok++;
}

void memindex_add(MemIndex *m, uint32_t pid, uint32_t t, uint32_t pos)
{
    MemPostings *p = &m->lists[t];
    uint32_t k = new_token(m, pos);
    if (p->seen_pid == pid + 1) {
        MemTouched *u = &m->touched[p->slot];
        u->tf++;
        m->tok_next[u->last] = k;
        u->last = k;
        return;
    }
    p->seen_pid = pid + 1;
    /* memindex_end_passage will append here: start fetching it now */
    if (p->data.data) __builtin_prefetch(p->data.data + p->data.len, 1);
    if (m->ntouched == m->touched_cap) {
        m->touched_cap = m->touched_cap ? m->touched_cap * 2 : 256;
        m->touched = xrealloc(m->touched, m->touched_cap * sizeof *m->touched);
    }
    p->slot = (uint32_t)m->ntouched;
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

/* The term's record for passage pid: gap, tf, then its positions from its
 * chain of occurrences, written straight into the reserved buffer. */
static void put_record(MemIndex *m, MemPostings *p, const MemTouched *u, uint32_t pid)
{
    size_t cap = p->data.cap;
    buf_reserve(&p->data, 5 * ((size_t)u->tf + 2));
    m->data_bytes += p->data.cap - cap;
    uint8_t *q = p->data.data + p->data.len, *start = q;
    /* the first gap is pid + 1 so that every gap is >= 1 */
    q += put_varint(q, p->df ? pid - p->last_pid : pid + 1);
    q += put_varint(q, u->tf);
    uint32_t k = u->first, prev = 0;
    for (uint32_t j = 0; j < u->tf; j++, k = m->tok_next[k]) {
        q += put_varint(q, m->tok_pos[k] - prev); /* prev is 0 for the first: absolute */
        prev = m->tok_pos[k];
    }
    p->data.len += (size_t)(q - start);
}

void memindex_end_passage(MemIndex *m, uint32_t pid)
{
    for (size_t i = 0; i < m->ntouched; i++) {
        const MemTouched *u = &m->touched[i];
        MemPostings *p = &m->lists[u->term];
        put_record(m, p, u, pid);
        p->last_pid = pid;
        p->df++;
    }
    m->ntouched = 0;
    m->ntok = 0;
}

size_t memindex_bytes(const MemIndex *m)
{
    return m->data_bytes + m->cap * sizeof *m->lists + strmap_bytes(&m->terms) +
           m->touched_cap * sizeof *m->touched + m->tok_cap * (sizeof *m->tok_pos + sizeof *m->tok_next);
}

void memindex_clear_postings(MemIndex *m)
{
    for (size_t i = 0; i < m->nlists; i++) {
        buf_free(&m->lists[i].data);
        m->lists[i].df = m->lists[i].last_pid = m->lists[i].seen_pid = 0;
    }
    m->data_bytes = 0;
}

void memindex_free(MemIndex *m)
{
    for (size_t i = 0; i < m->nlists; i++) buf_free(&m->lists[i].data);
    free(m->lists);
    free(m->touched);
    free(m->tok_pos);
    free(m->tok_next);
    strmap_free(&m->terms);
    memset(m, 0, sizeof *m);
}
