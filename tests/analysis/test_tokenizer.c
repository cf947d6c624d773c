/* test_tokenizer.c: token boundaries, byte offsets and malformed UTF-8. */
#include "analysis/analysis.h"
#include "check.h"
#include "util/util.h"

#include <stdint.h>
#include <stdlib.h>

/* Tokenizes a heap copy of exactly len bytes (so ASan catches any read past
 * the end) and returns the tokens joined by '|'. */
static const char *toks_n(const char *s, size_t len)
{
    static char out[4096];
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, s, len);
    Tokenizer t;
    TokenSpan sp;
    size_t o = 0;
    tokenizer_init(&t, copy, len);
    while (tokenizer_next(&t, &sp)) {
        size_t n = sp.end - sp.start;
        if (o + n + 2 > sizeof out) break;
        if (o) out[o++] = '|';
        memcpy(out + o, copy + sp.start, n);
        o += n;
    }
    out[o] = '\0';
    free(copy);
    return out;
}
#define toks(s) toks_n(s, strlen(s))

/* Checks the invariants every tokenization must satisfy: spans non-empty,
 * in bounds and increasing, and each span re-tokenized alone is exactly one
 * token covering all of it. Returns the number of tokens. */
static size_t check_spans(const char *text, size_t len)
{
    Tokenizer t;
    TokenSpan sp;
    size_t prev_end = 0, n = 0;
    tokenizer_init(&t, text, len);
    while (tokenizer_next(&t, &sp)) {
        n++;
        if (!(sp.start < sp.end && sp.end <= len && sp.start >= prev_end) || n > len) {
            CHECK(!"bad span");
            return n;
        }
        prev_end = sp.end;

        Tokenizer t2;
        TokenSpan sp2;
        tokenizer_init(&t2, text + sp.start, sp.end - sp.start);
        CHECK(tokenizer_next(&t2, &sp2));
        CHECK_EQ_INT(sp2.start, 0);
        CHECK_EQ_INT(sp2.end, sp.end - sp.start);
        CHECK(!tokenizer_next(&t2, &sp2));
    }
    CHECK(!tokenizer_next(&t, &sp)); /* stays at the end */
    return n;
}

static void test_empty(void)
{
    Tokenizer t;
    TokenSpan sp;
    tokenizer_init(&t, NULL, 0);
    CHECK(!tokenizer_next(&t, &sp));
    CHECK_EQ_STR(toks(""), "");
    CHECK_EQ_STR(toks(" \t\r\n  "), "");
    CHECK_EQ_STR(toks("!?.,;:()[]{}\"'/\\-_*&^%$#@~`|<>+="), "");
}

static void test_ascii_words(void)
{
    CHECK_EQ_STR(toks("Ketamine therapy offers a glimmer of hope."),
                 "Ketamine|therapy|offers|a|glimmer|of|hope");
    CHECK_EQ_STR(toks("(PTSD). By targeting"), "PTSD|By|targeting");
    CHECK_EQ_STR(toks("x"), "x");
    CHECK_EQ_STR(toks("snake_case a/b a+b"), "snake|case|a|b|a|b");
}

static void test_apostrophes(void)
{
    /* Curly apostrophes as they appear in the seed corpus. */
    CHECK_EQ_STR(toks("Ketamine’s mechanism"), "Ketamine’s|mechanism");
    CHECK_EQ_STR(toks("every aspect of a person’s life"), "every|aspect|of|a|person’s|life");
    CHECK_EQ_STR(toks("they don’t induce"), "they|don’t|induce");
    CHECK_EQ_STR(toks("we'll give you"), "we'll|give|you");
    CHECK_EQ_STR(toks("rock'n'roll"), "rock'n'roll");
    /* Only between two letters. */
    CHECK_EQ_STR(toks("students’ notes"), "students|notes");
    CHECK_EQ_STR(toks("‘quoted’ 'single'"), "quoted|single");
    CHECK_EQ_STR(toks("’tis"), "tis");
    CHECK_EQ_STR(toks("90's"), "90|s");
    CHECK_EQ_STR(toks("a''b"), "a|b");
    CHECK_EQ_STR(toks("don’"), "don");
    /* A combining mark before the apostrophe still counts as a letter. */
    CHECK_EQ_STR(toks("e\xcc\x81'a"), "e\xcc\x81'a");
}

static void test_hyphens_and_dashes(void)
{
    CHECK_EQ_STR(toks("treatment-resistant depression"), "treatment|resistant|depression");
    CHECK_EQ_STR(toks("This N-methyl-D-aspartate (NMDA) receptor"),
                 "This|N|methyl|D|aspartate|NMDA|receptor");
    CHECK_EQ_STR(toks("Also Read – Why Do You Need"), "Also|Read|Why|Do|You|Need"); /* en dash */
    CHECK_EQ_STR(toks("hope—and relief"), "hope|and|relief");                        /* em dash */
    CHECK_EQ_STR(toks("non\xe2\x80\x90stop"), "non|stop");                            /* U+2010 */
}

