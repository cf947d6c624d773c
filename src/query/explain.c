/*
 * explain.c: why a passage scored what it did, as Lucene's explain shows:
 * each matching term (per field) and phrase with the numbers that went
 * into its BM25 part. The parts are the tree scorer's own, reported as it
 * sums them (search_tree_score_at), so the total is exactly the hit's score.
 */
#include "query/query.h"

typedef struct {
    SearchContext *c; /* not const: the proximity part moves cursors */
    uint32_t len;
    int json;
    const char *indent;
    Buf *out;
    size_t items;
} Explain;

static void put_json_term(Buf *out, const char *s, size_t n)
{
    buf_put_u8(out, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') buf_put_u8(out, '\\');
        buf_put_u8(out, (uint8_t)s[i]);
    }
    buf_put_u8(out, '"');
}

static void item_start(Explain *e)
{
    if (e->json) buf_append(e->out, e->items ? ",{" : "{", e->items ? 2 : 1);
    e->items++;
}

static void explain_term(Explain *e, const QueryTerm *k, uint32_t tf, float score)
{
    const char *term;
    size_t tl;
    int f = query_key_field(k, &term, &tl);
    item_start(e);
    if (e->json) {
        buf_printf(e->out, "\"field\":\"%s\",\"term\":", field_name(f));
        put_json_term(e->out, term, tl);
        buf_printf(e->out, ",\"tf\":%u,\"idf\":%.6f,\"boost\":%.4f,\"score\":%.6f}", tf, k->idf, k->boost, score);
        return;
    }
    buf_printf(e->out, "%s%9.4f  %s:%.*s  tf %u, idf %.4f, boost %.2f\n", e->indent, score, field_name(f), (int)tl,
               term, tf, k->idf, k->boost);
}

static void explain_phrase(Explain *e, const QueryNode *n, uint32_t pf, float score)
{
    const Query *q = e->c->q;
    const char *term;
    size_t tl;
    int f = query_key_field(&q->keys[n->a], &term, &tl);
    item_start(e);
    if (e->json) {
        buf_printf(e->out, "\"field\":\"%s\",\"phrase\":[", field_name(f));
        for (uint32_t k = n->a; k < n->a + n->n; k++) {
            query_key_field(&q->keys[k], &term, &tl);
            if (k > n->a) buf_put_u8(e->out, ',');
            put_json_term(e->out, term, tl);
        }
        buf_printf(e->out, "],\"slop\":%u,\"tf\":%u,\"idf\":%.6f,\"score\":%.6f}", n->slop, pf,
                   n->weight / (e->c->bm25->k1 + 1.0f), score);
        return;
    }
    buf_printf(e->out, "%s%9.4f  %s:\"", e->indent, score, field_name(f));
    for (uint32_t k = n->a; k < n->a + n->n; k++) {
        query_key_field(&q->keys[k], &term, &tl);
        buf_printf(e->out, "%s%.*s", k > n->a ? " " : "", (int)tl, term);
    }
    buf_printf(e->out, "\"~%u  phrase tf %u, idf %.4f (sum of its words')\n", n->slop, pf,
               n->weight / (e->c->bm25->k1 + 1.0f));
}

/* Each part of the score, as the tree scorer computes it. */
static void on_part(void *ctx, const QueryNode *n, const QueryTerm *k, uint32_t tf, float value)
{
    Explain *e = ctx;
    if (k) explain_term(e, k, tf, value);
    else explain_phrase(e, n, tf, value);
}

/* The proximity part, when on and not 0, as one more part; the total
 * with it (as proximity_search.c adds it), or -1. */
static float explain_proximity(Explain *e, uint32_t pid, float bm25)
{
    ScoreSum part;
    if (proximity_of(e->c, pid, &part) != 0) return -1.0f;
    if (part == 0) return bm25;
    float v = score_value(part);
    item_start(e);
    if (e->json)
        buf_printf(e->out, "\"proximity\":%.4f,\"score\":%.6f}", e->c->proximity, v);
    else
        buf_printf(e->out, "%s%9.4f  proximity of the query words (BM25TP), weight %.2f\n", e->indent, v,
                   e->c->proximity);
    return proximity_total(bm25, part);
}

float explain_hit(SearchContext *ctx, uint32_t pid, int json, const char *indent, Buf *out)
{
    const Bm25 *p = ctx->bm25;
    size_t seg;
    uint32_t local;
    if (index_locate(ctx->ix, pid, &seg, &local) != 0) return -1.0f;
    Explain e = {ctx, segment_lengths(index_segment(ctx->ix, seg))[local], json, indent, out, 0};
    size_t head = out->len;
    if (json) {
        buf_printf(out, "{\"k1\":%.4f,\"b\":%.4f,\"length\":%u,\"mean_length\":%.4f,\"parts\":[", p->k1, p->b,
                   e.len, p->avgdl);
    }
    ScorePart part = {on_part, &e};
    float total = search_tree_score_at(ctx, pid, &part);
    if (total >= 0 && ctx->proximity > 0) total = explain_proximity(&e, pid, total);
    if (total < 0) {
        out->len = head;
        return -1.0f;
    }
    if (json) {
        buf_printf(out, "],\"score\":%.6f}", total);
        return total;
    }
    /* the summary line goes first: make room for it before the parts */
    Buf parts = {0};
    buf_append(&parts, out->data + head, out->len - head);
    out->len = head;
    buf_printf(out,
               "%s%9.4f  = sum of the parts below; a part is idf * boost * tf * (k1 + 1) / (tf + k1 * (1 - b + b * "
               "length / mean length)), k1 %.2f, b %.2f, length %u, mean length %.1f\n",
               indent, total, p->k1, p->b, e.len, p->avgdl);
    buf_append(out, parts.data, parts.len);
    buf_free(&parts);
    return total;
}
