/* cmd_index.c: `search index`: update (or build) the index, publish it,
 * report. */
#include "cli/cli.h"
#include "index/writer.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

static void report(const srch_build_report *r)
{
    double mb = r->source_bytes / 1e6;
    if (r->updated) {
        fprintf(stderr,
                "updated: %llu articles unchanged (%llu files not read), %llu added, %llu changed, %llu removed; "
                "%zu segments merged, %zu in the index%s\n",
                (unsigned long long)r->unchanged, (unsigned long long)r->files_not_read,
                (unsigned long long)r->added, (unsigned long long)r->changed, (unsigned long long)r->removed,
                r->merged, r->segments, r->up_to_date ? " (up to date: nothing written)" : "");
    } else if (r->why_full) {
        fprintf(stderr, "full rebuild: %s\n", r->why_full);
    }
    /* an update that indexed nothing new (up to date, or only removals):
     * the line above says it all, without counts of nothing or a rate */
    if (r->up_to_date || (r->updated && r->articles == 0)) return;
    if (r->runs)
        fprintf(stderr, "memory budget reached: postings went to %llu runs on disk (%.1f MB), merged at the end\n",
                (unsigned long long)r->runs, r->run_bytes / 1e6);
    fprintf(stderr,
            "indexed %llu articles (%llu skipped) into %llu passages: %llu terms, %llu postings\n"
            "source %.2f MB, index %.2f MB (%.0f%% of source), %.2f s",
            (unsigned long long)r->articles, (unsigned long long)r->skipped, (unsigned long long)r->passages,
            (unsigned long long)r->terms, (unsigned long long)r->postings, mb, r->index_bytes / 1e6,
            r->source_bytes ? 100.0 * (double)r->index_bytes / (double)r->source_bytes : 0.0, r->seconds);
    /* a rate of a moment, or of a few bytes, says nothing ("0.0 MB/s") */
    if (r->seconds >= 0.01 && mb / r->seconds >= 0.05) fprintf(stderr, ", %.1f MB/s", mb / r->seconds);
    fputc('\n', stderr);
}

void cli_warning(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "search: warning: %s\n", message);
}

void cli_index_progress(void *ctx, uint64_t articles, uint64_t passages, uint64_t bytes, double seconds, int final)
{
    srch_progress p = {articles, passages, bytes, seconds};
    cli_progress(ctx, &p);
    if (final) fputc('\n', stderr);
}

void cli_progress(void *ctx, const srch_progress *p)
{
    (void)ctx;
    double mb = p->bytes / 1e6;
    fprintf(stderr, "\r  indexing: %llu articles, %llu passages, %.1f MB, %.1f MB/s", (unsigned long long)p->articles,
            (unsigned long long)p->passages, mb, p->seconds > 0 ? mb / p->seconds : 0.0);
}

/* The machine's memory in bytes, or 0 when unknown. */
static double physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}

/* "512M", "2G", "65536K", "1T" or bytes -> bytes; -1 with a message if
 * not a size, below the indexer's minimum, or more than the machine has
 * (a budget past it would swap, or be killed, instead of spilling runs). */
