/* main.c: `search index [options]` builds an index, `search check`,
 * `search eval` and `search sbg-*` are the other commands; anything else
 * is a query. --help (on every command) and --version are answered here. */
#include "cli/cli.h"

#include <errno.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>

static void usage_search(FILE *f)
{
    fprintf(f,
            "usage: search [options] QUERY...      rank passages by BM25 for QUERY\n"
            "       search [options] -             the query read from standard input\n"
            "       search --queries FILE [options]  every qid<TAB>query line of FILE\n"
            "\n"
            "search options (--opt=VALUE or --opt VALUE):\n"
            "  --index DIR        index directory (default: index)\n"
            "  -k N               number of hits (default 10)\n"
            "  --k1 X, --b X      BM25 parameters (default: the index's, those its block\n"
            "                     maxima were built for: k1=1.2, b=0.6 unless built\n"
            "                     with others)\n"
            "  --json             JSON lines: begin, a line per hit, end, summary\n"
            "  --queries FILE     run every qid<TAB>text line, print a TREC run (a docid's\n"
            "                     white space and control bytes written %%XX); with --json,\n"
            "                     the JSON lines of each query\n"
            "  --tag NAME         run tag for --queries, one word (default: search)\n"
            "  --algorithm NAME   query algorithm (%s)\n"
            "  --color[=WHEN]     highlight with colour: auto (default: on a terminal whose\n"
            "                     TERM is not dumb, unless NO_COLOR is set and not empty),\n"
            "                     always (--color alone) or never (--no-color)\n"
            "  --per-article N    hits are articles, each with its N best passages\n"
            "  --explain          each hit's score broken down by term and phrase\n"
            "  --title-boost X, --heading-boost X  field weights of unfielded words (0)\n"
            "  --max-expansions N terms a prefix* expands to at most (default 128)\n"
            "  --server URL[,URL...]  ask search serve at http://HOST:PORT instead of an\n"
            "                     index, each URL in turn until one answers whole (with -k,\n"
            "                     --json: its JSON answer, and --timeout MS per server, 5000)\n"
            "  --                 the rest is the query: `search -- check` searches for\n"
            "                     the word check, `search -- -word` for a query with -\n",
            algorithm_names());
}

static void usage_index(FILE *f)
{
    fprintf(f,
            "usage: search index [options]         (re)build the index from a corpus\n"
            "\n"
            "index options (an existing index is updated: only new, changed and removed\n"
            "articles are touched):\n"
            "  --corpus PATH      directory of .txt/.md articles, one .txt/.md article, or\n"
            "                     an id<TAB>title<TAB>text file, plain or gzip (default: corpus)\n"
            "  --index DIR        where to build it (default: index)\n"
            "  --language NAME    Snowball stemmer language or none (default: english;\n"
            "                     --language help lists them)\n"
            "  --no-stopwords     keep English stop words (dropped by default)\n"
            "  --passage-words N  longest passage in words (default %d)\n"
            "  --threads N        threads (default: all cores; the index is the same)\n"
            "  --memory SIZE      memory for postings, like 512M or 2G, past which they go\n"
            "                     to runs on disk (default: a quarter of RAM, at most all\n"
            "                     of it; the index is the same)\n"
            "  --full             rebuild from scratch instead of updating\n"
            "  --k1 X, --b X      BM25 parameters the block maxima are computed for, and\n"
            "                     searches use by default (default: the updated index's,\n"
            "                     or k1=1.2, b=0.6; others rebuild the index in full)\n"
            "  --optimize         merge the index into one segment\n"
            "  --reorder          give similar articles near numbers (graph bisection) in\n"
            "                     every segment written: a slower build, for a smaller\n"
            "                     index and faster queries\n"
            "  --strict           fail on any unreadable, empty or binary article file, or\n"
            "                     passages-file row that is malformed or holds a NUL byte\n"
            "  --quiet            no progress or report\n"
            "  --shards N --shard I  build shard I (from 0) of N: only the articles whose\n"
            "                     id hashes to it (FNV-1a 64 mod N); the directory records\n"
            "                     the split and refuses another\n"
            "  --mpi              under mpirun: each rank builds its shard, --index DIR\n"
            "                     holding DIR/shard-RANK (the search-mpi program)\n",
            PASSAGE_WORDS_DEFAULT);
}

