/* test_trec_eval.c: the measures against values worked out by hand, the
 * ordering rules (score, then docid in reverse), which queries count and
 * in what order, trec_eval's options (-M, -l, -m), comments, and the
 * errors on malformed files and on documents named twice. */
#include "check.h"
#include "eval/eval.h"
#include "util/util.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/search-eval-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

/* q1: relevant d1 (2), d2 (1), d4 (3); d3 judged not relevant.
 * Run order: d2 (10), d5 (9), d6 (8), d1 (8: the tie puts "d6" first), d4 (2),
 * so relevant at ranks 1, 4, 5:
 *   AP = (1/1 + 2/4 + 3/5) / 3 = 0.7, RR = 1, P@10 = 0.3, R@100 = 1,
 *   DCG@10 = 1/log2(2) + 2/log2(5) + 3/log2(6) = 3.0219114,
 *   ideal  = 3/log2(2) + 2/log2(3) + 1/log2(4) = 4.7618595, nDCG = 0.6346080.
 * q2: relevant d7, retrieved only d8: all 0. q3: judged, not run. q4: run, not judged. */
static const char *QRELS = "1 0 d1 2\n1 0 d2 1\n1 0 d3 0\n1 0 d4 3\n2 0 d7 1\n3 0 d9 1\n";
static const char *RUN = "1 Q0 d4 1 2 myrun\n1 Q0 d1 2 8 myrun\n1 Q0 d2 3 10 myrun\n1 Q0 d6 4 8 myrun\n"
                         "1 Q0 d5 5 9 myrun\n2 Q0 d8 1 1.5 myrun\n4 Q0 d1 1 3 myrun\n";

static EvalOptions opts(int complete)
{
    EvalOptions o;
    eval_options_init(&o);
    o.complete = complete;
    return o;
}

/* The value of the measure printed as name (default measures). */
static double val(const EvalQuery *q, const char *name)
{
    EvalOptions o = opts(0);
    int i = eval_measure_index(&o, name);
    CHECK(i >= 0);
    return i >= 0 ? q->m[i] : -1;
}

static void test_hand_computed(void)
{
    EvalOptions o = opts(0);
    EvalSet q, r;
    CHECK_EQ_INT(eval_read_qrels(write_file("qrels", QRELS), &q), 0);
    CHECK_EQ_INT(eval_read_run(write_file("run", RUN), &r), 0);
    CHECK_EQ_STR(r.tag, "myrun");
    EvalResult e;
    eval_compute(&q, &r, &o, &e);
    CHECK_EQ_INT(e.n, 2);
    CHECK_EQ_INT(e.missing, 1); /* q3 */
    if (e.n == 2) {
        CHECK_EQ_STR(e.q[0].qid, "1");
        CHECK_NEAR(val(&e.q[0], "map"), 0.7, 1e-9);
        CHECK_NEAR(val(&e.q[0], "recip_rank"), 1.0, 1e-9);
        CHECK_NEAR(val(&e.q[0], "P_10"), 0.3, 1e-9);
        CHECK_NEAR(val(&e.q[0], "recall_100"), 1.0, 1e-9);
        CHECK_NEAR(val(&e.q[0], "recall_1000"), 1.0, 1e-9);
        CHECK_NEAR(val(&e.q[0], "ndcg_cut_10"), 3.0219114 / 4.7618595, 1e-6);
        CHECK_NEAR(val(&e.q[0], "num_ret"), 5, 0);
        CHECK_NEAR(val(&e.q[0], "num_rel"), 3, 0);
        CHECK_NEAR(val(&e.q[0], "num_rel_ret"), 3, 0);
        CHECK(val(&e.q[1], "map") == 0 && val(&e.q[1], "ndcg_cut_10") == 0 && val(&e.q[1], "P_10") == 0);
    }
    CHECK_NEAR(val(&e.all, "map"), 0.35, 1e-9);
    CHECK_NEAR(val(&e.all, "recip_rank"), 0.5, 1e-9);
    CHECK_NEAR(val(&e.all, "P_10"), 0.15, 1e-9);
    CHECK_NEAR(val(&e.all, "ndcg_cut_10"), 3.0219114 / 4.7618595 / 2, 1e-6);
    CHECK_NEAR(val(&e.all, "num_ret"), 6, 0); /* counts are summed */
    eval_result_free(&e);
    o.complete = 1; /* -c: q3 counts as all zeros */
    eval_compute(&q, &r, &o, &e);
    CHECK_EQ_INT(e.n, 3);
    CHECK_NEAR(val(&e.all, "map"), 0.7 / 3, 1e-9);
    eval_result_free(&e);
    eval_set_free(&q);
    eval_set_free(&r);
}

