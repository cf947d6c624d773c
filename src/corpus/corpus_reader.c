/*
 * corpus_reader.c: turns a corpus path into Articles.
 *
 * Two sources, one callback: a directory tree of .txt/.md articles (walked
 * in sorted order so that passage ids are the same on every machine; a
 * single .txt/.md file is a tree of one), or a passages file (any other
 * name) of id<TAB>title<TAB>text lines read through zlib, which reads
 * plain and gzip files alike. Problems with one file are warned about and the
 * file skipped, so one bad file does not sink a large build; --strict turns
 * them into errors.
 */
#include "corpus/corpus.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

void corpus_options_default(CorpusOptions *o)
{
    memset(o, 0, sizeof *o);
    o->max_file_bytes = (size_t)1 << 30; /* 1 GiB: larger is not an article */
    o->strict = 0;
}

typedef struct {
    const CorpusOptions *opt;
    article_fn fn;
    void *ctx;
    CorpusStats *stats;
    const char *root; /* the corpus directory, to make relative ids */
    size_t id_at;     /* where an article id starts in its path */
    int64_t now;      /* stamp_clock() before the first stat */
} Walk;

static void warn(Walk *w, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void warn(Walk *w, const char *fmt, ...)
{
    if (!w->opt->warn) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    w->opt->warn(w->opt->warn_ctx, line);
}

/* A per-file problem: a warning normally, an error under --strict. */
static int skip_file(Walk *w, const char *path, const char *why)
{
    w->stats->skipped++;
    if (w->opt->strict) {
        err_set("%s: %s", path, why);
        return -1;
    }
    warn(w, "skipping %s: %s", path, why);
    return 0;
}


/* ---- titles ---- */

char *title_from_filename(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char *t = xstrndup(base, n);
    for (size_t i = 0; i < n; i++)
        if (t[i] == '-' || t[i] == '_') t[i] = ' ';
    if (t[0] >= 'a' && t[0] <= 'z') t[0] = (char)(t[0] - 'a' + 'A');
    return t;
}

/* Skips leading white space, NBSP, bullets, '#' marks and list numbering
 * ("1.", "2)") so that "  • Title" and "5. Reducing ..." read as their words. */
static size_t skip_line_marks(const char *s, size_t len)
{
    size_t i = 0;
    for (;;) {
        size_t before = i;
        while (i < len && is_blank((unsigned char)s[i])) i++;
        if (i + 1 < len && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xA0) i += 2;
        if (i + 2 < len && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
            (unsigned char)s[i + 2] == 0xA2)
            i += 3; /* U+2022 bullet */
        while (i < len && (s[i] == '#' || s[i] == '*' || s[i] == '-' || s[i] == '>')) i++;
        if (i == before) break;
    }
    size_t d = i;
    while (d < len && s[d] >= '0' && s[d] <= '9') d++;
    if (d > i && d < len && (s[d] == '.' || s[d] == ')')) i = d + 1;
    while (i < len && is_blank((unsigned char)s[i])) i++;
    return i;
}

int line_is_heading(const char *s, size_t len)
{
    size_t i = skip_line_marks(s, len);
    while (len > i && is_blank((unsigned char)s[len - 1])) len--;
    if (len <= i || len - i > 120) return 0;
    char last = s[len - 1];
    if (last == '.' || last == ',' || last == ';') return 0;
    for (size_t j = i; j + 1 < len; j++) /* a sentence end inside: running text */
        if ((s[j] == '.' || s[j] == '!' || s[j] == '?') && s[j + 1] == ' ') return 0;
    size_t words = count_words(s, i, len);
    return words >= 1 && words <= 15;
}

/* Title of a file article: its first non-blank line when that reads as a
 * heading (marks stripped), else one made from the file name. *line_end
 * gets the end of the title's line, or 0 when the title is not in the text. */
static char *article_title(const char *path, const char *text, size_t len, size_t *line_end)
{
    size_t i = 0;
    *line_end = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n') e++;
        size_t m = skip_line_marks(text + i, e - i);
        if (i + m < e) {
            if (!line_is_heading(text + i, e - i)) break;
            size_t end = e;
            while (end > i + m && is_blank((unsigned char)text[end - 1])) end--;
            if (end > i + m && text[end - 1] == ':') end--;
            *line_end = e;
            return xstrndup(text + i + m, end - (i + m));
        }
        i = e + 1;
    }
    return title_from_filename(path);
}

