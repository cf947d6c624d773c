/* test_indexer.c: the indexing pipeline (indexer.c, index_worker.c,
 * postings_runs.c). The segment is byte for byte the same with any number
 * of threads and any memory budget, including budgets small enough to
 * write hundreds of runs and merge them in groups; no run is left behind;
 * and a damaged run is reported, not trusted. */
#include "check.h"
#include "testcorpus.h"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* Files in dir whose names end in ".tmp". */
static int tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        n += l > 4 && !strcmp(e->d_name + l - 4, ".tmp");
    }
    if (d) closedir(d);
    return n;
}

static const char *files[] = {"meta.bin",     "lexicon.bin",  "postings.bin", "positions.bin",
                              "passages.bin", "articles.bin", "store.bin"};

static void test_same_index_any_threads_and_memory(void)
{
    TestCorpus c;
    tc_seed = 17;
    Index *ix = tc_build(&c, 4000, 3000, 200);
    CHECK(ix != NULL);
    if (!ix) return;
    index_close(ix);
    /* threads, memory (0: the default, which holds all of it) */
    static const struct { int threads; size_t memory; } runs[] = {
        {1, 0}, {4, 0}, {2, 512u << 10}, {1, 128u << 10}, {3, 64u << 10}};
    enum { NB = sizeof runs / sizeof *runs };
    char docs[512], dirs[NB][512];
    char *seg[NB];
    snprintf(docs, sizeof docs, "%s/docs.tsv", c.dir);
    for (size_t i = 0; i < NB; i++) {
        IndexerOptions o;
        indexer_options_default(&o);
        o.threads = runs[i].threads;
        if (runs[i].memory) o.memory = runs[i].memory;
        IndexerReport r;
        snprintf(dirs[i], sizeof dirs[i], "%s/idx-%zu", c.dir, i);
        CHECK_EQ_INT(indexer_build(docs, dirs[i], &o, &r), 0);
        seg[i] = tc_segment_dir(dirs[i]);
        CHECK(seg[i] != NULL);
        if (!runs[i].memory) CHECK_EQ_INT(r.runs, 0);
        else CHECK(r.runs > 1 && r.run_bytes > 0);
        if (runs[i].memory == (64u << 10)) CHECK(r.runs > 64); /* merged in groups first */
        /* the final merge in as many key ranges as threads, joined */
        CHECK_EQ_INT(r.ranges, (unsigned)runs[i].threads);
        if (seg[i]) CHECK_EQ_INT(tmp_files(seg[i]), 0);
    }
    for (size_t i = 1; i < NB; i++) {
        for (size_t f = 0; seg[0] && seg[i] && f < sizeof files / sizeof *files; f++) {
            char a[1024], b[1024];
            snprintf(a, sizeof a, "%s/%s", seg[0], files[f]);
            snprintf(b, sizeof b, "%s/%s", seg[i], files[f]);
            if (!tc_same_file(a, b)) {
                fprintf(stderr, "  %s differs with %d threads and %zu bytes of memory\n", files[f], runs[i].threads,
                        runs[i].memory);
                check_failed_in_test++;
            }
        }
    }
    for (size_t i = 0; i < NB; i++) free(seg[i]);
    tc_free(&c);
}

/* A run of a few postings, written by run_write, then damaged. */
static int merge_damaged(const char *dir, void (*damage)(const char *path), int threads)
{
    MemIndex m;
    memindex_init(&m);
    uint32_t a = memindex_term(&m, "alpha", 5), b = memindex_term(&m, "beta", 4);
    for (uint32_t pid = 0; pid < 50; pid++) {
        memindex_add(&m, pid, a, 0);
        if (pid % 3 == 0) memindex_add(&m, pid, b, 1);
        memindex_end_passage(&m, pid);
    }
    uint64_t bytes = 0;
    CHECK_EQ_INT(run_write(&m, dir, "run-test.tmp", &bytes), 0);
    CHECK(bytes > 0);
    char path[600];
    snprintf(path, sizeof path, "%s/run-test.tmp", dir);
    damage(path);
    uint32_t lengths[50];
    for (int i = 0; i < 50; i++) lengths[i] = 2;
    TermWriter w;
    CHECK_EQ_INT(term_writer_open(&w, dir, &(ImpactParams){IMPACT_K1, IMPACT_B}), 0);
    const char *runs[] = {path};
    int rc = runs_merge(runs, 1, NULL, 0, dir, &w, lengths, 2.0f, threads);
    if (rc == 0) rc = term_writer_finish(&w, &bytes);
    else term_writer_abort(&w);
    memindex_free(&m);
    CHECK(access(path, F_OK) != 0); /* removed either way */
    return rc;
}

