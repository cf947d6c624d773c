/*
 * cmd_check.c: `search check [--index DIR]` verifies an index: every
 * file's checksum and structure (as opening does), then every posting,
 * position, record and stored text (index_check). Prints what it checked,
 * or the problems; exit 0 when sound, 2 when not.
 */
#include "cli/cli.h"

int cmd_check(int argc, char **argv)
{
    const char *dir = DEFAULT_INDEX;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--index") && i + 1 < argc) {
            dir = argv[++i];
        } else {
            fprintf(stderr, "search: usage: search check [--index DIR]\n");
            return EXIT_ERROR;
        }
    }
    Index *ix = index_open(dir);
    if (!ix) {
        print_error();
        return EXIT_ERROR;
    }
    double t0 = now_seconds();
    IndexCheck r;
    int rc = index_check(ix, &r);
    if (rc == 0) {
        printf("%s: sound: %llu terms, %llu postings, %llu positions, %llu passages, %llu articles checked in %.2f s\n",
               dir, (unsigned long long)r.terms, (unsigned long long)r.postings, (unsigned long long)r.positions,
               (unsigned long long)r.passages, (unsigned long long)r.articles, now_seconds() - t0);
    } else {
        fwrite(r.report.data, 1, r.report.len, stderr);
        fprintf(stderr, "search: index %s is corrupt: %llu problem%s (rebuild with: search index)\n", dir,
                (unsigned long long)r.problems, r.problems == 1 ? "" : "s");
    }
    buf_free(&r.report);
    index_close(ix);
    return rc == 0 ? EXIT_HITS : EXIT_ERROR;
}
