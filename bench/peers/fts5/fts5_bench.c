/* Peer driver: SQLite FTS5 (Debian libsqlite3-dev), tokenize='porter unicode61', bm25
 * (FTS5's fixed k1=1.2, b=0.75).
 *
 *   index  DOCS.tsv INDEXDIR
 *   search INDEXDIR QUERIES.tsv K WARMUP_SECONDS OUT_PREFIX
 *
 * Index: INDEXDIR/docs.db with
 *   CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, tokenize='porter unicode61')
 * one row per line of id<TAB>title<TAB>text (body = title + " " + text), all inserted in one
 * transaction through one prepared statement, then INSERT INTO docs(docs) VALUES('optimize').
 * Search: the query's distinct words, each double-quoted, joined with OR, run as
 *   SELECT rowid, rank FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT ?2
 * (rank is bm25(docs), negative, lower is better; reported as -rank). Timed per query:
 * building the MATCH string, binding, and stepping through all rows. The rowid -> id lookup
 * is done after the clock stops, as the other drivers resolve their ids.
 */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *ENGINE = "fts5";

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, sqlite3 *db) {
    fprintf(stderr, "fts5_bench: %s: %s\n", what, db ? sqlite3_errmsg(db) : strerror(errno));
    exit(1);
}

static void exec(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "fts5_bench: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

static unsigned long long dir_bytes(const char *path) {
    unsigned long long total = 0;
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *e;
    char buf[4096];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(buf, sizeof buf, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(buf, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) total += dir_bytes(buf);
        else if (S_ISREG(st.st_mode)) total += (unsigned long long)st.st_size;
    }
    closedir(d);
    return total;
}

static void db_path(char *out, size_t cap, const char *dir) { snprintf(out, cap, "%s/docs.db", dir); }

static int do_index(const char *docs_path, const char *index_dir) {
    double t0 = now_s();
    if (mkdir(index_dir, 0777) != 0 && errno != EEXIST) die(index_dir, NULL);
    char path[4096];
    db_path(path, sizeof path, index_dir);
    unlink(path);
    FILE *in = fopen(docs_path, "rb");
    if (!in) die(docs_path, NULL);

    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(path, db);
    exec(db, "PRAGMA journal_mode=OFF");
    exec(db, "PRAGMA synchronous=OFF");
    exec(db, "PRAGMA cache_size=-262144"); /* 256 MiB page cache, like Lucene's RAM buffer */
    exec(db, "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, tokenize='porter unicode61')");
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(id, body) VALUES(?1, ?2)", -1, &ins, NULL) != SQLITE_OK)
        die("prepare insert", db);
    exec(db, "BEGIN");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long long n = 0;
    while ((len = getline(&line, &cap, in)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (len == 0) continue;
        char *body = "";
        char *t1 = strchr(line, '\t');
        if (t1) {
            *t1 = 0;
            body = t1 + 1;
            char *t2 = strchr(body, '\t');
            if (t2) *t2 = ' '; /* title + " " + text */
        }
        sqlite3_bind_text(ins, 1, line, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, body, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) die("insert", db);
        sqlite3_reset(ins);
        n++;
    }
    if (ferror(in)) die(docs_path, NULL);
    fclose(in);
    free(line);
    sqlite3_finalize(ins);
    exec(db, "COMMIT");
    exec(db, "INSERT INTO docs(docs) VALUES('optimize')");
    if (sqlite3_close(db) != SQLITE_OK) die("close", db);
    double secs = now_s() - t0;
    printf("{\"engine\":\"%s\",\"docs\":%llu,\"seconds\":%.3f,\"index_bytes\":%llu,\"optimized\":true}\n",
           ENGINE, n, secs, dir_bytes(index_dir));
    return 0;
}

/* ---- queries ---- */

typedef struct { sqlite3_int64 rowid; double score; } Hit;

typedef struct {
    char *qid, *text;
    Hit *hits;
    int nhits;
    double us;
} Query;

typedef struct { char *p; size_t len, cap; } Buf;

static void buf_put(Buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->len + n + 1) c *= 2;
        b->p = realloc(b->p, c);
        if (!b->p) die("realloc", NULL);
        b->cap = c;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* A word is a run of ASCII letters/digits or non-ASCII bytes (what unicode61 keeps, for the
 * text we feed it); everything else separates words. */
static int word_byte(unsigned char c) {
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int seen_word(const char *text, const char *w, size_t wl) {
    /* is the word at w (length wl) equal, ASCII case-insensitively, to an earlier word? */
    const char *p = text;
    while (p < w) {
        while (p < w && !word_byte((unsigned char)*p)) p++;
        const char *s = p;
        while (p < w && word_byte((unsigned char)*p)) p++;
        if (p > s && (size_t)(p - s) == wl && strncasecmp(s, w, wl) == 0) return 1;
    }
    return 0;
}

/* Query mode (optional last argument): "or" (default), "and" or "phrase". */
static const char *g_mode = "or";

/* "w1" OR "w2" OR ... over the distinct words ("and": AND between them;
 * "phrase": all the words in one quoted phrase); empty when there is none. */
static void match_string(const char *text, Buf *b) {
    b->len = 0;
    buf_put(b, "", 0);
    int phrase = !strcmp(g_mode, "phrase");
    const char *op = !strcmp(g_mode, "and") ? " AND " : " OR ";
    const char *p = text;
    while (*p) {
        while (*p && !word_byte((unsigned char)*p)) p++;
        const char *s = p;
        while (*p && word_byte((unsigned char)*p)) p++;
        if (p == s) continue;
        if (phrase) {
            buf_put(b, b->len ? " " : "\"", 1);
            buf_put(b, s, (size_t)(p - s));
            continue;
        }
        if (seen_word(text, s, (size_t)(p - s))) continue;
        if (b->len) buf_put(b, op, strlen(op));
        buf_put(b, "\"", 1);
        buf_put(b, s, (size_t)(p - s)); /* word bytes never include '"' */
        buf_put(b, "\"", 1);
    }
    if (phrase && b->len) buf_put(b, "\"", 1);
}

static int run_query(sqlite3 *db, sqlite3_stmt *st, const char *text, int k, Buf *m, Hit *out) {
    match_string(text, m);
    if (m->len == 0) return 0;
    sqlite3_bind_text(st, 1, m->p, (int)m->len, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, k);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n < k) {
            out[n].rowid = sqlite3_column_int64(st, 0);
            out[n].score = -sqlite3_column_double(st, 1);
            n++;
        }
    }
    if (rc != SQLITE_DONE) die("query", db);
    sqlite3_reset(st);
    return n;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t n, double p) {
    if (n == 0) return 0;
    long rank = (long)ceil(p / 100.0 * (double)n);
    if (rank < 1) rank = 1;
    if ((size_t)rank > n) rank = (long)n;
    return sorted[rank - 1];
}

static int do_search(const char *index_dir, const char *queries_path, int k, double warmup,
                     const char *out_prefix) {
    FILE *in = fopen(queries_path, "rb");
    if (!in) die(queries_path, NULL);
    Query *qs = NULL;
    size_t n = 0, qcap = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (len == 0) continue;
        if (n == qcap) {
            qcap = qcap ? 2 * qcap : 1024;
            qs = realloc(qs, qcap * sizeof *qs);
            if (!qs) die("realloc", NULL);
        }
        char *t = strchr(line, '\t');
        if (t) *t = 0;
        qs[n].qid = strdup(line);
        qs[n].text = strdup(t ? t + 1 : "");
        qs[n].hits = NULL;
        qs[n].nhits = 0;
        n++;
    }
    fclose(in);
    free(line);

    char path[4096];
    db_path(path, sizeof path, index_dir);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) die(path, db);
    exec(db, "PRAGMA cache_size=-262144");
    exec(db, "PRAGMA mmap_size=2147418112");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT rowid, rank FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        die("prepare query", db);

    Buf m = {0};
    Hit *scratch = malloc((size_t)k * sizeof *scratch);
    if (!scratch) die("malloc", NULL);
    double warm_end = now_s() + warmup;
    do {
        for (size_t i = 0; i < n; i++) run_query(db, st, qs[i].text, k, &m, scratch);
    } while (now_s() < warm_end);

    /* Timed passes over the whole list (BENCH_PASSES, default 1); a query's
     * time is its fastest, which keeps a busy moment of the machine out of
     * the figures. The hits kept are the first pass's. */
    const char *pv = getenv("BENCH_PASSES");
    int passes = pv ? atoi(pv) : 1;
    if (passes < 1) passes = 1;
    for (int pass = 0; pass < passes; pass++) {
        for (size_t i = 0; i < n; i++) {
            double t0 = now_s();
            int nh = run_query(db, st, qs[i].text, k, &m, scratch);
            double us = (now_s() - t0) * 1e6;
            if (pass == 0 || us < qs[i].us) qs[i].us = us;
            if (pass) continue;
            qs[i].nhits = nh;
            qs[i].hits = malloc((size_t)(nh ? nh : 1) * sizeof(Hit));
            if (!qs[i].hits) die("malloc", NULL);
            memcpy(qs[i].hits, scratch, (size_t)nh * sizeof(Hit));
        }
    }
    double total = 0;
    for (size_t i = 0; i < n; i++) total += qs[i].us / 1e6;

    /* outputs, untimed: rowid -> id */
    sqlite3_stmt *idq;
    if (sqlite3_prepare_v2(db, "SELECT id FROM docs WHERE rowid = ?1", -1, &idq, NULL) != SQLITE_OK)
        die("prepare id lookup", db);
    char tpath[4096], rpath[4096];
    snprintf(tpath, sizeof tpath, "%s.times", out_prefix);
    snprintf(rpath, sizeof rpath, "%s.run", out_prefix);
    FILE *tf = fopen(tpath, "w"), *rf = fopen(rpath, "w");
    if (!tf || !rf) die(out_prefix, NULL);
    double *us = malloc((n ? n : 1) * sizeof *us);
    if (!us) die("malloc", NULL);
    for (size_t i = 0; i < n; i++) {
        us[i] = qs[i].us;
        fprintf(tf, "%s\t%.3f\n", qs[i].qid, qs[i].us);
        for (int j = 0; j < qs[i].nhits; j++) {
            sqlite3_bind_int64(idq, 1, qs[i].hits[j].rowid);
            if (sqlite3_step(idq) != SQLITE_ROW) die("id lookup", db);
            fprintf(rf, "%s Q0 %s %d %.6f %s\n", qs[i].qid, (const char *)sqlite3_column_text(idq, 0),
                    j + 1, qs[i].hits[j].score, ENGINE);
            sqlite3_reset(idq);
        }
    }
    if (fclose(tf) != 0 || fclose(rf) != 0) die("write", NULL);
    qsort(us, n, sizeof *us, cmp_double);
    printf("{\"engine\":\"%s\",\"queries\":%zu,\"k\":%d,\"mean_us\":%.3f,\"p50_us\":%.3f,"
           "\"p95_us\":%.3f,\"p99_us\":%.3f,\"qps\":%.1f}\n",
           ENGINE, n, k, n ? total * 1e6 / (double)n : 0.0, percentile(us, n, 50),
           percentile(us, n, 95), percentile(us, n, 99), total > 0 ? (double)n / total : 0.0);

    sqlite3_finalize(idq);
    sqlite3_finalize(st);
    sqlite3_close(db);
    for (size_t i = 0; i < n; i++) { free(qs[i].qid); free(qs[i].text); free(qs[i].hits); }
    free(qs);
    free(us);
    free(scratch);
    free(m.p);
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: fts5_bench index DOCS.tsv INDEXDIR\n"
                    "       fts5_bench search INDEXDIR QUERIES.tsv K WARMUP_SECONDS OUT_PREFIX [or|and|phrase]\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "index")) return do_index(argv[2], argv[3]);
    if ((argc == 7 || argc == 8) && !strcmp(argv[1], "search")) {
        if (argc == 8) g_mode = argv[7];
        if (strcmp(g_mode, "or") && strcmp(g_mode, "and") && strcmp(g_mode, "phrase")) return usage();
        long k = strtol(argv[4], NULL, 10);
        double warm = strtod(argv[5], NULL);
        if (k < 1 || k > 1000000 || warm < 0) return usage();
        return do_search(argv[2], argv[3], (int)k, warm, argv[6]);
    }
    return usage();
}
