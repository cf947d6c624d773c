/*
 * snippet.c: shows the part of a passage that answers the query.
 *
 * The query terms are found by running the passage through the same
 * Analyzer (so "reduce" marks "reducing"), the window of max_bytes holding
 * the most matches is chosen, widened back to a sentence start when one is
 * near, and printed with white space collapsed, Markdown heading markers
 * ("## ") dropped, control characters and invalid UTF-8 replaced (output
 * must always be valid text and JSON), and each match between the style's
 * markers.
 */
#include "query/query.h"

#include <stdlib.h>
#include <utf8proc.h>

/* The analysed tokens of the passage, in order. */
typedef struct {
    Span *span;
    char (*term)[TERM_MAX_BYTES + 1];
    uint8_t *tlen;
    uint32_t *pos;
    size_t n, cap;
} Tokens;

static void on_token(void *ctx, const Token *t)
{
    Tokens *k = ctx;
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 64;
        k->span = xrealloc(k->span, k->cap * sizeof *k->span);
        k->term = xrealloc(k->term, k->cap * sizeof *k->term);
        k->tlen = xrealloc(k->tlen, k->cap * sizeof *k->tlen);
        k->pos = xrealloc(k->pos, k->cap * sizeof *k->pos);
    }
    k->span[k->n] = (Span){t->start, t->end};
    memcpy(k->term[k->n], t->term, t->len);
    k->tlen[k->n] = (uint8_t)t->len;
    k->pos[k->n] = t->pos;
    k->n++;
}

typedef struct {
    const Tokens *tok;
    Span *v;
    size_t n, cap;
} Marks;

static void mark(Marks *m, size_t start, size_t end)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->v = xrealloc(m->v, m->cap * sizeof *m->v);
    }
    m->v[m->n++] = (Span){start, end};
}

/* Token index of position p (positions ascend). */
static size_t token_at(const Tokens *t, uint32_t p)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->pos[mid] < p) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void on_phrase(void *ctx, uint32_t first, uint32_t last)
{
    Marks *m = ctx;
    mark(m, m->tok->span[token_at(m->tok, first)].start, m->tok->span[token_at(m->tok, last)].end);
}

/* A body key's positions among the tokens (into out; returns the count). */
static uint32_t key_positions(const Tokens *t, const QueryTerm *k, uint32_t *out)
{
    uint32_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->tlen[i] == k->len && memcmp(t->term[i], k->term, k->len) == 0) out[n++] = t->pos[i];
    return n;
}

static void mark_phrase(Marks *m, const Query *q, const QueryNode *n)
{
    const uint32_t *pos[QUERY_MAX_TERMS];
    uint32_t npos[QUERY_MAX_TERMS], off[QUERY_MAX_TERMS];
    uint32_t *store = xmalloc((m->tok->n + 1) * n->n * sizeof *store);
    for (uint32_t i = 0; i < n->n; i++) {
        uint32_t *p = store + (size_t)i * (m->tok->n + 1);
        npos[i] = key_positions(m->tok, &q->keys[n->a + i], p);
        pos[i] = p;
        off[i] = q->keys[n->a + i].pos;
    }
    phrase_each(pos, npos, off, n->n, n->slop, on_phrase, m);
    free(store);
}

/* Marks what the clauses under node id match in the body; excluded
 * clauses mark nothing. */
static void mark_node(Marks *m, const Query *q, int32_t id)
{
    const QueryNode *n = &q->nodes[id];
    if (n->occur == OCC_MUST_NOT) return;
    if (n->kind == QN_GROUP) {
        for (int32_t c = n->child; c >= 0; c = q->nodes[c].next) mark_node(m, q, c);
        return;
    }
    const QueryTerm *k0 = &q->keys[n->a];
    const char *term;
    size_t tl;
    if (query_key_field(k0, &term, &tl) != FIELD_BODY) return; /* the passage text is the body */
    if (n->kind == QN_PHRASE) {
        mark_phrase(m, q, n);
        return;
    }
    for (size_t i = 0; i < m->tok->n; i++)
        if (m->tok->tlen[i] == k0->len && memcmp(m->tok->term[i], k0->term, k0->len) == 0)
            mark(m, m->tok->span[i].start, m->tok->span[i].end);
}

static int by_start(const void *a, const void *b)
{
    const Span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : (x->end > y->end) - (x->end < y->end);
}

/* Sorted, overlapping marks merged (a word inside a marked phrase). */
static size_t merge_marks(Span *v, size_t n)
{
    if (n == 0) return 0;
    qsort(v, n, sizeof *v, by_start);
    size_t w = 0;
    for (size_t i = 1; i < n; i++) {
        if (v[i].start < v[w].end) {
            if (v[i].end > v[w].end) v[w].end = v[i].end;
        } else {
            v[++w] = v[i];
        }
    }
    return w + 1;
}

