/* wire.c: the bytes search-mpi's ranks exchange (mpi.h says their
 * layout). They come from other machines: every length is checked. */
#include "mpi/mpi.h"

#include <stdlib.h>
#include <string.h>

uint32_t rd32(Reader *r)
{
    if (r->bad || r->end - r->p < 4) return r->bad = 1, 0;
    uint32_t v = rd_u32(r->p);
    r->p += 4;
    return v;
}

uint64_t rd64(Reader *r)
{
    if (r->bad || r->end - r->p < 8) return r->bad = 1, 0;
    uint64_t v = rd_u64(r->p);
    r->p += 8;
    return v;
}

int rd_any_bad(const Reader *rd, int n)
{
    for (int i = 0; i < n; i++)
        if (rd[i].bad) return 1;
    return 0;
}

const uint8_t *rdn(Reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) return r->bad = 1, NULL;
    const uint8_t *at = r->p;
    r->p += n;
    return at;
}

static void put_str(Buf *b, const char *s, size_t n)
{
    buf_put_u32(b, (uint32_t)n);
    buf_append(b, s, n);
}

void wire_put_batch(Buf *b, const WireQuery *q, size_t n)
{
    buf_put_u32(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        buf_put_u32(b, q[i].kind);
        buf_put_u32(b, q[i].k);
        put_str(b, q[i].qid, strlen(q[i].qid));
        put_str(b, q[i].text, strlen(q[i].text));
        put_str(b, q[i].algorithm, strlen(q[i].algorithm));
    }
}

/* A string of the batch, copied into pool with its NUL; its offset. */
static size_t get_str(Reader *r, Buf *pool)
{
    uint32_t n = rd32(r);
    const uint8_t *s = rdn(r, n);
    size_t at = pool->len;
    if (s) buf_append(pool, s, n);
    buf_put_u8(pool, 0);
    return at;
}

int wire_get_batch(const uint8_t *p, size_t len, WireQuery *q, size_t *n, Buf *pool)
{
    Reader r = {p, p + len, 0};
    uint32_t count = rd32(&r);
    if (count > MPI_BATCH_MAX) return -1;
    pool->len = 0;
    size_t off[MPI_BATCH_MAX][3];
    for (uint32_t i = 0; i < count && !r.bad; i++) {
        q[i].kind = rd32(&r);
        q[i].k = rd32(&r);
        off[i][0] = get_str(&r, pool);
        off[i][1] = get_str(&r, pool);
        off[i][2] = get_str(&r, pool);
        if (q[i].kind > WIRE_INFO) r.bad = 1;
    }
    if (r.bad || r.p != r.end) return -1;
    for (uint32_t i = 0; i < count; i++) { /* the pool has stopped moving */
        q[i].qid = (char *)pool->data + off[i][0];
        q[i].text = (char *)pool->data + off[i][1];
        q[i].algorithm = (char *)pool->data + off[i][2];
    }
    *n = count;
    return 0;
}

void wire_put_hits(Buf *b, const srch_hits *h)
{
    buf_put_u32(b, SRCH_OK);
    size_t n = srch_hits_count(h);
    buf_put_u32(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        srch_hit x = *srch_hits_get(h, i);
        x.rank = 0; /* the front end ranks the merged hits */
        char *json = srch_hit_json(&x);
        const char *body = json ? json + strlen("{\"rank\":0,") : "}";
        uint64_t bits;
        memcpy(&bits, &x.score, sizeof bits);
        buf_put_u64(b, bits);
        put_str(b, x.path, x.path_len);
        buf_put_u64(b, x.start);
        put_str(b, body, strlen(body));
        srch_free(json);
    }
    const char *notes = srch_hits_notes(h);
    put_str(b, notes, strlen(notes));
}

void wire_put_error(Buf *b, const srch_error *e)
{
    buf_put_u32(b, e->code == SRCH_OK ? SRCH_ERROR : e->code);
    put_str(b, e->message, strlen(e->message));
}
