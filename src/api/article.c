/* article.c: srch_article, an article's passages by its id (a server's
 * "whole article" link, a notebook's look at a hit's context). */
#include "api/api.h"

#include <stdlib.h>

/* id -> article number + 1 of every live article, made once per open
 * index (a scan of the article records), under x->mu. */
static StrMap *ids(srch_index *x)
{
    pthread_mutex_lock(&x->mu);
    if (!x->ids) {
        StrMap *m = xcalloc(1, sizeof *m);
        strmap_init(m);
        const Index *ix = x->ix;
        for (uint32_t aid = 0; aid < index_article_limit(ix); aid++) {
            ArticleInfo a;
            if (index_article(ix, aid, &a) != 0 || index_deleted(ix, a.first_passage)) continue;
            int added;
            uint32_t *v = strmap_upsert(m, a.id, a.id_len, &added);
            if (added) *v = aid + 1; /* the first of a repeated id, as a passages file gives it */
        }
        x->ids = m;
    }
    StrMap *m = x->ids;
    pthread_mutex_unlock(&x->mu);
    return m;
}

static size_t pool_put(Buf *pool, const void *p, size_t n)
{
    size_t at = pool->len;
    buf_append(pool, p, n);
    buf_put_u8(pool, 0);
    return at;
}

/* The article's passages as hits of score 0, in order. */
static int article_hits(const Index *ix, uint32_t aid, srch_hits *h)
{
    ArticleInfo a;
    if (index_article(ix, aid, &a) != 0) return -1;
    srch_hit *v = xcalloc(a.npassages ? a.npassages : 1, sizeof *v);
    size_t *text = xcalloc(a.npassages ? a.npassages : 1, sizeof *text);
    Buf pool = {0}, t = {0};
    size_t id = pool_put(&pool, a.id, a.id_len), path = pool_put(&pool, a.path, a.path_len),
           title = pool_put(&pool, a.title, a.title_len);
    int rc = 0;
    for (uint32_t i = 0; i < a.npassages && rc == 0; i++) {
        PassageInfo p;
        t.len = 0;
        uint32_t pid = a.first_passage + i;
        if ((rc = index_passage(ix, pid, &p)) != 0 || (rc = index_passage_text(ix, pid, &t)) != 0) break;
        v[i] = (srch_hit){.rank = i + 1, .passage = p.ordinal + 1, .passage_id = pid, .article_id = aid,
                          .id_len = a.id_len, .path_len = a.path_len, .title_len = a.title_len,
                          .start = p.start, .end = p.end, .text_len = t.len};
        text[i] = pool_put(&pool, t.data, t.len);
    }
    buf_free(&t);
    if (rc == 0) {
        h->v = v;
        h->n = a.npassages;
        h->pool = (char *)pool.data;
        for (size_t i = 0; i < h->n; i++) {
            v[i].id = h->pool + id;
            v[i].path = h->pool + path;
            v[i].title = h->pool + title;
            v[i].text = h->pool + text[i];
        }
    } else {
        free(v);
        buf_free(&pool);
    }
    free(text);
    return rc;
}

static srch_code article_unguarded(srch_index *x, const char *id, srch_hits **out, srch_error *err)
{
    *out = NULL;
    if (!x || !id) return api_fail_msg(err, SRCH_BAD_ARG, "an index and an article id are needed");
    uint32_t *v = strmap_get(ids(x), id, strlen(id));
    if (!v) return api_fail_msg(err, SRCH_NOT_FOUND, "no article %s in the index", id);
    srch_hits *h = xcalloc(1, sizeof *h);
    if (article_hits(x->ix, *v - 1, h) != 0) {
        free(h);
        return api_fail(err, SRCH_CORRUPT);
    }
    h->notes = xstrdup("");
    *out = h;
    return api_ok(err);
}

srch_code srch_article(srch_index *x, const char *id, srch_hits **out, srch_error *err)
{
    API_GUARD(err);
    srch_code rc = article_unguarded(x, id, out, err);
    API_LEAVE();
    return rc;
}
