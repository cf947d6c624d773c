/* test_query_parse.c: the query language's tree, clause by clause:
 * modifiers and operators (Lucene's readings), phrases with slop and stop
 * word gaps, fields, prefix expansion and its bound, repeated words, and
 * the sensible readings of malformed queries. */
#include "check.h"
#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;
static Analyzer *an, *an_stop;
static Bm25 bm;
static Query q;
static QueryOptions body_only;

static int parse(Analyzer *a, const QueryOptions *o, const char *text) { return query_parse_with(a, ix, &bm, o, text, &q); }

/* The root's children as a string: one letter per clause, the occur as
 * +/-/space and the kind as t(erm), p(hrase), g(roup). */
static const char *shape(void)
{
    static char s[256];
    size_t n = 0;
    for (int32_t c = q.nnodes ? q.nodes[0].child : -1; c >= 0 && n + 3 < sizeof s; c = q.nodes[c].next) {
        const QueryNode *nd = &q.nodes[c];
        s[n++] = nd->occur == OCC_MUST ? '+' : nd->occur == OCC_MUST_NOT ? '-' : '.';
        s[n++] = nd->kind == QN_TERM ? 't' : nd->kind == QN_PHRASE ? 'p' : 'g';
    }
    s[n] = 0;
    return s;
}

static const QueryNode *child(int i)
{
    int32_t c = q.nodes[0].child;
    while (i-- > 0 && c >= 0) c = q.nodes[c].next;
    return c >= 0 ? &q.nodes[c] : NULL;
}

static void test_operators(void)
{
    CHECK_EQ_INT(parse(an, &body_only, "w1 w2"), 0);
    CHECK_EQ_STR(shape(), ".t.t");
    CHECK(q.flat);
    CHECK_EQ_INT(parse(an, &body_only, "+w1 -w2 w3"), 0);
    CHECK_EQ_STR(shape(), "+t-t.t");
    CHECK(!q.flat);
    CHECK_EQ_INT(parse(an, &body_only, "w1 AND w2 OR w3"), 0);
    CHECK_EQ_STR(shape(), "+t+t.t");
    CHECK_EQ_INT(parse(an, &body_only, "w1 && w2 || w3"), 0);
    CHECK_EQ_STR(shape(), "+t+t.t");
    CHECK_EQ_INT(parse(an, &body_only, "NOT w1 w2 !w3"), 0);
    CHECK_EQ_STR(shape(), "-t.t-t");
    CHECK_EQ_INT(parse(an, &body_only, "w1 AND -w2"), 0);
    CHECK_EQ_STR(shape(), "+t-t");
    CHECK_EQ_INT(parse(an, &body_only, "+(w1 w2) (w3 (w4 -w5))"), 0);
    CHECK_EQ_STR(shape(), "+g.g");
    CHECK_EQ_INT(parse(an, &body_only, "(w1 (w2 w3)) w4"), 0);
    CHECK(q.flat); /* groups of optional words are still a plain union */
    CHECK_EQ_INT(parse(an, &body_only, "and or not"), 0); /* lower case: words */
    CHECK_EQ_STR(shape(), ".t.t.t");
}

static void test_phrases(void)
{
    CHECK_EQ_INT(parse(an, &body_only, "\"w1 w2 w3\"~2"), 0);
    CHECK_EQ_STR(shape(), ".p");
    const QueryNode *n = child(0);
    CHECK(n && n->n == 3 && n->slop == 2);
    if (n) CHECK(q.keys[n->a].pos == 0 && q.keys[n->a + 1].pos == 1 && q.keys[n->a + 2].pos == 2);
    /* a stop word inside a phrase keeps its place as a gap */
    CHECK_EQ_INT(parse(an_stop, &body_only, "\"w1 the w2\""), 0);
    n = child(0);
    CHECK(n && n->kind == QN_PHRASE && n->n == 2);
    if (n) CHECK(q.keys[n->a].pos == 0 && q.keys[n->a + 1].pos == 2);
    /* a one-word phrase is a term; a word the analyzer splits is a phrase */
    CHECK_EQ_INT(parse(an, &body_only, "\"w1\" w2-w3"), 0);
    CHECK_EQ_STR(shape(), ".t.p");
    CHECK_EQ_INT(parse(an, &body_only, "\"w1 w2"), 0); /* unbalanced: to the end */
    CHECK_EQ_STR(shape(), ".p");
}

static void test_fields(void)
{
    QueryOptions o;
    query_options_default(&o);
    CHECK_EQ_INT(parse(an, &o, "w1"), 0);
    CHECK_EQ_INT(q.nkeys, 1); /* the defaults: the body only */
    o.title = o.heading = 0.5f;
    CHECK_EQ_INT(parse(an, &o, "w1"), 0);
    CHECK_EQ_INT(q.nkeys, 3); /* body, title, heading */
    const char *t;
    size_t l;
    CHECK_EQ_INT(query_key_field(&q.keys[0], &t, &l), FIELD_BODY);
    CHECK_EQ_INT(query_key_field(&q.keys[1], &t, &l), FIELD_TITLE);
    CHECK(l == 2 && memcmp(t, "w1", 2) == 0);
    CHECK(q.keys[1].boost == o.title);
    CHECK_EQ_INT(query_key_field(&q.keys[2], &t, &l), FIELD_HEADING);
    CHECK_EQ_INT(parse(an, &o, "title:w1 heading:\"w1 w2\" body:(w3 w4)"), 0);
    CHECK_EQ_STR(shape(), ".t.p.g");
    CHECK_EQ_INT(query_key_field(&q.keys[0], &t, &l), FIELD_TITLE);
    CHECK(q.keys[0].boost == 1.0f);
    CHECK_EQ_INT(query_key_field(&q.keys[1], &t, &l), FIELD_HEADING);
    CHECK_EQ_INT(query_key_field(&q.keys[3], &t, &l), FIELD_BODY);
    CHECK_EQ_INT(q.nkeys, 5);
    CHECK_EQ_INT(parse(an, &o, "other:w1"), 0); /* not a field: the words */
    CHECK_EQ_STR(shape(), ".p");
}

