/*
 * hits.c: srch_hits, the one way hits are built (a search's in
 * searcher.c, an article's passages in article.c) and read. Every string
 * of every hit is appended to one pool, NUL-terminated, and pointed to
 * only once the pool no longer moves (api_hits_finish): until then a hit
 * holds offsets. Emptied hits keep their memory for the next use.
 */
#include "api/api.h"

#include <stdlib.h>

void api_hits_empty(srch_hits *h)
{
    if (!h) return;
    h->n = 0;
    h->notes.len = 0;
    h->total = 0;
    h->flags = 0;
}

void api_hits_reset(srch_hits *h)
{
    api_hits_empty(h);
    h->pool.len = 0;
    buf_put_u8(&h->pool, 0); /* offset 0: the empty string */
    h->spans.len = 0;
}

size_t api_hits_put(srch_hits *h, const void *p, size_t n)
{
    size_t at = h->pool.len;
    buf_append(&h->pool, p, n);
    buf_put_u8(&h->pool, 0); /* NUL-terminated too, for callers that want C strings */
    return at;
}

size_t api_hits_add(srch_hits *h, size_t rank, size_t article_hit, uint32_t pid, float score)
{
    if (h->n == h->cap) { /* the room is counted once both arrays have it */
        size_t cap = h->cap ? 2 * h->cap : 16;
        h->v = xrealloc(h->v, cap * sizeof *h->v);
        h->off = xrealloc(h->off, cap * sizeof *h->off);
        h->cap = cap;
    }
    srch_hit *x = &h->v[h->n];
    memset(x, 0, sizeof *x);
    x->rank = rank;
    x->article_hit = article_hit;
    x->score = score;
    x->passage_id = pid;
    h->off[h->n] = (HitOffsets){0, 0, 0, 0, SIZE_MAX, SIZE_MAX, 0};
    return h->n++;
}

int api_hits_records(srch_hits *h, const Index *ix, size_t i, int text)
{
    srch_hit *x = &h->v[i];
    HitOffsets *f = &h->off[i];
    PassageInfo p;
    ArticleInfo a;
    h->text.len = 0;
    uint32_t pid = (uint32_t)x->passage_id;
    if (index_passage(ix, pid, &p) != 0 || index_article(ix, p.article, &a) != 0 ||
        (text && index_passage_text(ix, pid, &h->text) != 0))
        return -1;
    x->passage = p.ordinal + 1;
    x->article_id = p.article;
    x->start = p.start;
    x->end = p.end;
    x->id_len = a.id_len;
    x->path_len = a.path_len;
    x->title_len = a.title_len;
    x->text_len = h->text.len;
    f->id = api_hits_put(h, a.id, a.id_len);
    f->path = api_hits_put(h, a.path, a.path_len);
    f->title = api_hits_put(h, a.title, a.title_len);
    f->text = api_hits_put(h, h->text.data, h->text.len);
    return 0;
}

void api_hits_finish(srch_hits *h)
{
    const char *pool = (const char *)h->pool.data;
    const srch_span *spans = (const srch_span *)h->spans.data;
    for (size_t i = 0; i < h->n; i++) {
        srch_hit *x = &h->v[i];
        const HitOffsets *f = &h->off[i];
        x->id = pool + f->id;
        x->path = pool + f->path;
        x->title = pool + f->title;
        x->text = pool + f->text;
        x->highlights = x->nhighlights ? spans + f->span0 : NULL;
        x->explain_json = f->explain_json != SIZE_MAX ? pool + f->explain_json : NULL;
        x->explain_text = f->explain_text != SIZE_MAX ? pool + f->explain_text : NULL;
    }
}

size_t srch_hits_count(const srch_hits *h) { return h ? h->n : 0; }
const srch_hit *srch_hits_get(const srch_hits *h, size_t i) { return h && i < h->n ? &h->v[i] : NULL; }
const char *srch_hits_notes(const srch_hits *h) { return h && h->notes.len ? (const char *)h->notes.data : ""; }
int srch_hits_flags(const srch_hits *h) { return h ? h->flags : 0; }
uint64_t srch_hits_total(const srch_hits *h) { return h ? h->total : 0; }

void srch_hits_free(srch_hits *h)
{
    if (!h) return;
    free(h->v);
    free(h->off);
    buf_free(&h->pool);
    buf_free(&h->spans);
    buf_free(&h->notes);
    buf_free(&h->text);
    buf_free(&h->explain);
    free(h);
}
