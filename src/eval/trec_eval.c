/*
 * trec_eval.c: the standard effectiveness measures of a run, with the
 * semantics of NIST's trec_eval (the numbers papers report):
 *
 *   map          mean over relevant documents of the precision at its rank
 *                (a relevant document not retrieved adds 0), / relevant
 *   recip_rank   1 / rank of the first relevant document
 *   P_k          relevant among the first k, / k
 *   recall_k     relevant among the first k, / relevant
 *   ndcg_cut_k   DCG of the first k (gain = judged relevance value,
 *                discount log2(rank + 1)) / DCG of the ideal order
 *
 * A relevant document is one judged at least the relevance level (-l, 1);
 * nDCG's gains are the judged values above 0 whatever the level, as in
 * trec_eval. The run's ranks are not trusted: documents are ordered by
 * score, ties by docid in reverse string order, and only the first -M of
 * each query count. A document judged or listed twice for a query is an
 * error (trec_eval refuses it too; counting it twice gave a MAP above 1).
 */
#include "eval/eval.h"
#include "util/util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

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

static void add_line(EvalSet *s, const char *qid, size_t ql, const char *doc, size_t dl, double value, long no)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    EvalLine *l = &s->v[s->n++];
    l->qid = pool_add(s, qid, ql);
    l->doc = pool_add(s, doc, dl);
    l->line = (uint32_t)no;
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
static int parse_line(EvalSet *s, char *line, long no, int run, const char **why)
{
    char *f[7];
    size_t len[7];
    size_t n = fields(line, f, len, 6);
    if (n == 0 || f[0][0] == '#') return 0; /* blank, or a comment */
    double v;
    if (!run) {
        if (n != 4 || parse_number(f[3], len[3], 1, &v) != 0) {
            *why = "expected qid 0 docid rel";
            return -1;
        }
        add_line(s, f[0], len[0], f[2], len[2], v, no);
        return 0;
    }
    if (n != 6 || parse_number(f[4], len[4], 0, &v) != 0) {
        *why = "expected qid Q0 docid rank score tag";
        return -1;
    }
    snprintf(s->tag, sizeof s->tag, "%.*s", (int)len[5], f[5]);
    add_line(s, f[0], len[0], f[2], len[2], v, no);
    return 0;
}

static int by_qid_doc_line(const void *pa, const void *pb, void *ctx)
{
    const EvalLine *a = pa, *b = pb;
    const char *pool = ctx;
    int c = strcmp(pool + a->qid, pool + b->qid);
    if (!c) c = strcmp(pool + a->doc, pool + b->doc);
    return c ? c : (a->line > b->line) - (a->line < b->line);
}

static int same_doc(const EvalSet *s, const EvalLine *a, const EvalLine *b)
{
    return !strcmp(s->pool + a->qid, s->pool + b->qid) && !strcmp(s->pool + a->doc, s->pool + b->doc);
}

/* A query that names a document twice: -1 with the earliest repeat (in
 * file order) named, else 0. */
static int check_repeats(const EvalSet *s, const char *name, int run)
{
    if (s->n < 2) return 0;
    EvalLine *v = xmalloc(s->n * sizeof *v);
    memcpy(v, s->v, s->n * sizeof *v);
    qsort_r(v, s->n, sizeof *v, by_qid_doc_line, s->pool);
    const EvalLine *first = NULL, *again = NULL; /* a group's first two lines */
    for (size_t i = 1; i < s->n; i++)
        if (same_doc(s, &v[i], &v[i - 1]) && (i < 2 || !same_doc(s, &v[i - 1], &v[i - 2])) &&
            (!again || v[i].line < again->line))
            first = &v[i - 1], again = &v[i];
    if (again)
        err_set("%s: line %u: query %s %s document %s twice (first at line %u)", name, again->line,
                s->pool + again->qid, run ? "lists" : "judges", s->pool + again->doc, first->line);
    free(v);
    return again ? -1 : 0;
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
        if (no > UINT32_MAX) {
            err_set("%s: more than %u lines", name, (unsigned)UINT32_MAX);
            rc = -1;
            break;
        }
        if (parse_line(s, line, no, run, &why) != 0) {
            err_set("%s: line %ld: %s", name, no, why);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        err_set("cannot read %s: %s", name, strerror(errno));
        rc = -1;
    }
    free(line);
    if (rc == 0) rc = check_repeats(s, name, run);
    if (rc != 0) eval_set_free(s);
    return rc;
}

