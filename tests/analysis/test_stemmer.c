/* test_stemmer.c: the cached stem is always Snowball's. Words of every
 * length up to past TERM_MAX_BYTES, stemmed again and again in an order
 * that fills the cache and reads it back at random, with some of them
 * long: each answer equals stemmer_stem_once's, and its length
 * is its strlen. */
#include "analysis/analysis.h"
#include "analysis/stemmer.h"
#include "check.h"
#include "testcorpus.h"

#define WORDS 12000

static size_t make_word(uint32_t i, char *w)
{
    static const char *ends[] = {"", "s", "ing", "ed", "ly", "ness", "ation", "ies", "ful", "izations"};
    size_t len = 1 + i % 44, n = 0;
    uint32_t x = i * 2654435761u;
    while (n < len && n < TERM_MAX_BYTES - 8) w[n++] = (char)('a' + (x = x * 1103515245u + 12345u) % 26);
    const char *e = ends[i % 10];
    while (*e && n < TERM_MAX_BYTES) w[n++] = *e++;
    w[n] = '\0';
    return n;
}

static void test_cached_equals_snowball(void)
{
    Stemmer *s = stemmer_new("english"), *ref = stemmer_new("english");
    CHECK(s && ref);
    if (!s || !ref) return;
    char w[TERM_MAX_BYTES + 1], want[TERM_MAX_BYTES + 1];
    int differ = 0, long_stems = 0;
    tc_seed = 7;
    for (uint32_t k = 0; k < 6 * WORDS; k++) {
        uint32_t i = k < WORDS ? k : tc_rand() % WORDS; /* all once, then at random */
        size_t len = make_word(i, w), wl, got_len;
        const char *r = stemmer_stem_once(ref, w, len, &wl);
        memcpy(want, r, wl + 1);
        const char *got = stemmer_stem(s, w, len, &got_len);
        differ += got_len != wl || strlen(got) != got_len || memcmp(got, want, wl) != 0;
        long_stems += wl >= 29;
    }
    CHECK_EQ_INT(differ, 0);
    CHECK(long_stems > 0); /* stems of 29 bytes and more went through too */
    stemmer_free(s);
    stemmer_free(ref);
}

/* The words that stem to something else than themselves are stemmed the
 * same way through every cache (a test that cannot pass with a cache
 * returning its key). */
static void test_known_stems(void)
{
    Stemmer *s = stemmer_new("english");
    CHECK(s != NULL);
    if (!s) return;
    const char *pairs[][2] = {{"reducing", "reduc"}, {"ketamine", "ketamin"}, {"therapies", "therapi"},
                              {"microdosing", "microdos"}, {"depression", "depress"}};
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
            size_t n;
            const char *got = stemmer_stem(s, pairs[i][0], strlen(pairs[i][0]), &n);
            CHECK_EQ_STR(got, pairs[i][1]);
        }
    stemmer_free(s);
}

/* More distinct words than the cache keeps (2^18): past that they are
 * stemmed every time, and the cached ones still answer right. */
static void test_full_cache(void)
{
    Stemmer *s = stemmer_new("english"), *ref = stemmer_new("english");
    CHECK(s && ref);
    if (!s || !ref) return;
    char w[TERM_MAX_BYTES + 1];
    int differ = 0;
    for (uint32_t round = 0; round < 2; round++)
        for (uint32_t i = 0; i < 300000; i++) {
            size_t len = (size_t)snprintf(w, sizeof w, "w%uing", i * 7 + round), wl, got_len;
            const char *want = stemmer_stem_once(ref, w, len, &wl);
            const char *got = stemmer_stem(s, w, len, &got_len);
            differ += got_len != wl || memcmp(got, want, wl) != 0;
        }
    CHECK_EQ_INT(differ, 0);
    stemmer_free(s);
    stemmer_free(ref);
}

TEST_MAIN("stemmer", T(test_cached_equals_snowball), T(test_known_stems), T(test_full_cache))
