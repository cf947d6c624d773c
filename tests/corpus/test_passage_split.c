/* test_passage_split.c: articles -> passages (passage_split.c), heading
 * detection and file-name titles (corpus_reader.c), on crafted texts and on
 * the seed articles in corpus/. */
#include "check.h"
#include "corpus/corpus.h"
#include "util/util.h"

#include <stdlib.h>


static size_t words_in(const char *t, size_t a, size_t b)
{
    size_t w = 0;
    for (size_t i = a; i < b; i++)
        if (!is_blank((unsigned char)t[i]) && (i == a || is_blank((unsigned char)t[i - 1]))) w++;
    return w;
}

/* Splits a heap copy of exactly len bytes (so ASan sees reads past the end)
 * and checks what every split must satisfy: spans non-empty, in bounds,
 * increasing and non-overlapping, trimmed of white space at both ends, and
 * together covering every non-blank byte of the text (nothing is lost).
 * When word_limit is set, every span has at most that many words. */
static size_t split_checked(const char *text, size_t len, size_t heading_end, size_t max_words, size_t word_limit,
                            PassageSpan **out)
{
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, text, len);
    PassageSpan *s = NULL;
    size_t n = passages_split(copy, len, heading_end, max_words, &s);
    size_t prev_end = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(s[i].start < s[i].end);
        CHECK(s[i].end <= len);
        CHECK(s[i].start >= prev_end);
        CHECK(s[i].start <= s[i].heads && s[i].heads <= s[i].end);
        if (s[i].start >= s[i].end || s[i].end > len) break;
        if (s[i].heads > s[i].start) CHECK(!is_blank((unsigned char)copy[s[i].heads - 1])); /* trimmed */
        CHECK(!is_blank((unsigned char)copy[s[i].start]));
        CHECK(!is_blank((unsigned char)copy[s[i].end - 1]));
        for (size_t j = prev_end; j < s[i].start; j++) CHECK(is_blank((unsigned char)copy[j]));
        if (word_limit) CHECK(words_in(copy, s[i].start, s[i].end) <= word_limit);
        prev_end = s[i].end;
    }
    for (size_t j = prev_end; j < len; j++) CHECK(is_blank((unsigned char)copy[j]));
    free(copy);
    *out = s;
    return n;
}

/* The text of span i, NUL-terminated, in a static buffer. */
static const char *span_text(const char *text, const PassageSpan *s, size_t i)
{
    static char buf[8192];
    size_t n = s[i].end - s[i].start;
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, text + s[i].start, n);
    buf[n] = 0;
    return buf;
}

static void heading_joins_paragraph(void)
{
    const char *t = "Why Ketamine Works\nKetamine acts on glutamate receptors. It does so quickly.\n";
    PassageSpan *s;
    size_t n = split_checked(t, strlen(t), 0, 200, 200, &s);
    CHECK_EQ_INT(n, 1);
    if (n == 1) CHECK_EQ_STR(span_text(t, s, 0), "Why Ketamine Works\nKetamine acts on glutamate receptors. It does so quickly.");
    free(s);
}

/* The heading lines a passage starts with, as [start, heads): only before
 * a paragraph, only in the first window of a long one. */
static void heads_mark_leading_headings(void)
{
    const char *t = "Part One\n\n  Section A\nThe body of A. It runs on.\n\nNo headings here, just text.\n\nTrailing Heading\n";
    PassageSpan *s;
    size_t n = split_checked(t, strlen(t), 0, 200, 200, &s);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_INT(s[0].heads, strstr(t, "Section A") + strlen("Section A") - t);
        CHECK_EQ_INT(s[1].heads, s[1].start);
        CHECK_EQ_INT(s[2].heads, s[2].start); /* a heading alone is its passage's body */
    }
    free(s);
    char body[2048] = "Big Heading\n";
    for (int i = 0; i < 6; i++) strcat(body, "Five words in this sentence. ");
    n = split_checked(body, strlen(body), 0, 12, 12, &s);
    CHECK(n >= 3);
    if (n >= 3) {
        CHECK_EQ_INT(s[0].heads, strlen("Big Heading"));
        for (size_t i = 1; i < n; i++) CHECK_EQ_INT(s[i].heads, s[i].start);
    }
    free(s);
    /* a passages-file title heads the row's text */
    const char *row = "Row Title\tThe text of the row.";
    n = split_checked(row, strlen(row), strlen("Row Title"), 200, 200, &s);
    CHECK_EQ_INT(n, 1);
    if (n == 1) CHECK_EQ_INT(s[0].heads, strlen("Row Title"));
    free(s);
}