static int parse_memory(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double unit = 1;
    const char *units = "KMGTP";
    const char *u = *end ? strchr(units, *end >= 'a' && *end <= 'z' ? *end - 'a' + 'A' : *end) : NULL;
    if (u) {
        for (const char *p = units; p <= u; p++) unit *= 1024.0;
        end++;
    }
    if (*end == 'B' || *end == 'b') end++;
    v *= unit;
    if (errno || end == s || *end || v != v || v < 0) {
        fprintf(stderr, "search: --memory wants a size like 256M or 2G (got '%s')\n", s);
        return -1;
    }
    if (v < (double)INDEXER_MIN_MEMORY) {
        fprintf(stderr, "search: --memory %s is too small: the least is 1M\n", s);
        return -1;
    }
    double ram = physical_memory();
    if (ram > 0 ? v > ram : v > 1e15) {
        if (ram > 0)
            fprintf(stderr, "search: --memory %s is too large: this machine has %.1fG of memory\n", s,
                    ram / (1024.0 * 1024 * 1024));
        else
            fprintf(stderr, "search: --memory %s is too large\n", s);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

/* --language: "help" lists the names on stdout (returns 1); a name in
 * any case is stored as libstemmer spells it; an unknown one is refused
 * here, before the build touches the index (returns -1). */
static int set_language(const char *val, const char **language)
{
    if (!strcmp(val, "help")) {
        for (const char *l = analyzer_languages(); *l; l++) putchar(*l == ' ' ? '\n' : *l);
        printf("\nnone\n");
        return 1;
    }
    const char *name = analysis_language_name(val);
    if (!name || strlen(name) >= sizeof ((AnalysisConfig *)0)->language) {
        fprintf(stderr, "search: unknown stemmer language '%s' (known: %s none)\n", val, analyzer_languages());
        return -1;
    }
    *language = name;
    return 0;
}

enum { OPT_CORPUS = 256, OPT_INDEX, OPT_LANGUAGE, OPT_PASSAGE_WORDS, OPT_THREADS, OPT_MEMORY, OPT_STOPWORDS,
       OPT_NO_STOPWORDS, OPT_FULL, OPT_OPTIMIZE, OPT_REORDER, OPT_STRICT, OPT_QUIET, OPT_HELP, OPT_SHARDS,
       OPT_SHARD, OPT_MPI, OPT_K1, OPT_B };

static const struct option index_options[] = {
    {"corpus", required_argument, NULL, OPT_CORPUS},
    {"index", required_argument, NULL, OPT_INDEX},
    {"language", required_argument, NULL, OPT_LANGUAGE},
    {"passage-words", required_argument, NULL, OPT_PASSAGE_WORDS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"stopwords", no_argument, NULL, OPT_STOPWORDS},
    {"no-stopwords", no_argument, NULL, OPT_NO_STOPWORDS},
    {"full", no_argument, NULL, OPT_FULL},
    {"optimize", no_argument, NULL, OPT_OPTIMIZE},
    {"reorder", no_argument, NULL, OPT_REORDER},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {"shards", required_argument, NULL, OPT_SHARDS},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"k1", required_argument, NULL, OPT_K1},
    {"b", required_argument, NULL, OPT_B},
    {NULL, 0, NULL, 0},
};

typedef struct {
    const char *corpus, *dir;
    srch_build_options o;
    int quiet;
    long shards, shard; /* 0 and -1: the whole corpus */
} IndexArgs;

/* One option; 0, 1 when it has answered (--language help), -1 after a
 * message. */
static int set_index_option(IndexArgs *x, int c, const char *name, const char *val)
{
    long v;
    switch (c) {
    case OPT_CORPUS: x->corpus = val; return 0;
    case OPT_INDEX: x->dir = val; return 0;
    case OPT_LANGUAGE: return set_language(val, &x->o.language);
    case OPT_MEMORY: return parse_memory(val, &x->o.memory);
    case OPT_THREADS:
        if (parse_long(name, val, 1, 256, &v)) return -1;
        x->o.threads = (int)v;
        return 0;
    case OPT_PASSAGE_WORDS:
        if (parse_long(name, val, 10, 100000, &v)) return -1;
        x->o.passage_words = (uint32_t)v;
        return 0;
    case OPT_STOPWORDS: x->o.stopwords = 1; return 0;
    case OPT_NO_STOPWORDS: x->o.stopwords = 0; return 0;
    case OPT_FULL: x->o.full = 1; return 0;
    case OPT_OPTIMIZE: x->o.optimize = 1; return 0;
    case OPT_REORDER: x->o.reorder = 1; return 0;
    case OPT_STRICT: x->o.strict = 1; return 0;
    case OPT_QUIET: x->quiet = 1; return 0;
    case OPT_HELP: usage_of("index", stdout); return 1;
    case OPT_SHARDS: return parse_long(name, val, 1, 65536, &x->shards);
    case OPT_SHARD: return parse_long(name, val, 0, 65535, &x->shard);
    case OPT_K1: return parse_float(name, val, 0.0, IMPACT_K1_MAX, &x->o.k1);
    case OPT_B: return parse_float(name, val, 0.0, 1.0, &x->o.b);
    default: return -1;
    }
}

/* --shards N and --shard I come together, I below N. */
static int check_shard_args(const IndexArgs *x)
{
    if ((x->shards > 0) != (x->shard >= 0)) {
        fprintf(stderr, "search: --shards N and --shard I go together (shard I of N, from 0)\n");
        return -1;
    }
    if (x->shard >= x->shards && x->shards > 0) {
        fprintf(stderr, "search: --shard %ld is not below --shards %ld (shards count from 0)\n", x->shard, x->shards);
        return -1;
    }
    return 0;
}

/* getopt_long's forms: --index=DIR or --index DIR. Returns 0, 1 when an
 * option has answered already (exit 0), -1 after a message. */
static int parse_index_args(int argc, char **argv, IndexArgs *x)
{
    opterr = 0;
    optind = 0;
    for (;;) {
        int at = optind ? optind : 1, li = -1;
        const char *arg = at < argc ? argv[at] : "";
        int c = getopt_long(argc, argv, "-:h", index_options, &li);
        if (c == -1) break;
        if (c == 'h') c = OPT_HELP;
        if (c == 1 || c == '?') {
            fprintf(stderr, "search: unknown index %s '%s' (see search index --help)\n",
                    c == 1 ? "argument" : "option", c == 1 ? optarg : arg);
            return -1;
        }
        if (c == ':') {
            fprintf(stderr, "search: %s needs a value\n", arg);
            return -1;
        }
        char name[32];
        snprintf(name, sizeof name, "--%s", li >= 0 ? index_options[li].name : "help");
        int rc = set_index_option(x, c, name, optarg);
        if (rc) return rc;
    }
    if (optind < argc) { /* after "--" */
        fprintf(stderr, "search: unknown index argument '%s' (see search index --help)\n", argv[optind]);
        return -1;
    }
    return check_shard_args(x);
}

int cmd_index(int argc, char **argv)
{
    IndexArgs x = {DEFAULT_CORPUS, DEFAULT_INDEX, {0}, 0, 0, -1};
    srch_build_options_init(&x.o);
    int prc = parse_index_args(argc, argv, &x);
    if (prc) return prc > 0 ? (fflush(stdout) == 0 ? 0 : EXIT_ERROR) : EXIT_ERROR;
    x.o.progress = !x.quiet && isatty(2) ? cli_progress : NULL;
    x.o.warning = cli_warning;
    srch_build_report r;
    srch_error err;
    srch_code rc = x.shards ? srch_build_shard(x.corpus, x.dir, (uint32_t)x.shards, (uint32_t)x.shard, &x.o, &r, &err)
                            : srch_build(x.corpus, x.dir, &x.o, &r, &err);
    if (x.o.progress) fputc('\n', stderr); /* ends the progress line */
    if (rc != SRCH_OK) {
        fprintf(stderr, "search: %s\n", err.message);
        return EXIT_ERROR;
    }
    if (r.recovered)
        fprintf(stderr, "search: warning: %s/CURRENT did not name a commit that opens; updated %s, the newest that does\n",
                x.dir, r.recovered);
    if (!x.quiet) report(&r);
    return 0;
}
