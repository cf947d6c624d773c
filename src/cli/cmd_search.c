/*
 * cmd_search.c: `search QUERY` and `search --queries FILE`, over the
 * public API: opens the index (building it from corpus/ first when there
 * is none), runs each query through one searcher and prints the hits.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const char *dir;
    const char *queries; /* --queries FILE */
    int color;           /* -1: decide by isatty */
    srch_search_options so;
    OutputOptions out;
    Buf text;            /* the query words joined */
    srch_index *ix;      /* once open */
} SearchArgs;

static int parse_args(int argc, char **argv, SearchArgs *s)
{
    memset(s, 0, sizeof *s);
    s->dir = DEFAULT_INDEX;
    s->color = -1;
    s->out.tag = "search";
    srch_search_options_init(&s->so);
    int words_only = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        long v;
        if (words_only || a[0] != '-' || a[1] == 0) {
            if (s->text.len) buf_put_u8(&s->text, ' ');
            buf_append(&s->text, a, strlen(a));
            continue;
        }
        if (!strcmp(a, "--")) { words_only = 1; continue; }
        if (!strcmp(a, "--json")) { s->out.mode = OUT_JSON; continue; }
        if (!strcmp(a, "--color")) { s->color = 1; continue; }
        if (!strcmp(a, "--no-color")) { s->color = 0; continue; }
        if (!strcmp(a, "--explain")) { s->out.explain = 1; continue; }
        if (!strcmp(a, "--help")) { usage(stdout); exit(0); }
        int takes = !strcmp(a, "-k") || !strcmp(a, "--k1") || !strcmp(a, "--b") || !strcmp(a, "--index") ||
                    !strcmp(a, "--queries") || !strcmp(a, "--tag") || !strcmp(a, "--algorithm") ||
                    !strcmp(a, "--per-article") || !strcmp(a, "--title-boost") || !strcmp(a, "--heading-boost") ||
                    !strcmp(a, "--max-expansions");
        if (!takes) {
            fprintf(stderr, "search: unknown option '%s' (see search --help; use -- before a query starting with -)\n", a);
            return -1;
        }
        if (!val) {
            fprintf(stderr, "search: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (!strcmp(a, "-k")) {
            if (parse_long(a, val, 1, 1000000, &v)) return -1;
            s->so.k = (size_t)v;
        } else if (!strcmp(a, "--k1")) {
            if (parse_float(a, val, 0.0, 100.0, &s->so.k1)) return -1;
        } else if (!strcmp(a, "--b")) {
            if (parse_float(a, val, 0.0, 1.0, &s->so.b)) return -1;
        } else if (!strcmp(a, "--per-article")) {
            if (parse_long(a, val, 1, 1000, &v)) return -1;
            s->out.per_article = (size_t)v;
        } else if (!strcmp(a, "--title-boost")) {
            if (parse_float(a, val, 0.0, 100.0, &s->so.title_boost)) return -1;
        } else if (!strcmp(a, "--heading-boost")) {
            if (parse_float(a, val, 0.0, 100.0, &s->so.heading_boost)) return -1;
        } else if (!strcmp(a, "--max-expansions")) {
            if (parse_long(a, val, 1, QUERY_MAX_TERMS, &v)) return -1;
            s->so.max_expansions = (uint32_t)v;
        } else if (!strcmp(a, "--index")) s->dir = val;
        else if (!strcmp(a, "--queries")) s->queries = val;
        else if (!strcmp(a, "--tag")) s->out.tag = val;
        else s->so.algorithm = val;
    }
    if (s->queries) s->out.mode = OUT_TREC;
    if (s->queries && !trec_token(s->out.tag)) { /* it is every run line's last field */
        fprintf(stderr, "search: --tag wants one word without spaces or control characters (got '%s')\n", s->out.tag);
        return -1;
    }
    if (s->queries && (s->out.per_article || s->out.explain)) {
        fprintf(stderr, "search: --per-article and --explain do not apply to a TREC run (--queries)\n");
        return -1;
    }
    if (!s->queries && s->text.len == 0) {
        fprintf(stderr, "search: no query given (usage: search [options] QUERY...; search --help)\n");
        return -1;
    }
    buf_put_u8(&s->text, 0);
    s->out.color = s->color >= 0 ? s->color : (isatty(1) && !getenv("NO_COLOR"));
    /* a TREC run ranks articles by their best passage, and needs no text */
    s->so.per_article = s->queries ? 1 : (uint32_t)s->out.per_article;
    s->so.ids_only = s->queries != NULL;
    s->so.explain = s->out.explain;
    return 0;
}

/* No index yet: build one from corpus/ (the first run of a fresh clone). */
static srch_code open_or_build(const char *dir, srch_index **ix, srch_error *err)
{
    struct stat st;
    char current[4096];
    snprintf(current, sizeof current, "%s/CURRENT", dir);
    /* only the default index is built implicitly, and never over a damaged one */
    int build = strcmp(dir, DEFAULT_INDEX) == 0 && stat(DEFAULT_CORPUS, &st) == 0 && stat(current, &st) != 0;
    if (build) {
        char *newest = publish_current(dir); /* a damaged CURRENT: say so, do not build over it */
        size_t ncommits = 0;
        char *any = newest ? NULL : publish_newest(dir, &ncommits);
        build = !newest && ncommits == 0;
        free(newest);
        free(any);
    }
    if (build) {
        fprintf(stderr, "search: no index in %s; building it from %s/ first\n", dir, DEFAULT_CORPUS);
        srch_build_options o;
        srch_build_options_init(&o);
        o.warning = cli_warning;
        srch_build_report r;
        if (srch_build(DEFAULT_CORPUS, dir, &o, &r, err) != SRCH_OK) return err->code;
        fprintf(stderr, "search: indexed %llu articles into %llu passages in %.2f s\n",
                (unsigned long long)r.articles, (unsigned long long)r.passages, r.seconds);
    }
    return srch_open(dir, ix, err);
}

