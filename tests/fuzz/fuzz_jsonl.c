/* fuzz_jsonl.c: libFuzzer target for the JSON-lines reader. The first
 * byte picks the options (strict or not, a line limit from 16 bytes to the
 * default), the rest is the stream. Every document handed out must be
 * what the reader promises: an id that is not empty and a text that is not
 * blank, neither holding a byte a passages-file row cannot (tab, newlines,
 * the other white-space controls, NUL); rows in order (base past the
 * previous row's end); one passage when the passage size is its length;
 * and written back as a JSON line and read again, the same id and text.
 * The counts must add up. A crash, a sanitizer report or a broken promise
 * aborts; malformed input may only be an error. */
#include <stdio.h>
#include <stdlib.h>

#include "analysis/analysis.h"
#include "corpus/corpus.h"
#include "util/util.h"

static Analyzer *an;

typedef struct {
    uint64_t calls;
    uint64_t row_end; /* where the previous document's row ended */
    int nested;       /* reading a document back: no further checks */
    Buf id, text;     /* what the read-back saw */
} State;

static void on_token(void *ctx, const Token *t)
{
    (void)ctx;
    if (t->len == 0 || t->len > TERM_MAX_BYTES || t->start >= t->end) abort();
}

static int row_byte(uint8_t c) { return !is_blank(c) && c != 0; }

/* s as a JSON string: controls, '"' and '\\' escaped, other bytes as they
 * are (the reader keeps bytes that are not UTF-8). */
static void put_json_string(Buf *b, const char *s, size_t n)
{
    buf_put_u8(b, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '"' || c == '\\') {
            buf_put_u8(b, '\\');
            buf_put_u8(b, c);
        } else if (c < 0x20) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_put_u8(b, c);
        }
    }
    buf_put_u8(b, '"');
}

static int read_back(void *ctx, const Article *a)
{
    State *s = ctx;
    s->id.len = s->text.len = 0;
    buf_append(&s->id, a->id, strlen(a->id));
    buf_append(&s->text, a->text, a->len);
    return 0;
}

static int on_article(void *ctx, const Article *a)
{
    State *s = ctx;
    s->calls++;
    size_t idlen = strlen(a->id);
    if (!idlen || strcmp(a->title, "") || strcmp(a->path, "fuzz") || a->heading_end || a->title_end) abort();
    for (size_t i = 0; i < idlen; i++)
        if (!row_byte((uint8_t)a->id[i]) && a->id[i] != ' ') abort();
    int blank = 1;
    for (size_t i = 0; i < a->len; i++) {
        uint8_t c = (uint8_t)a->text[i];
        if (!row_byte(c) && c != ' ') abort();
        blank &= c == ' ';
    }
    if (blank) abort();
    if (a->base < s->row_end + idlen + 2) abort();
    s->row_end = a->base + a->len + 1;

    /* one passage, as sbg-index relies on */
    size_t words = count_words(a->text, 0, a->len);
    PassageSpan *sp;
    size_t n = passages_split(a->text, a->len, 0, words ? words : 1, &sp);
    if (n != 1 || sp[0].end > a->len) abort();
    analyzer_run(an, a->text + sp[0].start, sp[0].end - sp[0].start, on_token, NULL);
    free(sp);

    /* written back and read again: the same */
    Buf line = {0};
    buf_printf(&line, "{\"text\": ");
    put_json_string(&line, a->text, a->len);
    buf_printf(&line, ", \"id\": ");
    put_json_string(&line, a->id, idlen);
    buf_printf(&line, "}\n");
    FILE *f = fmemopen(line.data, line.len, "r");
    if (!f) abort();
    State again = {0};
    CorpusOptions o;
    corpus_options_default(&o);
    CorpusStats st;
    if (jsonl_read(f, "again", &o, read_back, &again, &st) != 0 || st.articles != 1) abort();
    if (again.id.len != idlen || memcmp(again.id.data, a->id, idlen) != 0) abort();
    if (again.text.len != a->len || (a->len && memcmp(again.text.data, a->text, a->len) != 0)) abort();
    fclose(f);
    buf_free(&line);
    buf_free(&again.id);
    buf_free(&again.text);
    return 0;
}

static void ignore(void *ctx, const char *msg)
{
    (void)ctx;
    if (!msg[0]) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!an) {
        AnalysisConfig c;
        analysis_config_default(&c);
        snprintf(c.language, sizeof c.language, "none");
        c.letters_only = 1; /* as sbg-index */
        an = analyzer_new(&c);
    }
    if (size < 2) return 0; /* fmemopen takes no empty buffer */
    CorpusOptions o;
    corpus_options_default(&o);
    o.strict = data[0] & 1;
    int lim = (data[0] >> 1) & 7;
    if (lim) o.max_file_bytes = (size_t)8 << (2 * lim); /* 32 B .. 128 KiB */
    o.warn = ignore;
    char *copy = xmalloc(size - 1); /* fmemopen wants a buffer it may write */
    memcpy(copy, data + 1, size - 1);
    FILE *f = fmemopen(copy, size - 1, "r");
    if (!f) abort();
    State s = {0};
    CorpusStats st;
    int rc = jsonl_read(f, "fuzz", &o, on_article, &s, &st);
    fclose(f);
    free(copy);
    if (rc != 0 && rc != -1) abort();
    if (rc == -1 && !err_msg()[0]) abort();
    if (st.articles != s.calls || st.bytes > size - 1 || (rc == 0 && st.articles == 0)) abort();
    if (rc == 0 && st.bytes != size - 1) abort();
    return 0;
}
