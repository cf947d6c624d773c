/*
 * store_layout: how the text store's blocks are cut and compressed, for
 * the choice in docstore.c (docs/decisions/2026-12-06-store-dictionary.md).
 * The texts of a docs.tsv (id<TAB>title<TAB>text, one text a line, as
 * bench/corpora.sh writes the corpora) are cut into blocks of about B
 * bytes in order, each compressed as a zstd frame at level 1, in five
 * layouts: 16 KiB and 1 KiB blocks without a dictionary (the 16 KiB ones
 * with the store's small-block parameters), and 1 KiB blocks, 512-byte
 * blocks and one text a block with a 32 KiB dictionary trained by zstd on
 * the first 1 MiB of texts. For each: bytes (with the dictionary), the
 * compression time, and the mean time to read one text chosen at random
 * (decompress its block), over READS reads (default 20000). Every text
 * read back must be the one written. Prints one JSON line.
 *
 * usage: store_layout DOCS.TSV [READS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zdict.h>
#include <zstd.h>

#define SAMPLE (1u << 20)
#define DICT (32u * 1024)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct {
    char *data;        /* every text, back to back */
    size_t *off, *len; /* text i: data + off[i], len[i] bytes */
    size_t n, bytes;
} Texts;

static int load(const char *path, Texts *t)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0, tcap = 1024, dcap = 1 << 20;
    ssize_t got;
    memset(t, 0, sizeof *t);
    t->off = malloc(tcap * sizeof *t->off);
    t->len = malloc(tcap * sizeof *t->len);
    t->data = malloc(dcap);
    while ((got = getline(&line, &cap, f)) > 0) {
        char *a = strchr(line, '\t'), *b = a ? strchr(a + 1, '\t') : NULL;
        if (!b) continue;
        size_t len = (size_t)(line + got - (b + 1));
        if (len && b[len] == '\n') len--;
        if (t->n == tcap) {
            tcap *= 2;
            t->off = realloc(t->off, tcap * sizeof *t->off);
            t->len = realloc(t->len, tcap * sizeof *t->len);
        }
        while (t->bytes + len > dcap) t->data = realloc(t->data, dcap *= 2);
        memcpy(t->data + t->bytes, b + 1, len);
        t->off[t->n] = t->bytes;
        t->len[t->n++] = len;
        t->bytes += len;
    }
    free(line);
    fclose(f);
    return t->n ? 0 : -1;
}

typedef struct {
    const char *name;
    size_t block;    /* raw bytes a block is closed at; 0: one text a block */
    int dictionary;
} Layout;

typedef struct {
    size_t bytes, blocks;
    double compress_s, read_us;
    int bad;
} Result;

