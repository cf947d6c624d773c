/* test_check.c: index_check passes a sound index and counts what the
 * index says it holds; it finds damage that checksums cannot (the bytes
 * changed and the CRCs rewritten to match): a block bound below a posting
 * it covers, a store block that no longer decompresses, a passage's short
 * length that is not its length; a segment's
 * writer, reopening it, skips the CRCs and nothing else; and random damage
 * never crashes it (open refuses, or check runs to the end). */
#include "check.h"
#include "testcorpus.h"


static TestCorpus corpus;
static char *gen_dir;

typedef struct {
    void (*fn)(uint8_t *payload, size_t len, void *ctx);
    void *ctx;
} PayloadEdit;

/* A file's editor that edits only its payload (after the 32-byte header). */
static void on_payload(uint8_t *data, size_t len, void *ctx)
{
    const PayloadEdit *e = ctx;
    if (len >= 32) e->fn(data + 32, len - 32, e->ctx);
}

/* Applies fn to the payload of one of the generation's files, then
 * rewrites both CRC32s so that only the deep check can notice. */
static int rewrite(const char *name, void (*fn)(uint8_t *payload, size_t len, void *ctx), void *ctx)
{
    PayloadEdit on = {fn, ctx};
    char *path = tc_gen_file(&corpus, name);
    int rc = path ? tc_edit_file(path, on_payload, &on, 1) : -1;
    free(path);
    return rc;
}

/* Each test starts from the sound index: its generation, copied at start. */
static void restore(void)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s.sound' '%s'", gen_dir, gen_dir, gen_dir);
    CHECK_EQ_INT(system(cmd), 0);
}

static int check_index(IndexCheck *r)
{
    char idx[512];
    snprintf(idx, sizeof idx, "%s/idx", corpus.dir);
    Index *ix = index_open(idx);
    if (!ix) return -2;
    int rc = index_check(ix, r);
    index_close(ix);
    return rc;
}

/* The index opens and check fails, its report naming expect (shown when
 * it does not). */
static void check_reports(const char *expect)
{
    IndexCheck r = {0};
    CHECK_EQ_INT(check_index(&r), -1);
    int named = r.report.len && strstr((const char *)r.report.data, expect);
    CHECK(named);
    if (!named && r.report.len) fprintf(stderr, "  report: %.*s\n", (int)r.report.len, (const char *)r.report.data);
    buf_free(&r.report);
}

/* A reindex may publish and remove the checked commit's segment while a
 * check runs: the files are unlinked, their inodes live on in the
 * check's mappings, and the check still passes (it read the files by
 * path, and failed "cannot open"). */
static void test_segment_removed_while_checked(void)
{
    char idx[512], cmd[2048];
    snprintf(idx, sizeof idx, "%s/idx", corpus.dir);
    Index *ix = index_open(idx);
    CHECK(ix != NULL);
    if (!ix) return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", gen_dir);
    CHECK_EQ_INT(system(cmd), 0);
    IndexCheck r;
    CHECK_EQ_INT(index_check(ix, &r), 0);
    if (r.problems) fprintf(stderr, "  %.*s", (int)r.report.len, (const char *)r.report.data);
    buf_free(&r.report);
    index_close(ix);
    restore();
}

static void test_sound_index(void)
{
    IndexCheck r;
    CHECK_EQ_INT(check_index(&r), 0);
    CHECK_EQ_INT(r.problems, 0);
    uint64_t postings = 0, positions = 0;
    for (uint32_t d = 0; d < corpus.ndocs; d++) {
        positions += corpus.len[d];
        for (uint32_t i = 0; i < corpus.len[d]; i++) { /* first occurrence of each word: one posting */
            uint32_t j = 0;
            while (corpus.words[d][j] != corpus.words[d][i]) j++;
            postings += j == i;
        }
    }
    CHECK_EQ_INT(r.postings, postings);
    CHECK_EQ_INT(r.positions, positions);
    CHECK_EQ_INT(r.passages, corpus.ndocs);
    buf_free(&r.report);
}

