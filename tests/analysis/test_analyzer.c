/* test_analyzer.c: the whole pipeline, stop words, stemming, languages. */
#include "analysis/analysis.h"
#include "check.h"
#include "util/util.h"

#include <libstemmer.h>
#include <stdlib.h>

static Analyzer *make(const char *language, int stopwords)
{
    AnalysisConfig c;
    analysis_config_default(&c);
    snprintf(c.language, sizeof c.language, "%s", language);
    c.stopwords = stopwords;
    Analyzer *a = analyzer_new(&c);
    if (!a) fprintf(stderr, "  analyzer_new(%s): %s\n", language, err_msg());
    CHECK(a != NULL);
    return a;
}

/* Collects "term@pos" words separated by spaces. */
typedef struct {
    char out[4096];
    size_t len;
    const char *text; /* to check that the offsets point at the token */
} Joined;

static void join_fn(void *ctx, const Token *tok)
{
    Joined *j = ctx;
    CHECK(tok->start < tok->end);
    CHECK_EQ_INT(strlen(tok->term), tok->len);
    CHECK(tok->len > 0 && tok->len <= TERM_MAX_BYTES);
    char one[TERM_MAX_BYTES + 1];
    fold_token(j->text + tok->start, tok->end - tok->start, one);
    CHECK(one[0] != '\0'); /* the span really is a word */
    int n = snprintf(j->out + j->len, sizeof j->out - j->len, "%s%s@%u", j->len ? " " : "",
                     tok->term, (unsigned)tok->pos);
    if (n > 0 && (size_t)n < sizeof j->out - j->len) j->len += (size_t)n;
}

static uint32_t npos; /* what the last run() returned */

static const char *run(Analyzer *a, const char *text)
{
    static Joined j;
    j.len = 0;
    j.out[0] = '\0';
    j.text = text;
    npos = analyzer_run(a, text, strlen(text), join_fn, &j);
    return j.out;
}

static const char *term(Analyzer *a, const char *word)
{
    static char out[TERM_MAX_BYTES + 1];
    size_t n = analyzer_term(a, word, strlen(word), out);
    CHECK_EQ_INT(strlen(out), n);
    return out;
}

static void test_default_config(void)
{
    AnalysisConfig c;
    memset(&c, 0x55, sizeof c);
    analysis_config_default(&c);
    CHECK_EQ_STR(c.language, "english");
    CHECK_EQ_INT(c.stopwords, 1);
}

static void test_english_pipeline(void)
{
    Analyzer *a = make("english", 0);
    if (!a) return;
    CHECK_EQ_STR(run(a, "Ketamine’s treatment-resistant depression"),
                 "ketamin@0 treatment@1 resist@2 depress@3");
    CHECK_EQ_INT(npos, 4);
    CHECK_EQ_STR(run(a, "  • The Intrinsic Benefits of Ketamine"),
                 "the@0 intrins@1 benefit@2 of@3 ketamin@4");
    CHECK_EQ_STR(run(a, "N-methyl-D-aspartate (NMDA) receptor"),
                 "n@0 methyl@1 d@2 aspart@3 nmda@4 receptor@5");
    CHECK_EQ_STR(run(a, "1. Rapid Relief, 20% off, 3.5 mg"),
                 "1@0 rapid@1 relief@2 20@3 off@4 3.5@5 mg@6");
    CHECK_EQ_STR(run(a, "a person’s life, the brain’s glutamate"),
                 "a@0 person@1 life@2 the@3 brain@4 glutam@5");
    CHECK_EQ_STR(run(a, ""), "");
    CHECK_EQ_INT(npos, 0);
    analyzer_free(a);
}

/* Checks that each token's span in the source is the expected word. */
typedef struct {
    const char *text;
    const char *const *words;
    size_t i, n;
} Spans;

static void spans_fn(void *ctx, const Token *tok)
{
    Spans *s = ctx;
    if (s->i >= s->n) {
        CHECK(!"more tokens than expected");
        return;
    }
    const char *w = s->words[s->i++];
    CHECK(strlen(w) == tok->end - tok->start && memcmp(s->text + tok->start, w, strlen(w)) == 0);
}

