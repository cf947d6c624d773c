/* test_docstore.c: the text store with and without its compression thread:
 * every passage reads back as written (many blocks, so the ring of pending
 * blocks wraps around many times), and the threaded writer's bytes equal
 * the single-threaded writer's; store.bin is the only file the writer
 * leaves; a cursor reads the same texts; every
 * block is a zstd frame that zstd's one-shot call reads (FORMAT.md). */
#include "check.h"
#include "testcorpus.h"

#include <unistd.h>
#include <zstd.h>

#define TEXT_MAX 3000

/* The next of the random passages every store here holds (start the
 * sequence with tc_seed = 99): its length, the text in text. */
static size_t next_text(char text[TEXT_MAX])
{
    size_t len = tc_rand() % TEXT_MAX;
    for (size_t j = 0; j < len; j++) text[j] = (char)('a' + tc_rand() % 26);
    return len;
}

/* Writes a store of n random passages into dir; the bytes written, or 0. */
static uint64_t write_store(const char *dir, int threaded, uint32_t n)
{
    DocStoreWriter *w = docstore_writer_new(dir, threaded);
    CHECK(w != NULL);
    if (!w) return 0;
    char text[TEXT_MAX];
    tc_seed = 99;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = next_text(text);
        docstore_add(w, text, len);
    }
    uint64_t bytes = 0;
    CHECK_EQ_INT(docstore_finish(w, &bytes), 0);
    return bytes;
}

/* Writes a store of n random passages into a fresh directory and reads
 * store.bin back: its payload (after the frame, which file_map checked). */
