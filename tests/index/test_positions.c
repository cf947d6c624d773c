/* test_positions.c: token positions (positions.c) written by the real
 * indexer and read back through PositionCursor, against the positions
 * computed here from the raw random corpora; blocks of large tfs; and
 * damaged positions.bin files. */
#include "check.h"
#include "testcorpus.h"

#include <sys/stat.h>
#include <unistd.h>

static void term_name(uint32_t w, char *out, size_t *len) { *len = (size_t)sprintf(out, "w%u", w); }

/* Every posting of word w: the positions equal those of w in the document
 * (one passage per document, one token per word, so word i is at i). */
static void check_term(const TestCorpus *c, const Index *ix, PositionCursor *p, uint32_t w)
{
    char t[32];
    size_t len;
    TermInfo ti;
    term_name(w, t, &len);
    if (!segment_lookup(index_segment(ix, 0), t, len, &ti)) return;
    PostingCursor cur;
    cursor_open(&cur, index_segment(ix, 0), &ti);
    positions_open(p, index_segment(ix, 0), &ti);
    for (; cur.pid != PID_END; cursor_next(&cur)) {
        uint32_t n, k = 0;
        const uint32_t *pos = positions_of(p, &cur, &n);
        CHECK(pos != NULL);
        if (!pos) return;
        CHECK_EQ_INT(n, cursor_tf(&cur));
        const uint32_t *words = c->words[cur.pid];
        for (uint32_t i = 0; i < c->len[cur.pid]; i++)
            if (words[i] == w) {
                if (k < n) CHECK_EQ_INT(pos[k], i);
                k++;
            }
        CHECK_EQ_INT(k, n);
    }
    CHECK(!cur.corrupt);
}

static void check_all_terms(const TestCorpus *c, const Index *ix)
{
    PositionCursor p;
    positions_init(&p);
    for (uint32_t w = 0; w < c->vocab; w++) check_term(c, ix, &p, w); /* one cursor, reused */
    positions_free(&p);
}

static void test_random_corpus(void)
{
    TestCorpus c;
    Index *ix = tc_build(&c, 3000, 400, 60);
    CHECK(ix != NULL);
    if (!ix) return;
    check_all_terms(&c, ix);
    uint64_t total = 0;
    for (uint32_t d = 0; d < c.ndocs; d++) total += c.len[d];
    CHECK_EQ_INT(index_stats(ix)->positions, total); /* every token is a position */
    index_close(ix);
    tc_free(&c);
}

/* A few words in long documents: hundreds of postings (several blocks)
 * with tfs in the hundreds, so a block's positions span many runs of 128. */
static void test_large_tfs_across_blocks(void)
{
    TestCorpus c;
    Index *ix = tc_build(&c, 300, 3, 900);
    CHECK(ix != NULL);
    if (!ix) return;
    TermInfo ti;
    CHECK(segment_lookup(index_segment(ix, 0), "w0", 2, &ti));
    CHECK(ti.nblocks == 3);
    CHECK(ti.max_tf > 200);
    check_all_terms(&c, ix);
    index_close(ix);
    tc_free(&c);
}

/* Jumping to a later block (cursor_advance) reads its positions straight
 * from the block table; going back to an earlier term reopens cleanly. */
static void test_skip_to_block(void)
{
    TestCorpus c;
    Index *ix = tc_build(&c, 300, 3, 900);
    CHECK(ix != NULL);
    if (!ix) return;
    PositionCursor p;
    positions_init(&p);
    for (uint32_t target = 0; target < c.ndocs; target += 37) {
        TermInfo ti;
        CHECK(segment_lookup(index_segment(ix, 0), "w1", 2, &ti));
        PostingCursor cur;
        cursor_open(&cur, index_segment(ix, 0), &ti);
        positions_open(&p, index_segment(ix, 0), &ti);
        if (cursor_advance(&cur, target) == PID_END) continue;
        uint32_t n, k = 0;
        const uint32_t *pos = positions_of(&p, &cur, &n);
        CHECK(pos != NULL && n == cursor_tf(&cur));
        for (uint32_t i = 0; pos && i < c.len[cur.pid]; i++)
            if (c.words[cur.pid][i] == 1 && k < n) CHECK_EQ_INT(pos[k++], i);
    }
    positions_free(&p);
    index_close(ix);
    tc_free(&c);
}

/* ---- damaged files ---- */

typedef struct {
    long off;
    uint8_t x;
} Flip;

static void flip(uint8_t *data, size_t len, void *ctx)
{
    const Flip *f = ctx;
    if (f->off < (long)len) data[f->off] ^= f->x;
}

/* XORs the byte at off with x; when fix_crc, rewrites both CRC32s so that
 * only the structural checks (or the decoder) can notice. */
static int damage(const char *path, long off, uint8_t x, int fix_crc)
{
    Flip f = {off, x};
    return tc_edit_file(path, flip, &f, fix_crc);
}

static int open_fails_corrupt(const char *idx, const char *file)
{
    Index *ix = index_open(idx);
    if (ix) {
        index_close(ix);
        return 0;
    }
    return strstr(err_msg(), "is corrupt") != NULL && strstr(err_msg(), file) != NULL;
}

