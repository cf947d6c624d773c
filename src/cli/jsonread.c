/* jsonread.c: a strict JSON reader for the answers `search --server`
 * gets (cli.h, JDoc): the whole text is checked against the grammar
 * before anything of it is used, so a reply cut short or garbled is told
 * from a good one, and never half printed. Nodes go in one array; bounded
 * depth, every index checked. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH_MAX 64

typedef struct {
    JDoc *d;
    size_t i;
    int depth;
} JParse;

/* JSON's four white-space bytes; not strchr(" \t\r\n", c), which finds
 * a NUL too (the string's own terminator). */
static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void ws(JParse *p)
{
    while (p->i < p->d->n && is_ws(p->d->s[p->i])) p->i++;
}

static long node(JParse *p, int type)
{
    JDoc *d = p->d;
    if (d->nv == d->cap) d->v = xrealloc(d->v, (d->cap = d->cap ? 2 * d->cap : 256) * sizeof *d->v);
    d->v[d->nv] = (JNode){type, 0, 0, p->i, 0};
    return (long)d->nv++;
}

/* A string from its opening quote; -1 when it does not close properly. */
static int str(JParse *p)
{
    const char *s = p->d->s, *why, *next = json_string_decode(s + p->i, s + p->d->n, NULL, &why);
    if (!next) return -1;
    p->i = (size_t)(next - s);
    return 0;
}

static int num(JParse *p)
{
    const char *s = p->d->s, *e = json_number_end(s + p->i, s + p->d->n);
    if (!e) return -1;
    p->i = (size_t)(e - s);
    return 0;
}

static long value(JParse *p);

/* The members (or elements) of an object or array up to its close. */
static int members(JParse *p, long self, char close)
{
    JDoc *d = p->d;
    long last = 0;
    p->i++;
    ws(p);
    if (p->i < d->n && d->s[p->i] == close) return p->i++, 0;
    for (;;) {
        ws(p);
        long k = 0;
        if (close == '}') {
            if (p->i >= d->n || d->s[p->i] != '"') return -1;
            k = node(p, J_STR);
            if (str(p) != 0) return -1;
            d->v[k].len = p->i - d->v[k].at;
            ws(p);
            if (p->i >= d->n || d->s[p->i++] != ':') return -1;
        }
        long v = value(p);
        if (v < 0) return -1;
        long first = k ? k : v;
        if (k) d->v[k].next = (uint32_t)v;
        if (last) d->v[last].next = (uint32_t)first;
        else d->v[self].child = (uint32_t)first;
        last = v;
        ws(p);
        if (p->i >= d->n) return -1;
        char c = d->s[p->i++];
        if (c == close) return 0;
        if (c != ',') return -1;
    }
}

static long value(JParse *p)
{
    JDoc *d = p->d;
    ws(p);
    if (p->i >= d->n || ++p->depth > JSON_DEPTH_MAX) return -1;
    char c = d->s[p->i];
    int type = c == '{' ? J_OBJ : c == '[' ? J_ARR : c == '"' ? J_STR : c == '-' || (c >= '0' && c <= '9') ? J_NUM : J_LIT;
    long self = node(p, type);
    int rc;
    if (type == J_OBJ || type == J_ARR) rc = members(p, self, type == J_OBJ ? '}' : ']');
    else if (type == J_STR) rc = str(p);
    else if (type == J_NUM) rc = num(p);
    else {
        static const char *const lits[] = {"true", "false", "null"};
        rc = -1;
        for (int i = 0; i < 3 && rc; i++) {
            size_t l = strlen(lits[i]);
            if (d->n - p->i >= l && !memcmp(d->s + p->i, lits[i], l)) p->i += l, rc = 0;
        }
    }
    p->depth--;
    if (rc != 0) return -1;
    d->v[self].len = p->i - d->v[self].at;
    return self;
}

int jdoc_parse(JDoc *d, const char *s, size_t n)
{
    memset(d, 0, sizeof *d);
    d->s = s;
    d->n = n;
    JParse p = {d, 0, 0};
    long root = value(&p);
    ws(&p);
    return root == 0 && p.i == n ? 0 : -1;
}

void jdoc_free(JDoc *d) { free(d->v); }

long jdoc_get(const JDoc *d, long obj, const char *key, int type)
{
    if (obj < 0 || d->v[obj].type != J_OBJ) return -1;
    size_t kl = strlen(key);
    for (uint32_t k = d->v[obj].child; k; k = d->v[d->v[k].next].next) {
        const JNode *kn = &d->v[k];
        if (kn->len == kl + 2 && !memcmp(d->s + kn->at + 1, key, kl)) {
            long v = (long)kn->next;
            return d->v[v].type == type ? v : -1;
        }
    }
    return -1;
}

void jdoc_string(const JDoc *d, long str_node, Buf *out)
{
    out->len = 0;
    const JNode *v = &d->v[str_node];
    const char *why;
    json_string_decode(d->s + v->at, d->s + v->at + v->len, out, &why); /* the parse checked it */
    buf_put_u8(out, 0);
    out->len--;
}

double jdoc_number(const JDoc *d, long num_node)
{
    char tmp[64];
    const JNode *v = &d->v[num_node];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(v->len < 63 ? v->len : 63), d->s + v->at);
    return strtod(tmp, NULL);
}