static Buf make_store(int threaded, uint32_t n)
{
    char dir[] = "/tmp/test_docstore.XXXXXX";
    Buf payload = {0};
    CHECK(mkdtemp(dir) != NULL);
    uint64_t bytes = write_store(dir, threaded, n);
    MappedFile f;
    CHECK_EQ_INT(file_map(dir, "store.bin", "STOR", &f), 0);
    CHECK_EQ_INT(bytes, f.size);
    buf_append(&payload, f.payload, f.len);
    file_unmap(&f);
    char path[64];
    snprintf(path, sizeof path, "%s/store.bin", dir);
    unlink(path);
    CHECK_EQ_INT(rmdir(dir), 0); /* nothing else left */
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
    char text[TEXT_MAX];
    tc_seed = 99;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = next_text(text);
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

/* A cursor reads what docstore_get reads, in id order (one block held
 * after another), backwards and at random; past the end it fails. */
static void test_cursor(void)
{
    uint32_t n = 600;
    Buf store = make_store(0, n), want = {0};
    DocStoreCursor c;
    docstore_cursor_init(&c);
    int same = 1;
    for (uint32_t k = 0; k < 3 * n; k++) {
        uint32_t pid = k < n ? k : k < 2 * n ? 2 * n - 1 - k : tc_rand() % n;
        const char *text;
        size_t len;
        CHECK_EQ_INT(docstore_read(&c, store.data, store.len, pid, &text, &len), 0);
        CHECK_EQ_INT(docstore_get(store.data, store.len, pid, &want), 0);
        same &= len == want.len && memcmp(text, want.data, len) == 0;
    }
    CHECK(same);
    const char *text;
    size_t len;
    CHECK_EQ_INT(docstore_read(&c, store.data, store.len, n, &text, &len), -1);
    docstore_cursor_free(&c);
    buf_free(&want);
    buf_free(&store);
}

/* FORMAT.md promises zstd frames: each block, decompressed by zstd's
 * one-shot call rather than by the reader's kept context, states and gives
 * its directory's length and the texts of its passages, as written, and
 * carries a content checksum (bit 2 of the frame header's descriptor
 * byte, after the 4-byte magic number: RFC 8878). */
static void test_blocks_are_zstd_frames(void)
{
    uint32_t n = 300;
    Buf store = make_store(0, n), raw = {0};
    uint32_t nblocks = rd_u32(store.data);
    const uint8_t *area = store.data + 8, *dir = store.data + store.len - (size_t)nblocks * 24;
    CHECK(nblocks > 10 && (size_t)nblocks * 24 < store.len - 8);
    uint32_t texts = 0, same = 0;
    char text[TEXT_MAX];
    tc_seed = 99;
    for (uint32_t b = 0; b < nblocks; b++) {
        const uint8_t *e = dir + (size_t)b * 24;
        const uint8_t *frame = area + rd_u64(e + 8);
        size_t want_len = rd_u32(e + 4), clen = rd_u32(e + 16);
        CHECK_EQ_INT(ZSTD_getFrameContentSize(frame, clen), want_len);
        CHECK(clen > 4 && (frame[4] & 0x04));
        raw.len = 0;
        buf_reserve(&raw, want_len);
        size_t got = ZSTD_decompress(raw.data, want_len, frame, clen);
        CHECK(!ZSTD_isError(got));
        if (ZSTD_isError(got)) break;
        CHECK_EQ_INT(got, want_len);
        for (const uint8_t *q = raw.data, *end = q + got; q < end; texts++) {
            uint64_t len;
            size_t used = rd_varint(q, end, &len);
            CHECK(used > 0 && len <= (uint64_t)(end - q - used));
            if (!used || len > (uint64_t)(end - q - used)) break;
            size_t want = next_text(text);
            same += len == want && memcmp(q + used, text, want) == 0;
            q += used + len;
        }
    }
    CHECK_EQ_INT(texts, n);
    CHECK_EQ_INT(same, n);
    buf_free(&raw);
    buf_free(&store);
}

/* A length in the block directory sizes the buffer its block is
 * decompressed into (the damage fuzzer had one of 4 GiB allocated). Each
 * block's uncompressed length, compressed length and offset, damaged with
 * the file's CRCs rewritten (as tests/fuzz/fuzz_index.c does, so only
 * the store's own checks stand in the way), is a clean error when the
 * block is read (an open checks only the store's head: its directory is
 * checked entry by entry as blocks are read), and never a buffer larger
 * than the store's genuine blocks need; docstore_check (search check,
 * merges) refuses it too when the directory alone shows it: the compressed
 * bytes could not give that length, or the blocks no longer lie back to
 * back. */
static void test_damaged_block_lengths(void)
{
    char dir[] = "/tmp/test_docstore.XXXXXX", path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/store.bin", dir);
    uint32_t n = 300;
    write_store(dir, 0, n);
    uint8_t *orig = NULL, *d = NULL;
    size_t len = 0;
    CHECK_EQ_INT(read_file(path, 1u << 30, (char **)&orig, &len), 0);
    uint32_t nblocks = orig ? rd_u32(orig + 32) : 0;
    CHECK(nblocks > 10);
    size_t dir_at = len - (size_t)nblocks * 24, max_raw = 0;
    for (uint32_t b = 0; b < nblocks; b++)
        if (rd_u32(orig + dir_at + b * 24 + 4) > max_raw) max_raw = rd_u32(orig + dir_at + b * 24 + 4);
    uint32_t blocks[] = {0, nblocks / 2, nblocks - 1};
    int refused_by_check = 0, refused_at_read = 0;
    for (size_t bi = 0; nblocks > 10 && bi < 3; bi++) {
        uint32_t b = blocks[bi];
        uint8_t *e = orig + dir_at + (size_t)b * 24;
        uint32_t raw = rd_u32(e + 4), clen = rd_u32(e + 16), off = rd_u32(e + 8);
        struct {
            size_t field;  /* offset in the directory entry */
            uint32_t value;
            int at_open;   /* 1: the directory alone shows it */
        } damage[] = {
            {4, 0xffffffffu, 1}, {4, 0xfffffff0u, 1}, {4, 0x80000000u, 1}, {4, raw ^ (1u << 24), 0},
            {4, raw * 2, 0},     {4, raw + 1, 0},      {4, raw - 1, 0},      {4, 0, 1},
            {16, clen + 1, 1},   {16, clen - 1, 1},    {16, 0, 1},           {16, 0xffffffffu, 1},
            {8, off + 1, 1},     {8, 0xffffffffu, 1},
        };
        for (size_t k = 0; k < sizeof damage / sizeof *damage; k++) {
            d = malloc(len);
            memcpy(d, orig, len);
            memcpy(d + dir_at + (size_t)b * 24 + damage[k].field, &damage[k].value, 4);
            tc_fix_crc(d, len);
            FILE *fp = fopen(path, "wb");
            CHECK(fp && fwrite(d, 1, len, fp) == len);
            if (fp) fclose(fp);
            free(d);
            MappedFile f;
            CHECK_EQ_INT(file_map(dir, "store.bin", "STOR", &f), 0); /* the CRCs hold */
            CHECK_EQ_INT(docstore_check_header(f.payload, f.len, n), 0); /* what an open reads */
            int rc = docstore_check(f.payload, f.len, n);
            if (damage[k].at_open && rc == 0)
                fprintf(stderr, "  block %u: field +%zu = %u passed the check\n", b, damage[k].field, damage[k].value);
            CHECK(rc != 0 || !damage[k].at_open);
            refused_by_check += rc != 0;
            { /* the block's first passage, with the cursor a search uses */
                DocStoreCursor c;
                docstore_cursor_init(&c);
                const char *text;
                size_t tlen;
                uint32_t pid = rd_u32(f.payload + f.len - (size_t)nblocks * 24 + (size_t)b * 24);
                int read = docstore_read(&c, f.payload, f.len, pid, &text, &tlen);
                CHECK_EQ_INT(read, -1);
                refused_at_read += read != 0;
                if (c.raw.cap > 2 * max_raw)
                    fprintf(stderr, "  block %u: field +%zu = %u: a buffer of %zu bytes\n", b, damage[k].field,
                            damage[k].value, c.raw.cap);
                CHECK(c.raw.cap <= 2 * max_raw);
                docstore_cursor_free(&c);
            }
            file_unmap(&f);
        }
    }
    CHECK(refused_by_check > 0 && refused_at_read > 0); /* both checks were reached */
    free(orig);
    unlink(path);
    CHECK_EQ_INT(rmdir(dir), 0);
}

static void test_empty_store(void)
{
    Buf a = make_store(1, 0);
    CHECK_EQ_INT(docstore_check(a.data, a.len, 0), 0);
    buf_free(&a);
}

TEST_MAIN("docstore", T(test_round_trip_and_same_bytes), T(test_cursor),
          T(test_blocks_are_zstd_frames), T(test_empty_store), T(test_damaged_block_lengths))
