/* test_shard.c: which shard an article goes to (shard.c), the SHARD
 * record (damaged ones refused), and a passages file read down to each
 * shard: every row in exactly the shard its id hashes to. */
#include "check.h"
#include "testcorpus.h"

#include "index/shard.h"

#include <sys/stat.h>

/* FNV-1a 64's published test vectors: the hash must never change, or
 * every existing shard would hold the wrong articles. */
static void test_hash_is_fnv1a64(void)
{
    CHECK(shard_hash("", 0) == 0xcbf29ce484222325ULL);
    CHECK(shard_hash("a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(shard_hash("foobar", 6) == 0x85944171f73967e8ULL);
    CHECK_EQ_INT(shard_of("foobar", 6, 1), 0);
    CHECK_EQ_INT(shard_of("foobar", 6, 7), 0x85944171f73967e8ULL % 7);
    CHECK_EQ_INT(srch_shard_of("foobar", 6, 7), 0x85944171f73967e8ULL % 7);
}

static char dir[64];

static void put(const char *name, const char *text)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_record(void)
{
    snprintf(dir, sizeof dir, "/tmp/search-shard-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    ShardSpec s = {9, 9};
    CHECK_EQ_INT(shard_read(dir, &s), 0); /* none: a whole corpus */
    CHECK_EQ_INT(s.count, 0);
    ShardSpec want = {4, 3};
    CHECK_EQ_INT(shard_claim(dir, &want), 0);
    CHECK_EQ_INT(shard_read(dir, &s), 0);
    CHECK(s.count == 4 && s.index == 3);
    CHECK_EQ_INT(shard_claim(dir, &want), 0); /* the same again: fine */
    ShardSpec other = {4, 2}, whole = {0, 0};
    CHECK_EQ_INT(shard_claim(dir, &other), -1);
    CHECK(strstr(err_msg(), "is shard 3 of 4") != NULL);
    CHECK_EQ_INT(shard_claim(dir, &whole), -1);
    static const char *bad[] = {"", "search shard 3 of 4, fnv1a64", "search shard 4 of 4, fnv1a64\n",
                                "search shard 0 of 0, fnv1a64\n", "search shard 1 of 4, fnv1a64 \n",
                                "search shard 1 of 4, crc32\n", "search shard 1 of 99999999, fnv1a64\n",
                                "search shard 1 of 4, fnv1a64\nsearch shard 1 of 4, fnv1a64\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        put("SHARD", bad[i]);
        CHECK_EQ_INT(shard_read(dir, &s), -1);
        CHECK(strstr(err_msg(), "SHARD is damaged") != NULL);
    }
    put("SHARD", "search shard 1 of 4, fnv1a64\n");
    CHECK_EQ_INT(shard_read(dir, &s), 0);
    CHECK(s.count == 4 && s.index == 1);
    put("CURRENT", "gen-000001\n"); /* an index of a whole corpus */
    char p[128];
    snprintf(p, sizeof p, "%s/SHARD", dir);
    unlink(p);
    CHECK_EQ_INT(shard_claim(dir, &want), -1);
    CHECK(strstr(err_msg(), "holds a whole corpus") != NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

typedef struct {
    uint32_t count, index;
    uint32_t seen, wrong;
} Tally;

static int tally(void *ctx, const Article *a)
{
    Tally *t = ctx;
    t->seen++;
    t->wrong += shard_of(a->id, strlen(a->id), t->count) != t->index;
    return 0;
}

static void test_rows_split(void)
{
    TestCorpus c;
    Index *ix = tc_build(&c, 300, 50, 20);
    CHECK(ix != NULL);
    if (ix) index_close(ix);
    char path[512];
    snprintf(path, sizeof path, "%s/docs.tsv", c.dir);
    uint32_t total = 0;
    for (uint32_t i = 0; i < 3; i++) {
        ShardCorpus sc = {path, {3, i}};
        Tally t = {3, i, 0, 0};
        CorpusOptions co;
        corpus_options_default(&co);
        CorpusStats st = {0};
        CHECK_EQ_INT(shard_corpus_read(&sc, &co, tally, &t, &st), 0);
        CHECK_EQ_INT(t.wrong, 0);
        CHECK(t.seen > 50); /* 300 ids hash about evenly */
        total += t.seen;
    }
    CHECK_EQ_INT(total, 300);
    tc_free(&c);
}

TEST_MAIN("test_shard", T(test_hash_is_fnv1a64), T(test_record), T(test_rows_split))
