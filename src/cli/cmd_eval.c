/*
 * cmd_eval.c: `search eval [options] QRELS RUN` (or `--qrels QRELS RUN`)
 * scores a TREC run file with trec_eval's measures and options (-q, -c,
 * -m, -l, -M; "-" reads a file from standard input); `search eval QRELS
 * --queries Q [search options]` runs the queries first (as `search
 * --queries` would, -k 1000 unless given) and scores that run, without a
 * file in between. Anything else on the command line is an error.
 */
#include "cli/cli.h"
#include "eval/eval.h"

#include <limits.h>
#include <stdlib.h>

typedef struct {
    const char *qrels, *run;
    int per_query;
    EvalOptions opts;   /* -c, -l, -M, -m */
    char **search_argv; /* the options passed on to search */
    int search_argc;
    const char *search_opt; /* the first search option seen */
    const char *queries;    /* --queries FILE */
    int has_k;
} EvalArgs;

#define EVAL_USAGE                                                                                             \
    "usage: search eval [-q] [-c] [-m MEASURE] [-l LEVEL] [-M N] QRELS (RUN | --queries FILE [search options])"

/* The search options that take a value, passed on with --queries. */
static int search_option(const char *opt)
{
    static const char *const with_value[] = {"-k", "--k1", "--b", "--index", "--queries", "--tag", "--algorithm",
                                             "--title-boost", "--heading-boost", "--max-expansions", "--rm3-docs",
                                             "--rm3-terms", "--rm3-weight", "--article-weight", "--proximity"};
    for (size_t i = 0; i < sizeof with_value / sizeof *with_value; i++)
        if (!strcmp(opt, with_value[i])) return 1;
    return 0;
}

/* The search options without a value, passed on with --queries. */
static int search_flag(const char *opt) { return !strcmp(opt, "--rm3"); }

/* -m, -l, -M with their value attached (-mmap, -l2) or next. */
static int trec_option(const char *s) { return s[0] == '-' && (s[1] == 'm' || s[1] == 'l' || s[1] == 'M'); }

static int fail(const char *fmt, const char *what)
{
    fprintf(stderr, "search: eval: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n");
    return -1;
}

static int trec_value(EvalArgs *a, char opt, const char *v)
{
    long n;
    switch (opt) {
    case 'm':
        if (eval_options_measure(&a->opts, v) != 0) return fail("%s", err_msg());
        return 0;
    case 'l':
        if (parse_long("eval -l", v, 0, LONG_MAX, &n) != 0) return -1;
        a->opts.rel_level = n;
        return 0;
    default:
        if (parse_long("eval -M", v, 1, LONG_MAX, &n) != 0) return -1;
        a->opts.max_docs = n;
        return 0;
    }
}

/* One argument (and the value it takes); returns how many were used, or -1. */
static int parse_one(EvalArgs *a, int argc, char **argv, int i, const char **pos, int *npos)
{
    const char *s = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(s, "--qrels") || search_option(s) || (trec_option(s) && !s[2])) {
        if (!next) return fail("%s needs a value", s);
        if (!strcmp(s, "--qrels")) a->qrels = next;
        else if (trec_option(s)) return trec_value(a, s[1], next) == 0 ? 2 : -1;
        else {
            a->has_k |= !strcmp(s, "-k");
            if (!strcmp(s, "--queries")) a->queries = next;
            else if (!a->search_opt) a->search_opt = s;
            a->search_argv[a->search_argc++] = argv[i];
            a->search_argv[a->search_argc++] = argv[i + 1];
        }
        return 2;
    }
    if (search_flag(s)) {
        if (!a->search_opt) a->search_opt = s;
        a->search_argv[a->search_argc++] = argv[i];
        return 1;
    }
    if (trec_option(s)) return trec_value(a, s[1], s + 2) == 0 ? 1 : -1;
    if (s[0] == '-' && s[1] && strspn(s + 1, "qc") == strlen(s + 1)) { /* -q, -c, -qc */
        a->per_query |= strchr(s, 'q') != NULL;
        a->opts.complete |= strchr(s, 'c') != NULL;
        return 1;
    }
    if (s[0] == '-' && s[1]) return fail("unknown option '%s'; " EVAL_USAGE, s);
    if (*npos == 2) return fail("one file too many: '%s'; " EVAL_USAGE, s);
    pos[(*npos)++] = s;
    return 1;
}

