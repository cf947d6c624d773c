/*
 * feedback.c: RM3 pseudo-relevance feedback (Lavrenko and Croft, 2001;
 * the RM3 interpolation of Abdul-Jaleel et al., 2004), as Anserini runs it
 * with BM25: the query's best passages are taken as relevant, the words
 * they share become weighted query terms, and the expanded query is what
 * is searched.
 *
 *   1. The query as given ranks its `docs` best passages (the first
 *      stage; the searcher's algorithm, so it costs a top-10 search).
 *   2. The relevance model: each word w of those passages weighs
 *      RM(w) = sum over feedback passages d of score(d) * tf(w, d) / |d|,
 *      with score(d) the first stage's BM25 score and |d| the passage's
 *      length in indexed tokens (Lavrenko's P(w|d) without smoothing,
 *      P(q|d) taken as the BM25 score, as Anserini does).
 *   3. Its `terms` heaviest words are kept, skipping, as Anserini does,
 *      words in more than a tenth of the passages (stop words and their
 *      like, which only add cost and noise) and one-byte words; their
 *      weights are scaled to sum to 1.
 *   4. RM3: the query's own keys are scaled so that their boosts sum to
 *      `weight` and the kept words are added as optional body words with
 *      boosts (1 - weight) * RM(w), summing to 1 - weight. A word in both
 *      adds up (the flat query merges the boosts).
 *
 * Anserini scales each passage's word vector to sum to 1 after dropping
 * the frequent words; here |d| counts every token, so that the frequent
 * words need not be looked up: the heaviest candidates are looked up in
 * turn until `terms` pass, a few dozen look-ups rather than one per word.
 *
 * The expanded query is a tree of weighted keys like any other: a union
 * runs through the pruned algorithms, with the same exactness, and the
 * first stage is itself exact, so every algorithm expands a query alike.
 */
#include "query/query.h"

#include <stdlib.h>

void feedback_options_default(FeedbackOptions *o)
{
    o->docs = FEEDBACK_DOCS_DEFAULT;
    o->terms = FEEDBACK_TERMS_DEFAULT;
    o->weight = FEEDBACK_WEIGHT_DEFAULT;
}

/* The relevance model being estimated: a weight per distinct word. */
typedef struct {
    StrMap words;   /* analysed word -> its entry */
    double *rm;     /* per entry: the sum of score(d) * tf / |d| */
    size_t cap;
    uint32_t *doc;  /* one passage's tokens as entries */
    size_t ndoc, doc_cap;
} Model;

static void on_token(void *ctx, const Token *tok)
{
    Model *m = ctx;
    int added;
    uint32_t *v = strmap_upsert(&m->words, tok->term, tok->len, &added);
    if (added) {
        *v = (uint32_t)(m->words.n - 1);
        if (m->words.n > m->cap) {
            m->cap = m->cap ? 2 * m->cap : 1024;
            m->rm = xrealloc(m->rm, m->cap * sizeof *m->rm);
        }
        m->rm[*v] = 0.0;
    }
    if (m->ndoc == m->doc_cap) {
        m->doc_cap = m->doc_cap ? 2 * m->doc_cap : 1024;
        m->doc = xrealloc(m->doc, m->doc_cap * sizeof *m->doc);
    }
    m->doc[m->ndoc++] = *v;
}

/* Adds a feedback passage's text, of first-stage score score. */
static void add_passage(Model *m, Analyzer *an, const char *text, size_t len, float score)
{
    m->ndoc = 0;
    analyzer_run(an, text, len, on_token, m);
    for (size_t i = 0; i < m->ndoc; i++) m->rm[m->doc[i]] += (double)score / (double)m->ndoc;
}

/* A candidate word: its weight and bytes, sorted without a context. */
typedef struct {
    double w;
    const char *word;
    uint32_t e;
} Candidate;

/* Heaviest first; ties by the word's bytes, so the order is the same
 * whatever order the words came in. */
static int by_weight(const void *a, const void *b)
{
    const Candidate *x = a, *y = b;
    if (x->w != y->w) return x->w > y->w ? -1 : 1;
    return strcmp(x->word, y->word);
}

