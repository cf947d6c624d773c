/* test_codec.c: bit-packing round trips on random and edge-case blocks. */
#include "check.h"
#include "index/format.h"

#include <stdlib.h>

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* The plain bit packer: one bit at a time, LSB first. The fast one must
 * write exactly these bytes (index files are compared byte for byte). */
static size_t ref_pack(const uint32_t *v, size_t n, uint8_t *out)
{
    unsigned b = bits_needed(v, n);
    size_t bytes = (n * b + 7) / 8;
    out[0] = (uint8_t)b;
    memset(out + 1, 0, bytes);
    for (size_t i = 0, bit = 0; i < n; i++)
        for (unsigned k = 0; k < b; k++, bit++) out[1 + bit / 8] |= (uint8_t)((v[i] >> k & 1) << bit % 8);
    return 1 + bytes;
}

/* Encodes v into a buffer exactly as large as needed (so ASan sees any
 * over-read), decodes it back, and compares. */
static void round_trip(const uint32_t *v, size_t n)
{
    uint8_t tmp[1 + 4 * BLOCK_SIZE + 8];
    uint8_t ref[1 + 4 * BLOCK_SIZE];
    size_t bytes = bp_encode(v, n, tmp);
    CHECK(bytes == 1 + (n * bits_needed(v, n) + 7) / 8);
    CHECK(ref_pack(v, n, ref) == bytes && memcmp(ref, tmp, bytes) == 0);
    uint8_t *exact = malloc(bytes);
    memcpy(exact, tmp, bytes);
    uint32_t out[BLOCK_SIZE];
    CHECK_EQ_INT(bp_decode(exact, bytes, out, n), bytes);
    CHECK(memcmp(out, v, n * sizeof *v) == 0);
    if (bytes > 1) CHECK_EQ_INT(bp_decode(exact, bytes - 1, out, n), 0); /* short input */
    free(exact);
}

static void test_every_width(void)
{
    uint32_t v[BLOCK_SIZE];
    for (unsigned b = 0; b <= 32; b++) {
        for (size_t n = 1; n <= BLOCK_SIZE; n += (n < 8 ? 1 : 13)) {
            uint32_t mask = b == 32 ? 0xffffffffu : (1u << b) - 1;
            for (size_t i = 0; i < n; i++) v[i] = rnd() & mask;
            if (b) v[n / 2] = mask; /* make sure width b is really needed */
            round_trip(v, n);
            CHECK_EQ_INT(bits_needed(v, n), b);
        }
    }
}

static void test_edge_values(void)
{
    uint32_t zeros[BLOCK_SIZE] = {0}, maxes[BLOCK_SIZE], ones[BLOCK_SIZE];
    for (size_t i = 0; i < BLOCK_SIZE; i++) maxes[i] = UINT32_MAX, ones[i] = 1;
    round_trip(zeros, BLOCK_SIZE);
    round_trip(maxes, BLOCK_SIZE);
    round_trip(ones, 1);
    round_trip(maxes, 1);
    uint8_t out[8];
    CHECK_EQ_INT(bp_encode(zeros, BLOCK_SIZE, out), 1); /* all-zero block is one byte */
}

static void test_random_blocks(void)
{
    uint32_t v[BLOCK_SIZE];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 1 + rnd() % BLOCK_SIZE;
        unsigned b = rnd() % 33;
        for (size_t i = 0; i < n; i++) v[i] = b == 32 ? rnd() : rnd() & ((1u << b) - 1);
        round_trip(v, n);
    }
}

static void test_rejects_bad_width(void)
{
    uint8_t bad[64] = {33};
    uint32_t out[4];
    CHECK_EQ_INT(bp_decode(bad, sizeof bad, out, 4), 0);
    CHECK_EQ_INT(bp_decode(bad, 0, out, 4), 0);
}

/* Full blocks: encode, then decode with the SIMD and the scalar code from
 * an exactly-sized buffer; both must give the input back. */
