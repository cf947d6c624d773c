/*
 * query_parse.c: query text -> a tree of terms, phrases and groups.
 *
 * The syntax is the subset of Lucene's classic query parser that the
 * search-benchmark-game and most users rely on (search(1) "Query syntax"):
 * words are optional (scored) clauses, +word and -word are required and
 * excluded ones, AND / OR / NOT and parentheses group, "..." is a phrase and
 * "..."~N a sloppy one, word* a prefix, and title: / heading: / body: name a
 * field. As in Lucene, `a AND b` makes both sides required and NOT excludes
 * the clause after it.
 *
 * The parser never fails on what people type: unbalanced quotes end at the
 * end of the text, an unmatched ')' is ignored and a missing one is implied,
 * a lone '-' is ignored, parentheses nested too deep read as spaces. The one
 * error is a query with more than QUERY_MAX_TERMS keys.
 *
 * Words go through the same Analyzer as the indexed text; a word the
 * analyzer splits (covid-19) becomes a phrase of its parts, a stop word
 * disappears, but still counts as a position inside a phrase.
 */
#include "query/query.h"

#include <stdlib.h>

typedef struct {
    char term[TERM_MAX_BYTES + 1];
    size_t len;
    uint32_t pos;
} WordToken;

typedef struct {
    WordToken tok[QUERY_MAX_TERMS];
    size_t n;
    int overflow;
    int folded; /* collecting folded (unstemmed) tokens for a prefix */
} Tokens;

typedef struct {
    Analyzer *an;
    const Index *ix;
    const QueryOptions *o;
    Query *q;
    Tokens *t;
    const char *s;
    size_t i, len;
    int overflow;
    int corrupt; /* a lexicon entry read was (err_msg says which) */
} Parser;

void query_options_default(QueryOptions *o)
{
    o->title = QUERY_TITLE_BOOST_DEFAULT;
    o->heading = QUERY_HEADING_BOOST_DEFAULT;
    o->max_expansions = QUERY_MAX_EXPANSIONS_DEFAULT;
    o->prefix_each = NULL;
    o->prefix_src = NULL;
    o->global = NULL;
}

/* ---- building the tree ---- */

static int32_t new_node(Parser *p, QueryNodeKind kind)
{
    Query *q = p->q;
    if (q->nnodes == QUERY_MAX_NODES) {
        p->overflow = 1;
        return -1;
    }
    QueryNode *n = &q->nodes[q->nnodes];
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->child = n->next = -1;
    n->a = (uint32_t)q->nkeys;
    return (int32_t)q->nnodes++;
}

static int add_key(Parser *p, int field, const char *term, size_t len, float boost, uint32_t pos)
{
    Query *q = p->q;
    if (q->nkeys == QUERY_MAX_TERMS) {
        p->overflow = 1;
        return -1;
    }
    QueryTerm *k = &q->keys[q->nkeys++];
    memset(k, 0, sizeof *k);
    k->len = field_key(field, term, len, k->term);
    k->boost = boost;
    k->pos = pos;
    return 0;
}

/* A word in the fields it is read in: one field when named, else the body
 * and the extra fields whose boost is above 0. */
static int32_t term_node(Parser *p, int field, const char *term, size_t len)
{
    int32_t id = new_node(p, QN_TERM);
    if (id < 0) return -1;
    if (field >= 0) {
        add_key(p, field, term, len, 1.0f, 0);
    } else {
        add_key(p, FIELD_BODY, term, len, 1.0f, 0);
        if (p->o->title > 0) add_key(p, FIELD_TITLE, term, len, p->o->title, 0);
        if (p->o->heading > 0) add_key(p, FIELD_HEADING, term, len, p->o->heading, 0);
    }
    p->q->nodes[id].n = (uint32_t)(p->q->nkeys - p->q->nodes[id].a);
    return id;
}

/* The analysed words of one word or phrase: nothing, a term, or a phrase
 * (read in the body unless a field is named). */