static void intact(const char *path) { (void)path; }

static void truncated(const char *path)
{
    CHECK_EQ_INT(truncate(path, 20), 0);
}

static void flipped(const char *path)
{
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (!f) return;
    fseek(f, 12, SEEK_SET);
    fputc(0xff, f);
    fclose(f);
}

/* the index's sample count in the trailer (its last 8 bytes) made huge */
static void trailer_flipped(const char *path)
{
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (!f) return;
    fseek(f, -2, SEEK_END);
    fputc(0x7f, f);
    fclose(f);
}

static void test_damaged_run(void)
{
    char dir[] = "/tmp/test_indexer.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -f %s/*.bin", dir);
    for (int threads = 1; threads <= 2; threads++) { /* several: the runs' indexes are read first */
        CHECK_EQ_INT(merge_damaged(dir, intact, threads), 0);
        CHECK_EQ_INT(system(cmd), 0);
        CHECK_EQ_INT(merge_damaged(dir, truncated, threads), -1);
        CHECK(strstr(err_msg(), "run-test.tmp") && strstr(err_msg(), "damaged"));
        CHECK_EQ_INT(merge_damaged(dir, flipped, threads), -1);
        CHECK(strstr(err_msg(), "damaged") != NULL);
        CHECK_EQ_INT(merge_damaged(dir, trailer_flipped, threads), -1);
        CHECK(strstr(err_msg(), "damaged") != NULL);
        CHECK_EQ_INT(tmp_files(dir), 0);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

/* n runs of 3 passages each (keys "all" and "k<r % 5>"), then nmems
 * in-memory indexes of later passages, merged: every posting arrives, in
 * order, whatever the count (below, at and around the groups of 32). */
static void merge_many(const char *dir, size_t n, size_t nmems, int threads)
{
    char **paths = calloc(n ? n : 1, sizeof *paths);
    MemIndex *mems = calloc(nmems ? nmems : 1, sizeof *mems);
    MemIndex **mp = calloc(nmems ? nmems : 1, sizeof *mp);
    uint32_t lengths[3 * 200];
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) lengths[i] = 1;
    uint64_t bytes = 0, want = 0;
    for (size_t r = 0; r < n + nmems; r++) {
        MemIndex m;
        memindex_init(&m);
        char key[8];
        snprintf(key, sizeof key, "k%zu", r % 5);
        uint32_t all = memindex_term(&m, "all", 3), k = memindex_term(&m, key, strlen(key));
        for (uint32_t p = (uint32_t)(3 * r); p < 3 * r + 3; p++) {
            memindex_add(&m, p, all, 0);
            memindex_add(&m, p, k, 1);
            memindex_end_passage(&m, p);
            want += 2;
        }
        if (r < n) {
            char name[32];
            snprintf(name, sizeof name, "run-%zu.tmp", r);
            CHECK_EQ_INT(run_write(&m, dir, name, &bytes), 0);
            memindex_free(&m);
            paths[r] = malloc(strlen(dir) + 40);
            sprintf(paths[r], "%s/%s", dir, name);
        } else {
            mems[r - n] = m;
            mp[r - n] = &mems[r - n];
        }
    }
    TermWriter w;
    CHECK_EQ_INT(term_writer_open(&w, dir, &(ImpactParams){IMPACT_K1, IMPACT_B}), 0);
    int rc = runs_merge((const char *const *)paths, n, mp, nmems, dir, &w, lengths, 1.0f, threads);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(w.postings, want);
    size_t nsrc = n + nmems;
    CHECK_EQ_INT(w.terms, nsrc == 0 ? 0 : 1 + (nsrc < 5 ? nsrc : 5));
    term_writer_abort(&w);
    CHECK_EQ_INT(tmp_files(dir), 0);
    for (size_t i = 0; i < n; i++) free(paths[i]);
    for (size_t i = 0; i < nmems; i++) memindex_free(&mems[i]);
    free(paths);
    free(mems);
    free(mp);
}

