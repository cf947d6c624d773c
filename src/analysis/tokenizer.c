/*
 * tokenizer.c: splits UTF-8 text into token spans.
 *
 * A token is a run of letters, digits and combining marks. Everything else
 * (spaces including NBSP, punctuation, hyphens and dashes, bullets, symbols,
 * control characters and malformed UTF-8) separates tokens. Two exceptions
 * keep common words whole: an apostrophe between letters ("don’t") and a
 * '.' or ',' between digits ("3.5", "10,000").
 *
 * The tokenizer only reports byte spans; it never copies or allocates, so
 * the indexer can record offsets into the original text for snippets.
 *
 * tokenizer_next_letters is the letters-only variant (AnalysisConfig
 * letters_only, the search-benchmark-game's analysis): a token is a maximal
 * run of Unicode letters and the combining marks after them; digits,
 * apostrophes and everything else separate.
 */
#include "analysis/analysis.h"
#include "analysis/utf8.h"

#include <utf8proc.h>

enum { SEP = 0, LETTER = 1, DIGIT = 2, MARK = 3 }; /* MARK: only from category_class */

/* ASCII classes by table: most text is ASCII, and a lookup is much cheaper
 * than a trip through utf8proc's property tables. Bytes from 0x80 are
 * NON_ASCII (4, below): the general path decodes them. */
static const uint8_t ascii_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* controls */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* controls */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* space ! " # ... / */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, /* 0-9 : ; < = > ? */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* @ A-O */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, /* P-Z [ \ ] ^ _ */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* ` a-o */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, /* p-z { | } ~ DEL */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 0x80 and above */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

/* The class of an ASCII byte, and NON_ASCII for the others: one look-up
 * per byte in next_ascii's loops, with no test of the byte first. */
enum { NON_ASCII = 4 };
static inline int byte_class(uint8_t b) { return ascii_class[b]; }
/* LETTER or DIGIT: a byte that continues an ASCII token. */
static inline int in_word(uint8_t b) { return (unsigned)ascii_class[b] - LETTER <= DIGIT - LETTER; }

/* Class of a non-ASCII code point from its Unicode general category: the
 * one table both tokenizers read. */
static int category_class(int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return LETTER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return MARK;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return DIGIT;
    default:
        return SEP;
    }
}

/* For the standard tokenizer marks count as letters: they belong to the
 * letter before them, and an apostrophe after "é" written as e + U+0301
 * must still join. */
static int unicode_class(int32_t cp)
{
    int k = category_class(cp);
    return k == MARK ? LETTER : k;
}

/* One decoded character: code point (-1 if malformed), bytes, class. */
typedef struct {
    int32_t cp;
    size_t n;
    int cls;
} Char;

/* Decodes the character at pos (< t->len). */
static inline Char char_at(const Tokenizer *t, size_t pos)
{
    Char c;
    uint8_t b = t->text[pos];
    if (b < 0x80) {
        c.cp = b;
        c.n = 1;
        c.cls = ascii_class[b];
        return c;
    }
    c.n = utf8_decode(t->text + pos, t->len - pos, &c.cp);
    c.cls = c.cp < 0 ? SEP : unicode_class(c.cp);
    return c;
}

/* Whether separator cp stays inside a token, given the classes of the
 * characters on either side of it. */
static int joins(int32_t cp, int before, int after)
{
    if (cp == '\'' || cp == 0x2019) return before == LETTER && after == LETTER;
    if (cp == '.' || cp == ',') return before == DIGIT && after == DIGIT;
    return 0;
}

void tokenizer_init(Tokenizer *t, const char *text, size_t len)
{
    t->text = (const uint8_t *)text;
    t->len = text ? len : 0;
    t->pos = 0;
}

/* The common case, all ASCII, in one tight loop: skips ASCII separators,
 * then reads a token of ASCII letters and digits (and the joiners between
 * them) that ends at an ASCII separator or at the end of the text. Returns
 * 1 with *out set, 0 at the end of the text, or -1 at a non-ASCII byte:
 * then t->pos is where tokenizer_next's general path starts (the token's
 * first byte, or the non-ASCII separator), and it reads the same token this
 * would have. */