/* The block directory's max tf-part of the first multi-block term, zeroed. */
static void zero_block_bound(uint8_t *payload, size_t len, void *ctx)
{
    (void)len;
    const TermInfo *t = ctx;
    memset(payload + t->postings_off + TERM_FLOORS * 4 + 8, 0, 4); /* after the term's floors */
}

/* Edits the first multi-block term's postings with edit, then checks that
 * search check reports the damage with a line containing expect. */
static void damage_first_long_term(void (*edit)(uint8_t *payload, size_t len, void *ctx), const char *expect)
{
    char idx[512];
    snprintf(idx, sizeof idx, "%s/idx", corpus.dir);
    Index *ix = index_open(idx);
    CHECK(ix != NULL);
    if (!ix) return;
    restore();
    TermInfo t = {0};
    for (uint64_t i = 0; i < index_stats(ix)->terms && t.nblocks < 2; i++) {
        const char *s;
        size_t l;
        segment_term_at(index_segment(ix, 0), i, &s, &l, &t);
    }
    index_close(ix);
    CHECK(t.nblocks >= 2);
    CHECK_EQ_INT(rewrite("postings.bin", edit, &t), 0);
    check_reports(expect);
}

static void test_block_bound_below_a_posting(void)
{
    damage_first_long_term(zero_block_bound, "above its block's stored bounds");
}

/* The first multi-block term's floor for its 10 best, raised to 1: a
 * query would then prune passages of its true top 10. */
static void raise_floor(uint8_t *payload, size_t len, void *ctx)
{
    (void)len;
    const TermInfo *t = ctx;
    float one = 1.0f;
    memcpy(payload + t->postings_off, &one, 4);
}

static void test_floor_above_its_rank(void)
{
    damage_first_long_term(raise_floor, "stored floor of its 10 best");
}

/* A byte in the middle of the store's compressed data, flipped. */
static void flip_store_byte(uint8_t *payload, size_t len, void *ctx)
{
    (void)ctx;
    payload[len - len / 3] ^= 0x5a;
}

/* The last byte of the store's directory (a block's reserved word is
 * last, so the previous field: the high byte of the compressed length). */
static void flip_last_byte(uint8_t *payload, size_t len, void *ctx)
{
    (void)ctx;
    payload[len - 5] ^= 0x80;
}

/* Passage 3's short length one more than its length (both little-endian
 * at the end of passages.bin: N records, N u32 lengths, N u16 shorts). */
static void bump_short_length(uint8_t *payload, size_t len, void *ctx)
{
    (void)len;
    uint64_t n = rd_u64(payload);
    uint8_t *shorts = payload + COUNT_BYTES + n * (PASSAGE_RECORD_BYTES + PASSAGE_LENGTH_BYTES);
    *(uint32_t *)ctx = rd_u32(payload + COUNT_BYTES + n * PASSAGE_RECORD_BYTES + 3 * PASSAGE_LENGTH_BYTES);
    wr_u16(shorts + 3 * PASSAGE_SHORT_BYTES, (uint16_t)(rd_u16(shorts + 3 * PASSAGE_SHORT_BYTES) + 1));
}

/* The scoring loops read a passage's length from its short length: one
 * that disagrees with the length would change scores unseen, and check
 * names it. */
static void test_short_length_disagrees(void)
{
    restore();
    uint32_t len = 0;
    CHECK_EQ_INT(rewrite("passages.bin", bump_short_length, &len), 0);
    CHECK(len > 0 && len < SHORT_LENGTH_CAP);
    char want[64];
    snprintf(want, sizeof want, "passage 3: short length %u, length %u", len + 1, len);
    check_reports(want);
}

static void test_store_damage(void)
{
    restore();
    CHECK_EQ_INT(rewrite("store.bin", flip_store_byte, NULL), 0);
    check_reports("does not decompress"); /* the directory is intact: it opens, and check finds the block */
}

