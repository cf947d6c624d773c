/*
 * trec_eval.c: the standard effectiveness measures of a run, with the
 * semantics of NIST's trec_eval (the numbers papers report):
 *
 *   map          mean over relevant documents of the precision at its rank
 *                (a relevant document not retrieved adds 0), / relevant
 *   recip_rank   1 / rank of the first relevant document
 *   P_10         relevant among the first 10, / 10
 *   recall_100, recall_1000   relevant among the first N, / relevant
 *   ndcg_cut_10  DCG of the first 10 (gain = judged relevance value,
 *                discount log2(rank + 1)) / DCG of the ideal order
 *
 * A relevant document is one judged with rel > 0. The run's ranks are not
 * trusted: documents are ordered by score, ties by docid in reverse string
 * order, as trec_eval does.
 */
#include "eval/eval.h"
#include "util/util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

const char *const eval_measure_names[NMEASURES] = {"map", "recip_rank", "P_10", "recall_100", "recall_1000",
                                                   "ndcg_cut_10"};

/* ---- reading ---- */

static uint32_t pool_add(EvalSet *s, const char *str, size_t len)
{
    if (s->pool_len + len + 1 > s->pool_cap) {
        while (s->pool_len + len + 1 > s->pool_cap) s->pool_cap = s->pool_cap ? 2 * s->pool_cap : 4096;
        s->pool = xrealloc(s->pool, s->pool_cap);
    }
    uint32_t off = (uint32_t)s->pool_len;
    memcpy(s->pool + off, str, len);
    s->pool[off + len] = 0;
    s->pool_len += len + 1;
    return off;
}

static void add_line(EvalSet *s, const char *qid, size_t ql, const char *doc, size_t dl, double value)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    EvalLine *l = &s->v[s->n++];
    l->qid = pool_add(s, qid, ql);
    l->doc = pool_add(s, doc, dl);
    l->value = value;
}

/* Splits line into at most max white-space separated fields. */
static size_t fields(char *line, char **f, size_t *len, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (*p && n < max + 1) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (!*p) break;
        f[n] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') p++;
        len[n] = (size_t)(p - f[n]);
        n++;
    }
    return n;
}

static int parse_number(const char *s, size_t len, int integer, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *end;
    errno = 0;
    *out = integer ? (double)strtol(buf, &end, 10) : strtod(buf, &end);
    return *end || errno || !isfinite(*out) ? -1 : 0;
}

/* One line into s; 0, or -1 with the reason in *why. */
static int parse_line(EvalSet *s, char *line, int run, const char **why)
{
    char *f[7];
    size_t len[7];
    size_t n = fields(line, f, len, 6);
    if (n == 0) return 0; /* blank */
    double v;
    if (!run) {
        if (n != 4 || parse_number(f[3], len[3], 1, &v) != 0) {
            *why = "expected qid 0 docid rel";
            return -1;
        }
        add_line(s, f[0], len[0], f[2], len[2], v);
        return 0;
    }
    if (n != 6 || parse_number(f[4], len[4], 0, &v) != 0) {
        *why = "expected qid Q0 docid rank score tag";
        return -1;
    }
    if (!s->tag[0]) snprintf(s->tag, sizeof s->tag, "%.*s", (int)len[5], f[5]);
    add_line(s, f[0], len[0], f[2], len[2], v);
    return 0;
}

static int read_lines(FILE *f, const char *name, int run, EvalSet *s)
{
    memset(s, 0, sizeof *s);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long no = 0;
    int rc = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        no++;
        const char *why;
        if ((size_t)got != strlen(line)) {
            err_set("%s: line %ld: a NUL byte", name, no);
            rc = -1;
            break;
        }
        if (parse_line(s, line, run, &why) != 0) {
            err_set("%s: line %ld: %s", name, no, why);
            rc = -1;
            break;
        }
    }
    free(line);
    if (rc != 0) eval_set_free(s);
    return rc;
}

