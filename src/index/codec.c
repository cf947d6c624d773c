/*
 * codec.c: binary packing of up to 128 integers per block.
 *
 * A block is stored as one byte holding the bit width b (the width of its
 * largest value) followed by the values, b bits each, packed LSB first into
 * ceil(n*b/8) bytes. Postings are stored as d-gaps, so b is small: this is
 * the frame-of-reference-free "binary packing" of Lemire & Boytsov (2015),
 * with one width per block. Decoding never reads past `avail`.
 */
#include "index/index.h"

unsigned bits_needed(const uint32_t *v, size_t n)
{
    uint32_t all = 0;
    for (size_t i = 0; i < n; i++) all |= v[i];
    return all ? 32u - (unsigned)__builtin_clz(all) : 0u;
}

size_t bp_encode(const uint32_t *in, size_t n, uint8_t *out)
{
    unsigned b = bits_needed(in, n);
    out[0] = (uint8_t)b;
    size_t bytes = (n * b + 7) / 8;
    memset(out + 1, 0, bytes);
    uint64_t acc = 0;
    unsigned filled = 0;
    uint8_t *p = out + 1;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)in[i] << filled;
        filled += b;
        while (filled >= 8) {
            *p++ = (uint8_t)acc;
            acc >>= 8;
            filled -= 8;
        }
    }
    if (filled) *p++ = (uint8_t)acc;
    return 1 + bytes;
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
    } else {
        unpack_safe(in + 1, b, out, n);
    }
    return 1 + bytes;
}