size_t snippet_matches(Analyzer *an, const Query *q, const char *text, size_t len, Span **out)
{
    Tokens t = {0};
    analyzer_run(an, text, len, on_token, &t);
    Marks m = {&t, NULL, 0, 0};
    if (q->nnodes) mark_node(&m, q, 0);
    free(t.span);
    free(t.term);
    free(t.tlen);
    free(t.pos);
    *out = m.v;
    return merge_marks(m.v, m.n);
}

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* Start of the window: before the densest run of matches, moved back to a
 * sentence start within 80 bytes, else to a word start. */
static size_t window_start(const char *t, size_t len, const Span *m, size_t nm, size_t budget)
{
    if (len <= budget || nm == 0) return 0;
    size_t best = 0, best_count = 0;
    for (size_t i = 0, j = 0; i < nm; i++) {
        while (j < nm && m[j].end <= m[i].start + budget * 3 / 4) j++;
        if (j - i > best_count) best_count = j - i, best = i;
    }
    size_t s = m[best].start;
    for (size_t back = 0; back < 80 && s - back > 0; back++) {
        size_t p = s - back;
        int ends = t[p - 1] == '!' || t[p - 1] == '?' || t[p - 1] == '\n' ||
                   (t[p - 1] == '.' && !(p >= 2 && t[p - 2] >= '0' && t[p - 2] <= '9')); /* not "5." */
        if (ends && (p >= len || is_ws((unsigned char)t[p])))
            return p;
    }
    size_t p = s > 30 ? s - 30 : 0;
    while (p > 0 && !is_ws((unsigned char)t[p - 1])) p--;
    return p;
}

static size_t window_end(const char *t, size_t len, size_t start, size_t budget)
{
    if (len - start <= budget) return len;
    size_t e = start + budget;
    while (e > start && !is_ws((unsigned char)t[e])) e--;
    return e > start ? e : start + budget;
}

/* The length of the Markdown heading marker at t[a], or 0: one to six
 * '#' that start a line (after at most three spaces) and are followed by
 * white space or the end, as "## Benefits". */
static size_t heading_mark(const char *t, size_t a, size_t b)
{
    size_t s = a, e = a;
    while (s > 0 && a - s < 3 && t[s - 1] == ' ') s--;
    if (s > 0 && t[s - 1] != '\n') return 0;
    while (e < b && t[e] == '#' && e - a < 7) e++;
    return e - a <= 6 && (e == b || is_ws((unsigned char)t[e])) ? e - a : 0;
}

/* Appends text[a..b) with white space collapsed, heading markers dropped
 * and bad bytes replaced. */
static void put_clean(Buf *out, const char *t, size_t a, size_t b, int *space)
{
    while (a < b) {
        unsigned char c = (unsigned char)t[a];
        size_t mark = c == '#' ? heading_mark(t, a, b) : 0;
        if (mark) {
            *space = 1;
            a += mark;
            continue;
        }
        if (is_ws(c) || c < 0x20 || c == 0x7f) {
            *space = 1;
            a++;
            continue;
        }
        if (*space && out->len) buf_put_u8(out, ' ');
        *space = 0;
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)t + a, (utf8proc_ssize_t)(b - a), &cp);
        if (n <= 0) {
            buf_append(out, "\xEF\xBF\xBD", 3); /* U+FFFD */
            a++;
        } else {
            buf_append(out, t + a, (size_t)n);
            a += (size_t)n;
        }
    }
}

void snippet_make(const char *text, size_t len, const Span *m, size_t nm, const SnippetStyle *st, Buf *out)
{
    out->len = 0;
    size_t start = window_start(text, len, m, nm, st->max_bytes);
    size_t end = window_end(text, len, start, st->max_bytes);
    int space = 0;
    if (start > 0) buf_append(out, "\xE2\x80\xA6", 3); /* … */
    size_t at = start;
    for (size_t i = 0; i < nm; i++) {
        if (m[i].start < start || m[i].end > end) continue;
        put_clean(out, text, at, m[i].start, &space);
        if (space && out->len) buf_put_u8(out, ' ');
        space = 0;
        buf_append(out, st->open, strlen(st->open));
        put_clean(out, text, m[i].start, m[i].end, &space);
        buf_append(out, st->close, strlen(st->close));
        at = m[i].end;
    }
    put_clean(out, text, at, end, &space);
    if (end < len) buf_append(out, "\xE2\x80\xA6", 3);
    buf_put_u8(out, 0);
    out->len--;
}
