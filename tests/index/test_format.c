/* test_format.c: every record of format.h round-trips through its put and
 * get, fills exactly its size, and puts each field at the offset FORMAT.md
 * gives it (read back here with util.h's rd_*, not with format.h). */
#include "check.h"
#include "index/format.h"

#include <stdlib.h>

#define GUARD 8

/* A buffer of n bytes with a guard of 0xAA bytes after it. */
static uint8_t *fresh(size_t n)
{
    uint8_t *p = malloc(n + GUARD);
    memset(p, 0xAA, n + GUARD);
    return p;
}

/* The put wrote no byte past n. */
static int guard_intact(const uint8_t *p, size_t n)
{
    for (size_t i = n; i < n + GUARD; i++)
        if (p[i] != 0xAA) return 0;
    return 1;
}

static void test_frame(void)
{
    uint8_t *p = fresh(FRAME_BYTES);
    frame_put(p, "LEXI", 0x0102030405060708ull, 0xdeadbeef);
    CHECK(guard_intact(p, FRAME_BYTES));
    CHECK(memcmp(p, "PSGINDEX", 8) == 0);
    CHECK(memcmp(p + 8, "LEXI", 4) == 0);
    CHECK_EQ_INT(rd_u32(p + 12), 8);
    CHECK(rd_u64(p + 16) == 0x0102030405060708ull);
    CHECK_EQ_INT(rd_u32(p + 24), 0xdeadbeef);
    CHECK_EQ_INT(rd_u32(p + 28), crc32_of(p, 28));
    FrameHeader h;
    frame_get(p, &h);
    CHECK(memcmp(h.magic, FRAME_MAGIC, 8) == 0 && memcmp(h.kind, "LEXI", 4) == 0);
    CHECK_EQ_INT(h.version, FRAME_VERSION);
    CHECK(h.len == 0x0102030405060708ull);
    CHECK_EQ_INT(h.crc, 0xdeadbeef);
    CHECK_EQ_INT(h.header_crc, crc32_of(p, FRAME_CHECKED_BYTES));
    free(p);
}

static void test_count(void)
{
    uint8_t *p = fresh(COUNT_BYTES);
    count_put(p, 0x1122334455667788ull);
    CHECK(guard_intact(p, COUNT_BYTES));
    CHECK(rd_u64(p) == 0x1122334455667788ull && count_get(p) == 0x1122334455667788ull);
    free(p);
}

static void test_meta(void)
{
    MetaRecord m = {.passages = 11, .articles = 12, .terms = 13, .postings = 14, .total_length = 15,
                    .passage_words = 16, .stopwords = 1, .block_size = BLOCK_SIZE, .letters_only = 1,
                    .k1 = 1.2f, .b = 0.75f};
    snprintf(m.language, sizeof m.language, "english");
    CHECK_EQ_INT(META_BYTES, 96);
    uint8_t *p = fresh(META_BYTES);
    meta_put(p, &m);
    CHECK(guard_intact(p, META_BYTES));
    CHECK_EQ_INT(rd_u64(p), 11);
    CHECK_EQ_INT(rd_u64(p + 24), 14);
    CHECK_EQ_INT(rd_u64(p + 32), 15);
    CHECK_EQ_INT(rd_u32(p + 40), 16);
    CHECK_EQ_INT(rd_u32(p + 48), 128);
    CHECK_EQ_INT(rd_u32(p + 52), 1);
    CHECK(rd_f32(p + 56) == 1.2f && rd_f32(p + 60) == 0.75f);
    CHECK(memcmp(p + 64, "english\0\0", 9) == 0 && p[95] == 0);
    MetaRecord g;
    meta_get(p, &g);
    CHECK(memcmp(&g, &m, sizeof m) == 0);
    free(p);
}

static void test_lex_entry(void)
{
    LexEntry e = {.postings_off = 0x100000001ull, .postings_len = 2, .df = 3, .max_tf = 4, .key_off = 5,
                  .key_len = 6, .max_tf_part = 0.5f, .positions_off = 0x700000007ull};
    CHECK_EQ_INT(LEX_ENTRY_BYTES, 40);
    uint8_t *p = fresh(LEX_ENTRY_BYTES);
    lex_entry_put(p, &e);
    CHECK(guard_intact(p, LEX_ENTRY_BYTES));
    CHECK(rd_u64(p) == 0x100000001ull);
    CHECK_EQ_INT(rd_u32(p + 8), 2);
    CHECK_EQ_INT(rd_u32(p + 12), 3);
    CHECK_EQ_INT(rd_u32(p + 16), 4);
    CHECK_EQ_INT(rd_u32(p + 20), 5);
    CHECK_EQ_INT(rd_u32(p + 24), 6);
    CHECK(rd_f32(p + 28) == 0.5f);
    CHECK(rd_u64(p + 32) == 0x700000007ull);
    LexEntry g;
    lex_entry_get(p, &g);
    CHECK(memcmp(&g, &e, sizeof e) == 0);
    free(p);
}