static int32_t words_node(Parser *p, int field, uint32_t slop)
{
    Tokens *t = p->t;
    if (t->n == 0) return -1;
    if (t->n == 1) return term_node(p, field, t->tok[0].term, t->tok[0].len);
    int32_t id = new_node(p, QN_PHRASE);
    if (id < 0) return -1;
    for (size_t i = 0; i < t->n; i++)
        add_key(p, field >= 0 ? field : FIELD_BODY, t->tok[i].term, t->tok[i].len, 1.0f,
                t->tok[i].pos - t->tok[0].pos);
    QueryNode *n = &p->q->nodes[id];
    n->n = (uint32_t)(p->q->nkeys - n->a);
    n->slop = slop;
    return id;
}

static void on_token(void *ctx, const Token *tok)
{
    Tokens *t = ctx;
    if (t->n == QUERY_MAX_TERMS) {
        t->overflow = 1;
        return;
    }
    WordToken *w = &t->tok[t->n++];
    w->len = tok->len;
    memcpy(w->term, tok->term, tok->len);
    w->pos = tok->pos;
}

static void analyse(Parser *p, const char *text, size_t len, int folded)
{
    p->t->n = 0;
    uint32_t words = folded ? analyzer_run_folded(p->an, text, len, on_token, p->t)
                            : analyzer_run(p->an, text, len, on_token, p->t);
    p->q->words += words;
    if (p->t->overflow) p->overflow = 1;
}

/* ---- prefix queries ---- */

/* A prefix's candidate expansion: its live df and its key. */
typedef struct {
    uint64_t df;
    uint8_t len;
    char key[FIELD_KEY_MAX];
} Pick;

/* What the parser works in, allocated once by query_init. */
typedef struct {
    Tokens tokens;
    Pick pick[QUERY_MAX_TERMS];
} ParseScratch;

static void sift_down(Pick *h, size_t n, size_t j)
{
    for (;;) {
        size_t c = 2 * j + 1;
        if (c >= n) return;
        if (c + 1 < n && h[c + 1].df < h[c].df) c++;
        if (h[c].df >= h[j].df) return;
        Pick t = h[j];
        h[j] = h[c];
        h[c] = t;
        j = c;
    }
}

/* The keys of a prefix, at most max of them: the most frequent when there
 * are more (a min-heap on df of the best so far). */
typedef struct {
    Pick *out;
    size_t n, max;
    uint64_t seen;
} Picking;

static void fill_pick(Pick *slot, const char *key, size_t len, uint64_t df)
{
    slot->df = df;
    slot->len = (uint8_t)len;
    memcpy(slot->key, key, len);
}

static void pick_key(void *ctx, const char *key, size_t len, uint64_t df)
{
    Picking *p = ctx;
    p->seen++;
    if (p->n < p->max) {
        fill_pick(&p->out[p->n++], key, len, df);
        if (p->n == p->max) /* just filled: make it a heap */
            for (size_t j = p->n / 2; j-- > 0;) sift_down(p->out, p->n, j);
    } else if (df > p->out[0].df) {
        fill_pick(&p->out[0], key, len, df);
        sift_down(p->out, p->n, 0);
    }
}

static int by_lexicon_order(const void *a, const void *b)
{
    const Pick *x = a, *y = b;
    return key_cmp(x->key, x->len, y->key, y->len);
}

/* word* : a group of the lexicon terms that start with the folded word (not
 * stemmed: the stem of a prefix is not a prefix of the stems). */