static int read_set(const char *path, int run, EvalSet *s)
{
    int std = !strcmp(path, "-");
    const char *name = std ? "standard input" : path;
    FILE *f = std ? stdin : fopen(path, "r");
    if (!f) {
        err_set("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = read_lines(f, name, run, s);
    if (!std) fclose(f);
    if (rc == 0 && s->n == 0) {
        err_set("%s has no %s lines", name, run ? "run" : "judgment");
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

/* ---- measures to compute ---- */

static const char *const kind_names[] = {"runid", "num_q", "num_ret", "num_rel", "num_rel_ret",
                                         "map", "recip_rank", "P", "recall", "ndcg_cut"};
/* trec_eval's cutoffs for P, recall and ndcg_cut named without any */
static const uint32_t default_cutoffs[] = {5, 10, 15, 20, 30, 100, 200, 500, 1000};

static int has_cutoff(EvalKind k) { return k == EM_P || k == EM_RECALL || k == EM_NDCG_CUT; }

static int measure_cmp(const void *pa, const void *pb)
{
    const EvalMeasure *a = pa, *b = pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return (a->cutoff > b->cutoff) - (a->cutoff < b->cutoff);
}

/* Adds one measure, keeping o->m in print order without repeats. */
static int add_measure(EvalOptions *o, EvalKind kind, uint32_t cutoff)
{
    EvalMeasure m = {kind, cutoff};
    for (size_t i = 0; i < o->nm; i++)
        if (measure_cmp(&o->m[i], &m) == 0) return 0;
    if (o->nm == EVAL_MAX_MEASURES) {
        err_set("more than %d measures", EVAL_MAX_MEASURES);
        return -1;
    }
    o->m[o->nm++] = m;
    qsort(o->m, o->nm, sizeof *o->m, measure_cmp);
    return 0;
}

void eval_options_init(EvalOptions *o)
{
    memset(o, 0, sizeof *o);
    o->rel_level = 1;
    o->max_docs = LONG_MAX;
    static const EvalMeasure defaults[] = {{EM_RUNID, 0},  {EM_NUM_Q, 0},        {EM_NUM_RET, 0},
                                           {EM_NUM_REL, 0}, {EM_NUM_REL_RET, 0}, {EM_MAP, 0},
                                           {EM_RECIP_RANK, 0}, {EM_P, 10},       {EM_RECALL, 100},
                                           {EM_RECALL, 1000},  {EM_NDCG_CUT, 10}};
    for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++) o->m[o->nm++] = defaults[i];
}

/* "5,10,100" -> cutoffs; 0, or -1 with err_msg() set. */
static int add_cutoffs(EvalOptions *o, EvalKind kind, const char *list, const char *spec)
{
    const char *p = list;
    for (;;) {
        char *end;
        errno = 0;
        long k = *p >= '0' && *p <= '9' ? strtol(p, &end, 10) : -1;
        if (k <= 0 || k > UINT32_MAX || errno || (*end && *end != ',')) {
            err_set("measure '%s': cutoffs are positive whole numbers, separated by commas", spec);
            return -1;
        }
        if (add_measure(o, kind, (uint32_t)k) != 0) return -1;
        if (!*end) return 0;
        p = end + 1;
    }
}

int eval_options_measure(EvalOptions *o, const char *spec)
{
    if (!o->chosen) {
        o->nm = 0;
        o->chosen = 1;
    }
    for (int k = EM_RUNID; k <= EM_NDCG_CUT; k++) {
        const char *name = kind_names[k];
        size_t len = strlen(name);
        if (!has_cutoff((EvalKind)k)) {
            if (!strcmp(spec, name)) return add_measure(o, (EvalKind)k, 0);
            continue;
        }
        if (strncmp(spec, name, len) != 0) continue;
        if (spec[len] == 0) { /* P: trec_eval's cutoffs */
            for (size_t i = 0; i < sizeof default_cutoffs / sizeof *default_cutoffs; i++)
                if (add_measure(o, (EvalKind)k, default_cutoffs[i]) != 0) return -1;
            return 0;
        }
        /* P.5,10 as trec_eval, or P_10 as printed */
        if (spec[len] == '.' || (spec[len] == '_' && !strchr(spec, ',')))
            return add_cutoffs(o, (EvalKind)k, spec + len + 1, spec);
    }
    err_set("unknown measure '%s' (known: map, recip_rank, P.K, recall.K, ndcg_cut.K with cutoffs K "
            "like 10 or 5,10; num_q, num_ret, num_rel, num_rel_ret, runid)", spec);
    return -1;
}

const char *eval_measure_name(EvalMeasure m, char *buf, size_t size)
{
    if (has_cutoff(m.kind)) snprintf(buf, size, "%s_%u", kind_names[m.kind], m.cutoff);
    else snprintf(buf, size, "%s", kind_names[m.kind]);
    return buf;
}

int eval_measure_index(const EvalOptions *o, const char *name)
{
    char buf[48];
    for (size_t i = 0; i < o->nm; i++)
        if (!strcmp(eval_measure_name(o->m[i], buf, sizeof buf), name)) return (int)i;
    return -1;
}

/* ---- ordering ---- */

/* trec_eval orders queries by their ids as strings ("10" before "2"). */
static int by_qid_doc(const void *pa, const void *pb, void *ctx)
{
    const EvalLine *a = pa, *b = pb;
    const char *pool = ctx;
    int c = strcmp(pool + a->qid, pool + b->qid);
    return c ? c : strcmp(pool + a->doc, pool + b->doc);
}

static int by_qid_score(const void *pa, const void *pb, void *ctx)
{
    const EvalLine *a = pa, *b = pb;
    const char *pool = ctx;
    int c = strcmp(pool + a->qid, pool + b->qid);
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
        if (strcmp(s->pool + s->v[mid].qid, qid) < 0) lo = mid + 1;
        else hi = mid;
    }
    size_t end = lo;
    while (end < s->n && strcmp(s->pool + s->v[end].qid, qid) == 0) end++;
    *first = lo;
    return end;
}

/* The judged value of doc among the judgments [a, b), or -1: unjudged. */
static double judged(const EvalSet *q, size_t a, size_t b, const char *doc)
{
    while (a < b) {
        size_t mid = (a + b) / 2;
        int c = strcmp(q->pool + q->v[mid].doc, doc);
        if (c == 0) return q->v[mid].value;
        if (c < 0) a = mid + 1;
        else b = mid;
    }
    return -1;
}

/* ---- measures ---- */

static int desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* One query's ranking as judged values (rel[i]: the document at rank
 * i + 1, -1 when unjudged), its gains in ideal order, and counts. */
typedef struct {
    double *rel, *ideal;
    size_t ret, nideal;
    uint32_t num_rel, rel_ret;
    long level;
} Ranking;

static double measure(const Ranking *k, EvalMeasure m)
{
    size_t cut = m.cutoff < k->ret ? m.cutoff : k->ret;
    double sum = 0, ideal = 0;
    uint32_t found = 0;
    switch (m.kind) {
    case EM_NUM_RET: return (double)k->ret;
    case EM_NUM_REL: return k->num_rel;
    case EM_NUM_REL_RET: return k->rel_ret;
    case EM_MAP:
        for (size_t i = 0; i < k->ret; i++)
            if (k->rel[i] >= k->level) sum += (double)++found / (double)(i + 1);
        return found ? sum / k->num_rel : 0;
    case EM_RECIP_RANK:
        for (size_t i = 0; i < k->ret; i++)
            if (k->rel[i] >= k->level) return 1.0 / (double)(i + 1);
        return 0;
    case EM_P:
    case EM_RECALL:
        for (size_t i = 0; i < cut; i++) found += k->rel[i] >= k->level;
        if (m.kind == EM_P) return (double)found / m.cutoff;
        return k->num_rel ? (double)found / k->num_rel : 0;
    case EM_NDCG_CUT:
        for (size_t i = 0; i < cut; i++)
            if (k->rel[i] > 0) sum += k->rel[i] / log2((double)i + 2.0);
        for (size_t i = 0; i < k->nideal && i < m.cutoff; i++) ideal += k->ideal[i] / log2((double)i + 2.0);
        return ideal > 0 ? sum / ideal : sum;
    case EM_RUNID:
    case EM_NUM_Q: break;
    }
    return 0;
}

static void score_query(const EvalSet *q, size_t qa, size_t qb, const EvalSet *r, size_t ra, size_t rb,
                        const EvalOptions *o, EvalQuery *e)
{
    Ranking k = {0};
    k.level = o->rel_level;
    if ((unsigned long)(rb - ra) > (unsigned long)o->max_docs) rb = ra + (size_t)o->max_docs;
    k.ret = rb - ra;
    k.rel = xmalloc((k.ret ? k.ret : 1) * sizeof *k.rel);
    k.ideal = xmalloc((qb - qa) * sizeof *k.ideal);
    for (size_t i = qa; i < qb; i++) {
        double v = q->v[i].value;
        k.num_rel += v >= 0 && v >= k.level;
        if (v > 0) k.ideal[k.nideal++] = v;
    }
    qsort(k.ideal, k.nideal, sizeof *k.ideal, desc);
    for (size_t i = 0; i < k.ret; i++) {
        k.rel[i] = judged(q, qa, qb, r->pool + r->v[ra + i].doc);
        k.rel_ret += k.rel[i] >= 0 && k.rel[i] >= k.level;
    }
    for (size_t m = 0; m < o->nm; m++) e->m[m] = measure(&k, o->m[m]);
    free(k.rel);
    free(k.ideal);
}

static int is_count(EvalKind k) { return k == EM_NUM_RET || k == EM_NUM_REL || k == EM_NUM_REL_RET; }

void eval_compute(const EvalSet *qrels, const EvalSet *run, const EvalOptions *o, EvalResult *out)
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
        out->missing += ra == rb;
        if (ra == rb && !o->complete) continue;
        EvalQuery *e = &out->q[out->n++];
        e->qid = qid;
        score_query(&q, qa, qb, &r, ra, rb, o, e);
        for (size_t m = 0; m < o->nm; m++) out->all.m[m] += e->m[m];
    }
    for (size_t m = 0; m < o->nm && out->n; m++)
        if (!is_count(o->m[m].kind)) out->all.m[m] /= (double)out->n;
    free(r.v);
    free(q.v); /* the qids point into qrels->pool, which the caller keeps */
}