/* The lexicon's keys starting with w1 whose df is above min_df, counted
 * by brute force. */
static uint64_t w1_keys_above(uint32_t min_df)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < index_stats(ix)->terms; i++) {
        const char *s;
        size_t l;
        TermInfo ti;
        segment_term_at(index_segment(ix, 0), i, &s, &l, &ti);
        n += l >= 2 && memcmp(s, "w1", 2) == 0 && ti.df > min_df;
    }
    return n;
}

static void test_prefixes(void)
{
    uint64_t want = w1_keys_above(0);
    CHECK(want > 3);
    CHECK_EQ_INT(parse(an, &body_only, "W1*"), 0);
    CHECK_EQ_STR(shape(), ".g");
    CHECK_EQ_INT(q.nkeys, want);
    CHECK_EQ_INT(q.notes.len, 0);
    for (size_t k = 0; k < q.nkeys; k++) CHECK(q.keys[k].found && memcmp(q.keys[k].term, "w1", 2) == 0);
    QueryOptions o = body_only;
    o.max_expansions = 2;
    CHECK_EQ_INT(parse(an, &o, "+w1*"), 0);
    CHECK_EQ_INT(q.nkeys, 2);
    CHECK(q.notes.len > 0 && strstr((const char *)q.notes.data, "most frequent") != NULL);
    /* the two kept are the two most frequent */
    uint32_t kept_min = (uint32_t)(q.keys[0].df < q.keys[1].df ? q.keys[0].df : q.keys[1].df);
    size_t above = w1_keys_above(kept_min);
    CHECK(above <= 1);
    CHECK_EQ_INT(parse(an, &body_only, "zzz*"), 0);
    CHECK_EQ_INT(q.nkeys, 0);
}

static void test_repeats_and_limits(void)
{
    CHECK_EQ_INT(parse(an, &body_only, "w1 w1 w2 w1"), 0);
    CHECK_EQ_STR(shape(), ".t.t");
    CHECK(q.keys[0].boost == 3.0f);
    CHECK_EQ_INT(q.n, 2);
    static char big[200000];
    big[0] = 0;
    for (int i = 0; i < 10000; i++) sprintf(big + strlen(big), "w%d ", i % 7);
    QueryOptions fields;
    query_options_default(&fields);
    fields.title = fields.heading = 1.0f;
    CHECK_EQ_INT(parse(an, &fields, big), 0); /* repeats fold: 7 words x 3 fields */
    CHECK_EQ_INT(q.nkeys, 21);
    big[0] = 0;
    for (int i = 0; i < 10000; i++) sprintf(big + strlen(big), "x%d ", i);
    CHECK_EQ_INT(parse(an, &body_only, big), -1);
    CHECK(strstr(err_msg(), "more than") != NULL);
}

static void test_malformed(void)
{
    static const char *odd[] = {"", " ", "-", "+", "--", "( ", ")", "a)", "((((", "\"", "\"\"~", "~3", "*", "w1**",
                                "AND", "OR OR", "NOT", "+-w1", "title:", "title:(", "\"w1 w2\"~999999999999",
                                "((((((((((((((((((((((((((((((((((((((((w1))))))))))))))))))))))))))))))))))))))))"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        CHECK_EQ_INT(parse(an, &body_only, odd[i]), 0);
        CHECK(q.nnodes >= 1 && q.nnodes <= QUERY_MAX_NODES);
    }
    CHECK_EQ_INT(parse(an, &body_only, "-"), 0);
    CHECK_EQ_INT(q.nkeys, 0);
    CHECK_EQ_INT(parse(an, &body_only, "\"w1 w2\"~999999999999"), 0);
    CHECK(child(0) && child(0)->slop == 100000);
    /* parentheses deeper than the limit read as spaces: the word is kept */
    CHECK_EQ_INT(parse(an, &body_only, odd[sizeof odd / sizeof *odd - 1]), 0);
    CHECK_EQ_INT(q.nkeys, 1);
}

int main(void)
{
    ix = tc_build_or_report(&corpus, "query_parse", 300, 40, 20);
    if (!ix) return 1;
    AnalysisConfig ac;
    analysis_config_default(&ac);
    snprintf(ac.language, sizeof ac.language, "none");
    ac.stopwords = 0;
    an = analyzer_new(&ac);
    ac.stopwords = 1;
    an_stop = analyzer_new(&ac);
    bm25_init(&bm, BM25_K1_DEFAULT, BM25_B_DEFAULT, index_stats(ix));
    query_options_default(&body_only);
    body_only.title = body_only.heading = 0;
    query_init(&q);
    static const TestCase cases[] = {T(test_operators), T(test_phrases), T(test_fields), T(test_prefixes),
                                     T(test_repeats_and_limits), T(test_malformed)};
    int rc = run_tests("query_parse", cases, sizeof cases / sizeof cases[0]);
    query_free(&q);
    analyzer_free(an);
    analyzer_free(an_stop);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