static int next_ascii(Tokenizer *t, TokenSpan *out)
{
    const uint8_t *s = t->text;
    size_t len = t->len, pos = t->pos;
    while (pos < len && byte_class(s[pos]) == SEP) pos++;
    t->pos = pos;
    if (pos == len) return 0;
    if (s[pos] >= 0x80) return -1;
    size_t start = pos++;
    for (;;) {
        while (pos < len && in_word(s[pos])) pos++;
        if (pos == len) break;
        if (s[pos] >= 0x80) return -1;
        if (pos + 1 < len && (s[pos] == '\'' || s[pos] == '.' || s[pos] == ',')) {
            if (s[pos + 1] >= 0x80) return -1;
            int after = ascii_class[s[pos + 1]];
            if (joins(s[pos], ascii_class[s[pos - 1]], after)) { /* the byte before is the token's last */
                pos += 2;
                continue;
            }
        }
        break;
    }
    out->start = start;
    out->end = pos;
    t->pos = pos < len ? pos + 1 : pos; /* past the separator, as below */
    return 1;
}

/* Any text, from t->pos. Not inlined: the fast path above stays light. */
__attribute__((noinline)) static int next_general(Tokenizer *t, TokenSpan *out)
{
    size_t pos = t->pos;
    Char c = {0, 0, SEP};

    /* Skip separators up to the first token character. */
    while (pos < t->len) {
        c = char_at(t, pos);
        if (c.cls != SEP) break;
        pos += c.n;
    }
    if (pos >= t->len) {
        t->pos = t->len;
        return 0;
    }

    size_t start = pos;
    int prev = c.cls;
    pos += c.n;
    while (pos < t->len) {
        c = char_at(t, pos);
        if (c.cls != SEP) {
            prev = c.cls;
            pos += c.n;
            continue;
        }
        /* A possible joiner: look one character ahead. */
        if (pos + c.n < t->len) {
            Char next = char_at(t, pos + c.n);
            if (joins(c.cp, prev, next.cls)) {
                prev = next.cls;
                pos += c.n + next.n;
                continue;
            }
        }
        break;
    }

    out->start = start;
    out->end = pos;
    /* The character at pos (if any) is a separator: skip it now rather than
     * decode it again on the next call. */
    t->pos = pos < t->len ? pos + c.n : pos;
    return 1;
}

int tokenizer_next(Tokenizer *t, TokenSpan *out)
{
    int fast = next_ascii(t, out);
    return fast >= 0 ? fast : next_general(t, out);
}

/* ---- letters only (the search-benchmark-game's analysis) ---- */

/* Letters-only tokens: Unicode letters start or continue a token;
 * combining marks only continue one (they belong to the letter before
 * them); everything else, digits and apostrophes included, separates. */

static inline int ascii_letter(uint8_t b) { return ascii_class[b] == LETTER; }

/* Tokens are maximal runs of letters (with the combining marks that follow
 * them); ASCII bytes are classified by table, others through utf8proc. */
int tokenizer_next_letters(Tokenizer *t, TokenSpan *out)
{
    const uint8_t *s = t->text;
    size_t len = t->len, pos = t->pos;

    /* Skip to the first letter. */
    for (;;) {
        while (pos < len && s[pos] < 0x80 && !ascii_letter(s[pos])) pos++;
        if (pos >= len) {
            t->pos = len;
            return 0;
        }
        if (s[pos] < 0x80) break;
        int32_t cp;
        size_t n = utf8_decode(s + pos, len - pos, &cp);
        if (cp >= 0 && category_class(cp) == LETTER) break;
        pos += n;
    }

    size_t start = pos;
    size_t next = len; /* where the next scan starts */
    for (;;) {
        while (pos < len && s[pos] < 0x80 && ascii_letter(s[pos])) pos++;
        if (pos >= len) break;
        if (s[pos] < 0x80) { /* an ASCII separator: skip it now */
            next = pos + 1;
            break;
        }
        int32_t cp;
        size_t n = utf8_decode(s + pos, len - pos, &cp);
        int k = cp < 0 ? SEP : category_class(cp);
        if (k != LETTER && k != MARK) {
            next = pos + n;
            break;
        }
        pos += n;
    }
    out->start = start;
    out->end = pos;
    t->pos = pos < len ? next : len;
    return 1;
}
