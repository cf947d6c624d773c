/*
 * cmd_search.c: `search QUERY` and `search --queries FILE`, over the
 * public API: opens the index (building it from corpus/ first when there
 * is none), runs each query through one searcher and prints the hits.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const char *dir;
    const char *queries; /* --queries FILE */
    int color;           /* -1: auto */
    srch_search_options so;
    OutputOptions out;
    Buf text;            /* the query words joined */
    int words;           /* query words given */
    int stdin_query;     /* the query is "-": read it from stdin */
    const char *rm3_opt; /* an --rm3-* option given (it wants --rm3) */
    const char *hint_word; /* the query is this one word, the first
                              argument: maybe a mistyped subcommand */
} SearchArgs;

/* Long options without a short form. */
enum {
    OPT_K1 = 256, OPT_B, OPT_INDEX, OPT_QUERIES, OPT_TAG, OPT_ALGORITHM, OPT_PER_ARTICLE, OPT_TITLE_BOOST,
    OPT_HEADING_BOOST, OPT_MAX_EXPANSIONS, OPT_JSON, OPT_COLOR, OPT_NO_COLOR, OPT_EXPLAIN, OPT_HELP, OPT_VERSION,
    OPT_RM3, OPT_RM3_DOCS, OPT_RM3_TERMS, OPT_RM3_WEIGHT, OPT_ARTICLE_WEIGHT, OPT_PROXIMITY
};