static void test_many_runs(void)
{
    char dir[] = "/tmp/test_indexer.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    static const size_t counts[] = {0, 1, 31, 32, 33, 62, 63, 64, 65, 97, 150};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        for (size_t nmems = 0; nmems <= 2; nmems++)
            for (int threads = 1; threads <= 3; threads += 2) merge_many(dir, counts[i], nmems, threads);
    rmdir(dir);
}

/* A language libstemmer does not know (nor its case: libstemmer's names
 * are lower case) is a clear error, with one worker or several, and the
 * index directory is not touched: the workers' analyzers once failed
 * after the build had started and drain used the missing ones. */
static void test_unknown_language(void)
{
    char dir[] = "/tmp/test_indexer.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char corpus[600], idx[600], cmd[700];
    snprintf(corpus, sizeof corpus, "%s/docs.tsv", dir);
    snprintf(idx, sizeof idx, "%s/idx", dir);
    FILE *f = fopen(corpus, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("a\tTitle\tsome words to index\n", f);
    fclose(f);
    static const char *const names[] = {"klingon", "", "English"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        for (int threads = 1; threads <= 4; threads += 3) {
            IndexerOptions o;
            indexer_options_default(&o);
            snprintf(o.analysis.language, sizeof o.analysis.language, "%s", names[i]);
            o.threads = threads;
            IndexerReport r;
            CHECK_EQ_INT(indexer_build(corpus, idx, &o, &r), -1);
            CHECK(strstr(err_msg(), "unknown stemmer language") && strstr(err_msg(), "english"));
            CHECK(access(idx, F_OK) != 0);
        }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

/* ---- a stream through indexer_build_from ---- */

typedef struct {
    FILE *in;
} Stream;

static int read_stream(void *src, const CorpusOptions *co, article_fn fn, void *ctx, CorpusStats *stats)
{
    return jsonl_read(((Stream *)src)->in, "stream", co, fn, ctx, stats);
}

/* The segment's meta.bin passage size (FORMAT.md: the u32 after five u64
 * counts), or 0. */
static uint32_t meta_passage_words(const char *seg)
{
    char path[1024], *d;
    size_t n;
    snprintf(path, sizeof path, "%s/meta.bin", seg);
    if (read_file(path, 1u << 20, &d, &n) != 0) return 0;
    uint32_t w = 0;
    if (n >= 32 + 44) memcpy(&w, d + 32 + 40, 4);
    free(d);
    return w;
}

/* JSON lines indexed as they are read, with grow_passage_words (as
 * sbg-index does): each document is one passage, the passage size rises to
 * the longest one's words (over the floor given) and is recorded so, and
 * the segment is byte for byte that of the equivalent passages file built
 * with that passage size, but for articles.bin (the path "stream" where the
 * other has the file's, and no file size or time). With 1 and 3 threads.
 * A second build into the same directory rebuilds rather than updates (an
 * update's segments could disagree on the passage size). */
static void test_stream_whole_documents(void)
{
    char dir[] = "/tmp/test_indexer.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char tsv[600], idx[600];
    snprintf(tsv, sizeof tsv, "%s/docs.tsv", dir);
    Buf json = {0}, rows = {0};
    uint32_t longest = 0;
    tc_seed = 5;
    for (uint32_t d = 0; d < 300; d++) {
        uint32_t words = d == 150 ? 1700 : 1 + tc_rand() % 400;
        if (words > longest) longest = words;
        buf_printf(&json, "{\"id\": \"d%u\", \"text\": \"", d);
        buf_printf(&rows, "d%u\t\t", d);
        for (uint32_t i = 0; i < words; i++) {
            uint32_t w = tc_word(500);
            /* sentences and paragraph breaks: one passage all the same */
            const char *sep = i + 1 == words ? "" : i % 40 == 39 ? ".\\n\\n" : i % 9 == 8 ? ". " : " ";
            const char *row_sep = i + 1 == words ? "" : i % 40 == 39 ? ".  " : i % 9 == 8 ? ". " : " ";
            buf_printf(&json, "w%u%s", w, sep);
            buf_printf(&rows, "w%u%s", w, row_sep);
        }
        buf_printf(&json, "\"}\n");
        buf_printf(&rows, "\n");
    }
    FILE *f = fopen(tsv, "w");
    CHECK(f != NULL);
    if (!f) return;
    fwrite(rows.data, 1, rows.len, f);
    fclose(f);

    IndexerOptions o;
    indexer_options_default(&o);
    IndexerReport r;
    o.passage_words = longest;
    snprintf(idx, sizeof idx, "%s/from-file", dir);
    CHECK_EQ_INT(indexer_build(tsv, idx, &o, &r), 0);
    char *want = tc_segment_dir(idx);
    CHECK(want != NULL);
    CHECK_EQ_INT(r.passages, r.articles);

    for (int threads = 1; threads <= 3; threads += 2) {
        o.passage_words = 1000; /* the floor: the longest has 1700 words */
        o.grow_passage_words = 1;
        o.threads = threads;
        snprintf(idx, sizeof idx, "%s/from-stream-%d", dir, threads);
        for (int build = 0; build < 2; build++) {
            Stream s = {fmemopen(json.data, json.len, "r")};
            CHECK(s.in != NULL);
            if (!s.in) break;
            CHECK_EQ_INT(indexer_build_from(read_stream, &s, idx, &o, &r), 0);
            fclose(s.in);
            CHECK_EQ_INT(r.articles, 300);
            CHECK_EQ_INT(r.passages, 300);
            CHECK_EQ_INT(r.incremental, 0);
        }
        Index *ix = index_open(idx);
        CHECK(ix != NULL);
        if (ix) {
            CHECK_EQ_INT(index_nsegments(ix), 1);
            CHECK_EQ_INT(index_stats(ix)->passage_words, longest);
            ArticleInfo a;
            CHECK_EQ_INT(index_article(ix, 0, &a), 0);
            CHECK(a.path_len == 6 && !memcmp(a.path, "stream", 6) && a.size == 0 && a.mtime == 0);
            index_close(ix);
        }
        char *got = tc_segment_dir(idx);
        CHECK(got != NULL);
        if (got) CHECK_EQ_INT(meta_passage_words(got), longest);
        for (size_t i = 0; want && got && i < sizeof files / sizeof *files; i++) {
            if (!strcmp(files[i], "articles.bin")) continue;
            char a[1024], b[1024];
            snprintf(a, sizeof a, "%s/%s", want, files[i]);
            snprintf(b, sizeof b, "%s/%s", got, files[i]);
            if (!tc_same_file(a, b)) {
                fprintf(stderr, "  %s differs from the passages file's with %d threads\n", files[i], threads);
                check_failed_in_test++;
            }
        }
        free(got);
    }
    free(want);
    buf_free(&json);
    buf_free(&rows);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

/* AddressSanitizer and ThreadSanitizer: their shadow memory inflates the
 * peak RSS (under TSan a 20 MB article peaked at 175 MB). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

/* One article far larger than the memory budget: what the build holds
 * beyond the budget is that article's text, once (it was held three times
 * over, with all its postings: a 200 MB article peaked at 770 MB under
 * --memory 1M). Measured as the peak RSS of a child doing the build. */
static void test_long_article_within_budget(void)
{
#ifdef UNDER_SANITIZER
    puts("  skipped: peak memory is not measured under a sanitizer (its shadow memory inflates it)");
    return;
#else
    char dir[] = "/tmp/test_indexer.XXXXXX", path[128];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/corpus", dir);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/corpus/long.txt", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    size_t words = 3000000, bytes = 0;
    for (size_t i = 0; i < words; i++) bytes += (size_t)fprintf(f, "w%u%s", tc_word(60000), i % 20 == 19 ? ". " : " ");
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        IndexerOptions o;
        indexer_options_default(&o);
        o.memory = INDEXER_MIN_MEMORY;
        o.threads = 1;
        IndexerReport r;
        char corpus[128], idx[128];
        snprintf(corpus, sizeof corpus, "%s/corpus", dir);
        snprintf(idx, sizeof idx, "%s/idx", dir);
        _exit(indexer_build(corpus, idx, &o, &r) == 0 && r.articles == 1 && r.passages >= words / 250 ? 0 : 1);
    }
    int status = -1;
    struct rusage ru;
    CHECK(pid > 0 && wait4(pid, &status, 0, &ru) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    size_t peak = (size_t)ru.ru_maxrss * 1024; /* KiB */
    if (peak > 2 * bytes + (24u << 20))
        fprintf(stderr, "  a %zu-byte article under a 1 MB budget peaked at %zu bytes\n", bytes, peak);
    CHECK(peak <= 2 * bytes + (24u << 20));
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
#endif
}

TEST_MAIN("indexer", T(test_same_index_any_threads_and_memory), T(test_damaged_run), T(test_many_runs),
          T(test_stream_whole_documents),
          T(test_unknown_language), T(test_long_article_within_budget))
