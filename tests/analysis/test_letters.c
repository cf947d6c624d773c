/* test_letters.c: the letters-only analysis (AnalysisConfig.letters_only,
 * the search-benchmark-game's): tokens are maximal runs of letters (with
 * the combining marks after them); digits, apostrophes, punctuation and
 * malformed UTF-8 separate; folding and stemming as usual; the default
 * tokenizer is unchanged. */
#include "analysis/analysis.h"
#include "check.h"
#include "util/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <utf8proc.h>

/* The letters-only tokenizer (tokenizer.c). */

static Analyzer *make(const char *lang, int letters_only)
{
    AnalysisConfig c;
    analysis_config_default(&c);
    snprintf(c.language, sizeof c.language, "%s", lang);
    c.letters_only = letters_only;
    c.stopwords = 0; /* the tokenizer alone: every word kept */
    Analyzer *a = analyzer_new(&c);
    CHECK(a != NULL);
    return a;
}

typedef struct {
    char out[4096];
    size_t o;
    const char *text;
    int spans; /* 1: print source spans instead of terms */
} Collect;

static void collect(void *ctx, const Token *tok)
{
    Collect *c = ctx;
    const char *s = c->spans ? c->text + tok->start : tok->term;
    size_t n = c->spans ? tok->end - tok->start : tok->len;
    if (c->o + n + 2 > sizeof c->out) return;
    if (c->o) c->out[c->o++] = '|';
    memcpy(c->out + c->o, s, n);
    c->o += n;
    c->out[c->o] = 0;
}

/* Terms of text joined by '|' (spans = 1: the source bytes of each token).
 * The text is copied to the heap with exactly its length, so that ASan
 * catches any read past the end. */
static const char *run_n(Analyzer *a, const char *text, size_t len, int spans)
{
    static Collect c;
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, text, len);
    c.o = 0;
    c.out[0] = 0;
    c.text = copy;
    c.spans = spans;
    analyzer_run(a, copy, len, collect, &c);
    free(copy);
    return c.out;
}
#define terms(a, s) run_n(a, s, strlen(s), 0)
#define spans(a, s) run_n(a, s, strlen(s), 1)

static void test_ascii(void)
{
    Analyzer *a = make("none", 1);
    if (!a) return;
    CHECK_EQ_STR(terms(a, "Hello, World! it's 3.5 times x2y"), "hello|world|it|s|times|x|y");
    CHECK_EQ_STR(terms(a, "abc123def 10,000 __init__ e-mail"), "abc|def|init|e|mail");
    CHECK_EQ_STR(terms(a, "don’t stop"), "don|t|stop");
    CHECK_EQ_STR(terms(a, "  \t\n"), "");
    CHECK_EQ_STR(terms(a, "2024"), "");
    CHECK_EQ_STR(terms(a, ""), "");
    CHECK_EQ_STR(terms(a, "a"), "a");
    CHECK_EQ_STR(terms(a, "Z9"), "z");
    CHECK_EQ_STR(terms(a, "9Z"), "z");
    CHECK_EQ_STR(spans(a, "  Ketamine's 20mg dose."), "Ketamine|s|mg|dose");
    analyzer_free(a);
}

static void test_unicode(void)
{
    Analyzer *a = make("none", 1);
    if (!a) return;
    /* letters of any script; accents and case folded as usual */
    CHECK_EQ_STR(terms(a, "Café STRASSE Straße ΑΘΗΝΑ"), "cafe|strasse|strasse|αθηνα");
    CHECK_EQ_STR(terms(a, "東京2020年"), "東京|年");
    /* combining marks stay inside a word, never start one */
    CHECK_EQ_STR(spans(a, "e\xcc\x81te \xcc\x81x 5\xcc\x81y"), "e\xcc\x81te|x|y");
    CHECK_EQ_STR(terms(a, "e\xcc\x81te"), "ete");
    /* digits of other scripts, NBSP, dashes and symbols separate */
    CHECK_EQ_STR(terms(a, "a\xd9\xa3" "b c\xc2\xa0" "d e\xe2\x80\x94" "f g\xe2\x82\xac" "h"), "a|b|c|d|e|f|g|h");
    /* malformed UTF-8 separates, at the end too */
    CHECK_EQ_STR(terms(a, "ab\xff" "cd\xc3"), "ab|cd");
    CHECK_EQ_STR(terms(a, "\xe2\x82"), "");
    analyzer_free(a);
}

