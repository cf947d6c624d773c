/* test_postings_mem.c: the in-memory postings, record by record: terms
 * with and without a staging line, records longer than a line, buffers
 * grown through every slab size into malloc's, and emptied for reuse. */
#include "check.h"
#include "index/writer.h"

#define TERMS 70000 /* past the 65536 terms that get a staging line */
#define PASSAGES 3000

/* The terms a passage has, with their tfs: a frequent term in every
 * passage, staged and unstaged terms in some, and tfs up to 40 (a record
 * of more than a line) in one of them. */
static uint32_t passage_terms(uint32_t pid, uint32_t *terms, uint32_t *tfs)
{
    uint32_t n = 0;
    terms[n] = 100, tfs[n++] = 1;
    terms[n] = pid % 7, tfs[n++] = 1 + pid % 40;
    if (pid % 3 == 0) terms[n] = 65536 + pid % 5, tfs[n++] = 1 + pid % 13;
    if (pid % 11 == 0) terms[n] = 65535, tfs[n++] = 2;
    terms[n] = 1000 + pid % 997, tfs[n++] = 1; /* a few postings each */
    return n;
}

static void add_passages(MemIndex *m, uint32_t from, uint32_t to)
{
    for (uint32_t pid = from; pid < to; pid++) {
        uint32_t terms[8], tfs[8], n = passage_terms(pid, terms, tfs), pos = 0;
        for (uint32_t j = 0; j < n; j++)
            for (uint32_t k = 0; k < tfs[j]; k++) memindex_add(m, pid, terms[j], pos++ * 3 + j);
        memindex_end_passage(m, pid);
    }
}

/* Decodes term t's list (FORMAT of MemPostings: varint gap, tf, positions
 * first absolute then gaps) against what add_passages(from, to) gave it;
 * returns the records found, or -1 at the first difference. */
static long check_term(const MemIndex *m, uint32_t t, uint32_t from, uint32_t to)
{
    const MemPostings *p = &m->lists[t];
    const uint8_t *q = p->data.data, *end = q + p->data.len;
    uint32_t last = 0, df = 0;
    for (uint32_t pid = from; pid < to; pid++) {
        uint32_t terms[8], tfs[8], n = passage_terms(pid, terms, tfs), pos = 0;
        for (uint32_t j = 0; j < n; j++, pos += tfs[j - 1]) {
            if (terms[j] != t) continue;
            uint64_t gap, tf, v;
            size_t u = rd_varint(q, end, &gap);
            if (!u || gap != (df ? pid - last : pid + 1)) return -1;
            q += u;
            if (!(u = rd_varint(q, end, &tf)) || tf != tfs[j]) return -1;
            q += u;
            for (uint32_t k = 0, prev = 0; k < tfs[j]; k++) {
                uint32_t want = (pos + k) * 3 + j;
                if (!(u = rd_varint(q, end, &v)) || v != want - prev) return -1;
                q += u;
                prev = want;
            }
            last = pid;
            df++;
        }
    }
    return q == end && df == p->df ? (long)df : -1;
}

static void check_all(MemIndex *m, uint32_t from, uint32_t to)
{
    static const uint32_t terms[] = {100, 0, 3, 6, 65535, 65536, 65540};
    memindex_flush(m);
    for (size_t i = 0; i < sizeof terms / sizeof *terms; i++) {
        long df = check_term(m, terms[i], from, to);
        if (df <= 0) fprintf(stderr, "  term %u: records differ\n", (unsigned)terms[i]);
        CHECK(df > 0);
    }
    long rare = 0; /* the terms of a few postings each */
    for (uint32_t t = 1000; t < 1997; t++) {
        long df = check_term(m, t, from, to);
        CHECK(df >= 0);
        if (df < 0) break;
        rare += df;
    }
    CHECK_EQ_INT(rare, to - from);
}

static void test_records_round_trip(void)
{
    MemIndex m;
    memindex_init(&m);
    memindex_stage(&m, (size_t)1 << 12); /* a few lines */
    CHECK_EQ_INT(m.stage_terms, 64);
    memindex_stage(&m, (size_t)1 << 30);
    CHECK_EQ_INT(m.stage_terms, 65536);
    char key[16];
    for (uint32_t t = 0; t < TERMS; t++) CHECK_EQ_INT(memindex_term(&m, key, (size_t)snprintf(key, sizeof key, "t%u", t)), t);
    add_passages(&m, 0, PASSAGES);
    check_all(&m, 0, PASSAGES);
    CHECK(m.lists[100].data.cap > 2048); /* grown past the slabs */
    CHECK_EQ_INT(m.lists[100].df, PASSAGES);
    /* emptied (as after a run is written) and filled again; records still
     * in staging lines when it is emptied go too */
    memindex_clear_postings(&m);
    CHECK_EQ_INT(m.lists[100].df, 0);
    add_passages(&m, PASSAGES, PASSAGES + 500);
    check_all(&m, PASSAGES, PASSAGES + 500);
    add_passages(&m, PASSAGES + 500, PASSAGES + 520);
    memindex_clear_postings(&m);
    add_passages(&m, PASSAGES + 520, PASSAGES + 1020);
    check_all(&m, PASSAGES + 520, PASSAGES + 1020);
    /* freed: empty, and staged again when filled */
    memindex_free(&m);
    CHECK_EQ_INT(m.stage_terms, 65536);
    CHECK_EQ_INT(m.nlists, 0);
    for (uint32_t t = 0; t < TERMS; t++) memindex_term(&m, key, (size_t)snprintf(key, sizeof key, "t%u", t));
    add_passages(&m, 0, 500);
    CHECK(m.stage != NULL);
    check_all(&m, 0, 500);
    memindex_free(&m);
}

/* Records as long as their worst case allows (5-byte varints: passage
 * gaps and positions of 2^28 and more), side by side in two staging
 * lines, so that a line overfilled by a byte spoils its neighbour; one of
 * 12 positions (66 bytes) is longer than a line. */
static uint32_t longest_tf(uint32_t k) { return k == 5 ? 12 : 2; }

static void test_records_at_their_longest(void)
{
    MemIndex m;
    memindex_init(&m);
    memindex_stage(&m, (size_t)1 << 30);
    CHECK_EQ_INT(memindex_term(&m, "a", 1), 0);
    CHECK_EQ_INT(memindex_term(&m, "b", 1), 1);
    for (uint32_t k = 0; k < 16; k++) {
        uint32_t pid = k << 28;
        for (uint32_t t = 0; t < 2; t++)
            for (uint32_t j = 0; j < longest_tf(k); j++) memindex_add(&m, pid, t, (1u << 28) * (2 * t + j + 1) + k);
        memindex_end_passage(&m, pid);
    }
    memindex_flush(&m);
    for (uint32_t t = 0; t < 2; t++) {
        const MemPostings *p = &m.lists[t];
        const uint8_t *q = p->data.data, *end = q + p->data.len;
        int same = p->df == 16;
        for (uint32_t k = 0; k < 16 && same; k++) {
            uint64_t want[14] = {k ? 1u << 28 : 1, longest_tf(k), (1u << 28) * (2 * t + 1) + k}, v;
            for (uint32_t j = 1; j < longest_tf(k); j++) want[2 + j] = 1u << 28; /* position gaps */
            for (uint32_t f = 0; f < 2 + longest_tf(k) && same; f++) {
                size_t u = rd_varint(q, end, &v);
                same = u > 0 && v == want[f];
                q += u;
            }
        }
        CHECK(same && q == end);
    }
    memindex_free(&m);
}

TEST_MAIN("postings_mem", T(test_records_round_trip), T(test_records_at_their_longest))
