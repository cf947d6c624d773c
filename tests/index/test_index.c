/* test_index.c: an index written and read back: lexicon look-ups, posting
 * cursors (next, advance, block-max data) against the known corpus. */
#include "check.h"
#include "testcorpus.h"

static TestCorpus corpus;
static Index *ix;

static void term_name(uint32_t w, char *out, size_t *len) { *len = (size_t)sprintf(out, "w%u", w); }

static void test_stats(void)
{
    const IndexStats *s = index_stats(ix);
    CHECK_EQ_INT(s->passages, corpus.ndocs);
    CHECK_EQ_INT(s->articles, corpus.ndocs);
    uint64_t total = 0;
    for (uint32_t d = 0; d < corpus.ndocs; d++) {
        total += corpus.len[d];
        CHECK_EQ_INT(segment_lengths(index_segment(ix, 0))[d], corpus.len[d]);
    }
    CHECK_EQ_INT(s->total_length, total);
    CHECK_EQ_STR(s->analysis.language, "none");
}

static void test_lexicon(void)
{
    char t[32];
    size_t len;
    TermInfo ti;
    for (uint32_t w = 0; w < corpus.vocab; w++) {
        term_name(w, t, &len);
        uint32_t df = 0;
        for (uint32_t d = 0; d < corpus.ndocs; d++) df += tc_tf(&corpus, d, w) > 0;
        CHECK_EQ_INT(segment_lookup(index_segment(ix, 0), t, len, &ti), df > 0);
        if (df) CHECK_EQ_INT(ti.df, df);
    }
    CHECK_EQ_INT(segment_lookup(index_segment(ix, 0), "w", 1, &ti), 0);
    CHECK_EQ_INT(segment_lookup(index_segment(ix, 0), "zzz", 3, &ti), 0);
    CHECK_EQ_INT(segment_lookup(index_segment(ix, 0), "", 0, &ti), 0);
    const char *a, *b;
    size_t la, lb;
    for (uint64_t i = 1; segment_term_at(index_segment(ix, 0), i, &b, &lb, NULL); i++) { /* sorted, distinct */
        segment_term_at(index_segment(ix, 0), i - 1, &a, &la, NULL);
        int c = memcmp(a, b, la < lb ? la : lb);
        CHECK(c < 0 || (c == 0 && la < lb));
    }
}

/* The ordinal of key in the lexicon by a linear scan, or -1. */
static int64_t linear_lookup(const Segment *sg, const char *key, size_t len)
{
    const char *t;
    size_t tl;
    for (uint64_t i = 0; segment_term_at(sg, i, &t, &tl, NULL); i++)
        if (tl == len && memcmp(t, key, len) == 0) return (int64_t)i;
    return -1;
}

/* Look-ups search a sample of the keys' first 8 bytes, then a run of 32
 * entries: keys that share 8 or more bytes, keys that are prefixes of
 * others, and absent keys just beside present ones all meet the sample's
 * ties and the runs' edges. Every key and three absent neighbours of each
 * are looked up and compared with a linear scan. */
static void test_lookup_shared_prefixes(void)
{
    TestCorpus c = {0};
    snprintf(c.dir, sizeof c.dir, "/tmp/search-test-XXXXXX");
    CHECK(mkdtemp(c.dir) != NULL);
    char path[512], idx[512];
    snprintf(path, sizeof path, "%s/docs.tsv", c.dir);
    FILE *f = fopen(path, "w");
    static const char *const stems[] = {"a", "abcdefg", "abcdefgh", "abcdefghij", "abcdefgz", "b", "bbbbbbbbbbbb"};
    for (uint32_t d = 0; d < 400; d++) {
        fprintf(f, "doc%u		%s", d, stems[d % 7]);
        for (uint32_t j = 0; j <= d % 3; j++) fprintf(f, " %s%c%c", stems[(d + j) % 7], 'a' + d % 26, 'a' + (d / 26 + j) % 26);
        fputc('\n', f);
    }
    fclose(f);
    IndexerOptions o;
    indexer_options_default(&o);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    IndexerReport r;
    snprintf(idx, sizeof idx, "%s/idx", c.dir);
    CHECK_EQ_INT(indexer_build(path, idx, &o, &r), 0);
    Index *x = index_open(idx);
    CHECK(x != NULL);
    const Segment *sg = index_segment(x, 0);
    CHECK(segment_stats(sg)->terms > 8 * 32); /* many runs */
    const char *t;
    size_t tl;
    TermInfo ti;
    for (uint64_t i = 0; segment_term_at(sg, i, &t, &tl, NULL); i++) {
        CHECK_EQ_INT(segment_lookup(sg, t, tl, &ti), 1);
        CHECK_EQ_INT(ti.ord, i);
        char k[FIELD_KEY_MAX + 2];
        memcpy(k, t, tl);
        k[tl] = 'a' - 1; /* just after the key, before its extensions */
        CHECK_EQ_INT(segment_lookup(sg, k, tl + 1, &ti), linear_lookup(sg, k, tl + 1) >= 0);
        k[tl - 1]--; /* just before it */
        CHECK_EQ_INT(segment_lookup(sg, k, tl, &ti), linear_lookup(sg, k, tl) >= 0);
        int64_t shorter = linear_lookup(sg, t, tl - 1);
        CHECK_EQ_INT(segment_lookup(sg, t, tl - 1, &ti), shorter >= 0);
        if (shorter >= 0) CHECK_EQ_INT(ti.ord, shorter);
    }
    index_close(x);
    tc_free(&c);
}

