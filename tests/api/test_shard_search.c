/* test_shard_search.c: the shards of a corpus, searched with pooled
 * statistics (srch_shard_*) and merged by srch_hit_order, answer as one
 * index of the whole corpus: the same passages in the same order, every
 * score bitwise equal. Over 3 even shards and 2 deliberately uneven ones,
 * at k = 10 and 1000, for words, phrases, boolean queries and prefixes
 * (one cut short by max_expansions, whose expansion must be the whole
 * corpus's). The corpus repeats paragraphs, so equal scores are common and
 * the tie order is tested too; its files sit in directories named so that
 * the walk's order is not byte order ("d/..." before "d.txt"). */
#include "check.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "libsearch.h"
#include "util/util.h"

static char root[64];
static const char *SYL[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "ri"};
static uint32_t seed = 12345;
static uint32_t rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

static void paragraph(FILE *f, uint32_t p)
{
    uint32_t s = seed;
    seed = p * 7919u + 17u;
    for (int w = 0; w < 40; w++)
        fprintf(f, "%s%s%s%s%s", w ? " " : "", SYL[rnd() % 12], SYL[rnd() % 12], rnd() % 3 ? SYL[rnd() % 12] : "",
                w % 13 == 12 ? "." : "");
    fputs("\n\n", f);
    seed = s;
}

/* Article i of the corpus at path: 1-3 of 40 paragraphs, so that many
 * passages are equal. */
static void article(const char *path, uint32_t i)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    uint32_t n = 1 + i % 3;
    for (uint32_t p = 0; p < n; p++) paragraph(f, (i * 5 + p * 11) % 40);
    fclose(f);
}

static void make_corpus(const char *dir, uint32_t narticles, int uneven)
{
    char path[256];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/d", dir);
    mkdir(path, 0755);
    uint32_t made = 0;
    for (uint32_t i = 0; made < narticles; i++) {
        char id[64];
        snprintf(id, sizeof id, i % 4 == 0 ? "d/a%u.txt" : i % 4 == 1 ? "d.a%u.txt" : "a%u.txt", i);
        /* uneven: of 2 shards, shard 1 gets one article in 6 */
        if (uneven && srch_shard_of(id, strlen(id), 2) == 1 && i % 6) continue;
        snprintf(path, sizeof path, "%s/%s", dir, id);
        article(path, i);
        made++;
    }
}

static srch_searcher *open_searcher(const char *dir, srch_index **ix)
{
    srch_searcher *s = NULL;
    CHECK_EQ_INT(srch_open(dir, ix, NULL), SRCH_OK);
    if (*ix) CHECK_EQ_INT(srch_searcher_new(*ix, &s, NULL), SRCH_OK);
    return s;
}

static int order(const void *a, const void *b) { return srch_hit_order(*(const srch_hit *const *)a, *(const srch_hit *const *)b); }

static long compared, differed;

/* One query over the shards as search-mpi runs it, against one index. */
static void same_answer(srch_searcher *one, srch_searcher **sh, size_t n, const char *q, size_t k, uint32_t max_exp,
                        float proximity)
{
    srch_search_options o;
    srch_search_options_init(&o);
    o.k = k;
    o.max_expansions = max_exp;
    o.proximity = proximity;
    srch_hits *want = NULL;
    CHECK_EQ_INT(srch_search(one, q, &o, &want, NULL), SRCH_OK);
    Buf keys = {0};
    for (size_t i = 0; i < n; i++) {
        void *b;
        size_t len;
        CHECK_EQ_INT(srch_shard_prefixes(sh[i], q, &o, &b, &len, NULL), SRCH_OK);
        buf_append(&keys, b, len);
        srch_free(b);
    }
    uint64_t *sum = NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t *st;
        size_t sn;
        CHECK_EQ_INT(srch_shard_stats(sh[i], q, &o, keys.data, keys.len, &st, &sn, NULL), SRCH_OK);
        if (!sum) sum = calloc(m = sn, sizeof *sum);
        CHECK_EQ_INT(sn, m);
        for (size_t j = 0; j < sn && j < m; j++) sum[j] += st[j];
        srch_free(st);
    }
    srch_hits *got[8] = {0};
    const srch_hit **all = malloc(n * k * sizeof *all);
    size_t nall = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ_INT(srch_shard_search(sh[i], q, &o, keys.data, keys.len, sum, m, &got[i], NULL), SRCH_OK);
        for (size_t j = 0; got[i] && j < srch_hits_count(got[i]); j++) all[nall++] = srch_hits_get(got[i], j);
    }
    qsort(all, nall, sizeof *all, order);
    if (nall > k) nall = k;
    size_t nw = want ? srch_hits_count(want) : 0;
    CHECK_EQ_INT(nall, nw);
    for (size_t j = 0; j < nall && j < nw; j++) {
        const srch_hit *a = srch_hits_get(want, j), *b = all[j];
        compared++;
        int same = memcmp(&a->score, &b->score, sizeof a->score) == 0 && a->start == b->start &&
                   a->path_len == b->path_len && memcmp(a->path, b->path, a->path_len) == 0;
        if (!same && differed++ < 5)
            fprintf(stderr, "  %s (k %zu) rank %zu: one index %a %.*s@%llu, shards %a %.*s@%llu\n", q, k, j + 1,
                    a->score, (int)a->path_len, a->path, (unsigned long long)a->start, b->score, (int)b->path_len,
                    b->path, (unsigned long long)b->start);
    }
    for (size_t i = 0; i < n; i++) srch_hits_free(got[i]);
    srch_hits_free(want);
    free(all);
    free(sum);
    buf_free(&keys);
}

