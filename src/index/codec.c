/*
 * codec.c: binary packing of up to 128 integers per block.
 *
 * A block is stored as one byte holding the bit width b (the width of its
 * largest value) followed by the values, b bits each, packed LSB first into
 * ceil(n*b/8) bytes. Postings are stored as d-gaps, so b is small: this is
 * the frame-of-reference-free "binary packing" of Lemire & Boytsov (2015),
 * with one width per block. Decoding never reads past `avail`.
 */
#include "index/format.h"

unsigned bits_needed(const uint32_t *v, size_t n)
{
    uint32_t all = 0;
    for (size_t i = 0; i < n; i++) all |= v[i];
    return all ? 32u - (unsigned)__builtin_clz(all) : 0u;
}

/* Bits go out 32 at a time (little-endian, so the bytes are those of a
 * byte-at-a-time packer), then the last partial word's bytes. */
size_t bp_encode(const uint32_t *in, size_t n, uint8_t *out)
{
    unsigned b = bits_needed(in, n);
    out[0] = (uint8_t)b;
    uint64_t acc = 0;
    unsigned filled = 0; /* < 32 between values, so acc never overflows */
    uint8_t *p = out + 1;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)in[i] << filled;
        filled += b;
        if (filled >= 32) {
            uint32_t word = (uint32_t)acc;
            memcpy(p, &word, 4);
            p += 4;
            acc >>= 32;
            filled -= 32;
        }
    }
    for (; filled; filled = filled > 8 ? filled - 8 : 0, acc >>= 8) *p++ = (uint8_t)acc;
    return 1 + (n * b + 7) / 8;
}

/* Unpacks n values of width b from p, which holds at least n*b/8 bytes
 * plus 8 bytes of slack, so whole 64-bit words can be loaded. */
static void unpack_fast(const uint8_t *p, unsigned b, uint32_t *out, size_t n)
{
    const uint64_t mask = b == 32 ? 0xffffffffu : ((uint64_t)1 << b) - 1;
    size_t bit = 0;
    for (size_t i = 0; i < n; i++, bit += b) {
        uint64_t w;
        memcpy(&w, p + (bit >> 3), 8);
        out[i] = (uint32_t)((w >> (bit & 7)) & mask);
    }
}

/* The same near the end of the mapping, byte by byte. */
static void unpack_safe(const uint8_t *p, unsigned b, uint32_t *out, size_t n)
{
    size_t bit = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = 0;
        for (unsigned k = 0; k < b; k++, bit++) v |= (uint64_t)((p[bit >> 3] >> (bit & 7)) & 1) << k;
        out[i] = (uint32_t)v;
    }
}

size_t bp_decode(const uint8_t *in, size_t avail, uint32_t *out, size_t n)
{
    if (avail < 1 || in[0] > 32) return 0;
    unsigned b = in[0];
    size_t bytes = (n * b + 7) / 8;
    if (bytes > avail - 1) return 0;
    if (b == 0) {
        memset(out, 0, n * sizeof *out);
    } else if (avail - 1 >= bytes + 8) {
        unpack_fast(in + 1, b, out, n);
    } else { /* near the end of a term: copy to a padded buffer, then fast */
        uint8_t pad[4 * BLOCK_SIZE + 8] = {0};
        if (bytes <= 4 * BLOCK_SIZE) {
            memcpy(pad, in + 1, bytes);
            unpack_fast(pad, b, out, n);
        } else {
            unpack_safe(in + 1, b, out, n);
        }
    }
    return 1 + bytes;
}

/*
 * Full blocks: the vertical layout of SIMD-BP128 (Lemire & Boytsov, 2015).
 * Value i sits in lane i % 4 at row i / 4; each lane's 32 values are packed
 * LSB first into b 32-bit words, and the lanes' words are interleaved (word
 * w of lane l is 32-bit word 4w + l). A block is [u8 b][16 b bytes], and one
 * 128-bit register holds one word of every lane, so SSE2 unpacks four
 * values per instruction. The scalar code below produces the same bytes.
 */

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static uint32_t lane_word(const uint8_t *p, unsigned w, unsigned lane)
{
    return rd_u32(p + 4 * (4 * w + lane));
}

#if defined(__SSE2__)
/* Packs a row (one value per lane) at a time: the four lanes' words fill
 * in step, so each full 128-bit word is one store. */
static void pack_rows_sse2(const uint32_t *in, unsigned b, uint8_t *p)
{
    __m128i acc = _mm_setzero_si128();
    unsigned filled = 0; /* bits of acc in use, < 32 */
    for (unsigned r = 0; r < 32; r++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + 4 * r));
        acc = _mm_or_si128(acc, _mm_sll_epi32(v, _mm_cvtsi32_si128((int)filled)));
        filled += b;
        if (filled >= 32) {
            _mm_storeu_si128((__m128i *)(void *)p, acc);
            p += 16;
            filled -= 32; /* the bits of v that did not fit start the next word */
            acc = filled ? _mm_srl_epi32(v, _mm_cvtsi32_si128((int)(b - filled))) : _mm_setzero_si128();
        }
    }
}
#endif

