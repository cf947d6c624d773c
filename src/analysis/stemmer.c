/*
 * stemmer.c: Snowball stemming through libstemmer, with a stem cache.
 *
 * Natural text repeats a small vocabulary over and over, and running the
 * Snowball machine costs far more than a hash lookup, so each distinct
 * folded term is stemmed once and kept with its stem in one 64-byte line
 * of an open-addressing table: a hit reads one cache line (highlighting
 * a query's hits stems every word of their texts, and a table of keys,
 * offsets and a separate string pool cost four or five cache misses a
 * lookup: docs/decisions/2026-12-06-store-dictionary.md). A hit costs one
 * hash and one memcmp and allocates nothing. The table stops growing at
 * STEM_CACHE_MAX terms (32 MB) to bound memory on huge vocabularies; the
 * frequent words have been seen long before that, and rarer ones, and
 * terms or stems too long for a line, are simply stemmed every time.
 */
#include "analysis/stemmer.h"
#include "analysis/analysis.h"
#include "util/util.h"

#include <pthread.h>
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <threads.h>

#define STEM_CACHE_MAX (1u << 18) /* terms, in at most twice as many lines */
#define LINE_BYTES 29              /* a term shorter than this, and its stem */

typedef struct {
    uint32_t hash;
    uint8_t len, stem_len; /* len 0: an empty line */
    char term[LINE_BYTES];
    char stem[LINE_BYTES]; /* NUL-terminated */
} Line;
_Static_assert(sizeof(Line) == 64, "a line of the stem cache is one cache line");

struct Stemmer {
    struct sb_stemmer *sb;
    Line *lines;                      /* the cache: nlines, a power of two, or none yet */
    size_t nlines, n;                 /* lines, terms in them */
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

/* A table of n empty lines straight from the kernel, and back: a server
 * makes a stemmer per thread for each generation of the index, and tables
 * of megabytes taken from and given back to malloc left its heap larger
 * after each (the soak's RSS rose); the kernel also zeroes the pages as
 * they are first touched. NULL when there is no memory: the cache then
 * stops growing, it does not fail the caller. */
static Line *lines_new(size_t n)
{
    void *p = mmap(NULL, n * sizeof(Line), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void lines_free(Line *l, size_t n)
{
    if (l) munmap(l, n * sizeof *l);
}


Stemmer *stemmer_new(const char *language)
{
    struct sb_stemmer *sb = sb_stemmer_new(language, "UTF_8");
    if (!sb) {
        err_set("unknown stemmer language '%s' (known: %s none)", language, analyzer_languages());
        return NULL;
    }
    Stemmer *s = xcalloc(1, sizeof *s);
    s->sb = sb;
    return s;
}

void stemmer_free(Stemmer *s)
{
    if (!s) return;
    sb_stemmer_delete(s->sb);
    lines_free(s->lines, s->nlines);
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

/* The line holding term, or the empty line where it would go. */
static Line *find_line(Line *lines, size_t nlines, const char *term, size_t len, uint32_t h)
{
    for (size_t i = h & (nlines - 1);; i = (i + 1) & (nlines - 1)) {
        Line *l = &lines[i];
        if (!l->len || (l->hash == h && l->len == len && memcmp(l->term, term, len) == 0)) return l;
    }
}

/* Room for one more term at a load of at most one half: 0, or -1 when
 * the cache is full. The new table is made before the old one is let go,
 * so running out of memory leaves the cache as it was. */
static int make_room(Stemmer *s)
{
    if (s->n + 1 <= s->nlines / 2) return 0;
    if (s->n >= STEM_CACHE_MAX) return -1;
    size_t nlines = s->nlines ? 2 * s->nlines : 1024;
    Line *lines = lines_new(nlines);
    if (!lines) return -1;
    for (size_t i = 0; i < s->nlines; i++)
        if (s->lines[i].len) {
            const Line *l = &s->lines[i];
            *find_line(lines, nlines, l->term, l->len, l->hash) = *l;
        }
    lines_free(s->lines, s->nlines);
    s->lines = lines;
    s->nlines = nlines;
    return 0;
}

uint32_t stemmer_prefetch(const Stemmer *s, const char *term, size_t len)
{
    uint32_t h = hash_bytes(term, len);
    if (s->nlines && len && len < LINE_BYTES) __builtin_prefetch(&s->lines[h & (s->nlines - 1)]);
    return h;
}

const char *stemmer_stem(Stemmer *s, const char *term, size_t len, size_t *out_len)
{
    if (len > TERM_MAX_BYTES) len = TERM_MAX_BYTES; /* callers pass folded terms */
    return stemmer_stem_hashed(s, term, len, hash_bytes(term, len), out_len);
}

const char *stemmer_stem_hashed(Stemmer *s, const char *term, size_t len, uint32_t h, size_t *out_len)
{
    if (len == 0 || len >= LINE_BYTES) return stemmer_stem_once(s, term, len, out_len);
    Line *l = s->nlines ? find_line(s->lines, s->nlines, term, len, h) : NULL;
    if (l && l->len) {
        *out_len = l->stem_len;
        return l->stem;
    }
    size_t n = run_snowball(s, term, len, s->scratch);
    *out_len = n;
    if (n >= LINE_BYTES || make_room(s) != 0) return s->scratch;
    l = find_line(s->lines, s->nlines, term, len, h); /* the table may have grown */
    l->hash = h;
    l->len = (uint8_t)len;
    memcpy(l->term, term, len);
    l->stem_len = (uint8_t)n;
    memcpy(l->stem, s->scratch, n + 1);
    s->n++;
    return l->stem;
}
