/*
 * fold.c: case folding and accent folding of one token.
 *
 * "Café", "CAFE" and "cafe" must become one term, and so must "Straße" and
 * "STRASSE". Non-ASCII code points go through utf8proc one at a time
 * (full case folding, compatibility decomposition, marks stripped) into a
 * stack buffer, so folding never allocates. Pure-ASCII tokens, the vast
 * majority in English text, only need a lowercase copy.
 */
#include "analysis/analysis.h"
#include "analysis/utf8.h"

#include <string.h>
#include <utf8proc.h>

/* Enough for the longest compatibility decomposition (U+FDFA has 18). */
#define FOLD_CP_MAX 32

static const utf8proc_option_t FOLD_OPTS =
    UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK;

static inline char ascii_lower(uint8_t b)
{
    return (char)(b + (((unsigned)b - 'A' < 26u) << 5)); /* 'a' - 'A' = 32, without a branch */
}

/* Folds one non-ASCII code point into dst; returns how many code points. */
static size_t fold_cp(int32_t cp, int32_t dst[FOLD_CP_MAX])
{
    /* The typographic apostrophe must match the ASCII one typed in queries. */
    if (cp == 0x2019) {
        dst[0] = '\'';
        return 1;
    }
    /* Hangul syllables have no case and no marks; decomposing them would
     * only turn each syllable into two or three jamo and bloat the term. */
    if (cp >= 0xAC00 && cp <= 0xD7A3) {
        dst[0] = cp;
        return 1;
    }
    utf8proc_ssize_t n = utf8proc_decompose_char(cp, dst, FOLD_CP_MAX, FOLD_OPTS, NULL);
    if (n < 0 || n > FOLD_CP_MAX) {
        dst[0] = cp; /* cannot fold it: keep it as it is */
        return 1;
    }
    return (size_t)n;
}

/* Appends cp as UTF-8 at out[*o] when it fits; returns 0 when full. */
static int put_cp(int32_t cp, char *out, size_t *o)
{
    uint8_t enc[4];
    size_t n;
    if (cp < 0x80) {
        enc[0] = (uint8_t)ascii_lower((uint8_t)cp);
        n = 1;
    } else {
        n = (size_t)utf8proc_encode_char(cp, enc);
    }
    if (*o + n > TERM_MAX_BYTES) return 0;
    memcpy(out + *o, enc, n);
    *o += n;
    return 1;
}

/* The general path, from the first non-ASCII byte on; o bytes are already
 * in out. Malformed bytes are dropped. Not inlined, so that the ASCII path
 * of fold_token saves no registers. */
__attribute__((noinline)) static size_t fold_unicode(const uint8_t *s, size_t len, char *out, size_t o)
{
    size_t i = 0;
    while (i < len && o < TERM_MAX_BYTES) {
        int32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if (cp < 0) continue;
        if (cp < 0x80) {
            if (!put_cp(cp, out, &o)) break;
            continue;
        }
        int32_t buf[FOLD_CP_MAX];
        size_t n = fold_cp(cp, buf);
        for (size_t k = 0; k < n; k++)
            if (!put_cp(buf[k], out, &o)) return o; /* full: cut here */
    }
    return o;
}

size_t fold_token(const char *src, size_t len, char out[TERM_MAX_BYTES + 1])
{
    const uint8_t *s = (const uint8_t *)src;
    size_t i = 0, n = len < TERM_MAX_BYTES ? len : TERM_MAX_BYTES;
    /* ASCII fast path: every ASCII byte is a whole code point, so the cut
     * at TERM_MAX_BYTES is always on a boundary; bytes in = bytes out. */
    for (; i < n && s[i] < 0x80; i++) out[i] = ascii_lower(s[i]);
    size_t o = i;
    if (i < n) o = fold_unicode(s + i, len - i, out, o);
    out[o] = '\0';
    return o;
}
