/* test_fold.c: case and accent folding, apostrophes, the length cut. */
#include "analysis/analysis.h"
#include "check.h"
#include "util/util.h"

#include <stdlib.h>

/* Folds a heap copy of exactly len bytes (ASan sees any overread). */
static const char *fold_n(const char *s, size_t len, size_t *out_len)
{
    static char out[TERM_MAX_BYTES + 1];
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, s, len);
    memset(out, 'X', sizeof out); /* the result must be NUL-terminated by fold */
    size_t n = fold_token(copy, len, out);
    free(copy);
    if (out_len) *out_len = n;
    CHECK(n <= TERM_MAX_BYTES);
    CHECK_EQ_INT(strlen(out), n);
    return out;
}

static const char *fold(const char *s) { return fold_n(s, strlen(s), NULL); }

/* 1 when s[0..n) is well-formed UTF-8 (what a cut must preserve). */
static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = p[i] < 0x80 ? 1 : p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : p[i] >= 0xC2 ? 2 : 0;
        if (k == 0 || i + k > n) return 0;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80) return 0;
        i += k;
    }
    return 1;
}

static void test_ascii(void)
{
    CHECK_EQ_STR(fold("Ketamine"), "ketamine");
    CHECK_EQ_STR(fold("NMDA"), "nmda");
    CHECK_EQ_STR(fold("3.5"), "3.5");
    CHECK_EQ_STR(fold("we'll"), "we'll");
    CHECK_EQ_STR(fold("already"), "already");
    size_t n;
    fold_n("", 0, &n);
    CHECK_EQ_INT(n, 0);
}

static void test_apostrophe(void)
{
    CHECK_EQ_STR(fold("Ketamine’s"), "ketamine's");
    CHECK_EQ_STR(fold("person’s"), "person's");
    CHECK_EQ_STR(fold("DON’T"), "don't");
}

static void test_accents_and_case(void)
{
    CHECK_EQ_STR(fold("Café"), "cafe");
    CHECK_EQ_STR(fold("CAFÉ"), "cafe");
    CHECK_EQ_STR(fold("Cafe\xcc\x81"), "cafe"); /* decomposed é */
    CHECK_EQ_STR(fold("naïve"), "naive");
    CHECK_EQ_STR(fold("Ångström"), "angstrom");
    CHECK_EQ_STR(fold("STRASSE"), "strasse");
    CHECK_EQ_STR(fold("Straße"), "strasse");
    CHECK_EQ_STR(fold("STRAẞE"), "strasse"); /* capital sharp s */
    CHECK_EQ_STR(fold("İstanbul"), "istanbul");
    CHECK_EQ_STR(fold("Dépression"), "depression");
}

static void test_other_scripts(void)
{
    CHECK_EQ_STR(fold("ΚΕΤΑΜΊΝΗ"), "κεταμινη");
    CHECK_EQ_STR(fold("κεταμίνη"), "κεταμινη");
    CHECK_EQ_STR(fold("ΟΔΟΣ"), fold("οδος")); /* final sigma folds to σ */
    CHECK_EQ_STR(fold("οδός"), "οδοσ");
    CHECK_EQ_STR(fold("КЕТАМИН"), "кетамин");
    CHECK_EQ_STR(fold("Ёлка"), "елка"); /* the diaeresis is a mark too */
    CHECK_EQ_STR(fold("東京"), "東京");
    CHECK_EQ_STR(fold("한국어"), "한국어"); /* syllables stay composed */
}

static void test_compatibility(void)
{
    CHECK_EQ_STR(fold("ﬁle"), "file");        /* ligature */
    CHECK_EQ_STR(fold("ＡＢＣ１２"), "abc12"); /* full width */
    CHECK_EQ_STR(fold("x²"), "x2");
    CHECK_EQ_STR(fold("\xf0\x9d\x90\x80"), "a"); /* mathematical bold A */
}

static void test_marks_only(void)
{
    size_t n;
    CHECK_EQ_STR(fold_n("\xcc\x81\xcc\x88", 4, &n), "");
    CHECK_EQ_INT(n, 0);
}

static void test_malformed_bytes_dropped(void)
{
    CHECK_EQ_STR(fold("Ab\xff" "Cd"), "abcd");
    CHECK_EQ_STR(fold("\xc3" "Caf\xc3\xa9"), "cafe");
    size_t n;
    CHECK_EQ_STR(fold_n("Caf\xc3", 4, &n), "caf"); /* truncated at the end */
    CHECK_EQ_STR(fold_n("\xed\xa0\x80", 3, &n), "");      /* surrogate */
    CHECK_EQ_STR(fold_n("\xf4\x90\x80\x80", 4, &n), ""); /* U+110000 */
    CHECK_EQ_STR(fold_n("\xe0\x81\x81", 3, &n), "");      /* overlong */
}

/* Long tokens are cut to TERM_MAX_BYTES, never inside a character. */
static void test_cut(void)
{
    char src[400];
    size_t n;

    memset(src, 'A', 100);
    const char *out = fold_n(src, 100, &n);
    CHECK_EQ_INT(n, TERM_MAX_BYTES);
    CHECK(out[0] == 'a' && out[TERM_MAX_BYTES - 1] == 'a');

    /* 'a' then 2-byte letters: 1 + 31 * 2 = 63, the 32nd would not fit. */
    src[0] = 'a';
    for (int i = 0; i < 40; i++) memcpy(src + 1 + 2 * i, "Ж", 2);
    out = fold_n(src, 81, &n);
    CHECK_EQ_INT(n, 63);
    CHECK(valid_utf8(out, n));

    /* 3-byte letters: 21 * 3 = 63. */
    for (int i = 0; i < 30; i++) memcpy(src + 3 * i, "東", 3);
    out = fold_n(src, 90, &n);
    CHECK_EQ_INT(n, 63);
    CHECK(valid_utf8(out, n));

    /* A letter that folds to two: 40 * "ß" gives 64 's'. */
    for (int i = 0; i < 40; i++) memcpy(src + 2 * i, "ß", 2);
    out = fold_n(src, 80, &n);
    CHECK_EQ_INT(n, TERM_MAX_BYTES);
    CHECK(out[TERM_MAX_BYTES - 1] == 's');

    /* The cut comes from the folded form: 70 × "é" is 140 bytes in, 64 out. */
    for (int i = 0; i < 70; i++) memcpy(src + 2 * i, "é", 2);
    out = fold_n(src, 140, &n);
    CHECK_EQ_INT(n, TERM_MAX_BYTES);
}

/* Folding a folded term changes nothing: the query side may fold again. */
static void test_idempotent(void)
{
    static const char *words[] = {
        "Ketamine’s", "Café", "Straße", "ΚΕΤΑΜΊΝΗ", "ﬁle", "İstanbul", "한국어", "x²", "ΟΔΟΣ",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char once[TERM_MAX_BYTES + 1], twice[TERM_MAX_BYTES + 1];
        size_t n1 = fold_token(words[i], strlen(words[i]), once);
        size_t n2 = fold_token(once, n1, twice);
        CHECK_EQ_STR(twice, once);
        CHECK_EQ_INT(n2, n1);
    }
}

TEST_MAIN("fold", T(test_ascii), T(test_apostrophe), T(test_accents_and_case),
          T(test_other_scripts), T(test_compatibility), T(test_marks_only),
          T(test_malformed_bytes_dropped), T(test_cut), T(test_idempotent))