static void consecutive_headings_join(void)
{
    const char *t = "Part One\n\n  • The Benefits\n\n1. Relief:\n\nRelief came within hours for many patients.\n\n"
                    "Another paragraph follows here.\n";
    PassageSpan *s;
    size_t n = split_checked(t, strlen(t), 0, 200, 200, &s);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_INT(s[0].start, 0);
        CHECK(strncmp(span_text(t, s, 0), "Part One", 8) == 0);
        CHECK(strstr(span_text(t, s, 0), "The Benefits") != NULL);
        CHECK(strstr(span_text(t, s, 0), "1. Relief:") != NULL);
        const char *p0 = span_text(t, s, 0);
        size_t l0 = strlen(p0);
        CHECK(l0 > 14 && strcmp(p0 + l0 - 14, "many patients.") == 0);
        CHECK_EQ_STR(span_text(t, s, 1), "Another paragraph follows here.");
    }
    free(s);
}

static void paragraphs_single_newlines(void)
{
    const char *t = "The first paragraph is a sentence.\nThe second one is another sentence.\n"
                    "And the third paragraph, also running text.";
    PassageSpan *s;
    size_t n = split_checked(t, strlen(t), 0, 200, 200, &s);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_STR(span_text(t, s, 0), "The first paragraph is a sentence.");
        CHECK_EQ_STR(span_text(t, s, 1), "The second one is another sentence.");
        CHECK_EQ_STR(span_text(t, s, 2), "And the third paragraph, also running text.");
    }
    free(s);
}

static void paragraphs_blank_lines(void)
{
    const char *t = "\n\n   Para one is here, indented.   \n\n\n\t\nPara two ends the text.\n\n\n";
    PassageSpan *s;
    size_t n = split_checked(t, strlen(t), 0, 200, 200, &s);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_STR(span_text(t, s, 0), "Para one is here, indented.");
        CHECK_EQ_STR(span_text(t, s, 1), "Para two ends the text.");
    }
    free(s);
}

static void crlf_line_endings(void)
{
    const char *t = "A Heading\r\nBody of the first paragraph.\r\n\r\nSecond paragraph here.\r\nThird one.\r\n";
    PassageSpan *s;
    size_t n = split_checked(t, strlen(t), 0, 200, 200, &s);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_STR(span_text(t, s, 0), "A Heading\r\nBody of the first paragraph.");
        CHECK_EQ_STR(span_text(t, s, 1), "Second paragraph here.");
        CHECK_EQ_STR(span_text(t, s, 2), "Third one.");
    }
    free(s);
}

/* 12 sentences of 5 words in one paragraph, max 12 words: windows of two
 * whole sentences (10 words) each. */
static void long_paragraph_windows(void)
{
    char t[2048] = "";
    for (int i = 0; i < 12; i++) {
        char sent[64];
        snprintf(sent, sizeof sent, "%sSentence %d has five words.", i ? " " : "", i);
        strcat(t, sent);
    }
    PassageSpan *s;
    size_t n = split_checked(t, strlen(t), 0, 12, 12, &s);
    CHECK_EQ_INT(n, 6);
    for (size_t i = 0; i < n; i++) {
        const char *p = span_text(t, s, i);
        CHECK(strncmp(p, "Sentence ", 9) == 0); /* starts at a sentence */
        CHECK(p[strlen(p) - 1] == '.');         /* ends at one */
        CHECK_EQ_INT(words_in(t, s[i].start, s[i].end), 10);
    }
    free(s);

    /* with room for all of them, one passage */
    n = split_checked(t, strlen(t), 0, 200, 200, &s);
    CHECK_EQ_INT(n, 1);
    free(s);

    /* a heading above the long paragraph stays with its first window */
    char h[2100];
    snprintf(h, sizeof h, "Heading Words\n%s", t);
    n = split_checked(h, strlen(h), 0, 12, 12, &s);
    CHECK(n >= 6);
    if (n >= 1) CHECK(strncmp(span_text(h, s, 0), "Heading Words\nSentence 0", 24) == 0);
    free(s);
}

/* One 25-word sentence with no terminator, max 10 words: cut at words into
 * 10 + 10 + 5. */