static void test_bp128_round_trip(void)
{
    uint32_t v[BLOCK_SIZE], out[BLOCK_SIZE], out2[BLOCK_SIZE];
    uint8_t tmp[1 + 16 * 32];
    for (int iter = 0; iter < 5000; iter++) {
        unsigned b = iter % 33;
        for (size_t i = 0; i < BLOCK_SIZE; i++) v[i] = b == 32 ? rnd() : rnd() & ((1u << b) - 1);
        if (b) v[rnd() % BLOCK_SIZE] = b == 32 ? UINT32_MAX : (1u << b) - 1;
        uint8_t scalar[1 + 16 * 32];
        size_t bytes = bp128_encode(v, tmp);
        CHECK_EQ_INT(bytes, 1 + 16 * b);
        CHECK_EQ_INT(bp128_encode_scalar(v, scalar), bytes); /* the SIMD packer writes the scalar one's bytes */
        CHECK(memcmp(scalar, tmp, bytes) == 0);
        uint8_t *exact = malloc(bytes);
        memcpy(exact, tmp, bytes);
        CHECK_EQ_INT(bp128_decode(exact, bytes, out), bytes);
        CHECK_EQ_INT(bp128_decode_scalar(exact, bytes, out2), bytes);
        CHECK(memcmp(out, v, sizeof v) == 0);
        CHECK(memcmp(out2, v, sizeof v) == 0);
        if (bytes > 1) CHECK_EQ_INT(bp128_decode(exact, bytes - 1, out), 0);
        free(exact);
    }
}

/* The bounded decoders give what the plain ones give when every value is
 * at most top, and refuse the run when one is above it: at every width,
 * for full runs (the SIMD and the scalar check) and partial ones, with the
 * largest value anywhere in the run. */
static void test_decode_upto(void)
{
    uint32_t v[BLOCK_SIZE], out[BLOCK_SIZE];
    uint8_t tmp[1 + 4 * BLOCK_SIZE + 8];
    for (int iter = 0; iter < 3000; iter++) {
        unsigned b = iter % 33;
        size_t n = iter % 2 ? BLOCK_SIZE : 1 + rnd() % (BLOCK_SIZE - 1);
        uint32_t mask = b == 32 ? UINT32_MAX : (1u << b) - 1;
        for (size_t i = 0; i < n; i++) v[i] = rnd() & mask;
        uint32_t max = 0;
        for (size_t i = 0; i < n; i++) max = v[i] > max ? v[i] : max;
        size_t bytes = n == BLOCK_SIZE ? bp128_encode(v, tmp) : bp_encode(v, n, tmp);
        size_t got = n == BLOCK_SIZE ? bp128_decode_upto(tmp, bytes, out, max) : bp_decode_upto(tmp, bytes, out, n, max);
        CHECK_EQ_INT(got, bytes);
        CHECK(memcmp(out, v, n * sizeof *v) == 0);
        if (max == 0) continue;
        got = n == BLOCK_SIZE ? bp128_decode_upto(tmp, bytes, out, max - 1) : bp_decode_upto(tmp, bytes, out, n, max - 1);
        CHECK_EQ_INT(got, 0);
    }
}

/* bp128_decode_ids turns gaps - 1 into ids: a running sum from base
 * (wrapping below 0 for the first block), checked against a limit. */
static void test_prefix_sum(void)
{
    uint32_t v[BLOCK_SIZE], want[BLOCK_SIZE];
    for (int iter = 0; iter < 1000; iter++) {
        uint32_t base = iter == 0 ? UINT32_MAX : rnd() % 1000000, prev = base;
        for (size_t i = 0; i < BLOCK_SIZE; i++) {
            v[i] = rnd() % (iter % 2 ? 3 : 5000);
            want[i] = prev = prev + v[i] + 1;
        }
        uint32_t ids[BLOCK_SIZE];
        uint8_t packed[1 + 16 * 32];
        size_t bytes = bp128_encode(v, packed);
        CHECK_EQ_INT(bp128_decode_ids(packed, bytes, ids, base, UINT32_MAX), bytes); /* no id is that high */
        CHECK(memcmp(ids, want, sizeof ids) == 0);
        /* with a limit just above the ids it accepts them; at or below one, it rejects */
        uint32_t last = want[BLOCK_SIZE - 1], lo = want[0];
        int wrapped = 0;
        for (size_t i = 1; i < BLOCK_SIZE; i++) wrapped |= want[i] < want[i - 1];
        if (!wrapped) {
            CHECK_EQ_INT(bp128_decode_ids(packed, bytes, ids, base, last + 1), bytes);
            CHECK(memcmp(ids, want, sizeof ids) == 0);
            CHECK_EQ_INT(bp128_decode_ids(packed, bytes, ids, base, last), 0);
            CHECK_EQ_INT(bp128_decode_ids(packed, bytes, ids, base, lo), 0);
        }
    }
}

TEST_MAIN("codec", T(test_bp128_round_trip), T(test_prefix_sum), T(test_every_width), T(test_edge_values), T(test_random_blocks), T(test_rejects_bad_width),
          T(test_decode_upto))