static void test_floors(void)
{
    float f[TERM_FLOORS] = {0.9f, 0.5f, 0.25f}, g[TERM_FLOORS];
    uint8_t *p = fresh(FLOORS_BYTES);
    floors_put(p, f);
    CHECK(guard_intact(p, FLOORS_BYTES));
    CHECK(rd_f32(p) == 0.9f && rd_f32(p + 4) == 0.5f && rd_f32(p + 8) == 0.25f);
    floors_get(p, g);
    CHECK(memcmp(f, g, sizeof f) == 0);
    CHECK_EQ_INT(block_dir_bytes(1), 0);
    CHECK_EQ_INT(block_dir_bytes(3), 12 + 3 * 16);
    free(p);
}

static void test_block_entry(void)
{
    BlockEntry e[2] = {{.last = 127, .end = 300, .max_tf_part = 0.25f, .max_tf = 65535, .min_len = 9},
                       {.last = 400, .end = 560, .max_tf_part = 0.125f, .max_tf = 3, .min_len = 1}};
    CHECK_EQ_INT(BLOCK_ENTRY_BYTES, 16);
    uint8_t *p = fresh(2 * BLOCK_ENTRY_BYTES);
    block_entry_put(p, &e[0]);
    block_entry_put(p + BLOCK_ENTRY_BYTES, &e[1]);
    CHECK(guard_intact(p, 2 * BLOCK_ENTRY_BYTES));
    CHECK_EQ_INT(rd_u32(p + 16), 400);
    CHECK_EQ_INT(rd_u32(p + 16 + 4), 560);
    CHECK(rd_f32(p + 16 + 8) == 0.125f);
    CHECK_EQ_INT(rd_u16(p + 12), 65535);
    CHECK_EQ_INT(rd_u16(p + 16 + 12), 3);
    CHECK_EQ_INT(rd_u16(p + 16 + 14), 1);
    for (uint32_t b = 0; b < 2; b++) {
        BlockEntry g = block_entry_get(p, b);
        CHECK(memcmp(&g, &e[b], sizeof g) == 0);
    }
    free(p);
}

static void test_positions_header(void)
{
    PositionsHeader h = {.terms = 21, .positions = 0x2200000022ull}, g;
    uint8_t *p = fresh(POSITIONS_HEADER_BYTES);
    positions_header_put(p, &h);
    CHECK(guard_intact(p, POSITIONS_HEADER_BYTES));
    CHECK(rd_u64(p) == 21 && rd_u64(p + 8) == 0x2200000022ull);
    positions_header_get(p, &g);
    CHECK(g.terms == h.terms && g.positions == h.positions);
    free(p);
}

static void test_passage_record(void)
{
    PassageInfo r = {.article = 31, .ordinal = 32, .start = 0x3300000033ull, .end = 0x3400000034ull}, g;
    CHECK_EQ_INT(PASSAGE_RECORD_BYTES, 24);
    uint8_t *p = fresh(PASSAGE_RECORD_BYTES);
    passage_record_put(p, &r);
    CHECK(guard_intact(p, PASSAGE_RECORD_BYTES));
    CHECK(rd_u32(p) == 31 && rd_u32(p + 4) == 32);
    CHECK(rd_u64(p + 8) == 0x3300000033ull && rd_u64(p + 16) == 0x3400000034ull);
    passage_record_get(p, &g);
    CHECK(memcmp(&g, &r, sizeof r) == 0);
    free(p);
}

static void test_article_record(void)
{
    ArticleRecord r = {.id_off = 1, .id_len = 2, .path_off = 3, .path_len = 4, .title_off = 5, .title_len = 6,
                       .first_passage = 7, .npassages = 8, .size = 0x900000009ull, .mtime = -10,
                       .hash = 0xb0000000000000bull};
    CHECK_EQ_INT(ARTICLE_RECORD_BYTES, 56);
    uint8_t *p = fresh(ARTICLE_RECORD_BYTES);
    article_record_put(p, &r);
    CHECK(guard_intact(p, ARTICLE_RECORD_BYTES));
    for (uint32_t i = 0; i < 8; i++) CHECK_EQ_INT(rd_u32(p + 4 * i), i + 1);
    CHECK(rd_u64(p + 32) == 0x900000009ull);
    CHECK((int64_t)rd_u64(p + 40) == -10);
    CHECK(rd_u64(p + 48) == 0xb0000000000000bull);
    ArticleRecord g;
    article_record_get(p, &g);
    CHECK(memcmp(&g, &r, sizeof r) == 0);
    free(p);
}

