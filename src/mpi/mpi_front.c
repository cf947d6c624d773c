/* mpi_front.c: rank 0 of `search serve --mpi`: reads qid<TAB>k<TAB>query
 * lines on standard input, sends every line waiting (up to --batch) to the
 * shards as one batch, merges each query's hits from all shards in the
 * order of one index (srch_hit_order) and prints them: JSON lines as
 * `search --json` prints them, or with --hex "qid rank score path start"
 * with the score in C's %a, exact. */
#include "mpi/mpi.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_BYTES (1 << 16)

typedef struct {
    Buf buf;  /* bytes read and not yet taken */
    int eof;
} Input;

/* Reads what standard input has; waits for it when block. */
static void fill(Input *in, int block)
{
    struct pollfd p = {0, POLLIN, 0};
    if (poll(&p, 1, block ? -1 : 0) <= 0) return;
    buf_reserve(&in->buf, 65536);
    ssize_t n = read(0, in->buf.data + in->buf.len, 65536);
    if (n <= 0) in->eof = 1;
    else in->buf.len += (size_t)n;
}

/* The next whole line (NUL-terminated, newline dropped) into line; 0 when
 * none is there yet. A last line without a newline counts at EOF. */
static int take_line(Input *in, Buf *line)
{
    uint8_t *nl = in->buf.len ? memchr(in->buf.data, '\n', in->buf.len) : NULL;
    size_t n = nl ? (size_t)(nl - in->buf.data) : in->eof ? in->buf.len : 0;
    if (!nl && !n) return 0;
    line->len = 0;
    buf_append(line, in->buf.data, n);
    buf_put_u8(line, 0);
    size_t used = nl ? n + 1 : n;
    memmove(in->buf.data, in->buf.data + used, in->buf.len - used);
    in->buf.len -= used;
    return 1;
}

/* "qid<TAB>k<TAB>query" -> q (strings into pool as offsets); NULL when
 * the line is well formed, else what is wrong. */
static const char *parse_line(char *s, WireQuery *q)
{
    char *t1 = strchr(s, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!t2) return "a line must be qid<TAB>k<TAB>query";
    *t1 = *t2 = 0;
    char *end;
    long k = strtol(t1 + 1, &end, 10);
    if (*end || k < 1 || k > 1000000) return "k must be 1 to 1000000";
    for (const char *c = s; *c; c++)
        if (*c <= ' ' || *c == '"' || *c == '\\') return "a qid is one word without quotes or backslashes";
    if (!*s) return "the qid is empty";
    if (strlen(t2 + 1) > LINE_MAX_BYTES) return "the query is longer than 65536 bytes";
    q->kind = WIRE_SEARCH;
    q->qid = s;
    q->k = (uint32_t)k;
    q->text = t2 + 1;
    q->algorithm = "";
    return NULL;
}

/* Up to max queries: waits for the first, then takes what else is there. */
static size_t read_batch(Input *in, Buf *lines, size_t *at, size_t max)
{
    size_t n = 0;
    lines->len = 0;
    Buf line = {0};
    while (n < max) {
        if (!take_line(in, &line)) {
            if (in->eof) break;
            fill(in, n == 0);
            if (!take_line(in, &line)) {
                if (n > 0 || in->eof) break;
                continue;
            }
        }
        if (line.len > LINE_MAX_BYTES + 64) {
            fprintf(stderr, "search: a query line of %zu bytes skipped (at most 65536)\n", line.len);
            continue;
        }
        at[n++] = lines->len;
        buf_append(lines, line.data, line.len);
    }
    buf_free(&line);
    return n;
}

static int by_order(const void *a, const void *b) { return srch_hit_order(&((const WireHit *)a)->h, &((const WireHit *)b)->h); }

/* Shard s's hits of one search, appended to m (a record that does not
 * read leaves the reader bad). */
static void read_hits(Reader *rd, Merged *m, size_t *cap)
{
    uint32_t count = rd32(rd);
    for (uint32_t i = 0; i < count && !rd->bad; i++) {
        if (m->n == *cap) m->hits = xrealloc(m->hits, (*cap = *cap ? 2 * *cap : 64) * sizeof *m->hits);
        WireHit *w = &m->hits[m->n];
        memset(w, 0, sizeof *w);
        uint64_t bits = rd64(rd);
        memcpy(&w->h.score, &bits, sizeof bits);
        w->h.path_len = rd32(rd);
        w->h.path = (const char *)rdn(rd, w->h.path_len);
        w->h.start = rd64(rd);
        w->json_len = rd32(rd);
        w->json = (const char *)rdn(rd, w->json_len);
        if (!rd->bad) m->n++;
    }
    uint32_t nl = rd32(rd);
    const char *notes = (const char *)rdn(rd, nl);
    if (notes && nl && !m->notes_len) m->notes = notes, m->notes_len = nl;
}

