/*
 * utf8.h: a strict UTF-8 decoder shared by the tokenizer and the folder
 * (private to src/analysis). Written by hand rather than with
 * utf8proc_iterate so that the rules are explicit and the ASCII case costs
 * one compare: overlong forms, surrogates, code points above U+10FFFF and
 * truncated sequences are all rejected, and a rejected byte is consumed on
 * its own so the caller can treat it as a separator and resynchronise on
 * the next byte.
 */
#ifndef ANALYSIS_UTF8_H
#define ANALYSIS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s[0..n) (n >= 1). Stores it in *cp, or -1 when
 * the bytes there are not valid UTF-8, and returns the bytes consumed (1 for
 * an invalid byte). Never reads past s[n-1]. */
static inline size_t utf8_decode(const uint8_t *s, size_t n, int32_t *cp)
{
    uint8_t b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    /* The allowed range of the second byte depends on the lead byte: that
     * is where overlongs (E0, F0), surrogates (ED) and values above
     * U+10FFFF (F4) are excluded. Later bytes are always 80..BF. */
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;
    int32_t v;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        v = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        v = b & 0x0F;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        v = b & 0x07;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else {
        *cp = -1; /* stray continuation byte, C0/C1 overlong lead, F5..FF */
        return 1;
    }
    if (need >= n) {
        *cp = -1; /* truncated by the end of the text */
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        uint8_t c = s[i];
        if (c < lo || c > hi) {
            *cp = -1;
            return 1;
        }
        lo = 0x80, hi = 0xBF;
        v = (v << 6) | (c & 0x3F);
    }
    *cp = v;
    return need + 1;
}

#endif