static void run_on_sentence_cut_at_word(void)
{
    char t[1024] = "";
    for (int i = 0; i < 25; i++) {
        char w[16];
        snprintf(w, sizeof w, "%sword%d", i ? " " : "", i);
        strcat(t, w);
    }
    PassageSpan *s;
    size_t n = split_checked(t, strlen(t), 0, 10, 10, &s);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_INT(words_in(t, s[0].start, s[0].end), 10);
        CHECK_EQ_INT(words_in(t, s[1].start, s[1].end), 10);
        CHECK_EQ_INT(words_in(t, s[2].start, s[2].end), 5);
        CHECK(strncmp(span_text(t, s, 1), "word10 ", 7) == 0);
        CHECK_EQ_STR(span_text(t, s, 2), "word20 word21 word22 word23 word24");
    }
    free(s);

    /* a run-on sentence after short ones: the short ones form their own
     * window, the long one is cut, and all stay within the limit */
    char u[2048];
    snprintf(u, sizeof u, "Short one here. Another short one. %s. Tail sentence.", t);
    n = split_checked(u, strlen(u), 0, 10, 10, &s);
    CHECK(n >= 4);
    if (n >= 1) CHECK_EQ_STR(span_text(u, s, 0), "Short one here. Another short one.");
    free(s);
}

static void trailing_heading_alone(void)
{
    const char *t = "Some running text is here.\n\nLonely Heading\n\n   ";
    PassageSpan *s;
    size_t n = split_checked(t, strlen(t), 0, 200, 200, &s);
    CHECK_EQ_INT(n, 2);
    if (n == 2) CHECK_EQ_STR(span_text(t, s, 1), "Lonely Heading");
    free(s);

    /* a text of headings only is one passage, not lost */
    const char *h = "Title\nSubtitle\n";
    n = split_checked(h, strlen(h), 0, 200, 200, &s);
    CHECK_EQ_INT(n, 1);
    if (n == 1) CHECK_EQ_STR(span_text(h, s, 0), "Title\nSubtitle");
    free(s);
}

static void empty_and_blank_texts(void)
{
    PassageSpan *s = NULL;
    size_t n = split_checked("", 0, 0, 200, 200, &s);
    CHECK_EQ_INT(n, 0);
    free(s);
    s = NULL;
    n = split_checked(" \n\r\n\t \n", 7, 0, 200, 200, &s);
    CHECK_EQ_INT(n, 0);
    free(s);
}

/* A passages-file row: text[0..heading_end) is the title, then a tab. */
static void tsv_title_heading_end(void)
{
    /* a title that would not pass as a heading still joins the text */
    const char *t = "A title that ends like a sentence.\tThe body text of the row. It has two sentences.";
    size_t he = strlen("A title that ends like a sentence.");
    PassageSpan *s;
    size_t n = split_checked(t, strlen(t), he, 200, 200, &s);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_EQ_INT(s[0].start, 0);
        CHECK_EQ_INT(s[0].end, strlen(t));
    }
    free(s);

    /* without heading_end the same line is one running paragraph, also one
     * passage: the difference shows once the body is windowed */
    char body[2048] = "Row Title\t";
    for (int i = 0; i < 6; i++) strcat(body, "Five words in this sentence. ");
    size_t len = strlen(body) - 1; /* drop the trailing space */
    n = split_checked(body, len, strlen("Row Title"), 12, 12, &s);
    CHECK(n >= 3);
    if (n >= 1) {
        CHECK_EQ_INT(s[0].start, 0);
        CHECK(strncmp(span_text(body, s, 0), "Row Title\tFive words", 20) == 0);
    }
    for (size_t i = 1; i < n; i++) CHECK(strncmp(span_text(body, s, i), "Five words", 10) == 0);
    free(s);

    /* a title with nothing after it is kept as a passage of its own */
    const char *only = "Just A Title\t";
    n = split_checked(only, strlen(only), strlen("Just A Title"), 200, 200, &s);
    CHECK_EQ_INT(n, 1);
    if (n == 1) CHECK_EQ_STR(span_text(only, s, 0), "Just A Title");
    free(s);

    /* the title joins only its row's first paragraph */
    const char *two = "Title Here\tFirst paragraph text.\nSecond paragraph text.";
    n = split_checked(two, strlen(two), strlen("Title Here"), 200, 200, &s);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_EQ_STR(span_text(two, s, 0), "Title Here\tFirst paragraph text.");
        CHECK_EQ_STR(span_text(two, s, 1), "Second paragraph text.");
    }
    free(s);
}

static int heading(const char *s) { return line_is_heading(s, strlen(s)); }

static void headings_on_seed_lines(void)
{
    CHECK(heading("5. Reducing Suicidal Ideation:"));
    CHECK(heading("    5. Reducing Suicidal Ideation:"));
    CHECK(heading("  • The Intrinsic Benefits of Ketamine"));
    CHECK(heading("What is Microdosing?"));
    CHECK(heading("# Markdown Heading"));
    CHECK(heading("Title With Trailing Space   \r"));
    CHECK(!heading("Perhaps one of the most remarkable aspects of ketamine therapy is its potential to swiftly "
                   "reduce suicidal ideation. Studies have shown that a single ketamine infusion can lead to a "
                   "significant decrease in suicidal thoughts."));
    CHECK(!heading("We guarantee to be the most affordable online mental health clinic. If you find a better price, "
                   "we'll give you 20% off!"));
    CHECK(!heading("A short sentence."));
    CHECK(!heading("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"));
    CHECK(!heading(""));
    CHECK(!heading("   "));
    CHECK(!heading("  • "));
}