static void test_bullet_and_nbsp(void)
{
    const char *bullet = "  • The Intrinsic Benefits of Ketamine";
    CHECK_EQ_STR(toks(bullet), "The|Intrinsic|Benefits|of|Ketamine");
    Tokenizer t;
    TokenSpan sp;
    tokenizer_init(&t, bullet, strlen(bullet));
    CHECK(tokenizer_next(&t, &sp));
    CHECK_EQ_INT(sp.start, 6); /* 2 spaces + 3-byte bullet + space */
    CHECK_EQ_INT(sp.end, 9);

    /* The second paragraph of ketamine-therapy-five-benefits.txt. */
    const char *nbsp = "    \xc2\xa0 I want to shed light";
    CHECK_EQ_STR(toks(nbsp), "I|want|to|shed|light");
    tokenizer_init(&t, nbsp, strlen(nbsp));
    CHECK(tokenizer_next(&t, &sp));
    CHECK_EQ_INT(sp.start, 7);
    CHECK_EQ_STR(toks("a\xc2\xa0z"), "a|z");
}

static void test_numbers(void)
{
    CHECK_EQ_STR(toks("1. Rapid Relief for Treatment-Resistant Depression:"),
                 "1|Rapid|Relief|for|Treatment|Resistant|Depression");
    CHECK_EQ_STR(toks("we'll give you 20% off!"), "we'll|give|you|20|off");
    CHECK_EQ_STR(toks("3.5 mg, 10,000 people, 1.2.3"), "3.5|mg|10,000|people|1.2.3");
    CHECK_EQ_STR(toks("a.b 3.x x.3 1..2 1,,2 5. .5"), "a|b|3|x|x|3|1|2|1|2|5|5");
    CHECK_EQ_STR(toks("covid19 B12"), "covid19|B12");
    CHECK_EQ_STR(toks("x²"), "x²"); /* superscript two is a number (No) */
    CHECK_EQ_STR(toks("\xd9\xa3.\xd9\xa5"), "\xd9\xa3.\xd9\xa5"); /* Arabic-Indic 3.5 */
}

static void test_unicode_letters(void)
{
    CHECK_EQ_STR(toks("Café naïve Straße"), "Café|naïve|Straße");
    CHECK_EQ_STR(toks("ΚΕΤΑΜΊΝΗ, κεταμίνη"), "ΚΕΤΑΜΊΝΗ|κεταμίνη");
    CHECK_EQ_STR(toks("e\xcc\x81" "cole"), "e\xcc\x81" "cole"); /* decomposed é */
    CHECK_EQ_STR(toks("東京 кетамин"), "東京|кетамин");
    CHECK_EQ_STR(toks("\xf0\x9d\x90\x80x"), "\xf0\x9d\x90\x80x"); /* U+1D400, a letter */
    CHECK_EQ_STR(toks("a€b ©c d→e"), "a|b|c|d|e");                  /* symbols split */
    CHECK_EQ_STR(toks("a\xe2\x80\x8b" "b"), "a|b");                 /* zero width space */
}

