/*
 * eval.h: effectiveness of a ranking against relevance judgments, as
 * trec_eval computes it.
 *
 *   trec_eval.c   qrels and runs in TREC format; MAP, MRR, P@k,
 *                 Recall@k, nDCG@k per query and averaged
 */
#ifndef EVAL_H
#define EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/util.h"

/* One judgment ("qid 0 docid rel") or one run line ("qid Q0 docid rank
 * score tag"): qid and docid point into the owner's string pool. */
typedef struct {
    uint32_t qid, doc; /* offsets into the pool */
    uint32_t line;     /* its line in the file, for messages */
    double value;      /* rel for a judgment, score for a run line */
} EvalLine;

typedef struct {
    EvalLine *v;
    size_t n, cap;
    char *pool;        /* NUL-terminated strings */
    size_t pool_len, pool_cap;
    char tag[64];      /* a run's tag (its last line's, as trec_eval) */
} EvalSet;

/* Reads a qrels file (rel: an integer) or a run file; "-" is standard
 * input. Blank lines and lines whose first non-blank character is '#'
 * are skipped. A query that judges, or lists, a document twice is an
 * error, as in trec_eval. Returns 0, or -1 with err_msg() set naming the
 * file and line. */
int eval_read_qrels(const char *path, EvalSet *q);
int eval_read_run(const char *path, EvalSet *r);
/* The same from text in memory (a run made in process). */
int eval_parse_run(const char *text, size_t len, const char *name, EvalSet *r);
void eval_set_free(EvalSet *s);

/* The measures, in the order trec_eval prints them. */
typedef enum {
    EM_RUNID, EM_NUM_Q, EM_NUM_RET, EM_NUM_REL, EM_NUM_REL_RET,
    EM_MAP, EM_RECIP_RANK, EM_P, EM_RECALL, EM_NDCG_CUT
} EvalKind;

typedef struct {
    EvalKind kind;
    uint32_t cutoff; /* P, recall, ndcg_cut: the k of "@k"; else 0 */
} EvalMeasure;

#define EVAL_MAX_MEASURES 64

typedef struct {
    int complete;    /* -c: judged queries without results count as all zeros */
    long rel_level;  /* -l: a judgment at least this is relevant (1) */
    long max_docs;   /* -M: the first N documents of each query only (LONG_MAX) */
    EvalMeasure m[EVAL_MAX_MEASURES]; /* what is computed and printed, in print order */
    size_t nm;
    int chosen;      /* m was set by eval_options_measure, not the defaults */
} EvalOptions;

/* Defaults: trec_eval's -l 1, no -M, no -c; the measures runid, num_q,
 * num_ret, num_rel, num_rel_ret, map, recip_rank, P_10, recall_100,
 * recall_1000, ndcg_cut_10. */
void eval_options_init(EvalOptions *o);
/* -m SPEC: map, recip_rank, num_q, num_ret, num_rel, num_rel_ret, runid,
 * P, recall, ndcg_cut (each at trec_eval's cutoffs 5, 10, 15, 20, 30,
 * 100, 200, 500, 1000), P.5,10 (cutoffs of one's own) or the printed form
 * P_10. The first call replaces the defaults. 0, or -1 with err_msg(). */
int eval_options_measure(EvalOptions *o, const char *spec);
/* The printed name of a measure ("map", "P_10") into buf. */
const char *eval_measure_name(EvalMeasure m, char *buf, size_t size);
/* The index in o->m of the measure printed as name, or -1. */
int eval_measure_index(const EvalOptions *o, const char *name);

typedef struct {
    const char *qid;
    double m[EVAL_MAX_MEASURES]; /* the values of EvalOptions.m */
} EvalQuery;

typedef struct {
    EvalQuery *q; /* per query, in trec_eval's order (qids as strings) */
    size_t n;
    EvalQuery all;  /* sums of counts, means of measures */
    size_t missing; /* judged queries the run lacks (counted with -c only) */
} EvalResult;

/* Scores run against qrels with trec_eval's semantics: a run's documents
 * are ordered by score (ties: larger docid string first) and cut at -M,
 * unjudged ones are not relevant, and only queries with judgments and
 * results count (with -c, queries with judgments but no results count as
 * all zeros). */
void eval_compute(const EvalSet *qrels, const EvalSet *run, const EvalOptions *o, EvalResult *out);
void eval_result_free(EvalResult *r);
/* trec_eval's layout: "measure<TAB>qid<TAB>value" lines, per query when
 * per_query is set, then "all". */
void eval_format(Buf *b, const EvalResult *r, const EvalOptions *o, const char *tag, int per_query);

#endif
