/*
 * searcher.c: srch_search and its hits. A searcher holds what one
 * thread's queries reuse: the analyser (its stem cache), the parsed
 * query's room, the algorithms' cursors and the top k. Hits are copied
 * out into their own memory (hits.c), so they outlive the next search
 * and the searcher; srch_search_into reuses that memory, so that a loop
 * of searches allocates nothing once it has grown.
 */
#include "api/api.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct srch_searcher {
    srch_index *x;
    Analyzer *an;
    Query q;
    Bm25 bm25;
    SearchContext ctx;
    int ctx_ready; /* ctx was made for bm25's k1 and b */
    TopK top;      /* the last search's, kept while k and grouping stay */
    int top_ready;
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
    if (s->top_ready) topk_free(&s->top);
    if (s->ctx_ready) search_context_free(&s->ctx);
    query_free(&s->q);
    analyzer_free(s->an);
    free(s);
}

void srch_search_options_init(srch_search_options *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->k1 = o->b = -1.0f; /* the index's: its maxima are exact for them */
    o->title_boost = QUERY_TITLE_BOOST_DEFAULT;
    o->heading_boost = QUERY_HEADING_BOOST_DEFAULT;
    o->max_expansions = QUERY_MAX_EXPANSIONS_DEFAULT;
    o->rm3_docs = FEEDBACK_DOCS_DEFAULT;
    o->rm3_terms = FEEDBACK_TERMS_DEFAULT;
    o->rm3_weight = FEEDBACK_WEIGHT_DEFAULT;
}

#define MAX_HITS 1000000

static srch_code check_options(const srch_search_options *o, const Algorithm **alg, srch_error *err)
{
    if (o->k < 1 || o->k > MAX_HITS || o->offset > MAX_HITS)
        return api_fail_msg(err, SRCH_BAD_ARG, "k must be 1 to %d and offset at most %d", MAX_HITS, MAX_HITS);
    /* negative: the index's; a NaN is neither and is refused */
    if (!impact_valid(o->k1 < 0 ? IMPACT_K1 : o->k1, o->b < 0 ? IMPACT_B : o->b))
        return api_fail_msg(err, SRCH_BAD_ARG, "k1 must be 0 to %g and b 0 to 1", (double)IMPACT_K1_MAX);
    if (!(o->title_boost >= 0 && o->title_boost <= 100) || !(o->heading_boost >= 0 && o->heading_boost <= 100))
        return api_fail_msg(err, SRCH_BAD_ARG, "field boosts must be 0 to 100");
    if (o->max_expansions < 1 || o->max_expansions > QUERY_MAX_TERMS)
        return api_fail_msg(err, SRCH_BAD_ARG, "max_expansions must be 1 to %d", QUERY_MAX_TERMS);
    if (o->per_article > 1000) return api_fail_msg(err, SRCH_BAD_ARG, "per_article must be at most 1000");
    if (!(o->article_weight >= 0 && o->article_weight <= ARTICLE_WEIGHT_MAX))
        return api_fail_msg(err, SRCH_BAD_ARG, "article_weight must be 0 to %g", (double)ARTICLE_WEIGHT_MAX);
    if (!(o->proximity >= 0 && o->proximity <= PROXIMITY_WEIGHT_MAX))
        return api_fail_msg(err, SRCH_BAD_ARG, "proximity must be 0 to %g", (double)PROXIMITY_WEIGHT_MAX);
    if (o->rm3 && (o->rm3_docs < 1 || o->rm3_docs > FEEDBACK_MAX_DOCS || o->rm3_terms < 1 ||
                   o->rm3_terms > FEEDBACK_MAX_TERMS || !(o->rm3_weight >= 0 && o->rm3_weight <= 1)))
        return api_fail_msg(err, SRCH_BAD_ARG, "rm3_docs must be 1 to %d, rm3_terms 1 to %d and rm3_weight 0 to 1",
                            FEEDBACK_MAX_DOCS, FEEDBACK_MAX_TERMS);
    *alg = o->algorithm ? algorithm_find(o->algorithm) : algorithm_default();
    if (!*alg)
        return api_fail_msg(err, SRCH_BAD_ARG, "unknown algorithm '%s' (known: %s)", o->algorithm, algorithm_names());
    return SRCH_OK;
}