static const char *QUERIES[] = {
    "kalo", "mine rusa", "tivo zepa quri kaloka", "\"kalo mine\"", "\"rusa ti\"~3", "+kalo +mine",
    "kalo AND NOT mine", "(rusa OR tivo) -zepa", "ka*", "lo* mi*", "+ne* \"sa ti\"", "title:a1", "nothing_here",
    "kalo kalo kalo ru*",
};

static void run_split(uint32_t nshards, int uneven)
{
    char corpus[128], one[128], sd[8][128];
    snprintf(corpus, sizeof corpus, "%s/c%u", root, nshards);
    make_corpus(corpus, 150, uneven);
    snprintf(one, sizeof one, "%s/one%u", root, nshards);
    srch_build_options bo;
    srch_build_options_init(&bo);
    bo.threads = 1;
    CHECK_EQ_INT(srch_build(corpus, one, &bo, NULL, NULL), SRCH_OK);
    srch_index *ix1, *ixs[8];
    srch_searcher *s1 = open_searcher(one, &ix1), *ss[8];
    uint64_t sizes[8];
    for (uint32_t i = 0; i < nshards; i++) {
        snprintf(sd[i], sizeof sd[i], "%s/s%u-%u", root, nshards, i);
        CHECK_EQ_INT(srch_build_shard(corpus, sd[i], nshards, i, &bo, NULL, NULL), SRCH_OK);
        ss[i] = open_searcher(sd[i], &ixs[i]);
        srch_index_info info;
        srch_index_stats(ixs[i], &info);
        sizes[i] = info.passages;
    }
    if (uneven) CHECK(sizes[0] > 3 * sizes[1]); /* the split is as uneven as meant */
    long before = compared;
    for (size_t q = 0; q < sizeof QUERIES / sizeof *QUERIES; q++)
        for (size_t k = 10; k <= 1000; k *= 100) {
            same_answer(s1, ss, nshards, QUERIES[q], k, 128, 0);
            same_answer(s1, ss, nshards, QUERIES[q], k, 3, 0); /* prefixes cut short: the corpus's 3 most frequent */
            same_answer(s1, ss, nshards, QUERIES[q], k, 128, 0.5f); /* BM25TP's proximity part too */
        }
    CHECK(compared - before > 1000);
    CHECK_EQ_INT(differed, 0);
    for (uint32_t i = 0; i < nshards; i++) {
        srch_searcher_free(ss[i]);
        srch_close(ixs[i]);
    }
    srch_searcher_free(s1);
    srch_close(ix1);
}

static void test_three_even_shards(void) { run_split(3, 0); }
static void test_two_uneven_shards(void) { run_split(2, 1); }

/* Pooled keys from another machine are checked, never trusted. */
static void test_damaged_keys(void)
{
    char one[128];
    snprintf(one, sizeof one, "%s/one3", root);
    srch_index *ix;
    srch_searcher *s = open_searcher(one, &ix);
    uint64_t *st;
    size_t n;
    srch_error e;
    static const unsigned char bad1[] = {5, 'k', 'a'}; /* shorter than it says */
    static const unsigned char bad2[] = {0, 0, 0, 0, 0, 0, 0, 0, 0}; /* an empty key */
    CHECK_EQ_INT(srch_shard_stats(s, "ka*", NULL, bad1, sizeof bad1, &st, &n, &e), SRCH_BAD_ARG);
    CHECK(strstr(e.message, "damaged") != NULL);
    CHECK_EQ_INT(srch_shard_stats(s, "ka*", NULL, bad2, sizeof bad2, &st, &n, &e), SRCH_BAD_ARG);
    uint64_t few[3] = {10, 100, 1};
    srch_hits *h = NULL;
    CHECK_EQ_INT(srch_shard_search(s, "kalo mine", NULL, "", 0, few, 3, &h, &e), SRCH_BAD_QUERY);
    CHECK(strstr(e.message, "statistics given") != NULL);
    CHECK_EQ_INT(srch_shard_search(s, "kalo", NULL, "", 0, few, 1, &h, &e), SRCH_BAD_ARG);
    /* RM3's expansion would use this shard's statistics alone: refused */
    srch_search_options o;
    srch_search_options_init(&o);
    o.rm3 = 1;
    CHECK_EQ_INT(srch_shard_stats(s, "kalo", &o, "", 0, &st, &n, &e), SRCH_BAD_ARG);
    CHECK(strstr(e.message, "rm3") != NULL);
    CHECK_EQ_INT(srch_shard_search(s, "kalo", &o, "", 0, few, 3, &h, &e), SRCH_BAD_ARG);
    srch_hits_free(h);
    srch_searcher_free(s);
    srch_close(ix);
}

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/search-shards-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK_EQ_INT(system(cmd), 0);
    printf("  %ld hits compared bit for bit\n", compared);
}

TEST_MAIN("test_shard_search", T(setup), T(test_three_even_shards), T(test_two_uneven_shards), T(test_damaged_keys),
          T(cleanup))
