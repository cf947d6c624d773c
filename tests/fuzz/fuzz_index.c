/* fuzz_index.c: libFuzzer target for the index reader on damaged files.
 * A small sound index is built once. Each input names one of its files
 * (first byte), whether to rewrite the file's CRCs after the damage (second
 * byte: then only the structural checks and the decoders stand between the
 * damage and the code), and then 5-byte edits: a 32-bit offset and a byte
 * to XOR there. The damaged index is opened; if it opens, `search check`'s
 * verification and a union, a conjunction and a phrase query run on it.
 * Any outcome but a clean error or a clean answer (a crash, a sanitizer
 * report, a hang) is a failure. The file is restored after each input. */
#include <stdlib.h>

#include "testcorpus.h"

static TestCorpus corpus;
static char idx[512], *gen;
static const char *const files[] = {"postings.bin", "positions.bin", "lexicon.bin", "passages.bin", "articles.bin",
                                    "store.bin", "meta.bin"};
#define NFILES (sizeof files / sizeof *files)
static char *orig[NFILES];
static size_t orig_len[NFILES];

static void cleanup(void) { tc_free(&corpus); }

static int put(const char *name, const char *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", gen, name);
    int fd = open(path, O_WRONLY | O_TRUNC);
    int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
    if (fd >= 0) close(fd);
    return ok ? 0 : -1;
}

static void setup(void)
{
    tc_seed = 5;
    Index *ix = tc_build(&corpus, 600, 40, 30);
    if (!ix) abort();
    index_close(ix);
    atexit(cleanup);
    snprintf(idx, sizeof idx, "%s/idx", corpus.dir);
    gen = tc_segment_dir(idx);
    for (size_t f = 0; f < NFILES; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", gen, files[f]);
        if (read_file(path, 1u << 28, &orig[f], &orig_len[f]) != 0) abort();
    }
}

static void run_queries(Index *ix)
{
    TcSearch s;
    tc_search_open(&s, ix);
    TopK top;
    topk_init(&top, 10, NULL);
    static const char *queries[] = {"w1 w2 w3", "+w0 +w1", "\"w0 w1\"", "w1*"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        if (tc_search_parse(&s, queries[i]) != 0) continue;
        topk_clear(&top);
        if (search_run(algorithm_default(), &s.ctx, &top) == 0) {
            size_t n = topk_sorted(&top);
            Buf text = {0};
            for (size_t j = 0; j < n; j++) index_passage_text(ix, top.heap[j].pid, &text);
            buf_free(&text);
        }
    }
    topk_free(&top);
    tc_search_close(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!gen) setup();
    if (size < 2) return 0;
    size_t f = data[0] % NFILES;
    int fix_crc = data[1] & 1;
    char *d = malloc(orig_len[f]);
    memcpy(d, orig[f], orig_len[f]);
    for (size_t i = 2; i + 5 <= size; i += 5) {
        uint32_t off;
        memcpy(&off, data + i, 4);
        d[off % orig_len[f]] ^= (char)data[i + 4];
    }
    if (fix_crc) tc_fix_crc((uint8_t *)d, orig_len[f]);
    if (put(files[f], d, orig_len[f]) != 0) abort();
    free(d);
    Index *ix = index_open(idx);
    if (ix) {
        IndexCheck r;
        index_check(ix, &r);
        buf_free(&r.report);
        run_queries(ix);
        index_close(ix);
    }
    if (put(files[f], orig[f], orig_len[f]) != 0) abort();
    return 0;
}