static void titles_from_file_names(void)
{
    char *t;
    t = title_from_filename("corpus/sub/ketamine-therapy_five-benefits.txt");
    CHECK_EQ_STR(t, "Ketamine therapy five benefits");
    free(t);
    t = title_from_filename("notes.md");
    CHECK_EQ_STR(t, "Notes");
    free(t);
    t = title_from_filename("a/b.c/README");
    CHECK_EQ_STR(t, "README");
    free(t);
    t = title_from_filename("x/archive.tar.txt");
    CHECK_EQ_STR(t, "Archive.tar");
    free(t);
    t = title_from_filename("dir/.hidden");
    CHECK_EQ_STR(t, ".hidden");
    free(t);
    t = title_from_filename("9-lives.txt");
    CHECK_EQ_STR(t, "9 lives");
    free(t);
}

/* ---- the seed corpus ---- */

typedef struct {
    int articles;
    int found;        /* passages containing the phrase */
    int found_right;  /* ... that start with the expected heading */
    int bad;          /* passages breaking an invariant */
} SeedCtx;

static int on_seed(void *ctx, const Article *a)
{
    SeedCtx *c = ctx;
    c->articles++;
    size_t limits[] = {200, 30};
    for (size_t l = 0; l < 2; l++) {
        PassageSpan *s;
        int before = check_failed_in_test;
        size_t n = split_checked(a->text, a->len, a->heading_end, limits[l], 0, &s);
        if (check_failed_in_test != before) c->bad++;
        CHECK(n > 0);
        for (size_t i = 0; i < n; i++) {
            /* windows are at most max_words, plus at most one heading block */
            size_t w = words_in(a->text, s[i].start, s[i].end);
            if (w > limits[l] + 40) c->bad++;
            if (limits[l] != 200) continue;
            const char *p = a->text + s[i].start;
            size_t pl = s[i].end - s[i].start;
            if (memmem(p, pl, "swiftly reduce suicidal ideation", 32)) {
                c->found++;
                const char *want = "5. Reducing Suicidal Ideation:";
                if (pl >= strlen(want) && memcmp(p, want, strlen(want)) == 0) c->found_right++;
            }
        }
        free(s);
    }
    return 0;
}

static void seed_corpus(void)
{
    CorpusOptions o;
    corpus_options_default(&o);
    CorpusStats st;
    SeedCtx c = {0};
    int rc = corpus_read("corpus", &o, on_seed, &c, &st);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0) fprintf(stderr, "  corpus_read(corpus): %s (run from the repository root)\n", err_msg());
    CHECK_EQ_INT(c.articles, 4);
    CHECK_EQ_INT(c.found, 1);
    CHECK_EQ_INT(c.found_right, 1);
    CHECK_EQ_INT(c.bad, 0);
}

/* count_words (16 bytes at a time where it can) against the byte-by-byte
 * definition, on random runs of every blank byte, other bytes and bytes
 * >= 0x80, over every start and end near the 16-byte boundaries. */
static void count_words_matches_bytes(void)
{
    static const char alphabet[] = " \t\n\v\f\rab\x08\x0e\x1f!\x80\xff";
    uint32_t x = 2463534242u;
    for (int iter = 0; iter < 2000; iter++) {
        char t[80];
        for (size_t i = 0; i < sizeof t; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            t[i] = alphabet[x % (sizeof alphabet - 1)];
        }
        size_t a = x % 20, b = a + (x >> 8) % (sizeof t - a + 1);
        char *copy = xmalloc(b);
        memcpy(copy, t, b); /* exactly b bytes: ASan sees a read past them */
        CHECK_EQ_INT(count_words(copy, a, b), words_in(copy, a, b));
        free(copy);
    }
}

TEST_MAIN("passage_split", T(count_words_matches_bytes), T(heading_joins_paragraph), T(consecutive_headings_join), T(paragraphs_single_newlines),
          T(paragraphs_blank_lines), T(crlf_line_endings), T(long_paragraph_windows), T(run_on_sentence_cut_at_word),
          T(trailing_heading_alone), T(empty_and_blank_texts), T(tsv_title_heading_end), T(heads_mark_leading_headings), T(headings_on_seed_lines),
          T(titles_from_file_names), T(seed_corpus))
