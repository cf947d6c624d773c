/*
 * cmd_search.c: `search QUERY` and `search --queries FILE`.
 * Opens the index (building it from corpus/ first when there is none),
 * analyses the query as the index was analysed, runs the chosen algorithm
 * and prints the hits.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const char *dir;
    const char *queries; /* --queries FILE */
    const char *algorithm;
    long k;
    float k1, b;
    int color;           /* -1: decide by isatty */
    QueryOptions qo;     /* field boosts, prefix expansion bound */
    OutputOptions out;
    Buf text;            /* the query words joined */
} SearchArgs;

static int parse_args(int argc, char **argv, SearchArgs *s)
{
    memset(s, 0, sizeof *s);
    s->dir = DEFAULT_INDEX;
    s->k = 10;
    s->k1 = BM25_K1_DEFAULT;
    s->b = BM25_B_DEFAULT;
    s->color = -1;
    s->out.tag = "search";
    query_options_default(&s->qo);
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
            s->k = v;
        } else if (!strcmp(a, "--k1")) {
            if (parse_float(a, val, 0.0, 100.0, &s->k1)) return -1;
        } else if (!strcmp(a, "--b")) {
            if (parse_float(a, val, 0.0, 1.0, &s->b)) return -1;
        } else if (!strcmp(a, "--per-article")) {
            if (parse_long(a, val, 1, 1000, &v)) return -1;
            s->out.per_article = (size_t)v;
        } else if (!strcmp(a, "--title-boost")) {
            if (parse_float(a, val, 0.0, 100.0, &s->qo.title)) return -1;
        } else if (!strcmp(a, "--heading-boost")) {
            if (parse_float(a, val, 0.0, 100.0, &s->qo.heading)) return -1;
        } else if (!strcmp(a, "--max-expansions")) {
            if (parse_long(a, val, 1, QUERY_MAX_TERMS, &v)) return -1;
            s->qo.max_expansions = (uint32_t)v;
        } else if (!strcmp(a, "--index")) s->dir = val;
        else if (!strcmp(a, "--queries")) s->queries = val;
        else if (!strcmp(a, "--tag")) s->out.tag = val;
        else s->algorithm = val;
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
    return 0;
}

/* No index yet: build one from corpus/ (the first run of a fresh clone). */
static Index *open_or_build(const char *dir)
{
    char *cur = publish_current(dir);
    if (cur) {
        free(cur);
        return index_open(dir);
    }
    struct stat st;
    char current[4096];
    snprintf(current, sizeof current, "%s/CURRENT", dir);
    /* only the default index is built implicitly, and never over a damaged one */
    if (stat(current, &st) == 0 || strcmp(dir, DEFAULT_INDEX) != 0 || stat(DEFAULT_CORPUS, &st) != 0)
        return index_open(dir);
    fprintf(stderr, "search: no index in %s; building it from %s/ first\n", dir, DEFAULT_CORPUS);
    IndexerOptions o;
    indexer_options_default(&o);
    IndexerReport r;
    if (indexer_build(DEFAULT_CORPUS, dir, &o, &r) != 0) return NULL;
    fprintf(stderr, "search: indexed %llu articles into %llu passages in %.2f s\n",
            (unsigned long long)r.articles, (unsigned long long)r.passages, r.seconds);
    return index_open(dir);
}

typedef struct {
    const Index *ix;
    Analyzer *an;
    const Algorithm *alg;
    Bm25 bm25;
    TopK top;
    Query q;
    SearchContext ctx;
    const SearchArgs *args;
} Engine;

/* 1 when every clause of the query is an excluded one: it matches nothing. */
static int only_excludes(const Query *q)
{
    if (q->nnodes == 0 || q->nodes[0].child < 0) return 0;
    for (int32_t c = q->nodes[0].child; c >= 0; c = q->nodes[c].next)
        if (q->nodes[c].occur != OCC_MUST_NOT) return 0;
    return 1;
}

/* run_query: the query itself cannot be run (too many terms; err_msg()
 * says why), which a --queries run skips, unlike an error of the index or
 * the output. */
