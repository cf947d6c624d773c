/*
 * boolean.c: scores any query tree (query_parse.c) document at a time.
 *
 * Every node answers one question, node_next(target): its first match at
 * or after target. A term is the smallest of its keys' cursors; a phrase
 * leapfrogs its words' cursors to a passage holding all of them and then
 * checks their positions; a group with required clauses leapfrogs those
 * (each skips whole blocks on the way, so `+a +b` reads little of a long
 * list), otherwise takes the smallest of its optional clauses, and drops a
 * passage an excluded clause matches. Targets only grow, so each node keeps
 * its last answer and answers again for free while it still holds.
 *
 * Pruning is done at the root: after a match, the block maxima of the
 * root's term clauses (global bounds for its phrases and groups) bound every
 * score up to the nearest end of those blocks; when that bound cannot beat
 * the k-th score, the search jumps past it (block-max AND for conjunctions,
 * a block-max skip for unions). Scores are fixed-point sums (bm25.h), so
 * the pruned and the exhaustive search agree bitwise.
 */
#include "query/query.h"

enum { NODE_PRIMED = 1, NODE_HAS_MUST = 2 };

static uint32_t node_next(SearchContext *c, int32_t id, uint32_t target);

static const QueryNode *node(const SearchContext *c, int32_t id) { return &c->q->nodes[id]; }

/* ---- terms and phrases ---- */

static uint32_t term_next(SearchContext *c, const QueryNode *n, uint32_t target)
{
    uint32_t best = PID_END;
    for (uint32_t k = n->a; k < n->a + n->n; k++) {
        if (!c->q->keys[k].found) continue;
        uint32_t d = cursor_seek(&c->cur[k], target);
        if (d < best) best = d;
    }
    return best;
}

/* Phrase frequency at pid, where every word's cursor is. */
static uint32_t phrase_freq(SearchContext *c, const QueryNode *n)
{
    const uint32_t *pos[QUERY_MAX_TERMS];
    uint32_t npos[QUERY_MAX_TERMS], off[QUERY_MAX_TERMS];
    for (uint32_t i = 0; i < n->n; i++) {
        uint32_t k = n->a + i;
        pos[i] = positions_of(&c->pos[k], &c->cur[k], &npos[i]);
        if (!pos[i]) {
            c->corrupt = 1;
            return 0;
        }
        off[i] = c->q->keys[k].pos;
    }
    return phrase_count(pos, npos, off, n->n, n->slop);
}

static uint32_t phrase_next(SearchContext *c, int32_t id, uint32_t target)
{
    const QueryNode *n = node(c, id);
    for (uint32_t k = n->a; k < n->a + n->n; k++)
        if (!c->q->keys[k].found) return PID_END;
    uint32_t pid = target;
    for (;;) {
        uint32_t k = n->a, agreed = 0;
        while (agreed < n->n) { /* leapfrog until all words agree */
            uint32_t d = cursor_seek(&c->cur[k], pid);
            if (d == PID_END) return PID_END;
            agreed = d == pid ? agreed + 1 : 1;
            pid = d;
            k = k + 1 == n->a + n->n ? n->a : k + 1;
        }
        uint32_t pf = phrase_freq(c, n);
        if (c->corrupt) return PID_END;
        if (pf) {
            c->node_pf[id] = pf;
            return pid;
        }
        if (pid == PID_END - 1) return PID_END;
        pid++;
    }
}

/* ---- groups ---- */

static uint32_t group_candidate(SearchContext *c, const QueryNode *g, int has_must, uint32_t pid)
{
    if (has_must) {
        for (int32_t ch = g->child; ch >= 0;) { /* leapfrog the required clauses */
            const QueryNode *n = node(c, ch);
            if (n->occur == OCC_MUST) {
                uint32_t d = node_next(c, ch, pid);
                if (d == PID_END) return PID_END;
                if (d > pid) {
                    pid = d;
                    ch = g->child;
                    continue;
                }
            }
            ch = n->next;
        }
        return pid;
    }
    uint32_t best = PID_END;
    for (int32_t ch = g->child; ch >= 0; ch = node(c, ch)->next) {
        if (node(c, ch)->occur != OCC_SHOULD) continue;
        uint32_t d = node_next(c, ch, pid);
        if (d < best) best = d;
    }
    return best;
}

static int excluded(SearchContext *c, const QueryNode *g, uint32_t pid)
{
    for (int32_t ch = g->child; ch >= 0; ch = node(c, ch)->next)
        if (node(c, ch)->occur == OCC_MUST_NOT && node_next(c, ch, pid) == pid) return 1;
    return 0;
}

