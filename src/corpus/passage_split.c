/*
 * passage_split.c: an article -> passages.
 *
 * A passage is the unit we rank and show, so it should answer a question on
 * its own: one paragraph, with the headings just above it (a heading alone
 * says little, and its words describe the paragraph). Paragraphs are the
 * non-blank lines (the seed articles separate paragraphs by single newlines
 * as often as by blank lines). A paragraph longer than max_words is cut into
 * windows of whole sentences; a sentence longer than that is cut at a word.
 */
#include "corpus/corpus.h"
#include "util/util.h"

#include <assert.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct {
    PassageSpan *v; /* passages so far */
    size_t n, cap;
} Spans;

/* heads: where the headings the span starts with end (start when none). */
static void push(Spans *s, size_t start, size_t heads, size_t end)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n].start = start;
    s->v[s->n].end = end;
    s->v[s->n].heads = heads < start ? start : heads > end ? end : heads;
    s->n++;
}

#if defined(__SSE2__)
/* is_blank of 16 bytes as a bit mask: ' ', or 9..13 ('\t' '\n' '\v' '\f'
 * '\r'), the latter as (c - 9) < 5 unsigned, which SSE2 compares signed
 * after flipping the top bit. */
static inline unsigned blank_mask(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i space = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
    __m128i ctl = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, _mm_set1_epi8(9)), _mm_set1_epi8((char)0x80)),
                                 _mm_set1_epi8((char)(0x80 + 5)));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(space, ctl));
}
#endif

/* The bits set in a 16-bit mask. __builtin_popcount is a call into
 * libgcc on x86-64's baseline (no POPCNT instruction), which showed in
 * indexing profiles; these few operations are not. */
static inline unsigned popcount16(unsigned v)
{
    v -= (v >> 1) & 0x5555u;
    v = (v & 0x3333u) + ((v >> 2) & 0x3333u);
    v = (v + (v >> 4)) & 0x0f0fu;
    return (v + (v >> 8)) & 0x1fu;
}

size_t count_words(const char *t, size_t a, size_t b)
{
    /* a word starts at each non-blank byte after a blank one (or at a):
     * one pass carrying the previous byte's blankness, no branch per byte;
     * with SSE2 16 bytes at a time, as bit masks */
    size_t w = 0, i = a;
    int prev_blank = 1;
#if defined(__SSE2__)
    for (; i + 16 <= b; i += 16) {
        unsigned blank = blank_mask(t + i);
        w += popcount16(~blank & (blank << 1 | (unsigned)prev_blank) & 0xffffu);
        prev_blank = (int)(blank >> 15);
    }
#endif
    for (; i < b; i++) {
        int blank = is_blank((unsigned char)t[i]);
        w += (size_t)(prev_blank & !blank);
        prev_blank = blank;
    }
    return w;
}

/* End of the sentence starting at i (one past its terminator and the
 * white space after it), or b. */
static size_t sentence_end(const char *t, size_t i, size_t b)
{
    for (; i < b; i++) {
        char c = t[i];
        if ((c == '.' || c == '!' || c == '?') && (i + 1 == b || is_blank((unsigned char)t[i + 1]))) {
            i++;
            while (i < b && is_blank((unsigned char)t[i])) i++;
            return i;
        }
    }
    return b;
}

/* Cut point after max_words words from a (a sentence too long to keep). */
static size_t word_cut(const char *t, size_t a, size_t b, size_t max_words)
{
    size_t w = 0;
    for (size_t i = a; i < b; i++) {
        if (!is_blank((unsigned char)t[i]) && (i == a || is_blank((unsigned char)t[i - 1]))) {
            if (w == max_words) return i;
            w++;
        }
    }
    return b;
}

static size_t trim_end(const char *t, size_t a, size_t b)
{
    while (b > a && is_blank((unsigned char)t[b - 1])) b--;
    return b;
}

/* Emits [start, b) as windows of whole sentences of at most max_words
 * words; body is where sentence splitting may begin (after headings), heads
 * where the headings end (they belong to the first window only). */
static void emit_windows(Spans *s, const char *t, size_t start, size_t body, size_t heads, size_t b,
                         size_t max_words)
{
    /* Most paragraphs fit in one window: then the loop below would emit
     * just [start, b), since sentences split the body's words without
     * cutting one (each starts after white space), so their counts add up
     * to the body's. One pass decides it. */
    size_t wstart = start, words = count_words(t, start, body), i = body;
    if (words + count_words(t, body, b) <= max_words) {
        if (trim_end(t, start, b) > start) push(s, start, heads, trim_end(t, start, b));
        return;
    }
    /* e and sw: the end of the sentence at i and its words from i. A
     * run-on sentence is cut into windows while e and sw are carried over:
     * finding them again from each cut would rescan to the sentence's end
     * once per window, quadratic in a paragraph without sentence ends. */
    size_t e = i, sw = 0;
    while (i < b) {
        if (i == e) {
            e = sentence_end(t, i, b);
            sw = count_words(t, i, e);
        }
        if (words > 0 && words + sw > max_words) { /* close the window before this sentence */
            push(s, wstart, heads, trim_end(t, wstart, i));
            wstart = i;
            words = 0;
        }
        if (sw > max_words) { /* a run-on sentence: cut at words */
            /* words is 0 here (the window was just closed), so the cut
             * is at the start of word max_words + 1 (sw > max_words says
             * there is one): [i, cut) holds max_words words, and the
             * sentence's end seen from the cut is still e (no sentence
             * end lies between i and e) */
            assert(words == 0);
            size_t cut = word_cut(t, i, e, max_words);
            assert(cut > i && cut < e);
            push(s, wstart, heads, trim_end(t, wstart, cut));
            wstart = i = cut;
            sw -= max_words;
            continue;
        }
        words += sw;
        i = e;
    }
    if (trim_end(t, wstart, b) > wstart) push(s, wstart, heads, trim_end(t, wstart, b));
}

/* A line ends at '\n', or at the title's end in a passages file
 * (heading_end, when not 0), or at the end of the text. */
static size_t line_end(const char *text, size_t i, size_t len, size_t heading_end)
{
    size_t stop = heading_end && heading_end >= i && heading_end < len ? heading_end : len;
    const char *nl = memchr(text + i, '\n', stop - i);
    return nl ? (size_t)(nl - text) : stop;
}

size_t passages_split(const char *text, size_t len, size_t heading_end, size_t max_words, PassageSpan **out)
{
    Spans s = {0};
    if (max_words == 0) max_words = PASSAGE_WORDS_DEFAULT;
    size_t pending = (size_t)-1; /* start of headings waiting for their paragraph */
    size_t i = 0;
    while (i < len) {
        size_t e = line_end(text, i, len, heading_end);
        size_t a = i, b = trim_end(text, i, e);
        while (a < b && is_blank((unsigned char)text[a])) a++;
        int is_title = heading_end && e == heading_end;
        if (a < b) {
            if (is_title || line_is_heading(text + a, b - a)) {
                if (pending == (size_t)-1) pending = a;
            } else {
                size_t start = pending != (size_t)-1 ? pending : a;
                emit_windows(&s, text, start, a, trim_end(text, start, a), b, max_words);
                pending = (size_t)-1;
            }
        }
        i = e + 1;
    }
    /* headings with nothing after them: a passage of their own, whose text
     * is its body (short lines of a passages file read as headings too) */
    if (pending != (size_t)-1)
        emit_windows(&s, text, pending, pending, pending, trim_end(text, pending, len), max_words);
    *out = s.v;
    return s.n;
}
