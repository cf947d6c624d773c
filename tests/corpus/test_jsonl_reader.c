/* test_jsonl_reader.c: JSON lines into Articles through jsonl_read():
 * every escape and \u form, bytes that are not UTF-8, missing and
 * mistyped fields, lines that are not objects, blank and empty input,
 * lines longer than the limit, and the promise the indexer relies on:
 * each document is the Article corpus_read makes of the passages-file row
 * id<TAB><TAB>text. */
#include "check.h"
#include "corpus/corpus.h"
#include "util/util.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- input and output ---- */

/* A stream holding n bytes of data (tmpfile: fmemopen refuses 0 bytes on
 * some libcs). */
static FILE *stream(const void *data, size_t n)
{
    FILE *f = tmpfile();
    if (!f) {
        perror("tmpfile");
        exit(2);
    }
    if (n) CHECK_EQ_INT(fwrite(data, 1, n, f), n);
    rewind(f);
    return f;
}

typedef struct {
    char *id, *path, *title, *text;
    size_t len, heading_end, title_end;
    uint64_t base, file_size;
    int64_t file_mtime;
} Got;

#define MAX_GOT 64

typedef struct {
    Got v[MAX_GOT];
    int n;
    int stop_at;      /* non-zero: return 9 on this article (1-based) */
    char warned[8][256];
    int nwarn;
} Collect;

static int collect(void *ctx, const Article *a)
{
    Collect *c = ctx;
    if (c->n < MAX_GOT) {
        Got *g = &c->v[c->n];
        g->id = xstrdup(a->id);
        g->path = xstrdup(a->path);
        g->title = xstrdup(a->title);
        g->text = xstrndup(a->text, a->len);
        g->len = a->len;
        g->heading_end = a->heading_end;
        g->title_end = a->title_end;
        g->base = a->base;
        g->file_size = a->file_size;
        g->file_mtime = a->file_mtime;
    }
    c->n++;
    return c->stop_at && c->n == c->stop_at ? 9 : 0;
}

static void warned(void *ctx, const char *msg)
{
    Collect *c = ctx;
    if (c->nwarn < 8) snprintf(c->warned[c->nwarn], sizeof c->warned[0], "%s", msg);
    c->nwarn++;
}

static void collect_free(Collect *c)
{
    for (int i = 0; i < c->n && i < MAX_GOT; i++) {
        free(c->v[i].id);
        free(c->v[i].path);
        free(c->v[i].title);
        free(c->v[i].text);
    }
    memset(c, 0, sizeof *c);
}

/* Reads n bytes of JSON lines as "in" with the given limit and strictness
 * into c; its warnings go to c->warned. */
static int read_opts(const void *data, size_t n, size_t max, int strict, Collect *c, CorpusStats *st)
{
    CorpusOptions o;
    corpus_options_default(&o);
    if (max) o.max_file_bytes = max;
    o.strict = strict;
    o.warn = warned;
    o.warn_ctx = c;
    FILE *f = stream(data, n);
    int rc = jsonl_read(f, "in", &o, collect, c, st);
    fclose(f);
    return rc;
}

static int read_str(const char *s, Collect *c, CorpusStats *st)
{
    memset(c, 0, sizeof *c);
    return read_opts(s, strlen(s), 0, 0, c, st);
}

/* A one-line input whose only document has this text, read; the decoded
 * text, or "" when it was not read (the caller frees). */
static char *text_of(const char *json_text)
{
    char line[1024];
    snprintf(line, sizeof line, "{\"id\": \"x\", \"text\": \"%s\"}\n", json_text);
    Collect c;
    CorpusStats st;
    int rc = read_str(line, &c, &st);
    char *t = xstrdup(rc == 0 && c.n == 1 ? c.v[0].text : "");
    collect_free(&c);
    return t;
}

/* The error a one-line input gets, or "" (static). */
static const char *error_of(const char *line)
{
    static char msg[256];
    Collect c;
    CorpusStats st;
    int rc = read_str(line, &c, &st);
    snprintf(msg, sizeof msg, "%s", rc == -1 ? err_msg() : "");
    CHECK_EQ_INT(c.n, 0);
    collect_free(&c);
    return msg;
}

/* ---- documents ---- */