/* The same flip with the CRC32s left as they were: segment_open, which
 * reads no payload of store.bin, opens it, and segment_verify (search
 * check, merges) refuses it by its checksum; segment_open_written, which
 * takes the CRC32s its writer computed, opens it (its structure is sound).
 * A flip in the directory at the end: segment_open_written refuses it,
 * segment_open leaves it to the read of the last block, which refuses it. */
static void test_written_segment_skips_only_the_crc(void)
{
    restore();
    char *path = tc_gen_file(&corpus, "store.bin");
    PayloadEdit on = {flip_store_byte, NULL};
    CHECK(path && tc_edit_file(path, on_payload, &on, 0) == 0);
    char *seg = path ? strdup(path) : NULL;
    if (seg) *strrchr(seg, '/') = 0;
    Segment *sg = seg ? segment_open(seg) : NULL;
    CHECK(sg != NULL);
    CHECK(sg && segment_verify(sg) != 0 && strstr(err_msg(), "store.bin") && strstr(err_msg(), "checksum mismatch"));
    segment_close(sg);
    sg = seg ? segment_open_written(seg) : NULL;
    CHECK(sg != NULL);
    segment_close(sg);
    restore();
    on.fn = flip_last_byte;
    CHECK(path && tc_edit_file(path, on_payload, &on, 1) == 0);
    sg = seg ? segment_open_written(seg) : NULL;
    CHECK(sg == NULL && strstr(err_msg(), "bad block directory") != NULL);
    segment_close(sg);
    sg = seg ? segment_open(seg) : NULL;
    CHECK(sg != NULL);
    Buf text = {0};
    uint32_t last = (uint32_t)(corpus.ndocs - 1);
    CHECK(sg && segment_passage_text(sg, last, &text) != 0 && strstr(err_msg(), "store.bin") != NULL);
    CHECK(sg && segment_verify(sg) != 0 && strstr(err_msg(), "bad block directory") != NULL);
    buf_free(&text);
    segment_close(sg);
    free(seg);
    free(path);
}

/* meta.bin's language name set to ctx (shorter than its 32 bytes). */
static void set_language(uint8_t *payload, size_t len, void *ctx)
{
    if (len < META_BYTES) return;
    MetaRecord m;
    meta_get(payload, &m);
    memset(m.language, 0, sizeof m.language);
    memcpy(m.language, ctx, strlen(ctx));
    meta_put(payload, &m);
}

/* A language the stemmer does not know is damage found at open (queries
 * could not be analysed as the index was), "none" or a libstemmer alias
 * opens. */