/* run_query: the query itself cannot be run (too many terms; err says
 * why), which a --queries run skips, unlike an error of the index or the
 * output. */
#define QUERY_REFUSED (-2)

/* Runs one query; returns hits printed, QUERY_REFUSED, or -1 on error. */
static long run_query(srch_searcher *se, const SearchArgs *a, const char *text, const char *qid, srch_error *err)
{
    srch_hits *h;
    srch_code rc = srch_search(se, text, &a->so, &h, err);
    if (rc == SRCH_BAD_QUERY) return QUERY_REFUSED;
    if (rc != SRCH_OK) return -1;
    const char *notes = srch_hits_notes(h);
    if (*notes) fprintf(stderr, "search: %s%s%s", a->queries ? qid : "", a->queries ? ": " : "", notes);
    print_hits(h, &a->out, qid);
    long n = (long)srch_hits_count(h);
    if (!a->queries && n == 0 && (srch_hits_flags(h) & SRCH_QUERY_NO_TERMS)) {
        srch_index_info info;
        srch_index_stats(a->ix, &info);
        fprintf(stderr, "search: the query has no searchable words%s\n", info.stopwords ? " (only stop words)" : "");
    } else if (!a->queries && n == 0 && (srch_hits_flags(h) & SRCH_QUERY_ONLY_EXCLUDES)) {
        fprintf(stderr, "search: the query only excludes words (-word, NOT word); add a word to search for\n");
    }
    srch_hits_free(h);
    return n;
}

static int run_query_file(srch_searcher *se, const SearchArgs *a, const char *path, srch_error *err)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        snprintf(err->message, sizeof err->message, "cannot open queries file %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0, total = 0, refused = 0;
    int rc = 0;
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = 0;
        if (got == 0) continue;
        char *tab = strchr(line, '\t');
        if (!tab || tab == line || (size_t)got != strlen(line)) {
            snprintf(err->message, sizeof err->message, "%s: line %ld: expected qid<TAB>query text", path, lineno);
            rc = -1;
            break;
        }
        *tab = 0;
        /* the qid is a run line's first field: blanks around it are
         * dropped (white space between fields is one separator anyway),
         * blanks inside it refused */
        char *qid = line;
        while (*qid == ' ') qid++;
        for (char *end = tab; end > qid && end[-1] == ' ';) *--end = 0;
        if (!trec_token(qid)) {
            snprintf(err->message, sizeof err->message,
                     "%s: line %ld: the qid '%.100s' is empty or holds white space or control characters", path,
                     lineno, qid);
            rc = -1;
            break;
        }
        long n = run_query(se, a, tab + 1, qid, err);
        if (n == QUERY_REFUSED) {
            /* one bad query does not cost the others, but the run lacks it:
             * named here, and the exit status says so at the end */
            fprintf(stderr, "search: warning: query %s (%s line %ld) skipped: %s\n", qid, path, lineno, err->message);
            refused++;
        } else if (n < 0)
            rc = -1;
        else if (n == 0) /* the run has no line for it: trec_eval leaves it out unless -c */
            fprintf(stderr, "search: query %s (%s line %ld) answered with nothing\n", qid, path, lineno);
        else
            total += n;
    }
    free(line);
    if (f != stdin) fclose(f);
    if (rc == 0 && refused) {
        snprintf(err->message, sizeof err->message, "%ld %s skipped (see the warnings above): the run lacks %s",
                 refused, refused == 1 ? "query was" : "queries were", refused == 1 ? "it" : "them");
        rc = -1;
    }
    return rc == 0 ? (total > 0 ? EXIT_HITS : EXIT_NO_HITS) : -1;
}

int cmd_search(int argc, char **argv) { return cmd_search_to(argc, argv, stdout); }

int cmd_search_to(int argc, char **argv, FILE *trec)
{
    SearchArgs s;
    if (parse_args(argc, argv, &s) != 0) {
        buf_free(&s.text);
        return EXIT_ERROR;
    }
    s.out.trec = trec;
    srch_error err = {SRCH_OK, ""};
    srch_index *ix = NULL;
    srch_searcher *se = NULL;
    int rc = EXIT_ERROR;
    if (s.so.algorithm && !algorithm_find(s.so.algorithm)) { /* before the index is opened, or built */
        fprintf(stderr, "search: unknown algorithm '%s' (known: %s)\n", s.so.algorithm, algorithm_names());
        buf_free(&s.text);
        return EXIT_ERROR;
    }
    if (open_or_build(s.dir, &ix, &err) == SRCH_OK && srch_searcher_new(ix, &se, &err) == SRCH_OK) {
        s.ix = ix;
        if (s.queries) {
            rc = run_query_file(se, &s, s.queries, &err);
        } else {
            long n = run_query(se, &s, (const char *)s.text.data, "1", &err);
            rc = n < 0 ? -1 : n > 0 ? EXIT_HITS : EXIT_NO_HITS;
        }
        if (rc < 0) rc = EXIT_ERROR;
    }
    if (rc == EXIT_ERROR) fprintf(stderr, "search: %s\n", err.message[0] ? err.message : "error");
    if (fflush(stdout) != 0 && rc != EXIT_ERROR) {
        fprintf(stderr, "search: cannot write output\n");
        rc = EXIT_ERROR;
    }
    srch_searcher_free(se);
    srch_close(ix);
    buf_free(&s.text);
    return rc;
}
