/*
 * test_reindex.c: incremental reindexing gives what a full rebuild gives.
 * A corpus of article files goes through rounds of random additions,
 * edits, removals and touches (a new modification time, same text); after
 * each round the updated index (several segments, deletes, merges) and a
 * --full rebuild of the same corpus must return the same passages with
 * bitwise the same scores for every query, and the pruned search on the
 * updated index must equal the exhaustive one. So must an index updated
 * with --reorder (every segment written in graph-bisection order) and a
 * rebuild with --reorder, whose articles are out of corpus order (those
 * of a rebuild without it are in order).
 */
#include <sys/stat.h>

#include "check.h"
#include "testcorpus.h"

#define VOCAB 200
#define MAXFILES 400

static char dir[256], corpus[300];
static int exists[MAXFILES];

/* A new temporary dir holding an empty corpus dir: no article exists. */
static void make_dirs(void)
{
    snprintf(dir, sizeof dir, "/tmp/search-reindex-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(corpus, sizeof corpus, "%s/corpus", dir);
    mkdir(corpus, 0755);
    memset(exists, 0, sizeof exists);
}

static void remove_dirs(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

/* Index name of dir, opened; NULL (a failed check) if it does not open. */
static Index *open_named(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    Index *ix = index_open(path);
    CHECK(ix != NULL);
    return ix;
}

static void write_article(unsigned i)
{
    char path[400];
    snprintf(path, sizeof path, "%s/a%03u.txt", corpus, i);
    FILE *f = fopen(path, "w");
    unsigned paras = 1 + tc_rand() % 4;
    for (unsigned p = 0; p < paras; p++) {
        unsigned n = 5 + tc_rand() % 40;
        for (unsigned w = 0; w < n; w++) fprintf(f, "%sw%u%s", w ? " " : "", tc_word(VOCAB), w % 9 == 8 ? "." : "");
        fputs(".\n\n", f);
    }
    fclose(f);
    exists[i] = 1;
}

static unsigned pick(int want_existing)
{
    for (;;) {
        unsigned i = tc_rand() % MAXFILES;
        if (exists[i] == want_existing) return i;
    }
}

/* One round of changes; touch gives a file a new time but the same text. */
static void change_corpus(void)
{
    unsigned adds = tc_rand() % 6, edits = tc_rand() % 5, dels = tc_rand() % 4, touches = tc_rand() % 3;
    for (unsigned k = 0; k < adds; k++) write_article(pick(0));
    for (unsigned k = 0; k < edits; k++) write_article(pick(1));
    for (unsigned k = 0; k < dels; k++) {
        unsigned i = pick(1);
        char path[400];
        snprintf(path, sizeof path, "%s/a%03u.txt", corpus, i);
        unlink(path);
        exists[i] = 0;
    }
    for (unsigned k = 0; k < touches; k++) {
        char path[400];
        snprintf(path, sizeof path, "%s/a%03u.txt", corpus, pick(1));
        struct timespec t[2] = {{0, UTIME_NOW}, {1000000 + tc_rand(), 0}};
        utimensat(AT_FDCWD, path, t, 0);
    }
}

/* k1, b: the block maxima's parameters, negative when not given. */
static int build_for(const char *name, int full, int optimize, int reorder, float k1, float b, IndexerReport *r)
{
    IndexerOptions o;
    indexer_options_default(&o);
    indexer_options_impact(&o, k1, b);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    o.passage_words = 30;
    o.full = full;
    o.optimize = optimize;
    o.reorder = reorder;
    char idx[400];
    snprintf(idx, sizeof idx, "%s/%s", dir, name);
    return indexer_build(corpus, idx, &o, r);
}

static int build(const char *name, int full, int optimize, int reorder, IndexerReport *r)
{
    return build_for(name, full, optimize, reorder, -1, -1, r);
}

typedef struct {
    char id[32];
    uint32_t ordinal;
    float score;
} Result;

static int by_passage(const void *a, const void *b)
{
    const Result *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->ordinal > y->ordinal) - (x->ordinal < y->ordinal);
}

/* Every passage the query matches, with its score, in passage order. */
static size_t all_results(Index *ix, const char *text, Result *out, size_t max, int64_t *count)
{
    TcSearch s;
    tc_search_open(&s, ix);
    TopK top;
    topk_init(&top, max, NULL);
    size_t n = 0;
    if (tc_search_parse(&s, text) == 0) {
        if (search_run(algorithm_find("exhaustive"), &s.ctx, &top) == 0) n = topk_sorted(&top);
        *count = search_count(&s.ctx);
    }
    for (size_t i = 0; i < n; i++) {
        PassageInfo p;
        ArticleInfo a;
        index_passage(ix, top.heap[i].pid, &p);
        index_article(ix, p.article, &a);
        snprintf(out[i].id, sizeof out[i].id, "%.*s", (int)a.id_len, a.id);
        out[i].ordinal = p.ordinal;
        out[i].score = top.heap[i].score;
        CHECK(!index_deleted(ix, top.heap[i].pid));
    }
    qsort(out, n, sizeof *out, by_passage);
    topk_free(&top);
    tc_search_close(&s);
    return n;
}

/* The default (pruned) search's top 10 equals the exhaustive one's. */
static void check_pruned(Index *ix, const char *text)
{
    TcSearch s;
    tc_search_open(&s, ix);
    TopK a, b;
    topk_init(&a, 10, NULL);
    topk_init(&b, 10, NULL);
    if (tc_search_parse(&s, text) == 0) {
        CHECK_EQ_INT(search_run(algorithm_default(), &s.ctx, &a), 0);
        CHECK_EQ_INT(search_run(algorithm_find("exhaustive"), &s.ctx, &b), 0);
        size_t na = topk_sorted(&a), nb = topk_sorted(&b);
        CHECK_EQ_INT(na, nb);
        for (size_t i = 0; i < na && i < nb; i++)
            CHECK(a.heap[i].pid == b.heap[i].pid && a.heap[i].score == b.heap[i].score);
    }
    topk_free(&a);
    topk_free(&b);
    tc_search_close(&s);
}

static void random_query(char *q, size_t cap)
{
    unsigned a = tc_word(VOCAB), b = tc_word(VOCAB), c = tc_word(VOCAB);
    switch (tc_rand() % 6) {
    case 0: snprintf(q, cap, "w%u", a); break;
    case 1: snprintf(q, cap, "w%u w%u w%u", a, b, c); break;
    case 2: snprintf(q, cap, "+w%u +w%u", a, b); break;
    case 3: snprintf(q, cap, "\"w%u w%u\"", a, b); break;
    case 4: snprintf(q, cap, "w%u -w%u", a, b); break;
    default: snprintf(q, cap, "w%u*", a % 20); break;
    }
}

static void compare(Index *inc, Index *full)
{
    const IndexStats *s = index_stats(inc), *t = index_stats(full);
    CHECK(s->passages == t->passages && s->articles == t->articles && s->total_length == t->total_length &&
          s->postings == t->postings);
    static Result ra[20000], rb[20000];
    for (int k = 0; k < 25; k++) {
        char q[128];
        random_query(q, sizeof q);
        int64_t ca = -2, cb = -3;
        size_t na = all_results(inc, q, ra, 20000, &ca), nb = all_results(full, q, rb, 20000, &cb);
        CHECK_EQ_INT(na, nb);
        CHECK(ca == cb && ca == (int64_t)na);
        int same = na == nb;
        for (size_t i = 0; same && i < na; i++)
            same = !strcmp(ra[i].id, rb[i].id) && ra[i].ordinal == rb[i].ordinal && ra[i].score == rb[i].score;
        if (!same) fprintf(stderr, "  query '%s': the updated index differs from the rebuild\n", q);
        CHECK(same);
        check_pruned(inc, q);
    }
}

/* Whether some article of the index comes before one whose id sorts
 * lower (the corpus reader takes the files in id order). */
static int out_of_corpus_order(const Index *ix)
{
    char prev[64] = "";
    int out = 0;
    for (uint32_t a = 0; a < index_article_limit(ix); a++) {
        ArticleInfo ai;
        if (index_article(ix, a, &ai) != 0) continue;
        char id[64];
        snprintf(id, sizeof id, "%.*s", (int)ai.id_len, ai.id);
        out |= strcmp(id, prev) < 0;
        snprintf(prev, sizeof prev, "%s", id);
    }
    return out;
}

/* Opens index name, checks it and compares it with full; counts its
 * segments with deletes, and, given reordered, whether it is out of
 * corpus order. */
static void open_and_compare(const char *name, Index *full, size_t *deletes_seen, int *reordered)
{
    Index *ix = open_named(name);
    if (!ix) return;
    for (size_t i = 0; i < index_nsegments(ix); i++) *deletes_seen += index_deletes(ix, i) != NULL;
    IndexCheck ck;
    CHECK_EQ_INT(index_check(ix, &ck), 0);
    buf_free(&ck.report);
    compare(ix, full);
    if (reordered) *reordered += out_of_corpus_order(ix);
    index_close(ix);
}

static void test_incremental_equals_full(void)
{
    make_dirs();
    for (unsigned i = 0; i < 120; i++) write_article(pick(0));
    IndexerReport r;
    CHECK_EQ_INT(build("inc", 0, 0, 0, &r), 0);
    CHECK_EQ_INT(build("bp", 0, 0, 1, &r), 0);
    size_t most_segments = 0, merged = 0, unread = 0, deletes_seen = 0;
    int full_reordered = 0, fullbp_reordered = 0;
    for (int round = 0; round < 14; round++) {
        change_corpus();
        CHECK_EQ_INT(build("inc", 0, round == 9, 0, &r), 0);
        CHECK(r.incremental);
        if (round == 9) CHECK_EQ_INT(r.segments, 1);
        most_segments = r.segments > most_segments ? r.segments : most_segments;
        merged += r.merged;
        unread += r.unread;
        CHECK_EQ_INT(build("bp", 0, round == 9, 1, &r), 0);
        CHECK(r.incremental);
        CHECK_EQ_INT(build("full", 1, 0, 0, &r), 0);
        CHECK(!r.incremental);
        CHECK_EQ_INT(build("fullbp", 1, 0, 1, &r), 0);
        CHECK_EQ_INT(r.segments, 1);
        Index *full = open_named("full");
        if (!full) break;
        /* updates append new articles: out of corpus order either way */
        open_and_compare("inc", full, &deletes_seen, NULL);
        open_and_compare("bp", full, &deletes_seen, NULL);
        open_and_compare("fullbp", full, &deletes_seen, &fullbp_reordered);
        full_reordered += out_of_corpus_order(full);
        index_close(full);
    }
    /* the paths this test is for were taken */
    CHECK(most_segments >= 3);
    CHECK(merged > 0);
    CHECK(unread > 0);
    CHECK(deletes_seen > 0);
    CHECK_EQ_INT(full_reordered, 0);
    CHECK_EQ_INT(fullbp_reordered, 14);
    /* nothing changed: nothing written, once the files the last round
     * wrote just before its build have been read again (corpus.h:
     * file_stamp) */
    CHECK_EQ_INT(build("inc", 0, 0, 0, &r), 0);
    CHECK_EQ_INT(build("inc", 0, 0, 0, &r), 0);
    CHECK(r.up_to_date);
    remove_dirs();
}

/* The k1 and b of an index's stored maxima (its queries' default).
 * Returns 0 if it does not open. */
static int impact_of(const char *name, float *k1, float *b)
{
    Index *ix = open_named(name);
    if (!ix) return 0;
    *k1 = index_stats(ix)->impact_k1;
    *b = index_stats(ix)->impact_b;
    index_close(ix);
    return 1;
}

/* Index name checked and compared with the full rebuild "full"
 * (open_and_compare); 0 if "full" does not open. */
static int compare_with_full(const char *name, size_t *deletes_seen)
{
    Index *full = open_named("full");
    if (!full) return 0;
    open_and_compare(name, full, deletes_seen, NULL);
    index_close(full);
    return 1;
}

/* An index built for b 0.5 keeps it through updates that name no
 * parameters (their segments and merges are computed for it), equal to a
 * full rebuild for 0.5 and sound by check (compare, open_and_compare: the
 * searches run at the index's own parameters, pruned with its maxima);
 * an update naming other parameters rebuilds it whole for them, never a
 * mix of segments. */
static void test_parameters_kept_by_updates(void)
{
    make_dirs();
    for (unsigned i = 0; i < 120; i++) write_article(pick(0));
    IndexerReport r;
    float k1 = 0, b = 0;
    CHECK_EQ_INT(build_for("p", 0, 0, 0, -1, 0.5f, &r), 0);
    CHECK(impact_of("p", &k1, &b) && k1 == IMPACT_K1 && b == 0.5f);
    size_t most_segments = 0, merged = 0, deletes_seen = 0;
    for (int round = 0; round < 6; round++) {
        change_corpus();
        CHECK_EQ_INT(build("p", 0, round == 4, 0, &r), 0);
        CHECK(r.incremental);
        most_segments = r.segments > most_segments ? r.segments : most_segments;
        merged += r.merged;
        CHECK_EQ_INT(build_for("full", 1, 0, 0, IMPACT_K1, 0.5f, &r), 0);
        if (!compare_with_full("p", &deletes_seen)) break;
        CHECK(impact_of("p", &k1, &b) && k1 == IMPACT_K1 && b == 0.5f);
    }
    CHECK(most_segments >= 2);
    CHECK(merged > 0);
    /* the same parameters named again: still an update */
    change_corpus();
    CHECK_EQ_INT(build_for("p", 0, 0, 0, IMPACT_K1, 0.5f, &r), 0);
    CHECK(r.incremental);
    /* others: the whole index rebuilt for them */
    change_corpus();
    CHECK_EQ_INT(build_for("p", 0, 0, 0, 0.9f, -1, &r), 0);
    CHECK(!r.incremental && r.why_full && strstr(r.why_full, "--k1, --b"));
    CHECK_EQ_INT(r.segments, 1);
    CHECK(impact_of("p", &k1, &b) && k1 == 0.9f && b == 0.5f); /* b not named: kept */
    CHECK_EQ_INT(build_for("full", 1, 0, 0, 0.9f, 0.5f, &r), 0);
    compare_with_full("p", &deletes_seen);
    /* --full without parameters: the defaults */
    CHECK_EQ_INT(build("p", 1, 0, 0, &r), 0);
    CHECK(impact_of("p", &k1, &b) && k1 == IMPACT_K1 && b == IMPACT_B);
    remove_dirs();
}

/* A term's stored floors count every passage a segment was written with:
 * once its best passages are deleted, its floor for the 10 best lies
 * above every live passage's score, and pruning from it would return
 * nothing. A segment with deletes must not use them. */
static void test_floors_ignored_after_deletes(void)
{
    make_dirs();
    /* 20 passages full of the word, then 280 with it once, all of one
     * length, so the mean length stays that of the segment's floors */
    for (unsigned i = 0; i < 300; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/a%03u.txt", corpus, i);
        FILE *f = fopen(path, "w");
        fputs(i < 20 ? "hot hot hot hot hot.\n" : "hot wa wb wc wd.\n", f);
        fclose(f);
    }
    IndexerReport r;
    CHECK_EQ_INT(build("del", 0, 0, 0, &r), 0);
    for (unsigned i = 0; i < 20; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/a%03u.txt", corpus, i);
        unlink(path);
    }
    CHECK_EQ_INT(build("del", 0, 0, 0, &r), 0);
    Index *ix = open_named("del");
    if (ix) {
        CHECK(index_nsegments(ix) == 1 && index_deletes(ix, 0) != NULL);
        check_pruned(ix, "hot");
        index_close(ix);
    }
    remove_dirs();
}

int main(void)
{
    tc_seed = 2024;
    static const TestCase cases[] = {T(test_incremental_equals_full), T(test_parameters_kept_by_updates),
                                     T(test_floors_ignored_after_deletes)};
    return run_tests("reindex", cases, sizeof cases / sizeof cases[0]);
}
