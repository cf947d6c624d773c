/*
 * phrase.c: occurrences of a phrase in one passage, from its words'
 * positions.
 *
 * For each position p0 of the first word, every next word is matched at
 * its earliest position that keeps the phrase's gaps (a stop word between
 * two words left a gap of one position in the query and must in the text
 * too); taking the earliest keeps the span as short as it can be, so one
 * greedy pass decides whether p0 starts an occurrence within the slop. As
 * p0 grows the earliest choices only move forward, so the whole count is
 * one merge over the position lists: O(sum of their lengths).
 */
#include "query/query.h"

uint32_t phrase_each(const uint32_t *const *pos, const uint32_t *npos, const uint32_t *off, size_t m, uint32_t slop,
                     phrase_fn fn, void *ctx)
{
    uint32_t idx[QUERY_MAX_TERMS];
    for (size_t i = 0; i < m; i++) idx[i] = 0;
    uint32_t count = 0, span = off[m - 1] - off[0];
    for (uint32_t s = 0; s < npos[0]; s++) {
        uint32_t p0 = pos[0][s], prev = p0;
        for (size_t i = 1; i < m; i++) {
            uint64_t need = (uint64_t)prev + (off[i] - off[i - 1]);
            while (idx[i] < npos[i] && pos[i][idx[i]] < need) idx[i]++;
            if (idx[i] == npos[i]) return count; /* later starts need even more */
            prev = pos[i][idx[i]];
        }
        if ((uint64_t)(prev - p0) <= (uint64_t)span + slop) {
            count++;
            if (fn) fn(ctx, p0, prev);
        }
    }
    return count;
}

uint32_t phrase_count(const uint32_t *const *pos, const uint32_t *npos, const uint32_t *off, size_t m,
                      uint32_t slop)
{
    return phrase_each(pos, npos, off, m, slop, NULL, NULL);
}