/* The damage is found naming file: by index_open (a header, a count), or
 * when the index opens (an open reads no payload of positions.bin) by
 * segment_verify, which search check and merges run. */
static int damage_found(const char *idx, const char *file)
{
    Index *ix = index_open(idx);
    if (!ix) return strstr(err_msg(), "is corrupt") != NULL && strstr(err_msg(), file) != NULL;
    int found = segment_verify(index_segment(ix, 0)) != 0 && strstr(err_msg(), "is corrupt") != NULL &&
                strstr(err_msg(), file) != NULL;
    index_close(ix);
    return found;
}

/* A byte flipped anywhere in positions.bin is found: its header or term
 * count by index_open, anything by segment_verify (its CRC32). */
static void test_flipped_byte(void)
{
    TestCorpus c;
    Index *ix = tc_build(&c, 400, 50, 60);
    CHECK(ix != NULL);
    if (!ix) return;
    index_close(ix);
    char idx[512];
    snprintf(idx, sizeof idx, "%s/idx", c.dir);
    char *path = tc_gen_file(&c, "positions.bin");
    CHECK(path != NULL);
    struct stat st;
    CHECK(path && stat(path, &st) == 0);
    long offs[] = {0, 9, 20, 30, 40, 100, (long)st.st_size / 2, (long)st.st_size - 1};
    for (size_t i = 0; path && i < sizeof offs / sizeof offs[0]; i++) {
        CHECK_EQ_INT(damage(path, offs[i], 0x10, 0), 0);
        if (offs[i] < 40) CHECK(open_fails_corrupt(idx, "positions.bin")); /* header, term count */
        CHECK(damage_found(idx, "positions.bin"));
        CHECK_EQ_INT(damage(path, offs[i], 0x10, 0), 0); /* restore */
        ix = index_open(idx);
        CHECK(ix != NULL);
        index_close(ix);
    }
    free(path);
    tc_free(&c);
}

/* With valid checksums, a wrong term count is caught at open; a wrong
 * block table by positions_of when a query reads it (and by segment_verify);
 * damaged packed data by positions_of, which returns NULL or a count equal
 * to the tf, never crashes. */
static void test_structure_checked(void)
{
    TestCorpus c;
    Index *ix = tc_build(&c, 600, 20, 60);
    CHECK(ix != NULL);
    if (!ix) return;
    TermInfo ti;
    CHECK(segment_lookup(index_segment(ix, 0), "w0", 2, &ti) && ti.nblocks > 1);
    long table = 32 + (long)ti.positions_off; /* w0's block table */
    long data = table + 4 * (long)ti.nblocks;
    index_close(ix);
    char idx[512];
    snprintf(idx, sizeof idx, "%s/idx", c.dir);
    char *path = tc_gen_file(&c, "positions.bin");
    CHECK(path && damage(path, 32, 1, 1) == 0); /* term count */
    CHECK(open_fails_corrupt(idx, "positions.bin"));
    CHECK(path && damage(path, 32, 1, 1) == 0);
    CHECK(path && damage(path, table + 1, 0x40, 1) == 0); /* a block end */
    ix = index_open(idx);
    CHECK(ix != NULL);
    if (ix && segment_lookup(index_segment(ix, 0), "w0", 2, &ti) == 1) {
        PositionCursor p;
        positions_init(&p);
        PostingCursor cur;
        cursor_open(&cur, index_segment(ix, 0), &ti);
        positions_open(&p, index_segment(ix, 0), &ti);
        uint32_t n;
        CHECK(positions_of(&p, &cur, &n) == NULL && strstr(err_msg(), "corrupt") != NULL);
        positions_free(&p);
    }
    index_close(ix);
    CHECK(damage_found(idx, "positions.bin"));
    CHECK(path && damage(path, table + 1, 0x40, 1) == 0);
    for (long off = data; path && off < data + 64; off += 3) {
        CHECK(damage(path, off, 0xff, 1) == 0);
        ix = index_open(idx);
        CHECK(ix != NULL);
        if (ix && segment_lookup(index_segment(ix, 0), "w0", 2, &ti)) {
            PositionCursor p;
            positions_init(&p);
            PostingCursor cur;
            cursor_open(&cur, index_segment(ix, 0), &ti);
            positions_open(&p, index_segment(ix, 0), &ti);
            for (; cur.pid != PID_END; cursor_next(&cur)) {
                uint32_t n;
                const uint32_t *pos = positions_of(&p, &cur, &n);
                if (!pos) {
                    CHECK(strstr(err_msg(), "corrupt") != NULL);
                    break;
                }
                CHECK_EQ_INT(n, cursor_tf(&cur));
            }
            positions_free(&p);
        }
        index_close(ix);
        CHECK(damage(path, off, 0xff, 1) == 0);
    }
    free(path);
    tc_free(&c);
}

TEST_MAIN("positions", T(test_random_corpus), T(test_large_tfs_across_blocks), T(test_skip_to_block),
          T(test_flipped_byte), T(test_structure_checked))
