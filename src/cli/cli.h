/*
 * cli.h: the command-line front end (a thin layer over the library).
 *   main.c        argument dispatch: `search index ...` or `search QUERY`;
 *                 --help and --version; the usage texts
 *   cmd_index.c   the index command: build, publish, report
 *   cmd_search.c  the search command: one query or a --queries file
 *   cmd_sbg.c     sbg-index / sbg-serve: the search-benchmark-game protocol
 *   cmd_eval.c    eval: effectiveness of a run against relevance judgments
 *   cmd_check.c   check: verify an index through and through
 *   cmd_serve.c   serve: the HTTP server's options (src/serve/ serves)
 *   output.c      text, JSON and TREC run printing
 *   mpi_exec.c    --mpi: hands over to search-mpi (src/mpi/)
 *   client.c      --server: the query asked of search serve replicas, in turn
 *   jsonread.c    a strict JSON reader for their answers
 */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

#include "libsearch.h"
#include "corpus/corpus.h"
#include "index/reader.h"
#include "query/query.h"

#define DEFAULT_INDEX "index"
#define DEFAULT_CORPUS "corpus"

/* Exit statuses, as grep's. */
enum { EXIT_HITS = 0, EXIT_NO_HITS = 1, EXIT_ERROR = 2 };

int cmd_index(int argc, char **argv);
int cmd_search(int argc, char **argv);
/* cmd_search writing a TREC run (--queries) to trec instead of stdout. */
int cmd_search_to(int argc, char **argv, FILE *trec);
/* `search check`: deep verification of an index. */
int cmd_check(int argc, char **argv);
/* `search eval`: trec_eval's measures of a run, or of the queries run. */
int cmd_eval(int argc, char **argv);
/* argv[0] is "sbg-index" or "sbg-serve" (bench/sbg/README.md). */
int cmd_sbg(int argc, char **argv);
/* search serve: the HTTP server (src/serve/). */
int cmd_serve(int argc, char **argv);
/* mpi_exec.c: 1 when the command's arguments hold --mpi; then
 * cli_mpi_exec(argc, argv), argv[0] the command, runs search-mpi from
 * beside this program with them (--mpi dropped); it returns only on
 * failure, with a message printed. */
int cli_wants_mpi(int argc, char **argv);
int cli_mpi_exec(int argc, char **argv);
/* client.c: 1 when the arguments hold --server; then cmd_client(argc,
 * argv) asks the servers it names instead of opening an index. */
int cli_wants_server(int argc, char **argv);
int cmd_client(int argc, char **argv);

/* ---- jsonread.c ---- */

enum { J_OBJ, J_ARR, J_STR, J_NUM, J_LIT };

/* A value: its kind, its bytes in the text, and (objects and arrays) its
 * first child; next is the following member. In an object each member
 * is a J_STR key whose next is its value. Index 0, the root, is never a
 * child: 0 means none. */
typedef struct {
    int type;
    uint32_t next, child;
    size_t at, len;
} JNode;

typedef struct {
    const char *s;
    size_t n;
    JNode *v;
    size_t nv, cap;
} JDoc;

/* Parses the whole of s (n bytes) as one JSON value; -1 when it is not
 * (or nests deeper than 64). d needs jdoc_free either way. */
int jdoc_parse(JDoc *d, const char *s, size_t n);
void jdoc_free(JDoc *d);
/* The value of key in object obj when it is of type; -1 when not. */
long jdoc_get(const JDoc *d, long obj, const char *key, int type);
/* A J_STR's text, unescaped, into out (NUL-terminated, len without it). */
void jdoc_string(const JDoc *d, long str_node, Buf *out);
double jdoc_number(const JDoc *d, long num_node);
/* The whole usage (usage), or one command's: "search", "index", "check",
 * "eval", "sbg-index" or "sbg-serve" (main.c). */
void usage(FILE *f);
/* "search 1.0.0" on stdout. */
void print_version(void);
void usage_of(const char *command, FILE *f);
/* The subcommand a mistyped word is close to ("chek": "check"), or NULL. */
const char *subcommand_near(const char *word);

/* Parses a whole-string number in [lo, hi]; prints an error and returns -1. */
int parse_long(const char *opt, const char *s, long lo, long hi, long *out);
int parse_float(const char *opt, const char *s, double lo, double hi, float *out);
/* Prints "search: <msg>" for the library's last error. */
void print_error(void);
/* The public API's build callbacks as the CLI shows them: warnings as
 * "search: warning: ..." lines, progress on one line rewritten (cmd_index.c). */
void cli_warning(void *ctx, const char *message);
void cli_progress(void *ctx, const srch_progress *p);
/* The same for a build run through the indexer itself (sbg-index). */
void cli_index_progress(void *ctx, uint64_t articles, uint64_t passages, uint64_t bytes, double seconds, int final);

/* ---- output.c ---- */

typedef enum { OUT_TEXT, OUT_JSON, OUT_TREC } OutputMode;

typedef struct {
    OutputMode mode;
    int color;       /* text mode: ANSI highlighting */
    const char *tag; /* TREC run tag */
    FILE *trec;      /* where a TREC run goes (NULL: stdout) */
    int explain;     /* each hit's score broken down */
    size_t per_article; /* > 0: hits are articles, each with its best
                           per_article passages */
    const char *qid;    /* JSON of a --queries run: the query's id, or NULL */
} OutputOptions;

/* The version of the JSON lines' layout (search(1) "JSON output"), in
 * every begin and summary line: raised when a field changes meaning or
 * goes away, not when one is added. */
#define JSON_SCHEMA 1

/* Prints the hits of a query; qid is for TREC output. */
void print_hits(const srch_hits *hits, const OutputOptions *o, const char *qid);
/* JSON lines around the hits, as ripgrep's: a query's begin and end
 * lines, and the run's closing summary. */
void json_begin(const OutputOptions *o, const char *query);
void json_end(const OutputOptions *o, size_t hits);
void json_summary(size_t queries, size_t answered, size_t hits);
/* 1 when s can be a field of a TREC run line as it is: not empty, no
 * white space or control bytes (a qid or a run tag). */
int trec_token(const char *s);
/* Writes s as a JSON string literal (escaped, invalid UTF-8 replaced). */
void json_string(FILE *f, const char *s, size_t n);

#endif