/* 1 when word e may expand the query: longer than one byte, and in at most
 * a tenth of the live passages (-1: a corrupt lexicon entry). */
static int usable(const Model *m, size_t e, const Index *ix)
{
    const char *w = strmap_key(&m->words, e);
    size_t len = m->words.klens[e];
    if (len < 2) return 0;
    char key[FIELD_KEY_MAX + 1];
    size_t kl = field_key(FIELD_BODY, w, len, key);
    uint64_t df = index_df(ix, key, kl, NULL, NULL);
    if (df == INDEX_DF_CORRUPT) return -1;
    return df > 0 && (double)df <= FEEDBACK_MAX_DF_RATIO * (double)index_stats(ix)->passages;
}

/* The kept words, heaviest first, into keep[0..*n); their weights' sum,
 * or -1 (a corrupt lexicon entry). */
static double select_terms(Model *m, const Index *ix, uint32_t want, uint32_t *keep, size_t *n)
{
    size_t nw = m->words.n;
    Candidate *cand = xmalloc((nw ? nw : 1) * sizeof *cand);
    for (size_t i = 0; i < nw; i++) cand[i] = (Candidate){m->rm[i], strmap_key(&m->words, i), (uint32_t)i};
    qsort(cand, nw, sizeof *cand, by_weight);
    double sum = 0.0;
    *n = 0;
    for (size_t i = 0; i < nw && *n < want && cand[i].w > 0; i++) {
        int ok = usable(m, cand[i].e, ix);
        if (ok < 0) {
            sum = -1.0;
            break;
        }
        if (!ok) continue;
        keep[(*n)++] = cand[i].e;
        sum += cand[i].w;
    }
    free(cand);
    return sum;
}

/* The first stage: the query's o->docs best passages, into top. */
static int first_stage(SearchContext *c, const Algorithm *alg, uint32_t docs, TopK *top)
{
    topk_init(top, docs, NULL);
    if (search_ranked(alg, c, top) != 0) return -1;
    topk_sorted(top);
    return 0;
}

/* Steps 2-4 over the first stage's hits. */
static int expand(SearchContext *c, Analyzer *an, const FeedbackOptions *o, const TopK *top, Model *m)
{
    Buf text = {0};
    for (size_t i = 0; i < top->n; i++) {
        if (index_passage_text(c->ix, top->heap[i].pid, &text) != 0) {
            buf_free(&text);
            return -1;
        }
        add_passage(m, an, (const char *)text.data, text.len, top->heap[i].score);
    }
    buf_free(&text);
    uint32_t *keep = xmalloc((o->terms ? o->terms : 1) * sizeof *keep);
    size_t n;
    double sum = select_terms(m, c->ix, o->terms, keep, &n);
    int rc = sum < 0 ? -1 : 0;
    if (rc == 0 && n > 0 && query_scale_boosts(c->q, o->weight) > 0) {
        for (size_t i = 0; i < n; i++) {
            float boost = (float)((1.0 - (double)o->weight) * m->rm[keep[i]] / sum);
            if (query_add_term(c->q, FIELD_BODY, strmap_key(&m->words, keep[i]), m->words.klens[keep[i]], boost))
                break; /* the query is full: the heaviest words are in */
        }
        rc = query_reweigh(c->q, c->ix, c->bm25);
    }
    free(keep);
    return rc;
}

int feedback_expand(SearchContext *c, const Algorithm *alg, Analyzer *an, const FeedbackOptions *o)
{
    if (o->docs == 0 || o->terms == 0 || c->q->n == 0) return 0;
    TopK top;
    if (first_stage(c, alg, o->docs, &top) != 0) {
        topk_free(&top);
        return -1;
    }
    Model m = {0};
    strmap_init(&m.words);
    int rc = top.n ? expand(c, an, o, &top, &m) : 0;
    strmap_free(&m.words);
    free(m.rm);
    free(m.doc);
    topk_free(&top);
    return rc;
}
