/*
 * store_codec: zlib against libdeflate on the text store's work, for the
 * choice of compressor (bench/README.md). The first MB megabytes of FILE
 * (default 50) are cut into 16 KiB blocks, as the store cuts passage
 * texts, and each block is compressed on its own at LEVEL (default 1) by
 * zlib (one deflate stream reset per block, as the store used it) and by
 * libdeflate (zlib format), then inflated by each; every block must come
 * back as it was. Prints one JSON line.
 *
 * usage: store_codec FILE [MB] [LEVEL]
 */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define BLOCK 16384

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct {
    double compress_s, inflate_zlib_s, inflate_libdeflate_s;
    size_t bytes;
    int bad;
} Result;

/* Inflates out[0..clen) with both libraries and checks it is src. */
static void inflate_both(Result *r, struct libdeflate_decompressor *dc, const unsigned char *out, size_t clen,
                         const char *src, size_t len, unsigned char *back)
{
    double t = now();
    uLongf got = BLOCK;
    int ok = uncompress(back, &got, out, (uLong)clen) == Z_OK && got == len && memcmp(back, src, len) == 0;
    r->inflate_zlib_s += now() - t;
    t = now();
    size_t got2 = 0;
    ok &= libdeflate_zlib_decompress(dc, out, clen, back, BLOCK, &got2) == LIBDEFLATE_SUCCESS && got2 == len &&
          memcmp(back, src, len) == 0;
    r->inflate_libdeflate_s += now() - t;
    r->bad += !ok;
}

static Result run_zlib(const char *d, size_t n, int level, unsigned char *out, unsigned char *back,
                       struct libdeflate_decompressor *dc)
{
    Result r = {0};
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit(&z, level) != Z_OK) return (Result){.bad = 1};
    for (size_t o = 0; o < n; o += BLOCK) {
        size_t len = n - o < BLOCK ? n - o : BLOCK;
        double t = now();
        deflateReset(&z);
        z.next_in = (Bytef *)d + o;
        z.avail_in = (uInt)len;
        z.next_out = out;
        z.avail_out = 2 * BLOCK;
        int ok = deflate(&z, Z_FINISH) == Z_STREAM_END;
        r.compress_s += now() - t;
        r.bad += !ok;
        r.bytes += z.total_out;
        inflate_both(&r, dc, out, z.total_out, d + o, len, back);
    }
    deflateEnd(&z);
    return r;
}

static Result run_libdeflate(const char *d, size_t n, int level, unsigned char *out, unsigned char *back,
                             struct libdeflate_decompressor *dc)
{
    Result r = {0};
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
    if (!c) return (Result){.bad = 1};
    for (size_t o = 0; o < n; o += BLOCK) {
        size_t len = n - o < BLOCK ? n - o : BLOCK;
        double t = now();
        size_t clen = libdeflate_zlib_compress(c, d + o, len, out, 2 * BLOCK);
        r.compress_s += now() - t;
        r.bad += clen == 0;
        r.bytes += clen;
        inflate_both(&r, dc, out, clen, d + o, len, back);
    }
    libdeflate_free_compressor(c);
    return r;
}

static void print(const char *name, const Result *r, size_t n, int last)
{
    printf("\"%s\":{\"bytes\":%zu,\"ratio\":%.3f,\"compress_MBps\":%.1f,\"inflate_zlib_MBps\":%.1f,"
           "\"inflate_libdeflate_MBps\":%.1f,\"bad_blocks\":%d}%s",
           name, r->bytes, (double)n / (double)r->bytes, (double)n / 1e6 / r->compress_s,
           (double)n / 1e6 / r->inflate_zlib_s, (double)n / 1e6 / r->inflate_libdeflate_s, r->bad, last ? "" : ",");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: store_codec FILE [MB] [LEVEL]\n");
        return 2;
    }
    size_t cap = (size_t)(argc > 2 ? atol(argv[2]) : 50) << 20;
    int level = argc > 3 ? atoi(argv[3]) : 1;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "store_codec: cannot open %s\n", argv[1]);
        return 1;
    }
    char *d = malloc(cap ? cap : 1);
    unsigned char *out = malloc(2 * BLOCK), *back = malloc(BLOCK);
    struct libdeflate_decompressor *dc = libdeflate_alloc_decompressor();
    size_t n = fread(d, 1, cap, f);
    fclose(f);
    if (!d || !out || !back || !dc || n == 0) {
        fprintf(stderr, "store_codec: %s is empty or memory ran out\n", argv[1]);
        return 1;
    }
    Result z = run_zlib(d, n, level, out, back, dc), l = run_libdeflate(d, n, level, out, back, dc);
    printf("{\"file_bytes\":%zu,\"block\":%d,\"level\":%d,", n, BLOCK, level);
    print("zlib", &z, n, 0);
    print("libdeflate", &l, n, 1);
    printf("}\n");
    libdeflate_free_decompressor(dc);
    free(d);
    free(out);
    free(back);
    return z.bad || l.bad;
}
