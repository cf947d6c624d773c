/*
 * postings.c: PostingCursor, the reader of one term's postings.
 *
 * A term's bytes are, when it has several blocks, its floors and a block
 * directory (last id, end offset, max tf, min length per block), then the
 * blocks. The directory lets a cursor skip whole blocks without decoding
 * them (cursor_advance) and gives the block-max data pruning needs; the
 * floors give threshold.c a start. Term frequencies are decoded only when
 * asked for.
 *
 * The bytes are checked as they are read (an open does not read them):
 * the lexicon entry placed the term's bytes in the file; a block must lie
 * inside them and decode to exactly its bytes, its ids increasing from
 * the previous block's last id to its own directory entry's and inside the
 * collection, its tfs within its stored largest tf; the floors must be in
 * the order their ranks give and below the term's largest tf-part. Any
 * failure marks the cursor corrupt and ends it, and the search reports
 * it. A directory entry is checked when its block or the next one is
 * decoded (the next block's ids count from its last id), so a damaged one
 * that a skip relies on is found by the block the skip lands on.
 */
#include "index/reader.h"

/* Block b's directory entry (format.h; inline, so a loop that reads one
 * field loads only that one). */
static inline BlockEntry dir_entry(const PostingCursor *c, uint32_t b) { return block_entry_get(c->dir, b); }
static inline uint32_t dir_last(const PostingCursor *c, uint32_t b) { return dir_entry(c, b).last; }

static uint32_t end_cursor(PostingCursor *c, int corrupt)
{
    c->pid = PID_END;
    c->block = c->sblock = c->nblocks;
    c->corrupt |= corrupt;
    return PID_END;
}

#ifdef SEARCH_COUNTERS
_Thread_local WorkCounters work_counters;
#endif

/* Decodes block b's ids; returns 0 on success. */
static int load_block(PostingCursor *c, uint32_t b)
{
    WORK_COUNT(id_blocks);
#ifdef SEARCH_COUNTERS
    if (work_counters.seeking) WORK_COUNT(seek_id_blocks);
#endif
    uint32_t start = b ? dir_entry(c, b - 1).end : 0, end = dir_entry(c, b).end;
    size_t avail = (size_t)(c->end - c->data);
    if (start > end || end > avail) return -1;
    uint32_t n = b + 1 < c->nblocks ? BLOCK_SIZE : c->df - b * BLOCK_SIZE;
    uint32_t prev = b ? dir_last(c, b - 1) : UINT32_MAX;
    size_t used;
    if (n == BLOCK_SIZE) {
        used = bp128_decode_ids(c->data + start, end - start, c->ids, prev, c->npassages);
        if (!used) return -1;
        prev = c->ids[BLOCK_SIZE - 1];
    } else {
        used = bp_decode(c->data + start, end - start, c->ids, n);
        if (!used) return -1;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t id = prev + 1 + c->ids[i];
            if (id <= prev && !(prev == UINT32_MAX && i == 0)) return -1; /* wrapped */
            c->ids[i] = prev = id;
        }
    }
    if (c->dir == c->onedir) { /* one block: its last id is known now */
        BlockEntry e = dir_entry(c, 0);
        e.last = prev;
        block_entry_put(c->onedir, &e);
    }
    if (prev != dir_last(c, b) || prev >= c->npassages) return -1;
    c->block = c->sblock = b;
    c->n = n;
    c->i = 0;
    c->tfs_decoded = 0;
    c->tf_at = start + (uint32_t)used;
    c->tf_end = end;
    return 0;
}

void cursor_open(PostingCursor *c, const Segment *sg, const TermInfo *t)
{
    size_t len;
    const uint8_t *base = segment_postings_base(sg, &len);
    if (t->nblocks > 1) {
        floors_get(base + t->postings_off, c->floors);
        c->dir = base + t->postings_off + FLOORS_BYTES;
        c->data = c->dir + (size_t)t->nblocks * BLOCK_ENTRY_BYTES;
    } else {
        memset(c->floors, 0, sizeof c->floors); /* the term's own maxima describe its only block */
        BlockEntry e = {
            .last = UINT32_MAX,
            .end = t->postings_len,
            .max_tf_part = t->max_tf_part,
            .max_tf = (uint16_t)(t->max_tf > BLOCK_ENTRY_CAP ? BLOCK_ENTRY_CAP : t->max_tf),
            .min_len = 0, /* always a safe bound */
        };
        block_entry_put(c->onedir, &e);
        c->dir = c->onedir;
        c->data = base + t->postings_off;
    }
    c->end = base + t->postings_off + t->postings_len;
    c->nblocks = t->nblocks;
    c->df = t->df;
    c->corrupt = 0;
    c->npassages = (uint32_t)segment_stats(sg)->passages;
    /* a floor above a better rank's (or the term's best) would prune true
     * hits; !(a <= b) also refuses a NaN */
    int floors_ok = 1;
    for (size_t r = 0; r < TERM_FLOORS; r++)
        floors_ok &= c->floors[r] >= 0 && c->floors[r] <= (r ? c->floors[r - 1] : t->max_tf_part);
    if (c->nblocks == 0 || !floors_ok || load_block(c, 0) != 0) {
        end_cursor(c, c->nblocks != 0);
        return;
    }
    c->pid = c->ids[0];
}