static const struct option search_options[] = {
    {"k1", required_argument, NULL, OPT_K1},
    {"b", required_argument, NULL, OPT_B},
    {"index", required_argument, NULL, OPT_INDEX},
    {"queries", required_argument, NULL, OPT_QUERIES},
    {"tag", required_argument, NULL, OPT_TAG},
    {"algorithm", required_argument, NULL, OPT_ALGORITHM},
    {"per-article", required_argument, NULL, OPT_PER_ARTICLE},
    {"title-boost", required_argument, NULL, OPT_TITLE_BOOST},
    {"heading-boost", required_argument, NULL, OPT_HEADING_BOOST},
    {"max-expansions", required_argument, NULL, OPT_MAX_EXPANSIONS},
    {"json", no_argument, NULL, OPT_JSON},
    {"color", optional_argument, NULL, OPT_COLOR},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"rm3", no_argument, NULL, OPT_RM3},
    {"rm3-docs", required_argument, NULL, OPT_RM3_DOCS},
    {"rm3-terms", required_argument, NULL, OPT_RM3_TERMS},
    {"rm3-weight", required_argument, NULL, OPT_RM3_WEIGHT},
    {"article-weight", required_argument, NULL, OPT_ARTICLE_WEIGHT},
    {"proximity", required_argument, NULL, OPT_PROXIMITY},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* --color=WHEN: 1 always, 0 never, -1 auto; -2 (with a message) if WHEN is
 * none of them. --color alone is always (as ls's). */
static int parse_color(const char *when)
{
    if (!when || !strcmp(when, "always") || !strcmp(when, "yes") || !strcmp(when, "force")) return 1;
    if (!strcmp(when, "never") || !strcmp(when, "no") || !strcmp(when, "none")) return 0;
    if (!strcmp(when, "auto") || !strcmp(when, "tty") || !strcmp(when, "if-tty")) return -1;
    fprintf(stderr, "search: --color wants auto, always or never (got '%s')\n", when);
    return -2;
}

/* Colour when not asked for or against: on a terminal, unless TERM is
 * unset or dumb (as grep) or NO_COLOR is set to something (no-color.org:
 * an empty NO_COLOR is as if unset). */
static int color_auto(void)
{
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    return isatty(1) && !(no && *no) && term && strcmp(term, "dumb") != 0;
}

/* An option getopt_long does not know, or without its value, as one
 * line naming the argument as typed. */
static void bad_option(int c, const char *arg)
{
    if (c == ':') fprintf(stderr, "search: %s needs a value\n", arg);
    else
        fprintf(stderr, "search: unknown option '%s' (see search --help; use -- before a query starting with -)\n",
                arg);
}

/* Applies one option's value; -1 after a message if it is not valid. */
static int set_option(SearchArgs *s, int c, const char *a, const char *val)
{
    long v;
    switch (c) {
    case 'k':
        if (parse_long(a, val, 1, 1000000, &v)) return -1;
        s->so.k = (size_t)v;
        return 0;
    case OPT_K1: return parse_float(a, val, 0.0, 100.0, &s->so.k1);
    case OPT_B: return parse_float(a, val, 0.0, 1.0, &s->so.b);
    case OPT_PER_ARTICLE:
        if (parse_long(a, val, 1, 1000, &v)) return -1;
        s->out.per_article = (size_t)v;
        return 0;
    case OPT_TITLE_BOOST: return parse_float(a, val, 0.0, 100.0, &s->so.title_boost);
    case OPT_HEADING_BOOST: return parse_float(a, val, 0.0, 100.0, &s->so.heading_boost);
    case OPT_MAX_EXPANSIONS:
        if (parse_long(a, val, 1, QUERY_MAX_TERMS, &v)) return -1;
        s->so.max_expansions = (uint32_t)v;
        return 0;
    case OPT_INDEX: s->dir = val; return 0;
    case OPT_QUERIES: s->queries = val; return 0;
    case OPT_TAG: s->out.tag = val; return 0;
    case OPT_ALGORITHM: s->so.algorithm = val; return 0;
    case OPT_JSON: s->out.mode = OUT_JSON; return 0;
    case OPT_COLOR: s->color = parse_color(val); return s->color == -2 ? -1 : 0;
    case OPT_NO_COLOR: s->color = 0; return 0;
    case OPT_EXPLAIN: s->out.explain = 1; return 0;
    case OPT_RM3: s->so.rm3 = 1; return 0;
    case OPT_RM3_DOCS:
    case OPT_RM3_TERMS:
        if (parse_long(a, val, 1, c == OPT_RM3_DOCS ? FEEDBACK_MAX_DOCS : FEEDBACK_MAX_TERMS, &v)) return -1;
        *(c == OPT_RM3_DOCS ? &s->so.rm3_docs : &s->so.rm3_terms) = (uint32_t)v;
        s->rm3_opt = s->rm3_opt ? s->rm3_opt : c == OPT_RM3_DOCS ? "--rm3-docs" : "--rm3-terms";
        return 0;
    case OPT_ARTICLE_WEIGHT: return parse_float(a, val, 0.0, ARTICLE_WEIGHT_MAX, &s->so.article_weight);
    case OPT_PROXIMITY: return parse_float(a, val, 0.0, PROXIMITY_WEIGHT_MAX, &s->so.proximity);
    case OPT_RM3_WEIGHT:
        s->rm3_opt = s->rm3_opt ? s->rm3_opt : "--rm3-weight";
        return parse_float(a, val, 0.0, 1.0, &s->so.rm3_weight);
    case OPT_HELP: usage_of("search", stdout); exit(fflush(stdout) == 0 ? 0 : EXIT_ERROR);
    case OPT_VERSION: print_version(); exit(fflush(stdout) == 0 ? 0 : EXIT_ERROR);
    default: return -1;
    }
}

static void add_word(SearchArgs *s, const char *w)
{
    if (s->text.len) buf_put_u8(&s->text, ' ');
    buf_append(&s->text, w, strlen(w));
    s->words++;
}

/* The options (getopt_long's forms: -k5, -k 5, --index=DIR, --index DIR,
 * anywhere among the words) and the query words, in order. */
static int parse_options(int argc, char **argv, SearchArgs *s)
{
    opterr = 0; /* our messages name the argument as typed */
    optind = 0; /* a fresh scan (cmd_eval calls us after its own) */
    for (;;) {
        int at = optind ? optind : 1; /* the argument getopt reads next (in order: "-" first) */
        const char *arg = at < argc ? argv[at] : "";
        int li = -1;
        int c = getopt_long(argc, argv, "-:k:", search_options, &li);
        if (c == -1) break;
        if (c == 1) { /* a query word */
            if (!strcmp(optarg, "-")) s->stdin_query = 1;
            else add_word(s, optarg);
            if (optind - 1 == 1) s->hint_word = optarg;
            continue;
        }
        /* "-ketamine" reads as -k etamine: a query word typed without --,
         * not a count */
        int word_as_k = c == 'k' && strlen(arg) > 2 && strspn(optarg, "0123456789") != strlen(optarg);
        if (c == '?' && !strcmp(arg, "-h")) c = OPT_HELP; /* -h alone, not "-hello" */
        else if (c == '?' || c == ':' || word_as_k) {
            bad_option(word_as_k ? '?' : c, arg);
            return -1;
        }
        char name[32];
        if (li >= 0) snprintf(name, sizeof name, "--%s", search_options[li].name);
        else snprintf(name, sizeof name, "-%c", c);
        if (set_option(s, c, name, optarg) != 0) return -1;
    }
    for (int i = optind; i < argc; i++) add_word(s, argv[i]); /* after "--": words only */
    if (s->words != 1 || s->stdin_query) s->hint_word = NULL;
    return 0;
}
#define STDIN_QUERY_MAX (1 << 20)

/* `search -`: the query is standard input, all of it (lines are words
 * apart, as the query's white space). */
static int read_stdin_query(SearchArgs *s)
{
    if (s->words) {
        fprintf(stderr, "search: a query is read from standard input (-) or given as words, not both\n");
        return -1;
    }
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        buf_append(&s->text, chunk, got);
        if (s->text.len > STDIN_QUERY_MAX) {
            fprintf(stderr, "search: the query on standard input is longer than %d bytes\n", STDIN_QUERY_MAX);
            return -1;
        }
    }
    if (ferror(stdin)) {
        fprintf(stderr, "search: cannot read the query from standard input: %s\n", strerror(errno));
        return -1;
    }
    if (s->text.len && memchr(s->text.data, 0, s->text.len)) {
        fprintf(stderr, "search: the query on standard input holds a NUL byte\n");
        return -1;
    }
    for (size_t i = 0; i < s->text.len; i++)
        if (s->text.data[i] == '\n' || s->text.data[i] == '\r') s->text.data[i] = ' ';
    while (s->text.len && s->text.data[s->text.len - 1] == ' ') s->text.len--; /* the last newline */
    return 0;
}

