/*
 * postings_mem.c: postings accumulated in memory while indexing.
 *
 * Each term owns a growable buffer of varint (passage gap, tf) pairs: about
 * two bytes a posting, appended without any per-token allocation. The tf of
 * a term within the current passage is counted in place (seen_pid/cur_tf)
 * and the pair is written when the passage ends.
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

void memindex_add(MemIndex *m, uint32_t pid, uint32_t t)
{
    MemPostings *p = &m->lists[t];
    if (p->seen_pid == pid + 1) {
        p->cur_tf++;
        return;
    }
    p->seen_pid = pid + 1;
    p->cur_tf = 1;
    /* memindex_end_passage will append here: start fetching it now */
    if (p->data.data) __builtin_prefetch(p->data.data + p->data.len, 1);
    if (m->ntouched == m->touched_cap) {
        m->touched_cap = m->touched_cap ? m->touched_cap * 2 : 256;
        m->touched = xrealloc(m->touched, m->touched_cap * sizeof *m->touched);
    }
    m->touched[m->ntouched++] = t;
}

void memindex_end_passage(MemIndex *m, uint32_t pid)
{
    for (size_t i = 0; i < m->ntouched; i++) {
        MemPostings *p = &m->lists[m->touched[i]];
        /* the first gap is pid + 1 so that every gap is >= 1 */
        buf_put_varint(&p->data, p->df ? pid - p->last_pid : (uint64_t)pid + 1);
        buf_put_varint(&p->data, p->cur_tf);
        p->last_pid = pid;
        p->df++;
        m->npostings++;
    }
    m->ntouched = 0;
}

void memindex_free(MemIndex *m)
{
    for (size_t i = 0; i < m->nlists; i++) buf_free(&m->lists[i].data);
    free(m->lists);
    free(m->touched);
    strmap_free(&m->terms);
    memset(m, 0, sizeof *m);
}
