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

/* Indexes the documents fill writes (tc_docs_open's lines) in c->dir,
 * one passage each, no stemming; returns the index or NULL. */
static Index *build_docs(TestCorpus *c, void (*fill)(FILE *f))
{
    FILE *f = tc_docs_open(c);
    if (!f) return NULL;
    fill(f);
    fclose(f);
    return tc_index_docs(c);
}

static void shared_prefix_docs(FILE *f)
{
    static const char *const stems[] = {"a", "abcdefg", "abcdefgh", "abcdefghij", "abcdefgz", "b", "bbbbbbbbbbbb"};
    for (uint32_t d = 0; d < 400; d++) {
        fprintf(f, "doc%u\t\t%s", d, stems[d % 7]);
        for (uint32_t j = 0; j <= d % 3; j++) fprintf(f, " %s%c%c", stems[(d + j) % 7], 'a' + d % 26, 'a' + (d / 26 + j) % 26);
        fputc('\n', f);
    }
}

/* Look-ups search the entries alone, and from a segment's 256th look-up
 * on a sample of the keys' first 8 bytes, then a run of 32 entries: keys
 * that share 8 or more bytes, keys that are prefixes of others, and absent
 * keys just beside present ones all meet the sample's ties and the runs'
 * edges. Every key and three absent neighbours of each are looked up (the
 * first 64 keys' before the sample is gathered) and compared with a
 * linear scan. */
static void test_lookup_shared_prefixes(void)
{
    TestCorpus c = {0};
    Index *x = build_docs(&c, shared_prefix_docs);
    CHECK(x != NULL);
    if (!x) return;
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

/* The middle lexicon entry's key sent out of the pool (the CRC32s made to
 * match): the open, which reads no entry, succeeds; every look-up, whose
 * binary search starts there, fails naming lexicon.bin, and so does a
 * query's parse; segment_verify finds it. */
static void sabotage_middle_key(uint8_t *data, size_t len, void *ctx)
{
    uint64_t terms = *(const uint64_t *)ctx;
    size_t at = 32 + 8 + (size_t)(terms / 2) * 40 + 20; /* frame, count, entries, pool offset */
    if (at + 4 <= len) memset(data + at, 0xf0, 4);
}

static void test_damaged_entry_met_by_lookup(void)
{
    TestCorpus c = {0};
    Index *x = tc_build(&c, 300, 50, 20);
    CHECK(x != NULL);
    if (!x) return;
    uint64_t terms = segment_stats(index_segment(x, 0))->terms;
    index_close(x);
    char *path = tc_gen_file(&c, "lexicon.bin");
    CHECK(path && tc_edit_file(path, sabotage_middle_key, &terms, 1) == 0);
    free(path);
    char idx[512];
    snprintf(idx, sizeof idx, "%s/idx", c.dir);
    x = index_open(idx);
    CHECK(x != NULL);
    if (x) {
        TermInfo ti;
        CHECK_EQ_INT(segment_lookup(index_segment(x, 0), "w1", 2, &ti), -1);
        CHECK(strstr(err_msg(), "lexicon.bin is corrupt") != NULL);
        TcSearch s;
        tc_search_open(&s, x);
        err_set("none");
        CHECK_EQ_INT(tc_search_parse(&s, "w1 w2"), -1);
        CHECK(strstr(err_msg(), "lexicon.bin is corrupt") != NULL);
        tc_search_close(&s);
        CHECK_EQ_INT(segment_verify(index_segment(x, 0)), -1);
        CHECK(strstr(err_msg(), "lexicon.bin is corrupt: term out of bounds") != NULL);
        index_close(x);
    }
    tc_free(&c);
}

static int cmp_float_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x < y) - (x > y);
}

/* Words in 2500, 600, 129 and 40 of 2500 passages, at tfs and lengths
 * that vary: every rank of floors and none. */
static void floor_docs(FILE *f)
{
    static const uint32_t every[] = {1, 4, 19, 62};
    for (uint32_t d = 0; d < 2500; d++) {
        fprintf(f, "doc%u\t\t", d);
        for (uint32_t w = 0; w < 4; w++)
            for (uint32_t r = 0; d % every[w] == 0 && r <= (d * 7 + w) % 4; r++) fprintf(f, "w%u ", w);
        for (uint32_t r = 0; r < d % 23; r++) fprintf(f, "filler%u ", r);
        fputc('\n', f);
    }
}

/* Every term of several blocks stores the tf-parts of its 10th, 100th and
 * 1000th best postings (0 where it has fewer; one-block terms store
 * none), and cursor_floor_part answers k with the smallest rank >= k. */
