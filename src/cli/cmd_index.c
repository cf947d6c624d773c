/* cmd_index.c: `search index`: update (or build) the index, publish it,
 * report. */
#include "cli/cli.h"

#include <errno.h>
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
    if (r->runs)
        fprintf(stderr, "memory budget reached: postings went to %llu runs on disk (%.1f MB), merged at the end\n",
                (unsigned long long)r->runs, r->run_bytes / 1e6);
    fprintf(stderr,
            "indexed %llu articles (%llu skipped) into %llu passages: %llu terms, %llu postings\n"
            "source %.2f MB, index %.2f MB (%.0f%% of source), %.2f s, %.1f MB/s\n",
            (unsigned long long)r->articles, (unsigned long long)r->skipped, (unsigned long long)r->passages,
            (unsigned long long)r->terms, (unsigned long long)r->postings, mb, r->index_bytes / 1e6,
            r->source_bytes ? 100.0 * (double)r->index_bytes / (double)r->source_bytes : 0.0, r->seconds,
            r->seconds > 0 ? mb / r->seconds : 0.0);
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

/* "512M", "2G", "65536K" or bytes -> bytes; -1 with a message if not a
 * size of at least the indexer's minimum. */
static int parse_memory(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double unit = 1;
    if (*end == 'K' || *end == 'k') unit = 1024.0, end++;
    else if (*end == 'M' || *end == 'm') unit = 1024.0 * 1024, end++;
    else if (*end == 'G' || *end == 'g') unit = 1024.0 * 1024 * 1024, end++;
    if (*end == 'B' || *end == 'b') end++;
    v *= unit;
    if (errno || end == s || *end || !(v >= (double)INDEXER_MIN_MEMORY) || v > 1e15) {
        fprintf(stderr, "search: --memory wants a size of at least 1M, like 256M or 2G (got '%s')\n", s);
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

static int need_arg(int i, int argc, const char *opt)
{
    if (i + 1 < argc) return 0;
    fprintf(stderr, "search: %s needs a value\n", opt);
    return -1;
}

int cmd_index(int argc, char **argv)
{
    const char *corpus = DEFAULT_CORPUS, *dir = DEFAULT_INDEX;
    srch_build_options o;
    srch_build_options_init(&o);
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long v;
        if (!strcmp(a, "--corpus") || !strcmp(a, "--index") || !strcmp(a, "--language") ||
            !strcmp(a, "--passage-words") || !strcmp(a, "--threads") || !strcmp(a, "--memory")) {
            if (need_arg(i, argc, a)) return EXIT_ERROR;
            const char *val = argv[++i];
            if (!strcmp(a, "--corpus")) corpus = val;
            else if (!strcmp(a, "--index")) dir = val;
            else if (!strcmp(a, "--language")) {
                int rc = set_language(val, &o.language);
                if (rc) return rc > 0 ? 0 : EXIT_ERROR;
            }
            else if (!strcmp(a, "--memory")) {
                if (parse_memory(val, &o.memory)) return EXIT_ERROR;
            } else if (!strcmp(a, "--threads")) {
                if (parse_long(a, val, 1, 256, &v)) return EXIT_ERROR;
                o.threads = (int)v;
            } else if (parse_long(a, val, 10, 100000, &v)) return EXIT_ERROR;
            else o.passage_words = (uint32_t)v;
        } else if (!strcmp(a, "--stopwords")) {
            o.stopwords = 1;
        } else if (!strcmp(a, "--no-stopwords")) {
            o.stopwords = 0;
        } else if (!strcmp(a, "--full")) {
            o.full = 1;
        } else if (!strcmp(a, "--optimize")) {
            o.optimize = 1;
        } else if (!strcmp(a, "--reorder")) {
            o.reorder = 1;
        } else if (!strcmp(a, "--strict")) {
            o.strict = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "search: unknown index option '%s' (see search --help)\n", a);
            return EXIT_ERROR;
        }
    }
    o.progress = !quiet && isatty(2) ? cli_progress : NULL;
    o.warning = cli_warning;
    srch_build_report r;
    srch_error err;
    srch_code rc = srch_build(corpus, dir, &o, &r, &err);
    if (o.progress) fputc('\n', stderr); /* ends the progress line */
    if (rc != SRCH_OK) {
        fprintf(stderr, "search: %s\n", err.message);
        return EXIT_ERROR;
    }
    if (r.recovered)
        fprintf(stderr, "search: warning: %s/CURRENT did not name a commit that opens; updated %s, the newest that does\n",
                dir, r.recovered);
    if (!quiet) report(&r);
    return 0;
}
