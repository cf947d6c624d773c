/*
 * searcher.c: srch_search and its hits. A searcher holds what one
 * thread's queries reuse: the analyser (its stem cache), the parsed
 * query's room and the algorithms' cursors. Hits are copied out into
 * their own memory, so they outlive the next search and the searcher.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>

struct srch_searcher {
    srch_index *x;
    Analyzer *an;
    Query q;
    Bm25 bm25;
    SearchContext ctx;
    int ctx_ready; /* ctx was made for bm25's k1 and b */
};


static srch_code searcher_new_unguarded(srch_index *x, srch_searcher **out, srch_error *err)
{
    *out = NULL;
    if (!x) return api_fail_msg(err, SRCH_BAD_ARG, "no index given");
    Analyzer *an = analyzer_new(&index_stats(x->ix)->analysis);
    if (!an) return api_fail(err, SRCH_CORRUPT);
    srch_searcher *s = xcalloc(1, sizeof *s);
    s->x = x;
    s->an = an;
    query_init(&s->q);
    *out = s;
    return api_ok(err);
}

void srch_searcher_free(srch_searcher *s)
{
    if (!s) return;
    if (s->ctx_ready) search_context_free(&s->ctx);
    query_free(&s->q);
    analyzer_free(s->an);
    free(s);
}

void srch_search_options_init(srch_search_options *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->k1 = BM25_K1_DEFAULT;
    o->b = BM25_B_DEFAULT;
    o->title_boost = QUERY_TITLE_BOOST_DEFAULT;
    o->heading_boost = QUERY_HEADING_BOOST_DEFAULT;
    o->max_expansions = QUERY_MAX_EXPANSIONS_DEFAULT;
}

#define MAX_HITS 1000000

static srch_code check_options(const srch_search_options *o, const Algorithm **alg, srch_error *err)
{
    if (o->k < 1 || o->k > MAX_HITS || o->offset > MAX_HITS)
        return api_fail_msg(err, SRCH_BAD_ARG, "k must be 1 to %d and offset at most %d", MAX_HITS, MAX_HITS);
    if (!(o->k1 >= 0 && o->k1 <= 100) || !(o->b >= 0 && o->b <= 1))
        return api_fail_msg(err, SRCH_BAD_ARG, "k1 must be 0 to 100 and b 0 to 1");
    if (!(o->title_boost >= 0 && o->title_boost <= 100) || !(o->heading_boost >= 0 && o->heading_boost <= 100))
        return api_fail_msg(err, SRCH_BAD_ARG, "field boosts must be 0 to 100");
    if (o->max_expansions < 1 || o->max_expansions > QUERY_MAX_TERMS)
        return api_fail_msg(err, SRCH_BAD_ARG, "max_expansions must be 1 to %d", QUERY_MAX_TERMS);
    if (o->per_article > 1000) return api_fail_msg(err, SRCH_BAD_ARG, "per_article must be at most 1000");
    *alg = o->algorithm ? algorithm_find(o->algorithm) : algorithm_default();
    if (!*alg)
        return api_fail_msg(err, SRCH_BAD_ARG, "unknown algorithm '%s' (known: %s)", o->algorithm, algorithm_names());
    return SRCH_OK;
}

/* What srch_search and srch_count start with: the options checked (opts
 * NULL: *defaults, filled), the context made for their k1 and b, the
 * query parsed. */
static srch_code prepare(srch_searcher *s, const char *query, const srch_search_options *opts,
                         srch_search_options *defaults, const srch_search_options **out, const Algorithm **alg,
                         srch_error *err)
{
    const Index *ix = s->x->ix;
    if (!opts) srch_search_options_init(defaults);
    const srch_search_options *o = *out = opts ? opts : defaults;
    srch_code rc = check_options(o, alg, err);
    if (rc != SRCH_OK) return rc;
    if (!query) return api_fail_msg(err, SRCH_BAD_ARG, "no query given");
    if (s->ctx_ready && (s->bm25.k1 != o->k1 || s->bm25.b != o->b)) {
        search_context_free(&s->ctx); /* its bounds hold for one k1 and b */
        s->ctx_ready = 0;
    }
    if (!s->ctx_ready) {
        bm25_init(&s->bm25, o->k1, o->b, index_stats(ix));
        search_context_init(&s->ctx, ix, &s->bm25);
        s->ctx_ready = 1;
    }
    QueryOptions qo = {o->title_boost, o->heading_boost, o->max_expansions};
    if (query_parse_with(s->an, ix, &s->bm25, &qo, query, &s->q) != 0) return api_fail(err, SRCH_BAD_QUERY);
    s->ctx.q = &s->q;
    return SRCH_OK;
}

