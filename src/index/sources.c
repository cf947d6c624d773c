/*
 * sources.c: the corpus files a commit was made from (FORMAT.md,
 * "sources.bin"), both sides.
 *
 * An update may skip a file unread only when the file is provably the one
 * the live commit indexed. The proof is the file's stamp (corpus.h): a hash
 * of its size, mtime, ctime, inode and device, taken before it was read.
 * The stamps belong to the commit, not to the segments: a segment's
 * article records never change, so a file that was read again and found
 * the same (touched, or restored) would otherwise keep an old stamp
 * forever. Keys carry their kind ('A' + article id for an article file,
 * 'F' + path for a passages file), so a file read one way is never taken
 * for the same file read the other.
 *
 * sources.bin is a cache of that proof: a commit without one (older
 * versions) or with a damaged one only makes the next update read every
 * file.
 */
#include "index/writer.h"

#include <stdlib.h>

void sources_init(Sources *s)
{
    memset(s, 0, sizeof *s);
    strmap_init(&s->keys);
}

void sources_free(Sources *s)
{
    strmap_free(&s->keys);
    free(s->stamp);
    memset(s, 0, sizeof *s);
}

static void put(Sources *s, const char *key, size_t len, uint64_t stamp)
{
    int added;
    uint32_t *v = strmap_upsert(&s->keys, key, len, &added);
    if (!added) {
        s->stamp[*v - 1] = stamp;
        return;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->stamp = xrealloc(s->stamp, s->cap * sizeof *s->stamp);
    }
    s->stamp[s->n++] = stamp;
    *v = (uint32_t)s->n;
}

/* 'A' + id or 'F' + path, in buf (caller frees). */
static char *make_key(char kind, const char *name, size_t *len)
{
    size_t n = strlen(name);
    char *k = xmalloc(n + 2);
    k[0] = kind;
    memcpy(k + 1, name, n + 1);
    *len = n + 1;
    return k;
}

void sources_put(Sources *s, char kind, const char *name, uint64_t stamp)
{
    size_t len;
    char *k = make_key(kind, name, &len);
    put(s, k, len, stamp);
    free(k);
}

uint64_t sources_get(const Sources *s, char kind, const char *name)
{
    size_t len;
    char *k = make_key(kind, name, &len);
    uint32_t *v = strmap_get(&s->keys, k, len);
    free(k);
    return v ? s->stamp[*v - 1] : 0;
}

int sources_equal(const Sources *a, const Sources *b)
{
    if (a->n != b->n) return 0;
    for (size_t e = 0; e < a->n; e++) {
        uint32_t *v = strmap_get(&b->keys, strmap_key(&a->keys, e), a->keys.klens[e]);
        if (!v || b->stamp[*v - 1] != a->stamp[e]) return 0;
    }
    return 1;
}

int sources_write(const Sources *s, const char *commit)
{
    Buf b = {0};
    buf_put_u64(&b, s->n);
    for (size_t e = 0; e < s->n; e++) source_entry_put(&b, s->stamp[e], strmap_key(&s->keys, e), s->keys.klens[e]);
    int rc = file_write(commit, "sources.bin", "SRCS", &b);
    buf_free(&b);
    return rc;
}

int sources_read(Sources *s, const char *commit)
{
    sources_init(s);
    MappedFile f;
    if (file_map(commit, "sources.bin", "SRCS", &f) != 0) return -1;
    const uint8_t *p = f.payload, *end = f.payload + f.len;
    int rc = f.len >= COUNT_BYTES ? 0 : -1;
    uint64_t n = rc == 0 ? count_get(p) : 0;
    if (rc == 0 && n > (f.len - COUNT_BYTES) / SOURCE_ENTRY_MIN_BYTES) rc = -1;
    p += rc == 0 ? COUNT_BYTES : 0;
    for (uint64_t e = 0; rc == 0 && e < n; e++) {
        SourceEntry se;
        size_t used = source_entry_get(p, end, &se);
        if (!used) {
            rc = -1;
            break;
        }
        put(s, se.key, se.key_len, se.stamp);
        p += used;
    }
    if (rc == 0 && (p != end || s->n != n)) rc = -1; /* trailing bytes, or a key twice */
    file_unmap(&f);
    if (rc != 0) {
        file_corrupt(commit, "sources.bin", "bad file list");
        sources_free(s);
        sources_init(s);
    }
    return rc;
}