size_t bp128_encode(const uint32_t *in, uint8_t *out)
{
    unsigned b = bits_needed(in, BLOCK_SIZE);
    out[0] = (uint8_t)b;
#if defined(__SSE2__)
    pack_rows_sse2(in, b, out + 1);
    return 1 + 16 * (size_t)b;
#else
    return bp128_encode_scalar(in, out);
#endif
}

/* For tests, and where there is no SSE2: lane by lane. */
size_t bp128_encode_scalar(const uint32_t *in, uint8_t *out)
{
    unsigned b = bits_needed(in, BLOCK_SIZE);
    out[0] = (uint8_t)b;
    uint8_t *p = out + 1;
    memset(p, 0, 16 * b);
    for (unsigned lane = 0; lane < 4; lane++) {
        uint64_t acc = 0;
        unsigned filled = 0, w = 0;
        for (unsigned r = 0; r < 32; r++) {
            acc |= (uint64_t)in[4 * r + lane] << filled;
            filled += b;
            if (filled >= 32) {
                uint32_t word = (uint32_t)acc;
                memcpy(p + 4 * (4 * w + lane), &word, 4);
                w++;
                acc >>= 32;
                filled -= 32;
            }
        }
    }
    return 1 + 16 * (size_t)b;
}

static void unpack_rows_scalar(const uint8_t *p, unsigned b, uint32_t *out)
{
    const uint64_t mask = b == 32 ? 0xffffffffu : ((uint64_t)1 << b) - 1;
    for (unsigned lane = 0; lane < 4; lane++) {
        for (unsigned r = 0; r < 32; r++) {
            unsigned bit = r * b, w = bit / 32, s = bit % 32;
            uint64_t v = lane_word(p, w, lane) >> s;
            if (s + b > 32) v |= (uint64_t)lane_word(p, w + 1, lane) << (32 - s);
            out[4 * r + lane] = (uint32_t)(v & mask);
        }
    }
}

#if defined(__SSE2__)
/* Reads a block's rows (four values, one per lane) in order; the shift
 * pattern depends only on b. Both SSE2 decoders below are built on it. */
typedef struct {
    const __m128i *w; /* the block's 128-bit words */
    __m128i cur;      /* the word being read */
    __m128i mask;     /* b low bits */
    unsigned b, shift, wi;
} RowReader;

static inline void rows_init(RowReader *r, const uint8_t *p, unsigned b)
{
    r->w = (const __m128i *)(const void *)p;
    r->cur = b ? _mm_loadu_si128(r->w) : _mm_setzero_si128(); /* b = 0: no bytes at all */
    r->mask = _mm_set1_epi32(b == 32 ? -1 : (int)((1u << b) - 1));
    r->b = b;
    r->shift = r->wi = 0;
}

static inline __m128i rows_next(RowReader *r)
{
    __m128i v = _mm_srl_epi32(r->cur, _mm_cvtsi32_si128((int)r->shift));
    r->shift += r->b;
    if (r->shift >= 32) {
        r->shift -= 32;
        if (++r->wi < r->b) {
            r->cur = _mm_loadu_si128(r->w + r->wi);
            if (r->shift) v = _mm_or_si128(v, _mm_sll_epi32(r->cur, _mm_cvtsi32_si128((int)(r->b - r->shift))));
        }
    }
    return _mm_and_si128(v, r->mask);
}

static void unpack_rows_sse2(const uint8_t *p, unsigned b, uint32_t *out)
{
    RowReader r;
    rows_init(&r, p, b);
    for (unsigned row = 0; row < 32; row++) _mm_storeu_si128((__m128i *)(void *)(out + 4 * row), rows_next(&r));
}

/* The same, returning 0 when a value is above top (b < 32: the values are
 * below 2^31, so a signed compare orders them). */
static int unpack_rows_sse2_upto(const uint8_t *p, unsigned b, uint32_t *out, uint32_t top)
{
    RowReader r;
    rows_init(&r, p, b);
    const __m128i t = _mm_set1_epi32((int)top);
    __m128i over = _mm_setzero_si128();
    for (unsigned row = 0; row < 32; row++) {
        __m128i v = rows_next(&r);
        _mm_storeu_si128((__m128i *)(void *)(out + 4 * row), v);
        over = _mm_or_si128(over, _mm_cmpgt_epi32(v, t));
    }
    return _mm_movemask_epi8(over) == 0;
}
#endif

