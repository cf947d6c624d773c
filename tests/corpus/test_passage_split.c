/* test_passage_split.c: articles -> passages (passage_split.c), heading
 * detection and file-name titles (corpus_reader.c), on crafted texts and on
 * the seed articles in corpus/. */
#include "check.h"
#include "corpus/corpus.h"
#include "util/util.h"

#include <stdlib.h>
#include <time.h>


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

/* ---- a reference split ----
 * passage_split.c's rules written plainly, as they were before windows of a
 * long sentence carried its end over: every window finds its sentence's end
 * and counts its words again from where it starts, byte by byte. The fast
 * split must give exactly the same spans on every input. */

static size_t ref_sentence_end(const char *t, size_t i, size_t b)
{
    for (; i < b; i++)
        if ((t[i] == '.' || t[i] == '!' || t[i] == '?') && (i + 1 == b || is_blank((unsigned char)t[i + 1]))) {
            for (i++; i < b && is_blank((unsigned char)t[i]); i++) {}
            return i;
        }
    return b;
}

/* Where word max_words + 1 of [a, b) starts, or b. */
static size_t ref_word_cut(const char *t, size_t a, size_t b, size_t max_words)
{
    for (size_t i = a; i < b; i++)
        if (words_in(t, a, i + 1) == max_words + 1) return i;
    return b;
}

static size_t ref_trim_end(const char *t, size_t a, size_t b)
{
    while (b > a && is_blank((unsigned char)t[b - 1])) b--;
    return b;
}

static void ref_push(PassageSpan *v, size_t *n, size_t start, size_t heads, size_t end)
{
    v[*n].start = start;
    v[*n].end = end;
    v[*n].heads = heads < start ? start : heads > end ? end : heads;
    ++*n;
}

static void ref_windows(PassageSpan *v, size_t *n, const char *t, size_t start, size_t body, size_t heads,
                        size_t b, size_t max_words)
{
    size_t wstart = start, words = words_in(t, start, body), i = body;
    while (i < b) {
        size_t e = ref_sentence_end(t, i, b), sw = words_in(t, i, e);
        if (words > 0 && words + sw > max_words) {
            ref_push(v, n, wstart, heads, ref_trim_end(t, wstart, i));
            wstart = i;
            words = 0;
        }
        if (sw > max_words) {
            size_t cut = ref_word_cut(t, i, e, max_words - words);
            ref_push(v, n, wstart, heads, ref_trim_end(t, wstart, cut));
            wstart = i = cut;
            words = 0;
            continue;
        }
        words += sw;
        i = e;
    }
    if (ref_trim_end(t, wstart, b) > wstart) ref_push(v, n, wstart, heads, ref_trim_end(t, wstart, b));
}

/* Lines, headings joining the paragraph after them, the passages-file
 * title (text[0..heading_end)) as a heading line. v holds len + 1 spans
 * (each span has a non-blank byte of its own). */
static size_t ref_split(const char *t, size_t len, size_t heading_end, size_t max_words, PassageSpan *v)
{
    size_t n = 0, pending = (size_t)-1, i = 0;
    while (i < len) {
        size_t stop = heading_end && heading_end >= i && heading_end < len ? heading_end : len, e = i;
        while (e < stop && t[e] != '\n') e++;
        size_t a = i, b = ref_trim_end(t, i, e);
        while (a < b && is_blank((unsigned char)t[a])) a++;
        if (a < b) {
            if ((heading_end && e == heading_end) || line_is_heading(t + a, b - a)) {
                if (pending == (size_t)-1) pending = a;
            } else {
                size_t start = pending != (size_t)-1 ? pending : a;
                ref_windows(v, &n, t, start, a, ref_trim_end(t, start, a), b, max_words);
                pending = (size_t)-1;
            }
        }
        i = e + 1;
    }
    if (pending != (size_t)-1) ref_windows(v, &n, t, pending, pending, pending, ref_trim_end(t, pending, len), max_words);
    return n;
}

static uint32_t rng_next(uint32_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
    return *x;
}

/* A random article: words (ASCII, UTF-8, dotted ones that end no
 * sentence), blanks and line ends (CRLF too), sentence ends, heading
 * lines, huge words and long runs without a sentence end. */