/* 1 when every clause of the query is an excluded one: it matches nothing. */
static int only_excludes(const Query *q)
{
    if (q->nnodes == 0 || q->nodes[0].child < 0) return 0;
    for (int32_t c = q->nodes[0].child; c >= 0; c = q->nodes[c].next)
        if (q->nodes[c].occur != OCC_MUST_NOT) return 0;
    return 1;
}

/* ---- collecting hits ---- */

/* Strings are appended to one pool as the hits are made and pointed to
 * once it no longer moves: offsets first. */
typedef struct {
    size_t id, path, title, text, explain_json, explain_text; /* offsets; SIZE_MAX: none */
    size_t span0;
} Offsets;

typedef struct {
    srch_searcher *s;
    const srch_search_options *o;
    Buf pool, spans, text, explain;
    srch_hit *v;
    Offsets *off;
    size_t n, cap;
} Collector;

static size_t pool_put(Collector *c, const void *p, size_t n)
{
    size_t at = c->pool.len;
    buf_append(&c->pool, p, n);
    buf_put_u8(&c->pool, 0); /* NUL-terminated too, for callers that want C strings */
    return at;
}

static int add_hit(Collector *c, size_t rank, size_t article_hit, const Hit *h)
{
    const Index *ix = c->s->x->ix;
    PassageInfo p;
    ArticleInfo a;
    c->text.len = 0;
    if (index_passage(ix, h->pid, &p) != 0 || index_article(ix, p.article, &a) != 0 ||
        (!c->o->ids_only && index_passage_text(ix, h->pid, &c->text) != 0))
        return -1;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->v = xrealloc(c->v, c->cap * sizeof *c->v);
        c->off = xrealloc(c->off, c->cap * sizeof *c->off);
    }
    srch_hit *x = &c->v[c->n];
    Offsets *f = &c->off[c->n++];
    memset(x, 0, sizeof *x);
    x->rank = rank;
    x->article_hit = article_hit;
    x->score = h->score;
    x->passage = p.ordinal + 1;
    x->passage_id = h->pid;
    x->article_id = p.article;
    x->start = p.start;
    x->end = p.end;
    x->id_len = a.id_len;
    x->path_len = a.path_len;
    x->title_len = a.title_len;
    x->text_len = c->text.len;
    f->id = pool_put(c, a.id, a.id_len);
    f->path = pool_put(c, a.path, a.path_len);
    f->title = pool_put(c, a.title, a.title_len);
    f->text = pool_put(c, c->text.data, c->text.len);
    Span *m = NULL;
    size_t nm = c->o->ids_only ? 0 : snippet_matches(c->s->an, &c->s->q, (const char *)c->text.data, c->text.len, &m);
    f->span0 = c->spans.len / sizeof(srch_span);
    for (size_t i = 0; i < nm; i++) {
        srch_span sp = {m[i].start, m[i].end};
        buf_append(&c->spans, &sp, sizeof sp);
    }
    free(m);
    x->nhighlights = nm;
    f->explain_json = f->explain_text = SIZE_MAX;
    if (c->o->explain && !c->o->ids_only) {
        c->explain.len = 0;
        if (explain_hit(&c->s->ctx, h->pid, 1, "", &c->explain) >= 0)
            f->explain_json = pool_put(c, c->explain.data, c->explain.len);
        c->explain.len = 0;
        if (explain_hit(&c->s->ctx, h->pid, 0, "      ", &c->explain) >= 0)
            f->explain_text = pool_put(c, c->explain.data, c->explain.len);
    }
    return 0;
}

/* An article hit: its best passages, every passage of it scored. */
static int add_article(Collector *c, size_t rank, const Hit *best)
{
    const Index *ix = c->s->x->ix;
    if (c->o->per_article == 1) return add_hit(c, rank, 1, best);
    PassageInfo p;
    ArticleInfo a;
    if (index_passage(ix, best->pid, &p) != 0 || index_article(ix, p.article, &a) != 0) return -1;
    TopK top;
    topk_init(&top, c->o->per_article, NULL);
    int rc = search_tree_range(&c->s->ctx, &top, a.first_passage, a.first_passage + a.npassages - 1);
    size_t n = rc == 0 ? topk_sorted(&top) : 0;
    for (size_t i = 0; i < n && rc == 0; i++) rc = add_hit(c, rank, i + 1, &top.heap[i]);
    topk_free(&top);
    return rc;
}

static srch_hits *finish(Collector *c)
{
    srch_hits *h = xcalloc(1, sizeof *h);
    h->n = c->n;
    h->v = c->v;
    h->pool = (char *)c->pool.data;
    h->spans = (srch_span *)c->spans.data;
    for (size_t i = 0; i < c->n; i++) {
        srch_hit *x = &h->v[i];
        const Offsets *f = &c->off[i];
        x->id = h->pool + f->id;
        x->path = h->pool + f->path;
        x->title = h->pool + f->title;
        x->text = h->pool + f->text;
        x->highlights = x->nhighlights ? h->spans + f->span0 : NULL;
        x->explain_json = f->explain_json != SIZE_MAX ? h->pool + f->explain_json : NULL;
        x->explain_text = f->explain_text != SIZE_MAX ? h->pool + f->explain_text : NULL;
    }
    free(c->off);
    buf_free(&c->text);
    buf_free(&c->explain);
    return h;
}

