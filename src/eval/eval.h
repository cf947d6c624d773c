/*
 * eval.h: effectiveness of a ranking against relevance judgments, as
 * trec_eval computes it.
 *
 *   trec_eval.c   qrels and runs in TREC format; MAP, nDCG@10, P@10,
 *                 Recall@100/1000, MRR per query and averaged
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
    double value;      /* rel for a judgment, score for a run line */
} EvalLine;

typedef struct {
    EvalLine *v;
    size_t n, cap;
    char *pool;        /* NUL-terminated strings */
    size_t pool_len, pool_cap;
    char tag[64];      /* a run's tag (its first line's) */
} EvalSet;

/* Reads a qrels file (rel: an integer) or a run file. Returns 0, or -1
 * with err_msg() set naming the file and line. */
int eval_read_qrels(const char *path, EvalSet *q);
int eval_read_run(const char *path, EvalSet *r);
/* The same from text in memory (a run made in process). */
int eval_parse_run(const char *text, size_t len, const char *name, EvalSet *r);
void eval_set_free(EvalSet *s);

enum { M_MAP, M_RECIP_RANK, M_P10, M_RECALL100, M_RECALL1000, M_NDCG10, NMEASURES };
extern const char *const eval_measure_names[NMEASURES]; /* trec_eval's names */

typedef struct {
    const char *qid;
    uint32_t ret, rel, rel_ret; /* retrieved, relevant (judged rel > 0), both */
    double m[NMEASURES];
} EvalQuery;

typedef struct {
    EvalQuery *q; /* per query, in qid order (numeric when both are numbers) */
    size_t n;
    EvalQuery all; /* sums of counts, means of measures */
} EvalResult;

/* Scores run against qrels with trec_eval's semantics: a run's documents
 * are ordered by score (ties: larger docid string first), unjudged ones
 * are not relevant, and only queries with judgments and results count
 * (complete: queries with judgments but no results count as all zeros,
 * trec_eval -c). */
void eval_compute(const EvalSet *qrels, const EvalSet *run, int complete, EvalResult *out);
void eval_result_free(EvalResult *r);
/* trec_eval's layout: "measure<TAB>qid<TAB>value" lines, per query when
 * per_query is set, then "all". */
void eval_format(Buf *b, const EvalResult *r, const char *tag, int per_query);

#endif
