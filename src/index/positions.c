/*
 * positions.c: where each term occurs inside its passages, for phrase
 * queries (FORMAT.md, "positions.bin"); the writer and the reader of those
 * bytes.
 *
 * A term's positions are cut into the same blocks of 128 postings as its
 * postings, so the block a PostingCursor is on names the positions block to
 * read, and a per-term table of block ends lets a reader jump straight to
 * it. Within a block, each posting contributes its first position, then its
 * gaps minus one (positions strictly increase, so a gap is at least one);
 * the stream of values is packed in runs of 128 with the postings codec.
 * Positions are never touched by queries that do not ask for them, so the
 * union query path pays nothing for them.
 */
#include "index/writer.h"

#include <stdlib.h>

/* ---- writer ---- */

/* Packs a stream of values in runs of BLOCK_SIZE: full runs in the vertical
 * layout, the last partial run of a block horizontally. */
typedef struct {
    Buf *out;
    uint32_t n;               /* values waiting in run */
    uint32_t run[BLOCK_SIZE];
} RunWriter;

static void run_flush(RunWriter *w)
{
    if (!w->n) return;
    buf_put_packed(w->out, w->run, w->n);
    w->n = 0;
}

static void run_put(RunWriter *w, uint32_t v)
{
    w->run[w->n++] = v;
    if (w->n == BLOCK_SIZE) run_flush(w);
}

/* Appends the values of one block of n postings; returns the positions used. */
static const uint32_t *put_block(RunWriter *w, const uint32_t *tfs, const uint32_t *pos, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        run_put(w, pos[0]);
        for (uint32_t j = 1; j < tfs[i]; j++) run_put(w, pos[j] - pos[j - 1] - 1);
        pos += tfs[i];
    }
    run_flush(w);
    return pos;
}

void positions_encode_term(Buf *out, const uint32_t *tfs, const uint32_t *pos, uint32_t df)
{
    uint32_t nblocks = (df + BLOCK_SIZE - 1) / BLOCK_SIZE;
    size_t table = nblocks > 1 ? (size_t)nblocks * POSITIONS_END_BYTES : 0, table_at = out->len;
    buf_reserve(out, table);
    out->len += table;
    size_t data_at = out->len;
    RunWriter w = {.out = out};
    for (uint32_t b = 0; b < nblocks; b++) {
        uint32_t lo = b * BLOCK_SIZE, n = df - lo < BLOCK_SIZE ? df - lo : BLOCK_SIZE;
        pos = put_block(&w, tfs + lo, pos, n);
        uint32_t end = (uint32_t)(out->len - data_at);
        if (table) wr_u32(out->data + table_at + POSITIONS_END_BYTES * (size_t)b, end);
    }
}

/* Block b's end in a term's table. */
static uint32_t block_end(const uint8_t *table, uint32_t b) { return rd_u32(table + POSITIONS_END_BYTES * (size_t)b); }

int positions_check_term(const uint8_t *p, uint64_t len, uint32_t nblocks)
{
    if (nblocks <= 1) return len >= 1 ? 0 : -1; /* a block holds a value: at least its width byte */
    uint64_t table = (uint64_t)nblocks * POSITIONS_END_BYTES, prev = 0;
    if (table > len) return -1;
    for (uint32_t b = 0; b < nblocks; b++) {
        uint64_t end = block_end(p, b);
        if (end <= prev) return -1;
        prev = end;
    }
    return prev == len - table ? 0 : -1;
}

/* ---- reader ---- */

static const uint32_t *corrupt(const PositionCursor *p)
{
    file_corrupt(p->sg ? segment_dir(p->sg) : NULL, "positions.bin", "a term's positions do not decode");
    return NULL;
}

void positions_init(PositionCursor *p)
{
    memset(p, 0, sizeof *p);
    p->block = UINT32_MAX;
}

