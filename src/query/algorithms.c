/*
 * algorithms.c: the query-processing algorithms behind --algorithm. Each
 * has the same signature (search_fn) and must return exactly what the
 * exhaustive one returns; the first entry is the default.
 */
#include "query/query.h"

#include <pthread.h>

static const Algorithm algorithms[] = {
    {"bmm", "block-max MaxScore over windows, scored in bulk", search_bmm, 0},
    {"bmw", "block-max WAND", search_bmw, 0},
    {"maxscore", "MaxScore with block-max bounds on non-essential terms", search_maxscore, 0},
    {"wand", "WAND with term upper bounds", search_wand, 0},
    {"exhaustive", "document-at-a-time over every posting (the reference)", search_exhaustive, 1},
};

#define NALG (sizeof algorithms / sizeof algorithms[0])

const Algorithm *algorithm_find(const char *name)
{
    for (size_t i = 0; i < NALG; i++)
        if (strcmp(algorithms[i].name, name) == 0) return &algorithms[i];
    return NULL;
}

const Algorithm *algorithm_default(void) { return &algorithms[0]; }

const Algorithm *algorithm_list(size_t *n)
{
    *n = NALG;
    return algorithms;
}

static char names[256];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void build_names(void)
{
    for (size_t i = 0; i < NALG; i++) {
        if (i) strcat(names, ", ");
        strcat(names, algorithms[i].name);
    }
}

/* Built once, under pthread_once: searches on several threads may all
 * name the list in an error at once, and two threads appending to it
 * together would garble it. */
const char *algorithm_names(void)
{
    pthread_once(&names_once, build_names);
    return names;
}
