/* fuzz_corpus.c: libFuzzer target for the corpus readers. The first byte
 * picks how the rest is stored: a passages file (id<TAB>title<TAB>text),
 * the same gzip-compressed, or one article file in a directory. The corpus
 * is read and every article split into passages and analysed, as the
 * indexer does; a crash, a sanitizer report, or a passage span outside its
 * article or out of order aborts. Malformed input may be rejected with an
 * error, never anything worse. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "analysis/analysis.h"
#include "corpus/corpus.h"
#include "util/util.h"

static char dir[] = "/tmp/search-fuzz-corpus-XXXXXX";
static Analyzer *an;

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz_corpus: cannot remove %s\n", dir);
}

static void on_token(void *ctx, const Token *t)
{
    (void)ctx;
    if (t->len == 0 || t->len > TERM_MAX_BYTES || t->start >= t->end) abort();
}

static int on_article(void *ctx, const Article *a)
{
    (void)ctx;
    if (!a->id || !a->title || !a->path || a->heading_end > a->len) abort();
    PassageSpan *s;
    size_t n = passages_split(a->text, a->len, a->heading_end, 50, &s);
    for (size_t i = 0; i < n; i++) {
        if (s[i].start >= s[i].end || s[i].end > a->len || (i && s[i].start < s[i - 1].end)) abort();
        analyzer_run(an, a->text + s[i].start, s[i].end - s[i].start, on_token, NULL);
    }
    free(s);
    return 0;
}

static int write_plain(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(d, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int write_gzip(const char *path, const uint8_t *d, size_t n)
{
    gzFile g = gzopen(path, "wb1");
    if (!g) return -1;
    int ok = n == 0 || gzwrite(g, d, (unsigned)n) == (int)n;
    return gzclose(g) == Z_OK && ok ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!an) {
        if (!mkdtemp(dir)) abort();
        atexit(cleanup);
        AnalysisConfig c;
        analysis_config_default(&c);
        an = analyzer_new(&c);
    }
    if (size == 0) return 0;
    int mode = data[0] % 3;
    char path[256];
    if (mode == 2) {
        snprintf(path, sizeof path, "%s/articles", dir);
        char file[300];
        snprintf(file, sizeof file, "%s/a.txt", path);
        if (mkdir(path, 0700) != 0 && access(path, F_OK) != 0) abort();
        if (write_plain(file, data + 1, size - 1) != 0) abort();
    } else {
        snprintf(path, sizeof path, "%s/docs.tsv%s", dir, mode ? ".gz" : "");
        if ((mode ? write_gzip : write_plain)(path, data + 1, size - 1) != 0) abort();
    }
    CorpusOptions o;
    corpus_options_default(&o);
    CorpusStats st;
    int saved = dup(2), null = open("/dev/null", O_WRONLY); /* the readers warn on stderr */
    dup2(null, 2);
    corpus_read(path, &o, on_article, NULL, &st);
    dup2(saved, 2);
    close(saved);
    close(null);
    return 0;
}
