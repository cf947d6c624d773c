/*
 * stemmer.c: Snowball stemming through libstemmer, with a stem cache.
 *
 * Natural text repeats a small vocabulary over and over, and running the
 * Snowball machine costs far more than a hash lookup, so each distinct
 * folded term is stemmed once and its stem kept in a string pool. A hit
 * costs one hash and one memcmp and allocates nothing. The cache stops
 * growing at STEM_CACHE_MAX terms to bound memory on huge vocabularies;
 * the frequent words have been seen long before that, and rarer ones are
 * simply stemmed every time.
 */
#include "analysis/stemmer.h"
#include "analysis/analysis.h"
#include "util/util.h"

#include <pthread.h>
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <threads.h>

#define STEM_CACHE_MAX (1u << 18) /* terms; about 25 MB at worst */

struct Stemmer {
    struct sb_stemmer *sb;
    StrMap cache;                     /* folded term -> offset of its entry in pool */
    Buf pool;                         /* entries: length byte, stem, NUL */
    char scratch[TERM_MAX_BYTES + 1]; /* the result when the cache is not used */
};

/* ---- the language list ---- */

static char languages[1024];
/* pthread_once, not C11 call_once, which ThreadSanitizer cannot see into
 * (stopwords.c) */
static pthread_once_t languages_once = PTHREAD_ONCE_INIT;

static void build_languages(void)
{
    size_t n = 0;
    for (const char **l = sb_stemmer_list(); *l; l++) {
        size_t k = strlen(*l);
        if (n + k + 2 > sizeof languages) break; /* cannot happen with ~30 names */
        if (n) languages[n++] = ' ';
        memcpy(languages + n, *l, k);
        n += k;
    }
    languages[n] = '\0';
}

static const char *language_list[64];
static pthread_once_t language_list_once = PTHREAD_ONCE_INIT;

static void build_language_list(void)
{
    size_t n = 0;
    for (const char **l = sb_stemmer_list(); *l && n + 2 < sizeof language_list / sizeof *language_list; l++)
        language_list[n++] = *l;
    language_list[n] = "none";
}

const char *const *analysis_language_list(void)
{
    pthread_once(&language_list_once, build_language_list);
    return language_list;
}

/* Built once: libstemmer's list is fixed for the life of the process. */
const char *analyzer_languages(void)
{
    pthread_once(&languages_once, build_languages);
    return languages;
}

int analysis_language_known(const char *language)
{
    if (strcmp(language, "none") == 0) return 1;
    struct sb_stemmer *sb = sb_stemmer_new(language, "UTF_8");
    sb_stemmer_delete(sb);
    return sb != NULL;
}

/* A name in any case maps to libstemmer's lower-case one, so "English"
 * and "english" make the same index (the name is stored in it, and an
 * update compares it); libstemmer itself only knows the lower case. */
const char *analysis_language_name(const char *language)
{
    if (strcasecmp(language, "none") == 0) return "none";
    for (const char **l = sb_stemmer_list(); *l; l++)
        if (strcasecmp(language, *l) == 0) return *l;
    return analysis_language_known(language) ? language : NULL; /* an alias, such as "en" */
}

/* ---- stemming ---- */

Stemmer *stemmer_new(const char *language)
{
    struct sb_stemmer *sb = sb_stemmer_new(language, "UTF_8");
    if (!sb) {
        err_set("unknown stemmer language '%s' (known: %s none)", language, analyzer_languages());
        return NULL;
    }
    Stemmer *s = xcalloc(1, sizeof *s);
    s->sb = sb;
    strmap_init(&s->cache);
    return s;
}

void stemmer_free(Stemmer *s)
{
    if (!s) return;
    sb_stemmer_delete(s->sb);
    strmap_free(&s->cache);
    buf_free(&s->pool);
    free(s);
}

/* Runs Snowball on term and writes the stem, cut to TERM_MAX_BYTES at a
 * code-point boundary, into out. Returns its length. */
static size_t run_snowball(Stemmer *s, const char *term, size_t len, char *out)
{
    const sb_symbol *r = sb_stemmer_stem(s->sb, (const sb_symbol *)term, (int)len);
    size_t n;
    if (r) {
        n = (size_t)sb_stemmer_length(s->sb);
    } else {
        r = (const sb_symbol *)term; /* out of memory inside libstemmer: keep the term */
        n = len;
    }
    if (n > TERM_MAX_BYTES) {
        n = TERM_MAX_BYTES;
        while (n > 0 && (r[n] & 0xC0) == 0x80) n--; /* r[n] would start the cut-off part */
    }
    memcpy(out, r, n);
    out[n] = '\0';
    return n;
}

const char *stemmer_stem_once(Stemmer *s, const char *term, size_t len, size_t *out_len)
{
    if (len > TERM_MAX_BYTES) len = TERM_MAX_BYTES;
    *out_len = run_snowball(s, term, len, s->scratch);
    return s->scratch;
}

const char *stemmer_stem(Stemmer *s, const char *term, size_t len, size_t *out_len)
{
    if (len > TERM_MAX_BYTES) len = TERM_MAX_BYTES; /* callers pass folded terms */
    uint32_t *slot = strmap_get(&s->cache, term, len);
    if (slot) {
        const uint8_t *entry = s->pool.data + *slot;
        *out_len = entry[0];
        return (const char *)entry + 1;
    }
    size_t n = run_snowball(s, term, len, s->scratch);
    *out_len = n;
    if (s->cache.n >= STEM_CACHE_MAX) return s->scratch;

    uint32_t off = (uint32_t)s->pool.len; /* < STEM_CACHE_MAX * 66 bytes */
    buf_put_u8(&s->pool, (uint8_t)n);
    buf_append(&s->pool, s->scratch, n + 1);
    *strmap_upsert(&s->cache, term, len, NULL) = off;
    return s->scratch;
}
