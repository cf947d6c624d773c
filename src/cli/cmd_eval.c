/*
 * cmd_eval.c: `search eval --qrels FILE [RUN]` scores a TREC run file with
 * trec_eval's measures; `search eval --qrels FILE --queries Q [search
 * options]` runs the queries first (as `search --queries` would, -k 1000
 * unless given) and scores that run, without a file in between.
 */
#include "cli/cli.h"
#include "eval/eval.h"

#include <stdlib.h>

typedef struct {
    const char *qrels, *run;
    int per_query, complete;
    char **search_argv; /* the options passed on to search */
    int search_argc;
    int has_k, has_queries;
} EvalArgs;

static void eval_usage(void)
{
    fprintf(stderr, "search: usage: search eval --qrels FILE [-q] [-c] (RUN | --queries FILE [search options])\n");
}

static int takes_value(const char *opt)
{
    static const char *const with_value[] = {"-k", "--k1", "--b", "--index", "--queries", "--tag", "--algorithm",
                                             "--title-boost", "--heading-boost", "--max-expansions"};
    for (size_t i = 0; i < sizeof with_value / sizeof *with_value; i++)
        if (!strcmp(opt, with_value[i])) return 1;
    return 0;
}

static int parse_eval_args(int argc, char **argv, EvalArgs *a)
{
    memset(a, 0, sizeof *a);
    a->search_argv = xmalloc((size_t)(argc + 4) * sizeof *a->search_argv);
    a->search_argv[a->search_argc++] = "search";
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--qrels") && i + 1 < argc) a->qrels = argv[++i];
        else if (!strcmp(s, "-q")) a->per_query = 1;
        else if (!strcmp(s, "-c")) a->complete = 1;
        else if (s[0] != '-' && !a->has_queries && !a->run) a->run = s;
        else {
            /* a search option and, for those that take one, its value */
            a->has_k |= !strcmp(s, "-k");
            a->has_queries |= !strcmp(s, "--queries");
            a->search_argv[a->search_argc++] = argv[i];
            if (takes_value(s) && i + 1 < argc) a->search_argv[a->search_argc++] = argv[++i];
        }
    }
    if (!a->qrels || (!a->run) == (!a->has_queries)) {
        eval_usage();
        return -1;
    }
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
            EvalResult r;
            eval_compute(&qrels, &run, a.complete, &r);
            Buf text = {0};
            eval_format(&text, &r, run.tag, a.per_query);
            fwrite(text.data, 1, text.len, stdout);
            buf_free(&text);
            rc = r.n ? EXIT_HITS : EXIT_NO_HITS;
            if (!r.n) fprintf(stderr, "search: no query of the run has judgments in %s\n", a.qrels);
            eval_result_free(&r);
            eval_set_free(&run);
        }
        eval_set_free(&qrels);
    }
    free(a.search_argv);
    if (fflush(stdout) != 0) return EXIT_ERROR;
    return rc;
}
