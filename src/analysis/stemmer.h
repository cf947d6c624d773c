/*
 * stemmer.h: Snowball stemming with a per-stemmer cache (private to
 * src/analysis; the public entry points are in analysis.h).
 */
#ifndef ANALYSIS_STEMMER_H
#define ANALYSIS_STEMMER_H

#include <stddef.h>
#include <stdint.h>

typedef struct Stemmer Stemmer;

/* A stemmer for a libstemmer algorithm name ("english", "french", ...).
 * NULL with err_msg() set when libstemmer does not know the language. */
Stemmer *stemmer_new(const char *language);
void stemmer_free(Stemmer *s);

/* The stem of a folded term (term[0..len), len <= TERM_MAX_BYTES):
 * NUL-terminated, at most TERM_MAX_BYTES bytes, its length in *out_len.
 * Valid until the next call on s. Not thread-safe: one Stemmer per thread. */
const char *stemmer_stem(Stemmer *s, const char *term, size_t len, size_t *out_len);
/* Starts loading the cache's memory for term, which stemmer_stem_hashed
 * will soon be asked (so that the misses of many words overlap); returns
 * the term's hash for it. len <= TERM_MAX_BYTES. */
uint32_t stemmer_prefetch(const Stemmer *s, const char *term, size_t len);
/* stemmer_stem with the hash stemmer_prefetch gave for the same term. */
const char *stemmer_stem_hashed(Stemmer *s, const char *term, size_t len, uint32_t hash, size_t *out_len);
/* The same without the cache, for a caller that asks once per term. */
const char *stemmer_stem_once(Stemmer *s, const char *term, size_t len, size_t *out_len);

#endif
