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

/* The article's passages as hits of score 0, in order, with their texts. */
static int article_hits(const Index *ix, uint32_t aid, srch_hits *h)
{
    ArticleInfo a;
    if (index_article(ix, aid, &a) != 0) return -1;
    for (uint32_t i = 0; i < a.npassages; i++) {
        size_t at = api_hits_add(h, i + 1, 0, a.first_passage + i, 0.0f);
        if (api_hits_records(h, ix, at, 1) != 0) return -1;
    }
    api_hits_finish(h);
    return 0;
}

static srch_code article_unguarded(srch_index *x, const char *id, srch_hits **out, srch_error *err)
{
    *out = NULL;
    if (!x || !id) return api_fail_msg(err, SRCH_BAD_ARG, "an index and an article id are needed");
    uint32_t *v = strmap_get(ids(x), id, strlen(id));
    if (!v) return api_fail_msg(err, SRCH_NOT_FOUND, "no article %s in the index", id);
    srch_hits *h = xcalloc(1, sizeof *h);
    api_hits_reset(h);
    if (article_hits(x->ix, *v - 1, h) != 0) {
        srch_hits_free(h);
        return api_fail(err, SRCH_CORRUPT);
    }
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
