/* test_fields.c: the title and heading fields (fields.c, indexer.c) on a
 * small corpus whose every field posting is known, and index_prefix_range
 * against a scan of the whole lexicon. */
#include "check.h"
#include "testcorpus.h"

#include <sys/stat.h>

/* How many keys of sg start with prefix (*first: the first's ordinal). */
static uint64_t prefix_count(const Segment *sg, const char *prefix, size_t len, uint64_t *first)
{
    uint64_t n = 0;
    CHECK_EQ_INT(segment_prefix_range(sg, prefix, len, first, &n), 0);
    return n;
}

/* Two article files and a passages file, indexed without stemming. The
 * first file's first line is its title; "Introduction" and "Side Effects"
 * are headings joined to the paragraph after them. */
static const char *ARTICLE_A = "Ketamine Therapy\n"
                               "\n"
                               "Introduction\n"
                               "Ketamine is a drug used in therapy.\n"
                               "\n"
                               "Side Effects\n"
                               "Nausea and dizziness are common. Ketamine ketamine.\n";
/* No heading first line: the title comes from the file name. */
static const char *ARTICLE_B = "Plain text starts here, with no heading at all.\n";
static const char *ROWS = "r1\tRow Title Row\tThe row body mentions row twice.\n";

static char dir[256];
static Index *ix;

