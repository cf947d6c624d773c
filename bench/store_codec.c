/*
 * store_codec: zlib, libdeflate and zstd on the text store's work, for the
 * choice of compressor (bench/README.md). The first MB megabytes of FILE
 * (default 50) are cut into 16 KiB blocks, as the store cuts passage
 * texts, and each block is compressed on its own at LEVEL (default 1) by
 * each library (zlib: one deflate stream reset per block; libdeflate: the
 * same zlib format; zstd: one frame per block through a kept context),
 * and as the store compresses it ("store": zstd as docstore.c sets it up,
 * whatever LEVEL), then decompressed by the same library; every block must
 * come back as it was. Prints one JSON line.
 *
 * usage: store_codec FILE [MB] [LEVEL]
 */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "index/writer.h"

#define BLOCK 16384
#define OUT_CAP (2 * BLOCK + 1024) /* above every library's bound for a block */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

enum { ZLIB, LIBDEFLATE, ZSTD, STORE, CODECS };
static const char *const NAMES[CODECS] = {"zlib", "libdeflate", "zstd", "store"};

typedef struct {
    z_stream z;
    struct libdeflate_compressor *lc;
    struct libdeflate_decompressor *ld;
    ZSTD_CCtx *zc, *store;
    ZSTD_DCtx *zd;
    int level;
} Codecs;

typedef struct {
    double compress_s, decompress_s;
    size_t bytes;
    int bad;
} Result;

/* Compressed length of src[0..len) in out, or 0 on failure. */
static size_t pack(Codecs *c, int codec, const char *src, size_t len, unsigned char *out)
{
    if (codec == ZLIB) {
        deflateReset(&c->z);
        c->z.next_in = (Bytef *)src;
        c->z.avail_in = (uInt)len;
        c->z.next_out = out;
        c->z.avail_out = OUT_CAP;
        return deflate(&c->z, Z_FINISH) == Z_STREAM_END ? c->z.total_out : 0;
    }
    if (codec == LIBDEFLATE) return libdeflate_zlib_compress(c->lc, src, len, out, OUT_CAP);
    size_t n = codec == STORE ? ZSTD_compress2(c->store, out, OUT_CAP, src, len)
                              : ZSTD_compressCCtx(c->zc, out, OUT_CAP, src, len, c->level);
    return ZSTD_isError(n) ? 0 : n;
}

/* Decompressed length of in[0..clen) in back (room for a block), or 0. */
static size_t unpack(Codecs *c, int codec, const unsigned char *in, size_t clen, char *back)
{
    if (codec == ZLIB) {
        uLongf got = BLOCK;
        return uncompress((Bytef *)back, &got, in, (uLong)clen) == Z_OK ? got : 0;
    }
    if (codec == LIBDEFLATE) {
        size_t got = 0;
        return libdeflate_zlib_decompress(c->ld, in, clen, back, BLOCK, &got) == LIBDEFLATE_SUCCESS ? got : 0;
    }
    size_t got = ZSTD_decompressDCtx(c->zd, back, BLOCK, in, clen);
    return ZSTD_isError(got) ? 0 : got;
}

static Result run(Codecs *c, int codec, const char *d, size_t n, unsigned char *out, char *back)
{
    Result r = {0};
    for (size_t o = 0; o < n; o += BLOCK) {
        size_t len = n - o < BLOCK ? n - o : BLOCK;
        double t = now();
        size_t clen = pack(c, codec, d + o, len, out);
        double t2 = now();
        size_t got = clen ? unpack(c, codec, out, clen, back) : 0;
        r.decompress_s += now() - t2;
        r.compress_s += t2 - t;
        r.bytes += clen;
        r.bad += clen == 0 || got != len || memcmp(back, d + o, len) != 0;
    }
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: store_codec FILE [MB] [LEVEL]\n");
        return 2;
    }
    size_t cap = (size_t)(argc > 2 ? atol(argv[2]) : 50) << 20;
    Codecs c = {.level = argc > 3 ? atoi(argv[3]) : 1};
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "store_codec: cannot open %s\n", argv[1]);
        return 1;
    }
    char *d = malloc(cap ? cap : 1), *back = malloc(BLOCK);
    unsigned char *out = malloc(OUT_CAP);
    size_t n = d ? fread(d, 1, cap, f) : 0;
    fclose(f);
    c.lc = libdeflate_alloc_compressor(c.level);
    c.ld = libdeflate_alloc_decompressor();
    c.zc = ZSTD_createCCtx();
    c.zd = ZSTD_createDCtx();
    c.store = docstore_compressor_new();
    if (!d || !out || !back || n == 0 || !c.lc || !c.ld || !c.zc || !c.zd || !c.store || deflateInit(&c.z, c.level) != Z_OK) {
        fprintf(stderr, "store_codec: %s is empty, or memory ran out, or level %d is not one of every library\n",
                argv[1], c.level);
        return 1;
    }
    printf("{\"file_bytes\":%zu,\"block\":%d,\"level\":%d", n, BLOCK, c.level);
    int bad = 0;
    for (int k = 0; k < CODECS; k++) {
        Result r = run(&c, k, d, n, out, back);
        printf(",\"%s\":{\"bytes\":%zu,\"ratio\":%.3f,\"compress_MBps\":%.1f,\"decompress_MBps\":%.1f,\"bad_blocks\":%d}",
               NAMES[k], r.bytes, (double)n / (double)r.bytes, (double)n / 1e6 / r.compress_s,
               (double)n / 1e6 / r.decompress_s, r.bad);
        bad |= r.bad;
    }
    printf("}\n");
    deflateEnd(&c.z);
    libdeflate_free_compressor(c.lc);
    libdeflate_free_decompressor(c.ld);
    ZSTD_freeCCtx(c.zc);
    ZSTD_freeCCtx(c.store);
    ZSTD_freeDCtx(c.zd);
    free(d);
    free(out);
    free(back);
    return bad;
}
