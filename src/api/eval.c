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
    EvalOptions o;
    eval_options_init(&o); /* its measures include these six */
    o.complete = complete;
    EvalResult res;
    eval_compute(&q, &r, &o, &res);
    out->map = res.all.m[eval_measure_index(&o, "map")];
    out->ndcg10 = res.all.m[eval_measure_index(&o, "ndcg_cut_10")];
    out->p10 = res.all.m[eval_measure_index(&o, "P_10")];
    out->recall100 = res.all.m[eval_measure_index(&o, "recall_100")];
    out->recall1000 = res.all.m[eval_measure_index(&o, "recall_1000")];
    out->mrr = res.all.m[eval_measure_index(&o, "recip_rank")];
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
