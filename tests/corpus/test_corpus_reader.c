/* test_corpus_reader.c: directory walks and passages files (plain and gzip)
 * through corpus_read(), on temporary corpora made here. */
#include "check.h"
#include "corpus/corpus.h"
#include "util/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>

/* ---- temporary files ---- */

static char tmp_root[64];

static const char *tmp_dir(void)
{
    if (!tmp_root[0]) {
        snprintf(tmp_root, sizeof tmp_root, "/tmp/test_corpus_reader.XXXXXX");
        if (!mkdtemp(tmp_root)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return tmp_root;
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0755);
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            remove_tree(p);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* root/rel, with the directories on the way created. */
static const char *make_path(const char *root, const char *rel)
{
    static char p[4096];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        mkdir(p, 0755);
        *s = '/';
    }
    return p;
}

static void write_bytes(const char *root, const char *rel, const void *data, size_t n)
{
    const char *p = make_path(root, rel);
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK_EQ_INT(fwrite(data, 1, n, f), n);
    fclose(f);
}
#define write_str(root, rel, s) write_bytes(root, rel, s, strlen(s))

static void write_gzip(const char *path, const void *data, size_t n)
{
    gzFile g = gzopen(path, "wb");
    CHECK(g != NULL);
    if (!g) return;
    CHECK_EQ_INT(gzwrite(g, data, (unsigned)n), n);
    CHECK_EQ_INT(gzclose(g), Z_OK);
}

static char *slurp(const char *path, size_t *len)
{
    char *d = NULL;
    if (read_file(path, (size_t)1 << 30, &d, len) != 0) return NULL;
    return d;
}

/* ---- collecting articles ---- */

typedef struct {
    char *id, *path, *title, *text;
    size_t len, heading_end, title_end;
    uint64_t base;
} Got;

typedef struct {
    Got v[64];
    int n;
    int stop_after; /* non-zero: return 7 from this article on */
} Collect;

static int collect(void *ctx, const Article *a)
{
    Collect *c = ctx;
    if (c->n < 64) {
        Got *g = &c->v[c->n];
        g->id = xstrdup(a->id);
        g->path = xstrdup(a->path);
        g->title = xstrdup(a->title);
        g->text = xstrndup(a->text, a->len);
        g->len = a->len;
        g->heading_end = a->heading_end;
        g->title_end = a->title_end;
        g->base = a->base;
    }
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? 7 : 0;
}

static void collect_free(Collect *c)
{
    for (int i = 0; i < c->n && i < 64; i++) {
        free(c->v[i].id);
        free(c->v[i].path);
        free(c->v[i].title);
        free(c->v[i].text);
    }
    memset(c, 0, sizeof *c);
}

static const Got *find_id(const Collect *c, const char *id)
{
    for (int i = 0; i < c->n && i < 64; i++)
        if (!strcmp(c->v[i].id, id)) return &c->v[i];
    return NULL;
}

static int read_corpus(const char *path, int strict, Collect *c, CorpusStats *st)
{
    CorpusOptions o;
    corpus_options_default(&o);
    o.strict = strict;
    memset(c, 0, sizeof *c);
    return corpus_read(path, &o, collect, c, st);
}

/* The article's text is exactly the file's bytes at base. */
static void check_base(const Got *g, const char *file_bytes, size_t file_len)
{
    CHECK(g->base + g->len <= file_len);
    if (g->base + g->len <= file_len) CHECK(memcmp(file_bytes + g->base, g->text, g->len) == 0);
}

/* ---- directories ---- */

static const char BINARY[] = "some text\0more\0\x01\x02 binary";

static void make_tree(const char *root)
{
    write_str(root, "b-second.txt", "Just a sentence that is long enough to be running text, not a title.\n");
    write_str(root, "a-first.md", "# The First Article\n\nIts body text is here.\n");
    write_str(root, "sub/deeper/nested.txt", "5. Reducing Suicidal Ideation:\n\nThe nested body.\n");
    write_str(root, "sub/c.TXT", "Upper-case extension counts.\n");
    write_str(root, "sub/ignored.pdf", "%PDF-1.4 not an article\n");
    write_str(root, "notes.text", "wrong extension\n");
    write_str(root, ".hidden.txt", "Hidden files are not articles.\n");
    write_str(root, ".git/config.txt", "Hidden directories are not walked.\n");
    write_str(root, "bom.txt", "\xEF\xBB\xBFTitle After BOM\nBody after the byte order mark.\n");
    write_str(root, "crlf.txt", "Windows Title\r\nBody line one.\r\nBody line two.\r\n");
    write_str(root, "empty.txt", "");
    write_str(root, "blank.txt", " \n\t\r\n");
    write_bytes(root, "binary.txt", BINARY, sizeof BINARY);
    write_str(root, "z/zz.md", "Last in order.\n");
}

static void directory_walk(void)
{
    char root[256];
    snprintf(root, sizeof root, "%s/tree", tmp_dir());
    make_tree(root);
    Collect c;
    CorpusStats st;
    int rc = read_corpus(root, 0, &c, &st);
    CHECK_EQ_INT(rc, 0);
    /* sorted (byte order), depth first, ids relative to the root */
    const char *want[] = {"a-first.md", "b-second.txt", "bom.txt", "crlf.txt", "sub/c.TXT", "sub/deeper/nested.txt",
                          "z/zz.md"};
    size_t nw = sizeof want / sizeof want[0];
    CHECK_EQ_INT(c.n, nw);
    for (size_t i = 0; i < nw && i < (size_t)c.n; i++) CHECK_EQ_STR(c.v[i].id, want[i]);
    CHECK_EQ_INT(st.articles, nw);
    CHECK_EQ_INT(st.skipped, 3); /* empty.txt, blank.txt, binary.txt */

    uint64_t bytes = 0;
    for (int i = 0; i < c.n && i < 64; i++) {
        const Got *g = &c.v[i];
        char expect_path[512];
        snprintf(expect_path, sizeof expect_path, "%s/%s", root, g->id);
        CHECK_EQ_STR(g->path, expect_path);
        CHECK_EQ_INT(g->heading_end, 0);
        size_t flen;
        char *data = slurp(g->path, &flen);
        CHECK(data != NULL);
        if (data) {
            check_base(g, data, flen);
            CHECK_EQ_INT(g->base + g->len, flen); /* the whole file after any BOM */
            bytes += flen;
        }
        free(data);
    }
    CHECK_EQ_INT(st.bytes, bytes);

    const Got *g;
    if ((g = find_id(&c, "a-first.md"))) {
        CHECK_EQ_STR(g->title, "The First Article");
        CHECK(g->title_end > 0 && g->title_end <= g->len && (g->title_end == g->len || g->text[g->title_end] == '\n'));
        CHECK(strstr(g->text, "The First Article") + strlen("The First Article") <= g->text + g->title_end);
    }
    if ((g = find_id(&c, "b-second.txt"))) {
        CHECK_EQ_STR(g->title, "B second");
        CHECK_EQ_INT(g->title_end, 0); /* made from the file name: not in the text */
    }
    if ((g = find_id(&c, "sub/deeper/nested.txt"))) CHECK_EQ_STR(g->title, "Reducing Suicidal Ideation");
    if ((g = find_id(&c, "z/zz.md"))) CHECK_EQ_STR(g->title, "Zz");
    if ((g = find_id(&c, "bom.txt"))) {
        CHECK_EQ_INT(g->base, 3);
        CHECK(strncmp(g->text, "Title After BOM", 15) == 0);
        CHECK_EQ_STR(g->title, "Title After BOM");
    }
    CHECK(find_id(&c, "bom.txt") != NULL);
    if ((g = find_id(&c, "crlf.txt"))) {
        CHECK_EQ_STR(g->title, "Windows Title"); /* no '\r' */
        CHECK_EQ_INT(g->base, 0);
    }
    collect_free(&c);

    /* the same tree twice gives the same articles in the same order */
    Collect c2;
    CHECK_EQ_INT(read_corpus(root, 0, &c, &st), 0);
    CHECK_EQ_INT(read_corpus(root, 0, &c2, &st), 0);
    CHECK_EQ_INT(c.n, c2.n);
    for (int i = 0; i < c.n && i < c2.n && i < 64; i++) {
        CHECK_EQ_STR(c.v[i].id, c2.v[i].id);
        CHECK_EQ_STR(c.v[i].title, c2.v[i].title);
        CHECK_EQ_INT(c.v[i].len, c2.v[i].len);
    }
    collect_free(&c);
    collect_free(&c2);

    /* a trailing slash on the root gives the same ids */
    char slash[300];
    snprintf(slash, sizeof slash, "%s/", root);
    CHECK_EQ_INT(read_corpus(slash, 0, &c, &st), 0);
    CHECK_EQ_INT(c.n, nw);
    if (c.n > 0) CHECK_EQ_STR(c.v[0].id, "a-first.md");
    collect_free(&c);
}

/* root holds one good article and the bad file named bad: read leniently
 * it gives the good one and counts one skip; under strict it fails
 * naming the bad file. */
static void check_skip_then_strict(const char *root, const char *bad)
{
    Collect c;
    CorpusStats st;
    CHECK_EQ_INT(read_corpus(root, 0, &c, &st), 0);
    CHECK_EQ_INT(c.n, 1);
    CHECK_EQ_INT(st.skipped, 1);
    collect_free(&c);
    CHECK_EQ_INT(read_corpus(root, 1, &c, &st), -1);
    CHECK(strstr(err_msg(), bad) != NULL);
    collect_free(&c);
}

static void strict_mode(void)
{
    char root[256];
    snprintf(root, sizeof root, "%s/strict", tmp_dir());
    write_str(root, "good.txt", "A good article, with text.\n");
    write_bytes(root, "zbinary.txt", BINARY, sizeof BINARY);
    check_skip_then_strict(root, "zbinary.txt");
    Collect c;
    CorpusStats st;

    /* an empty file under strict */
    char root2[256];
    snprintf(root2, sizeof root2, "%s/strict-empty", tmp_dir());
    write_str(root2, "good.txt", "A good article, with text.\n");
    write_str(root2, "nothing.md", "");
    CHECK_EQ_INT(read_corpus(root2, 1, &c, &st), -1);
    CHECK(strstr(err_msg(), "nothing.md") != NULL);
    collect_free(&c);
}

static void too_large_skipped(void)
{
    char root[256];
    snprintf(root, sizeof root, "%s/large", tmp_dir());
    write_str(root, "small.txt", "Small.\n");
    char big[200];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = '\n';
    write_bytes(root, "big.txt", big, sizeof big);
    CorpusOptions o;
    corpus_options_default(&o);
    o.max_file_bytes = 100;
    Collect c = {0};
    CorpusStats st;
    CHECK_EQ_INT(corpus_read(root, &o, collect, &c, &st), 0);
    CHECK_EQ_INT(c.n, 1);
    if (c.n == 1) CHECK_EQ_STR(c.v[0].id, "small.txt");
    CHECK_EQ_INT(st.skipped, 1);
    collect_free(&c);
}

/* A file the walk cannot read: mode 000, or, for root (who reads those
 * anyway), a symbolic link to nothing. */
static void unreadable_file(void)
{
    char root[256];
    snprintf(root, sizeof root, "%s/unreadable", tmp_dir());
    write_str(root, "a.txt", "Readable article text.\n");
    char locked[300];
    snprintf(locked, sizeof locked, "%s/b.txt", root);
    if (geteuid() == 0) {
        CHECK_EQ_INT(symlink("no-such-target.txt", locked), 0);
    } else {
        write_str(root, "b.txt", "Locked article text.\n");
        CHECK_EQ_INT(chmod(locked, 0), 0);
    }
    check_skip_then_strict(root, "b.txt");
}

/* A .txt name on something that is not a regular file is skipped with
 * what is true of it; the message once gave a stale errno (a FIFO was
 * "No such file or directory"). */
static void special_files(void)
{
    static const struct { const char *name, *why; } cases[] = {
        {"fifo.txt", "not a regular file (a FIFO)"},
        {"sock.md", "not a regular file (a socket)"},
        {"dir.txt", "not a regular file (a directory)"},
        {"gone.txt", "No such file or directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char root[256], path[320];
        snprintf(root, sizeof root, "%s/special%zu", tmp_dir(), i);
        write_str(root, "a.txt", "A good article, with text.\n");
        snprintf(path, sizeof path, "%s/%s", root, cases[i].name);
        if (i == 0) CHECK_EQ_INT(mkfifo(path, 0644), 0);
        if (i == 1) {
            int fd = socket(AF_UNIX, SOCK_STREAM, 0);
            struct sockaddr_un sa = {.sun_family = AF_UNIX};
            CHECK(fd >= 0 && strlen(path) < sizeof sa.sun_path);
            if (fd >= 0 && strlen(path) < sizeof sa.sun_path) {
                memcpy(sa.sun_path, path, strlen(path) + 1);
                CHECK_EQ_INT(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
            }
            if (fd >= 0) close(fd);
        }
        if (i == 2) CHECK_EQ_INT(symlink(".", path), 0); /* a link: the walk does not enter it */
        if (i == 3) CHECK_EQ_INT(symlink("no-such-target.txt", path), 0);
        check_skip_then_strict(root, cases[i].name);
        CHECK(strstr(err_msg(), cases[i].why) != NULL);
        if (!strstr(err_msg(), cases[i].why)) fprintf(stderr, "  got: %s\n", err_msg());
    }
}

static void callback_stops_walk(void)
{
    char root[256];
    snprintf(root, sizeof root, "%s/tree", tmp_dir());
    make_tree(root);
    Collect c = {0};
    c.stop_after = 2;
    CorpusOptions o;
    corpus_options_default(&o);
    CorpusStats st;
    CHECK_EQ_INT(corpus_read(root, &o, collect, &c, &st), 7);
    CHECK_EQ_INT(c.n, 2);
    collect_free(&c);
}

static void missing_and_empty_corpora(void)
{
    Collect c;
    CorpusStats st;
    char path[256];
    snprintf(path, sizeof path, "%s/does-not-exist", tmp_dir());
    CHECK_EQ_INT(read_corpus(path, 0, &c, &st), -1);
    CHECK(strstr(err_msg(), "does-not-exist") != NULL);
    collect_free(&c);

    /* nothing but ignored and skipped files */
    snprintf(path, sizeof path, "%s/no-articles", tmp_dir());
    write_str(path, "paper.pdf", "%PDF\n");
    write_str(path, ".hidden.txt", "hidden\n");
    write_str(path, "empty.txt", "");
    CHECK_EQ_INT(read_corpus(path, 0, &c, &st), -1);
    CHECK(strlen(err_msg()) > 0);
    CHECK_EQ_INT(c.n, 0);
    collect_free(&c);

    /* an empty directory */
    snprintf(path, sizeof path, "%s/empty-dir", tmp_dir());
    mkdir(path, 0755);
    CHECK_EQ_INT(read_corpus(path, 0, &c, &st), -1);
    collect_free(&c);

    /* an empty passages file */
    snprintf(path, sizeof path, "%s/empty.tsv", tmp_dir());
    write_str(tmp_dir(), "empty.tsv", "");
    CHECK_EQ_INT(read_corpus(path, 0, &c, &st), -1);
    collect_free(&c);
}

/* ---- passages files ---- */

static const char TSV[] = "d1\tFirst Title\tThe text of the first row.\n"
                          "bad line without tabs\n"
                          "d2\tonly one tab\n"
                          "\n"
                          "d3\t\tA row without a title.\n"
                          "d4\tCRLF Row\tText of a CRLF row.\r\n"
                          "d5\tTabs\tText\twith\ttabs inside.\n"
                          "d6\tLast Title\tThe last row has no newline at the end.";

static void check_tsv_articles(const Collect *c, const CorpusStats *st, const char *file_bytes, size_t file_len)
{
    CHECK_EQ_INT(c->n, 5);
    CHECK_EQ_INT(st->articles, 5);
    CHECK_EQ_INT(st->skipped, 2);
    const char *ids[] = {"d1", "d3", "d4", "d5", "d6"};
    for (int i = 0; i < c->n && i < 5; i++) {
        CHECK_EQ_STR(c->v[i].id, ids[i]);
        check_base(&c->v[i], file_bytes, file_len);
    }
    const Got *g;
    if ((g = find_id(c, "d1"))) {
        CHECK_EQ_STR(g->title, "First Title");
        CHECK_EQ_STR(g->text, "First Title\tThe text of the first row.");
        CHECK_EQ_INT(g->heading_end, strlen("First Title"));
        CHECK_EQ_INT(g->title_end, g->heading_end);
        CHECK_EQ_INT(g->base, 3);
    }
    if ((g = find_id(c, "d3"))) {
        CHECK_EQ_STR(g->title, "");
        CHECK_EQ_STR(g->text, "A row without a title.");
        CHECK_EQ_INT(g->heading_end, 0);
        CHECK_EQ_INT(g->title_end, 0);
    }
    if ((g = find_id(c, "d4"))) {
        CHECK_EQ_STR(g->title, "CRLF Row");
        CHECK_EQ_STR(g->text, "CRLF Row\tText of a CRLF row."); /* no '\r' */
    }
    if ((g = find_id(c, "d5"))) {
        CHECK_EQ_STR(g->title, "Tabs");
        CHECK_EQ_STR(g->text, "Tabs\tText\twith\ttabs inside.");
        CHECK_EQ_INT(g->heading_end, 4);
    }
    if ((g = find_id(c, "d6"))) CHECK_EQ_STR(g->text, "Last Title\tThe last row has no newline at the end.");
}

static void tsv_plain_and_gzip(void)
{
    char plain[256], gz[256];
    snprintf(plain, sizeof plain, "%s/rows.tsv", tmp_dir());
    snprintf(gz, sizeof gz, "%s/rows.tsv.gz", tmp_dir());
    write_str(tmp_dir(), "rows.tsv", TSV);
    write_gzip(gz, TSV, strlen(TSV));

    Collect a, b;
    CorpusStats sa, sb;
    CHECK_EQ_INT(read_corpus(plain, 0, &a, &sa), 0);
    check_tsv_articles(&a, &sa, TSV, strlen(TSV));
    CHECK_EQ_INT(read_corpus(gz, 0, &b, &sb), 0);
    check_tsv_articles(&b, &sb, TSV, strlen(TSV)); /* offsets are into the unpacked bytes */
    CHECK_EQ_INT(a.n, b.n);
    for (int i = 0; i < a.n && i < b.n && i < 64; i++) {
        CHECK_EQ_STR(a.v[i].id, b.v[i].id);
        CHECK_EQ_STR(a.v[i].title, b.v[i].title);
        CHECK_EQ_STR(a.v[i].text, b.v[i].text);
        CHECK_EQ_INT(a.v[i].base, b.v[i].base);
        CHECK_EQ_INT(a.v[i].heading_end, b.v[i].heading_end);
        CHECK_EQ_STR(b.v[i].path, gz);
    }
    CHECK_EQ_INT(sa.bytes, sb.bytes);
    collect_free(&a);
    collect_free(&b);

    /* bad lines are errors under strict */
    CHECK_EQ_INT(read_corpus(plain, 1, &a, &sa), -1);
    CHECK(strstr(err_msg(), "line 2") != NULL);
    collect_free(&a);
}

/* Many rows, so that line offsets run past zlib's and our buffer sizes. */
static void tsv_large_offsets(void)
{
    Buf all = {0};
    for (int i = 0; i < 20000; i++) {
        char row[256];
        int n = snprintf(row, sizeof row, "id%d\tTitle %d\tRow number %d says something %s.\n", i, i, i,
                         i % 7 ? "short" : "a little longer than the others, to vary the length");
        buf_append(&all, row, (size_t)n);
    }
    char plain[256], gz[256];
    snprintf(plain, sizeof plain, "%s/many.tsv", tmp_dir());
    snprintf(gz, sizeof gz, "%s/many.tsv.gz", tmp_dir());
    write_bytes(tmp_dir(), "many.tsv", all.data, all.len);
    write_gzip(gz, all.data, all.len);
    const char *paths[] = {plain, gz};
    for (int p = 0; p < 2; p++) {
        CorpusOptions o;
        corpus_options_default(&o);
        CorpusStats st;
        Collect c = {0};
        c.stop_after = 0;
        /* keep only the first 64 rows in c, but count all */
        CHECK_EQ_INT(corpus_read(paths[p], &o, collect, &c, &st), 0);
        CHECK_EQ_INT(c.n, 20000);
        CHECK_EQ_INT(st.articles, 20000);
        CHECK_EQ_INT(st.bytes, all.len);
        for (int i = 0; i < 64 && i < c.n; i++) check_base(&c.v[i], (const char *)all.data, all.len);
        collect_free(&c);
    }
    buf_free(&all);
}

static void tsv_damaged(void)
{
    /* a gzip file cut in half */
    Buf all = {0};
    unsigned seed = 12345;
    for (int i = 0; i < 5000; i++) {
        char row[256];
        seed = seed * 1103515245u + 12345u;
        int n = snprintf(row, sizeof row, "r%d\tT%u\tWords %u and %u and %u.\n", i, seed, seed >> 3, seed >> 7,
                         seed >> 11);
        buf_append(&all, row, (size_t)n);
    }
    char gz[256], cut[256], flip[256];
    snprintf(gz, sizeof gz, "%s/whole.tsv.gz", tmp_dir());
    snprintf(cut, sizeof cut, "%s/cut.tsv.gz", tmp_dir());
    snprintf(flip, sizeof flip, "%s/flip.tsv.gz", tmp_dir());
    write_gzip(gz, all.data, all.len);
    size_t glen;
    char *g = slurp(gz, &glen);
    CHECK(g != NULL && glen > 1000);
    if (g && glen > 1000) {
        write_bytes(tmp_dir(), "cut.tsv.gz", g, glen / 2);
        Collect c;
        CorpusStats st;
        CHECK_EQ_INT(read_corpus(cut, 0, &c, &st), -1);
        CHECK(strstr(err_msg(), "cut.tsv.gz") != NULL);
        CHECK(c.n < 5000);
        collect_free(&c);

        /* damaged deflate data (or its CRC) in the middle */
        for (size_t i = glen / 2; i < glen / 2 + 16; i++) g[i] ^= 0x5A;
        write_bytes(tmp_dir(), "flip.tsv.gz", g, glen);
        CHECK_EQ_INT(read_corpus(flip, 0, &c, &st), -1);
        CHECK(strstr(err_msg(), "flip.tsv.gz") != NULL);
        collect_free(&c);

        /* only the gzip header */
        write_bytes(tmp_dir(), "hdr.tsv.gz", g, 10);
        char hdr[256];
        snprintf(hdr, sizeof hdr, "%s/hdr.tsv.gz", tmp_dir());
        CHECK_EQ_INT(read_corpus(hdr, 0, &c, &st), -1);
        collect_free(&c);
    }
    free(g);
    buf_free(&all);

    /* a NUL byte in a passages file, plain or gzip: that row is skipped
     * (it once failed the whole build), the rows after it are read; under
     * strict it is an error naming the file and line */
    static const char nul[] = "a\tA\tfine row.\nb\tB\tbad \0 row.\n\0\nc\tC\tlast row.\n";
    write_bytes(tmp_dir(), "nul.tsv", nul, sizeof nul - 1);
    char p[256], pgz[256];
    snprintf(p, sizeof p, "%s/nul.tsv", tmp_dir());
    snprintf(pgz, sizeof pgz, "%s/nul.tsv.gz", tmp_dir());
    write_gzip(pgz, nul, sizeof nul - 1);
    const char *paths[] = {p, pgz};
    for (int i = 0; i < 2; i++) {
        Collect c;
        CorpusStats st;
        CHECK_EQ_INT(read_corpus(paths[i], 0, &c, &st), 0);
        CHECK_EQ_INT(c.n, 2);
        if (c.n == 2) {
            CHECK_EQ_STR(c.v[0].id, "a");
            CHECK_EQ_STR(c.v[1].id, "c");
            check_base(&c.v[1], nul, sizeof nul - 1);
        }
        CHECK_EQ_INT(st.skipped, 2);
        collect_free(&c);
        CHECK_EQ_INT(read_corpus(paths[i], 1, &c, &st), -1);
        CHECK(strstr(err_msg(), paths[i]) && strstr(err_msg(), "line 2: binary data (a NUL byte)"));
        collect_free(&c);
    }

    /* a row without an id is skipped: nothing could name its article (a
     * TREC run line had an empty field) */
    write_str(tmp_dir(), "noid.tsv", "\tNo Id\tsome text\nz\tZ\tmore text\n");
    snprintf(p, sizeof p, "%s/noid.tsv", tmp_dir());
    Collect c;
    CorpusStats st;
    CHECK_EQ_INT(read_corpus(p, 0, &c, &st), 0);
    CHECK_EQ_INT(c.n, 1);
    if (c.n == 1) CHECK_EQ_STR(c.v[0].id, "z");
    CHECK_EQ_INT(st.skipped, 1);
    collect_free(&c);
    CHECK_EQ_INT(read_corpus(p, 1, &c, &st), -1);
    CHECK(strstr(err_msg(), "line 1: empty id") != NULL);
    collect_free(&c);
}

static void cleanup(void)
{
    remove_tree(tmp_dir());
    struct stat st;
    CHECK(stat(tmp_dir(), &st) != 0);
}

TEST_MAIN("corpus_reader", T(directory_walk), T(strict_mode), T(too_large_skipped), T(unreadable_file),
          T(special_files), T(callback_stops_walk), T(missing_and_empty_corpora), T(tsv_plain_and_gzip),
          T(tsv_large_offsets), T(tsv_damaged), T(cleanup))
