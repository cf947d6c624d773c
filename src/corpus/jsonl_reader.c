/*
 * jsonl_reader.c: turns a stream of JSON lines into Articles.
 *
 * One document per line, {"id": ..., "text": ...}, as the
 * search-benchmark-game's corpus and most dataset dumps have them. The
 * stream is read once, a line at a time (a pipe works: nothing is written
 * to disk), and each document handed to the same callback as corpus_read's.
 *
 * A document is given exactly the Article that corpus_read would give the
 * row id<TAB><TAB>text of a passages file: no title, the bytes such a row
 * cannot hold (tab, newlines, the other white-space controls, NUL) as
 * spaces, and base the offset its text would have in that file. So an index
 * of JSON lines is byte for byte the index of the equivalent passages file
 * (only the path, the stream's name, and the file size and time, which a
 * stream has not, differ), and a document is one paragraph: one passage
 * when the passage size is above its length.
 *
 * JSON is parsed strictly (RFC 8259): every escape, surrogate pairs
 * combined, unescaped control characters rejected. Bytes that are not valid
 * UTF-8 are kept as they are (the tokenizer treats them as separators).
 */
#include "corpus/corpus.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>

/* ---- JSON ---- */

typedef struct {
    const char *p, *end;
    const char *err; /* what was wrong, for the one-line message */
} Json;

static void json_ws(Json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static int json_fail(Json *j, const char *msg)
{
    if (!j->err) j->err = msg;
    return -1;
}

/* A string at j->p (on its opening quote), decoded into out (when non-NULL).
 * A lone surrogate escape becomes U+FFFD. */
static int json_string_value(Json *j, Buf *out)
{
    if (j->p >= j->end || *j->p != '"') return json_fail(j, "expected a string");
    const char *why, *next = json_string_decode(j->p, j->end, out, &why);
    if (!next) return json_fail(j, why);
    j->p = next;
    return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A number, its text appended to out (when non-NULL). */
static int json_number(Json *j, Buf *out)
{
    const char *e = json_number_end(j->p, j->end);
    if (!e) return json_fail(j, "bad number");
    if (out) buf_append(out, j->p, (size_t)(e - j->p));
    j->p = e;
    return 0;
}

static int json_literal(Json *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) return json_fail(j, "unexpected character");
    j->p += n;
    return 0;
}

/* Deeper values are refused: skipping recurses, and a line of a million
 * '[' must not take the stack. */
#define JSON_MAX_DEPTH 64

/* Skips any value (the fields we do not use). */
static int json_skip(Json *j, int depth)
{
    if (depth > JSON_MAX_DEPTH) return json_fail(j, "nested too deeply");
    json_ws(j);
    if (j->p >= j->end) return json_fail(j, "unexpected end of line");
    char c = *j->p;
    if (c == '"') return json_string_value(j, NULL);
    if (c == '-' || is_digit(c)) return json_number(j, NULL);
    if (c == 't') return json_literal(j, "true");
    if (c == 'f') return json_literal(j, "false");
    if (c == 'n') return json_literal(j, "null");
    if (c != '[' && c != '{') return json_fail(j, "unexpected character");
    char close = c == '[' ? ']' : '}';
    j->p++;
    json_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }
    for (;;) {
        if (close == '}') {
            json_ws(j);
            if (json_string_value(j, NULL) != 0) return -1;
            json_ws(j);
            if (j->p >= j->end || *j->p != ':') return json_fail(j, "expected ':' after a key");
            j->p++;
        }
        if (json_skip(j, depth + 1) != 0) return -1;
        json_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return 0;
        }
        return json_fail(j, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
    }
}

/* The value of the "id" or "text" key at j->p into out. */
static int json_field(Json *j, int is_id, Buf *out)
{
    out->len = 0; /* a key given twice: the last value counts */
    if (j->p < j->end && *j->p == '"') return json_string_value(j, out);
    if (is_id && j->p < j->end && (*j->p == '-' || is_digit(*j->p))) return json_number(j, out);
    return json_fail(j, is_id ? "\"id\" must be a string or a number" : "\"text\" must be a string");
}

/* The members of an object whose '{' has been read, up to its '}'. */
static void json_members(Json *j, Buf *id, Buf *text, Buf *key, int *have_id, int *have_text)
{
    json_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return;
    }
    for (;;) {
        json_ws(j);
        key->len = 0;
        if (json_string_value(j, key) != 0) return;
        json_ws(j);
        if (j->p >= j->end || *j->p != ':') {
            json_fail(j, "expected ':' after a key");
            return;
        }
        j->p++;
        json_ws(j);
        int rc;
        if (key->len == 2 && memcmp(key->data, "id", 2) == 0) {
            rc = json_field(j, 1, id);
            *have_id = 1;
        } else if (key->len == 4 && memcmp(key->data, "text", 4) == 0) {
            rc = json_field(j, 0, text);
            *have_text = 1;
        } else {
            rc = json_skip(j, 1);
        }
        if (rc != 0) return;
        json_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return;
        }
        json_fail(j, "expected ',' or '}'");
        return;
    }
}

/* One document line: an object with string fields "id" (a number is taken
 * as its text) and "text", any order, other fields skipped. Returns NULL,
 * or what is wrong. */
static const char *parse_doc(const char *line, size_t len, Buf *id, Buf *text, Buf *key)
{
    Json j = {line, line + len, NULL};
    int have_id = 0, have_text = 0;
    id->len = text->len = 0;
    json_ws(&j);
    if (j.p >= j.end || *j.p != '{') return "expected a JSON object";
    j.p++;
    json_members(&j, id, text, key, &have_id, &have_text);
    if (!j.err) {
        json_ws(&j);
        if (j.p != j.end) json_fail(&j, "text after the object");
        else if (!have_id) json_fail(&j, "no \"id\" field");
        else if (!have_text) json_fail(&j, "no \"text\" field");
    }
    return j.err;
}

