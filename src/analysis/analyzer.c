/*
 * analyzer.c: the analysis pipeline, spans -> folded -> stop words -> stems.
 *
 * The indexer (analyzer_run over documents) and the query engine
 * (analyzer_term over query words) share the per-term steps below, so a
 * word in a query is turned into exactly the term the indexer stored.
 *
 * An Analyzer holds a stem cache and libstemmer state and is therefore not
 * thread-safe: each thread needs its own.
 */
#include "analysis/analysis.h"
#include "analysis/stemmer.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* The letters-only tokenizer (tokenizer.c): tokens are maximal runs of
 * letters and the combining marks after them. Same contract as
 * tokenizer_next. (Its declaration belongs in analysis.h.) */

struct Analyzer {
    AnalysisConfig cfg;
    Stemmer *stemmer; /* NULL for language "none" */
};

void analysis_config_default(AnalysisConfig *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->language, "english");
    c->stopwords = 0;
    c->letters_only = 0;
}

Analyzer *analyzer_new(const AnalysisConfig *c)
{
    /* The config may come from an index file: do not trust its NUL. */
    if (strnlen(c->language, sizeof c->language) == sizeof c->language) {
        err_set("stemmer language name is too long");
        return NULL;
    }
    Stemmer *s = NULL;
    if (strcmp(c->language, "none") != 0) {
        s = stemmer_new(c->language);
        if (!s) return NULL;
    }
    Analyzer *a = xcalloc(1, sizeof *a);
    a->cfg = *c;
    a->stemmer = s;
    return a;
}

void analyzer_free(Analyzer *a)
{
    if (!a) return;
    stemmer_free(a->stemmer);
    free(a);
}

/* The steps after folding: NULL for a stop word, else the final term. */
static const char *finish_term(Analyzer *a, const char *folded, size_t len, size_t *out_len)
{
    if (a->cfg.stopwords && is_stopword(folded, len)) return NULL;
    if (!a->stemmer) {
        *out_len = len;
        return folded;
    }
    return stemmer_stem(a->stemmer, folded, len, out_len);
}

uint32_t analyzer_run(Analyzer *a, const char *text, size_t len, token_fn fn, void *ctx)
{
    Tokenizer tz;
    TokenSpan sp;
    char folded[TERM_MAX_BYTES + 1];
    uint32_t pos = 0;

    int (*next)(Tokenizer *, TokenSpan *) = a->cfg.letters_only ? tokenizer_next_letters : tokenizer_next;
    tokenizer_init(&tz, text, len);
    while (next(&tz, &sp)) {
        size_t flen = fold_token(text + sp.start, sp.end - sp.start, folded);
        if (flen == 0) continue; /* only marks: not a word, takes no position */
        uint32_t p = pos++;      /* stop words keep their place for phrases */
        Token tok;
        tok.term = finish_term(a, folded, flen, &tok.len);
        if (!tok.term || tok.len == 0) continue;
        tok.start = sp.start;
        tok.end = sp.end;
        tok.pos = p;
        fn(ctx, &tok);
    }
    return pos;
}

uint32_t analyzer_run_folded(Analyzer *a, const char *text, size_t len, token_fn fn, void *ctx)
{
    Tokenizer tz;
    TokenSpan sp;
    char folded[TERM_MAX_BYTES + 1];
    uint32_t pos = 0;
    int (*next)(Tokenizer *, TokenSpan *) = a->cfg.letters_only ? tokenizer_next_letters : tokenizer_next;
    tokenizer_init(&tz, text, len);
    while (next(&tz, &sp)) {
        size_t flen = fold_token(text + sp.start, sp.end - sp.start, folded);
        if (flen == 0) continue;
        Token tok = {folded, flen, sp.start, sp.end, pos++};
        fn(ctx, &tok);
    }
    return pos;
}

size_t analyzer_finish(Analyzer *a, const char *folded, size_t len, char out[TERM_MAX_BYTES + 1])
{
    size_t n;
    const char *term = finish_term(a, folded, len, &n);
    if (!term || n == 0) return 0;
    memcpy(out, term, n);
    out[n] = '\0';
    return n;
}

size_t analyzer_term(Analyzer *a, const char *word, size_t len, char out[TERM_MAX_BYTES + 1])
{
    char folded[TERM_MAX_BYTES + 1];
    size_t flen = fold_token(word, len, folded);
    out[0] = '\0';
    if (flen == 0) return 0;
    size_t n;
    const char *term = finish_term(a, folded, flen, &n);
    if (!term) return 0;
    memcpy(out, term, n);
    out[n] = '\0';
    return n;
}