static int32_t prefix_node(Parser *p, int field, const char *word, size_t len)
{
    size_t words = p->q->words;
    analyse(p, word, len, 1);
    if (p->t->n != 1) { /* several words or none: read it as plain words */
        p->q->words = words;
        analyse(p, word, len, 0);
        return words_node(p, field, 0);
    }
    char key[FIELD_KEY_MAX + 1];
    size_t kl = field_key(field >= 0 ? field : FIELD_BODY, p->t->tok[0].term, p->t->tok[0].len, key);
    int32_t g = new_node(p, QN_GROUP);
    if (g < 0) return g;
    size_t max = p->o->max_expansions ? p->o->max_expansions : 1, room = QUERY_MAX_TERMS - p->q->nkeys;
    if (max > room) max = room;
    if (max == 0) { /* no key left for it */
        p->overflow = 1;
        return g;
    }
    Picking pk = {((ParseScratch *)p->q->scratch)->pick, 0, max, 0};
    int rc = p->o->prefix_each ? p->o->prefix_each(p->o->prefix_src, p->ix, key, kl, pick_key, &pk)
                               : index_prefix_each(p->ix, key, kl, pick_key, &pk);
    if (rc != 0) p->corrupt = 1;
    size_t n = pk.n;
    if (n < pk.seen)
        buf_printf(&p->q->notes, "prefix '%.*s*' matches %llu terms; searching the %zu most frequent\n", (int)len,
                   word, (unsigned long long)pk.seen, n);
    qsort(pk.out, n, sizeof *pk.out, by_lexicon_order);
    int32_t last = -1;
    for (size_t i = 0; i < n; i++) {
        const Pick *pick = &pk.out[i];
        int32_t id = new_node(p, QN_TERM);
        if (id < 0) return g;
        if (p->q->nkeys == QUERY_MAX_TERMS) {
            p->overflow = 1;
            return g;
        }
        QueryTerm *k = &p->q->keys[p->q->nkeys++];
        memset(k, 0, sizeof *k);
        memcpy(k->term, pick->key, pick->len);
        k->len = pick->len;
        k->boost = 1.0f;
        k->df = pick->df;
        k->found = 1;
        p->q->nodes[id].n = 1;
        if (last < 0) p->q->nodes[g].child = id;
        else p->q->nodes[last].next = id;
        last = id;
    }
    return g;
}

/* ---- the syntax ---- */

static int at_end(const Parser *p) { return p->i >= p->len; }
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static int ends_word(char c) { return is_space(c) || c == '(' || c == ')' || c == '"'; }

static void skip_space(Parser *p)
{
    while (!at_end(p) && is_space(p->s[p->i])) p->i++;
}

/* The operator keyword at the cursor, consumed: 'A'nd, 'O'r, 'N'ot, or 0. */
static int keyword(Parser *p)
{
    static const struct { const char *w; int op; } kw[] = {
        {"AND", 'A'}, {"&&", 'A'}, {"OR", 'O'}, {"||", 'O'}, {"NOT", 'N'},
    };
    for (size_t k = 0; k < sizeof kw / sizeof kw[0]; k++) {
        size_t l = strlen(kw[k].w);
        if (p->len - p->i < l || memcmp(p->s + p->i, kw[k].w, l) != 0) continue;
        if (p->i + l < p->len && !ends_word(p->s[p->i + l])) continue;
        p->i += l;
        return kw[k].op;
    }
    return 0;
}

/* A field name and ':' at the cursor, consumed: its FIELD_*, or -1. */
static int field_prefix(Parser *p)
{
    static const struct { const char *name; int field; } f[] = {
        {"title:", FIELD_TITLE}, {"heading:", FIELD_HEADING}, {"body:", FIELD_BODY},
        {"text:", FIELD_BODY}, /* the search-benchmark-game's name for it */
    };
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
        size_t l = strlen(f[k].name);
        if (p->len - p->i >= l && memcmp(p->s + p->i, f[k].name, l) == 0) {
            p->i += l;
            return f[k].field;
        }
    }
    return -1;
}

static int32_t parse_group(Parser *p, int depth, int field);

/* "..." and an optional ~N. */
static int32_t parse_phrase(Parser *p, int field)
{
    size_t start = ++p->i;
    while (!at_end(p) && p->s[p->i] != '"') p->i++;
    size_t end = p->i;
    if (!at_end(p)) p->i++;
    uint32_t slop = 0;
    if (!at_end(p) && p->s[p->i] == '~') {
        p->i++;
        while (!at_end(p) && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
            slop = slop * 10 + (uint32_t)(p->s[p->i++] - '0');
            if (slop > 100000) slop = 100000;
        }
    }
    analyse(p, p->s + start, end - start, 0);
    return words_node(p, field, slop);
}

