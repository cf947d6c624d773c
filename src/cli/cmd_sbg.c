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
 * documents. Queries are in our query language (search(1) "Query syntax"),
 * which covers the Lucene syntax the benchmark uses: words = union, "+a +b"
 * = every word required, phrases, negation, AND / OR / NOT, parentheses.
 * Unknown commands, and a query with a NUL byte, answer UNSUPPORTED.
 * bench/sbg/README.md has the details.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- sbg-index ---- */

static int read_stdin(void *src, const CorpusOptions *co, article_fn fn, void *ctx, CorpusStats *stats)
{
    (void)src;
    return jsonl_read(stdin, "stdin", co, fn, ctx, stats);
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
    struct stat st;
    int existed = stat(dir, &st) == 0;

    IndexerOptions o;
    indexer_options_default(&o);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    o.analysis.stopwords = 0;
    o.analysis.letters_only = 1;
    /* a document is one line, so one paragraph; no window may be smaller
     * than it, so it is one passage */
    o.passage_words = 100000;
    o.grow_passage_words = 1;
    o.progress = !quiet && isatty(2) ? cli_index_progress : NULL;
    o.warn = cli_warning;
    IndexerReport r;
    if (indexer_build_from(read_stdin, NULL, dir, &o, &r) != 0) {
        fprintf(stderr, "search: sbg-index: %s\n", err_msg());
        /* Bad input leaves no trace, as when the documents were read in
         * full before the build began: an index directory the build made
         * holds only its lock file, the failed build's temporaries being
         * gone (rmdir removes nothing else). */
        if (!existed) {
            char lock[4200];
            snprintf(lock, sizeof lock, "%s/LOCK", dir);
            unlink(lock);
            rmdir(dir);
        }
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
                (unsigned long long)(r.articles + r.skipped), (unsigned long long)r.articles,
                (unsigned long long)r.skipped, (unsigned long long)r.terms, (unsigned long long)r.postings,
                r.index_bytes / 1e6, r.seconds);
    return 0;
}

/* ---- sbg-serve ---- */

#define SBG_MAX_K 10000

typedef enum { CMD_UNSUPPORTED, CMD_COUNT, CMD_TOP, CMD_TOP_COUNT } CmdKind;

static int is_digit(char c) { return c >= '0' && c <= '9'; }

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