static void test_stored_floors(void)
{
    TestCorpus tc = {0};
    Index *x = build_docs(&tc, floor_docs);
    CHECK(x != NULL);
    if (!x) return;
    const Segment *sg = index_segment(x, 0);
    const IndexStats *s = segment_stats(sg);
    float avgdl = index_avgdl(s->total_length, s->passages);
    float *parts = malloc(s->passages * sizeof *parts);
    size_t multi = 0, with1000 = 0;
    const char *t;
    size_t tl;
    TermInfo ti;
    for (uint64_t i = 0; segment_term_at(sg, i, &t, &tl, &ti); i++) {
        PostingCursor c;
        cursor_open(&c, sg, &ti);
        size_t n = 0;
        for (; c.pid != PID_END; cursor_next(&c))
            parts[n++] = bm25_tf_part(s->impact_k1, s->impact_b, avgdl, cursor_tf(&c), segment_lengths(sg)[c.pid]);
        qsort(parts, n, sizeof *parts, cmp_float_desc);
        for (size_t r = 0; r < TERM_FLOORS; r++) {
            uint32_t rank = term_floor_rank(r);
            CHECK(c.floors[r] == (ti.nblocks > 1 && rank <= n ? parts[rank - 1] : 0.0f));
        }
        CHECK(cursor_floor_part(&c, 1) == c.floors[0] && cursor_floor_part(&c, 10) == c.floors[0]);
        CHECK(cursor_floor_part(&c, 11) == c.floors[1] && cursor_floor_part(&c, 100) == c.floors[1]);
        CHECK(cursor_floor_part(&c, 101) == c.floors[2] && cursor_floor_part(&c, 1000) == c.floors[2]);
        CHECK(cursor_floor_part(&c, 1001) == 0.0f);
        multi += ti.nblocks > 1;
        with1000 += ti.df >= 1000;
    }
    CHECK(multi >= 3 && with1000 >= 1); /* every rank was met */
    free(parts);
    index_close(x);
    tc_free(&tc);
}

/* The selection the floors are found with, on random arrays full of
 * ties: the k-th largest, with the k largest before it. */
static void test_select_largest(void)
{
    float v[300], sorted[300];
    for (int iter = 0; iter < 500; iter++) {
        size_t n = 1 + tc_rand() % 300, k = 1 + tc_rand() % n, distinct = 1 + tc_rand() % 50;
        for (size_t i = 0; i < n; i++) v[i] = sorted[i] = (float)(tc_rand() % distinct) / 7.0f;
        qsort(sorted, n, sizeof *sorted, cmp_float_desc);
        float got = floats_select_largest(v, n, k);
        CHECK(got == sorted[k - 1]);
        for (size_t i = 0; i < n; i++) CHECK(i < k ? v[i] >= got : v[i] <= got);
    }
}

/* term_floors, whose lists are cut down by a histogram before each
 * selection (the histogram is left zeroed for the next call): parts
 * spread out, packed into one bucket, and all equal, on short and long
 * lists one after another, against a sort. */
static void test_floors(void)
{
    static float parts[60000], sorted[60000];
    for (int iter = 0; iter < 48; iter++) {
        size_t n = 1 + (size_t)tc_rand() % (iter % 4 == 3 ? 60000 : iter % 4 == 2 ? 3000 : 300);
        for (size_t i = 0; i < n; i++) {
            uint32_t r = tc_rand() % 1000000;
            parts[i] = iter % 3 == 0 ? (float)r / 1e6f : iter % 3 == 1 ? 0.5f + (float)(r % 1000) * 1e-6f : 0.25f;
            sorted[i] = parts[i];
        }
        qsort(sorted, n, sizeof *sorted, cmp_float_desc);
        float floors[TERM_FLOORS];
        term_floors(parts, n, floors);
        for (size_t r = 0; r < TERM_FLOORS; r++)
            CHECK(floors[r] == (term_floor_rank(r) <= n ? sorted[term_floor_rank(r) - 1] : 0.0f));
    }
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
    static const TestCase cases[] = {T(test_stats), T(test_lexicon), T(test_lookup_shared_prefixes), T(test_damaged_entry_met_by_lookup),
                                     T(test_stored_floors), T(test_select_largest), T(test_floors), T(test_cursor_iterates_all),
                                     T(test_cursor_advance), T(test_records)};
    int rc = run_tests("index", cases, sizeof cases / sizeof cases[0]);
    index_close(ix);
    tc_free(&corpus);
    return rc;
}