static void usage_check(FILE *f)
{
    fprintf(f, "usage: search check [--index DIR] [--corpus PATH]\n"
               "                                      verify every checksum, posting and record;\n"
               "                                      with --corpus, that the index holds exactly\n"
               "                                      that corpus's articles now (exit 1 if not)\n");
}

static void usage_eval(FILE *f)
{
    fprintf(f, "usage: search eval [eval options] QRELS RUN  trec_eval's measures of a TREC run\n"
               "       search eval [eval options] QRELS --queries FILE [search options]\n"
               "                                      run the queries, then measure them\n"
               "\n"
               "eval options (trec_eval's): -q per query too, -c count queries without results\n"
               "  as 0, -m MEASURE (map, P.10, ndcg_cut.10, ...), -l LEVEL relevant from\n"
               "  judgment LEVEL (1), -M N the first N documents only; - reads standard input\n");
}

static void usage_sbg_index(FILE *f)
{
    fprintf(f, "usage: search sbg-index [--quiet] DIR < docs.jsonl\n"
               "                                      index for the search-benchmark-game\n");
}

static void usage_sbg_serve(FILE *f)
{
    fprintf(f, "usage: search sbg-serve [--k1 X] [--b X] DIR\n"
               "                                      answer its COMMAND<TAB>query lines\n");
}

void usage_of(const char *command, FILE *f)
{
    if (!strcmp(command, "index")) usage_index(f);
    else if (!strcmp(command, "check")) usage_check(f);
    else if (!strcmp(command, "eval")) usage_eval(f);
    else if (!strcmp(command, "sbg-index")) usage_sbg_index(f);
    else if (!strcmp(command, "sbg-serve")) usage_sbg_serve(f);
    else usage_search(f);
}

void usage(FILE *f)
{
    usage_search(f);
    fputc('\n', f);
    usage_index(f);
    fputc('\n', f);
    usage_check(f);
    fputc('\n', f);
    usage_eval(f);
    fputc('\n', f);
    usage_sbg_index(f);
    usage_sbg_serve(f);
    fprintf(f, "\n"
               "usage: search serve [options]         HTTP/JSON and a search page (serve --help)\n"
               "\n"
               "search COMMAND --help shows one command's options; search --version the version.\n"
               "Exit status: 0 with hits, 1 with none, 2 on error.\n");
}

void print_error(void) { fprintf(stderr, "search: %s\n", err_msg()); }

int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "search: %s needs a whole number from %ld to %ld, got '%s'\n", opt, lo, hi, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

int parse_float(const char *opt, const char *s, double lo, double hi, float *out)
{
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || errno || !(v >= lo && v <= hi)) {
        fprintf(stderr, "search: %s needs a number from %g to %g, got '%s'\n", opt, lo, hi, s ? s : "");
        return -1;
    }
    *out = (float)v;
    return 0;
}

/* Indexing fills hash tables and postings buffers of hundreds of MB that
 * are touched at random: 2 MB pages cut its page faults and TLB misses
 * (about 15% of its time, bench/README.md). And its tables grow by
 * doubling: glibc gives each large block pages of its own (mmap) and
 * returns them when freed, so every growth had the kernel zero new pages
 * while the old ones went back (on the virtual machines we measure on,
 * zeroing a page is its first touch, and slow). Without mmap, and with
 * nothing trimmed, a freed table's pages serve the next large block. glibc
 * (>= 2.35) reads these settings from GLIBC_TUNABLES, only at start-up:
 * hence one re-exec. Any failure just goes on. */