static int parse_args(int argc, char **argv, SearchArgs *s)
{
    memset(s, 0, sizeof *s);
    s->dir = DEFAULT_INDEX;
    s->color = -1;
    s->out.tag = "search";
    srch_search_options_init(&s->so);
    if (parse_options(argc, argv, s) != 0) return -1;
    int json = s->out.mode == OUT_JSON;
    if (s->queries && s->words) {
        fprintf(stderr, "search: --queries runs the queries of %s; a query given too ('%.*s') would be unused\n",
                s->queries, (int)(s->text.len > 60 ? 60 : s->text.len), (const char *)s->text.data);
        return -1;
    }
    if (s->queries && s->stdin_query) {
        fprintf(stderr, "search: --queries runs the queries of a file (--queries - reads them from standard input); "
                        "a query from standard input (-) too is one too many\n");
        return -1;
    }
    if (s->queries && !json) s->out.mode = OUT_TREC;
    if (s->out.mode == OUT_TREC && !trec_token(s->out.tag)) { /* it is every run line's last field */
        fprintf(stderr, "search: --tag wants one word without spaces or control characters (got '%s')\n", s->out.tag);
        return -1;
    }
    if (s->out.mode == OUT_TREC && (s->out.per_article || s->out.explain)) {
        fprintf(stderr, "search: --per-article and --explain do not apply to a TREC run (--queries without --json)\n");
        return -1;
    }
    if (s->rm3_opt && !s->so.rm3) {
        fprintf(stderr, "search: %s applies only with --rm3\n", s->rm3_opt);
        return -1;
    }
    if (s->stdin_query && read_stdin_query(s) != 0) return -1;
    if (!s->queries && s->text.len == 0) {
        fprintf(stderr, "search: no query given (usage: search [options] QUERY...; search --help)\n");
        return -1;
    }
    buf_put_u8(&s->text, 0);
    s->out.color = s->color >= 0 ? s->color : color_auto();
    /* a TREC run ranks articles by their best passage, and needs no text */
    int trec = s->out.mode == OUT_TREC;
    s->so.per_article = trec ? 1 : (uint32_t)s->out.per_article;
    if (s->so.article_weight > 0 && !s->so.per_article) {
        fprintf(stderr, "search: --article-weight applies to --per-article and to TREC runs (--queries)\n");
        return -1;
    }
    s->so.ids_only = trec;
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

/* Why a query alone (not a --queries run) has no hits, when it can say. */
static void explain_no_hits(const SearchArgs *a, const srch_hits *h)
{
    int flags = srch_hits_flags(h);
    if (flags & SRCH_QUERY_ONLY_STOP_WORDS)
        fprintf(stderr, "search: the query has no searchable words (only stop words)\n");
    else if (flags & SRCH_QUERY_NO_TERMS)
        fprintf(stderr, "search: the query has no words to search for\n");
    else if (flags & SRCH_QUERY_ONLY_EXCLUDES)
        fprintf(stderr, "search: the query only excludes words (-word, NOT word); add a word to search for\n");
    else if (a->hint_word && subcommand_near(a->hint_word))
        /* `search chek`: a subcommand mistyped is a query of one word */
        fprintf(stderr, "search: did you mean `search %s`? (to search for the word, `search -- %s`)\n",
                subcommand_near(a->hint_word), a->hint_word);
}

/* Runs one query; returns hits printed, QUERY_REFUSED, or -1 on error. */
static long run_query(srch_searcher *se, SearchArgs *a, const char *text, const char *qid, srch_error *err)
{
    srch_hits *h;
    srch_code rc = srch_search(se, text, &a->so, &h, err);
    if (rc == SRCH_BAD_QUERY) return QUERY_REFUSED;
    if (rc != SRCH_OK) return -1;
    const char *notes = srch_hits_notes(h);
    if (*notes) fprintf(stderr, "search: %s%s%s", a->queries ? qid : "", a->queries ? ": " : "", notes);
    long n = (long)srch_hits_count(h);
    a->out.qid = a->queries ? qid : NULL;
    if (a->out.mode == OUT_JSON) json_begin(&a->out, text);
    print_hits(h, &a->out, qid);
    if (a->out.mode == OUT_JSON) json_end(&a->out, (size_t)n);
    if (!a->queries && n == 0) explain_no_hits(a, h);
    srch_hits_free(h);
    return n;
}

static int run_query_file(srch_searcher *se, SearchArgs *a, const char *path, srch_error *err, size_t *queries,
                          size_t *answered, size_t *hits)
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
        } else if (n < 0) {
            rc = -1;
        } else {
            /* a TREC run has no line for it: trec_eval leaves it out unless -c */
            if (n == 0 && a->out.mode == OUT_TREC)
                fprintf(stderr, "search: query %s (%s line %ld) answered with nothing\n", qid, path, lineno);
            total += n;
            *answered += n > 0;
            ++*queries;
        }
    }
    free(line);
    if (f != stdin) fclose(f);
    if (rc == 0 && refused) {
        snprintf(err->message, sizeof err->message, "%ld %s skipped (see the warnings above): the run lacks %s",
                 refused, refused == 1 ? "query was" : "queries were", refused == 1 ? "it" : "them");
        rc = -1;
    }
    *hits = (size_t)total;
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
    if (s.out.mode == OUT_JSON && trec != stdout) { /* search eval reads a TREC run */
        fprintf(stderr, "search: --json does not apply here: search eval reads the run as TREC lines\n");
        buf_free(&s.text);
        return EXIT_ERROR;
    }
    if (open_or_build(s.dir, &ix, &err) == SRCH_OK && srch_searcher_new(ix, &se, &err) == SRCH_OK) {
        size_t queries = 0, answered = 0, hits = 0;
        if (s.queries) {
            rc = run_query_file(se, &s, s.queries, &err, &queries, &answered, &hits);
        } else {
            long n = run_query(se, &s, (const char *)s.text.data, "1", &err);
            rc = n < 0 ? -1 : n > 0 ? EXIT_HITS : EXIT_NO_HITS;
            queries = n >= 0, answered = n > 0, hits = n > 0 ? (size_t)n : 0;
        }
        if (rc < 0) rc = EXIT_ERROR;
        if (rc != EXIT_ERROR && s.out.mode == OUT_JSON) json_summary(queries, answered, hits);
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