static void test_malformed_utf8(void)
{
    CHECK_EQ_STR(toks("ab\x80" "cd"), "ab|cd");                         /* lone continuation */
    CHECK_EQ_STR(toks("ab\xe2\x80" "cd"), "ab|cd");                     /* truncated 3-byte */
    CHECK_EQ_STR(toks_n("ab\xe2\x80", 4), "ab");                        /* ... at the very end */
    CHECK_EQ_STR(toks_n("don\xe2\x80", 5), "don");                      /* cut apostrophe */
    CHECK_EQ_STR(toks_n("\xf0\x9d\x90", 3), "");                        /* cut 4-byte letter */
    CHECK_EQ_STR(toks("a\xc0\xaf" "b"), "a|b");                          /* overlong '/' */
    CHECK_EQ_STR(toks("a\xc1\x81" "b"), "a|b");                          /* overlong 'A' */
    CHECK_EQ_STR(toks("a\xe0\x81\x81" "b"), "a|b");                      /* overlong, 3 bytes */
    CHECK_EQ_STR(toks("a\xf0\x80\x81\x81" "b"), "a|b");                  /* overlong, 4 bytes */
    CHECK_EQ_STR(toks("\xff" "x\xfe"), "x");
    CHECK_EQ_STR(toks("x\xed\xa0\x80y"), "x|y");                         /* surrogate D800 */
    CHECK_EQ_STR(toks("x\xf4\x90\x80\x80y"), "x|y");                     /* U+110000 */
    CHECK_EQ_STR(toks("x\xf8\x88\x80\x80\x80y"), "x|y");                 /* 5-byte form */
    CHECK_EQ_STR(toks("\xc3" "Caf\xc3\xa9\xc3"), "Caf\xc3\xa9");         /* é survives */
    /* The bytes after a bad lead byte are re-read: a valid sequence there
     * still decodes. */
    CHECK_EQ_STR(toks("\xe2" "\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
    /* A NUL is a separator too, and the length, not the NUL, ends the text. */
    CHECK_EQ_STR(toks_n("ab\0cd", 5), "ab|cd");
}

static void test_long_token(void)
{
    size_t n = 1000;
    char *s = xmalloc(n);
    memset(s, 'a', n);
    Tokenizer t;
    TokenSpan sp;
    tokenizer_init(&t, s, n);
    CHECK(tokenizer_next(&t, &sp));
    CHECK_EQ_INT(sp.start, 0);
    CHECK_EQ_INT(sp.end, n); /* whole: fold_token is where it gets cut */
    CHECK(!tokenizer_next(&t, &sp));
    free(s);
}

/* On every seed document: offsets point at the tokens, and known words
 * come back byte for byte. */
static void test_corpus_offsets(void)
{
    static const char *files[] = {
        "corpus/ketamine-assisted-therapy-addiction-recovery.txt",
        "corpus/ketamine-therapy-five-benefits.txt",
        "corpus/ketamine-treatment-depression.txt",
        "corpus/microdosing-psychedelics-mental-health.txt",
    };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *text;
        size_t len;
        if (read_file(files[f], 1 << 20, &text, &len) != 0) {
            fprintf(stderr, "  %s\n", err_msg());
            CHECK(!"cannot read the seed corpus (run from the repository root)");
            continue;
        }
        size_t n = check_spans(text, len);
        CHECK(n > 500);

        /* Every span starts and ends on a token character: the byte
         * before a span is never an ASCII letter or digit. */
        Tokenizer t;
        TokenSpan sp;
        int apostrophe_tokens = 0;
        tokenizer_init(&t, text, len);
        while (tokenizer_next(&t, &sp)) {
            if (sp.start > 0) {
                uint8_t b = (uint8_t)text[sp.start - 1] | 0x20; /* ASCII lowercase */
                CHECK(!((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')));
            }
            if (sp.end - sp.start >= 3 && memmem(text + sp.start, sp.end - sp.start, "’", 3))
                apostrophe_tokens++;
        }
        if (f == 1) CHECK(apostrophe_tokens >= 3); /* person’s, brain’s, Ketamine’s ... */
        free(text);
    }
}

/* A small deterministic generator, so a failure can be reproduced. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

/* Random buffers mixing ASCII, valid multi-byte characters (letters,
 * apostrophes, dashes, NBSP) and raw bytes, so that both the valid and the
 * malformed paths are exercised at every position, including the end. */
static void test_fuzz(void)
{
    static const char *pieces[] = {
        "a", "Z", "7", " ", ".", ",", "'", "-", "’", "–", "•", "\xc2\xa0", "é", "e\xcc\x81",
        "ß", "Κ", "東", "\xf0\x9d\x90\x80", "\xe2\x80", "\xe2", "\x80", "\xc0\xaf", "\xed\xa0\x80",
        "\xf4\x90\x80\x80", "\xff", "\xf0\x9d",
    };
    const size_t npieces = sizeof pieces / sizeof pieces[0];
    uint8_t buf[96];
    for (int iter = 0; iter < 200000; iter++) {
        size_t len = 0, target = rng() % sizeof buf;
        while (len < target) {
            if (rng() % 3 == 0) {
                buf[len++] = (uint8_t)rng(); /* any byte */
            } else {
                const char *p = pieces[rng() % npieces];
                size_t k = strlen(p);
                if (len + k > target) break;
                memcpy(buf + len, p, k);
                len += k;
            }
        }
        /* Exact-size heap copy: a read past the end is an ASan error. */
        char *text = xmalloc(len ? len : 1);
        memcpy(text, buf, len);
        int before = check_failed_in_test;
        check_spans(text, len);
        free(text);
        if (check_failed_in_test != before) {
            fprintf(stderr, "  fuzz iteration %d failed\n", iter);
            break;
        }
    }
}

TEST_MAIN("tokenizer", T(test_empty), T(test_ascii_words), T(test_apostrophes),
          T(test_hyphens_and_dashes), T(test_bullet_and_nbsp), T(test_numbers),
          T(test_unicode_letters), T(test_malformed_utf8), T(test_long_token),
          T(test_corpus_offsets), T(test_fuzz))