void front_merge(Reader *rd, int nshards, Merged *m)
{
    memset(m, 0, sizeof *m);
    size_t cap = 0;
    for (int s = 0; s < nshards; s++) {
        uint32_t status = rd32(&rd[s]);
        if (status != SRCH_OK) {
            uint32_t l = rd32(&rd[s]);
            const char *why = (const char *)rdn(&rd[s], l);
            if (!m->why_len && why && l) m->code = (srch_code)status, m->why = why, m->why_len = l;
            else if (m->code == SRCH_OK) m->code = SRCH_ERROR;
            continue;
        }
        read_hits(&rd[s], m, &cap);
    }
    if (rd_any_bad(rd, nshards) && m->code == SRCH_OK) m->code = SRCH_ERROR; /* once, for every shard */
    if (m->code != SRCH_OK && !m->why_len) m->why = FRONT_UNREAD, m->why_len = sizeof FRONT_UNREAD - 1;
    if (m->n) qsort(m->hits, m->n, sizeof *m->hits, by_order); /* hits is NULL when no shard had a hit */
}

/* One query's hits from every shard's answer (readers positioned at it),
 * merged and printed; or the first shard's error. */
static void print_query(const WireQuery *q, Reader *rd, int nshards, uint64_t epoch, int hex)
{
    Merged m;
    front_merge(rd, nshards, &m);
    if (m.code != SRCH_OK) {
        printf(hex ? "%s error %.*s\n" : "{\"type\":\"error\",\"qid\":\"%s\",\"message\":\"%.*s\"}\n", q->qid,
               (int)m.why_len, m.why);
        fprintf(stderr, "search: %s: %.*s\n", q->qid, (int)m.why_len, m.why);
        free(m.hits);
        return;
    }
    size_t n = m.n < q->k ? m.n : q->k;
    if (!hex) printf("{\"type\":\"begin\",\"qid\":\"%s\",\"generation\":\"epoch-%llu\"}\n", q->qid, (unsigned long long)epoch);
    for (size_t i = 0; i < n; i++) {
        const WireHit *w = &m.hits[i];
        if (hex) printf("%s %zu %a %.*s %llu\n", q->qid, i + 1, w->h.score, (int)w->h.path_len, w->h.path,
                        (unsigned long long)w->h.start);
        else printf("{\"type\":\"hit\",\"qid\":\"%s\",\"rank\":%zu,%.*s\n", q->qid, i + 1, (int)w->json_len, w->json);
    }
    if (!hex) printf("{\"type\":\"end\",\"qid\":\"%s\",\"hits\":%zu,\"generation\":\"epoch-%llu\"}\n", q->qid, n, (unsigned long long)epoch);
    free(m.hits);
}

uint64_t front_gather(int nshards, uint8_t **out, Reader *rd)
{
    int world = nshards + 1, zero = 0;
    int *sizes = xcalloc(world, sizeof *sizes), *at = xcalloc(world + 1, sizeof *at);
    MPI_Gather(&zero, 1, MPI_INT, sizes, 1, MPI_INT, 0, MPI_COMM_WORLD);
    for (int i = 0; i < world; i++) at[i + 1] = at[i] + sizes[i]; /* each shard keeps its answer small enough */
    uint8_t *buf = xmalloc((size_t)at[world] + 1);
    MPI_Gatherv(NULL, 0, MPI_BYTE, buf, sizes, at, MPI_BYTE, 0, MPI_COMM_WORLD);
    uint64_t epoch = 0;
    for (int s = 0; s < nshards; s++) {
        rd[s] = (Reader){buf + at[s + 1], buf + at[s + 2], 0};
        uint64_t e = rd64(&rd[s]);
        if (s && e != epoch) rd[s].bad = 1; /* cannot happen: the shards switch together */
        epoch = e;
    }
    free(sizes);
    free(at);
    *out = buf;
    return epoch;
}

/* The shards' answers to one batch, gathered, printed query by query. */
static void gather_and_print(const WireQuery *q, size_t nq, int nshards, int hex)
{
    Reader *rd = xcalloc(nshards, sizeof *rd);
    uint8_t *buf;
    uint64_t epoch = front_gather(nshards, &buf, rd);
    for (size_t i = 0; i < nq; i++) print_query(&q[i], rd, nshards, epoch, hex);
    fflush(stdout);
    free(rd);
    free(buf);
}

void front_broadcast(const Buf *b)
{
    int len = (int)b->len;
    MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Bcast(b->data, len, MPI_BYTE, 0, MPI_COMM_WORLD);
}

int front_run(int nshards, int batch, int hex)
{
    int ok = 1, all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD); /* every shard opened */
    if (!all) return 2;
    Input in = {{0}, 0};
    Buf lines = {0}, wire = {0};
    size_t at[MPI_BATCH_MAX];
    WireQuery q[MPI_BATCH_MAX];
    int rc = 0;
    for (;;) {
        size_t n = read_batch(&in, &lines, at, (size_t)batch), nq = 0;
        for (size_t i = 0; i < n; i++) {
            const char *bad = parse_line((char *)lines.data + at[i], &q[nq]);
            if (bad) {
                fprintf(stderr, "search: query line %s: %s\n", (char *)lines.data + at[i], bad);
                rc = 2;
            } else {
                nq++;
            }
        }
        if (n == 0) break;
        if (nq == 0) continue;
        wire.len = 0;
        wire_put_batch(&wire, q, nq);
        front_broadcast(&wire);
        gather_and_print(q, nq, nshards, hex);
    }
    wire.len = 0;
    wire_put_batch(&wire, q, 0); /* the end */
    front_broadcast(&wire);
    buf_free(&in.buf);
    buf_free(&lines);
    buf_free(&wire);
    return rc;
}