/* The tie rule decides AP: with "d6" before "d1" d1 is at rank 4; a run
 * that names d1 "d9x" (larger string) would put it first at that score. */
static void test_tie_order(void)
{
    EvalSet q, r;
    CHECK_EQ_INT(eval_read_qrels(write_file("qrels2", "1 0 a 1\n"), &q), 0);
    CHECK_EQ_INT(eval_read_run(write_file("run2", "1 Q0 a 1 5 t\n1 Q0 b 2 5 t\n"), &r), 0);
    EvalResult e;
    EvalOptions o = opts(0);
    eval_compute(&q, &r, &o, &e);
    CHECK_NEAR(val(&e.all, "recip_rank"), 0.5, 1e-9); /* b > a: b first */
    eval_result_free(&e);
    eval_set_free(&q);
    eval_set_free(&r);
}

static void test_layout(void)
{
    EvalSet q, r;
    CHECK_EQ_INT(eval_read_qrels(write_file("qrels", QRELS), &q), 0);
    CHECK_EQ_INT(eval_parse_run(RUN, strlen(RUN), "mem", &r), 0);
    EvalResult e;
    EvalOptions o = opts(0);
    eval_compute(&q, &r, &o, &e);
    Buf b = {0};
    eval_format(&b, &e, &o, r.tag, 1);
    buf_put_u8(&b, 0);
    char *text = (char *)b.data;
    CHECK(strstr(text, "map                   \t1\t0.7000\n") != NULL);
    CHECK(strstr(text, "map                   \tall\t0.3500\n") != NULL);
    CHECK(strstr(text, "num_q                 \tall\t2\n") != NULL);
    CHECK(strstr(text, "runid                 \tall\tmyrun\n") != NULL);
    CHECK(strstr(text, "ndcg_cut_10           \tall\t0.3173\n") != NULL);
    free(text);
    eval_result_free(&e);
    eval_set_free(&q);
    eval_set_free(&r);
}

static void test_bad_files(void)
{
    EvalSet s;
    CHECK_EQ_INT(eval_read_qrels(write_file("bad1", "1 0 d1 2\n1 0 d2\n"), &s), -1);
    CHECK(strstr(err_msg(), "line 2") != NULL);
    CHECK_EQ_INT(eval_read_qrels(write_file("bad2", "1 0 d1 x\n"), &s), -1);
    CHECK_EQ_INT(eval_read_run(write_file("bad3", "1 Q0 d1 1 notanumber t\n"), &s), -1);
    CHECK(strstr(err_msg(), "line 1") != NULL);
    CHECK_EQ_INT(eval_read_run(write_file("empty", ""), &s), -1);
    CHECK_EQ_INT(eval_read_run("/nonexistent/run", &s), -1);
    CHECK(strstr(err_msg(), "cannot open") != NULL);
    static const char nul[] = "1 Q0 d1 1 2 t\n1 Q0 d\0 2 1 t\n";
    CHECK_EQ_INT(eval_parse_run(nul, sizeof nul - 1, "mem", &s), -1);
    CHECK(strstr(err_msg(), "NUL") != NULL);
}

/* A document named twice for one query is an error naming both lines
 * (trec_eval's "duplicate docs"); counted twice it gave a MAP of 2. The
 * same document for two queries is fine. */
