/*
 * token_map.c: the indexing worker's cache from folded token to term id
 * (index_worker.h).
 *
 * It is looked up once per token, and a corpus with millions of distinct
 * words makes it far larger than the CPU caches, so what a look-up costs is
 * its cache misses. A general StrMap (util.h) misses on its slot, then on
 * the entry's key offset, length, key bytes and value, one after another.
 * Here a slot holds the hash, the value, the length and, for keys of up to
 * TOKEN_INLINE bytes (nearly every word), the key itself: 32 bytes, half a
 * cache line, so one miss, which the worker prefetches for a whole passage
 * at a time, answers a look-up. Longer keys keep their bytes in an arena.
 */
#include "index/index_worker.h"

#include <stdlib.h>

#define FIRST_SLOTS 1024

static int slot_empty(const TokenSlot *s) { return s->len == 0; } /* keys are never empty */

/* The key bytes a slot stands for. */
static const char *slot_key(const TokenMap *m, const TokenSlot *s)
{
    if (s->len <= TOKEN_INLINE) return s->key;
    uint64_t off;
    memcpy(&off, s->key, sizeof off);
    return m->arena.data ? (const char *)m->arena.data + off : NULL;
}

static inline int same_key(const TokenMap *m, const TokenSlot *s, const char *key, size_t len)
{
    return len <= TOKEN_INLINE ? token_same_inline(s->key, key, len) : memcmp(slot_key(m, s), key, len) == 0;
}

/* The slot holding key, or the empty slot where it would go. */
static TokenSlot *find(const TokenMap *m, const char *key, size_t len, uint32_t h)
{
    size_t mask = m->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        TokenSlot *s = &m->slots[i];
        if (slot_empty(s)) return s;
        if (s->hash == h && s->len == len && same_key(m, s, key, len)) return s;
    }
}

static void grow(TokenMap *m)
{
    size_t ns = m->nslots ? 2 * m->nslots : FIRST_SLOTS;
    TokenSlot *slots = xaligned_alloc(64, ns * sizeof *slots);
    memset(slots, 0, ns * sizeof *slots);
    for (size_t i = 0; i < m->nslots; i++) {
        const TokenSlot *s = &m->slots[i];
        if (slot_empty(s)) continue;
        size_t j = s->hash & (ns - 1);
        while (!slot_empty(&slots[j])) j = (j + 1) & (ns - 1);
        slots[j] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = ns;
}

void tokenmap_init(TokenMap *m) { memset(m, 0, sizeof *m); }

const uint32_t *tokenmap_get(const TokenMap *m, const char *key, size_t len, uint32_t h)
{
    if (!m->nslots) return NULL;
    const TokenSlot *s = find(m, key, len, h);
    return slot_empty(s) ? NULL : &s->value;
}

void tokenmap_put(TokenMap *m, const char *key, size_t len, uint32_t h, uint32_t value)
{
    if ((m->n + 1) * 2 > m->nslots) grow(m); /* load factor <= 1/2: short probes */
    TokenSlot *s = find(m, key, len, h);
    if (slot_empty(s)) {
        s->hash = h;
        s->len = (uint8_t)len;
        if (len <= TOKEN_INLINE) {
            memcpy(s->key, key, len);
        } else {
            uint64_t off = m->arena.len;
            buf_append(&m->arena, key, len);
            memcpy(s->key, &off, sizeof off);
        }
        m->n++;
    }
    s->value = value;
}

void tokenmap_front(TokenMap *m, size_t bytes)
{
    unsigned bits = 0;
    while (bits < HOT_BITS_MAX && sizeof(TokenSlot) << (bits + 1) <= bytes) bits++;
    m->hot_bits = bits >= 8 ? bits : 0; /* a smaller table would be all conflicts */
}

void tokenmap_hot_put(TokenMap *m, const char *key, size_t len, uint32_t h, uint32_t value)
{
    if (len > TOKEN_INLINE || !m->hot_bits) return;
    if (!m->hot) m->hot = xcalloc((size_t)1 << m->hot_bits, sizeof *m->hot);
    TokenSlot *s = &m->hot[h >> (32 - m->hot_bits)];
    s->hash = h;
    s->value = value;
    s->len = (uint8_t)len;
    memcpy(s->key, key, len);
}

size_t tokenmap_bytes(const TokenMap *m)
{
    return m->nslots * sizeof *m->slots + m->arena.cap + (m->hot ? sizeof *m->hot << m->hot_bits : 0);
}

void tokenmap_free(TokenMap *m)
{
    unsigned bits = m->hot_bits; /* its size stays */
    free(m->slots);
    free(m->hot); /* its values are the main table's: they go together */
    buf_free(&m->arena);
    tokenmap_init(m);
    m->hot_bits = bits;
}