static int parse_eval_args(int argc, char **argv, EvalArgs *a)
{
    memset(a, 0, sizeof *a);
    eval_options_init(&a->opts);
    a->search_argv = xmalloc((size_t)(argc + 4) * sizeof *a->search_argv);
    a->search_argv[a->search_argc++] = "search";
    const char *pos[2];
    int npos = 0;
    for (int i = 1, used; i < argc; i += used)
        if ((used = parse_one(a, argc, argv, i, pos, &npos)) < 0) return -1;
    int p = 0;
    if (!a->qrels && p < npos) a->qrels = pos[p++];
    if (!a->queries && p < npos) a->run = pos[p++];
    if (!a->qrels) return fail("%s", "no qrels file; " EVAL_USAGE);
    if (p < npos) return fail("'%s': a run file and --queries both; give one", pos[p]);
    if (!a->run && !a->queries) return fail("%s", "no run file; " EVAL_USAGE);
    if (a->search_opt && !a->queries) return fail("%s applies only with --queries", a->search_opt);
    int stdin_uses = !strcmp(a->qrels, "-") + (a->run && !strcmp(a->run, "-")) +
                     (a->queries && !strcmp(a->queries, "-"));
    if (stdin_uses > 1) return fail("%s", "only one file can be standard input (-)");
    if (!a->has_k) {
        a->search_argv[a->search_argc++] = "-k";
        a->search_argv[a->search_argc++] = "1000";
    }
    a->search_argv[a->search_argc] = NULL;
    return 0;
}

/* Runs the queries in process into a run in memory. */
static int run_queries(const EvalArgs *a, EvalSet *run)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        fprintf(stderr, "search: out of memory\n");
        return -1;
    }
    int rc = cmd_search_to(a->search_argc, a->search_argv, mem);
    fclose(mem);
    if (rc == EXIT_ERROR) {
        free(text);
        return -1; /* cmd_search said why */
    }
    rc = eval_parse_run(text, len, "the run", run);
    free(text);
    if (rc != 0) print_error();
    return rc;
}

/* Scores and prints; the exit status. */
static int evaluate(const EvalArgs *a, const EvalSet *qrels, const EvalSet *run)
{
    EvalResult r;
    eval_compute(qrels, run, &a->opts, &r);
    Buf text = {0};
    eval_format(&text, &r, &a->opts, run->tag, a->per_query);
    fwrite(text.data, 1, text.len, stdout);
    buf_free(&text);
    int rc = r.n ? EXIT_HITS : EXIT_NO_HITS;
    if (!r.n) fprintf(stderr, "search: no query of the run has judgments in %s\n", a->qrels);
    else if (r.missing && !a->opts.complete)
        fprintf(stderr, "search: eval: %zu judged %s no results and %s left out (-c counts %s as 0)\n", r.missing,
                r.missing == 1 ? "query has" : "queries have", r.missing == 1 ? "is" : "are",
                r.missing == 1 ? "it" : "them");
    eval_result_free(&r);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    EvalArgs a;
    if (parse_eval_args(argc, argv, &a) != 0) {
        free(a.search_argv);
        return EXIT_ERROR;
    }
    EvalSet qrels, run;
    int rc = EXIT_ERROR;
    if (eval_read_qrels(a.qrels, &qrels) != 0) {
        print_error();
    } else {
        if (a.run ? eval_read_run(a.run, &run) != 0 : run_queries(&a, &run) != 0) {
            if (a.run) print_error();
        } else {
            rc = evaluate(&a, &qrels, &run);
            eval_set_free(&run);
        }
        eval_set_free(&qrels);
    }
    free(a.search_argv);
    if (fflush(stdout) != 0) return EXIT_ERROR;
    return rc;
}
