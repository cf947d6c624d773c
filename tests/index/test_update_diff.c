/*
 * test_update_diff.c: differential test of updates. Random sequences of
 * what people do to a corpus (edit, add, remove, rename, restore an old copy
 * with its old mtime, rewrite a file unchanged, touch, give the corpus by
 * another spelling of its path or through a symlink, switch between a
 * directory of articles and a passages file), and after every step the
 * updated index must be the index a --full rebuild gives: the same live
 * passages with the same records (id, path, title, place, byte range,
 * text), the same statistics, and bitwise the same scores for random
 * queries, pruned or exhaustive.
 *
 * DIFF_ROUNDS (default 200) and DIFF_SEED set the length and the sequence;
 * `make soak` runs it far longer.
 */
#include <sys/stat.h>
#include <zlib.h>

#include "check.h"
#include "testcorpus.h"

#define VOCAB 150
#define NFILES 48
#define NROWS 48
#define NSAVED 32

static char root[256];
static IndexerReport last;

/* ---- the corpus ---- */

static void random_text(Buf *b, int one_line)
{
    unsigned paras = 1 + tc_rand() % 3;
    for (unsigned p = 0; p < paras; p++) {
        unsigned n = 4 + tc_rand() % 45;
        for (unsigned w = 0; w < n; w++) {
            char word[16];
            int len = snprintf(word, sizeof word, "%sw%u%s", w ? " " : "", tc_word(VOCAB), w % 11 == 10 ? "." : "");
            buf_append(b, word, (size_t)len);
        }
        buf_append(b, one_line ? ". " : ".\n\n", one_line ? 2 : 3);
    }
}

typedef struct {
    char *text;     /* NULL: none */
    size_t len;
    struct timespec mtime;
} Saved;

/* directory mode: dir/aNN.txt, some in dir/sub/ */
static int file_exists[NFILES];
static Saved saved_files[NSAVED];
static int saved_file_slot[NSAVED];

/* passages mode: docs.tsv, rows of id, title, text */
typedef struct {
    char id[16], title[32];
    char *text;
} Row;
static Row rows[NROWS];
static size_t nrows;
static Saved saved_tsv[NSAVED];

static void file_name(unsigned i, char *out, size_t cap)
{
    snprintf(out, cap, "%s/dir/%sa%02u.txt", root, i % 5 == 0 ? "sub/" : "", i);
}

static char *slurp(const char *path, struct timespec *mtime, size_t *lenp)
{
    char *data;
    size_t len;
    if (read_file(path, 1u << 24, &data, &len) != 0) return NULL;
    if (lenp) *lenp = len;
    struct stat st;
    if (mtime && stat(path, &st) == 0) *mtime = st.st_mtim;
    return data;
}

static void save_version(Saved *ring, int *slots, int slot, const char *path)
{
    unsigned k = tc_rand() % NSAVED;
    free(ring[k].text);
    ring[k].text = slurp(path, &ring[k].mtime, &ring[k].len);
    if (slots) slots[k] = slot;
}