static void documents_and_fields(void)
{
    const char *in = "{\"id\": \"a1\", \"text\": \"The quick fox.\"}\n"
                     "{\"text\": \"second\", \"extra\": {\"x\": [1, -2.5e3, {\"y\": null}], \"z\": [true, false, \"}\"]},"
                     " \"id\": 42}\n"
                     "  {\"id\":\"a3\",\"text\":\"third\",\"n\":0.5E+2}  \n"
                     "{\"id\": -7e2, \"text\": \"fourth\"}";
    Collect c;
    CorpusStats st;
    CHECK_EQ_INT(read_str(in, &c, &st), 0);
    CHECK_EQ_INT(c.n, 4);
    if (c.n != 4) return;
    CHECK_EQ_STR(c.v[0].id, "a1");
    CHECK_EQ_STR(c.v[0].text, "The quick fox.");
    CHECK_EQ_STR(c.v[1].id, "42"); /* a number is taken as its text */
    CHECK_EQ_STR(c.v[1].text, "second");
    CHECK_EQ_STR(c.v[2].id, "a3");
    CHECK_EQ_STR(c.v[3].id, "-7e2");
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_STR(c.v[i].path, "in");
        CHECK_EQ_STR(c.v[i].title, "");
        CHECK_EQ_INT(c.v[i].heading_end, 0);
        CHECK_EQ_INT(c.v[i].title_end, 0);
        CHECK_EQ_INT(c.v[i].file_size, 0); /* a stream has no file */
        CHECK_EQ_INT(c.v[i].file_mtime, 0);
    }
    CHECK_EQ_INT(st.articles, 4);
    CHECK_EQ_INT(st.skipped, 0);
    CHECK_EQ_INT(st.unchanged, 0);
    CHECK_EQ_INT(st.bytes, strlen(in));
    collect_free(&c);

    /* a key given twice: the last value counts */
    CHECK_EQ_INT(read_str("{\"id\": \"a\", \"text\": \"one\", \"text\": \"two\", \"id\": 5}\n", &c, &st), 0);
    CHECK_EQ_INT(c.n, 1);
    if (c.n == 1) {
        CHECK_EQ_STR(c.v[0].id, "5");
        CHECK_EQ_STR(c.v[0].text, "two");
    }
    collect_free(&c);
}

