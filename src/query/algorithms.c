/*
 * algorithms.c: the query-processing algorithms behind --algorithm. Each
 * has the same signature (search_fn) and must return exactly what the
 * exhaustive one returns; the first entry is the default.
 */
#include "query/query.h"

static const Algorithm algorithms[] = {
    {"bmm", "block-max MaxScore over windows, scored in bulk", search_bmm},
    {"bmw", "block-max WAND", search_bmw},
    {"maxscore", "MaxScore with block-max bounds on non-essential terms", search_maxscore},
    {"wand", "WAND with term upper bounds", search_wand},
    {"exhaustive", "document-at-a-time over every posting (the reference)", search_exhaustive},
};

#define NALG (sizeof algorithms / sizeof algorithms[0])

const Algorithm *algorithm_find(const char *name)
{
    for (size_t i = 0; i < NALG; i++)
        if (strcmp(algorithms[i].name, name) == 0) return &algorithms[i];
    return NULL;
}

const Algorithm *algorithm_default(void) { return &algorithms[0]; }

const char *algorithm_names(void)
{
    static char names[256];
    if (!names[0])
        for (size_t i = 0; i < NALG; i++) {
            if (i) strcat(names, ", ");
            strcat(names, algorithms[i].name);
        }
    return names;
}