static void write_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK_EQ_INT(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void set_mtime(const char *path, struct timespec t)
{
    struct timespec ts[2] = {{0, UTIME_OMIT}, t};
    CHECK_EQ_INT(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void write_file(unsigned i)
{
    char path[512];
    file_name(i, path, sizeof path);
    if (file_exists[i]) save_version(saved_files, saved_file_slot, (int)i, path);
    Buf b = {0};
    if (tc_rand() % 3 == 0) buf_append(&b, "A title line\n\n", 14);
    random_text(&b, 0);
    write_bytes(path, (const char *)b.data, b.len);
    buf_free(&b);
    file_exists[i] = 1;
}

static unsigned pick_file(int want)
{
    for (;;) {
        unsigned i = tc_rand() % NFILES;
        if (file_exists[i] == want) return i;
    }
}

static int nexisting(void)
{
    int n = 0;
    for (unsigned i = 0; i < NFILES; i++) n += file_exists[i];
    return n;
}

/* What one round does to a directory corpus; counts restores. */
static void change_dir(unsigned *restores)
{
    char a[512], b[512];
    switch (tc_rand() % 8) {
    case 0: /* edits */
        for (unsigned k = 1 + tc_rand() % 3; k-- && nexisting();) write_file(pick_file(1));
        break;
    case 1: /* additions */
        for (unsigned k = 1 + tc_rand() % 3; k-- && nexisting() < NFILES;) write_file(pick_file(0));
        break;
    case 2: /* a removal */
        if (nexisting() > 2) {
            unsigned i = pick_file(1);
            file_name(i, a, sizeof a);
            save_version(saved_files, saved_file_slot, (int)i, a);
            CHECK_EQ_INT(unlink(a), 0);
            file_exists[i] = 0;
        }
        break;
    case 3: /* a rename: the same inode and mtime under another id */
        if (nexisting() < NFILES) {
            unsigned i = pick_file(1), j = pick_file(0);
            file_name(i, a, sizeof a);
            file_name(j, b, sizeof b);
            CHECK_EQ_INT(rename(a, b), 0);
            file_exists[i] = 0;
            file_exists[j] = 1;
        }
        break;
    case 4: { /* an old copy restored with its old mtime (cp -p, mv of a backup) */
        unsigned k = tc_rand() % NSAVED;
        if (!saved_files[k].text) break;
        unsigned i = (unsigned)saved_file_slot[k];
        file_name(i, a, sizeof a);
        if (file_exists[i]) save_version(saved_files, saved_file_slot, (int)i, a);
        if (!saved_files[k].text) break; /* save_version took this very slot */
        write_bytes(a, saved_files[k].text, saved_files[k].len);
        set_mtime(a, saved_files[k].mtime);
        file_exists[i] = 1;
        (*restores)++;
        break;
    }
    case 5: { /* the same bytes written anew (rsync: a temporary renamed over) */
        if (!nexisting()) break;
        unsigned i = pick_file(1);
        file_name(i, a, sizeof a);
        struct timespec t;
        size_t len = 0;
        char *text = slurp(a, &t, &len);
        snprintf(b, sizeof b, "%s/dir/.tmp", root);
        if (text) write_bytes(b, text, len);
        if (text && tc_rand() % 2) set_mtime(b, t);
        CHECK_EQ_INT(rename(b, a), 0);
        free(text);
        break;
    }
    case 6: /* a touch */
        if (nexisting()) {
            file_name(pick_file(1), a, sizeof a);
            struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
            utimensat(AT_FDCWD, a, ts, 0);
        }
        break;
    default: /* nothing */
        break;
    }
}

static void tsv_bytes(Buf *b)
{
    for (size_t r = 0; r < nrows; r++) {
        buf_append(b, rows[r].id, strlen(rows[r].id));
        buf_put_u8(b, '\t');
        buf_append(b, rows[r].title, strlen(rows[r].title));
        buf_put_u8(b, '\t');
        buf_append(b, rows[r].text, strlen(rows[r].text));
        buf_put_u8(b, '\n');
    }
}

static void write_tsv(int gzip)
{
    char path[512];
    snprintf(path, sizeof path, "%s/docs.tsv", root);
    save_version(saved_tsv, NULL, 0, path);
    Buf b = {0};
    tsv_bytes(&b);
    if (gzip) { /* the reader takes gzip as it takes plain text */
        gzFile g = gzopen(path, "wb");
        CHECK(g != NULL);
        if (g) {
            CHECK_EQ_INT(gzwrite(g, b.data, (unsigned)b.len), b.len);
            gzclose(g);
        }
    } else {
        write_bytes(path, (const char *)b.data, b.len);
    }
    buf_free(&b);
}

static void new_row(Row *r)
{
    /* ids repeat now and then: rows with one id are matched in order */
    snprintf(r->id, sizeof r->id, "r%u", tc_rand() % (NROWS + NROWS / 4));
    snprintf(r->title, sizeof r->title, tc_rand() % 4 ? "Title %u" : "", tc_rand() % 50);
    Buf b = {0};
    random_text(&b, 1);
    buf_put_u8(&b, 0);
    r->text = xstrdup((const char *)b.data);
    buf_free(&b);
}

/* A restore puts the old bytes back, so the rows are read back from them. */
static void rows_from_file(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/docs.tsv", root);
    gzFile g = gzopen(path, "rb");
    for (size_t r = 0; r < nrows; r++) free(rows[r].text);
    nrows = 0;
    char line[8192];
    while (g && gzgets(g, line, sizeof line) && nrows < NROWS) {
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) continue;
        line[strcspn(line, "\n")] = 0;
        Row *r = &rows[nrows++];
        snprintf(r->id, sizeof r->id, "%.*s", (int)(t1 - line), line);
        snprintf(r->title, sizeof r->title, "%.*s", (int)(t2 - t1 - 1), t1 + 1);
        r->text = xstrdup(t2 + 1);
    }
    if (g) gzclose(g);
}

static void change_tsv(unsigned *restores)
{
    size_t r = nrows ? tc_rand() % nrows : 0;
    switch (tc_rand() % 10) {
    case 0: /* a row edited */
        if (nrows) {
            free(rows[r].text);
            char id[16];
            memcpy(id, rows[r].id, sizeof id);
            new_row(&rows[r]);
            memcpy(rows[r].id, id, sizeof id);
        }
        break;
    case 1: /* rows added, anywhere */
        for (unsigned k = 1 + tc_rand() % 3; k-- && nrows < NROWS;) {
            size_t at = tc_rand() % (nrows + 1);
            memmove(&rows[at + 1], &rows[at], (nrows - at) * sizeof *rows);
            new_row(&rows[at]);
            nrows++;
        }
        break;
    case 2: /* a row removed */
        if (nrows > 2) {
            free(rows[r].text);
            memmove(&rows[r], &rows[r + 1], (nrows - r - 1) * sizeof *rows);
            nrows--;
        }
        break;
    case 3: /* a row moved */
        if (nrows > 1) {
            Row t = rows[r];
            memmove(&rows[r], &rows[r + 1], (nrows - r - 1) * sizeof *rows);
            size_t at = tc_rand() % nrows;
            memmove(&rows[at + 1], &rows[at], (nrows - 1 - at) * sizeof *rows);
            rows[at] = t;
        }
        break;
    case 4: { /* an old copy restored with its old mtime */
        unsigned k = tc_rand() % NSAVED;
        if (!saved_tsv[k].text) break;
        size_t len = saved_tsv[k].len;
        char path[512], *text = memcpy(xmalloc(len + 1), saved_tsv[k].text, len + 1);
        struct timespec t = saved_tsv[k].mtime;
        snprintf(path, sizeof path, "%s/docs.tsv", root);
        save_version(saved_tsv, NULL, 0, path);
        write_bytes(path, text, len);
        set_mtime(path, t);
        free(text);
        rows_from_file();
        (*restores)++;
        return;
    }
    case 5: { /* touched */
        char path[512];
        snprintf(path, sizeof path, "%s/docs.tsv", root);
        struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
        utimensat(AT_FDCWD, path, ts, 0);
        return;
    }
    case 6: case 7: case 8: /* unchanged, not even written */
        return;
    default: /* written again as it is */
        break;
    }
    write_tsv(tc_rand() % 6 == 0);
}

/* ---- builds ---- */

/* The corpus path, in one of its spellings (cwd is root). */
static const char *spelling(int tsv, unsigned *variants)
{
    static char abs_path[512];
    static const char *dirs[] = {"dir", "dir/", "./dir", ".//dir//", "dirlink"};
    static const char *files[] = {"docs.tsv", "./docs.tsv", ".//docs.tsv", "docs-link.tsv"};
    unsigned k = tc_rand() % 16;
    if (k >= 5) return tsv ? "docs.tsv" : "dir"; /* mostly the same: the shortcuts get used */
    (*variants)++;
    if (k == 4) {
        snprintf(abs_path, sizeof abs_path, "%s/%s", root, tsv ? "docs.tsv" : "dir");
        return abs_path;
    }
    return tsv ? files[k] : dirs[k];
}

static int build(const char *corpus, const char *name, int full)
{
    IndexerOptions o;
    indexer_options_default(&o);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    o.passage_words = 30;
    o.full = full;
    o.threads = 1 + (int)(tc_rand() % 2);
    char idx[512];
    snprintf(idx, sizeof idx, "%s/%s", root, name);
    int rc = indexer_build(corpus, idx, &o, &last);
    if (rc != 0) fprintf(stderr, "  build of %s from %s failed: %s\n", name, corpus, err_msg());
    return rc;
}

static Index *open_named(const char *name)
{
    char idx[512];
    snprintf(idx, sizeof idx, "%s/%s", root, name);
    return index_open(idx);
}

/* ---- comparison ---- */

static int by_string(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every live passage as one line: its article's id, path and title, its
 * ordinal, byte range and text; sorted. */
static size_t records(Index *ix, char ***out)
{
    size_t n = 0;
    *out = xmalloc((index_pid_limit(ix) + 1) * sizeof **out);
    Buf text = {0}, line = {0};
    for (uint32_t pid = 0; pid < index_pid_limit(ix); pid++) {
        if (index_deleted(ix, pid)) continue;
        PassageInfo p;
        ArticleInfo a;
        CHECK(index_passage(ix, pid, &p) == 0 && index_article(ix, p.article, &a) == 0 &&
              index_passage_text(ix, pid, &text) == 0);
        char head[128];
        line.len = 0;
        buf_append(&line, a.id, a.id_len);
        buf_put_u8(&line, '|');
        buf_append(&line, a.path, a.path_len);
        buf_put_u8(&line, '|');
        buf_append(&line, a.title, a.title_len);
        int len = snprintf(head, sizeof head, "|%u/%u|%llu-%llu|", p.ordinal, a.npassages,
                           (unsigned long long)p.start, (unsigned long long)p.end);
        buf_append(&line, head, (size_t)len);
        buf_append(&line, text.data, text.len);
        buf_put_u8(&line, 0);
        (*out)[n++] = xstrdup((const char *)line.data);
    }
    buf_free(&text);
    buf_free(&line);
    qsort(*out, n, sizeof **out, by_string);
    return n;
}

static int same_records(Index *a, Index *b)
{
    char **ra, **rb;
    size_t na = records(a, &ra), nb = records(b, &rb), i = 0;
    while (i < na && i < nb && !strcmp(ra[i], rb[i])) i++;
    int same = na == nb && i == na;
    if (!same)
        fprintf(stderr, "  records differ (%zu and %zu live passages); first difference:\n    update:  %.200s\n"
                        "    rebuild: %.200s\n", na, nb, i < na ? ra[i] : "(none)", i < nb ? rb[i] : "(none)");
    for (size_t k = 0; k < na; k++) free(ra[k]);
    for (size_t k = 0; k < nb; k++) free(rb[k]);
    free(ra);
    free(rb);
    return same;
}

typedef struct {
    char key[96];
    float score;
} DiffHit;

static int by_key(const void *a, const void *b) { return strcmp(((const DiffHit *)a)->key, ((const DiffHit *)b)->key); }

/* Every passage the query matches (exhaustive), keyed by article id and
 * ordinal, in key order; and whether the pruned top 10 is the exhaustive one. */
static size_t hits(Index *ix, const char *q, DiffHit *out, size_t cap, int *pruned_ok)
{
    TcSearch s;
    tc_search_open(&s, ix);
    TopK all, top, pruned;
    topk_init(&all, cap, NULL);
    topk_init(&top, 10, NULL);
    topk_init(&pruned, 10, NULL);
    size_t n = 0;
    *pruned_ok = 1;
    if (tc_search_parse(&s, q) == 0) {
        if (search_run(algorithm_find("exhaustive"), &s.ctx, &all) == 0) n = topk_sorted(&all);
        CHECK_EQ_INT(search_run(algorithm_find("exhaustive"), &s.ctx, &top), 0);
        CHECK_EQ_INT(search_run(algorithm_default(), &s.ctx, &pruned), 0);
        size_t nt = topk_sorted(&top), np = topk_sorted(&pruned);
        *pruned_ok = nt == np;
        for (size_t i = 0; *pruned_ok && i < nt; i++)
            *pruned_ok = top.heap[i].pid == pruned.heap[i].pid && top.heap[i].score == pruned.heap[i].score;
    }
    for (size_t i = 0; i < n; i++) {
        PassageInfo p;
        ArticleInfo a;
        index_passage(ix, all.heap[i].pid, &p);
        index_article(ix, p.article, &a);
        snprintf(out[i].key, sizeof out[i].key, "%.*s#%u", (int)a.id_len, a.id, p.ordinal);
        out[i].score = all.heap[i].score;
    }
    qsort(out, n, sizeof *out, by_key);
    topk_free(&all);
    topk_free(&top);
    topk_free(&pruned);
    tc_search_close(&s);
    return n;
}

static int same_scores(Index *a, Index *b)
{
    static DiffHit ha[4096], hb[4096];
    int same = 1;
    for (int k = 0; k < 8 && same; k++) {
        char q[96];
        unsigned x = tc_word(VOCAB), y = tc_word(VOCAB), z = tc_word(VOCAB);
        switch (tc_rand() % 4) {
        case 0: snprintf(q, sizeof q, "w%u w%u w%u", x, y, z); break;
        case 1: snprintf(q, sizeof q, "\"w%u w%u\" w%u", x, y, z); break;
        case 2: snprintf(q, sizeof q, "+w%u w%u", x, y); break;
        default: snprintf(q, sizeof q, "w%u*", x % 15); break;
        }
        int pa, pb;
        size_t na = hits(a, q, ha, 4096, &pa), nb = hits(b, q, hb, 4096, &pb);
        same = na == nb && pa && pb;
        for (size_t i = 0; same && i < na; i++) same = !strcmp(ha[i].key, hb[i].key) && ha[i].score == hb[i].score;
        if (!same) fprintf(stderr, "  query '%s': %zu and %zu hits, pruned ok %d %d\n", q, na, nb, pa, pb);
    }
    return same;
}

static int same_stats(Index *a, Index *b)
{
    const IndexStats *s = index_stats(a), *t = index_stats(b);
    int same = s->passages == t->passages && s->articles == t->articles && s->total_length == t->total_length &&
               s->postings == t->postings;
    if (!same)
        fprintf(stderr, "  statistics differ: %llu/%llu passages, %llu/%llu articles\n",
                (unsigned long long)s->passages, (unsigned long long)t->passages, (unsigned long long)s->articles,
                (unsigned long long)t->articles);
    return same;
}

/* ---- the test ---- */

static unsigned env_unsigned(const char *name, unsigned dflt)
{
    const char *v = getenv(name);
    return v && *v ? (unsigned)strtoul(v, NULL, 10) : dflt;
}

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/search-diff-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    CHECK_EQ_INT(chdir(root), 0);
    CHECK_EQ_INT(mkdir("dir", 0755), 0);
    CHECK_EQ_INT(mkdir("dir/sub", 0755), 0);
    CHECK_EQ_INT(symlink("dir", "dirlink"), 0);
    CHECK_EQ_INT(symlink("docs.tsv", "docs-link.tsv"), 0);
    for (unsigned i = 0; i < 20; i++) write_file(pick_file(0));
    for (nrows = 0; nrows < 20; nrows++) new_row(&rows[nrows]);
    write_tsv(0);
}

static void test_updates_equal_rebuilds(void)
{
    unsigned rounds = env_unsigned("DIFF_ROUNDS", 200);
    tc_seed = env_unsigned("DIFF_SEED", 25);
    setup();
    int tsv = 0, failed_round = -1;
    unsigned restores = 0, variants = 0, switches = 0, unread_dir = 0, unread_tsv = 0, changed = 0, removed = 0;
    CHECK_EQ_INT(build("dir", "inc", 0), 0);
    for (unsigned round = 0; round < rounds && failed_round < 0; round++) {
        if (tc_rand() % 25 == 0) tsv = !tsv, switches++;
        if (tsv) change_tsv(&restores);
        else change_dir(&restores);
        const char *corpus = spelling(tsv, &variants);
        if (build(corpus, "inc", 0) != 0 || !last.incremental) {
            CHECK(0);
            failed_round = (int)round;
            break;
        }
        if (tsv) unread_tsv += (unsigned)last.unread;
        else unread_dir += (unsigned)last.unread;
        changed += (unsigned)last.changed;
        removed += (unsigned)last.removed;
        CHECK_EQ_INT(build(corpus, "full", 1), 0);
        Index *inc = open_named("inc"), *full = open_named("full");
        CHECK(inc && full);
        int ok = inc && full && same_stats(inc, full) && same_records(inc, full) && same_scores(inc, full);
        if (ok && round % 20 == 19) {
            IndexCheck ck;
            ok = index_check(inc, &ck) == 0;
            if (!ok) fprintf(stderr, "%.*s", (int)ck.report.len, (const char *)ck.report.data);
            buf_free(&ck.report);
        }
        if (!ok) {
            fprintf(stderr, "  round %u (%s, corpus '%s'): the update differs from the rebuild\n", round,
                    tsv ? "passages file" : "directory", corpus);
            failed_round = (int)round;
        }
        CHECK(ok);
        index_close(inc);
        index_close(full);
    }
    /* the paths this test is for were taken */
    if (rounds >= 200 && failed_round < 0) {
        CHECK(restores > 5);
        CHECK(variants > 5);
        CHECK(switches > 1);
        CHECK(unread_dir > 0);
        CHECK(unread_tsv > 0);
        CHECK(changed > 0 && removed > 0);
    }
    printf("  %u rounds (seed %u): %u restores, %u path spellings, %u switches, files not read %u+%u\n", rounds,
           env_unsigned("DIFF_SEED", 25), restores, variants, switches, unread_dir, unread_tsv);
    for (size_t r = 0; r < nrows; r++) free(rows[r].text);
    for (unsigned k = 0; k < NSAVED; k++) free(saved_files[k].text), free(saved_tsv[k].text);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (failed_round < 0) CHECK_EQ_INT(system(cmd), 0);
    else fprintf(stderr, "  kept %s for a look\n", root);
}

int main(void)
{
    static const TestCase cases[] = {T(test_updates_equal_rebuilds)};
    return run_tests("update_diff", cases, sizeof cases / sizeof cases[0]);
}
