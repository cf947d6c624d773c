/*
 * crc32.c: CRC-32 (zlib's, the gzip polynomial) at memory speed.
 *
 * Every index file is checksummed as it is written and again when it is
 * opened, a gigabyte for the 1M-passage index; zlib's table-driven crc32
 * runs at under 1 GB/s, a large part of a build. On x86 with PCLMULQDQ the
 * data is folded 64 bytes at a time with carry-less multiplies (Intel,
 * "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ
 * Instruction", 2009; the bit-reflected constants and Barrett reduction of
 * its appendix, as Chromium's zlib and Linux use them); the few bytes left
 * over, short buffers and other CPUs go through zlib. The value is zlib's
 * crc32_z, bit for bit (tests/util/test_crc32.c compares them).
 */
#include "util.h"

#include <zlib.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define FOLD_MIN 64 /* the fold needs one 64-byte block to start from */

/* The CRC of buf[0..len), len a multiple of 16 and >= 64, continuing crc
 * (pre-inverted, as zlib keeps it between calls). */
__attribute__((target("pclmul,sse4.1"))) static uint32_t fold(const uint8_t *buf, size_t len, uint32_t crc)
{
    const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
    const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
    const __m128i k5k0 = _mm_set_epi64x(0, 0x0163cd6124);
    const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
    const __m128i mask32 = _mm_setr_epi32(~0, 0, ~0, 0);
    __m128i x1 = _mm_loadu_si128((const __m128i *)buf), x2 = _mm_loadu_si128((const __m128i *)(buf + 16));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(buf + 32)), x4 = _mm_loadu_si128((const __m128i *)(buf + 48));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    buf += 64;
    len -= 64;
    /* four lanes of 16 bytes, each folded 64 bytes forward */
    for (; len >= 64; buf += 64, len -= 64) {
        __m128i y1 = _mm_clmulepi64_si128(x1, k1k2, 0x00), y2 = _mm_clmulepi64_si128(x2, k1k2, 0x00);
        __m128i y3 = _mm_clmulepi64_si128(x3, k1k2, 0x00), y4 = _mm_clmulepi64_si128(x4, k1k2, 0x00);
        x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k1k2, 0x11), y1);
        x2 = _mm_xor_si128(_mm_clmulepi64_si128(x2, k1k2, 0x11), y2);
        x3 = _mm_xor_si128(_mm_clmulepi64_si128(x3, k1k2, 0x11), y3);
        x4 = _mm_xor_si128(_mm_clmulepi64_si128(x4, k1k2, 0x11), y4);
        x1 = _mm_xor_si128(x1, _mm_loadu_si128((const __m128i *)buf));
        x2 = _mm_xor_si128(x2, _mm_loadu_si128((const __m128i *)(buf + 16)));
        x3 = _mm_xor_si128(x3, _mm_loadu_si128((const __m128i *)(buf + 32)));
        x4 = _mm_xor_si128(x4, _mm_loadu_si128((const __m128i *)(buf + 48)));
    }
    /* the lanes into one, then the remaining 16-byte blocks into it */
    __m128i next[3] = {x2, x3, x4};
    for (int i = 0; i < 3; i++) {
        __m128i y = _mm_clmulepi64_si128(x1, k3k4, 0x00);
        x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), next[i]), y);
    }
    for (; len >= 16; buf += 16, len -= 16) {
        __m128i y = _mm_clmulepi64_si128(x1, k3k4, 0x00);
        x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), _mm_loadu_si128((const __m128i *)buf)), y);
    }
    /* 128 bits to 64 */
    x2 = _mm_clmulepi64_si128(x1, k3k4, 0x10);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
    x2 = _mm_srli_si128(x1, 4);
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k5k0, 0x00), x2);
    /* Barrett reduction to 32 bits */
    x2 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly, 0x10);
    x2 = _mm_clmulepi64_si128(_mm_and_si128(x2, mask32), poly, 0x00);
    return (uint32_t)_mm_extract_epi32(_mm_xor_si128(x1, x2), 1);
}

uint32_t crc32_update(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *q = p;
    if (n >= FOLD_MIN && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
        size_t blocks = n & ~(size_t)15;
        crc = ~fold(q, blocks, ~crc);
        q += blocks;
        n -= blocks;
    }
    return n ? (uint32_t)crc32_z(crc, q, n) : crc;
}

#else

uint32_t crc32_update(uint32_t crc, const void *p, size_t n) { return n ? (uint32_t)crc32_z(crc, p, n) : crc; }

#endif