void eval_result_free(EvalResult *r)
{
    free(r->q);
    memset(r, 0, sizeof *r);
}

static void format_line(Buf *b, const EvalOptions *o, size_t m, const char *qid, double v)
{
    char name[48];
    eval_measure_name(o->m[m], name, sizeof name);
    if (is_count(o->m[m].kind)) buf_printf(b, "%-22s\t%s\t%.0f\n", name, qid, v);
    else buf_printf(b, "%-22s\t%s\t%.4f\n", name, qid, v);
}

void eval_format(Buf *b, const EvalResult *r, const EvalOptions *o, const char *tag, int per_query)
{
    for (size_t i = 0; per_query && i < r->n; i++)
        for (size_t m = 0; m < o->nm; m++)
            if (o->m[m].kind != EM_RUNID && o->m[m].kind != EM_NUM_Q) format_line(b, o, m, r->q[i].qid, r->q[i].m[m]);
    for (size_t m = 0; m < o->nm; m++) {
        if (o->m[m].kind == EM_RUNID) buf_printf(b, "%-22s\tall\t%s\n", "runid", tag && *tag ? tag : "run");
        else if (o->m[m].kind == EM_NUM_Q) buf_printf(b, "%-22s\tall\t%zu\n", "num_q", r->n);
        else format_line(b, o, m, "all", r->all.m[m]);
    }
}