#define QUERY_REFUSED (-2)

/* Runs one query; returns hits printed, QUERY_REFUSED, or -1 on error. */
static long run_query(Engine *e, const char *text, const char *qid)
{
    if (query_parse_with(e->an, e->ix, &e->bm25, &e->args->qo, text, &e->q) != 0) return QUERY_REFUSED;
    if (e->q.notes.len)
        fprintf(stderr, "search: %s%s%.*s", e->args->queries ? qid : "", e->args->queries ? ": " : "",
                (int)e->q.notes.len, (const char *)e->q.notes.data);
    e->ctx.q = &e->q;
    topk_clear(&e->top);
    long n = -1;
    if (search_run(e->alg, &e->ctx, &e->top) == 0) {
        n = (long)topk_sorted(&e->top);
        if (print_hits(&e->ctx, e->an, e->top.heap, (size_t)n, &e->args->out, qid) != 0) n = -1;
        e->top.n = 0;
    }
    return n;
}

static int run_query_file(Engine *e, const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        err_set("cannot open queries file %s: %s", path, strerror(errno));
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
            err_set("%s: line %ld: expected qid<TAB>query text", path, lineno);
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
            err_set("%s: line %ld: the qid '%s' is empty or holds white space or control characters", path,
                    lineno, qid);
            rc = -1;
            break;
        }
        long n = run_query(e, tab + 1, qid);
        if (n == QUERY_REFUSED) {
            /* one bad query does not cost the others, but the run lacks it:
             * named here, and the exit status says so at the end */
            fprintf(stderr, "search: warning: query %s (%s line %ld) skipped: %s\n", qid, path, lineno, err_msg());
            refused++;
        } else if (n < 0)
            rc = -1;
        else
            total += n;
    }
    free(line);
    if (f != stdin) fclose(f);
    if (rc == 0 && refused) {
        err_set("%ld %s skipped (see the warnings above): the run lacks %s", refused,
                refused == 1 ? "query was" : "queries were", refused == 1 ? "it" : "them");
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
    Engine e = {0};
    e.args = &s;
    e.alg = s.algorithm ? algorithm_find(s.algorithm) : algorithm_default();
    if (!e.alg) {
        fprintf(stderr, "search: unknown algorithm '%s' (known: %s)\n", s.algorithm, algorithm_names());
        buf_free(&s.text);
        return EXIT_ERROR;
    }
    Index *ix = open_or_build(s.dir);
    int rc = EXIT_ERROR;
    if (ix) {
        e.ix = ix;
        e.an = analyzer_new(&index_stats(ix)->analysis);
        if (e.an) {
            bm25_init(&e.bm25, s.k1, s.b, index_stats(ix));
            topk_init(&e.top, (size_t)s.k, s.queries || s.out.per_article ? ix : NULL);
            query_init(&e.q);
            search_context_init(&e.ctx, ix, &e.bm25);
            if (s.queries) {
                rc = run_query_file(&e, s.queries);
            } else {
                long n = run_query(&e, (const char *)s.text.data, "1");
                if (n == 0 && e.q.n == 0)
                    fprintf(stderr, "search: the query has no searchable words%s\n",
                            index_stats(ix)->analysis.stopwords ? " (only stop words)" : "");
                else if (n == 0 && only_excludes(&e.q))
                    fprintf(stderr, "search: the query only excludes words (-word, NOT word); "
                                    "add a word to search for\n");
                rc = n < 0 ? -1 : n > 0 ? EXIT_HITS : EXIT_NO_HITS;
            }
            topk_free(&e.top);
            query_free(&e.q);
            search_context_free(&e.ctx);
            analyzer_free(e.an);
        }
        if (rc < 0 || !e.an) rc = EXIT_ERROR;
    }
    if (rc == EXIT_ERROR) print_error();
    if (fflush(stdout) != 0 && rc != EXIT_ERROR) {
        fprintf(stderr, "search: cannot write output\n");
        rc = EXIT_ERROR;
    }
    index_close(ix);
    buf_free(&s.text);
    return rc;
}