static void test_repeats(void)
{
    EvalSet s;
    CHECK_EQ_INT(eval_read_run(write_file("dup", "1 Q0 a 1 2 t\n2 Q0 a 1 2 t\n1 Q0 b 2 1 t\n1 Q0 a 3 1 t\n"), &s),
                 -1);
    CHECK(strstr(err_msg(), "line 4: query 1 lists document a twice (first at line 1)") != NULL);
    static const char mem[] = "7 Q0 x 1 2 t\n7 Q0 y 2 1 t\n7 Q0 y 3 0 t\n";
    CHECK_EQ_INT(eval_parse_run(mem, sizeof mem - 1, "mem", &s), -1);
    CHECK(strstr(err_msg(), "mem: line 3: query 7 lists document y twice (first at line 2)") != NULL);
    CHECK_EQ_INT(eval_read_qrels(write_file("dupq", "1 0 d1 1\n2 0 d1 1\n3 0 x 0\n1 0 d1 1\n"), &s), -1);
    CHECK(strstr(err_msg(), "line 4: query 1 judges document d1 twice (first at line 1)") != NULL);
    CHECK_EQ_INT(eval_read_qrels(write_file("dupq2", "1 0 d1 1\n1 0 d1 0\n"), &s), -1); /* even disagreeing */
    CHECK_EQ_INT(eval_read_run(write_file("nodup", "1 Q0 a 1 2 t\n2 Q0 a 1 2 t\n"), &s), 0);
    eval_set_free(&s);
}

/* Lines starting with '#' (after blanks) are comments; a run's tag is its
 * last line's, as trec_eval takes it. */
static void test_comments(void)
{
    EvalSet q, r;
    CHECK_EQ_INT(eval_read_qrels(write_file("cq", "# judged by hand\n1 0 a 1\n  # more\n\n1 0 #b 1\n"), &q), 0);
    CHECK_EQ_INT(q.n, 2);
    CHECK_EQ_INT(eval_read_run(write_file("cr", "#run\n1 Q0 a 1 2 first\n # x\n1 Q0 c 2 1 last\n"), &r), 0);
    CHECK_EQ_INT(r.n, 2);
    CHECK_EQ_STR(r.tag, "last");
    eval_set_free(&q);
    eval_set_free(&r);
    CHECK_EQ_INT(eval_read_run(write_file("onlyc", "# nothing\n"), &r), -1);
}

/* Queries come in trec_eval's order, their ids compared as strings. */
static void test_qid_order(void)
{
    EvalSet q, r;
    CHECK_EQ_INT(eval_read_qrels(write_file("oq", "2 0 a 1\n10 0 a 1\n1 0 a 1\n"), &q), 0);
    CHECK_EQ_INT(eval_read_run(write_file("or", "1 Q0 a 1 1 t\n2 Q0 a 1 1 t\n10 Q0 a 1 1 t\n"), &r), 0);
    EvalOptions o = opts(0);
    EvalResult e;
    eval_compute(&q, &r, &o, &e);
    CHECK_EQ_INT(e.n, 3);
    if (e.n == 3) {
        CHECK_EQ_STR(e.q[0].qid, "1");
        CHECK_EQ_STR(e.q[1].qid, "10");
        CHECK_EQ_STR(e.q[2].qid, "2");
    }
    eval_result_free(&e);
    eval_set_free(&q);
    eval_set_free(&r);
}

/* -M 2: only d2 and d5 of query 1 count: AP = 1/3. -l 2: d1 (2) and d4
 * (3) are relevant, at ranks 4 and 5: AP = (1/4 + 2/5) / 2; nDCG's gains
 * stay the judged values. The values trec_eval prints for these files. */
