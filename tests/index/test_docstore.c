/* test_docstore.c: the text store with and without its compression thread:
 * every passage reads back as written (many blocks, so the ring of pending
 * blocks wraps around many times), and the threaded writer's bytes equal
 * the single-threaded writer's; store.bin is the only file the writer
 * leaves; a cursor reads the same texts; every
 * block is a zstd frame that zstd's one-shot call reads (FORMAT.md); a store
 * of a megabyte or more has a dictionary, which damage cannot turn into
 * wrong texts and which threads share. */
#include "check.h"
#include "testcorpus.h"

#include <pthread.h>
#include <unistd.h>
#include <zstd.h>

#define TEXT_MAX 3000

/* 1: the texts are words of a small vocabulary, as real text is, and a
 * store of a megabyte or more gets a dictionary; 0: random letters. */
static int wordy;

/* The next of the random passages every store here holds (start the
 * sequence with tc_seed = 99): its length, the text in text. */
static size_t next_text(char text[TEXT_MAX])
{
    static const char *words[] = {"ketamine", "therapy", "the", "of", "microdosing", "psilocybin", "and", "a",
                                  "depression", "trial", "patients", "in", "reported", "dose", "clinical", "with"};
    size_t len = tc_rand() % TEXT_MAX;
    if (!wordy) {
        for (size_t j = 0; j < len; j++) text[j] = (char)('a' + tc_rand() % 26);
        return len;
    }
    size_t at = 0;
    while (at + 12 < len) {
        const char *w = words[tc_rand() % 16];
        at += (size_t)snprintf(text + at, TEXT_MAX - at, "%s%s", at ? " " : "", w);
    }
    return at;
}

/* The dictionary's length in a store payload's header (FORMAT.md). */
static uint32_t dict_len(const Buf *store) { return rd_u32(store->data + 8); }

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