static uint32_t group_next(SearchContext *c, int32_t id, uint32_t target)
{
    const QueryNode *g = node(c, id);
    int has_must = c->node_state[id] & NODE_HAS_MUST;
    uint32_t pid = target;
    for (;;) {
        pid = group_candidate(c, g, has_must, pid);
        if (pid == PID_END || c->corrupt) return PID_END;
        if (!excluded(c, g, pid)) return pid;
        if (pid == PID_END - 1) return PID_END;
        pid++;
    }
}

static uint32_t node_next(SearchContext *c, int32_t id, uint32_t target)
{
    if ((c->node_state[id] & NODE_PRIMED) && c->node_pid[id] >= target) return c->node_pid[id];
    const QueryNode *n = node(c, id);
    uint32_t r = n->kind == QN_TERM ? term_next(c, n, target)
               : n->kind == QN_PHRASE ? phrase_next(c, id, target)
               : group_next(c, id, target);
    c->node_state[id] |= NODE_PRIMED;
    return c->node_pid[id] = r;
}

/* ---- scores and bounds ---- */

/* Score of node id at pid, where it matches; each part (a term key's or a
 * phrase's) is also told to part when it is set (--explain). */
static ScoreSum node_score(SearchContext *c, int32_t id, uint32_t pid, float norm, const ScorePart *part)
{
    const QueryNode *n = node(c, id);
    ScoreSum s = 0;
    if (n->kind == QN_TERM) {
        for (uint32_t k = n->a; k < n->a + n->n; k++) {
            if (!c->q->keys[k].found || c->cur[k].pid != pid) continue;
            uint32_t tf = cursor_tf(&c->cur[k]);
            float v = bm25_term(c->q->keys[k].weight, tf, norm);
            s += score_fixed(v);
            if (part) part->fn(part->ctx, n, &c->q->keys[k], tf, v);
        }
    } else if (n->kind == QN_PHRASE) {
        float v = bm25_term(n->weight, c->node_pf[id], norm);
        s = score_fixed(v);
        if (part) part->fn(part->ctx, n, NULL, c->node_pf[id], v);
    } else {
        for (int32_t ch = n->child; ch >= 0; ch = node(c, ch)->next) {
            uint8_t occ = node(c, ch)->occur;
            if (occ == OCC_MUST || (occ == OCC_SHOULD && node_next(c, ch, pid) == pid))
                s += node_score(c, ch, pid, norm, part);
        }
    }
    return s;
}

/* Upper bound of every node's score, children before parents (a child's
 * index is above its parent's), and the group flags. */
static void compute_bounds(SearchContext *c)
{
    const Query *q = c->q;
    for (size_t i = q->nnodes; i-- > 0;) {
        const QueryNode *n = &q->nodes[i];
        float ub = 0;
        uint8_t st = 0;
        if (n->kind == QN_TERM) {
            for (uint32_t k = n->a; k < n->a + n->n; k++) ub += q->keys[k].found ? c->ub[k] : 0.0f;
        } else if (n->kind == QN_PHRASE) {
            float part = 1.0f; /* phrase frequency <= each word's tf */
            for (uint32_t k = n->a; k < n->a + n->n; k++) {
                float p = q->keys[k].found && q->keys[k].weight > 0 ? c->ub[k] / q->keys[k].weight : 0.0f;
                if (p < part) part = p;
            }
            ub = BOUND_SLACK * n->weight * part;
        } else {
            for (int32_t ch = n->child; ch >= 0; ch = q->nodes[ch].next) {
                if (q->nodes[ch].occur == OCC_MUST) st |= NODE_HAS_MUST;
                if (q->nodes[ch].occur != OCC_MUST_NOT) ub += c->node_ub[ch];
            }
        }
        c->node_ub[i] = ub;
        c->node_state[i] = st;
    }
}

/* Bound of the root's score from pid up to *until: block maxima for its
 * term clauses, global bounds for the rest. */