static void test_stemming_and_stop_words(void)
{
    Analyzer *a = make("english", 1);
    if (!a) return;
    CHECK_EQ_STR(terms(a, "Running dogs' 3rd"), "run|dog|rd");
    analyzer_free(a);
    AnalysisConfig c;
    analysis_config_default(&c);
    snprintf(c.language, sizeof c.language, "none");
    c.letters_only = 1;
    c.stopwords = 1;
    a = analyzer_new(&c);
    CHECK(a != NULL);
    if (!a) return;
    CHECK_EQ_STR(terms(a, "the battle of the bulge"), "battle|bulge");
    analyzer_free(a);
}

static void test_default_unchanged(void)
{
    Analyzer *a = make("none", 0);
    if (!a) return;
    CHECK_EQ_STR(terms(a, "it's 3.5 x2y don’t"), "it's|3.5|x2y|don't");
    analyzer_free(a);
}

/* Every byte string: spans non-empty, in bounds, increasing, starting with
 * a letter and made only of letters and marks. */
static int is_letter_or_mark(int32_t cp, int first)
{
    if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return 1;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return !first;
    default:
        return 0;
    }
}

static void check_tokens(const uint8_t *s, size_t len)
{
    Tokenizer t;
    TokenSpan sp;
    size_t prev_end = 0, n = 0;
    tokenizer_init(&t, (const char *)s, len);
    while (tokenizer_next_letters(&t, &sp)) {
        if (!(sp.start < sp.end && sp.end <= len && sp.start >= prev_end) || ++n > len) {
            CHECK(!"bad span");
            return;
        }
        /* the byte before and after a token is not a letter continuing it */
        for (size_t i = sp.start; i < sp.end;) {
            int32_t cp;
            utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(sp.end - i), &cp);
            if (k <= 0 || !is_letter_or_mark(cp, i == sp.start)) {
                CHECK(!"token holds a character that is not a letter");
                return;
            }
            i += (size_t)k;
        }
        if (sp.end < len && s[sp.end] < 0x80) CHECK(!is_letter_or_mark(s[sp.end], 0));
        prev_end = sp.end;
    }
    CHECK(!tokenizer_next_letters(&t, &sp)); /* stays at the end */
}

static void test_random_bytes(void)
{
    static const char *pieces[] = {"a", "Z", "1", " ", "'", "\xc3\xa9", "\xcc\x81", "\xe6\x9d\xb1", "\xff", "\xc3",
                                   "\xe2\x80\x99", "\xd9\xa3", "-", "\xf0\x9f\x98\x80", "\xce\xa9", "\xc2\xa0"};
    uint32_t seed = 12345;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t buf[64];
        size_t len = 0;
        size_t np = (size_t)(seed % 12);
        for (size_t i = 0; i < np; i++) {
            seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
            const char *p = pieces[seed % (sizeof pieces / sizeof *pieces)];
            size_t pl = strlen(p);
            if (len + pl > sizeof buf) break;
            memcpy(buf + len, p, pl);
            len += pl;
        }
        seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
        uint8_t *copy = xmalloc(len ? len : 1);
        memcpy(copy, buf, len);
        check_tokens(copy, len);
        free(copy);
    }
}

TEST_MAIN("letters", T(test_ascii), T(test_unicode), T(test_stemming_and_stop_words), T(test_default_unchanged),
          T(test_random_bytes))
