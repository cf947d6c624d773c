/*
 * ascii_chunk.c: the standard tokenizer's common case, 16 bytes at a time.
 *
 * Indexing spends a tenth of its time finding tokens and lowercasing them
 * a byte at a time, with a mispredicted branch at most token ends. Most
 * text is ASCII, where a token is a run of letters and digits (with an
 * apostrophe between letters, or a '.' or ',' between digits, inside it):
 * with SSE2 a 16-byte chunk's classes are a few compares, its tokens the
 * runs of ones in a 16-bit mask, and its lowercase form one add.
 *
 * Only what the chunk decides for certain is reported: a token whose end
 * lies in the chunk's last byte, or next to a non-ASCII byte (which may be
 * a letter, or an apostrophe's neighbour), is left for the next chunk or
 * for the general tokenizer (tokenizer.c), which gives the same tokens.
 */
#include "analysis/analysis.h"

#ifdef __SSE2__
#include <emmintrin.h>

static inline uint32_t mask_of(__m128i v) { return (uint32_t)_mm_movemask_epi8(v); }

/* Bytes of v in [lo, hi] (both ASCII; bytes from 0x80 are negative as
 * signed and never in range). */
static inline __m128i in_range(__m128i v, char lo, char hi)
{
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))), _mm_cmplt_epi8(v, _mm_set1_epi8((char)(hi + 1))));
}

int ascii_chunk_scan(const uint8_t *p, AsciiChunk *c)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i upper = in_range(v, 'A', 'Z');
    uint32_t letter = mask_of(_mm_or_si128(upper, in_range(v, 'a', 'z')));
    uint32_t digit = mask_of(in_range(v, '0', '9'));
    uint32_t apos = mask_of(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
    uint32_t point = mask_of(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')), _mm_cmpeq_epi8(v, _mm_set1_epi8(','))));
    uint32_t high = mask_of(v) | 0x10000u; /* bit 16: the end of the chunk */
    unsigned h = (unsigned)__builtin_ctz(high);    /* the first byte not known to be ASCII */
    /* A joiner's neighbours are both known only inside the chunk; bit 0's
     * left neighbour ends no token (chunks start where no token runs). */
    uint32_t join = (apos & (letter << 1) & (letter >> 1)) | (point & (digit << 1) & (digit >> 1));
    uint32_t word = (letter | digit | join) & ((1u << h) - 1);
    uint32_t starts = word & ~(word << 1), ends = ~word & (word << 1);
    /* A token is decided when the byte after it is known, and, if that
     * byte could join (' . ,), so is the byte after that. */
    uint32_t undecided = ~((1u << h) - 1) | ((apos | point) & ~((1u << h) - 1) >> 1);
    c->n = 0;
    c->next = h;
    for (; starts; starts &= starts - 1) {
        unsigned s = (unsigned)__builtin_ctz(starts);
        unsigned e = s + (unsigned)__builtin_ctz(ends >> s | 0x10000u >> s);
        if (undecided >> e & 1) { /* the next chunk starts with it */
            c->next = s;
            break;
        }
        c->start[c->n] = (uint8_t)s;
        c->end[c->n++] = (uint8_t)e;
    }
    _mm_storeu_si128((__m128i *)c->lower, _mm_add_epi8(v, _mm_and_si128(upper, _mm_set1_epi8(0x20))));
    _mm_storeu_si128((__m128i *)(c->lower + 16), _mm_setzero_si128()); /* copied past short tokens */
    return 1;
}

#else

int ascii_chunk_scan(const uint8_t *p, AsciiChunk *c)
{
    (void)p;
    c->n = c->next = 0;
    return 0; /* no fast path: the general tokenizer does it all */
}

#endif