static void test_unknown_language(void)
{
    static const struct { const char *name; int opens; } cases[] = {
        {"klingon", 0}, {"", 0}, {"none", 1}, {"porter", 1}, {"english", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        restore();
        CHECK_EQ_INT(rewrite("meta.bin", set_language, (void *)cases[i].name), 0);
        IndexCheck r;
        int rc = check_index(&r);
        if (cases[i].opens) {
            CHECK_EQ_INT(rc, 0);
        } else {
            CHECK_EQ_INT(rc, -2);
            CHECK(strstr(err_msg(), "meta.bin") && strstr(err_msg(), "bad language name"));
        }
    }
    restore();
}

/* meta.bin's k1 and b set to ctx's two floats. */
static void set_impact(uint8_t *payload, size_t len, void *ctx)
{
    if (len < META_BYTES) return;
    const float *kb = ctx;
    MetaRecord m;
    meta_get(payload, &m);
    m.k1 = kb[0];
    m.b = kb[1];
    meta_put(payload, &m);
}

/* Queries score with meta.bin's k1 and b when they name none: a NaN, an
 * infinite or negative k1, one past IMPACT_K1_MAX, or a b outside 0..1
 * is damage found at open; a k1 of 0 and a b of 0 or 1 are parameters. */
static void test_bad_impact_parameters(void)
{
    static const struct { float k1, b; int opens; } cases[] = {
        {NAN, 0.75f, 0}, {1.2f, NAN, 0}, {-1.0f, 0.75f, 0}, {1.2f, -0.1f, 0}, {1.2f, 1.5f, 0},
        {INFINITY, 0.75f, 0}, {1000.0f, 0.75f, 0}, {0.0f, 0.0f, 1}, {1.2f, 1.0f, 1}, {1.2f, 0.75f, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        restore();
        float kb[2] = {cases[i].k1, cases[i].b};
        CHECK_EQ_INT(rewrite("meta.bin", set_impact, kb), 0);
        char idx[512];
        snprintf(idx, sizeof idx, "%s/idx", corpus.dir);
        Index *ix = index_open(idx);
        CHECK_EQ_INT(ix != NULL, cases[i].opens);
        if (!ix) CHECK(strstr(err_msg(), "meta.bin") && strstr(err_msg(), "bad impact parameters"));
        else index_close(ix);
    }
    restore();
}

/* check bounds each posting by the maxima at meta.bin's own k1 and b: an
 * index whose meta names b 0.3 but whose maxima were computed for 0.6
 * under-bounds its long passages (at a smaller b they score more), which
 * check reports; the right b passes (test_sound_index). */
static void test_maxima_checked_at_stored_parameters(void)
{
    restore();
    float kb[2] = {1.2f, 0.3f};
    CHECK_EQ_INT(rewrite("meta.bin", set_impact, kb), 0);
    check_reports("above its block's stored bounds"); /* -1: problems were counted */
    restore();
}

static void flip_random(uint8_t *payload, size_t len, void *ctx)
{
    (void)ctx;
    for (int i = 0; i < 4; i++) payload[tc_rand() % len] ^= (uint8_t)(1u << (tc_rand() % 8));
}

/* Random bit flips (checksums rewritten): open refuses (a count at the
 * head of a payload), check reports, or (a flipped position gap can still
 * decode to valid positions) the index reads as sound; never a crash. An
 * open reads no more than the heads of these files, so most damage is
 * left to check: the rounds must reach it, or the damage did not land. */
static void test_random_damage_never_crashes(void)
{
    static const char *files[] = {"postings.bin", "positions.bin", "lexicon.bin", "passages.bin", "articles.bin"};
    int refused = 0, reported = 0;
    for (int round = 0; round < 10; round++) {
        restore();
        CHECK_EQ_INT(rewrite(files[round % 5], flip_random, NULL), 0);
        IndexCheck r;
        int rc = check_index(&r);
        CHECK(rc == 0 || rc == -1 || rc == -2);
        refused += rc == -2;
        reported += rc == -1;
        if (rc != -2) buf_free(&r.report);
    }
    CHECK(reported > 0);
}

int main(void)
{
    tc_seed = 31337;
    Index *ix = tc_build_or_report(&corpus, "check", 2000, 60, 40);
    if (!ix) return 1;
    index_close(ix);
    char idx[512];
    snprintf(idx, sizeof idx, "%s/idx", corpus.dir);
    gen_dir = tc_segment_dir(idx);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp -a '%s' '%s.sound'", gen_dir, gen_dir);
    if (!gen_dir || system(cmd) != 0) return 1;
    static const TestCase cases[] = {T(test_sound_index),
                                     T(test_block_bound_below_a_posting),
                                     T(test_floor_above_its_rank),
                                     T(test_store_damage),
                                     T(test_short_length_disagrees),
                                     T(test_written_segment_skips_only_the_crc),
                                     T(test_unknown_language),
                                     T(test_bad_impact_parameters),
                                     T(test_maxima_checked_at_stored_parameters),
                                     T(test_random_damage_never_crashes),
                                     T(test_segment_removed_while_checked)};
    int rc = run_tests("check", cases, sizeof cases / sizeof cases[0]);
    free(gen_dir);
    tc_free(&corpus);
    return rc;
}
