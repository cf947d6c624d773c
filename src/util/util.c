/* util.c: errors, allocation, Buf, StrMap, files. See util.h. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the on-disk format is little-endian and read with memcpy");

/* per thread: an indexing worker's error is its own until the pipeline
 * hands it on */
static _Thread_local char errbuf[1024];

void err_set(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
}

const char *err_msg(void) { return errbuf[0] ? errbuf : "unknown error"; }

static _Thread_local OomGuard *guard;
static _Atomic long fail_countdown = -1;

void oom_enter(OomGuard *g)
{
    g->outer = guard;
    guard = g;
}

void oom_leave(OomGuard *g) { guard = g->outer; }

_Noreturn void oom_rethrow(void)
{
    OomGuard *g = guard;
    if (!g) abort(); /* every way into the library sets a guard */
    guard = g->outer;
    longjmp(g->jump, 1);
}

_Noreturn static void oom(size_t n)
{
    err_set("out of memory (allocating %zu bytes)", n);
    oom_rethrow();
}

long alloc_fail_after(long n) { return atomic_exchange(&fail_countdown, n); }

/* alloc_fail_after's failure: 1 for the allocation that is to fail. */
static int injected(void)
{
    long c = fail_countdown;
    while (c >= 0 && !atomic_compare_exchange_weak(&fail_countdown, &c, c - 1))
        ;
    return c == 0;
}

void *xmalloc(size_t n)
{
    void *p = injected() ? NULL : malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = injected() ? NULL : calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = injected() ? NULL : realloc(p, n ? n : 1);
    if (!q) oom(n); /* p is still the caller's, and valid */
    return q;
}