static int read_set(const char *path, int run, EvalSet *s)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        err_set("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = read_lines(f, path, run, s);
    fclose(f);
    if (rc == 0 && s->n == 0) {
        err_set("%s has no %s lines", path, run ? "run" : "judgment");
        eval_set_free(s);
        return -1;
    }
    return rc;
}

int eval_read_qrels(const char *path, EvalSet *q) { return read_set(path, 0, q); }
int eval_read_run(const char *path, EvalSet *r) { return read_set(path, 1, r); }

int eval_parse_run(const char *text, size_t len, const char *name, EvalSet *r)
{
    FILE *f = fmemopen((void *)text, len ? len : 1, "r");
    if (!f) {
        err_set("cannot read the run: %s", strerror(errno));
        return -1;
    }
    int rc = len ? read_lines(f, name, 1, r) : (memset(r, 0, sizeof *r), 0);
    fclose(f);
    return rc;
}

void eval_set_free(EvalSet *s)
{
    free(s->v);
    free(s->pool);
    memset(s, 0, sizeof *s);
}

/* ---- ordering ---- */

/* Query ids compare as numbers when both are, else as strings. */
static int qid_cmp(const char *a, const char *b)
{
    char *ea, *eb;
    long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);
    if (*a && *b && !*ea && !*eb && x != y) return x < y ? -1 : 1;
    return strcmp(a, b);
}

/* Comparators for qsort_r; ctx is the set's string pool. */
static int by_qid_doc(const void *pa, const void *pb, void *ctx)
{
    const EvalLine *a = pa, *b = pb;
    const char *pool = ctx;
    int c = qid_cmp(pool + a->qid, pool + b->qid);
    return c ? c : strcmp(pool + a->doc, pool + b->doc);
}

static int by_qid_score(const void *pa, const void *pb, void *ctx)
{
    const EvalLine *a = pa, *b = pb;
    const char *pool = ctx;
    int c = qid_cmp(pool + a->qid, pool + b->qid);
    if (c) return c;
    if (a->value != b->value) return a->value > b->value ? -1 : 1;
    return -strcmp(pool + a->doc, pool + b->doc);
}

/* [*first, end) = the lines of qid in a set sorted by qid. */
static size_t qid_range(const EvalSet *s, const char *qid, size_t *first)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (qid_cmp(s->pool + s->v[mid].qid, qid) < 0) lo = mid + 1;
        else hi = mid;
    }
    size_t end = lo;
    while (end < s->n && qid_cmp(s->pool + s->v[end].qid, qid) == 0) end++;
    *first = lo;
    return end;
}

static double judged(const EvalSet *q, size_t a, size_t b, const char *doc)
{
    while (a < b) {
        size_t mid = (a + b) / 2;
        int c = strcmp(q->pool + q->v[mid].doc, doc);
        if (c == 0) return q->v[mid].value;
        if (c < 0) a = mid + 1;
        else b = mid;
    }
    return 0;
}

/* ---- measures ---- */

static int desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* Ideal DCG at 10 from the query's judgments [a, b). */
static double ideal_dcg10(const EvalSet *q, size_t a, size_t b)
{
    double g[10] = {0};
    size_t n = 0;
    for (size_t i = a; i < b; i++) {
        double v = q->v[i].value;
        if (v <= 0) continue;
        if (n < 10) {
            g[n++] = v;
            qsort(g, n, sizeof *g, desc);
        } else if (v > g[9]) {
            g[9] = v;
            qsort(g, 10, sizeof *g, desc);
        }
    }
    double dcg = 0;
    for (size_t i = 0; i < n; i++) dcg += g[i] / log2((double)i + 2.0);
    return dcg;
}

