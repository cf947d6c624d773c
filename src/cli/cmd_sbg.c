/*
 * cmd_sbg.c: the search-benchmark-game engine protocol
 * (github.com/quickwit-oss/search-benchmark-game, CONTRIBUTE.md and the
 * reference engines' do_query programs).
 *
 *   search sbg-index INDEXDIR   JSON lines {"id": ..., "text": ...} on stdin
 *                               -> an index of one passage per document,
 *                               letters-only tokens, no stemming, no stop words
 *   search sbg-serve INDEXDIR   COMMAND<TAB>query lines on stdin -> one answer
 *                               line each on stdout, flushed
 *
 * Commands: COUNT and UNOPTIMIZED_COUNT print the number of matching
 * documents; TOP_N (1 <= N <= 10000) computes the top N and prints "1";
 * TOP_N_COUNT computes the top N and prints the number of matching
 * documents. Queries are in our query language (README "Query syntax"),
 * which covers the Lucene syntax the benchmark uses: words = union, "+a +b"
 * = every word required, phrases, negation, AND / OR / NOT, parentheses.
 * Unknown commands, and a query with a NUL byte, answer UNSUPPORTED.
 * bench/sbg/README.md has the details.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- JSON lines ---- */

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

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(Buf *b, uint32_t cp)
{
    uint8_t e[4];
    size_t n;
    if (cp < 0x80) {
        e[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        e[0] = (uint8_t)(0xC0 | cp >> 6);
        e[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        e[0] = (uint8_t)(0xE0 | cp >> 12);
        e[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        e[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        e[0] = (uint8_t)(0xF0 | cp >> 18);
        e[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        e[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        e[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_append(b, e, n);
}

/* A string at j->p (on its opening quote), decoded into out (when non-NULL).
 * A lone surrogate escape becomes U+FFFD; bytes that are not valid UTF-8
 * are kept as they are (the tokenizer treats them as separators). */
static int json_string_value(Json *j, Buf *out)
{
    if (j->p >= j->end || *j->p != '"') return json_fail(j, "expected a string");
    j->p++;
    for (;;) {
        const char *run = j->p;
        while (j->p < j->end && *j->p != '"' && *j->p != '\\' && (unsigned char)*j->p >= 0x20) j->p++;
        if (out && j->p > run) buf_append(out, run, (size_t)(j->p - run));
        if (j->p >= j->end) return json_fail(j, "unterminated string");
        char c = *j->p;
        if (c == '"') {
            j->p++;
            return 0;
        }
        if (c != '\\') return json_fail(j, "control character in a string (must be escaped)");
        if (j->end - j->p < 2) return json_fail(j, "unterminated string");
        char e = j->p[1];
        j->p += 2;
        char lit;
        switch (e) {
        case '"': lit = '"'; break;
        case '\\': lit = '\\'; break;
        case '/': lit = '/'; break;
        case 'b': lit = '\b'; break;
        case 'f': lit = '\f'; break;
        case 'n': lit = '\n'; break;
        case 'r': lit = '\r'; break;
        case 't': lit = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (j->end - j->p < 4 || hex4(j->p, &cp) != 0) return json_fail(j, "bad \\u escape");
            j->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* a high surrogate: its pair should follow */
                uint32_t lo;
                if (j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' && hex4(j->p + 2, &lo) == 0 &&
                    lo >= 0xDC00 && lo <= 0xDFFF) {
                    j->p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            if (out) put_utf8(out, cp);
            continue;
        }
        default:
            return json_fail(j, "bad escape in a string");
        }
        if (out) buf_put_u8(out, (uint8_t)lit);
    }
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A number, its text appended to out (when non-NULL). */
static int json_number(Json *j, Buf *out)
{
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p >= j->end || !is_digit(*j->p)) return json_fail(j, "bad number");
    if (*j->p == '0') j->p++;
    else
        while (j->p < j->end && is_digit(*j->p)) j->p++;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || !is_digit(*j->p)) return json_fail(j, "bad number");
        while (j->p < j->end && is_digit(*j->p)) j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (j->p >= j->end || !is_digit(*j->p)) return json_fail(j, "bad number");
        while (j->p < j->end && is_digit(*j->p)) j->p++;
    }
    if (out) buf_append(out, s, (size_t)(j->p - s));
    return 0;
}

static int json_literal(Json *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) return json_fail(j, "unexpected character");
    j->p += n;
    return 0;
}

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

/* One document line: an object with string fields "id" (a number is taken
 * as its text) and "text", any order, other fields ignored. */
static int parse_doc(const char *line, size_t len, Buf *id, Buf *text, Buf *key, const char **err)
{
    Json j = {line, line + len, NULL};
    int have_id = 0, have_text = 0;
    id->len = text->len = 0;
    json_ws(&j);
    if (j.p >= j.end || *j.p != '{') {
        *err = "expected a JSON object";
        return -1;
    }
    j.p++;
    json_ws(&j);
    if (j.p < j.end && *j.p == '}') {
        j.p++;
    } else {
        for (;;) {
            json_ws(&j);
            key->len = 0;
            if (json_string_value(&j, key) != 0) break;
            json_ws(&j);
            if (j.p >= j.end || *j.p != ':') {
                json_fail(&j, "expected ':' after a key");
                break;
            }
            j.p++;
            json_ws(&j);
            int rc;
            if (key->len == 2 && memcmp(key->data, "id", 2) == 0) {
                id->len = 0;
                if (j.p < j.end && *j.p == '"') rc = json_string_value(&j, id);
                else if (j.p < j.end && (*j.p == '-' || is_digit(*j.p))) rc = json_number(&j, id);
                else rc = json_fail(&j, "\"id\" must be a string or a number");
                have_id = 1;
            } else if (key->len == 4 && memcmp(key->data, "text", 4) == 0) {
                text->len = 0;
                rc = j.p < j.end && *j.p == '"' ? json_string_value(&j, text)
                                                 : json_fail(&j, "\"text\" must be a string");
                have_text = 1;
            } else {
                rc = json_skip(&j, 1);
            }
            if (rc != 0) break;
            json_ws(&j);
            if (j.p < j.end && *j.p == ',') {
                j.p++;
                continue;
            }
            if (j.p < j.end && *j.p == '}') {
                j.p++;
                break;
            }
            json_fail(&j, "expected ',' or '}'");
            break;
        }
    }
    if (!j.err) {
        json_ws(&j);
        if (j.p != j.end) json_fail(&j, "text after the object");
        else if (!have_id) json_fail(&j, "no \"id\" field");
        else if (!have_text) json_fail(&j, "no \"text\" field");
    }
    *err = j.err;
    return j.err ? -1 : 0;
}

/* ---- sbg-index ---- */

/* The temporary passages file, removed on every exit path (and on SIGINT,
 * SIGTERM, SIGHUP, SIGPIPE). */
static char tmp_path[4200];

static void remove_tmp(void)
{
    if (tmp_path[0]) unlink(tmp_path);
    tmp_path[0] = 0;
}

static void on_signal(int sig)
{
    if (tmp_path[0]) unlink(tmp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Writes s with the bytes that would break a passages-file row or the
 * paragraph structure (tab, newlines, other white-space controls, NUL) as
 * spaces; counts white-space separated words (what the passage splitter
 * counts). */
static void put_field(FILE *f, const uint8_t *s, size_t n, uint64_t *words)
{
    size_t i = 0, run = 0;
    int in_word = 0;
    uint64_t w = 0;
    while (i < n) {
        uint8_t c = s[i];
        int bad = c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0;
        if (bad) {
            fwrite(s + run, 1, i - run, f);
            fputc(' ', f);
            run = i + 1;
        }
        int space = bad || c == ' ';
        if (!space && !in_word) w++;
        in_word = !space;
        i++;
    }
    fwrite(s + run, 1, n - run, f);
    if (words) *words = w;
}

static int sbg_index(int argc, char **argv)
{
    const char *dir = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quiet")) quiet = 1;
        else if (argv[i][0] == '-' || dir) {
            fprintf(stderr, "search: usage: search sbg-index [--quiet] INDEXDIR < corpus.json\n");
            return EXIT_ERROR;
        } else dir = argv[i];
    }
    if (!dir) {
        fprintf(stderr, "search: usage: search sbg-index [--quiet] INDEXDIR < corpus.json\n");
        return EXIT_ERROR;
    }
    /* next to the index directory: the same file system, room for the corpus */
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    snprintf(tmp_path, sizeof tmp_path, "%.*s.sbg-%ld.tsv", (int)(dl < 4096 ? dl : 4096), dir, (long)getpid());
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        fprintf(stderr, "search: cannot create %s: %s\n", tmp_path, strerror(errno));
        tmp_path[0] = 0;
        return EXIT_ERROR;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    signal(SIGPIPE, on_signal);
    FILE *f = fdopen(fd, "w");
    static char fbuf[1 << 20];
    setvbuf(f, fbuf, _IOFBF, sizeof fbuf);

    Buf id = {0}, text = {0}, key = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    uint64_t lineno = 0, docs = 0, max_words = 0;
    int rc = 0;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        size_t n = (size_t)got;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        size_t k = 0;
        while (k < n && (line[k] == ' ' || line[k] == '\t')) k++;
        if (k == n) continue; /* blank line */
        const char *err;
        if (parse_doc(line, n, &id, &text, &key, &err) != 0) {
            fprintf(stderr, "search: sbg-index: stdin line %llu: %s\n", (unsigned long long)lineno, err);
            rc = -1;
            break;
        }
        uint64_t words;
        put_field(f, id.data ? id.data : (const uint8_t *)"", id.len, NULL);
        fputs("\t\t", f);
        put_field(f, text.data ? text.data : (const uint8_t *)"", text.len, &words);
        fputc('\n', f);
        if (words > max_words) max_words = words;
        docs++;
    }
    free(line);
    buf_free(&id);
    buf_free(&text);
    buf_free(&key);
    if (rc == 0 && ferror(stdin)) {
        fprintf(stderr, "search: sbg-index: cannot read stdin: %s\n", strerror(errno));
        rc = -1;
    }
    if (fclose(f) != 0 && rc == 0) {
        fprintf(stderr, "search: sbg-index: cannot write %s: %s\n", tmp_path, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && docs == 0) {
        fprintf(stderr, "search: sbg-index: no documents on stdin\n");
        rc = -1;
    }
    if (rc != 0) {
        remove_tmp();
        return EXIT_ERROR;
    }

    IndexerOptions o;
    indexer_options_default(&o);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    o.analysis.stopwords = 0;
    o.analysis.letters_only = 1;
    /* a document is one passage: no window may be smaller than it */
    o.passage_words = max_words > 100000 ? (max_words >= UINT32_MAX ? UINT32_MAX : (uint32_t)max_words) : 100000;
    o.progress = !quiet && isatty(2);
    IndexerReport r;
    int ok = indexer_build(tmp_path, dir, &o, &r) == 0;
    remove_tmp();
    if (!ok) {
        print_error();
        return EXIT_ERROR;
    }
    if (r.passages != r.articles) { /* cannot happen with one line per document */
        fprintf(stderr, "search: sbg-index: %llu documents became %llu passages; counts would be wrong\n",
                (unsigned long long)r.articles, (unsigned long long)r.passages);
        return EXIT_ERROR;
    }
    if (!quiet)
        fprintf(stderr,
                "sbg-index: %llu documents read, %llu indexed (%llu without text skipped): %llu terms, "
                "%llu postings, index %.2f MB, %.2f s\n",
                (unsigned long long)docs, (unsigned long long)r.articles, (unsigned long long)r.skipped,
                (unsigned long long)r.terms, (unsigned long long)r.postings, r.index_bytes / 1e6, r.seconds);
    return 0;
}

/* ---- sbg-serve ---- */

#define SBG_MAX_K 10000

typedef enum { CMD_UNSUPPORTED, CMD_COUNT, CMD_TOP, CMD_TOP_COUNT } CmdKind;

/* COUNT, UNOPTIMIZED_COUNT, TOP_N, TOP_N_COUNT (N in 1..SBG_MAX_K, no
 * leading zero). */
static CmdKind parse_command(const char *s, size_t n, size_t *k)
{
    if ((n == 5 && !memcmp(s, "COUNT", 5)) || (n == 17 && !memcmp(s, "UNOPTIMIZED_COUNT", 17))) return CMD_COUNT;
    if (n < 5 || memcmp(s, "TOP_", 4) != 0 || s[4] < '1' || s[4] > '9') return CMD_UNSUPPORTED;
    size_t i = 4, v = 0;
    while (i < n && is_digit(s[i]) && v <= SBG_MAX_K) v = v * 10 + (size_t)(s[i++] - '0');
    if (v < 1 || v > SBG_MAX_K) return CMD_UNSUPPORTED;
    *k = v;
    if (i == n) return CMD_TOP;
    if (n - i == 6 && !memcmp(s + i, "_COUNT", 6)) return CMD_TOP_COUNT;
    return CMD_UNSUPPORTED;
}

typedef struct {
    Index *ix;
    Analyzer *an;
    Bm25 bm25;
    QueryOptions qo;
    Query q;
    SearchContext ctx;
    TopK top;
} Server;

/* Answers one line; returns 0, or -1 on an index error (corrupt postings). */
static int serve_line(Server *s, char *line, size_t len, FILE *out)
{
    char *tab = memchr(line, '\t', len);
    size_t k = 0;
    CmdKind cmd = tab ? parse_command(line, (size_t)(tab - line), &k) : CMD_UNSUPPORTED;
    if (cmd == CMD_UNSUPPORTED || strlen(tab + 1) != len - (size_t)(tab + 1 - line) ||
        query_parse_with(s->an, s->ix, &s->bm25, &s->qo, tab + 1, &s->q) != 0) {
        fputs("UNSUPPORTED\n", out);
        return 0;
    }
    s->ctx.q = &s->q;
    int rc = 0;
    if (cmd == CMD_TOP || cmd == CMD_TOP_COUNT) {
        topk_clear(&s->top);
        s->top.k = k;
        rc = search_run(algorithm_default(), &s->ctx, &s->top);
        s->top.n = 0;
    }
    uint64_t count = 0;
    if (rc == 0 && (cmd == CMD_COUNT || cmd == CMD_TOP_COUNT)) {
        int64_t c = search_count(&s->ctx);
        rc = c < 0 ? -1 : 0;
        count = c < 0 ? 0 : (uint64_t)c;
    }
    if (rc != 0) return -1;
    if (cmd == CMD_TOP) fputs("1\n", out);
    else fprintf(out, "%llu\n", (unsigned long long)count);
    return 0;
}

static int sbg_serve(int argc, char **argv)
{
    const char *dir = NULL;
    float k1 = 0.9f, b = 0.4f; /* CONTRIBUTE.md: BM25 with k1 = 0.9, b = 0.4 */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--k1") && i + 1 < argc) {
            if (parse_float(a, argv[++i], 0.0, 100.0, &k1)) return EXIT_ERROR;
        } else if (!strcmp(a, "--b") && i + 1 < argc) {
            if (parse_float(a, argv[++i], 0.0, 1.0, &b)) return EXIT_ERROR;
        } else if (a[0] == '-' || dir) {
            fprintf(stderr, "search: usage: search sbg-serve [--k1 X] [--b X] INDEXDIR\n");
            return EXIT_ERROR;
        } else {
            dir = a;
        }
    }
    if (!dir) {
        fprintf(stderr, "search: usage: search sbg-serve [--k1 X] [--b X] INDEXDIR\n");
        return EXIT_ERROR;
    }
    Server s = {0};
    s.ix = index_open(dir);
    if (!s.ix) {
        print_error();
        return EXIT_ERROR;
    }
    s.an = analyzer_new(&index_stats(s.ix)->analysis);
    if (!s.an) {
        print_error();
        index_close(s.ix);
        return EXIT_ERROR;
    }
    bm25_init(&s.bm25, k1, b, index_stats(s.ix));
    query_init(&s.q);
    search_context_init(&s.ctx, s.ix, &s.bm25);
    topk_init(&s.top, SBG_MAX_K, NULL);
    query_options_default(&s.qo);
    s.qo.title = s.qo.heading = 0; /* one field, as the benchmark's engines */

    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        size_t n = (size_t)got;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        line[n] = 0;
        if (serve_line(&s, line, n, stdout) != 0) {
            print_error();
            rc = EXIT_ERROR;
            break;
        }
        if (fflush(stdout) != 0) {
            fprintf(stderr, "search: cannot write output: %s\n", strerror(errno));
            rc = EXIT_ERROR;
            break;
        }
    }
    free(line);
    topk_free(&s.top);
    search_context_free(&s.ctx);
    query_free(&s.q);
    analyzer_free(s.an);
    index_close(s.ix);
    return rc;
}

int cmd_sbg(int argc, char **argv)
{
    if (!strcmp(argv[0], "sbg-index")) return sbg_index(argc, argv);
    return sbg_serve(argc, argv);
}
