/* check.c: srch_check, the deep verification and the corpus comparison. */
#include "api/api.h"
#include "index/writer.h"

#include <stdlib.h>

static srch_code check_unguarded(const char *dir, const char *corpus, srch_check_report *rep, srch_error *err)
{
    memset(rep, 0, sizeof *rep);
    if (!dir) return api_fail_msg(err, SRCH_BAD_ARG, "no index directory given");
    Index *ix = index_open(dir);
    if (!ix) return api_fail(err, SRCH_ERROR);
    IndexCheck r;
    index_check(ix, &r);
    index_close(ix);
    rep->terms = r.terms;
    rep->postings = r.postings;
    rep->positions = r.positions;
    rep->passages = r.passages;
    rep->articles = r.articles;
    rep->problems = r.problems;
    buf_put_u8(&r.report, 0);
    rep->report = (char *)r.report.data;
    if (!corpus || r.problems) return api_ok(err);
    CorpusDiff d;
    if (corpus_compare(dir, corpus, &d) != 0) {
        buf_free(&d.report);
        return api_fail(err, SRCH_ERROR);
    }
    rep->corpus_checked = 1;
    rep->corpus_articles = d.articles;
    rep->same = d.same;
    rep->added = d.added;
    rep->changed = d.changed;
    rep->removed = d.removed;
    buf_put_u8(&d.report, 0);
    rep->differences = (char *)d.report.data;
    return api_ok(err);
}

void srch_check_report_free(srch_check_report *rep)
{
    free((char *)rep->report);
    free((char *)rep->differences);
    memset(rep, 0, sizeof *rep);
}

srch_code srch_check(const char *dir, const char *corpus, srch_check_report *rep, srch_error *err)
{
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) {
        srch_check_report_free(rep); /* what was filled in before */
        return api_fail(err, SRCH_NOMEM);
    }
    srch_code rc = check_unguarded(dir, corpus, rep, err);
    oom_leave(&g);
    return rc;
}