void *xaligned_alloc(size_t align, size_t n)
{
    void *p = injected() ? NULL : aligned_alloc(align, n ? n : align);
    if (!p) oom(n);
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

void buf_reserve(Buf *b, size_t extra)
{
    if (b->len + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra) cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_append(Buf *b, const void *p, size_t n)
{
    if (!n) return;
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void buf_put_u8(Buf *b, uint8_t v) { buf_append(b, &v, 1); }
void buf_put_u16(Buf *b, uint16_t v) { buf_append(b, &v, 2); }
void buf_put_u32(Buf *b, uint32_t v) { buf_append(b, &v, 4); }
void buf_put_u64(Buf *b, uint64_t v) { buf_append(b, &v, 8); }

void buf_put_varint(Buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    buf_append(b, tmp, n);
}

void buf_pad(Buf *b, size_t align)
{
    static const uint8_t zeros[64];
    while (b->len % align) buf_append(b, zeros, align - b->len % align > 64 ? 64 : align - b->len % align);
}

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_free(Buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

size_t rd_varint(const uint8_t *p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 10 && p + i < end; i++) {
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *out = v;
            return i + 1;
        }
    }
    return 0;
}

uint32_t crc32_of(const void *p, size_t n) { return crc32_update(0, p, n); }

/* The indexer hashes every token (tens of millions), so this reads words,
 * not bytes: a byte loop's chain of multiplies cost more than the table
 * look-up it feeds. Keys of up to 16 bytes (nearly every term) are covered
 * by two loads that overlap as needed, so every byte counts and nothing is
 * read past the key; longer ones are folded in 8 bytes at a time first.
 * The low bits pick a slot, so the end mixes high bits into them. */
uint32_t hash_bytes(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = n * 0x9e3779b97f4a7c15ull, a, b;
    for (; n > 16; s += 8, n -= 8) h = (h ^ rd_u64(s)) * 0xff51afd7ed558ccdull;
    if (n >= 8) {
        a = rd_u64(s);
        b = rd_u64(s + n - 8);
    } else if (n >= 4) {
        a = rd_u32(s);
        b = rd_u32(s + n - 4);
    } else {
        a = n ? (uint64_t)s[0] | (uint64_t)s[n / 2] << 8 | (uint64_t)s[n - 1] << 16 : 0;
        b = 0;
    }
    h ^= a * 0xff51afd7ed558ccdull;
    h ^= (b ^ h >> 29) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 32;
    h *= 0x9e3779b97f4a7c15ull;
    return (uint32_t)(h >> 32 ^ h);
}

/* 64-bit finaliser of MurmurHash3 (a published constant set). */
static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* Eight bytes at a time, each word mixed before it is folded in, so that
 * any change of the text changes the hash with overwhelming probability
 * (it is not meant to resist an adversary). */
uint64_t hash64(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *s = p;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = (h ^ mix64(v)) * 0x9e3779b97f4a7c15ull;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v |= (uint64_t)s[i] << (8 * i);
    return mix64(h ^ mix64(v ^ 0x5bd1e995ull));
}

void strmap_init(StrMap *m) { memset(m, 0, sizeof *m); }

static void strmap_grow(StrMap *m)
{
    size_t ns = m->nslots ? m->nslots * 2 : 1024;
    uint64_t *slots = xcalloc(ns, sizeof *slots);
    for (size_t i = 0; i < m->nslots; i++) {
        uint64_t s = m->slots[i];
        if (!s) continue;
        size_t j = (s >> 32) & (ns - 1);
        while (slots[j]) j = (j + 1) & (ns - 1);
        slots[j] = s;
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = ns;
}

/* Slot index holding key, or the empty slot where it would go. */
static size_t strmap_find(const StrMap *m, const char *key, size_t len, uint32_t h)
{
    size_t i = h & (m->nslots - 1);
    for (;;) {
        uint64_t s = m->slots[i];
        if (!s) return i;
        if ((uint32_t)(s >> 32) == h) {
            size_t e = (uint32_t)s - 1;
            if (m->klens[e] == len && memcmp(m->arena + m->koff[e], key, len) == 0) return i;
        }
        i = (i + 1) & (m->nslots - 1);
    }
}

uint32_t *strmap_get(const StrMap *m, const char *key, size_t len)
{
    return strmap_get_hashed(m, key, len, hash_bytes(key, len));
}

uint32_t *strmap_get_hashed(const StrMap *m, const char *key, size_t len, uint32_t h)
{
    if (!m->nslots) return NULL;
    size_t i = strmap_find(m, key, len, h);
    return m->slots[i] ? &m->vals[(uint32_t)m->slots[i] - 1] : NULL;
}

uint32_t *strmap_upsert(StrMap *m, const char *key, size_t len, int *added)
{
    return strmap_upsert_hashed(m, key, len, hash_bytes(key, len), added);
}

uint32_t *strmap_upsert_hashed(StrMap *m, const char *key, size_t len, uint32_t h, int *added)
{
    if ((m->n + 1) * 2 > m->nslots) strmap_grow(m); /* load factor <= 1/2 */
    size_t i = strmap_find(m, key, len, h);
    if (m->slots[i]) {
        if (added) *added = 0;
        return &m->vals[(uint32_t)m->slots[i] - 1];
    }
    if (m->n == m->cap) { /* cap set last: running out of memory leaves the map as it was */
        size_t cap = m->cap ? m->cap * 2 : 512;
        m->koff = xrealloc(m->koff, cap * sizeof *m->koff);
        m->klens = xrealloc(m->klens, cap * sizeof *m->klens);
        m->vals = xrealloc(m->vals, cap * sizeof *m->vals);
        m->cap = cap;
    }
    if (m->arena_len + len + 1 > m->arena_cap) {
        size_t cap = m->arena_cap;
        while (m->arena_len + len + 1 > cap) cap = cap ? cap * 2 : 1 << 16;
        m->arena = xrealloc(m->arena, cap);
        m->arena_cap = cap;
    }
    size_t e = m->n++;
    memcpy(m->arena + m->arena_len, key, len);
    m->arena[m->arena_len + len] = 0;
    m->koff[e] = m->arena_len;
    m->arena_len += len + 1;
    m->klens[e] = (uint32_t)len;
    m->vals[e] = 0;
    m->slots[i] = (uint64_t)h << 32 | (uint64_t)(e + 1);
    if (added) *added = 1;
    return &m->vals[e];
}

/* Under AddressSanitizer malloc is ASan's, and glibc's malloc_trim walks
 * arenas that were never set up (it crashes): there is nothing to trim. */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_IS_GLIBC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_IS_GLIBC 0
#endif
#endif
#ifndef HEAP_IS_GLIBC
#define HEAP_IS_GLIBC 1
#endif

void memory_release(void)
{
#if HEAP_IS_GLIBC
    malloc_trim(0);
#endif
}

size_t strmap_bytes(const StrMap *m)
{
    return m->nslots * sizeof *m->slots + m->arena_cap + m->cap * (sizeof *m->koff + sizeof *m->klens + sizeof *m->vals);
}

void strmap_free(StrMap *m)
{
    free(m->slots);
    free(m->arena);
    free(m->koff);
    free(m->klens);
    free(m->vals);
    strmap_init(m);
}

int read_file(const char *path, size_t max_bytes, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        err_set("%s: not a regular file", path);
        return -1;
    }
    if ((uint64_t)st.st_size > max_bytes) {
        fclose(f);
        err_set("%s: file too large (%lld bytes, limit %zu)", path, (long long)st.st_size, max_bytes);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    char *buf = xmalloc(n + 1);
    size_t got = fread(buf, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(buf);
        err_set("cannot read %s: %s", path, bad ? strerror(errno) : "file changed while reading");
        return -1;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
}

static double clock_seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double now_seconds(void) { return clock_seconds(CLOCK_MONOTONIC); }
double thread_cpu_seconds(void) { return clock_seconds(CLOCK_THREAD_CPUTIME_ID); }
