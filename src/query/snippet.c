/*
 * snippet.c: shows the part of a passage that answers the query.
 *
 * The query terms are found by running the passage through the same
 * Analyzer (so "reduce" marks "reducing"), the window of max_bytes holding
 * the most matches is chosen, widened back to a sentence start when one is
 * near, and printed with white space collapsed, control characters and
 * invalid UTF-8 replaced (output must always be valid text and JSON), and
 * each match between the style's markers.
 */
#include "query/query.h"

#include <stdlib.h>
#include <utf8proc.h>

typedef struct {
    const Query *q;
    Span *v;
    size_t n, cap;
} MatchCtx;

static void on_token(void *ctx, const Token *t)
{
    MatchCtx *m = ctx;
    for (size_t i = 0; i < m->q->n; i++) {
        if (m->q->terms[i].len != t->len || memcmp(m->q->terms[i].term, t->term, t->len) != 0) continue;
        if (m->n == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 16;
            m->v = xrealloc(m->v, m->cap * sizeof *m->v);
        }
        m->v[m->n].start = t->start;
        m->v[m->n].end = t->end;
        m->n++;
        return;
    }
}

size_t snippet_matches(Analyzer *an, const Query *q, const char *text, size_t len, Span **out)
{
    MatchCtx m = {q, NULL, 0, 0};
    analyzer_run(an, text, len, on_token, &m);
    *out = m.v;
    return m.n;
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

/* Appends text[a..b) with white space collapsed and bad bytes replaced. */
static void put_clean(Buf *out, const char *t, size_t a, size_t b, int *space)
{
    while (a < b) {
        unsigned char c = (unsigned char)t[a];
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