/* One clause's body: a group, a phrase or a word, or -1 for nothing. */
static int32_t parse_atom(Parser *p, int depth, int field)
{
    int f = field_prefix(p);
    if (f >= 0) field = f;
    if (at_end(p)) return -1;
    char c = p->s[p->i];
    if (c == '(' && depth < QUERY_MAX_DEPTH) {
        p->i++;
        return parse_group(p, depth + 1, field);
    }
    if (c == '"') return parse_phrase(p, field);
    size_t start = p->i;
    while (!at_end(p) && !ends_word(p->s[p->i])) p->i++;
    if (p->i == start) { /* a '(' too deep: skip it */
        p->i++;
        return -1;
    }
    size_t len = p->i - start;
    if (len > 1 && p->s[start + len - 1] == '*') return prefix_node(p, field, p->s + start, len - 1);
    analyse(p, p->s + start, len, 0);
    return words_node(p, field, 0);
}

/* 1 when AND follows (without consuming it). */
static int and_follows(Parser *p)
{
    size_t at = p->i;
    skip_space(p);
    int op = keyword(p);
    p->i = at;
    return op == 'A';
}

/* A word repeated as an optional clause of the same group scores as one
 * with the boosts added (as the flat query does); folding it into the
 * first keeps a long query of repeated words within the key limit. The
 * repeat is the newest node and its keys the newest keys, so it is
 * dropped by shrinking the arrays. */
static int merge_repeat(Parser *p, int32_t g, int32_t id)
{
    Query *q = p->q;
    const QueryNode *n = &q->nodes[id];
    if (n->kind != QN_TERM || n->occur != OCC_SHOULD || and_follows(p)) return 0;
    for (int32_t c = q->nodes[g].child; c >= 0; c = q->nodes[c].next) {
        const QueryNode *o = &q->nodes[c];
        if (o->kind != QN_TERM || o->occur != OCC_SHOULD || o->n != n->n) continue;
        uint32_t k = 0;
        while (k < n->n && q->keys[o->a + k].len == q->keys[n->a + k].len &&
               memcmp(q->keys[o->a + k].term, q->keys[n->a + k].term, q->keys[n->a + k].len) == 0)
            k++;
        if (k < n->n) continue;
        for (k = 0; k < n->n; k++) q->keys[o->a + k].boost += q->keys[n->a + k].boost;
        q->nkeys -= n->n;
        q->nnodes--;
        return 1;
    }
    return 0;
}

/* Clauses up to the matching ')' (depth > 0) or the end. */
static int32_t parse_group(Parser *p, int depth, int field)
{
    int32_t g = new_node(p, QN_GROUP), last = -1;
    int and_pending = 0, not_pending = 0;
    while (g >= 0 && !p->overflow) {
        skip_space(p);
        if (at_end(p)) break;
        if (p->s[p->i] == ')') {
            p->i++;
            if (depth > 0) break;
            continue; /* unmatched: ignored */
        }
        int op = keyword(p);
        if (op == 'A') and_pending = 1;
        if (op == 'N') not_pending = 1;
        if (op) continue;
        int occur = not_pending ? OCC_MUST_NOT : OCC_SHOULD;
        while (!at_end(p) && (p->s[p->i] == '+' || p->s[p->i] == '-' || p->s[p->i] == '!')) {
            occur = p->s[p->i] == '+' ? OCC_MUST : OCC_MUST_NOT;
            p->i++;
        }
        not_pending = 0;
        int32_t id = parse_atom(p, depth, field);
        if (id < 0) continue;
        QueryNode *n = &p->q->nodes[id];
        n->occur = (uint8_t)occur;
        if (and_pending) { /* a AND b: both sides required */
            if (last >= 0 && p->q->nodes[last].occur == OCC_SHOULD) p->q->nodes[last].occur = OCC_MUST;
            if (n->occur == OCC_SHOULD) n->occur = OCC_MUST;
            and_pending = 0;
        }
        if (merge_repeat(p, g, id)) continue;
        if (last < 0) p->q->nodes[g].child = id;
        else p->q->nodes[last].next = id;
        last = id;
    }
    return g;
}

/* ---- after parsing ---- */

/* 1 when the tree under node is a union of terms: groups of SHOULD terms. */
static int is_flat(const Query *q, int32_t node)
{
    const QueryNode *n = &q->nodes[node];
    if (n->kind == QN_PHRASE || n->occur != OCC_SHOULD) return 0;
    if (n->kind == QN_TERM) return 1;
    for (int32_t c = n->child; c >= 0; c = q->nodes[c].next)
        if (!is_flat(q, c)) return 0;
    return 1;
}

