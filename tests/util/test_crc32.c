/* test_crc32.c: crc32_update (the folding CRC) against zlib's crc32_z, at
 * every length and alignment near the block sizes and on long buffers,
 * whole and in pieces. */
#include "check.h"
#include "util/util.h"

#include <stdlib.h>
#include <zlib.h>

static uint32_t rng_state = 2463534242u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static uint32_t zlib_crc(uint32_t crc, const uint8_t *p, size_t n) { return (uint32_t)crc32_z(crc, p, n); }

static void test_every_length(void)
{
    enum { MAX = 600 };
    uint8_t *buf = malloc(MAX + 16);
    for (size_t i = 0; i < MAX + 16; i++) buf[i] = (uint8_t)rnd();
    for (size_t align = 0; align < 16; align++)
        for (size_t n = 0; n <= MAX; n++) {
            uint32_t seed = n % 3 ? rnd() : 0;
            CHECK_EQ_INT(crc32_update(seed, buf + align, n), zlib_crc(seed, buf + align, n));
        }
    free(buf);
}

static void test_long_and_pieces(void)
{
    size_t n = (3u << 20) + 77;
    uint8_t *buf = malloc(n);
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(rnd() >> 7);
    uint32_t want = zlib_crc(0, buf, n);
    CHECK_EQ_INT(crc32_update(0, buf, n), want);
    uint32_t c = 0;
    for (size_t at = 0; at < n;) { /* uneven pieces, as a file is written */
        size_t k = rnd() % 5000;
        if (k > n - at) k = n - at;
        c = crc32_update(c, buf + at, k);
        at += k;
    }
    CHECK_EQ_INT(c, want);
    memset(buf, 0, n); /* all zeros and all ones: the folds' edge values */
    CHECK_EQ_INT(crc32_update(0, buf, n), zlib_crc(0, buf, n));
    memset(buf, 0xff, n);
    CHECK_EQ_INT(crc32_update(0, buf, n), zlib_crc(0, buf, n));
    CHECK_EQ_INT(crc32_of(buf, n), zlib_crc(0, buf, n));
    free(buf);
}

TEST_MAIN("crc32", T(test_every_length), T(test_long_and_pieces))
