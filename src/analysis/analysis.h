/*
 * analysis.h: text -> terms. The indexer and the query engine both run text
 * through one Analyzer built from the AnalysisConfig stored in the index, so
 * a query term and an indexed term are made the same way.
 *
 * Pipeline (one file per step):
 *   tokenizer.c   UTF-8 text -> raw token spans (byte offsets into the text)
 *   ascii_chunk.c the same for plain ASCII, 16 bytes at a time (the indexer)
 *   fold.c        case folding + accent folding (utf8proc), ASCII fast path
 *   stopwords.c   the English stop list (optional)
 *   stemmer.c     Snowball stemming through libstemmer, with a stem cache
 *   analyzer.c    the pipeline: spans -> folded -> stop words -> stems
 */
#ifndef ANALYSIS_H
#define ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#define TERM_MAX_BYTES 64 /* longer tokens are cut (at a UTF-8 boundary) */

/* ---- tokenizer.c ---- */

/* A raw token: [start, end) bytes of the source text. */
typedef struct {
    size_t start; /* first byte */
    size_t end;   /* one past the last byte */
} TokenSpan;

typedef struct {
    const uint8_t *text; /* the text being split, not owned */
    size_t len;          /* its length in bytes */
    size_t pos;          /* where the next scan starts */
} Tokenizer;

void tokenizer_init(Tokenizer *t, const char *text, size_t len);
/* Finds the next token; returns 0 at the end of the text. Tokens are runs of
 * letters, digits and combining marks; an apostrophe (' or U+2019) between
 * letters stays inside ("ketamine’s"), as does a '.' or ',' between digits
 * ("3.5", "10,000"). Hyphens and dashes split ("treatment-resistant" is two
 * tokens). Malformed UTF-8 bytes are separators, never an error. */
int tokenizer_next(Tokenizer *t, TokenSpan *out);
/* The letters-only variant (AnalysisConfig.letters_only): runs of letters,
 * combining marks continuing a word; everything else separates. */
int tokenizer_next_letters(Tokenizer *t, TokenSpan *out);

/* ---- fold.c ---- */

/* Case-folds and accent-folds src[0..len) into out (NUL-terminated, at most
 * TERM_MAX_BYTES bytes, cut at a code-point boundary); U+2019 becomes '.
 * Returns the folded length (0 if nothing is left). */
size_t fold_token(const char *src, size_t len, char out[TERM_MAX_BYTES + 1]);

/* ---- stopwords.c ---- */

/* 1 when the folded term is an English stop word. */
int is_stopword(const char *term, size_t len);

/* ---- analyzer.c / stemmer.c ---- */

typedef struct {
    char language[32]; /* a libstemmer algorithm name, "english" by default;
                          "none" disables stemming */
    int stopwords;     /* 1: drop English stop words */
    int letters_only;  /* 1: tokens are runs of letters only (digits and
                          apostrophes split), the search-benchmark-game's
                          analysis; 0: the standard tokenizer above */
} AnalysisConfig;

void analysis_config_default(AnalysisConfig *c);
/* 1 when text analysed with a and with b gives the same terms. */
int analysis_config_equal(const AnalysisConfig *a, const AnalysisConfig *b);

typedef struct Analyzer Analyzer;

/* One analysed token. term is valid only during the callback. */
typedef struct {
    const char *term; /* folded and stemmed, NUL-terminated */
    size_t len;       /* bytes in term */
    size_t start;     /* byte range of the token in the source text */
    size_t end;
    uint32_t pos;     /* token position (stop words still count) */
} Token;

typedef void (*token_fn)(void *ctx, const Token *tok);

/* NULL with err_msg() set when the language is unknown to libstemmer. */
Analyzer *analyzer_new(const AnalysisConfig *c);
void analyzer_free(Analyzer *a);
/* Runs the pipeline over text, calling fn for every kept token in order.
 * Returns the number of positions used (tokens including stop words). */
uint32_t analyzer_run(Analyzer *a, const char *text, size_t len, token_fn fn, void *ctx);
/* The indexer's fast path: analyzer_run stopped after folding. tok->term
 * is the folded token (stop words included); the caller maps folded
 * tokens to terms with analyzer_finish and caches the answer, so the
 * stemmer runs once per distinct token. Positions count as in analyzer_run. */
uint32_t analyzer_run_folded(Analyzer *a, const char *text, size_t len, token_fn fn, void *ctx);
/* A text's folded tokens packed for the indexer, which looks them up by
 * their bytes: each token after a caller's prefix, back to back in bytes;
 * per token where it starts there, its length (prefix included) and its
 * position. Reused from text to text; zero-initialise before first use. */
typedef struct {
    char *bytes;
    size_t len, cap;             /* bytes used / allocated */
    uint32_t *off, *tlen, *pos;  /* per token */
    size_t n, ncap;              /* tokens / room for them */
} FoldedTokens;

/* analyzer_run_folded into out (emptied first), each token after the
 * plen bytes of prefix: the folded bytes are written where they stay,
 * with no copy and no call per token. Returns the positions used. */
uint32_t analyzer_fold_tokens(Analyzer *a, const char *text, size_t len, const char *prefix, size_t plen,
                              FoldedTokens *out);
void folded_tokens_free(FoldedTokens *t);

/* ascii_chunk.c: the tokens the standard tokenizer would find in the 16
 * bytes at p, as far as those bytes decide them (the text before p ends no
 * token inside them). */
typedef struct {
    uint8_t start[8], end[8]; /* the decided tokens: [start, end) */
    unsigned n;
    unsigned next;     /* where the undecided rest starts; 0: nothing decided */
    uint8_t lower[32]; /* the 16 bytes, A-Z lowercased (then room to read 16 past any start) */
} AsciiChunk;
/* Scans 16 readable bytes at p into c; 0 where there is no fast path
 * (no SSE2), and the general tokenizer must do it all. */
int ascii_chunk_scan(const uint8_t *p, AsciiChunk *c);
/* What a folded token becomes: the term's length in out, or 0 for a stop
 * word. analyzer_run(text) == analyzer_finish(analyzer_run_folded(text)).
 * It skips the stem cache: meant for callers that cache tokens themselves. */
size_t analyzer_finish(Analyzer *a, const char *folded, size_t len, char out[TERM_MAX_BYTES + 1]);
/* Analyses a single already-folded word (as a query term would be). Returns
 * the stem in out (NUL-terminated) and its length, or 0 for a stop word. */
size_t analyzer_term(Analyzer *a, const char *word, size_t len, char out[TERM_MAX_BYTES + 1]);

/* Space-separated list of the languages libstemmer knows (static string). */
const char *analyzer_languages(void);
/* The same as a NULL-terminated list, "none" last. */
const char *const *analysis_language_list(void);
/* 1 when analyzer_new would accept the language name (a libstemmer name
 * or alias, or "none"); an index names one, and its reader checks it. */
int analysis_language_known(const char *language);
/* The name to store for a language given in any case ("English" ->
 * "english", "NONE" -> "none"; a libstemmer alias such as "en" as
 * given), or NULL when analyzer_new would refuse it. */
const char *analysis_language_name(const char *language);

#endif