static void test_offsets(void)
{
    Analyzer *a = make("english", 1);
    if (!a) return;
    const char *text = "    \xc2\xa0 Ketamine’s treatment-resistant (NMDA): 20% of the 3.5 ÉCOLE";
    static const char *const words[] = {"Ketamine’s", "treatment", "resistant", "NMDA",
                                        "20", "3.5", "ÉCOLE"};
    Spans s = {text, words, 0, sizeof words / sizeof words[0]};
    uint32_t n = analyzer_run(a, text, strlen(text), spans_fn, &s);
    CHECK_EQ_INT(s.i, s.n);
    CHECK_EQ_INT(n, 9);
    analyzer_free(a);
}

static void test_stems(void)
{
    Analyzer *a = make("english", 0);
    if (!a) return;
    CHECK_EQ_STR(term(a, "ideation"), "ideat");
    CHECK_EQ_STR(term(a, "suicidal"), "suicid");
    CHECK_EQ_STR(term(a, "reducing"), "reduc");
    CHECK_EQ_STR(term(a, "Reducing"), "reduc"); /* folds first */
    CHECK_EQ_STR(term(a, "resistant"), "resist");
    CHECK_EQ_STR(term(a, "Ketamine’s"), "ketamin");
    CHECK_EQ_STR(term(a, "ketamine's"), "ketamin");
    CHECK_EQ_STR(term(a, "anxiety"), "anxieti");
    CHECK_EQ_STR(term(a, "don’t"), "don't");
    CHECK_EQ_STR(term(a, "the"), "the"); /* stop words kept when off */
    /* The cached answer matches the first one. */
    CHECK_EQ_STR(term(a, "reducing"), "reduc");
    char out[TERM_MAX_BYTES + 1];
    CHECK_EQ_INT(analyzer_term(a, "", 0, out), 0);
    CHECK_EQ_INT(analyzer_term(a, "\xcc\x81", 2, out), 0);
    analyzer_free(a);
}

static void test_stopwords(void)
{
    Analyzer *a = make("english", 1);
    if (!a) return;
    const char *text = "We guarantee to be the most affordable online mental health clinic";
    CHECK_EQ_STR(run(a, text), "guarante@1 afford@6 onlin@7 mental@8 health@9 clinic@10");
    CHECK_EQ_INT(npos, 11); /* stop words still take positions */
    CHECK_EQ_STR(run(a, "they don’t induce hallucinations"), "induc@2 hallucin@3");
    char out[TERM_MAX_BYTES + 1];
    CHECK_EQ_INT(analyzer_term(a, "The", 3, out), 0);
    CHECK_EQ_INT(analyzer_term(a, "don’t", strlen("don’t"), out), 0);
    CHECK_EQ_STR(term(a, "Ketamine"), "ketamin");
    analyzer_free(a);

    CHECK(is_stopword("a", 1));
    CHECK(is_stopword("the", 3));
    CHECK(is_stopword("yourselves", 10));
    CHECK(is_stopword("don't", 5));
    CHECK(is_stopword("themselves", 10));
    CHECK(is_stopword("which", 5));
    /* Spread over the list, so a word out of order breaks the search. */
    static const char *const sample[] = {"about", "aren't", "cannot", "for", "i", "i've", "mustn't",
                                         "ought", "shan't", "them", "until", "whom", "very", "you"};
    for (size_t i = 0; i < sizeof sample / sizeof sample[0]; i++)
        CHECK(is_stopword(sample[i], strlen(sample[i])));
    CHECK(!is_stopword("ketamine", 8));
    CHECK(!is_stopword("", 0));
    CHECK(!is_stopword("th", 2));
    CHECK(!is_stopword("thee", 4));
    CHECK(!is_stopword("thes", 4)); /* a prefix of "these" is not a match */
    CHECK(is_stopword("these", 5));
    CHECK(is_stopword("theirs but", 6)); /* only len bytes are read */
    CHECK(!is_stopword("yourselvesx", 11));
    CHECK(!is_stopword("The", 3)); /* callers pass folded terms */
}

static void test_no_stemming(void)
{
    Analyzer *a = make("none", 0);
    if (!a) return;
    CHECK_EQ_STR(run(a, "Running Ketamine’s CAFÉ"), "running@0 ketamine's@1 cafe@2");
    CHECK_EQ_STR(term(a, "Reducing"), "reducing");
    analyzer_free(a);
}

static void test_french(void)
{
    Analyzer *a = make("french", 0);
    if (!a) return;
    CHECK_EQ_STR(run(a, "Les chats mangeaient continuellement"),
                 "le@0 chat@1 mang@2 continuel@3");
    analyzer_free(a);
}