static void escapes(void)
{
    struct {
        const char *json, *want;
    } cases[] = {
        {"a\\\"b", "a\"b"},
        {"back\\\\slash", "back\\slash"},
        {"a\\/b", "a/b"},
        {"bell\\bform", "bell\bform"}, /* \b is not white space: kept */
        /* the white-space controls a passages row cannot hold: spaces */
        {"a\\nb\\tc\\rd\\fe", "a b c d e"},
        {"line\\r\\n\\r\\nnext", "line    next"},
        {"v\\u000Bt", "v t"},
        {"nul\\u0000byte", "nul byte"},
        {"\\u0041BC", "ABC"},
        {"caf\\u00e9 r\\u00E9sum\\u00e9", "caf\xC3\xA9 r\xC3\xA9sum\xC3\xA9"},
        {"\\u20ac", "\xE2\x82\xAC"},
        {"\\uFFFF", "\xEF\xBF\xBF"},
        {"raw \xCE\x91\xCE\x98 kept", "raw \xCE\x91\xCE\x98 kept"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = text_of(cases[i].json);
        if (strcmp(t, cases[i].want) != 0) fprintf(stderr, "  case %zu: %s\n", i, cases[i].json);
        CHECK_EQ_STR(t, cases[i].want);
        free(t);
    }
    /* an escape in a key is decoded before the key is matched */
    Collect c;
    CorpusStats st;
    CHECK_EQ_INT(read_str("{\"\\u0069d\": \"k\", \"te\\u0078t\": \"y\"}\n", &c, &st), 0);
    CHECK_EQ_INT(c.n, 1);
    if (c.n == 1) CHECK_EQ_STR(c.v[0].id, "k");
    collect_free(&c);
    /* white space and NUL in an id become spaces too: the id is a C string */
    CHECK_EQ_INT(read_str("{\"id\": \"a\\tb\\u0000c\\nd\", \"text\": \"t\"}\n", &c, &st), 0);
    if (c.n == 1) CHECK_EQ_STR(c.v[0].id, "a b c d");
    collect_free(&c);
}

static void surrogates(void)
{
    struct {
        const char *json, *want;
    } cases[] = {
        {"\\ud83d\\ude00", "\xF0\x9F\x98\x80"},             /* a pair: U+1F600 */
        {"\\uD834\\uDD1E!", "\xF0\x9D\x84\x9E!"},           /* U+1D11E, upper-case hex */
        {"\\udbff\\udfff", "\xF4\x8F\xBF\xBF"},             /* U+10FFFF, the last */
        {"left\\ud800right", "left\xEF\xBF\xBDright"},      /* lone high: U+FFFD */
        {"\\udc00x", "\xEF\xBF\xBDx"},                      /* lone low */
        {"\\ud800\\u0041", "\xEF\xBF\xBD" "A"},             /* high, then not a low */
        {"\\ud800\\ud800\\udc00", "\xEF\xBF\xBD\xF0\x90\x80\x80"}, /* the second high pairs */
        {"\\ude00\\ud83d", "\xEF\xBF\xBD\xEF\xBF\xBD"},     /* reversed: two lone halves */
        {"end\\ud83d", "end\xEF\xBF\xBD"},                  /* high at the string's end */
        {"\\ud83d\\n", "\xEF\xBF\xBD "},                    /* high, then another escape */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = text_of(cases[i].json);
        if (strcmp(t, cases[i].want) != 0) fprintf(stderr, "  case %zu: %s\n", i, cases[i].json);
        CHECK_EQ_STR(t, cases[i].want);
        free(t);
    }
}

/* Bytes that are not UTF-8 are the tokenizer's business: kept as found. */
static void bad_utf8_kept(void)
{
    const char *bad[] = {"\xFF\xFE", "a\xC3", "\xC3(", "\xED\xA0\x80", "\xF5\x80\x80\x80", "\xC0\xAF", "\x80x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *t = text_of(bad[i]);
        CHECK_EQ_STR(t, bad[i]);
        free(t);
    }
}

static void malformed_lines(void)
{
    struct {
        const char *line, *err;
    } cases[] = {
        {"[\"id\", \"text\"]", "in line 1: expected a JSON object"},
        {"\"a string\"", "in line 1: expected a JSON object"},
        {"42", "in line 1: expected a JSON object"},
        {"null", "in line 1: expected a JSON object"},
        {"{\"id\": \"x\"}", "in line 1: no \"text\" field"},
        {"{\"text\": \"x\"}", "in line 1: no \"id\" field"},
        {"{}", "in line 1: no \"id\" field"},
        {"{\"id\": null, \"text\": \"y\"}", "in line 1: \"id\" must be a string or a number"},
        {"{\"id\": [1], \"text\": \"y\"}", "in line 1: \"id\" must be a string or a number"},
        {"{\"id\": \"x\", \"text\": 5}", "in line 1: \"text\" must be a string"},
        {"{\"id\": \"x\", \"text\": {\"a\": 1}}", "in line 1: \"text\" must be a string"},
        {"{\"id\": \"x\", \"text\": \"abc}", "in line 1: unterminated string"},
        {"{\"id\": \"x\", \"text\": \"abc\\", "in line 1: unterminated string"},
        {"{\"id\": \"x\" \"text\": \"y\"}", "in line 1: expected ',' or '}'"},
        {"{\"id\" \"x\", \"text\": \"y\"}", "in line 1: expected ':' after a key"},
        {"{id: \"x\", \"text\": \"y\"}", "in line 1: expected a string"},
        {"{\"id\": \"x\", \"text\": \"y\",}", "in line 1: expected a string"},
        {"{\"id\": \"x\", \"text\": \"a\\qb\"}", "in line 1: bad escape in a string"},
        {"{\"id\": \"x\", \"text\": \"a\\u12G4\"}", "in line 1: bad \\u escape"},
        {"{\"id\": \"x\", \"text\": \"a\\u12\"}", "in line 1: bad \\u escape"},
        {"{\"id\": \"x\", \"text\": \"a\x01" "b\"}", "in line 1: control character in a string (must be escaped)"},
        {"{\"id\": \"x\", \"text\": \"a\tb\"}", "in line 1: control character in a string (must be escaped)"},
        {"{\"id\": \"x\", \"text\": \"y\"} z", "in line 1: text after the object"},
        {"{\"id\": \"x\", \"text\": \"y\"}{}", "in line 1: text after the object"},
        {"{\"id\": \"x\", \"n\": 01, \"text\": \"y\"}", "in line 1: expected ',' or '}'"},
        {"{\"id\": \"x\", \"n\": 1., \"text\": \"y\"}", "in line 1: bad number"},
        {"{\"id\": \"x\", \"n\": -, \"text\": \"y\"}", "in line 1: bad number"},
        {"{\"id\": \"x\", \"n\": 1e, \"text\": \"y\"}", "in line 1: bad number"},
        {"{\"id\": \"x\", \"n\": tru, \"text\": \"y\"}", "in line 1: unexpected character"},
        {"{\"id\": \"x\", \"n\": [1, {\"a\": 2}, \"text\": \"y\"}", "in line 1: expected ',' or ']'"},
        {"{\"id\": \"x\", \"te", "in line 1: unterminated string"},
        {"{\"id\": \"x\", \"n\":", "in line 1: unexpected end of line"},
        {"{", "in line 1: expected a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = error_of(cases[i].line);
        if (strcmp(got, cases[i].err) != 0) fprintf(stderr, "  case %zu: %s\n", i, cases[i].line);
        CHECK_EQ_STR(got, cases[i].err);
    }
}

/* Skipping recurses; past 64 levels a value is refused, not a stack
 * overflow, however deep the line goes. */
static void nesting_depth(void)
{
    Buf b = {0};
    for (int depth = 64; depth <= 65; depth++) {
        b.len = 0;
        buf_printf(&b, "{\"id\": \"x\", \"n\": ");
        for (int i = 0; i < depth; i++) buf_put_u8(&b, '[');
        for (int i = 0; i < depth; i++) buf_put_u8(&b, ']');
        buf_printf(&b, ", \"text\": \"y\"}\n");
        Collect c;
        CorpusStats st;
        memset(&c, 0, sizeof c);
        int rc = read_opts(b.data, b.len, 0, 0, &c, &st);
        if (depth == 64) CHECK_EQ_INT(rc, 0);
        else CHECK_EQ_STR(rc == -1 ? err_msg() : "", "in line 1: nested too deeply");
        collect_free(&c);
    }
    b.len = 0;
    buf_printf(&b, "{\"id\": \"x\", \"n\": ");
    for (int i = 0; i < 1000000; i++) buf_put_u8(&b, '[');
    Collect c;
    CorpusStats st;
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(read_opts(b.data, b.len, 0, 0, &c, &st), -1);
    CHECK_EQ_STR(err_msg(), "in line 1: nested too deeply");
    collect_free(&c);
    buf_free(&b);
}

/* A malformed line stops the reading where it is: the documents before
 * it were handed out, none after; its number counts blank lines. */
static void error_names_its_line(void)
{
    const char *in = "{\"id\": \"a\", \"text\": \"one\"}\n"
                     "\n"
                     "   \t\r\n"
                     "{\"id\": \"b\", \"text\": \"two\"}\r\n"
                     "{\"id\": \"c\", \"text\": bad}\n"
                     "{\"id\": \"d\", \"text\": \"four\"}\n";
    Collect c;
    CorpusStats st;
    CHECK_EQ_INT(read_str(in, &c, &st), -1);
    CHECK_EQ_STR(err_msg(), "in line 5: \"text\" must be a string");
    CHECK_EQ_INT(c.n, 2);
    if (c.n == 2) CHECK_EQ_STR(c.v[1].text, "two"); /* CRLF: the \r is not text */
    collect_free(&c);
}

static void missing_text_and_id(void)
{
    const char *in = "{\"id\": \"a\", \"text\": \"\"}\n"
                     "{\"id\": \"b\", \"text\": \" \\n\\t \"}\n"
                     "{\"id\": \"\", \"text\": \"no name\"}\n"
                     "{\"id\": \"\", \"text\": \"\"}\n"
                     "{\"id\": \" \", \"text\": \"a blank id is a name\"}\n";
    Collect c;
    CorpusStats st;
    CHECK_EQ_INT(read_str(in, &c, &st), 0);
    CHECK_EQ_INT(c.n, 1);
    if (c.n == 1) CHECK_EQ_STR(c.v[0].id, " ");
    CHECK_EQ_INT(st.articles, 1);
    CHECK_EQ_INT(st.skipped, 4);
    /* only the empty id is worth a warning: an empty text has nothing to find */
    CHECK_EQ_INT(c.nwarn, 1);
    CHECK_EQ_STR(c.warned[0], "in line 3: empty id, skipped");
    collect_free(&c);

    /* strict: the empty id is an error, not a warning */
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(read_opts(in, strlen(in), 0, 1, &c, &st), -1);
    CHECK_EQ_STR(err_msg(), "in line 3: empty id");
    CHECK_EQ_INT(c.nwarn, 0);
    collect_free(&c);

    /* without a warning callback the skip is only counted */
    CorpusOptions o;
    corpus_options_default(&o);
    FILE *f = stream(in, strlen(in));
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(jsonl_read(f, "in", &o, collect, &c, &st), 0);
    CHECK_EQ_INT(st.skipped, 4);
    fclose(f);
    collect_free(&c);
}

static void empty_input(void)
{
    Collect c;
    CorpusStats st;
    CHECK_EQ_INT(read_str("", &c, &st), -1);
    CHECK_EQ_STR(err_msg(), "in: no documents (JSON lines of \"id\" and \"text\")");
    CHECK_EQ_INT(st.bytes, 0);
    CHECK_EQ_INT(read_str("\n\n  \n\r\n", &c, &st), -1);
    CHECK_EQ_STR(err_msg(), "in: no documents (JSON lines of \"id\" and \"text\")");
    CHECK_EQ_INT(read_str("{\"id\": \"a\", \"text\": \"  \"}\n{\"id\": \"\", \"text\": \"x\"}\n", &c, &st), -1);
    CHECK_EQ_STR(err_msg(), "in: no document has both an id and text");
    CHECK_EQ_INT(st.skipped, 2);
    CHECK_EQ_INT(c.n, 0);
    collect_free(&c);
}

/* A line of megabytes is read whole; one past max_file_bytes is dropped as
 * it streams by (warned about, an error under strict), and the lines after
 * it keep their numbers. */
static void huge_lines(void)
{
    size_t words = 1000000;
    Buf b = {0};
    buf_printf(&b, "{\"id\": \"big\", \"text\": \"");
    size_t text_at = b.len;
    for (size_t i = 0; i < words; i++) buf_printf(&b, "w%zu ", i % 1000);
    buf_printf(&b, "end");
    size_t text_len = b.len - text_at;
    buf_printf(&b, "\"}\n{\"id\": \"small\", \"text\": \"s\"}\n");
    Collect c;
    CorpusStats st;
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(read_opts(b.data, b.len, 0, 0, &c, &st), 0);
    CHECK_EQ_INT(c.n, 2);
    if (c.n == 2) {
        CHECK_EQ_INT(c.v[0].len, text_len);
        CHECK(c.v[0].len == text_len && !memcmp(c.v[0].text, b.data + text_at, text_len));
        CHECK_EQ_STR(c.v[1].id, "small");
    }
    CHECK_EQ_INT(st.bytes, b.len);
    collect_free(&c);

    /* the limit: the first line is over it, the others not */
    size_t big = b.len - strlen("{\"id\": \"small\", \"text\": \"s\"}\n") - 1;
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(read_opts(b.data, b.len, big - 1, 0, &c, &st), 0);
    CHECK_EQ_INT(c.n, 1);
    if (c.n == 1) CHECK_EQ_STR(c.v[0].id, "small");
    CHECK_EQ_INT(st.skipped, 1);
    CHECK_EQ_INT(st.bytes, b.len);
    CHECK_EQ_INT(c.nwarn, 1);
    char want[128];
    snprintf(want, sizeof want, "in line 1: a line over %zu bytes, skipped", big - 1);
    CHECK_EQ_STR(c.warned[0], want);
    collect_free(&c);
    /* exactly at the limit: read */
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(read_opts(b.data, b.len, big, 0, &c, &st), 0);
    CHECK_EQ_INT(c.n, 2);
    collect_free(&c);
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(read_opts(b.data, b.len, big - 1, 1, &c, &st), -1);
    snprintf(want, sizeof want, "in line 1: a line over %zu bytes", big - 1);
    CHECK_EQ_STR(err_msg(), want);
    CHECK_EQ_INT(c.n, 0);
    collect_free(&c);
    buf_free(&b);
}

static void callback_stops_reading(void)
{
    const char *in = "{\"id\": \"a\", \"text\": \"1\"}\n{\"id\": \"b\", \"text\": \"2\"}\n{\"id\": \"c\", \"text\": \"3\"}\n";
    Collect c;
    memset(&c, 0, sizeof c);
    c.stop_at = 2;
    CorpusStats st;
    CHECK_EQ_INT(read_opts(in, strlen(in), 0, 0, &c, &st), 9);
    CHECK_EQ_INT(c.n, 2);
    collect_free(&c);
}

static void read_error(void)
{
    char dir[] = "/tmp/test_jsonl_reader.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    FILE *f = fopen(dir, "r"); /* opens on Linux; reading gives EISDIR */
    CHECK(f != NULL);
    if (f) {
        CorpusOptions o;
        corpus_options_default(&o);
        Collect c;
        memset(&c, 0, sizeof c);
        CorpusStats st;
        CHECK_EQ_INT(jsonl_read(f, "dir", &o, collect, &c, &st), -1);
        CHECK_EQ_STR(err_msg(), "cannot read dir: Is a directory");
        fclose(f);
    }
    rmdir(dir);
}

/* ---- the same as a passages file ---- */

/* Every document is the Article corpus_read makes of the row
 * id<TAB><TAB>text of the passages file the documents would be written as,
 * base included: so an index of JSON lines is that file's index. */
static void same_as_passages_file(void)
{
    const char *in = "{\"id\": \"a1\", \"text\": \"The quick brown fox.\"}\n"
                     "\n"
                     "{\"id\": \"a\\tb\", \"text\": \"Line one\\nLine two\\n\\nA new paragraph\\r\\n\"}\n"
                     "{\"id\": \"e\", \"text\": \"\"}\n"
                     "{\"id\": 42, \"text\": \"caf\\u00e9 \\ud83d\\ude00 \\u0000 end\"}\n"
                     "{\"id\": \"short\", \"text\": \"Title Like Line\"}\n";
    const char *tsv = "a1\t\tThe quick brown fox.\n"
                      "a b\t\tLine one Line two  A new paragraph  \n"
                      "e\t\t\n"
                      "42\t\tcaf\xC3\xA9 \xF0\x9F\x98\x80   end\n"
                      "short\t\tTitle Like Line\n";
    Collect j, t;
    CorpusStats sj, st;
    CHECK_EQ_INT(read_str(in, &j, &sj), 0);
    char path[] = "/tmp/test_jsonl_reader.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_EQ_INT(write(fd, tsv, strlen(tsv)), strlen(tsv));
    close(fd);
    CorpusOptions o;
    corpus_options_default(&o);
    memset(&t, 0, sizeof t);
    CHECK_EQ_INT(corpus_read(path, &o, collect, &t, &st), 0);
    CHECK_EQ_INT(j.n, 4);
    CHECK_EQ_INT(t.n, j.n);
    for (int i = 0; i < j.n && i < t.n; i++) {
        CHECK_EQ_STR(j.v[i].id, t.v[i].id);
        CHECK_EQ_STR(j.v[i].title, t.v[i].title);
        CHECK_EQ_STR(j.v[i].text, t.v[i].text);
        CHECK_EQ_INT(j.v[i].len, t.v[i].len);
        CHECK_EQ_INT(j.v[i].base, t.v[i].base);
        CHECK_EQ_INT(j.v[i].heading_end, t.v[i].heading_end);
        CHECK_EQ_INT(j.v[i].title_end, t.v[i].title_end);
        /* and the text is at base in that file */
        CHECK(t.v[i].base + t.v[i].len <= strlen(tsv) && !memcmp(tsv + t.v[i].base, j.v[i].text, j.v[i].len));
    }
    CHECK_EQ_INT(sj.articles, st.articles);
    CHECK_EQ_INT(sj.skipped, st.skipped);
    unlink(path);
    collect_free(&j);
    collect_free(&t);
}

TEST_MAIN("jsonl_reader", T(documents_and_fields), T(escapes), T(surrogates), T(bad_utf8_kept), T(malformed_lines),
          T(nesting_depth), T(error_names_its_line), T(missing_text_and_id), T(empty_input), T(huge_lines),
          T(callback_stops_reading), T(read_error), T(same_as_passages_file))
