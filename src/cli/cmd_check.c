/*
 * cmd_check.c: `search check [--index DIR] [--corpus PATH]` verifies an
 * index: every file's checksum and structure (as opening does), then every
 * posting, position, record and stored text (index_check). With --corpus,
 * also that it holds exactly that corpus's articles now (corpus_compare):
 * the proof that an index is current. Exit 0 when sound (and current), 1
 * when sound but not current, 2 when damaged or on error.
 */
#include "cli/cli.h"
#include "index/writer.h"

#include <getopt.h>

/* Whether the index holds exactly the corpus's articles now. */
static int check_corpus(const char *dir, const char *corpus)
{
    CorpusDiff d;
    if (corpus_compare(dir, corpus, &d) != 0) {
        print_error();
        buf_free(&d.report);
        return EXIT_ERROR;
    }
    int current = !d.added && !d.changed && !d.removed;
    if (current) {
        printf("%s: current: the %llu articles of %s are the index's, unchanged\n", dir, (unsigned long long)d.same,
               corpus);
    } else {
        fwrite(d.report.data, 1, d.report.len, stdout);
        if (d.noted > CORPUS_DIFF_MAX_NOTED) printf("... and %llu more\n", (unsigned long long)(d.noted - CORPUS_DIFF_MAX_NOTED));
        printf("%s: not current: of %llu articles of %s, %llu unchanged, %llu not in the index, %llu changed; "
               "%llu indexed articles not in the corpus (update with: search index --corpus %s --index %s)\n",
               dir, (unsigned long long)d.articles, corpus, (unsigned long long)d.same, (unsigned long long)d.added,
               (unsigned long long)d.changed, (unsigned long long)d.removed, corpus, dir);
    }
    buf_free(&d.report);
    return current ? EXIT_HITS : EXIT_NO_HITS;
}

static void check_usage(void) { fprintf(stderr, "search: usage: search check [--index DIR] [--corpus PATH]\n"); }

int cmd_check(int argc, char **argv)
{
    static const struct option options[] = {
        {"index", required_argument, NULL, 'i'},
        {"corpus", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = DEFAULT_INDEX, *corpus = NULL;
    opterr = 0;
    optind = 0;
    for (int c; (c = getopt_long(argc, argv, "+:h", options, NULL)) != -1;) {
        if (c == 'i') dir = optarg;
        else if (c == 'c') corpus = optarg;
        else if (c == 'h') {
            usage_of("check", stdout);
            return fflush(stdout) == 0 ? 0 : EXIT_ERROR;
        } else {
            check_usage();
            return EXIT_ERROR;
        }
    }
    if (optind < argc) { /* check takes no words */
        check_usage();
        return EXIT_ERROR;
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
    if (rc != 0) return EXIT_ERROR;
    return corpus ? check_corpus(dir, corpus) : EXIT_HITS;
}