/* ---- directory articles ---- */

static int has_article_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".txt") == 0 || strcasecmp(dot, ".md") == 0);
}

static int64_t mtime_ns(const struct stat *st) { return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec; }
static int64_t ctime_ns(const struct stat *st) { return (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec; }

int64_t stamp_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME_COARSE, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

uint64_t file_stamp(const struct stat *st, int64_t now)
{
    int64_t m = mtime_ns(st), c = ctime_ns(st), latest = m > c ? m : c;
    int whole_seconds = m % 1000000000 == 0 && c % 1000000000 == 0;
    if (latest >= now - (whole_seconds ? 2000000000 : 10000000)) return 0;
    uint64_t f[5] = {(uint64_t)st->st_size, (uint64_t)m, (uint64_t)c, (uint64_t)st->st_ino, (uint64_t)st->st_dev};
    uint64_t h = hash64(f, sizeof f, 0x5354414d50ull);
    return h ? h : 1;
}

static int read_article_file(Walk *w, const char *path, const char *id, const struct stat *st)
{
    if (w->opt->unchanged && w->opt->unchanged(w->opt->unchanged_ctx, id, path, file_stamp(st, w->now))) {
        w->stats->unchanged++;
        return 0;
    }
    char *data;
    size_t len;
    if (read_file(path, w->opt->max_file_bytes, &data, &len) != 0) {
        const char *msg = err_msg();
        const char *colon = strstr(msg, ": ");
        return skip_file(w, path, colon ? colon + 2 : msg);
    }
    size_t off = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) off = 3; /* BOM */
    int rc = 0;
    if (all_blank(data + off, len - off)) {
        rc = skip_file(w, path, "empty file");
    } else if (memchr(data, 0, len)) {
        rc = skip_file(w, path, "binary file (contains NUL bytes)");
    } else {
        size_t title_end;
        char *title = article_title(path, data + off, len - off, &title_end);
        Article a = {id, path, title, data + off, len - off, off, 0, title_end, (uint64_t)st->st_size, mtime_ns(st)};
        w->stats->articles++;
        w->stats->bytes += len;
        rc = w->fn(w->ctx, &a);
        free(title);
    }
    free(data);
    return rc;
}

static int skip_entry(const struct dirent *d) { return d->d_name[0] != '.'; }

/* dir/name, without a "./" in front or a doubled slash. */
static char *join_path(const char *dir, const char *name)
{
    if (!strcmp(dir, ".")) return xstrdup(name);
    size_t dl = strlen(dir), need = dl + strlen(name) + 2;
    char *path = xmalloc(need);
    snprintf(path, need, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
    return path;
}

char *corpus_clean_path(const char *path)
{
    size_t n = strlen(path);
    char *out = xmalloc(n + 2), *o = out;
    int absolute = path[0] == '/';
    if (absolute) *o++ = '/';
    for (const char *p = path; *p;) {
        while (*p == '/') p++;
        const char *e = p;
        while (*e && *e != '/') e++;
        if (e > p && !(e - p == 1 && *p == '.')) {
            if (o > out && o[-1] != '/') *o++ = '/';
            memcpy(o, p, (size_t)(e - p));
            o += e - p;
        }
        p = e;
    }
    if (o == out) *o++ = '.';
    *o = 0;
    return out;
}

/* Why a file that is there is not read as an article. */
static const char *not_regular(const struct stat *st)
{
    if (S_ISDIR(st->st_mode)) return "not a regular file (a directory)";
    if (S_ISFIFO(st->st_mode)) return "not a regular file (a FIFO)";
    if (S_ISSOCK(st->st_mode)) return "not a regular file (a socket)";
    if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) return "not a regular file (a device)";
    return "not a regular file";
}