static srch_code search_unguarded(srch_searcher *s, const char *query, const srch_search_options *opts, srch_hits **out,
                                  srch_error *err)
{
    *out = NULL;
    srch_search_options defaults;
    const srch_search_options *o;
    const Algorithm *alg;
    srch_code rc = prepare(s, query, opts, &defaults, &o, &alg, err);
    if (rc != SRCH_OK) return rc;
    const Index *ix = s->x->ix;
    TopK top;
    topk_init(&top, o->k + o->offset, o->per_article ? ix : NULL);
    if (search_run(alg, &s->ctx, &top) != 0) {
        topk_free(&top);
        return api_fail(err, SRCH_CORRUPT);
    }
    size_t n = topk_sorted(&top);
    Collector c = {s, o, {0}, {0}, {0}, {0}, NULL, NULL, 0, 0};
    int failed = 0;
    for (size_t i = o->offset; i < n && !failed; i++)
        failed = (o->per_article ? add_article(&c, i + 1, &top.heap[i]) : add_hit(&c, i + 1, 0, &top.heap[i])) != 0;
    topk_free(&top);
    srch_hits *h = finish(&c);
    h->notes = s->q.notes.len ? xstrndup((const char *)s->q.notes.data, s->q.notes.len) : xstrdup("");
    h->flags = (s->q.n == 0 ? SRCH_QUERY_NO_TERMS : 0) | (only_excludes(&s->q) ? SRCH_QUERY_ONLY_EXCLUDES : 0);
    if (failed) {
        srch_hits_free(h);
        return api_fail(err, SRCH_CORRUPT);
    }
    *out = h;
    return api_ok(err);
}

size_t srch_hits_count(const srch_hits *h) { return h ? h->n : 0; }
const srch_hit *srch_hits_get(const srch_hits *h, size_t i) { return h && i < h->n ? &h->v[i] : NULL; }
const char *srch_hits_notes(const srch_hits *h) { return h && h->notes ? h->notes : ""; }
int srch_hits_flags(const srch_hits *h) { return h ? h->flags : 0; }

void srch_hits_free(srch_hits *h)
{
    if (!h) return;
    free(h->v);
    free(h->pool);
    free(h->spans);
    free(h->notes);
    free(h);
}

static srch_code count_unguarded(srch_searcher *s, const char *query, const srch_search_options *opts, uint64_t *out,
                                 srch_error *err)
{
    *out = 0;
    srch_search_options defaults;
    const srch_search_options *o;
    const Algorithm *alg;
    srch_code rc = prepare(s, query, opts, &defaults, &o, &alg, err);
    if (rc != SRCH_OK) return rc;
    int64_t n = search_count(&s->ctx);
    if (n < 0) return api_fail(err, SRCH_CORRUPT);
    *out = (uint64_t)n;
    return api_ok(err);
}

static char *snippet_unguarded(const srch_hit *h, size_t max_bytes, const char *open, const char *close)
{
    Span *m = h->nhighlights ? xmalloc(h->nhighlights * sizeof *m) : NULL;
    for (size_t i = 0; i < h->nhighlights; i++) m[i] = (Span){h->highlights[i].start, h->highlights[i].end};
    SnippetStyle st = {max_bytes, open ? open : "", close ? close : ""};
    Buf b = {0};
    snippet_make(h->text, h->text_len, m, h->nhighlights, &st, &b);
    buf_put_u8(&b, 0);
    free(m);
    return (char *)b.data;
}

void srch_free(void *p) { free(p); }

srch_code srch_searcher_new(srch_index *x, srch_searcher **out, srch_error *err)
{
    API_GUARD(err);
    srch_code rc = searcher_new_unguarded(x, out, err);
    API_LEAVE();
    return rc;
}

srch_code srch_search(srch_searcher *s, const char *query, const srch_search_options *opts, srch_hits **out,
                      srch_error *err)
{
    API_GUARD(err);
    srch_code rc = search_unguarded(s, query, opts, out, err);
    API_LEAVE();
    return rc;
}

srch_code srch_count(srch_searcher *s, const char *query, const srch_search_options *opts, uint64_t *out,
                     srch_error *err)
{
    API_GUARD(err);
    srch_code rc = count_unguarded(s, query, opts, out, err);
    API_LEAVE();
    return rc;
}

char *srch_snippet(const srch_hit *h, size_t max_bytes, const char *open, const char *close)
{
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) return NULL;
    char *snippet = snippet_unguarded(h, max_bytes, open, close);
    oom_leave(&g);
    return snippet;
}
