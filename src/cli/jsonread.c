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

static void ws(JParse *p)
{
    while (p->i < p->d->n && strchr(" \t\r\n", p->d->s[p->i])) p->i++;
}

static long node(JParse *p, int type)
{
    JDoc *d = p->d;
    if (d->nv == d->cap) d->v = xrealloc(d->v, (d->cap = d->cap ? 2 * d->cap : 256) * sizeof *d->v);
    d->v[d->nv] = (JNode){type, 0, 0, p->i, 0};
    return (long)d->nv++;
}

static int hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* A string from its opening quote; -1 when it does not close properly. */
static int str(JParse *p)
{
    const char *s = p->d->s;
    size_t n = p->d->n;
    for (p->i++; p->i < n; p->i++) {
        unsigned char c = (unsigned char)s[p->i];
        if (c == '"') return p->i++, 0;
        if (c < 0x20) return -1;
        if (c != '\\') continue;
        if (++p->i >= n) return -1;
        c = (unsigned char)s[p->i];
        if (c == 'u') {
            if (n - p->i < 5 || hex4(s + p->i + 1) < 0) return -1;
            p->i += 4;
        } else if (!strchr("\"\\/bfnrt", c) || !c) {
            return -1;
        }
    }
    return -1;
}

static size_t digits(JParse *p)
{
    size_t at = p->i;
    while (p->i < p->d->n && p->d->s[p->i] >= '0' && p->d->s[p->i] <= '9') p->i++;
    return p->i - at;
}

static int num(JParse *p)
{
    const char *s = p->d->s;
    if (s[p->i] == '-') p->i++;
    if (p->i < p->d->n && s[p->i] == '0') p->i++;
    else if (!digits(p)) return -1;
    if (p->i < p->d->n && s[p->i] == '.' && (p->i++, !digits(p))) return -1;
    if (p->i < p->d->n && (s[p->i] == 'e' || s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->d->n && (s[p->i] == '+' || s[p->i] == '-')) p->i++;
        if (!digits(p)) return -1;
    }
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

static void put_utf8(Buf *b, unsigned cp)
{
    if (cp < 0x80) buf_put_u8(b, (uint8_t)cp);
    else if (cp < 0x800) buf_put_u8(b, (uint8_t)(0xc0 | cp >> 6)), buf_put_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
    else if (cp < 0x10000)
        buf_put_u8(b, (uint8_t)(0xe0 | cp >> 12)), buf_put_u8(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f))),
            buf_put_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
    else
        buf_put_u8(b, (uint8_t)(0xf0 | cp >> 18)), buf_put_u8(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3f))),
            buf_put_u8(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f))), buf_put_u8(b, (uint8_t)(0x80 | (cp & 0x3f)));
}

/* \uXXXX at s (6 bytes known to be there), with its low surrogate when
 * one follows; *used the bytes taken. A lone surrogate becomes U+FFFD. */
static unsigned escaped_cp(const char *s, size_t left, size_t *used)
{
    unsigned cp = (unsigned)hex4(s + 2);
    *used = 6;
    if (cp >= 0xd800 && cp < 0xdc00 && left >= 12 && s[6] == '\\' && s[7] == 'u') {
        int lo = hex4(s + 8);
        if (lo >= 0xdc00 && lo < 0xe000) {
            *used = 12;
            return 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
        }
    }
    return cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp;
}

void jdoc_string(const JDoc *d, long str_node, Buf *out)
{
    out->len = 0;
    const JNode *v = &d->v[str_node];
    const char *s = d->s + v->at + 1, *end = d->s + v->at + v->len - 1; /* inside the quotes */
    while (s < end) {
        if (*s != '\\') {
            buf_put_u8(out, (uint8_t)*s++);
            continue;
        }
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        if (s[1] == 'u') {
            size_t used;
            put_utf8(out, escaped_cp(s, (size_t)(end - s), &used));
            s += used;
        } else {
            buf_put_u8(out, (uint8_t)to[strchr(from, s[1]) - from]); /* the parse allowed only these */
            s += 2;
        }
    }
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