uint32_t cursor_next(PostingCursor *c)
{
    if (c->pid == PID_END) return PID_END;
    if (++c->i < c->n) return c->pid = c->ids[c->i];
    if (c->block + 1 >= c->nblocks) return end_cursor(c, 0);
    if (load_block(c, c->block + 1) != 0) return end_cursor(c, 1);
    return c->pid = c->ids[0];
}

uint32_t cursor_advance(PostingCursor *c, uint32_t target)
{
    if (c->pid >= target) return c->pid;
    if (dir_last(c, c->block) < target) { /* not in this block: skip ahead */
        uint32_t b = c->block + 1;
        if (c->sblock > b && c->sblock < c->nblocks && dir_last(c, c->sblock - 1) < target) b = c->sblock;
        while (b < c->nblocks && dir_last(c, b) < target) b++;
        if (b >= c->nblocks) return end_cursor(c, 0);
        if (load_block(c, b) != 0) return end_cursor(c, 1);
    }
    if (c->ids[c->i] < target) c->i = block_find(c->ids, c->i, target); /* the last id is >= target */
    return c->pid = c->ids[c->i];
}

const uint32_t *cursor_block_tfs(PostingCursor *c)
{
    if (!c->tfs_decoded) {
        WORK_COUNT(tf_blocks);
        size_t avail = c->tf_end - c->tf_at;
        const uint8_t *p = c->data + c->tf_at;
        /* the tfs end the block, and none is above the block's stored
         * largest (65535: that or more), which every bound pruning used
         * was computed from */
        uint32_t max_tf = dir_entry(c, c->block).max_tf;
        uint32_t top = max_tf == BLOCK_ENTRY_CAP ? UINT32_MAX : max_tf - 1; /* tfs are stored less one; 0: nothing fits */
        size_t used = max_tf == 0                ? 0
                      : c->n == BLOCK_SIZE ? bp128_decode_upto(p, avail, c->tfs, top)
                                           : bp_decode_upto(p, avail, c->tfs, c->n, top);
        if (used != avail) {
            c->corrupt = 1;
            memset(c->tfs, 0, sizeof c->tfs);
        }
        c->tfs_decoded = 1;
    }
    return c->tfs;
}

uint32_t cursor_shallow(PostingCursor *c, uint32_t target)
{
    uint32_t b = c->sblock;
    if (b > c->block && (b >= c->nblocks || dir_last(c, b - 1) >= target)) b = c->block; /* went back */
    while (b < c->nblocks && dir_last(c, b) < target) b++;
    c->sblock = b;
    return b < c->nblocks ? dir_last(c, b) : PID_END;
}

uint32_t cursor_block_last(const PostingCursor *c)
{
    return c->sblock < c->nblocks ? dir_last(c, c->sblock) : PID_END;
}

uint32_t cursor_block_max_tf(const PostingCursor *c)
{
    return c->sblock < c->nblocks ? dir_entry(c, c->sblock).max_tf : 0;
}

uint32_t cursor_block_min_len(const PostingCursor *c)
{
    return c->sblock < c->nblocks ? dir_entry(c, c->sblock).min_len : 0;
}

float cursor_block_max_tf_part_of(const PostingCursor *c, uint32_t b)
{
    return b < c->nblocks ? dir_entry(c, b).max_tf_part : 0.0f;
}

float cursor_floor_part(const PostingCursor *c, size_t k)
{
    size_t r = term_floor_for(k);
    return r < TERM_FLOORS ? c->floors[r] : 0.0f;
}

uint32_t cursor_enter_block(PostingCursor *c, uint32_t b)
{
    if (b >= c->nblocks) return end_cursor(c, 0);
    if (b != c->block && load_block(c, b) != 0) return end_cursor(c, 1);
    c->i = 0;
    return c->pid = c->ids[0];
}