/* What srch_search and srch_count start with: the options checked (opts
 * NULL: *defaults, filled), the context made for their k1 and b, the
 * query parsed (and, with rm3, expanded). */
static srch_code prepare(srch_searcher *s, const char *query, const srch_search_options *opts,
                         srch_search_options *defaults, const srch_search_options **out, const Algorithm **alg,
                         const SearchView *v, srch_error *err)
{
    const Index *ix = s->x->ix;
    if (!opts) srch_search_options_init(defaults);
    const srch_search_options *o = *out = opts ? opts : defaults;
    srch_code rc = check_options(o, alg, err);
    if (rc != SRCH_OK) return rc;
    if (!query) return api_fail_msg(err, SRCH_BAD_ARG, "no query given");
    float k1 = o->k1, b = o->b;
    bm25_params(index_stats(ix), &k1, &b);
    if (s->ctx_ready && (s->bm25.k1 != k1 || s->bm25.b != b)) {
        search_context_free(&s->ctx); /* its bounds hold for one k1 and b */
        s->ctx_ready = 0;
    }
    /* the mean length every query is scored with: the index's, or the
     * whole corpus's for a shard (the bounds hold for any: search_segment) */
    IndexStats st = *index_stats(ix);
    if (v && v->global) {
        st.passages = v->global->passages;
        st.total_length = v->total_length;
    }
    bm25_init(&s->bm25, k1, b, &st);
    if (!s->ctx_ready) {
        search_context_init(&s->ctx, ix, &s->bm25);
        s->ctx_ready = 1;
    }
    QueryOptions qo = {o->title_boost, o->heading_boost, o->max_expansions, v ? v->prefix_each : NULL,
                       v ? v->prefix_src : NULL, v ? v->global : NULL};
    if (query_parse_with(s->an, ix, &s->bm25, &qo, query, &s->q) != 0) return api_fail(err, SRCH_BAD_QUERY);
    s->ctx.q = &s->q;
    s->ctx.proximity = o->proximity;
    if (o->rm3) {
        FeedbackOptions fo = {o->rm3_docs, o->rm3_terms, o->rm3_weight};
        if (feedback_expand(&s->ctx, *alg, s->an, &fo) != 0) return api_fail(err, SRCH_CORRUPT);
    }
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

/* The searcher's top k for k hits (best passage per article when group
 * is set), made anew only when k or the grouping changed: a grouping top
 * k holds a slot per article, too much to allocate for every query. */
static TopK *searcher_top(srch_searcher *s, size_t k, int group)
{
    const Index *g = group ? s->x->ix : NULL;
    if (s->top_ready && s->top.k == k && s->top.group == g) {
        topk_clear(&s->top);
        return &s->top;
    }
    if (s->top_ready) topk_free(&s->top);
    s->top_ready = 0; /* till made: running out of memory midway leaves none half made */
    topk_init(&s->top, k, g);
    s->top_ready = 1;
    return &s->top;
}

/* ---- collecting hits ---- */

typedef struct {
    srch_searcher *s;
    const srch_search_options *o;
    srch_hits *h;
} Collector;

/* Where the query's words are in hit i's text (in h->text). */
static void add_highlights(Collector *c, size_t i)
{
    srch_hits *h = c->h;
    Span *m = NULL;
    size_t nm = snippet_matches(c->s->an, &c->s->q, (const char *)h->text.data, h->text.len, &m);
    h->off[i].span0 = h->spans.len / sizeof(srch_span);
    for (size_t j = 0; j < nm; j++) {
        srch_span sp = {m[j].start, m[j].end};
        buf_append(&h->spans, &sp, sizeof sp);
    }
    free(m);
    h->v[i].nhighlights = nm;
}

static void add_explain(Collector *c, size_t i)
{
    srch_hits *h = c->h;
    uint32_t pid = (uint32_t)h->v[i].passage_id;
    h->explain.len = 0;
    if (explain_hit(&c->s->ctx, pid, 1, "", &h->explain) >= 0)
        h->off[i].explain_json = api_hits_put(h, h->explain.data, h->explain.len);
    h->explain.len = 0;
    if (explain_hit(&c->s->ctx, pid, 0, "      ", &h->explain) >= 0)
        h->off[i].explain_text = api_hits_put(h, h->explain.data, h->explain.len);
}

static int add_hit(Collector *c, size_t rank, size_t article_hit, const Hit *hit)
{
    size_t i = api_hits_add(c->h, rank, article_hit, hit->pid, hit->score);
    if (c->o->scores_only) return 0;
    if (api_hits_records(c->h, c->s->x->ix, i, !c->o->ids_only) != 0) return -1;
    if (c->o->ids_only) return 0;
    add_highlights(c, i);
    if (c->o->explain) add_explain(c, i);
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
    int rc = search_range_ranked(&c->s->ctx, &top, a.first_passage, a.first_passage + a.npassages - 1);
    size_t n = rc == 0 ? topk_sorted(&top) : 0;
    for (size_t i = 0; i < n && rc == 0; i++) rc = add_hit(c, rank, i + 1, &top.heap[i]);
    topk_free(&top);
    return rc;
}

/* What the query made of the words, for srch_hits_notes and _flags. */
static void note_query(srch_hits *h, const Query *q)
{
    buf_append(&h->notes, q->notes.data, q->notes.len);
    buf_put_u8(&h->notes, 0);
    h->flags = (q->n == 0 ? SRCH_QUERY_NO_TERMS : 0) | (only_excludes(q) ? SRCH_QUERY_ONLY_EXCLUDES : 0) |
               (q->n == 0 && q->words > 0 ? SRCH_QUERY_ONLY_STOP_WORDS : 0);
}

/* The most passages an article of the index has, read once per open index. */
static uint32_t most_passages(srch_index *x)
{
    pthread_mutex_lock(&x->mu);
    if (!x->most_passages) x->most_passages = index_max_article_passages(x->ix);
    uint32_t most = x->most_passages;
    pthread_mutex_unlock(&x->mu);
    return most;
}

/* The ranking itself: passages, articles by their best passage (a
 * grouping top k) or, with article evidence, by article_score.c's A;
 * with the proximity part when asked (proximity_search.c). */
static int rank(srch_searcher *s, const srch_search_options *o, const Algorithm *alg, TopK *top)
{
    if (o->per_article && o->article_weight > 0)
        return search_articles(alg, &s->ctx, o->article_weight, most_passages(s->x), top);
    return search_ranked(alg, &s->ctx, top);
}

/* The top k of the query prepare parsed, and with o->total its count. */
static srch_code run_query(srch_searcher *s, const srch_search_options *o, const Algorithm *alg, TopK **out,
                           srch_hits *h, srch_error *err)
{
    TopK *top = *out = searcher_top(s, o->k + o->offset, o->per_article != 0 && o->article_weight == 0);
    if (rank(s, o, alg, top) != 0) {
        topk_free(top); /* a grouping top k that failed midway may hold stale slots */
        s->top_ready = 0;
        return api_fail(err, SRCH_CORRUPT);
    }
    topk_sorted(top);
    int64_t total = o->total ? search_count(&s->ctx) : 0;
    if (total < 0) return api_fail(err, SRCH_CORRUPT);
    h->total = (uint64_t)total;
    return SRCH_OK;
}

static srch_code search_into_unguarded(srch_searcher *s, const char *query, const srch_search_options *opts,
                                       const SearchView *v, srch_hits **hits, srch_error *err)
{
    if (!*hits) *hits = xcalloc(1, sizeof **hits);
    srch_hits *h = *hits;
    api_hits_reset(h);
    srch_search_options defaults;
    const srch_search_options *o;
    const Algorithm *alg;
    TopK *top;
    srch_code rc = prepare(s, query, opts, &defaults, &o, &alg, v, err);
    if (rc == SRCH_OK) rc = run_query(s, o, alg, &top, h, err);
    if (rc != SRCH_OK) return rc;
    Collector c = {s, o, h};
    int failed = 0;
    for (size_t i = o->offset; i < top->n && !failed; i++)
        failed = (o->per_article ? add_article(&c, i + 1, &top->heap[i]) : add_hit(&c, i + 1, 0, &top->heap[i])) != 0;
    if (failed) {
        api_hits_reset(h);
        return api_fail(err, SRCH_CORRUPT);
    }
    api_hits_finish(h);
    note_query(h, &s->q);
    return api_ok(err);
}

static srch_code search_unguarded(srch_searcher *s, const char *query, const srch_search_options *opts, srch_hits **out,
                                  srch_error *err)
{
    *out = NULL;
    srch_hits *h = NULL;
    srch_code rc = search_into_unguarded(s, query, opts, NULL, &h, err);
    if (rc != SRCH_OK) {
        srch_hits_free(h);
        return rc;
    }
    *out = h;
    return rc;
}

/* The names of srch_algorithms, from the table algorithms.c keeps. */
static const char *algorithm_names_list[16];
static pthread_once_t algorithm_names_once = PTHREAD_ONCE_INIT;

static void list_algorithms(void)
{
    size_t n;
    const Algorithm *a = algorithm_list(&n);
    assert(n < sizeof algorithm_names_list / sizeof *algorithm_names_list);
    for (size_t i = 0; i < n; i++) algorithm_names_list[i] = a[i].name;
}

const char *const *srch_algorithms(void)
{
    pthread_once(&algorithm_names_once, list_algorithms);
    return algorithm_names_list;
}

static srch_code count_unguarded(srch_searcher *s, const char *query, const srch_search_options *opts, uint64_t *out,
                                 srch_error *err)
{
    *out = 0;
    srch_search_options defaults;
    const srch_search_options *o;
    const Algorithm *alg;
    srch_code rc = prepare(s, query, opts, &defaults, &o, &alg, NULL, err);
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

/* Running out of memory midway leaves *hits half made: emptied, they
 * are the "no hits" of a failure. */
srch_code srch_search_into(srch_searcher *s, const char *query, const srch_search_options *opts, srch_hits **hits,
                           srch_error *err)
{
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) {
        api_hits_empty(*hits);
        return api_fail(err, SRCH_NOMEM);
    }
    srch_code rc = search_into_unguarded(s, query, opts, NULL, hits, err);
    oom_leave(&g);
    return rc;
}

srch_code api_search_view(srch_searcher *s, const char *query, const srch_search_options *opts, const SearchView *v,
                          srch_hits **hits, srch_error *err)
{
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) {
        api_hits_empty(*hits);
        return api_fail(err, SRCH_NOMEM);
    }
    srch_code rc = search_into_unguarded(s, query, opts, v, hits, err);
    oom_leave(&g);
    return rc;
}

/* The query's statistics in this index: N, total length, each key's df. */
static srch_code local_unguarded(srch_searcher *s, const char *query, const srch_search_options *opts,
                                 const SearchView *v, Buf *out, srch_error *err)
{
    srch_search_options defaults;
    const srch_search_options *o;
    const Algorithm *alg;
    SearchView local = {v ? v->prefix_each : NULL, v ? v->prefix_src : NULL, NULL, 0};
    srch_code rc = prepare(s, query, opts, &defaults, &o, &alg, &local, err);
    if (rc != SRCH_OK) return rc;
    const IndexStats *st = index_stats(s->x->ix);
    buf_put_u64(out, st->passages);
    buf_put_u64(out, st->total_length);
    for (size_t i = 0; i < s->q.nkeys; i++) buf_put_u64(out, s->q.keys[i].df);
    return api_ok(err);
}

srch_code api_query_local(srch_searcher *s, const char *query, const srch_search_options *opts, const SearchView *v,
                          Buf *out, srch_error *err)
{
    API_GUARD(err);
    srch_code rc = local_unguarded(s, query, opts, v, out, err);
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
