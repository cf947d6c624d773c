/* index.c: opening an index through the public API. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static srch_code open_unguarded(const char *dir, srch_index **out, srch_error *err)
{
    *out = NULL;
    if (!dir) return api_fail_msg(err, SRCH_BAD_ARG, "no index directory given");
    struct stat st;
    if (stat(dir, &st) != 0) return api_fail_msg(err, SRCH_NOT_FOUND, "no index at %s", dir);
    Index *ix = index_open(dir);
    if (!ix) return api_fail(err, SRCH_ERROR);
    srch_index *x = xcalloc(1, sizeof *x);
    x->ix = ix;
    x->root = xstrdup(dir);
    pthread_mutex_init(&x->mu, NULL);
    const char *commit = index_commit_dir(ix), *slash = strrchr(commit, '/');
    x->commit_name = xstrdup(slash ? slash + 1 : commit);
    *out = x;
    return api_ok(err);
}

void srch_close(srch_index *x)
{
    if (!x) return;
    index_close(x->ix);
    free(x->root);
    free(x->commit_name);
    if (x->ids) strmap_free(x->ids);
    free(x->ids);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

void srch_index_stats(const srch_index *x, srch_index_info *out)
{
    const IndexStats *s = index_stats(x->ix);
    memset(out, 0, sizeof *out);
    out->passages = s->passages;
    out->articles = s->articles;
    for (size_t i = 0; i < index_nsegments(x->ix); i++) out->terms += segment_stats(index_segment(x->ix, i))->terms;
    out->segments = index_nsegments(x->ix);
    out->avg_length = index_avgdl(s->total_length, s->passages);
    out->language = s->analysis.language;
    out->stopwords = s->analysis.stopwords;
    out->passage_words = s->passage_words;
    out->commit = x->commit_name;
}

srch_code srch_open(const char *dir, srch_index **out, srch_error *err)
{
    API_GUARD(err);
    srch_code rc = open_unguarded(dir, out, err);
    API_LEAVE();
    return rc;
}

/* A new handle when CURRENT names another commit than x's. */
static srch_code reopen_unguarded(srch_index *x, srch_index **out, srch_error *err)
{
    *out = NULL;
    char *live = publish_current(x->root);
    int same = live && !strcmp(live, index_commit_dir(x->ix));
    free(live);
    if (same) return api_ok(err);
    /* CURRENT unreadable (damaged, or being replaced): the open says which */
    return open_unguarded(x->root, out, err);
}

srch_code srch_reopen(srch_index *x, srch_index **out, srch_error *err)
{
    API_GUARD(err);
    srch_code rc = reopen_unguarded(x, out, err);
    API_LEAVE();
    return rc;
}