static void score_query(const EvalSet *q, size_t qa, size_t qb, const EvalSet *r, size_t ra, size_t rb,
                        EvalQuery *e)
{
    for (size_t i = qa; i < qb; i++) e->rel += q->v[i].value > 0;
    double ap = 0, dcg = 0;
    uint32_t rel10 = 0, rel100 = 0, rel1000 = 0;
    for (size_t i = ra; i < rb; i++) {
        uint32_t rank = (uint32_t)(i - ra + 1);
        e->ret++;
        double rel = judged(q, qa, qb, r->pool + r->v[i].doc);
        if (rel <= 0) continue;
        e->rel_ret++;
        ap += (double)e->rel_ret / rank;
        if (e->m[M_RECIP_RANK] == 0) e->m[M_RECIP_RANK] = 1.0 / rank;
        if (rank <= 10) rel10++, dcg += rel / log2((double)rank + 1.0);
        if (rank <= 100) rel100++;
        if (rank <= 1000) rel1000++;
    }
    double idcg = ideal_dcg10(q, qa, qb);
    e->m[M_MAP] = e->rel ? ap / e->rel : 0;
    e->m[M_P10] = rel10 / 10.0;
    e->m[M_RECALL100] = e->rel ? (double)rel100 / e->rel : 0;
    e->m[M_RECALL1000] = e->rel ? (double)rel1000 / e->rel : 0;
    e->m[M_NDCG10] = idcg > 0 ? dcg / idcg : 0;
}

void eval_compute(const EvalSet *qrels, const EvalSet *run, int complete, EvalResult *out)
{
    EvalSet q = *qrels, r = *run; /* sorted views: the caller's order is kept */
    q.v = xmalloc((q.n ? q.n : 1) * sizeof *q.v);
    memcpy(q.v, qrels->v, q.n * sizeof *q.v);
    r.v = xmalloc((r.n ? r.n : 1) * sizeof *r.v);
    memcpy(r.v, run->v, r.n * sizeof *r.v);
    qsort_r(q.v, q.n, sizeof *q.v, by_qid_doc, q.pool);
    qsort_r(r.v, r.n, sizeof *r.v, by_qid_score, r.pool);
    memset(out, 0, sizeof *out);
    out->q = xcalloc(q.n ? q.n : 1, sizeof *out->q);
    out->all.qid = "all";
    for (size_t a = 0; a < q.n;) {
        const char *qid = q.pool + q.v[a].qid;
        size_t qa, qb = qid_range(&q, qid, &qa), ra, rb = qid_range(&r, qid, &ra);
        a = qb;
        if (ra == rb && !complete) continue;
        EvalQuery *e = &out->q[out->n++];
        e->qid = qid;
        score_query(&q, qa, qb, &r, ra, rb, e);
        out->all.ret += e->ret;
        out->all.rel += e->rel;
        out->all.rel_ret += e->rel_ret;
        for (int m = 0; m < NMEASURES; m++) out->all.m[m] += e->m[m];
    }
    for (int m = 0; m < NMEASURES && out->n; m++) out->all.m[m] /= (double)out->n;
    free(r.v);
    free(q.v); /* the qids point into qrels->pool, which the caller keeps */
}

void eval_result_free(EvalResult *r)
{
    free(r->q);
    memset(r, 0, sizeof *r);
}

static void format_query(Buf *b, const EvalQuery *e)
{
    buf_printf(b, "%-22s\t%s\t%u\n", "num_ret", e->qid, e->ret);
    buf_printf(b, "%-22s\t%s\t%u\n", "num_rel", e->qid, e->rel);
    buf_printf(b, "%-22s\t%s\t%u\n", "num_rel_ret", e->qid, e->rel_ret);
    for (int m = 0; m < NMEASURES; m++) buf_printf(b, "%-22s\t%s\t%.4f\n", eval_measure_names[m], e->qid, e->m[m]);
}

void eval_format(Buf *b, const EvalResult *r, const char *tag, int per_query)
{
    for (size_t i = 0; per_query && i < r->n; i++) format_query(b, &r->q[i]);
    buf_printf(b, "%-22s\tall\t%s\n", "runid", tag && *tag ? tag : "run");
    buf_printf(b, "%-22s\tall\t%zu\n", "num_q", r->n);
    format_query(b, &r->all);
}
