/* eval.c: srch_eval, trec_eval's measures of a run file. */
#include "api/api.h"
#include "eval/eval.h"

static srch_code eval_unguarded(const char *qrels, const char *run, int complete, srch_eval_result *out,
                                srch_error *err)
{
    memset(out, 0, sizeof *out);
    EvalSet q = {0}, r = {0};
    if (eval_read_qrels(qrels, &q) != 0 || eval_read_run(run, &r) != 0) {
        eval_set_free(&q);
        eval_set_free(&r);
        return api_fail(err, SRCH_ERROR);
    }
    EvalResult res;
    eval_compute(&q, &r, complete, &res);
    out->map = res.all.m[M_MAP];
    out->ndcg10 = res.all.m[M_NDCG10];
    out->p10 = res.all.m[M_P10];
    out->recall100 = res.all.m[M_RECALL100];
    out->recall1000 = res.all.m[M_RECALL1000];
    out->mrr = res.all.m[M_RECIP_RANK];
    out->queries = res.n;
    eval_result_free(&res);
    eval_set_free(&q);
    eval_set_free(&r);
    return api_ok(err);
}

srch_code srch_eval(const char *qrels, const char *run, int complete, srch_eval_result *out, srch_error *err)
{
    API_GUARD(err);
    srch_code rc = eval_unguarded(qrels, run, complete, out, err);
    API_LEAVE();
    return rc;
}