/* 1 when the root's clauses are one-key words, all required (or there is
 * just one optional one) and no key comes twice. */
static int is_conjunctive(const Query *q)
{
    const QueryNode *root = &q->nodes[0];
    if (q->nnodes < 2 || q->n != q->nkeys) return 0;
    int clauses = 0, required = 0;
    for (int32_t c = root->child; c >= 0; c = q->nodes[c].next) {
        const QueryNode *n = &q->nodes[c];
        if (n->kind != QN_TERM || n->n != 1 || n->occur == OCC_MUST_NOT) return 0;
        clauses++;
        required += n->occur == OCC_MUST;
    }
    return clauses > 0 && (required == clauses || clauses == 1);
}

/* idf and weight of a key whose df is known: from the whole index (or
 * the whole corpus, N given). */
static void weigh(uint64_t N, const Bm25 *bm, QueryTerm *t)
{
    t->idf = t->df ? bm25_idf(N, t->df) : 0.0f;
    t->weight = t->idf * (bm->k1 + 1.0f) * t->boost;
}

static uint64_t passages_of(const Index *ix, const QueryGlobal *g) { return g ? g->passages : index_stats(ix)->passages; }

/* A look-up that fails here (-1: a corrupt entry) cannot: look_up_keys
 * made the same look-up in every segment, and the parse failed if one did. */
static void bind_term(QueryTerm *t, const Segment *sg)
{
    t->found = t->df > 0 && segment_lookup(sg, t->term, t->len, &t->info) == 1;
}

/* Every key's live df and its entry in the first segment: the query
 * leaves bound to it. A prefix's expansions came with their df, but are
 * looked up in every segment all the same, so that a corrupt lexicon entry
 * on the way to one fails the parse, not a later segment's search. -1 when
 * one does. */
static int look_up_keys(Query *q, const Index *ix, const Bm25 *bm, const QueryGlobal *g)
{
    if (g && g->ndf != q->nkeys) {
        err_set("the statistics given are for a query of %zu keys, not this one's %zu", g->ndf, q->nkeys);
        return -1;
    }
    for (size_t i = 0; i < q->nkeys; i++) {
        QueryTerm *t = &q->keys[i];
        uint64_t df = index_df(ix, t->term, t->len, &t->info, &t->found);
        if (df == INDEX_DF_CORRUPT) return -1;
        t->found = t->found && df > 0; /* cursors are opened where the postings are */
        t->df = g ? g->df[i] : df;     /* the weight is the corpus's */
        weigh(passages_of(ix, g), bm, t);
    }
    q->bound = index_segment(ix, 0);
    return 0;
}

void query_bind(Query *q, const Segment *sg)
{
    if (q->bound == sg) return;
    for (size_t i = 0; i < q->nkeys; i++) bind_term(&q->keys[i], sg);
    for (size_t i = 0; i < q->n; i++) bind_term(&q->terms[i], sg);
    q->bound = sg;
}

/* terms = the distinct keys, boosts of repeats added (a word twice counts
 * twice, as Lucene's BooleanQuery of a term twice does); their look-ups
 * are the keys'. */
static void merge_terms(Query *q, uint64_t N, const Bm25 *bm)
{
    q->n = 0;
    for (size_t i = 0; i < q->nkeys; i++) {
        const QueryTerm *k = &q->keys[i];
        size_t j = 0;
        while (j < q->n && !(q->terms[j].len == k->len && memcmp(q->terms[j].term, k->term, k->len) == 0)) j++;
        if (j < q->n) {
            q->terms[j].boost += k->boost;
            continue;
        }
        q->terms[q->n] = *k;
        q->terms[q->n].pos = 0;
        q->n++;
    }
    for (size_t i = 0; i < q->n; i++) weigh(N, bm, &q->terms[i]);
}

