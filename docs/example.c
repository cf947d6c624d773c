/*
 * example.c: the smallest program on libsearch. Builds (or updates) an
 * index of a corpus, then prints the best passages for a query.
 *
 *   cc example.c $(pkg-config --cflags --libs libsearch) -o example
 *   ./example corpus/ index/ "suicidal ideation"
 */
#include <libsearch.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s CORPUS INDEX QUERY\n", argv[0]);
        return 2;
    }
    srch_error err;
    srch_build_report built;
    if (srch_build(argv[1], argv[2], NULL, &built, &err) != SRCH_OK) {
        fprintf(stderr, "example: %s\n", err.message);
        return 2;
    }
    srch_index *ix;
    srch_searcher *s;
    srch_hits *hits;
    if (srch_open(argv[2], &ix, &err) != SRCH_OK) {
        fprintf(stderr, "example: %s\n", err.message);
        return 2;
    }
    srch_searcher_new(ix, &s, &err);
    srch_search_options o;
    srch_search_options_init(&o);
    o.k = 3;
    if (srch_search(s, argv[3], &o, &hits, &err) != SRCH_OK) {
        fprintf(stderr, "example: %s\n", err.message);
        return 2;
    }
    for (size_t i = 0; i < srch_hits_count(hits); i++) {
        const srch_hit *h = srch_hits_get(hits, i);
        char *snippet = srch_snippet(h, 160, "[", "]");
        printf("%zu. %.4f %.*s (%.*s, passage %u)\n   %s\n", h->rank, h->score, (int)h->title_len, h->title,
               (int)h->path_len, h->path, h->passage, snippet);
        srch_free(snippet);
    }
    int found = srch_hits_count(hits) > 0;
    srch_hits_free(hits);
    srch_searcher_free(s);
    srch_close(ix);
    printf("libsearch %s: %llu passages indexed\n", srch_version(), (unsigned long long)built.passages);
    return found ? 0 : 1;
}