static void use_huge_pages(char **argv)
{
    if (getenv("GLIBC_TUNABLES") || getenv("SEARCH_NO_HUGE_PAGES")) return;
    if (setenv("GLIBC_TUNABLES",
               "glibc.malloc.hugetlb=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=18446744073709551615",
               1) != 0)
        return;
    execv("/proc/self/exe", argv);
    unsetenv("GLIBC_TUNABLES");
}

/* The subcommands, which only the first argument names. */
static const char *const subcommands[] = {"index", "check", "eval", "serve", "sbg-index", "sbg-serve", "help"};
#define NSUBCOMMANDS (sizeof subcommands / sizeof *subcommands)

static int is_subcommand(const char *s)
{
    for (size_t i = 0; i < NSUBCOMMANDS; i++)
        if (!strcmp(s, subcommands[i])) return 1;
    return 0;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* Edit distance (with transpositions: "chekc") of a and b, ASCII case
 * folded; both short. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 32 || m > 32) return SIZE_MAX;
    size_t d[33][33];
    for (size_t i = 0; i <= n; i++) d[i][0] = i;
    for (size_t j = 0; j <= m; j++) d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t cost = lower(a[i - 1]) != lower(b[j - 1]);
            size_t v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v) v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]) &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

const char *subcommand_near(const char *word)
{
    for (size_t i = 0; i < NSUBCOMMANDS; i++) {
        size_t allowed = strlen(subcommands[i]) >= 8 ? 2 : 1; /* sbg-index: 2, check: 1 */
        if (edit_distance(word, subcommands[i]) <= allowed) return subcommands[i];
    }
    return NULL;
}

/* --help or -h among a subcommand's arguments (before a "--"). */
static int asks_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

void print_version(void)
{
    printf("search %s\n", SRCH_VERSION);
    if (strcmp(srch_version(), SRCH_VERSION)) printf("libsearch %s\n", srch_version());
}

int main(int argc, char **argv)
{
    const char *cmd = argc >= 2 ? argv[1] : "";
    if (!strcmp(cmd, "--version")) {
        print_version();
        return fflush(stdout) == 0 ? 0 : EXIT_ERROR;
    }
    if (!strcmp(cmd, "help") && argc >= 3 && !strcmp(argv[2], "serve")) {
        char *serve_help[] = {"serve", "--help", NULL};
        return cmd_serve(2, serve_help);
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        /* `search help index` is `search index --help` */
        if (!strcmp(cmd, "help") && argc >= 3 && is_subcommand(argv[2])) usage_of(argv[2], stdout);
        else usage(stdout);
        return fflush(stdout) == 0 ? 0 : EXIT_ERROR;
    }
    if (is_subcommand(cmd) && strcmp(cmd, "serve") && asks_help(argc - 1, argv + 1)) {
        usage_of(cmd, stdout);
        return fflush(stdout) == 0 ? 0 : EXIT_ERROR;
    }
    if ((!strcmp(cmd, "index") || !strcmp(cmd, "serve")) && cli_wants_mpi(argc - 1, argv + 1))
        return cli_mpi_exec(argc - 1, argv + 1); /* under mpirun: search-mpi */
    if (!strcmp(cmd, "index")) {
        use_huge_pages(argv);
        return cmd_index(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "eval")) return cmd_eval(argc - 1, argv + 1);
    if (!strcmp(cmd, "check")) return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "serve")) return cmd_serve(argc - 1, argv + 1); /* it answers --help itself */
    if (!strcmp(cmd, "sbg-index") || !strcmp(cmd, "sbg-serve"))
        return cmd_sbg(argc - 1, argv + 1); /* the search-benchmark-game protocol */
    if (cli_wants_server(argc, argv)) return cmd_client(argc, argv); /* search serve answers, not an index */
    return cmd_search(argc, argv);
}