static size_t random_article(uint32_t *x, char *t, size_t cap)
{
    static const char *const pieces[] = {
        "alpha", "be", "c", "ünïcödé", "日本語", "x1.5", "e.g.", "U.S.A", "word", "—", "(aside)",
        " ", " ", " ", "  ", "\t", "\n", "\r\n", "\n\n", " \r\n \n", "\v\f",
        ". ", "! ", "?\n", ".", "...", ".\t", "?!  ",
        "\n# A Heading\n", "\nShort Title Words\n", "\n  • The Benefits\n", "\n5. Numbered:\n", "\nQuestion here?\n",
    };
    size_t n = 0, goal = rng_next(x) % cap;
    while (n < goal) {
        uint32_t r = rng_next(x) % 100;
        if (r < 3) { /* a huge word */
            size_t w = 1 + rng_next(x) % 700;
            for (size_t k = 0; k < w && n < cap; k++) t[n++] = (char)('a' + k % 26);
        } else if (r < 8) { /* a run of words with no sentence end */
            size_t w = rng_next(x) % 60;
            for (size_t k = 0; k < w && n + 4 <= cap; k++) memcpy(t + n, k % 7 ? "wd " : "é\t ", 4), n += k % 7 ? 3 : 4;
        } else {
            const char *p = pieces[rng_next(x) % (sizeof pieces / sizeof *pieces)];
            size_t l = strlen(p);
            if (n + l > cap) break;
            memcpy(t + n, p, l);
            n += l;
        }
    }
    return n;
}

static int same_spans(const PassageSpan *a, size_t na, const PassageSpan *b, size_t nb)
{
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].heads != b[i].heads) return 0;
    return 1;
}

/* The split gives exactly the reference's spans: on random articles with
 * every kind of line and sentence, as plain text and as passages-file rows
 * (a title ending at a tab), for small and default window sizes. */
static void split_matches_reference(void)
{
    enum { CAP = 6000 };
    static const size_t limits[] = {1, 2, 3, 5, 10, 40, PASSAGE_WORDS_DEFAULT};
    char *t = xmalloc(CAP);
    PassageSpan *want = xmalloc((CAP + 1) * sizeof *want);
    uint32_t x = 88172645u;
    int differ = 0;
    for (int iter = 0; iter < 1500; iter++) {
        size_t len = random_article(&x, t, CAP), heading_end = 0;
        if (iter % 3 == 0 && len > 0) { /* a passages-file row: the title ends at a tab */
            heading_end = rng_next(&x) % len;
            t[heading_end] = '\t';
        }
        size_t max_words = limits[rng_next(&x) % (sizeof limits / sizeof *limits)];
        PassageSpan *got;
        size_t n = split_checked(t, len, heading_end, max_words, 0, &got);
        size_t nw = ref_split(t, len, heading_end, max_words, want);
        if (!same_spans(got, n, want, nw) && differ++ < 3)
            fprintf(stderr, "  article %d (%zu bytes, max_words %zu, heading_end %zu): %zu spans, reference %zu\n", iter,
                    len, max_words, heading_end, n, nw);
        free(got);
    }
    CHECK_EQ_INT(differ, 0);
    free(want);
    free(t);
}

/* The CPU time of splitting text reps times, in seconds. */
static double split_seconds(const char *text, size_t len, size_t max_words, int reps)
{
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    for (int r = 0; r < reps; r++) {
        PassageSpan *s;
        passages_split(text, len, 0, max_words, &s);
        free(s);
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
}

/* A paragraph without a sentence end is cut at words into windows in time
 * linear in its length: splitting 8 times as much text takes about as long
 * as splitting the eighth 8 times, where rescanning to the paragraph's end
 * for every window took 8 times as long (the 16 MB took 100 s).
 * Timed as CPU time, the best of 5 each, against a bound of 3 so that a
 * busy machine does not fail it (linear: 1.0; the rescan: 8.9). Windows of
 * 10 words make the rescan's work show at these sizes, where the issue's
 * 250-word ones needed megabytes. */
static void long_paragraph_split_is_linear(void)
{
    enum { SMALL = 64 << 10, BIG = 8 * SMALL };
    char *t = xmalloc(BIG);
    for (size_t i = 0; i < BIG; i++) t[i] = i % 6 == 5 ? ' ' : (char)('a' + i % 6);
    double small = 1e9, big = 1e9;
    for (int round = 0; round < 5; round++) {
        double s = split_seconds(t, SMALL, 10, 8), b = split_seconds(t, BIG, 10, 1);
        if (s < small) small = s;
        if (b < big) big = b;
    }
    if (!(big < 3 * small))
        fprintf(stderr, "  8 x %d KB took %.4f s, %d KB once %.4f s (%.1fx)\n", SMALL >> 10, small, BIG >> 10, big, big / small);
    CHECK(big < 3 * small);
    free(t);
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
          T(titles_from_file_names), T(seed_corpus), T(split_matches_reference), T(long_paragraph_split_is_linear))