static void phrase_weights(Query *q)
{
    for (size_t i = 0; i < q->nnodes; i++) {
        QueryNode *n = &q->nodes[i];
        if (n->kind != QN_PHRASE) continue;
        n->weight = 0;
        for (uint32_t k = n->a; k < n->a + n->n; k++) n->weight += q->keys[k].weight;
    }
}

int query_parse_with(Analyzer *an, const Index *ix, const Bm25 *bm, const QueryOptions *o, const char *text,
                     Query *q)
{
    QueryOptions def;
    if (!o) {
        query_options_default(&def);
        o = &def;
    }
    q->n = q->nkeys = q->nnodes = q->words = 0;
    q->bound = NULL;
    q->notes.len = 0;
    Tokens *t = &((ParseScratch *)q->scratch)->tokens;
    t->n = 0;
    t->overflow = 0;
    Parser p = {an, ix, o, q, t, text, 0, strlen(text), 0, 0};
    parse_group(&p, 0, -1);
    if (p.corrupt || (!p.overflow && look_up_keys(q, ix, bm, o->global) != 0)) { /* err_msg names the file */
        q->n = q->nkeys = q->nnodes = 0;
        return -1;
    }
    if (p.overflow) {
        err_set("query has more than %d terms (after expanding prefixes and fields)", QUERY_MAX_TERMS);
        q->n = q->nkeys = q->nnodes = 0;
        return -1;
    }
    phrase_weights(q);
    merge_terms(q, passages_of(ix, o->global), bm);
    q->flat = is_flat(q, 0);
    q->conjunctive = is_conjunctive(q);
    return 0;
}


/* ---- rewriting a parsed query (feedback.c) ---- */

/* The sum of the boosts of the keys that score: those of every clause
 * but the excluded ones (and what lies under them). */
static float scored_boosts(const Query *q, int32_t node)
{
    const QueryNode *n = &q->nodes[node];
    if (n->occur == OCC_MUST_NOT) return 0.0f;
    float sum = 0.0f;
    if (n->kind != QN_GROUP) {
        for (uint32_t k = n->a; k < n->a + n->n; k++) sum += q->keys[k].boost;
        return sum;
    }
    for (int32_t c = n->child; c >= 0; c = q->nodes[c].next) sum += scored_boosts(q, c);
    return sum;
}

float query_scale_boosts(Query *q, float share)
{
    float total = q->nnodes ? scored_boosts(q, 0) : 0.0f;
    if (total <= 0) return 0.0f;
    for (size_t i = 0; i < q->nkeys; i++) q->keys[i].boost *= share / total;
    return total;
}

int query_add_term(Query *q, int field, const char *term, size_t len, float boost)
{
    if (q->nnodes == 0 || q->nnodes == QUERY_MAX_NODES || q->nkeys == QUERY_MAX_TERMS) return -1;
    Parser p = {0};
    p.q = q;
    int32_t id = new_node(&p, QN_TERM);
    add_key(&p, field, term, len, boost, 0);
    q->nodes[id].n = 1;
    int32_t *link = &q->nodes[0].child; /* appended as the root's last clause */
    while (*link >= 0) link = &q->nodes[*link].next;
    *link = id;
    return 0;
}

int query_reweigh(Query *q, const Index *ix, const Bm25 *bm)
{
    if (look_up_keys(q, ix, bm, NULL) != 0) { /* this index's statistics: not for a shard */
        q->n = q->nkeys = q->nnodes = 0;
        return -1;
    }
    phrase_weights(q);
    merge_terms(q, passages_of(ix, NULL), bm);
    q->flat = is_flat(q, 0);
    q->conjunctive = is_conjunctive(q);
    return 0;
}

void query_init(Query *q)
{
    memset(q, 0, sizeof *q);
    q->keys = xmalloc(QUERY_MAX_TERMS * sizeof *q->keys);
    q->terms = xmalloc(QUERY_MAX_TERMS * sizeof *q->terms);
    q->nodes = xmalloc(QUERY_MAX_NODES * sizeof *q->nodes);
    q->scratch = xmalloc(sizeof(ParseScratch));
}

void query_free(Query *q)
{
    free(q->keys);
    free(q->terms);
    free(q->nodes);
    free(q->scratch);
    buf_free(&q->notes);
    memset(q, 0, sizeof *q);
}