static void test_store(void)
{
    StoreHeader h = {.nblocks = 41, .npassages = 42, .dict_len = 43}, gh;
    uint8_t *p = fresh(STORE_HEADER_BYTES);
    store_header_put(p, &h);
    CHECK(guard_intact(p, STORE_HEADER_BYTES));
    CHECK(rd_u32(p) == 41 && rd_u32(p + 4) == 42 && rd_u32(p + 8) == 43 && rd_u32(p + 12) == 0);
    store_header_get(p, &gh);
    CHECK(gh.nblocks == 41 && gh.npassages == 42 && gh.dict_len == 43);
    free(p);
    StoreEntry e[2] = {{.first = 0, .raw_len = 43, .offset = 0, .clen = 44},
                       {.first = 45, .raw_len = 46, .offset = 0x4700000047ull, .clen = 48}};
    CHECK_EQ_INT(STORE_ENTRY_BYTES, 24);
    p = fresh(2 * STORE_ENTRY_BYTES);
    store_entry_put(p, &e[0]);
    store_entry_put(p + STORE_ENTRY_BYTES, &e[1]);
    CHECK(guard_intact(p, 2 * STORE_ENTRY_BYTES));
    const uint8_t *q = p + 24;
    CHECK(rd_u32(q) == 45 && rd_u32(q + 4) == 46 && rd_u64(q + 8) == 0x4700000047ull && rd_u32(q + 16) == 48);
    CHECK_EQ_INT(rd_u32(q + 20), 0); /* reserved */
    for (uint32_t b = 0; b < 2; b++) {
        StoreEntry g = store_entry_get(p, b);
        CHECK(g.first == e[b].first && g.raw_len == e[b].raw_len && g.offset == e[b].offset && g.clen == e[b].clen);
    }
    free(p);
}

static void test_manifest_entry(void)
{
    ManifestEntry e = {.number = 51, .has_deletes = 1}, g;
    uint8_t *p = fresh(MANIFEST_ENTRY_BYTES);
    manifest_entry_put(p, &e);
    CHECK(guard_intact(p, MANIFEST_ENTRY_BYTES));
    CHECK(rd_u32(p) == 51 && rd_u32(p + 4) == 1);
    manifest_entry_get(p, &g);
    CHECK(g.number == 51 && g.has_deletes == 1);
    free(p);
}

static void test_deletes(void)
{
    DeletesHeader h = {61, 62, 63, 64, 65, 66}, g;
    uint8_t *p = fresh(DELETES_HEADER_BYTES);
    deletes_header_put(p, &h);
    CHECK(guard_intact(p, DELETES_HEADER_BYTES));
    for (size_t i = 0; i < 6; i++) CHECK_EQ_INT(rd_u64(p + 8 * i), 61 + i);
    deletes_header_get(p, &g);
    CHECK(memcmp(&g, &h, sizeof h) == 0);
    free(p);
    DeletesTerm t = {.ord = 67, .count = 68}, gt;
    p = fresh(DELETES_TERM_BYTES);
    deletes_term_put(p, &t);
    CHECK(guard_intact(p, DELETES_TERM_BYTES));
    CHECK(rd_u32(p) == 67 && rd_u32(p + 4) == 68);
    deletes_term_get(p, &gt);
    CHECK(gt.ord == 67 && gt.count == 68);
    free(p);
}

static void test_source_entry(void)
{
    Buf b = {0};
    char key[200];
    memset(key, 'k', sizeof key);
    key[0] = 'F';
    source_entry_put(&b, 0x7100000071ull, key, sizeof key);
    source_entry_put(&b, 0, "A7", 2);
    CHECK_EQ_INT(b.len, 8 + 2 + 200 + 8 + 1 + 2); /* a 200-byte key's length takes two varint bytes */
    CHECK(rd_u64(b.data) == 0x7100000071ull);
    SourceEntry e = {0, NULL, 0};
    const uint8_t *end = b.data + b.len;
    size_t used = source_entry_get(b.data, end, &e);
    CHECK_EQ_INT(used, 210);
    CHECK(e.stamp == 0x7100000071ull && e.key_len == 200 && memcmp(e.key, key, 200) == 0);
    CHECK_EQ_INT(source_entry_get(b.data + used, end, &e), 11);
    CHECK(e.stamp == 0 && e.key_len == 2 && memcmp(e.key, "A7", 2) == 0);
    /* cut short anywhere, an entry does not decode */
    for (size_t n = 0; n < 11; n++) CHECK_EQ_INT(source_entry_get(b.data + used, b.data + used + n, &e), 0);
    buf_free(&b);
}

TEST_MAIN("format", T(test_frame), T(test_count), T(test_meta), T(test_lex_entry), T(test_floors),
          T(test_block_entry), T(test_positions_header), T(test_passage_record), T(test_article_record),
          T(test_store), T(test_manifest_entry), T(test_deletes), T(test_source_entry))
