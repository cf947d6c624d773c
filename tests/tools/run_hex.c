/* run_hex.c: the hits of one index for qid<TAB>k<TAB>query lines on
 * standard input, as search-mpi --hex prints a sharded run's: "qid rank
 * score path start", the score in C's %a, so that two runs compare bit
 * for bit with cmp (tests/mpi/test_mpi.sh). Usage: run_hex INDEX. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libsearch.h"

int main(int argc, char **argv)
{
    srch_index *ix;
    srch_searcher *s;
    srch_error e;
    if (argc != 2 || srch_open(argv[1], &ix, &e) != SRCH_OK || srch_searcher_new(ix, &s, &e) != SRCH_OK) {
        fprintf(stderr, "run_hex: %s\n", argc != 2 ? "usage: run_hex INDEX <queries" : e.message);
        return 2;
    }
    char line[70000];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) continue;
        *t1 = *t2 = 0;
        srch_search_options o;
        srch_search_options_init(&o);
        o.k = (size_t)atol(t1 + 1);
        srch_hits *h;
        if (srch_search(s, t2 + 1, &o, &h, &e) != SRCH_OK) {
            printf("%s error %s\n", line, e.message);
            continue;
        }
        for (size_t i = 0; i < srch_hits_count(h); i++) {
            const srch_hit *x = srch_hits_get(h, i);
            printf("%s %zu %a %.*s %llu\n", line, i + 1, x->score, (int)x->path_len, x->path, (unsigned long long)x->start);
        }
        srch_hits_free(h);
    }
    srch_searcher_free(s);
    srch_close(ix);
    return 0;
}
