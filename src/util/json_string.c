/*
 * json_string.c: a JSON string's escapes undone, and a number's extent,
 * for the two readers of JSON (corpus/jsonl_reader.c, the corpus;
 * cli/jsonread.c, a server's answers). api/json.c writes them.
 */
#include "util/util.h"

#include <assert.h>

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(Buf *b, uint32_t cp)
{
    assert(cp <= 0x10FFFF); /* four hex digits, or a surrogate pair, give no more */
    uint8_t e[4];
    size_t n;
    if (cp < 0x80) {
        e[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        e[0] = (uint8_t)(0xC0 | cp >> 6);
        e[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        e[0] = (uint8_t)(0xE0 | cp >> 12);
        e[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        e[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        e[0] = (uint8_t)(0xF0 | cp >> 18);
        e[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        e[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        e[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_append(b, e, n);
}

/* \uXXXX at p (its 4 digits read into cp), with the low surrogate that
 * follows a high one: the code point, 0xFFFD for a lone surrogate; p moved
 * past what was taken. */
static uint32_t surrogates(const char **p, const char *end, uint32_t cp)
{
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (end - *p >= 6 && (*p)[0] == '\\' && (*p)[1] == 'u' && hex4(*p + 2, &lo) == 0 && lo >= 0xDC00 &&
            lo <= 0xDFFF) {
            *p += 6;
            return 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        return 0xFFFD; /* what follows is read on its own */
    }
    return cp >= 0xDC00 && cp <= 0xDFFF ? 0xFFFD : cp;
}

const char *json_string_decode(const char *p, const char *end, Buf *out, const char **why)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    p++; /* the opening quote */
    for (;;) {
        const char *run = p;
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
        if (out && p > run) buf_append(out, run, (size_t)(p - run));
        if (p >= end) return *why = "unterminated string", NULL;
        if (*p == '"') return p + 1;
        if (*p != '\\') return *why = "control character in a string (must be escaped)", NULL;
        if (end - p < 2) return *why = "unterminated string", NULL;
        char e = p[1];
        p += 2;
        if (e == 'u') {
            uint32_t cp;
            if (end - p < 4 || hex4(p, &cp) != 0) return *why = "bad \\u escape", NULL;
            p += 4;
            cp = surrogates(&p, end, cp);
            if (out) put_utf8(out, cp);
            continue;
        }
        const char *at = e ? strchr(from, e) : NULL;
        if (!at) return *why = "bad escape in a string", NULL;
        if (out) buf_put_u8(out, (uint8_t)to[at - from]);
    }
}

static const char *digits(const char *p, const char *end)
{
    while (p < end && *p >= '0' && *p <= '9') p++;
    return p;
}

const char *json_number_end(const char *p, const char *end)
{
    if (p < end && *p == '-') p++;
    if (p >= end || *p < '0' || *p > '9') return NULL;
    p = *p == '0' ? p + 1 : digits(p, end);
    if (p < end && *p == '.') {
        const char *f = p + 1;
        if ((p = digits(f, end)) == f) return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *x = ++p < end && (*p == '+' || *p == '-') ? p + 1 : p;
        if ((p = digits(x, end)) == x) return NULL;
    }
    return p;
}