/* ---- lines ---- */

#define CHUNK (1 << 16)

typedef struct {
    FILE *in;
    char *chunk;     /* bytes read, not yet consumed */
    size_t pos, have;
    Buf line;        /* the current line, without its '\n' */
    int too_long;    /* the line was longer than the limit: not kept */
    uint64_t bytes;  /* read so far */
} LineIn;

/* The next line, up to max bytes of it kept (a longer one is read through
 * and dropped, so a runaway line costs no memory). Returns 1, 0 at the end
 * of the stream, -1 on a read error. */
static int next_line(LineIn *r, size_t max)
{
    r->line.len = 0;
    r->too_long = 0;
    int any = 0;
    for (;;) {
        if (r->pos == r->have) {
            r->pos = 0;
            r->have = fread(r->chunk, 1, CHUNK, r->in);
            if (r->have == 0) return ferror(r->in) ? -1 : any;
        }
        any = 1;
        const char *s = r->chunk + r->pos, *nl = memchr(s, '\n', r->have - r->pos);
        size_t take = nl ? (size_t)(nl - s) : r->have - r->pos;
        if (!r->too_long && take > max - r->line.len) {
            r->too_long = 1;
            r->line.len = 0;
        }
        if (!r->too_long) buf_append(&r->line, s, take);
        r->pos += take + (nl != NULL);
        r->bytes += take + (nl != NULL);
        if (nl) return 1;
    }
}

/* ---- documents ---- */

typedef struct {
    const char *name;
    const CorpusOptions *opt;
    article_fn fn;
    void *ctx;
    CorpusStats *stats;
    Buf id, text, key;
    uint64_t row; /* where the next document's row would start in the passages file */
} Reader;

/* A document that is not an article: a warning normally, an error under
 * strict (as corpus_read's rows). */
static int skip_doc(Reader *rd, uint64_t lineno, const char *why)
{
    rd->stats->skipped++;
    if (rd->opt->strict) {
        err_set("%s line %llu: %s", rd->name, (unsigned long long)lineno, why);
        return -1;
    }
    if (rd->opt->warn) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s line %llu: %s, skipped", rd->name, (unsigned long long)lineno, why);
        rd->opt->warn(rd->opt->warn_ctx, msg);
    }
    return 0;
}

/* The bytes a passages-file row cannot hold, as spaces: a tab would start
 * a column, a newline a row, and the other controls of is_blank would
 * break paragraphs; a NUL would end the id early. */
static void flatten(Buf *b)
{
    for (size_t i = 0; i < b->len; i++)
        if (is_blank(b->data[i]) || b->data[i] == 0) b->data[i] = ' ';
}

static int one_line(Reader *rd, const char *line, size_t n, uint64_t lineno)
{
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--; /* a CRLF file */
    size_t k = 0;
    while (k < n && (line[k] == ' ' || line[k] == '\t')) k++;
    if (k == n) return 0; /* a blank line */
    const char *err = parse_doc(line, n, &rd->id, &rd->text, &rd->key);
    if (err) {
        err_set("%s line %llu: %s", rd->name, (unsigned long long)lineno, err);
        return -1;
    }
    flatten(&rd->id);
    flatten(&rd->text);
    uint64_t base = rd->row + rd->id.len + 2; /* id<TAB><TAB>text<LF> */
    rd->row = base + rd->text.len + 1;
    if (all_blank(rd->text.data, rd->text.len)) {
        rd->stats->skipped++; /* nothing to find, as an empty row of a passages file */
        return 0;
    }
    /* an article needs a name: a TREC run line, an update's matching, a
     * hit's "article" all go by it */
    if (rd->id.len == 0) return skip_doc(rd, lineno, "empty id");
    buf_put_u8(&rd->id, 0);
    Article a = {(const char *)rd->id.data, rd->name, "", (const char *)rd->text.data, rd->text.len, base, 0, 0,
                 0, 0};
    rd->stats->articles++;
    return rd->fn(rd->ctx, &a);
}

int jsonl_read(FILE *in, const char *name, const CorpusOptions *o, article_fn fn, void *ctx, CorpusStats *stats)
{
    memset(stats, 0, sizeof *stats);
    Reader rd = {name, o, fn, ctx, stats, {0}, {0}, {0}, 0};
    LineIn r = {in, xmalloc(CHUNK), 0, 0, {0}, 0, 0};
    uint64_t lineno = 0;
    int rc = 0, got;
    while ((got = next_line(&r, o->max_file_bytes)) > 0) {
        lineno++;
        if (r.too_long) {
            char why[64];
            snprintf(why, sizeof why, "a line over %zu bytes", o->max_file_bytes);
            rc = skip_doc(&rd, lineno, why);
        } else {
            rc = one_line(&rd, (const char *)r.line.data, r.line.len, lineno);
        }
        if (rc != 0) break;
    }
    if (got < 0) {
        err_set("cannot read %s: %s", name, strerror(errno ? errno : EIO));
        rc = -1;
    }
    stats->bytes = r.bytes;
    if (rc == 0 && stats->articles == 0) {
        err_set(stats->skipped ? "%s: no document has both an id and text"
                               : "%s: no documents (JSON lines of \"id\" and \"text\")",
                name);
        rc = -1;
    }
    free(r.chunk);
    buf_free(&r.line);
    buf_free(&rd.id);
    buf_free(&rd.text);
    buf_free(&rd.key);
    return rc;
}