static void test_max_docs_and_level(void)
{
    EvalSet q, r;
    CHECK_EQ_INT(eval_read_qrels(write_file("qrels", QRELS), &q), 0);
    CHECK_EQ_INT(eval_read_run(write_file("run", RUN), &r), 0);
    EvalOptions o = opts(0);
    o.max_docs = 2;
    EvalResult e;
    eval_compute(&q, &r, &o, &e);
    CHECK_NEAR(val(&e.q[0], "map"), 1.0 / 3, 1e-9);
    CHECK_NEAR(val(&e.q[0], "num_ret"), 2, 0);
    CHECK_NEAR(val(&e.q[0], "recall_1000"), 1.0 / 3, 1e-9);
    CHECK_NEAR(val(&e.q[0], "P_10"), 0.1, 1e-9);
    eval_result_free(&e);
    o = opts(0);
    o.rel_level = 2;
    eval_compute(&q, &r, &o, &e);
    CHECK_NEAR(val(&e.q[0], "map"), (0.25 + 0.4) / 2, 1e-9);
    CHECK_NEAR(val(&e.q[0], "recip_rank"), 0.25, 1e-9);
    CHECK_NEAR(val(&e.q[0], "P_10"), 0.2, 1e-9);
    CHECK_NEAR(val(&e.q[0], "num_rel"), 2, 0);
    CHECK_NEAR(val(&e.q[0], "ndcg_cut_10"), 3.0219114 / 4.7618595, 1e-6);
    eval_result_free(&e);
    eval_set_free(&q);
    eval_set_free(&r);
}

/* -m: trec_eval's names and cutoff lists, printed in its order, only
 * those asked for. */
static void test_measures(void)
{
    EvalOptions o;
    eval_options_init(&o);
    CHECK_EQ_INT(eval_options_measure(&o, "ndcg_cut.10"), 0);
    CHECK_EQ_INT(eval_options_measure(&o, "P.20,5"), 0);
    CHECK_EQ_INT(eval_options_measure(&o, "P_5"), 0); /* the printed name, already there */
    CHECK_EQ_INT(eval_options_measure(&o, "map"), 0);
    CHECK_EQ_INT(o.nm, 4);
    char name[48];
    const char *want[] = {"map", "P_5", "P_20", "ndcg_cut_10"};
    for (size_t i = 0; i < 4 && i < o.nm; i++) CHECK_EQ_STR(eval_measure_name(o.m[i], name, sizeof name), want[i]);
    CHECK_EQ_INT(eval_options_measure(&o, "recall"), 0); /* trec_eval's 9 cutoffs */
    CHECK_EQ_INT(o.nm, 13);
    CHECK_EQ_INT(eval_measure_index(&o, "recall_1000"), 11); /* ndcg_cut_10 last */
    CHECK_EQ_INT(eval_options_measure(&o, "bpref"), -1);
    CHECK(strstr(err_msg(), "unknown measure 'bpref'") != NULL);
    CHECK_EQ_INT(eval_options_measure(&o, "P.0"), -1);
    CHECK_EQ_INT(eval_options_measure(&o, "P.5,"), -1);
    CHECK_EQ_INT(eval_options_measure(&o, "P.x"), -1);
    CHECK_EQ_INT(eval_options_measure(&o, "P_5,10"), -1);
    CHECK_EQ_INT(eval_options_measure(&o, "mapx"), -1);

    EvalSet q, r;
    CHECK_EQ_INT(eval_read_qrels(write_file("qrels", QRELS), &q), 0);
    CHECK_EQ_INT(eval_read_run(write_file("run", RUN), &r), 0);
    eval_options_init(&o);
    CHECK_EQ_INT(eval_options_measure(&o, "P.5"), 0);
    EvalResult e;
    eval_compute(&q, &r, &o, &e);
    Buf b = {0};
    eval_format(&b, &e, &o, r.tag, 0);
    buf_put_u8(&b, 0);
    CHECK_EQ_STR((char *)b.data, "P_5                   \tall\t0.3000\n");
    buf_free(&b);
    eval_result_free(&e);
    eval_set_free(&q);
    eval_set_free(&r);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    static const TestCase cases[] = {T(test_hand_computed), T(test_tie_order), T(test_layout), T(test_bad_files),
                                     T(test_repeats),       T(test_comments),  T(test_qid_order),
                                     T(test_max_docs_and_level), T(test_measures)};
    int rc = run_tests("trec_eval", cases, sizeof cases / sizeof cases[0]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 1;
    return rc;
}
