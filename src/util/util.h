/*
 * util.h: the small reusable pieces every module leans on.
 *
 *   - error reporting: library functions return -1 (or NULL) and leave a
 *     one-line message in err_msg(); the front end prints it and exits 2.
 *   - allocation that never returns NULL: running out of memory jumps back
 *     to the thread's innermost OomGuard (each public function of the
 *     library sets one and returns SRCH_NOMEM).
 *   - Buf, a growable byte buffer with little-endian and varint writers.
 *   - StrMap, an open-addressing hash table from byte strings to uint32.
 *   - little-endian readers and CRC32 (zlib's) for the on-disk formats.
 */
#ifndef UTIL_H
#define UTIL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- errors ---- */
#if defined(__GNUC__)
#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))
#else
#define PRINTF_LIKE(a, b)
#endif
void err_set(const char *fmt, ...) PRINTF_LIKE(1, 2);
const char *err_msg(void);

/* ---- allocation ---- */
/* Where an allocation that fails goes. xmalloc and kin never return NULL:
 * on failure they err_set("out of memory ...") and longjmp to the
 * innermost guard of the thread, which is popped first. A guard is set
 * with two statements (setjmp may not sit in a wider expression):
 *
 *     OomGuard g;
 *     oom_enter(&g);
 *     if (setjmp(g.jump)) { ...release, return the failure... }
 *     ...work...
 *     oom_leave(&g);
 *
 * Every way into the library (the public API, the threads it starts) sets
 * one; code that holds what a jump would strand (threads, a lock,
 * temporary files) sets its own, releases them and returns the failure or
 * passes it on with oom_rethrow. Memory the interrupted work had
 * allocated is not reclaimed. Locals of the guarding function changed
 * after setjmp are indeterminate after the jump: keep the state to
 * release behind a pointer set before it. With no guard set the process
 * aborts (a bug: some way in lacks one). */
typedef struct OomGuard {
    jmp_buf jump;
    struct OomGuard *outer;
} OomGuard;
void oom_enter(OomGuard *g);
void oom_leave(OomGuard *g);
/* From a guard's handler: the same failure, to the next guard out. */
_Noreturn void oom_rethrow(void);
/* Tests: the allocation after the next n fails (in any thread); -1: none.
 * Returns the count it replaces: -1 when the failure set before came. */
long alloc_fail_after(long n);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* n bytes (a multiple of align, a power of two) at an align boundary. */
void *xaligned_alloc(size_t align, size_t n);
char *xstrndup(const char *s, size_t n);
/* Hands memory freed by every thread back to the system (glibc keeps it in
 * its arenas otherwise), so that a memory budget is what the process
 * holds. */
void memory_release(void);

/* ---- growable buffer ---- */
typedef struct {
    uint8_t *data; /* bytes, owned; NULL while empty */
    size_t len;    /* bytes in use */
    size_t cap;    /* bytes allocated */
} Buf;

void buf_reserve(Buf *b, size_t extra);
void buf_append(Buf *b, const void *p, size_t n);
void buf_put_u8(Buf *b, uint8_t v);
void buf_put_u16(Buf *b, uint16_t v);
void buf_put_u32(Buf *b, uint32_t v);
void buf_put_u64(Buf *b, uint64_t v);
void buf_put_varint(Buf *b, uint64_t v);
void buf_pad(Buf *b, size_t align); /* zero-pad len up to a multiple of align */
/* Appends formatted text (kept NUL-terminated past len). */
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(Buf *b);

/* ---- little-endian decoding (callers check bounds first) ---- */
static inline uint16_t rd_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4); /* x86 and arm64 are little-endian; checked in util.c */
    return v;
}
static inline uint64_t rd_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
/* Decodes a varint at p (at most end-p bytes); returns bytes used or 0 if
 * it runs past end or is longer than 10 bytes (corrupt input). */
size_t rd_varint(const uint8_t *p, const uint8_t *end, uint64_t *out);

uint32_t crc32_of(const void *p, size_t n);
/* zlib's crc32_z(crc, p, n), faster (crc32.c). */
uint32_t crc32_update(uint32_t crc, const void *p, size_t n);

/* ---- string -> uint32 hash map ---- */
/* Open addressing with linear probing. A slot holds the key's hash next to
 * its entry number, so a probe touches no key unless the hashes match; keys
 * live back to back in one arena. Indexing does two look-ups per token
 * (stem cache, term map), so this is the indexer's hottest loop. */
typedef struct {
    uint64_t *slots;  /* (hash << 32) | (entry + 1); 0 = empty */
    size_t nslots;    /* power of two */
    char *arena;      /* key bytes, each followed by a NUL */
    size_t arena_len, arena_cap;
    uint64_t *koff;   /* entry -> offset of its key in arena */
    uint32_t *klens;  /* entry -> key length */
    uint32_t *vals;   /* entry -> value */
    size_t n, cap;    /* entries used / allocated */
} StrMap;

uint32_t hash_bytes(const void *p, size_t n);
/* A 64-bit hash of content (an article's text, to notice edits). */
uint64_t hash64(const void *p, size_t n, uint64_t seed);
void strmap_init(StrMap *m);
/* Returns the value slot for key, adding it with value 0 when absent
 * (*added tells which). The pointer is valid until the next insertion. */
uint32_t *strmap_upsert(StrMap *m, const char *key, size_t len, int *added);
/* Returns the value slot, or NULL when absent. */
uint32_t *strmap_get(const StrMap *m, const char *key, size_t len);
/* The same with the key's hash_bytes() computed by the caller, who may
 * first strmap_prefetch() the slots of a batch of keys: a table of
 * millions of terms does not fit in cache, and overlapping the misses of a
 * whole passage's look-ups is what makes indexing fast. */
uint32_t *strmap_upsert_hashed(StrMap *m, const char *key, size_t len, uint32_t h, int *added);
uint32_t *strmap_get_hashed(const StrMap *m, const char *key, size_t len, uint32_t h);
static inline void strmap_prefetch(const StrMap *m, uint32_t h)
{
    if (m->nslots) __builtin_prefetch(&m->slots[h & (m->nslots - 1)]);
}
/* Entry e's key (NUL-terminated; valid until the next insertion). */
static inline const char *strmap_key(const StrMap *m, size_t e) { return m->arena + m->koff[e]; }
/* Heap bytes it holds (for memory budgets). */
size_t strmap_bytes(const StrMap *m);
void strmap_free(StrMap *m);

/* ---- files ---- */
/* Reads a whole file into memory (NUL-terminated). Refuses files above
 * max_bytes with a clear error. Returns 0 or -1 with err_msg() set. */
int read_file(const char *path, size_t max_bytes, char **out, size_t *len);
/* Wall-clock seconds, monotonic. */
double now_seconds(void);
/* CPU seconds the calling thread has used. */
double thread_cpu_seconds(void);

/* ---- json_string.c ---- */
/* The JSON string at p (on its opening quote; the text ends before end)
 * decoded into out, when out is not NULL: returns where the string ends
 * (after its closing quote), or NULL with *why set to what is wrong. A
 * lone surrogate escape becomes U+FFFD. */
const char *json_string_decode(const char *p, const char *end, Buf *out, const char **why);
/* Where the JSON number at p (the text ends before end) ends, or NULL
 * when what is at p is not one (JSON's grammar: no '+', no leading zero,
 * digits after '.' and after an exponent). */
const char *json_number_end(const char *p, const char *end);

#endif