static void test_cursor_iterates_all(void)
{
    char t[32];
    size_t len;
    for (uint32_t w = 0; w < corpus.vocab; w += 3) {
        TermInfo ti;
        term_name(w, t, &len);
        if (!segment_lookup(index_segment(ix, 0), t, len, &ti)) continue;
        PostingCursor c;
        cursor_open(&c, index_segment(ix, 0), &ti);
        for (uint32_t d = 0; d < corpus.ndocs; d++) {
            uint32_t tf = tc_tf(&corpus, d, w);
            if (!tf) continue;
            CHECK_EQ_INT(c.pid, d);
            CHECK_EQ_INT(cursor_tf(&c), tf);
            CHECK(cursor_block_max_tf(&c) >= tf);
            CHECK(cursor_block_min_len(&c) <= corpus.len[d]);
            CHECK(cursor_block_last(&c) >= d);
            cursor_next(&c);
        }
        CHECK_EQ_INT(c.pid, PID_END);
        CHECK(!c.corrupt);
    }
}

static void test_cursor_advance(void)
{
    char t[32];
    size_t len;
    TermInfo ti;
    term_name(0, t, &len); /* the most frequent word: many blocks */
    CHECK(segment_lookup(index_segment(ix, 0), t, len, &ti));
    CHECK(ti.nblocks > 3);
    for (int iter = 0; iter < 200; iter++) {
        PostingCursor c;
        cursor_open(&c, index_segment(ix, 0), &ti);
        uint32_t target = 0;
        while (c.pid != PID_END) {
            target += 1 + tc_rand() % 300;
            uint32_t want = PID_END;
            for (uint32_t d = target; d < corpus.ndocs; d++)
                if (tc_tf(&corpus, d, 0)) { want = d; break; }
            CHECK_EQ_INT(cursor_advance(&c, target), want);
            if (want != PID_END) CHECK_EQ_INT(cursor_tf(&c), tc_tf(&corpus, want, 0));
        }
    }
}

static void test_records(void)
{
    PassageInfo p;
    ArticleInfo a;
    CHECK_EQ_INT(index_passage(ix, 5, &p), 0);
    CHECK_EQ_INT(p.article, 5);
    CHECK_EQ_INT(p.ordinal, 0);
    CHECK_EQ_INT(index_article(ix, 5, &a), 0);
    CHECK(a.id_len == 4 && memcmp(a.id, "doc5", 4) == 0);
    CHECK_EQ_INT(index_passage(ix, corpus.ndocs, &p), -1);
    Buf text = {0};
    CHECK_EQ_INT(index_passage_text(ix, 7, &text), 0);
    char first[32];
    size_t fl;
    term_name(corpus.words[7][0], first, &fl);
    CHECK(text.len >= fl && memcmp(text.data, first, fl) == 0);
    buf_free(&text);
}

int main(void)
{
    ix = tc_build_or_report(&corpus, "index", 3000, 400, 60);
    if (!ix) return 1;
    static const TestCase cases[] = {T(test_stats), T(test_lexicon), T(test_lookup_shared_prefixes),
                                     T(test_cursor_iterates_all),
                                     T(test_cursor_advance), T(test_records)};
    int rc = run_tests("index", cases, sizeof cases / sizeof cases[0]);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