static void test_unknown_language(void)
{
    AnalysisConfig c;
    analysis_config_default(&c);
    strcpy(c.language, "klingon");
    CHECK(analyzer_new(&c) == NULL);
    CHECK(strstr(err_msg(), "unknown stemmer language 'klingon'") != NULL);
    CHECK(strstr(err_msg(), "english") != NULL);
    CHECK(strstr(err_msg(), "none") != NULL);

    strcpy(c.language, "");
    CHECK(analyzer_new(&c) == NULL);

    memset(c.language, 'x', sizeof c.language); /* no NUL: from a bad index file */
    CHECK(analyzer_new(&c) == NULL);

    const char *langs = analyzer_languages();
    CHECK(strstr(langs, "english") != NULL);
    CHECK(strstr(langs, "french") != NULL);
    CHECK(langs == analyzer_languages()); /* one static string */
    CHECK(langs[0] != ' ' && langs[strlen(langs) - 1] != ' ');
}

/* Every language libstemmer lists can be built and run. */
static void test_all_languages(void)
{
    char list[1024];
    snprintf(list, sizeof list, "%s", analyzer_languages());
    int n = 0;
    for (char *save, *l = strtok_r(list, " ", &save); l; l = strtok_r(NULL, " ", &save)) {
        Analyzer *a = make(l, 1);
        if (!a) continue;
        run(a, "Ketamine’s ΚΕΤΑΜΊΝΗ кетамин 東京 3.5");
        CHECK_EQ_INT(npos, 5);
        analyzer_free(a);
        n++;
    }
    CHECK(n >= 20);
}

/* Token terms over the seed corpus equal fold + Snowball done by hand, on
 * the first pass (cache misses) and the second (cache hits). */
typedef struct {
    struct sb_stemmer *sb;
    const char *text;
    size_t count;
    uint32_t last_pos;
} Compare;

static void compare_fn(void *ctx, const Token *tok)
{
    Compare *c = ctx;
    char folded[TERM_MAX_BYTES + 1];
    size_t n = fold_token(c->text + tok->start, tok->end - tok->start, folded);
    const sb_symbol *s = sb_stemmer_stem(c->sb, (const sb_symbol *)folded, (int)n);
    int slen = sb_stemmer_length(c->sb);
    CHECK(tok->len == (size_t)slen && memcmp(tok->term, s, tok->len) == 0);
    CHECK(c->count == 0 || tok->pos > c->last_pos);
    c->last_pos = tok->pos;
    c->count++;
}

static void test_corpus_matches_snowball(void)
{
    char *text;
    size_t len;
    if (read_file("corpus/ketamine-treatment-depression.txt", 1 << 20, &text, &len) != 0) {
        fprintf(stderr, "  %s\n", err_msg());
        CHECK(!"cannot read the seed corpus (run from the repository root)");
        return;
    }
    Analyzer *a = make("english", 0);
    Compare c = {sb_stemmer_new("english", "UTF_8"), text, 0, 0};
    if (a && c.sb) {
        uint32_t p1 = analyzer_run(a, text, len, compare_fn, &c);
        size_t first = c.count;
        c.count = 0;
        uint32_t p2 = analyzer_run(a, text, len, compare_fn, &c);
        CHECK(first > 1000);
        CHECK_EQ_INT(c.count, first);
        CHECK_EQ_INT(p1, p2);
        CHECK_EQ_INT(p1, first); /* no stop words dropped */
    }
    sb_stemmer_delete(c.sb);
    analyzer_free(a);
    free(text);
}

/* A token far over TERM_MAX_BYTES gives a cut, stemmed term. */
static void test_long_token(void)
{
    Analyzer *a = make("english", 0);
    if (!a) return;
    char text[300];
    memset(text, 'k', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    const char *out = run(a, text);
    CHECK_EQ_INT(strlen(out), TERM_MAX_BYTES + 2); /* 64 k's + "@0" */
    analyzer_free(a);
}

TEST_MAIN("analyzer", T(test_default_config), T(test_english_pipeline), T(test_offsets),
          T(test_stems), T(test_stopwords), T(test_no_stemming), T(test_french),
          T(test_unknown_language), T(test_all_languages), T(test_corpus_matches_snowball),
          T(test_long_token))