static int write_text(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/corpus/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

static Index *build(const char *corpus_name)
{
    char corpus[512], idx[512];
    snprintf(corpus, sizeof corpus, "%s/%s", dir, corpus_name);
    snprintf(idx, sizeof idx, "%s/idx-%s", dir, corpus_name);
    IndexerOptions o;
    indexer_options_default(&o);
    o.analysis.stopwords = 0; /* the lengths below count every word */
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    IndexerReport r;
    if (indexer_build(corpus, idx, &o, &r) != 0) return NULL;
    return index_open(idx);
}

/* The postings of key: passage ids and, per passage, the positions joined
 * as "pid:p,p;pid:p;" for a compact comparison. */
static const char *postings_of(const char *key, size_t len)
{
    static char out[1024];
    out[0] = 0;
    TermInfo ti;
    if (!segment_lookup(index_segment(ix, 0), key, len, &ti)) return "(none)";
    PostingCursor c;
    PositionCursor p;
    positions_init(&p);
    cursor_open(&c, index_segment(ix, 0), &ti);
    positions_open(&p, index_segment(ix, 0), &ti);
    for (; c.pid != PID_END; cursor_next(&c)) {
        uint32_t n;
        const uint32_t *pos = positions_of(&p, &c, &n);
        sprintf(out + strlen(out), "%u:", c.pid);
        for (uint32_t i = 0; pos && i < n; i++) sprintf(out + strlen(out), "%s%u", i ? "," : "", pos[i]);
        strcat(out, ";");
    }
    positions_free(&p);
    return out;
}

static const char *field_postings(int field, const char *term)
{
    char key[FIELD_KEY_MAX];
    return postings_of(key, field_key(field, term, strlen(term), key));
}

static void test_field_key(void)
{
    char key[FIELD_KEY_MAX];
    CHECK_EQ_INT(field_key(FIELD_BODY, "abc", 3, key), 3);
    CHECK(memcmp(key, "abc", 3) == 0);
    CHECK_EQ_INT(field_key(FIELD_TITLE, "abc", 3, key), 4);
    CHECK(memcmp(key, "\001abc", 4) == 0);
    CHECK_EQ_INT(field_key(FIELD_HEADING, "abc", 3, key), 4);
    CHECK(memcmp(key, "\002abc", 4) == 0);
}

/* Passages of the files: 0 = title line + Introduction + its paragraph,
 * 1 = Side Effects + its paragraph, 2 = article B's only paragraph. */
static void test_file_fields(void)
{
    ix = build("corpus");
    CHECK(ix != NULL);
    if (!ix) return;
    CHECK_EQ_INT(index_stats(ix)->passages, 3);
    /* the title is in every passage of its article, positions in the title */
    CHECK_EQ_STR(field_postings(FIELD_TITLE, "ketamine"), "0:0;1:0;");
    CHECK_EQ_STR(field_postings(FIELD_TITLE, "therapy"), "0:1;1:1;");
    /* a title made from the file name "b-plain.txt" */
    CHECK_EQ_STR(field_postings(FIELD_TITLE, "b"), "2:0;");
    CHECK_EQ_STR(field_postings(FIELD_TITLE, "plain"), "2:1;");
    /* headings: positions within the heading text, the title line left out */
    CHECK_EQ_STR(field_postings(FIELD_HEADING, "introduction"), "0:0;");
    CHECK_EQ_STR(field_postings(FIELD_HEADING, "side"), "1:0;");
    CHECK_EQ_STR(field_postings(FIELD_HEADING, "effects"), "1:1;");
    CHECK_EQ_STR(field_postings(FIELD_HEADING, "ketamine"), "(none)");
    CHECK_EQ_STR(field_postings(FIELD_HEADING, "nausea"), "(none)");
    /* the body is the whole passage text, headings included */
    CHECK_EQ_STR(field_postings(FIELD_BODY, "ketamine"), "0:0,3;1:7,8;");
    CHECK_EQ_STR(field_postings(FIELD_BODY, "introduction"), "0:2;");
    CHECK_EQ_STR(field_postings(FIELD_BODY, "effects"), "1:1;");
    /* lengths count body tokens only */
    CHECK_EQ_INT(segment_lengths(index_segment(ix, 0))[0], 10);
    CHECK_EQ_INT(segment_lengths(index_segment(ix, 0))[1], 9);
    CHECK_EQ_INT(segment_lengths(index_segment(ix, 0))[2], 9);
    CHECK_EQ_INT(index_stats(ix)->total_length, 28);
    /* every key and posting is counted, fields included */
    uint64_t first, n_title = prefix_count(index_segment(ix, 0), "\001", 1, &first);
    uint64_t n_heading = prefix_count(index_segment(ix, 0), "\002", 1, &first);
    CHECK_EQ_INT(n_title, 4);   /* ketamine therapy b plain */
    CHECK_EQ_INT(n_heading, 3); /* introduction side effects */
    TermInfo ti;
    uint64_t postings = 0, positions = 0;
    const char *t;
    size_t tl;
    for (uint64_t i = 0; segment_term_at(index_segment(ix, 0), i, &t, &tl, &ti); i++) {
        postings += ti.df;
        PostingCursor c;
        for (cursor_open(&c, index_segment(ix, 0), &ti); c.pid != PID_END; cursor_next(&c)) positions += cursor_tf(&c);
    }
    CHECK_EQ_INT(index_stats(ix)->postings, postings);
    CHECK_EQ_INT(index_stats(ix)->positions, positions);
    CHECK_EQ_INT(positions, 28 + 2 * 2 + 2 + 3); /* body, titles (A twice, B), headings */
}

/* Index prefix ranges against a linear scan of the lexicon. */
static void check_prefix(const char *prefix, size_t len)
{
    uint64_t first = 0, n = prefix_count(index_segment(ix, 0), prefix, len, &first);
    uint64_t want_first = UINT64_MAX, want_n = 0;
    const char *t;
    size_t tl;
    for (uint64_t i = 0; segment_term_at(index_segment(ix, 0), i, &t, &tl, NULL); i++)
        if (tl >= len && memcmp(t, prefix, len) == 0) {
            if (want_first == UINT64_MAX) want_first = i;
            want_n++;
        }
    CHECK_EQ_INT(n, want_n);
    if (want_n) CHECK_EQ_INT(first, want_first);
}

static void test_prefix_range(void)
{
    if (!ix) return;
    const char *fixed[] = {"", "\001", "\002", "\003", "k", "ke", "ketamine", "ketaminez", "zzz", "a", "\001k", "\002s", "\377"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) check_prefix(fixed[i], strlen(fixed[i]));
    check_prefix("", 0);
    /* every prefix of every key */
    const char *t;
    size_t tl;
    for (uint64_t i = 0; segment_term_at(index_segment(ix, 0), i, &t, &tl, NULL); i++) {
        char key[FIELD_KEY_MAX];
        memcpy(key, t, tl);
        for (size_t l = 1; l <= tl; l++) check_prefix(key, l);
    }
}

/* A passages file: the title column is the title field of the row and
 * never the heading field, though it heads the row's text. */
static void test_row_fields(void)
{
    index_close(ix);
    ix = build("rows.tsv");
    CHECK(ix != NULL);
    if (!ix) return;
    CHECK_EQ_STR(field_postings(FIELD_TITLE, "row"), "0:0,2;");
    CHECK_EQ_STR(field_postings(FIELD_TITLE, "title"), "0:1;");
    CHECK_EQ_STR(field_postings(FIELD_HEADING, "row"), "(none)");
    CHECK_EQ_STR(field_postings(FIELD_BODY, "row"), "0:0,2,4,7;");
    uint64_t first;
    CHECK_EQ_INT(prefix_count(index_segment(ix, 0), "\002", 1, &first), 0);
}

/* A random corpus (testcorpus.h) has no titles and one-line passages:
 * no field keys at all. */
static void test_no_fields(void)
{
    TestCorpus c;
    Index *r = tc_build(&c, 200, 50, 30);
    CHECK(r != NULL);
    if (!r) return;
    uint64_t first;
    CHECK_EQ_INT(prefix_count(index_segment(r, 0), "\001", 1, &first), 0);
    CHECK_EQ_INT(prefix_count(index_segment(r, 0), "\002", 1, &first), 0);
    CHECK_EQ_INT(prefix_count(index_segment(r, 0), "w", 1, &first), index_stats(r)->terms);
    CHECK_EQ_INT(first, 0);
    index_close(r);
    tc_free(&c);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/search-fields-XXXXXX");
    char path[512];
    snprintf(path, sizeof path, "%s/corpus", mkdtemp(dir) ? dir : "/nonexistent");
    int ok = mkdir(path, 0755) == 0 && write_text("a.txt", ARTICLE_A) == 0 && write_text("b-plain.txt", ARTICLE_B) == 0;
    snprintf(path, sizeof path, "%s/rows.tsv", dir);
    FILE *f = fopen(path, "w");
    ok = ok && f && fputs(ROWS, f) >= 0;
    if (f) fclose(f);
    if (!ok) {
        printf("fields: 0 passed, 1 failed\n");
        return 1;
    }
    static const TestCase cases[] = {T(test_field_key), T(test_file_fields), T(test_prefix_range), T(test_row_fields),
                                     T(test_no_fields)};
    int rc = run_tests("fields", cases, sizeof cases / sizeof cases[0]);
    index_close(ix);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return rc;
}
