/* fuzz_index.c: libFuzzer target for the index reader on damaged files.
 * A small sound index is built once, then updated so that it has two
 * segments and deletes: some articles removed, some edited. Each input
 * names one of its files (first byte): a file of its first segment, the
 * commit's manifest.bin, that segment's del-N.bin or CURRENT; whether to
 * rewrite the file's CRCs after the damage (bit 0 of the second byte: then
 * only the structural checks and the decoders stand between the damage
 * and the code) and whether to cut the file short (bit 7: to the last
 * edit's offset, modulo the length + 1); then 5-byte edits: a 32-bit
 * offset and a byte to XOR there. The damaged index is opened; if it
 * opens, `search check`'s verification and a union, a conjunction and a
 * phrase query run on it. Any outcome but a clean error or a clean answer
 * (a crash, a sanitizer report, a hang) is a failure. The file is restored
 * after each input. */
#include <stdlib.h>

#include "testcorpus.h"

static TestCorpus corpus;
static char idx[512];
/* Seeds (tests/fuzz/index_seeds) name a file by its place here: new
 * files go at the end. */
static const char *const files[] = {"postings.bin", "positions.bin", "lexicon.bin", "passages.bin", "articles.bin",
                                    "store.bin",    "meta.bin",      "manifest.bin", "del-N.bin",   "CURRENT"};
#define NFILES (sizeof files / sizeof *files)
#define SEGMENT_FILES 7           /* files[0..7) are the first segment's */
#define CURRENT_FILE (NFILES - 1) /* not framed: no CRCs to rewrite */
static char *path[NFILES], *orig[NFILES];
static size_t orig_len[NFILES];

static void cleanup(void) { tc_free(&corpus); }

static int put(size_t f, const char *data, size_t len)
{
    int fd = open(path[f], O_WRONLY | O_TRUNC);
    int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
    if (fd >= 0) close(fd);
    return ok ? 0 : -1;
}

static char *join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Rewrites docs.tsv without its last 60 documents and with the first
 * word of every 50th changed to another of as many digits, and updates
 * the index: the first segment gets a del-N.bin, the changed documents a
 * second segment (too small to be merged). Every other row stays where it
 * was in the file: a row that moves is a changed article (its passages'
 * byte ranges are stored). */
static void update(void)
{
    char tsv[600];
    snprintf(tsv, sizeof tsv, "%s/docs.tsv", corpus.dir);
    FILE *f = fopen(tsv, "w");
    if (!f) abort();
    for (uint32_t d = 0; d + 60 < corpus.ndocs; d++) {
        fprintf(f, "doc%u\t\t", d);
        for (uint32_t i = 0; i < corpus.len[d]; i++) {
            uint32_t w = corpus.words[d][i]; /* < 40 */
            if (i == 0 && d % 50 == 7) w = w < 10 ? (w + 1) % 10 : 10 + (w - 9) % 30;
            fprintf(f, "%sw%u", i ? " " : "", w);
        }
        fputc('\n', f);
    }
    fclose(f);
    IndexerOptions o;
    indexer_options_default(&o);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    o.passage_words = 100000; /* as tc_index_docs built it */
    IndexerReport r;
    if (indexer_build(tsv, idx, &o, &r) != 0) {
        fprintf(stderr, "fuzz_index: the update failed: %s\n", err_msg());
        abort();
    }
}

static void setup(void)
{
    tc_seed = 5;
    Index *ix = tc_build(&corpus, 600, 40, 30);
    if (!ix) abort();
    index_close(ix);
    atexit(cleanup);
    snprintf(idx, sizeof idx, "%s/idx", corpus.dir);
    update();
    ix = index_open(idx);
    if (!ix || index_nsegments(ix) < 2 || !index_deletes(ix, 0)) {
        fprintf(stderr, "fuzz_index: the update did not leave two segments, the first with deletes\n");
        abort();
    }
    char del[32];
    snprintf(del, sizeof del, "del-%06u.bin", index_segment_number(ix, 0));
    for (size_t f = 0; f < NFILES; f++) {
        const char *dir = f < SEGMENT_FILES  ? segment_dir(index_segment(ix, 0))
                          : f < CURRENT_FILE ? index_commit_dir(ix)
                                             : idx;
        path[f] = join(dir, strcmp(files[f], "del-N.bin") == 0 ? del : files[f]);
        if (read_file(path[f], 1u << 28, &orig[f], &orig_len[f]) != 0 || orig_len[f] == 0) abort();
    }
    index_close(ix);
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
    if (!path[0]) setup();
    if (size < 2) return 0;
    size_t f = data[0] % NFILES, len = orig_len[f];
    int fix_crc = (data[1] & 1) && f != CURRENT_FILE, cut = data[1] & 0x80;
    char *d = malloc(len);
    memcpy(d, orig[f], len);
    uint32_t off = 0;
    for (size_t i = 2; i + 5 <= size; i += 5) {
        memcpy(&off, data + i, 4);
        d[off % len] ^= (char)data[i + 4];
    }
    if (cut) len = off % (len + 1);
    if (fix_crc) tc_fix_crc((uint8_t *)d, len);
    if (put(f, d, len) != 0) abort();
    free(d);
    Index *ix = index_open(idx);
    if (ix) {
        IndexCheck r;
        index_check(ix, &r);
        buf_free(&r.report);
        run_queries(ix);
        index_close(ix);
    }
    if (put(f, orig[f], orig_len[f]) != 0) abort();
    return 0;
}
