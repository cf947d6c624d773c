/* test_trec_eval.c: the measures against values worked out by hand, the
 * ordering rules (score, then docid in reverse), which queries count, and
 * the errors on malformed files. */
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

static void test_hand_computed(void)
{
    EvalSet q, r;
    CHECK_EQ_INT(eval_read_qrels(write_file("qrels", QRELS), &q), 0);
    CHECK_EQ_INT(eval_read_run(write_file("run", RUN), &r), 0);
    CHECK_EQ_STR(r.tag, "myrun");
    EvalResult e;
    eval_compute(&q, &r, 0, &e);
    CHECK_EQ_INT(e.n, 2);
    if (e.n == 2) {
        CHECK_EQ_STR(e.q[0].qid, "1");
        CHECK_NEAR(e.q[0].m[M_MAP], 0.7, 1e-9);
        CHECK_NEAR(e.q[0].m[M_RECIP_RANK], 1.0, 1e-9);
        CHECK_NEAR(e.q[0].m[M_P10], 0.3, 1e-9);
        CHECK_NEAR(e.q[0].m[M_RECALL100], 1.0, 1e-9);
        CHECK_NEAR(e.q[0].m[M_RECALL1000], 1.0, 1e-9);
        CHECK_NEAR(e.q[0].m[M_NDCG10], 3.0219114 / 4.7618595, 1e-6);
        CHECK_EQ_INT(e.q[0].ret, 5);
        CHECK_EQ_INT(e.q[0].rel, 3);
        CHECK_EQ_INT(e.q[0].rel_ret, 3);
        for (int m = 0; m < NMEASURES; m++) CHECK(e.q[1].m[m] == 0);
    }
    CHECK_NEAR(e.all.m[M_MAP], 0.35, 1e-9);
    CHECK_NEAR(e.all.m[M_RECIP_RANK], 0.5, 1e-9);
    CHECK_NEAR(e.all.m[M_P10], 0.15, 1e-9);
    CHECK_NEAR(e.all.m[M_NDCG10], 3.0219114 / 4.7618595 / 2, 1e-6);
    eval_result_free(&e);
    eval_compute(&q, &r, 1, &e); /* -c: q3 counts as all zeros */
    CHECK_EQ_INT(e.n, 3);
    CHECK_NEAR(e.all.m[M_MAP], 0.7 / 3, 1e-9);
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
    eval_compute(&q, &r, 0, &e);
    CHECK_NEAR(e.all.m[M_RECIP_RANK], 0.5, 1e-9); /* b > a: b first */
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
    eval_compute(&q, &r, 0, &e);
    Buf b = {0};
    eval_format(&b, &e, r.tag, 1);
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

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    static const TestCase cases[] = {T(test_hand_computed), T(test_tie_order), T(test_layout), T(test_bad_files)};
    int rc = run_tests("trec_eval", cases, sizeof cases / sizeof cases[0]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 1;
    return rc;
}
