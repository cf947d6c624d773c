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
#include "index/writer.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The benchmark's BM25 (its CONTRIBUTE.md: k1 = 0.9, b = 0.4): what
 * sbg-serve scores with, and so what sbg-index computes block maxima for. */
#define SBG_K1 0.9f
#define SBG_B 0.4f

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
    /* block maxima for the parameters sbg-serve scores with: exact bounds,
     * not the looser ones from max tf and min length */
    o.k1 = SBG_K1;
    o.b = SBG_B;
    o.k1_given = o.b_given = 1;
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
    srch_index *ix;
    srch_searcher *s;
    srch_search_options o; /* BM25's k1 and b; each command sets k and total */
    srch_hits *hits;       /* reused from query to query: no allocation per query */
} Server;

/* Runs cmd's query: *count is the answer of a counting command. */
static srch_code run_command(Server *sv, CmdKind cmd, size_t k, const char *query, uint64_t *count,
                             srch_error *err)
{
    if (cmd == CMD_COUNT) return srch_count(sv->s, query, &sv->o, count, err);
    sv->o.k = k;
    sv->o.total = cmd == CMD_TOP_COUNT;
    srch_code rc = srch_search_into(sv->s, query, &sv->o, &sv->hits, err);
    *count = srch_hits_total(sv->hits);
    return rc;
}

/* Answers one line; returns 0, or -1 on an index error (corrupt postings). */
static int serve_line(Server *sv, char *line, size_t len, FILE *out, srch_error *err)
{
    char *tab = memchr(line, '\t', len);
    size_t k = 0;
    CmdKind cmd = tab ? parse_command(line, (size_t)(tab - line), &k) : CMD_UNSUPPORTED;
    uint64_t count = 0;
    srch_code rc = SRCH_BAD_QUERY; /* a query the engine refuses is unsupported too */
    if (cmd != CMD_UNSUPPORTED && strlen(tab + 1) == len - (size_t)(tab + 1 - line))
        rc = run_command(sv, cmd, k, tab + 1, &count, err);
    if (rc == SRCH_BAD_QUERY) fputs("UNSUPPORTED\n", out);
    else if (rc != SRCH_OK) return -1;
    else if (cmd == CMD_TOP) fputs("1\n", out);
    else fprintf(out, "%llu\n", (unsigned long long)count);
    return 0;
}

/* Answers every line of stdin; 0, or EXIT_ERROR after saying why. */
static int serve(Server *sv)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    srch_error err;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        size_t n = (size_t)got;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        line[n] = 0;
        if (serve_line(sv, line, n, stdout, &err) != 0) {
            fprintf(stderr, "search: %s\n", err.message);
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
    return rc;
}

static int sbg_serve(int argc, char **argv)
{
    const char *dir = NULL;
    float k1 = SBG_K1, b = SBG_B;
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
    Server sv = {0};
    srch_search_options_init(&sv.o);
    sv.o.k1 = k1;
    sv.o.b = b;
    sv.o.title_boost = sv.o.heading_boost = 0; /* one field, as the benchmark's engines */
    sv.o.scores_only = 1;                      /* the protocol prints no hit */
    srch_error err;
    if (srch_open(dir, &sv.ix, &err) != SRCH_OK || srch_searcher_new(sv.ix, &sv.s, &err) != SRCH_OK) {
        if (err.code == SRCH_NOT_FOUND) /* how to make one: sbg-index, not the library's `search index` */
            fprintf(stderr, "search: no index at %s (build one with: search sbg-index %s < docs.jsonl)\n", dir, dir);
        else
            fprintf(stderr, "search: %s\n", err.message);
        srch_close(sv.ix);
        return EXIT_ERROR;
    }
    int rc = serve(&sv);
    srch_hits_free(sv.hits);
    srch_searcher_free(sv.s);
    srch_close(sv.ix);
    return rc;
}

int cmd_sbg(int argc, char **argv)
{
    if (!strcmp(argv[0], "sbg-index")) return sbg_index(argc, argv);
    return sbg_serve(argc, argv);
}
