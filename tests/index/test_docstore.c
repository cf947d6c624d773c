/* test_docstore.c: the text store with and without its compression thread:
 * every passage reads back as written (many blocks, so the ring of pending
 * blocks wraps around many times), and the threaded writer's bytes equal
 * the single-threaded writer's; a whole index built with --threads 1 and 4
 * is the same, file by file. */
#include "check.h"
#include "testcorpus.h"

#include <unistd.h>

/* Writes a store of n random passages into a fresh directory and reads
 * store.bin back: its payload (after the frame, which file_map checked). */
static Buf make_store(int threaded, uint32_t n)
{
    char dir[] = "/tmp/test_docstore.XXXXXX";
    Buf payload = {0};
    CHECK(mkdtemp(dir) != NULL);
    DocStoreWriter *w = docstore_writer_new(dir, threaded);
    CHECK(w != NULL);
    if (!w) return payload;
    char text[3000];
    tc_seed = 99;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = tc_rand() % sizeof text;
        for (size_t j = 0; j < len; j++) text[j] = (char)('a' + tc_rand() % 26);
        docstore_add(w, text, len);
    }
    uint64_t bytes = 0;
    CHECK_EQ_INT(docstore_finish(w, &bytes), 0);
    MappedFile f;
    CHECK_EQ_INT(file_map(dir, "store.bin", "STOR", &f), 0);
    CHECK_EQ_INT(bytes, f.size);
    buf_append(&payload, f.payload, f.len);
    file_unmap(&f);
    char path[64];
    snprintf(path, sizeof path, "%s/store.bin", dir);
    unlink(path);
    CHECK_EQ_INT(rmdir(dir), 0); /* nothing else left: the spill file is gone */
    return payload;
}

static void test_round_trip_and_same_bytes(void)
{
    uint32_t n = 2000; /* about 180 blocks of 16 KiB */
    Buf one = make_store(0, n), two = make_store(1, n);
    CHECK_EQ_INT(one.len, two.len);
    CHECK(one.len == two.len && memcmp(one.data, two.data, one.len) == 0);
    CHECK_EQ_INT(docstore_check(two.data, two.len, n), 0);
    Buf out = {0};
    char text[3000];
    tc_seed = 99;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = tc_rand() % sizeof text;
        for (size_t j = 0; j < len; j++) text[j] = (char)('a' + tc_rand() % 26);
        CHECK_EQ_INT(docstore_get(two.data, two.len, i, &out), 0);
        if (out.len != len || memcmp(out.data, text, len) != 0) {
            fprintf(stderr, "  passage %u differs\n", i);
            check_failed_in_test++;
            break;
        }
    }
    buf_free(&out);
    buf_free(&one);
    buf_free(&two);
}

static void test_empty_store(void)
{
    Buf a = make_store(1, 0);
    CHECK_EQ_INT(docstore_check(a.data, a.len, 0), 0);
    buf_free(&a);
}

static int same_file(const char *a, const char *b)
{
    char *x, *y;
    size_t lx, ly;
    if (read_file(a, 1u << 30, &x, &lx) != 0 || read_file(b, 1u << 30, &y, &ly) != 0) return 0;
    int same = lx == ly && memcmp(x, y, lx) == 0;
    free(x);
    free(y);
    return same;
}

static void test_index_same_with_threads(void)
{
    TestCorpus c;
    tc_seed = 17;
    Index *ix = tc_build(&c, 3000, 300, 200);
    CHECK(ix != NULL);
    if (!ix) return;
    index_close(ix);
    char docs[512], dirs[2][512];
    snprintf(docs, sizeof docs, "%s/docs.tsv", c.dir);
    for (int t = 0; t < 2; t++) {
        IndexerOptions o;
        indexer_options_default(&o);
        o.threads = t ? 4 : 1;
        IndexerReport r;
        snprintf(dirs[t], sizeof dirs[t], "%s/idx-threads-%d", c.dir, o.threads);
        CHECK_EQ_INT(indexer_build(docs, dirs[t], &o, &r), 0);
    }
    static const char *files[] = {"meta.bin", "lexicon.bin", "postings.bin", "positions.bin", "passages.bin",
                                  "articles.bin", "store.bin"};
    char *seg[2] = {tc_segment_dir(dirs[0]), tc_segment_dir(dirs[1])};
    CHECK(seg[0] && seg[1]);
    for (size_t f = 0; seg[0] && seg[1] && f < sizeof files / sizeof *files; f++) {
        char a[1024], b[1024];
        snprintf(a, sizeof a, "%s/%s", seg[0], files[f]);
        snprintf(b, sizeof b, "%s/%s", seg[1], files[f]);
        if (!same_file(a, b)) {
            fprintf(stderr, "  %s differs between 1 and 4 threads\n", files[f]);
            check_failed_in_test++;
        }
    }
    free(seg[0]);
    free(seg[1]);
    tc_free(&c);
}

TEST_MAIN("docstore", T(test_round_trip_and_same_bytes), T(test_empty_store), T(test_index_same_with_threads))