void positions_open(PositionCursor *p, const Segment *sg, const TermInfo *t)
{
    size_t len;
    const uint8_t *q = segment_positions_base(sg, &len) + t->positions_off; /* in bounds: the lexicon entry's check */
    uint64_t table = t->nblocks > 1 ? (uint64_t)t->nblocks * POSITIONS_END_BYTES : 0;
    p->block = UINT32_MAX;
    p->sg = sg;
    /* An open reads no block table: here the table must fit in the
     * term's bytes (decode_block checks the two ends it reads), or the
     * term gets no blocks and every positions_of on it reports the damage. */
    if (table >= t->positions_len || t->nblocks == 0) {
        p->table = p->data = NULL;
        p->len = 0;
        p->nblocks = 0;
        return;
    }
    p->table = table ? q : NULL;
    p->data = q + table;
    p->len = t->positions_len - table;
    p->nblocks = t->nblocks;
}

void positions_free(PositionCursor *p)
{
    free(p->pos);
    positions_init(p);
}

/* Where the posting cursor's block keeps its positions: p->start, and the
 * total count; -1 when the tfs are corrupt or cannot fit in bytes. */
static int count_positions(PositionCursor *p, PostingCursor *c, uint64_t bytes, uint64_t *total)
{
    const uint32_t *tfs = cursor_block_tfs(c);
    if (c->corrupt) return -1;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        p->start[i] = (uint32_t)sum;
        sum += (uint64_t)tfs[i] + 1;
        if (sum > 128 * bytes || sum > UINT32_MAX) return -1; /* a run of <= 128 values takes >= 1 byte */
    }
    p->start[c->n] = (uint32_t)sum;
    *total = sum;
    return 0;
}

/* Unpacks total values from exactly bytes bytes at q into p->pos. */
static int unpack(PositionCursor *p, const uint8_t *q, uint64_t bytes, uint64_t total)
{
    if (total > p->cap) { /* grows to the largest block seen, then is reused */
        p->cap = total > 2 * p->cap ? total : 2 * p->cap;
        p->pos = xrealloc(p->pos, p->cap * sizeof *p->pos);
    }
    uint64_t k = 0;
    for (; k + BLOCK_SIZE <= total; k += BLOCK_SIZE) {
        size_t used = bp128_decode(q, bytes, p->pos + k);
        if (!used) return -1;
        q += used;
        bytes -= used;
    }
    if (k < total) {
        size_t used = bp_decode(q, bytes, p->pos + k, total - k);
        if (!used) return -1;
        bytes -= used;
    }
    return bytes == 0 ? 0 : -1;
}

/* First positions and gaps - 1 -> absolute positions, posting by posting. */
static int to_absolute(PositionCursor *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t prev = p->pos[p->start[i]];
        for (uint32_t j = p->start[i] + 1; j < p->start[i + 1]; j++) {
            prev += (uint64_t)p->pos[j] + 1;
            if (prev > UINT32_MAX) return -1;
            p->pos[j] = (uint32_t)prev;
        }
    }
    return 0;
}

static int decode_block(PositionCursor *p, PostingCursor *c)
{
    uint32_t b = c->block;
    if (b >= p->nblocks || c->nblocks != p->nblocks) return -1; /* not the same term */
    uint64_t start = b ? block_end(p->table, b - 1) : 0;
    uint64_t end = p->table ? block_end(p->table, b) : p->len;
    uint64_t total;
    p->block = UINT32_MAX;
    if (start >= end || end > p->len || count_positions(p, c, end - start, &total) != 0) return -1;
    if (unpack(p, p->data + start, end - start, total) != 0 || to_absolute(p, c->n) != 0) return -1;
    p->block = b;
    return 0;
}

const uint32_t *positions_of(PositionCursor *p, PostingCursor *c, uint32_t *n)
{
    *n = 0;
    if (c->pid == PID_END || c->i >= c->n) return corrupt(p);
    if (p->block != c->block && decode_block(p, c) != 0) return corrupt(p);
    *n = p->start[c->i + 1] - p->start[c->i];
    return p->pos + p->start[c->i];
}