static int walk_dir(Walk *w, const char *dir)
{
    struct dirent **list;
    int n = scandir(dir, &list, skip_entry, alphasort);
    if (n < 0) {
        if (dir == w->root) {
            err_set("cannot read corpus directory %s: %s", dir, strerror(errno));
            return -1;
        }
        return skip_file(w, dir, strerror(errno));
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0) {
            char *path = join_path(dir, list[i]->d_name);
            struct stat st;
            /* lstat: symlinked directories are not followed, so no loops */
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                rc = walk_dir(w, path);
            } else if (has_article_ext(list[i]->d_name)) {
                /* errno only after a failed stat: a FIFO named x.txt once
                 * got whatever an earlier call had left there */
                if (stat(path, &st) != 0) rc = skip_file(w, path, strerror(errno));
                else if (S_ISREG(st.st_mode)) rc = read_article_file(w, path, path + w->id_at, &st);
                else rc = skip_file(w, path, not_regular(&st));
            }
            free(path);
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

/* ---- passages files (TSV, maybe gzip) ---- */

typedef struct {
    gzFile gz;
    uint8_t *in;       /* unpacked bytes not yet consumed */
    size_t in_pos, in_len;
    char *buf;         /* current line */
    size_t len, cap;   /* its length / allocation */
    uint64_t offset;   /* unpacked file offset of buf[0] */
    uint64_t next;     /* offset of the following line */
} LineReader;

#define READ_CHUNK (1 << 20)

static int refill(LineReader *r)
{
    int got = gzread(r->gz, r->in, READ_CHUNK);
    if (got < 0) {
        int errnum;
        const char *m = gzerror(r->gz, &errnum);
        err_set("%s", errnum == Z_BUF_ERROR ? "truncated gzip data" : m);
        return -1;
    }
    r->in_pos = 0;
    r->in_len = (size_t)got;
    if (got == 0) { /* end of data: was it a clean end? */
        int errnum;
        const char *m = gzerror(r->gz, &errnum);
        if (errnum != Z_OK) {
            err_set("%s", errnum == Z_BUF_ERROR ? "truncated gzip data" : m);
            return -1;
        }
    }
    return got;
}

/* Reads one line (without its '\n'); returns 1, 0 at end, -1 on error. */
static int read_line(LineReader *r)
{
    r->len = 0;
    r->offset = r->next;
    for (;;) {
        if (r->in_pos == r->in_len) {
            int got = refill(r);
            if (got < 0) return -1;
            if (got == 0) break;
        }
        uint8_t *start = r->in + r->in_pos, *nl = memchr(start, '\n', r->in_len - r->in_pos);
        size_t take = nl ? (size_t)(nl - start) : r->in_len - r->in_pos;
        if (r->len + take + 1 > r->cap) {
            while (r->len + take + 1 > r->cap) r->cap = r->cap ? r->cap * 2 : 1 << 16;
            r->buf = xrealloc(r->buf, r->cap);
        }
        memcpy(r->buf + r->len, start, take);
        r->len += take;
        r->in_pos += take + (nl != NULL);
        if (nl) {
            r->next = r->offset + r->len + 1;
            break;
        }
    }
    if (!r->len && r->next == r->offset) return 0;
    if (r->next == r->offset) r->next = r->offset + r->len; /* last line without '\n' */
    r->buf[r->len] = 0; /* a NUL inside is tsv_row's to skip, with the line's number */
    return 1;
}

/* A row that is not an article: a warning normally, an error under --strict. */
static int bad_row(Walk *w, const char *path, uint64_t lineno, const char *why)
{
    w->stats->skipped++;
    if (w->opt->strict) {
        err_set("%s: line %llu: %s", path, (unsigned long long)lineno, why);
        return -1;
    }
    warn(w, "%s: line %llu: %s, skipped", path, (unsigned long long)lineno, why);
    return 0;
}

static int tsv_row(Walk *w, const char *path, LineReader *r, uint64_t lineno, const struct stat *st)
{
    size_t len = r->len;
    if (len && r->buf[len - 1] == '\r') len--;
    if (all_blank(r->buf, len)) return 0;
    /* one bad row costs that row, as one bad file of a directory costs
     * that file: the strings below end at a NUL */
    if (memchr(r->buf, 0, r->len)) return bad_row(w, path, lineno, "binary data (a NUL byte)");
    char *tab1 = memchr(r->buf, '\t', len);
    char *tab2 = tab1 ? memchr(tab1 + 1, '\t', len - (size_t)(tab1 + 1 - r->buf)) : NULL;
    if (!tab2) return bad_row(w, path, lineno, "expected id<TAB>title<TAB>text");
    /* an article needs a name: a TREC run line, an update's matching of
     * rows, a hit's "article" all go by it */
    if (tab1 == r->buf) return bad_row(w, path, lineno, "empty id");
    *tab1 = 0;
    char *title = xstrndup(tab1 + 1, (size_t)(tab2 - tab1 - 1));
    const char *text = tab1 + 1;
    size_t heading = (size_t)(tab2 - text);
    size_t tlen = len - (size_t)(text - r->buf);
    if (heading == 0) { /* no title: the text alone */
        text = tab2 + 1;
        tlen--;
    }
    Article a = {r->buf, path, title, text, tlen, r->offset + (uint64_t)(text - r->buf), heading, heading,
                 (uint64_t)st->st_size, mtime_ns(st)};
    w->stats->bytes += r->len + 1;
    int rc = 0;
    if (all_blank(text, tlen)) {
        w->stats->skipped++; /* an empty document: nothing to find */
    } else {
        w->stats->articles++;
        rc = w->fn(w->ctx, &a);
    }
    free(title);
    return rc;
}

static int read_tsv(Walk *w, const char *path, const struct stat *st)
{
    if (w->opt->unchanged && w->opt->unchanged(w->opt->unchanged_ctx, NULL, path, file_stamp(st, w->now))) {
        w->stats->unchanged++;
        return 0;
    }
    LineReader r = {0};
    r.gz = gzopen(path, "rb");
    r.in = xmalloc(READ_CHUNK);
    if (!r.gz) {
        err_set("cannot open %s: %s", path, strerror(errno ? errno : ENOMEM));
        return -1;
    }
    gzbuffer(r.gz, 1 << 17);
    int rc = 0, got;
    uint64_t lineno = 0;
    while ((got = read_line(&r)) > 0) {
        lineno++;
        if ((rc = tsv_row(w, path, &r, lineno, st)) != 0) break;
    }
    if (got < 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", err_msg());
        err_set("%s: %s", path, msg);
        rc = -1;
    }
    gzclose(r.gz);
    free(r.buf);
    free(r.in);
    return rc;
}

int corpus_read(const char *path, const CorpusOptions *o, article_fn fn, void *ctx, CorpusStats *stats)
{
    memset(stats, 0, sizeof *stats);
    struct stat st;
    if (stat(path, &st) != 0) {
        err_set("cannot read corpus %s: %s", path, strerror(errno));
        return -1;
    }
    char *root = corpus_clean_path(path);
    size_t rl = strlen(root);
    Walk w = {o, fn, ctx, stats, root, !strcmp(root, ".") ? 0 : rl + (root[rl - 1] != '/'), stamp_clock()};
    int rc;
    if (S_ISDIR(st.st_mode)) {
        rc = walk_dir(&w, root);
    } else if (S_ISREG(st.st_mode) && has_article_ext(root)) {
        /* one article, as in a directory of one: its id is its name */
        const char *slash = strrchr(root, '/');
        w.id_at = slash ? (size_t)(slash + 1 - root) : 0;
        rc = read_article_file(&w, root, root + w.id_at, &st);
    } else if (S_ISREG(st.st_mode)) {
        rc = read_tsv(&w, root, &st);
    } else {
        err_set("%s: not a directory or a regular file", path);
        rc = -1;
    }
    free(root);
    if (rc == 0 && stats->articles == 0 && stats->unchanged == 0) {
        err_set("corpus %s has no articles (.txt or .md files, or id<TAB>title<TAB>text lines)", path);
        rc = -1;
    }
    return rc;
}