static float root_block_bound(SearchContext *c, uint32_t pid, uint32_t *until)
{
    const QueryNode *g = node(c, 0);
    float ub = 0;
    *until = PID_END - 1;
    for (int32_t ch = g->child; ch >= 0; ch = node(c, ch)->next) {
        const QueryNode *n = node(c, ch);
        if (n->occur == OCC_MUST_NOT) continue;
        if (n->kind != QN_TERM) {
            ub += c->node_ub[ch];
            continue;
        }
        for (uint32_t k = n->a; k < n->a + n->n; k++) {
            if (!c->q->keys[k].found) continue;
            PostingCursor *cur = &c->cur[k];
            uint32_t last = cursor_shallow(cur, cur->pid > pid ? cur->pid : pid);
            if (last == PID_END) continue; /* exhausted: adds nothing */
            if (last < *until) *until = last;
            ub += block_upper_bound(c, k);
        }
    }
    return ub;
}

/* ---- the search ---- */

/* Opens a cursor for every key in the lexicon (cursor k for key k), and
 * positions for the words of phrases. */
static void open_tree(SearchContext *c)
{
    const Query *q = c->q;
    c->corrupt = 0;
    for (size_t k = 0; k < q->nkeys; k++) {
        const QueryTerm *t = &q->keys[k];
        c->qt[k] = t;
        if (!t->found) continue;
        cursor_open(&c->cur[k], c->seg, &t->info);
        c->ub[k] = search_term_bound(c, t);
    }
    for (size_t i = 0; i < q->nnodes; i++) {
        const QueryNode *n = &q->nodes[i];
        if (n->kind != QN_PHRASE) continue;
        for (uint32_t k = n->a; k < n->a + n->n; k++)
            if (q->keys[k].found) positions_open(&c->pos[k], c->seg, &q->keys[k].info);
    }
    compute_bounds(c);
}

static int finish(SearchContext *c)
{
    if (c->corrupt) return segment_corrupt(c->seg, "positions.bin", "a phrase's positions do not decode");
    for (size_t k = 0; k < c->q->nkeys; k++)
        if (c->q->keys[k].found && c->cur[k].corrupt)
            return segment_corrupt(c->seg, "postings.bin", "a term's postings do not decode");
    return 0;
}

static int run_tree(SearchContext *c, TopK *top, uint32_t first, uint32_t last, int prune)
{
    if (c->q->nnodes == 0) return 0;
    open_tree(c);
    const uint32_t *lengths = segment_lengths(c->seg);
    uint32_t pid = first;
    while (pid <= last) {
        pid = node_next(c, 0, pid);
        if (pid > last) break;
        float theta = topk_threshold(top);
        if (prune && theta >= 0) {
            if (c->node_ub[0] <= theta) break; /* nothing left can enter */
            uint32_t until;
            if (root_block_bound(c, pid, &until) <= theta) {
                pid = until + 1;
                continue;
            }
        }
        ScoreSum s = node_score(c, 0, pid, bm25_norm(c->bm25, lengths[pid]), NULL);
        topk_push(top, pid, score_value(s));
        if (pid == PID_END - 1) break;
        pid++;
    }
    return finish(c);
}

int search_tree(SearchContext *c, TopK *top) { return run_tree(c, top, 0, PID_END - 1, 1); }

int search_tree_exhaustive(SearchContext *c, TopK *top) { return run_tree(c, top, 0, PID_END - 1, 0); }

int search_tree_range(SearchContext *ctx, TopK *top, uint32_t first, uint32_t last)
{
    size_t seg;
    uint32_t local;
    if (first > last || index_locate(ctx->ix, first, &seg, &local) != 0) return 0;
    search_segment(ctx, seg, top);
    return run_tree(ctx, top, local, local + (last - first), 0);
}

int64_t count_tree(SearchContext *c)
{
    if (c->q->nnodes == 0) return 0;
    open_tree(c);
    int64_t n = 0;
    for (uint32_t pid = 0; (pid = node_next(c, 0, pid)) != PID_END; pid++) {
        n += !c->deleted || !bit_get(c->deleted, pid);
        if (pid == PID_END - 1) break;
    }
    return finish(c) == 0 ? n : -1;
}

float search_tree_score_at(SearchContext *c, uint32_t gpid, const ScorePart *part)
{
    size_t seg;
    uint32_t pid;
    if (c->q->nnodes == 0 || index_locate(c->ix, gpid, &seg, &pid) != 0) return -1.0f;
    search_segment(c, seg, NULL);
    if (c->deleted && bit_get(c->deleted, pid)) return -1.0f;
    open_tree(c);
    if (node_next(c, 0, pid) != pid || c->corrupt) return -1.0f;
    float score = score_value(node_score(c, 0, pid, bm25_norm(c->bm25, segment_lengths(c->seg)[pid]), part));
    return finish(c) == 0 ? score : -1.0f; /* a block that did not decode scored nothing true */
}