/* with_dictionary: 1 or 0 as the store must have one or not, -1 either */
static void round_trip(uint32_t n, int with_dictionary)
{
    Buf one = make_store(0, n), two = make_store(1, n);
    if (with_dictionary >= 0) CHECK_EQ_INT(dict_len(&one) > 0, with_dictionary);
    CHECK_EQ_INT(one.len, two.len);
    CHECK(one.len == two.len && memcmp(one.data, two.data, one.len) == 0);
    CHECK_EQ_INT(docstore_check(two.data, two.len, n), 0);
    Buf out = {0};
    char text[TEXT_MAX];
    tc_seed = 99;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = next_text(text);
        CHECK_EQ_INT(docstore_get(two.data, two.len, NULL, i, &out), 0);
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

/* Both with a dictionary (a megabyte of text or more: the blocks are 1
 * KiB) and without (less text: 16 KiB blocks). */
static void test_round_trip_and_same_bytes(void)
{
    wordy = 1;
    round_trip(2000, 1); /* about 1.5 MB of words: 1500 blocks */
    round_trip(300, 0);  /* about 220 KB */
    wordy = 0;
    round_trip(2000, -1); /* about 3 MB of letters: zstd may or may not train a dictionary on them */
}

/* A cursor reads what docstore_get reads, in id order (one block held
 * after another), backwards and at random; past the end it fails. */
static void test_cursor(void)
{
    uint32_t n = 1600;
    wordy = 1;
    Buf store = make_store(0, n), want = {0};
    CHECK(dict_len(&store) > 0);
    DocStoreDict *dict = docstore_dict_new(); /* made by the first read, kept for the rest */
    DocStoreCursor c;
    docstore_cursor_init(&c);
    int same = 1;
    for (uint32_t k = 0; k < 3 * n; k++) {
        uint32_t pid = k < n ? k : k < 2 * n ? 2 * n - 1 - k : tc_rand() % n;
        const char *text;
        size_t len;
        CHECK_EQ_INT(docstore_read(&c, store.data, store.len, dict, pid, &text, &len), 0);
        CHECK_EQ_INT(docstore_get(store.data, store.len, dict, pid, &want), 0);
        same &= len == want.len && memcmp(text, want.data, len) == 0;
    }
    CHECK(same);
    const char *text;
    size_t len;
    CHECK_EQ_INT(docstore_read(&c, store.data, store.len, dict, n, &text, &len), -1);
    docstore_cursor_free(&c);
    docstore_dict_free(dict);
    buf_free(&want);
    buf_free(&store);
}

/* FORMAT.md promises zstd frames: each block, decompressed by zstd's
 * one-shot call (with the store's dictionary, when it has one, as zstd
 * loads any dictionary) rather than by the reader's kept context, states
 * and gives its directory's length and the texts of its passages, as
 * written, and carries a content checksum (bit 2 of the frame header's
 * descriptor byte, after the 4-byte magic number: RFC 8878). */
static void blocks_are_zstd_frames(uint32_t n, int with_dictionary)
{
    Buf store = make_store(0, n), raw = {0};
    uint32_t nblocks = rd_u32(store.data), dlen = dict_len(&store);
    CHECK_EQ_INT(dlen > 0, with_dictionary);
    const uint8_t *area = store.data + 16 + dlen, *dir = store.data + store.len - (size_t)nblocks * 24;
    CHECK(nblocks > 10 && (size_t)nblocks * 24 + dlen < store.len - 16);
    ZSTD_DCtx *z = ZSTD_createDCtx();
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
        size_t got = ZSTD_decompress_usingDict(z, raw.data, want_len, frame, clen, store.data + 16, dlen);
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
    ZSTD_freeDCtx(z);
    buf_free(&raw);
    buf_free(&store);
}

static void test_blocks_are_zstd_frames(void)
{
    wordy = 0;
    blocks_are_zstd_frames(300, 0);
    wordy = 1;
    blocks_are_zstd_frames(1600, 1);
}

/* Threads reading one store through one DocStoreDict: the first reads
 * race to make the dictionary, one wins, and every thread reads what was
 * written (ThreadSanitizer runs this too: make check-tsan). */
typedef struct {
    const Buf *store;
    DocStoreDict *dict;
    const Buf *texts;     /* what was written, back to back */
    const size_t *offset; /* text i: texts[offset[i], offset[i + 1]) */
    uint32_t n, start;
    int wrong;
} Reader;

static void *read_all(void *arg)
{
    Reader *r = arg;
    Buf out = {0};
    for (uint32_t k = 0; k < r->n; k++) {
        uint32_t pid = (r->start + k * 7) % r->n;
        size_t len = r->offset[pid + 1] - r->offset[pid];
        r->wrong += docstore_get(r->store->data, r->store->len, r->dict, pid, &out) != 0 || out.len != len ||
                    memcmp(out.data, r->texts->data + r->offset[pid], len) != 0;
    }
    buf_free(&out);
    return NULL;
}

static void test_threads_share_the_dictionary(void)
{
    uint32_t n = 1600;
    wordy = 1;
    Buf store = make_store(0, n), want = {0};
    CHECK(dict_len(&store) > 0);
    /* the texts as written, for the threads (next_text is not thread-safe) */
    Buf texts = {0};
    size_t *offset = malloc((n + 1) * sizeof *offset);
    char text[TEXT_MAX];
    tc_seed = 99;
    for (uint32_t i = 0; i < n; i++) {
        offset[i] = texts.len;
        buf_append(&texts, text, next_text(text));
    }
    offset[n] = texts.len;
    DocStoreDict *dict = docstore_dict_new();
    Reader r[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (Reader){.store = &store, .dict = dict, .texts = &texts, .offset = offset, .n = n,
                        .start = (uint32_t)i * 101};
        CHECK_EQ_INT(pthread_create(&t[i], NULL, read_all, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(r[i].wrong, 0);
    }
    buf_free(&texts);
    free(offset);
    int same = 1;
    tc_seed = 99;
    for (uint32_t i = 0; i < n; i++) { /* and after them, every text as written */
        size_t len = next_text(text);
        CHECK_EQ_INT(docstore_get(store.data, store.len, dict, i, &want), 0);
        same &= want.len == len && memcmp(want.data, text, len) == 0;
    }
    CHECK(same);
    docstore_dict_free(dict);
    buf_free(&want);
    buf_free(&store);
}

/* The dictionary damaged, with the file's CRCs rewritten: search check
 * (docstore_check) or the read refuses it; a read never gives a text that
 * was not written (each frame's checksum is of its content). */
static void test_damaged_dictionary(void)
{
    uint32_t n = 1600;
    wordy = 1;
    Buf store = make_store(0, n);
    uint32_t dlen = dict_len(&store);
    CHECK(dlen > 1000);
    size_t at[] = {0, 4, 8, 40, 200, dlen / 2, dlen - 1};
    unsigned refused = 0; /* bit k: damage at at[k] was refused */
    for (size_t k = 0; dlen > 1000 && k < sizeof at / sizeof *at; k++) {
        Buf d = {0};
        buf_append(&d, store.data, store.len);
        d.data[16 + at[k]] ^= 0x5a;
        int checked = docstore_check(d.data, d.len, n);
        Buf out = {0};
        char text[TEXT_MAX];
        int wrong = 0, failed = 0;
        tc_seed = 99;
        for (uint32_t i = 0; i < n; i++) {
            size_t len = next_text(text);
            if (docstore_get(d.data, d.len, NULL, i, &out) != 0) failed++;
            else wrong += out.len != len || memcmp(out.data, text, len) != 0;
        }
        CHECK_EQ_INT(wrong, 0);
        refused += (checked != 0 || failed > 0) << k;
        buf_free(&out);
        buf_free(&d);
    }
    /* the magic number, the entropy tables and the content's last byte
     * (the one matches reach most): refused; the dictionary's id (frames
     * do not name it) and content bytes no frame uses may pass */
    CHECK_EQ_INT(refused & 0x4d, 0x4d);
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
    wordy = 0;
    write_store(dir, 0, n);
    uint8_t *orig = NULL, *d = NULL;
    size_t len = 0;
    CHECK_EQ_INT(read_file(path, 1u << 30, (char **)&orig, &len), 0);
    uint32_t nblocks = orig ? rd_u32(orig + 32) : 0;
    CHECK_EQ_INT(rd_u32(orig + 40), 0); /* no dictionary: the blocks start after the header */
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
                int read = docstore_read(&c, f.payload, f.len, NULL, pid, &text, &tlen);
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
          T(test_blocks_are_zstd_frames), T(test_empty_store), T(test_damaged_block_lengths),
          T(test_damaged_dictionary), T(test_threads_share_the_dictionary))