/* Blocks as the store cuts them: texts in order, closed once block bytes are in. */
static Result run(const Texts *t, const Layout *l, const void *dict, size_t dict_len, size_t reads)
{
    Result r = {.bytes = l->dictionary ? dict_len : 0};
    size_t *block_of = malloc(t->n * sizeof *block_of), *first = malloc((t->n + 1) * sizeof *first);
    size_t *coff = malloc((t->n + 1) * sizeof *coff), *clen = malloc(t->n * sizeof *clen);
    char *packed = malloc(ZSTD_compressBound(t->bytes) + t->n * 16);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CDict *cd = l->dictionary ? ZSTD_createCDict(dict, dict_len, 1) : NULL;
    ZSTD_DDict *dd = l->dictionary ? ZSTD_createDDict(dict, dict_len) : NULL;
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    if (cd) {
        ZSTD_CCtx_setParameter(cc, ZSTD_c_dictIDFlag, 0);
        ZSTD_CCtx_refCDict(cc, cd);
    } else {
        ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
        ZSTD_CCtx_setParameter(cc, ZSTD_c_hashLog, 10);
        ZSTD_CCtx_setParameter(cc, ZSTD_c_minMatch, 6);
    }
    double t0 = now();
    size_t at = 0;
    for (size_t i = 0; i < t->n;) {
        size_t start = i, raw = 0;
        while (i < t->n && (i == start || (l->block && raw < l->block))) raw += t->len[i], block_of[i++] = r.blocks;
        first[r.blocks] = start;
        size_t c = ZSTD_compress2(cc, packed + at, ZSTD_compressBound(raw), t->data + t->off[start], raw);
        if (ZSTD_isError(c)) c = 0, r.bad = 1;
        coff[r.blocks] = at;
        clen[r.blocks++] = c;
        at += c;
    }
    first[r.blocks] = t->n;
    r.compress_s = now() - t0;
    r.bytes += at;
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    char *raw = malloc(t->bytes ? t->bytes : 1);
    srand(1);
    t0 = now();
    for (size_t k = 0; k < reads; k++) {
        size_t i = ((size_t)rand() * 7919u + (size_t)rand()) % t->n, b = block_of[i];
        size_t want = t->off[first[b + 1] - 1] + t->len[first[b + 1] - 1] - t->off[first[b]];
        size_t got = dd ? ZSTD_decompress_usingDDict(dc, raw, want, packed + coff[b], clen[b], dd)
                        : ZSTD_decompressDCtx(dc, raw, want, packed + coff[b], clen[b]);
        size_t in = t->off[i] - t->off[first[b]];
        r.bad |= got != want || memcmp(raw + in, t->data + t->off[i], t->len[i]) != 0;
    }
    r.read_us = (now() - t0) / (double)reads * 1e6;
    ZSTD_freeDCtx(dc);
    ZSTD_freeCCtx(cc);
    ZSTD_freeCDict(cd);
    ZSTD_freeDDict(dd);
    free(raw), free(packed), free(block_of), free(first), free(coff), free(clen);
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: store_layout DOCS.TSV [READS]\n");
        return 2;
    }
    size_t reads = argc > 2 ? (size_t)atol(argv[2]) : 20000;
    Texts t;
    if (load(argv[1], &t) != 0) {
        fprintf(stderr, "store_layout: cannot read texts from %s\n", argv[1]);
        return 1;
    }
    /* the dictionary, as docstore.c trains it: the non-empty texts up to 1 MiB */
    size_t ns = 0, sampled = 0, *sizes = malloc(t.n * sizeof *sizes);
    for (size_t i = 0; i < t.n && sampled < SAMPLE; i++)
        if (t.len[i]) sizes[ns++] = t.len[i], sampled += t.len[i];
    char *dict = malloc(DICT);
    double t0 = now();
    size_t dict_len = ZDICT_trainFromBuffer(dict, DICT, t.data, sizes, (unsigned)ns);
    double train_s = now() - t0;
    if (ZDICT_isError(dict_len)) dict_len = 0;
    const Layout layouts[] = {{"plain_16k", 16384, 0}, {"plain_1k", 1024, 0}, {"dict_1k", 1024, 1},
                              {"dict_512", 512, 1},    {"dict_text", 0, 1}};
    printf("{\"texts\":%zu,\"bytes\":%zu,\"dict_bytes\":%zu,\"train_s\":%.3f", t.n, t.bytes, dict_len, train_s);
    int bad = 0;
    for (size_t k = 0; k < sizeof layouts / sizeof *layouts; k++) {
        if (layouts[k].dictionary && !dict_len) continue;
        Result r = run(&t, &layouts[k], dict, dict_len, reads);
        printf(",\"%s\":{\"blocks\":%zu,\"bytes\":%zu,\"ratio\":%.3f,\"compress_s\":%.2f,\"read_us\":%.2f,\"bad\":%d}",
               layouts[k].name, r.blocks, r.bytes, (double)t.bytes / (double)r.bytes, r.compress_s, r.read_us, r.bad);
        bad |= r.bad;
    }
    printf("}\n");
    free(sizes), free(dict), free(t.data), free(t.off), free(t.len);
    return bad;
}