/* 1 when none of v[0..n) is above top. */
static int all_upto(const uint32_t *v, size_t n, uint32_t top)
{
    uint32_t over = 0;
    for (size_t i = 0; i < n; i++) over |= v[i] > top;
    return !over;
}

void buf_put_packed(Buf *b, const uint32_t *v, size_t n)
{
    buf_reserve(b, 1 + 4 * n); /* either layout's most */
    b->len += n == BLOCK_SIZE ? bp128_encode(v, b->data + b->len) : bp_encode(v, n, b->data + b->len);
}

size_t bp128_decode(const uint8_t *in, size_t avail, uint32_t *out)
{
    if (avail < 1 || in[0] > 32) return 0;
    unsigned b = in[0];
    if (avail - 1 < 16 * (size_t)b) return 0;
    if (b == 0) {
        memset(out, 0, BLOCK_SIZE * sizeof *out);
    } else {
#if defined(__SSE2__)
        unpack_rows_sse2(in + 1, b, out);
#else
        unpack_rows_scalar(in + 1, b, out);
#endif
    }
    return 1 + 16 * (size_t)b;
}

size_t bp128_decode_upto(const uint8_t *in, size_t avail, uint32_t *out, uint32_t top)
{
    if (avail < 1 || in[0] > 32) return 0;
    unsigned b = in[0];
    if (((uint64_t)1 << b) - 1 <= top) return bp128_decode(in, avail, out); /* the width keeps every value in */
    if (avail - 1 < 16 * (size_t)b) return 0;
#if defined(__SSE2__)
    if (b < 32) return unpack_rows_sse2_upto(in + 1, b, out, top) ? 1 + 16 * (size_t)b : 0;
#endif
    unpack_rows_scalar(in + 1, b, out);
    return all_upto(out, BLOCK_SIZE, top) ? 1 + 16 * (size_t)b : 0;
}

size_t bp_decode_upto(const uint8_t *in, size_t avail, uint32_t *out, size_t n, uint32_t top)
{
    size_t used = bp_decode(in, avail, out, n);
    if (!used || ((uint64_t)1 << in[0]) - 1 <= top) return used;
    return all_upto(out, n, top) ? used : 0;
}

/* For tests: the scalar unpacking must agree with the SIMD one. */
size_t bp128_decode_scalar(const uint8_t *in, size_t avail, uint32_t *out)
{
    if (avail < 1 || in[0] > 32 || avail - 1 < 16 * (size_t)in[0]) return 0;
    if (in[0] == 0) memset(out, 0, BLOCK_SIZE * sizeof *out);
    else unpack_rows_scalar(in + 1, in[0], out);
    return 1 + 16 * (size_t)in[0];
}

/* The ids of a full block in one pass: unpack a row of gaps - 1, turn it
 * into ids (prefix sum within the row, plus the carry from the last row),
 * check them against limit, store. Returns bytes consumed, or 0 when the
 * data is short or an id is >= limit (ids index per-passage arrays, so a
 * crafted file must not send them out of bounds). */
size_t bp128_decode_ids(const uint8_t *in, size_t avail, uint32_t *out, uint32_t base, uint32_t limit)
{
    if (avail < 1 || in[0] > 32 || avail - 1 < 16 * (size_t)in[0] || limit == 0) return 0;
    unsigned b = in[0];
#if defined(__SSE2__)
    const __m128i one = _mm_set1_epi32(1), bias = _mm_set1_epi32(INT32_MIN);
    const __m128i max = _mm_set1_epi32((int)((limit - 1) ^ 0x80000000u));
    __m128i carry = _mm_set1_epi32((int)base), bad = _mm_setzero_si128();
    RowReader r;
    rows_init(&r, in + 1, b);
    for (unsigned row = 0; row < 32; row++) {
        __m128i x = _mm_add_epi32(rows_next(&r), one); /* gaps, then ids by a prefix sum */
        x = _mm_add_epi32(x, _mm_slli_si128(x, 4));
        x = _mm_add_epi32(x, _mm_slli_si128(x, 8));
        x = _mm_add_epi32(x, carry);
        bad = _mm_or_si128(bad, _mm_cmpgt_epi32(_mm_xor_si128(x, bias), max)); /* unsigned x > limit-1 */
        _mm_storeu_si128((__m128i *)(void *)(out + 4 * row), x);
        carry = _mm_shuffle_epi32(x, 0xff);
    }
    if (_mm_movemask_epi8(bad)) return 0;
#else
    if (b) unpack_rows_scalar(in + 1, b, out);
    else memset(out, 0, BLOCK_SIZE * sizeof *out);
    uint32_t bad = 0;
    for (unsigned i = 0; i < BLOCK_SIZE; i++) {
        out[i] = base = base + out[i] + 1;
        bad |= base >= limit;
    }
    if (bad) return 0;
#endif
    return 1 + 16 * (size_t)b;
}
