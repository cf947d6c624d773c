/* main.c: `search index [options]` builds an index; anything else is a query. */
#include "cli/cli.h"

#include <errno.h>
#include <unistd.h>
#include <stdlib.h>

void usage(FILE *f)
{
    fprintf(f,
            "usage: search [options] QUERY...      rank passages by BM25 for QUERY\n"
            "       search index [options]         (re)build the index from a corpus\n"
            "       search check [--index DIR] [--corpus PATH]\n"
            "                                      verify every checksum, posting and record;\n"
            "                                      with --corpus, that the index holds exactly\n"
            "                                      that corpus's articles now (exit 1 if not)\n"
            "       search eval [eval options] QRELS RUN  trec_eval's measures of a TREC run\n"
            "       search eval [eval options] QRELS --queries FILE [search options]\n"
            "                                      run the queries, then measure them\n"
            "       search sbg-index DIR < docs.jsonl  index for the search-benchmark-game\n"
            "       search sbg-serve DIR           answer its COMMAND<TAB>query lines\n"
            "       search serve [options]         HTTP/JSON and a search page (serve --help)\n"
            "\n"
            "search options:\n"
            "  --index DIR        index directory (default: index)\n"
            "  -k N               number of hits (default 10)\n"
            "  --k1 X, --b X      BM25 parameters (default k1=1.2, b=0.75)\n"
            "  --json             one JSON object per hit\n"
            "  --queries FILE     run every qid<TAB>text line, print a TREC run (a docid's\n"
            "                     white space and control bytes written %%XX)\n"
            "  --tag NAME         run tag for --queries, one word (default: search)\n"
            "  --algorithm NAME   query algorithm (%s)\n"
            "  --color, --no-color  highlight with colour (default: on a terminal)\n"
            "  --per-article N    hits are articles, each with its N best passages\n"
            "  --explain          each hit's score broken down by term and phrase\n"
            "  --title-boost X, --heading-boost X  field weights of unfielded words (0)\n"
            "  --max-expansions N terms a prefix* expands to at most (default 128)\n"
            "\n"
            "eval options (trec_eval's): -q per query too, -c count queries without results\n"
            "  as 0, -m MEASURE (map, P.10, ndcg_cut.10, ...), -l LEVEL relevant from\n"
            "  judgment LEVEL (1), -M N the first N documents only; - reads standard input\n"
            "\n"
            "index options (an existing index is updated: only new, changed and removed\n"
            "articles are touched):\n"
            "  --corpus PATH      directory of .txt/.md articles, or an id<TAB>title<TAB>text\n"
            "                     file, plain or gzip (default: corpus)\n"
            "  --index DIR        where to build it (default: index)\n"
            "  --language NAME    Snowball stemmer language or none (default: english;\n"
            "                     --language help lists them)\n"
            "  --no-stopwords     keep English stop words (dropped by default)\n"
            "  --passage-words N  longest passage in words (default %d)\n"
            "  --threads N        threads (default: all cores; the index is the same)\n"
            "  --memory SIZE      memory for postings, like 512M or 2G, past which they go\n"
            "                     to runs on disk (default: a quarter of RAM; the index is\n"
            "                     the same)\n"
            "  --full             rebuild from scratch instead of updating\n"
            "  --optimize         merge the index into one segment\n"
            "  --reorder          give similar articles near numbers (graph bisection) in\n"
            "                     every segment written: a slower build, for a smaller\n"
            "                     index and faster queries\n"
            "  --strict           fail on any unreadable, empty or binary article file, or\n"
            "                     passages-file row that is malformed or holds a NUL byte\n"
            "  --quiet            no progress or report\n"
            "\n"
            "Exit status: 0 with hits, 1 with none, 2 on error.\n",
            algorithm_names(), PASSAGE_WORDS_DEFAULT);
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

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "index") == 0) {
        use_huge_pages(argv);
        return cmd_index(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "eval") == 0) return cmd_eval(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "check") == 0) return cmd_check(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "serve") == 0) return cmd_serve(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "sbg-index") || !strcmp(argv[1], "sbg-serve")))
        return cmd_sbg(argc - 1, argv + 1); /* the search-benchmark-game protocol */
    if (argc >= 2 && (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    return cmd_search(argc, argv);
}
