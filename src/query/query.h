/*
 * query.h: query text -> ranked passages -> what the user sees.
 *
 *   query_parse.c  text -> analysed, de-duplicated query terms with idf
 *   bm25.c         the scoring formula (Lucene's BM25)
 *   threshold.c    a floor under the top-k threshold before scoring
 *   topk.c         the top-k collector (a min-heap; ties by passage id),
 *                  optionally keeping only the best passage per article
 *   exhaustive.c   the reference algorithm: every posting of every term
 *   algorithms.c   the table of algorithms selectable with --algorithm
 *   boolean.c      the query tree scorer
 *   search.c       a query over every segment: which scorer, one top k
 *   snippet.c      the best window of a passage, query terms marked
 */
#ifndef QUERY_H
#define QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analysis.h"
#include "index/reader.h"

/* ---- bm25.c ---- */

#define BM25_K1_DEFAULT IMPACT_K1
#define BM25_B_DEFAULT IMPACT_B

typedef struct {
    float k1;     /* term-frequency saturation */
    float b;      /* length normalisation strength */
    float avgdl;  /* mean passage length of the index */
    float norm0;  /* k1 * (1 - b): the length part for a length of 0 */
    float norm1;  /* k1 * b / avgdl: what each token of length adds */
} Bm25;

void bm25_init(Bm25 *p, float k1, float b, const IndexStats *s);
/* The k1 and b a search scores with: each as given, or, negative (not
 * given), the index's, for which its stored block maxima are exact. */
void bm25_params(const IndexStats *s, float *k1, float *b);
/* Lucene's idf: ln(1 + (N - df + 0.5) / (df + 0.5)), never negative. */
float bm25_idf(uint64_t N, uint64_t df);
/* The length part of the denominator, k1 * (1 - b + b * len / avgdl),
 * as one multiply-add: no division in the scoring loop. */
static inline float bm25_norm(const Bm25 *p, uint32_t len) { return p->norm0 + p->norm1 * (float)len; }
/* One term's contribution; weight = idf * (k1 + 1) * query count. */
static inline float bm25_term(float weight, uint32_t tf, float norm)
{
    return weight * (float)tf / ((float)tf + norm);
}

/* A passage's score is summed in fixed point (units of 2^-32) from its
 * float term scores: integer addition does not depend on order, so every
 * algorithm, whatever order it adds the terms in, returns bitwise the same
 * score for a passage. */
typedef int64_t ScoreSum;
static inline ScoreSum score_fixed(float term_score) { return (ScoreSum)(term_score * 4294967296.0f); }
static inline float score_value(ScoreSum s) { return (float)((double)s * (1.0 / 4294967296.0)); }
/* The score of a passage that has one query term: bitwise what every
 * algorithm's sum gives it. */
static inline float score_one(float weight, uint32_t tf, float norm)
{
    return score_value(score_fixed(bm25_term(weight, tf, norm)));
}

/* ---- query_parse.c: the query language (search(1) "Query syntax") ---- */

/* One lexicon key the query reads: an analysed term in one field. */
typedef struct {
    char term[FIELD_KEY_MAX + 1]; /* lexicon key (field prefix byte + term) */
    size_t len;
    float boost;      /* field boost; merged duplicates of a flat query add up */
    uint32_t pos;     /* in a phrase: position relative to its first word */
    uint64_t df;      /* live passages holding it, all segments */
    int found;        /* in the lexicon of the segment being searched */
    TermInfo info;    /* there, when found */
    float idf;
    float weight;     /* idf * (k1 + 1) * boost */
} QueryTerm;

typedef enum { QN_TERM, QN_PHRASE, QN_GROUP } QueryNodeKind;
typedef enum { OCC_SHOULD, OCC_MUST, OCC_MUST_NOT } Occur;

/* The parsed query is a tree of nodes. A TERM is one word, read in the
 * fields it names (an unfielded word: the body, and the title and heading
 * fields at their boosts); it matches when any of its keys does. A PHRASE
 * matches where its words occur in order within slop extra positions. A
 * GROUP matches when all its MUST children match, none of its MUST_NOT
 * children do, and, if it has no MUST child, at least one SHOULD child
 * does; it scores the sum of its matching MUST and SHOULD children. */
typedef struct {
    uint8_t kind;     /* QueryNodeKind */
    uint8_t occur;    /* Occur, within the parent group */
    uint32_t a, n;    /* TERM, PHRASE: its keys terms[a .. a+n) */
    int32_t child;    /* GROUP: first child node, or -1 */
    int32_t next;     /* next sibling, or -1 */
    uint32_t slop;    /* PHRASE: extra positions allowed in all */
    float weight;     /* PHRASE: sum of its words' idf * (k1 + 1) * boost */
} QueryNode;

/* A prefix's lexicon keys with their live df, in lexicon order, to fn:
 * index_prefix_each's shape, so a sharded search can put the keys of the
 * whole corpus in its place (src/api/shard_search.c). */
typedef void (*PrefixKeyFn)(void *ctx, const char *key, size_t len, uint64_t df);
typedef int (*PrefixEachFn)(void *src, const Index *ix, const char *prefix, size_t len, PrefixKeyFn fn, void *ctx);

/* Statistics of a whole corpus, for a query over one shard of it: N and
 * the df of each key of the parsed query (Query.keys, in order). */
typedef struct {
    uint64_t passages;
    const uint64_t *df;
    size_t ndf;
} QueryGlobal;

typedef struct {
    float title, heading; /* boosts of the extra fields for unfielded words */
    uint32_t max_expansions; /* terms a prefix query expands to at most */
    PrefixEachFn prefix_each; /* NULL: index_prefix_each, the index's own keys */
    void *prefix_src;
    const QueryGlobal *global; /* NULL: N and df from the index */
} QueryOptions;

/* 0: measured on cranfield, cisi and cacm, any boost lowered MAP and
 * nDCG@10 (their titles are in the text already); docs/decisions/2026-12-06-readme-speed-and-quality.md. */
#define QUERY_TITLE_BOOST_DEFAULT 0.0f
#define QUERY_HEADING_BOOST_DEFAULT 0.0f
#define QUERY_MAX_EXPANSIONS_DEFAULT 128
void query_options_default(QueryOptions *o);

typedef struct {
    QueryTerm *keys;  /* the tree's keys, one per use (a word twice: twice) */
    size_t nkeys;
    QueryNode *nodes; /* nodes[0] is the root group */
    size_t nnodes;
    QueryTerm *terms; /* the distinct keys, boosts of repeats added up: what
                         the union algorithms read when the query is flat */
    size_t n;
    int flat;         /* 1: the tree is a plain union of its keys */
    int conjunctive;  /* 1: every clause is a required one-key word (or the
                         query is one such word), no key twice: terms[] is
                         a conjunction search_and runs */
    size_t words;     /* words in the query text before stop words */
    const Segment *bound; /* the segment keys' found and info describe */
    Buf notes;        /* what the user should know (a prefix cut short) */
    void *scratch;    /* the parser's workspace */
} Query;

#define QUERY_MAX_TERMS 1024
#define QUERY_MAX_NODES (2 * QUERY_MAX_TERMS)
#define QUERY_MAX_DEPTH 32 /* parentheses nested deeper read as spaces */

/* Allocates a query's room once; query_parse reuses it (no allocation on
 * the per-query path). */
void query_init(Query *q);
/* Parses text (search(1) "Query syntax"), analyses its words as the index was
 * analysed and looks the keys up. Returns 0, or -1 with err_msg() set (too
 * many terms). A query with nothing searchable gives n == 0. o may be NULL
 * (defaults). */
int query_parse_with(Analyzer *an, const Index *ix, const Bm25 *p, const QueryOptions *o, const char *text,
                     Query *q);
static inline int query_parse(Analyzer *an, const Index *ix, const Bm25 *p, const char *text, Query *q)
{
    return query_parse_with(an, ix, p, NULL, text, q);
}
/* Looks the keys up in one segment (found, info), for searching it; the
 * weights stay those of the whole index. query_parse leaves the query bound
 * to segment 0; binding it to the segment it is bound to does nothing. */
void query_bind(Query *q, const Segment *sg);
/* Rewriting a parsed query (pseudo-relevance feedback): scales the
 * boosts of its keys so that those of the clauses that score (all but
 * the excluded) sum to share, returning what they summed to before (0:
 * nothing scores, nothing changed); appends a one-key optional word as
 * the root's last clause (-1: no room); and, once done, weighs every key
 * again from the whole index and redoes the flat terms (-1 with err_msg()
 * set: a corrupt lexicon entry). */
float query_scale_boosts(Query *q, float share);
int query_add_term(Query *q, int field, const char *term, size_t len, float boost);
int query_reweigh(Query *q, const Index *ix, const Bm25 *bm);
/* The key's field (FIELD_*) and its term without the prefix byte. */
static inline int query_key_field(const QueryTerm *t, const char **term, size_t *len)
{
    return key_field(t->term, t->len, term, len);
}
void query_free(Query *q);

/* ---- topk.c ---- */

typedef struct {
    uint32_t pid;
    float score;
} Hit;

typedef struct {
    uint32_t base;        /* added to pushed ids: the segment's first id */
    const uint64_t *deleted; /* pushed ids (before base) set here are dropped */
    Hit *heap;            /* heap mode: min-heap, heap[0] the worst kept hit;
                             after topk_sorted: the hits, best first */
    size_t n, k;
    const Index *group;   /* non-NULL: best passage per article only */
    int32_t *slot;        /* article -> heap index, or -1 (group mode) */
    int corrupt;          /* group mode: a passage's record was (err_msg
                             says), so the grouping is not to be trusted:
                             search_run fails */
    /* Buffer mode (large k, no grouping): hits are appended as 64-bit keys
     * to a buffer of 2k (TOPK_BUFFER_FACTOR); when it fills, a selection
     * keeps the k best and their worst becomes the threshold. O(1)
     * amortised per hit, where a heap of 1000 costs ten sift steps each
     * (Tantivy's TopNComputer does the same). Since the selection has no
     * branch on the keys, selecting twice as often costs less than the
     * threshold rising half as often: 2k measured 3.3% fewer instructions
     * than 4k at k = 1000 (the other way round before). */
    uint64_t *keys;       /* (score bits << 32) | ~pid: larger is better;
                             in the order they came (passage order, as
                             every algorithm offers them) */
    uint64_t *scratch;    /* as many: the selection's and the sort's */
    size_t nkeys;
    uint64_t min_key;     /* a key must exceed this to enter */
    float threshold;      /* buffer mode: score of min_key, -1 before */
    float floor;          /* hits scoring no more than this cannot make the
                             final top k (threshold.c); -1 when unknown */
} TopK;

#define TOPK_BUFFER_FROM 64 /* k from which the buffer beats the heap */
#define TOPK_BUFFER_FACTOR 2 /* the buffer holds this many times k */

void topk_init(TopK *t, size_t k, const Index *group_by_article);
void topk_clear(TopK *t);
void topk_free(TopK *t);
/* 1 when (score, pid) ranks above (score2, pid2): higher score, then lower id. */
static inline int hit_better(float s1, uint32_t p1, float s2, uint32_t p2)
{
    return s1 > s2 || (s1 == s2 && p1 < p2);
}
/* The score a new hit must beat to enter: the k-th kept score, or the floor
 * while fewer are kept (-1 with no floor). Hits come in passage order, so
 * a later hit that only ties it ranks below. */
static inline float topk_threshold(const TopK *t)
{
    float kept = t->keys ? t->threshold : t->n < t->k ? -1.0f : t->heap[0].score;
    return kept > t->floor ? kept : t->floor;
}
/* The parts of topk_push that are not inline: heap (and group) mode, and
 * cutting a full buffer back to the k best. */
void topk_push_heap(TopK *t, uint32_t pid, float score);
void topk_truncate(TopK *t);
/* A buffer key: (score bits << 32) | ~pid, so that a larger key is a
 * better hit (scores are >= 0: their bits order as they do). */
static inline uint64_t hit_key(uint32_t pid, float score)
{
    uint32_t bits;
    memcpy(&bits, &score, 4);
    return (uint64_t)bits << 32 | (uint64_t)(UINT32_MAX - pid);
}
/* The score a key holds. */
static inline float key_score(uint64_t key)
{
    uint32_t bits = (uint32_t)(key >> 32);
    float score;
    memcpy(&score, &bits, 4);
    return score;
}
/* Moves the k largest of the distinct keys v[0..n) (1 <= k <= n) to the
 * front, unordered, and returns the k-th largest: quickselect. */
uint64_t keys_select_largest(uint64_t *v, size_t n, size_t k);
/* Offers a hit (a segment-local pid); dropped if deleted. Inline: at
 * k = 1000 the algorithms offer millions of hits, and the call itself was
 * a third of the cost of keeping them. */
static inline void topk_push(TopK *t, uint32_t pid, float score)
{
    if (t->deleted && bit_get(t->deleted, pid)) return;
    pid += t->base;
    if (!t->keys) {
        topk_push_heap(t, pid, score);
        return;
    }
    uint64_t key = hit_key(pid, score);
    if (key <= t->min_key || score <= t->floor) return;
    t->keys[t->nkeys++] = key;
    if (t->nkeys == TOPK_BUFFER_FACTOR * t->k) topk_truncate(t);
}
/* Sorts the kept hits best first (the heap is consumed). */
size_t topk_sorted(TopK *t);

/* ---- algorithms ---- */

/* Passages a bmm window spans at most, and a slice of it that the
 * essential terms add into the accumulator at a time: 4096 sums of 8 bytes
 * fit the L1 cache, and one 64-bit word summarises the slice's seen words. */
#define BMM_WINDOW 16384
#define BMM_SLICE 4096
_Static_assert(BMM_SLICE <= 64 * 64 && BMM_SLICE <= BMM_WINDOW, "one summary word covers a slice");

/* What an algorithm works with: the index, the parameters, the query, and
 * room for its cursors, allocated once by search_context_init. */
typedef struct {
    const Index *ix;
    const Bm25 *bm25;
    Query *q;                /* set before each search */
    /* the segment being searched (search_segment): algorithms read it
     * with segment-local passage ids */
    size_t segment;
    const Segment *seg;
    PassageLengths lengths;  /* its passage lengths, as the pruned loops read them */
    uint32_t base;           /* its first global passage id */
    const uint64_t *deleted; /* its deleted passages, or NULL */
    PostingCursor *cur;      /* one cursor per query term */
    const QueryTerm **qt;    /* the term behind each cursor */
    float *ub;               /* per cursor: upper bound of its score */
    uint32_t *order;         /* per cursor: scratch permutation */
    float *prefix;           /* scratch: sums of bounds */
    ScoreSum *acc;           /* bmm: scores of the passages of a window */
    uint64_t *seen;          /* bmm: which passages of the window have one */
    uint32_t *cand;          /* bmm: the window's candidates, in order
                                (at most BMM_WINDOW: one per passage) */
    ScoreSum *cand_sum;      /* and their partial scores */
    int exact_maxima;        /* the segment's block maxima bound scores at
                                these k1, b and the index's mean length
                                (set by search_segment; bm25 must not
                                change during the context's life) */
    int exact_floors;        /* and its terms' stored floors are reached
                                (the same k1 and b, a mean length no
                                smaller) by live passages (no deletes) */
    /* the query tree (boolean.c): cursor i belongs to key i */
    PositionCursor *pos;     /* per key: its positions (phrases only) */
    uint32_t *node_pid;      /* per node: its match at or after the last
                                target it was asked for */
    uint32_t *node_pf;       /* per phrase node: phrase frequency there */
    uint8_t *node_state;     /* per node: NODE_* flags */
    float *node_ub;          /* per node: upper bound of its score */
    int corrupt;             /* positions failed to decode */
    float proximity;         /* weight of the term-proximity part of a
                                score (proximity.c); 0: BM25 alone */
} SearchContext;

/* Starts on segment 0. */
void search_context_init(SearchContext *c, const Index *ix, const Bm25 *bm25);
/* Makes segment i the one searched: binds the query to it and, when top
 * is given, has top translate its ids and drop its deleted passages. */
void search_segment(SearchContext *c, size_t i, TopK *top);
void search_context_free(SearchContext *c);
/* Opens a cursor for every query term found in the lexicon; returns how
 * many (cursor i scores with ctx->qt[i]->weight). */
size_t search_open_cursors(SearchContext *c);
/* Float sums of per-term scores can round a hair above the sum of bounds
 * computed separately; inflating every bound by this keeps pruning exact. */
#define BOUND_SLACK 1.0001f
/* Upper bound of a term's score in any passage. */
float search_term_bound(const SearchContext *c, const QueryTerm *t);
/* Upper bound of cursor i's score in the block cursor_shallow last found
 * (block-max), slightly inflated against float rounding. Cursors opened by
 * search_open_cursors also get their term's bound in ub[]. Inline for the
 * stored maxima (a window's bound reads it for each block it spans); the
 * generic bound, from the largest tf and shortest length, is not. */
float block_upper_bound_generic(const SearchContext *c, size_t i);
static inline float block_upper_bound(const SearchContext *c, size_t i)
{
    if (!c->exact_maxima) return block_upper_bound_generic(c, i);
    return BOUND_SLACK * c->qt[i]->weight * cursor_block_max_tf_part(&c->cur[i]);
}
/* BM25 of passage pid from the cursors on it (a ScoreSum, so every
 * algorithm gets the same float), moving those cursors past it. */
float score_and_advance(SearchContext *c, size_t n, uint32_t pid);
/* Partial score sums are compared with the threshold before they are
 * complete, against sums of (inflated) bounds: this slack on such a
 * comparison keeps a passage whose exact score would just beat it. */
#define PARTIAL_SLACK 1.00002f

/* Sorts order[0..n) by ascending ub[] and fills prefix[i] = the sum of the
 * i smallest bounds (MaxScore's split into non-essential terms). */
void search_order_by_bound(SearchContext *c, size_t n);
/* How many terms, from order[0] on, cannot beat threshold even together:
 * the non-essential ones. Starts counting at from (thresholds only rise). */
size_t search_nonessential(const SearchContext *c, size_t n, size_t from, float threshold);
/* Completes passage pid, whose essential terms sum to sum, with the
 * non-essential ones, order[ne-1] down to order[0], moving their cursors
 * to pid; each term's block bound at pid is tried first (saves moving a
 * cursor whose block cannot help). Returns the passage's score, or -1 as
 * soon as it provably cannot beat threshold. (bmm completes a window's
 * candidates a term at a time instead: bmm.c.) */
float search_complete(SearchContext *c, size_t ne, uint32_t pid, ScoreSum sum, float threshold);
/* 0, or -1 with err_msg() set when a cursor met corrupt postings. */
int search_check_cursors(const SearchContext *c, size_t n);

/* threshold.c: */
/* Raises top's floor, before the query in ctx is searched, to a score k
 * live passages of this segment are known to reach (from each term's best
 * blocks alone). Does nothing when that does not hold for the final top k
 * (a query other than a union or one word, group mode, bounds not exact
 * for these BM25 parameters). */
void search_seed_threshold(SearchContext *c, TopK *top);

/* An algorithm fills top with the k best passages of the union of the
 * query terms in ctx's segment; returns 0, or -1 with err_msg() set
 * (corrupt postings). ctx is its workspace: it opens and moves the
 * cursors there and writes the scratch arrays. */
typedef int (*search_fn)(SearchContext *ctx, TopK *top);

typedef struct {
    const char *name;
    const char *summary;
    search_fn run;
    int exhaustive; /* 1: the reference, which search_run lets prune nothing */
} Algorithm;

/* algorithms.c: the table of them */
const Algorithm *algorithm_find(const char *name); /* NULL if unknown */
const Algorithm *algorithm_default(void);
/* Their names, ", " between them, in the table's order. */
const char *algorithm_names(void);
/* The table itself: *n entries, the default first. */
const Algorithm *algorithm_list(size_t *n);

int search_exhaustive(SearchContext *ctx, TopK *top);
int search_maxscore(SearchContext *ctx, TopK *top);
int search_wand(SearchContext *ctx, TopK *top);
int search_bmw(SearchContext *ctx, TopK *top);
int search_bmm(SearchContext *ctx, TopK *top);
/* Conjunctions (ranked_and.c): the top k of the passages holding every
 * query term, skipping with block maxima; count_and / count_or count
 * matches without ranking. */
int search_and(SearchContext *ctx, TopK *top);
uint64_t count_and(SearchContext *ctx);
uint64_t count_or(SearchContext *ctx);
/* Any query tree (boolean.c): document at a time, conjunctions leapfrog
 * with skipping, and whole blocks are skipped where the block maxima of
 * the root's clauses cannot beat the top-k threshold. The exhaustive
 * version scores every match (the reference). */
int search_tree(SearchContext *ctx, TopK *top);
int search_tree_exhaustive(SearchContext *ctx, TopK *top);
/* The k best passages of pid range [first, last] (a per-article listing),
 * every match scored. */
int search_tree_range(SearchContext *ctx, TopK *top, uint32_t first, uint32_t last);
/* The number of passages the tree matches, or -1 (corrupt index). */
int64_t count_tree(SearchContext *ctx);
/* Told each part of a passage's score: a term key (k, its tf) or a phrase
 * (k NULL, tf its frequency), and the part's value. */
typedef struct {
    void (*fn)(void *ctx, const QueryNode *n, const QueryTerm *k, uint32_t tf, float value);
    void *ctx;
} ScorePart;
/* The query tree's score of passage pid, computed as the search computes
 * it, each part told to part (for --explain); -1 when pid does not match. */
float search_tree_score_at(SearchContext *ctx, uint32_t pid, const ScorePart *part);

/* ---- search.c: a query over every segment ---- */

/* Runs the query in ctx->q: a conjunction of words with search_and, a
 * flat one with alg, any other with the tree scorer (exhaustively, and
 * conjunctions too, when alg is the exhaustive one). 0, or -1 with
 * err_msg() set. */
int search_run(const Algorithm *alg, SearchContext *ctx, TopK *top);
/* The number of live passages the query matches, or -1 (corrupt index). */
int64_t search_count(SearchContext *ctx);

/* ---- phrase.c ---- */

/* How many times the m words of a phrase occur in a field: pos[i] holds
 * the npos[i] ascending positions of word i, off[i] its position in the
 * phrase (off[0] = 0). An occurrence is a start p0 of word 0 with each next
 * word i at least off[i] - off[i-1] positions after the one before, and no
 * more than slop extra positions over the whole phrase; each later word is
 * taken as early as possible. slop 0 is the exact phrase. */
uint32_t phrase_count(const uint32_t *const *pos, const uint32_t *npos, const uint32_t *off, size_t m,
                      uint32_t slop);
/* The occurrences themselves: calls fn with the position of word 0 and of
 * the last word of each. */
typedef void (*phrase_fn)(void *ctx, uint32_t first, uint32_t last);
uint32_t phrase_each(const uint32_t *const *pos, const uint32_t *npos, const uint32_t *off, size_t m, uint32_t slop,
                     phrase_fn fn, void *ctx);

/* ---- rescore.c: the exact top k of an expensive score ---- */

/* A round ranks the K best candidates by a cheap first score, rescores
 * them and pushes (pid, rescored score) into cand (which groups as top
 * does); the K-th first score to *kth, or -1 when fewer than K matched.
 * bound: the most a candidate whose first score is at most kth can be
 * rescored to. */
typedef struct {
    int (*round)(void *ctx, size_t K, TopK *cand, float *kth);
    float (*bound)(void *ctx, float kth);
    void *ctx;
} Rescorer;
/* top (its k and grouping) filled with the exact k best rescored, K =
 * first_K at first and doubling (rescore.c); 0, or -1 on corruption. */
int rescore_top(const Rescorer *r, size_t first_K, TopK *top);

/* ---- article_score.c: article evidence ---- */

/* The k (top->k) best articles by A(a) = their best passage's score plus
 * lambda times their other passages' scores (article_score.c), into top
 * (not grouping; unsorted) as (best passage, A) hits, exactly what the
 * exhaustive version gives. most: the most passages an article of the
 * index has (index_max_article_passages), which bounds A of an article not
 * scored. 0, or -1 with err_msg() set. */
int search_articles(const Algorithm *alg, SearchContext *c, float lambda, uint32_t most, TopK *top);
/* The reference: every article scored. */
int search_articles_exhaustive(SearchContext *c, float lambda, TopK *top);
/* The most passages any article of ix has (reads every article record). */
uint32_t index_max_article_passages(const Index *ix);
#define ARTICLE_WEIGHT_MAX 10.0f

/* ---- feedback.c: RM3 pseudo-relevance feedback ---- */

typedef struct {
    uint32_t docs;  /* first-stage passages the model is estimated from; 0: off */
    uint32_t terms; /* expansion words kept at most */
    float weight;   /* the original query's share of the boosts, 0 to 1 */
} FeedbackOptions;

/* Anserini's RM3 defaults (fb_docs, fb_terms, original query weight). */
#define FEEDBACK_DOCS_DEFAULT 10
#define FEEDBACK_TERMS_DEFAULT 10
#define FEEDBACK_WEIGHT_DEFAULT 0.5f
#define FEEDBACK_MAX_DOCS 1000
#define FEEDBACK_MAX_TERMS 100
/* Words in more of the passages than this are never added (Anserini's). */
#define FEEDBACK_MAX_DF_RATIO 0.1
void feedback_options_default(FeedbackOptions *o);
/* Expands the query in c (parsed, not yet searched): runs it with alg for
 * its o->docs best passages, estimates RM3 from their texts (analysed with
 * an, as the index was) and rewrites c->q (query_add_term, _reweigh). A
 * query with no terms, or no feedback, stays as it was. 0, or -1 with
 * err_msg() set (a corrupt index). */
int feedback_expand(SearchContext *c, const Algorithm *alg, Analyzer *an, const FeedbackOptions *o);

/* ---- proximity.c: term proximity (BM25TP) ---- */

/* A word the proximity part reads: a distinct body word of the clauses
 * that score. */
typedef struct {
    uint32_t key;   /* its first key in q->keys: cursor and positions key */
    float idf;      /* what it lends the query words near it */
    float outer;    /* weight * boost * min(1, idf) * (k1 + 1): its part
                       is this times acc / (acc + K), so at most this */
} ProxTerm;

typedef struct {
    ProxTerm *t;
    size_t n;
    float bound;    /* no passage's proximity part exceeds it (0: there
                       is none: fewer than two words, or weight 0) */
    const uint32_t **pos; /* scratch per word present: its positions, */
    uint32_t *npos, *head; /* their count, the merge's place */
    float *idf, *outer;
    double *acc;    /* and its accumulator */
} Proximity;

#define PROXIMITY_WEIGHT_MAX 10.0f
/* The proximity words of the query in c, at weight c->proximity. */
void proximity_init(Proximity *p, const SearchContext *c);
void proximity_free(Proximity *p);
/* Opens the words' cursors and positions in c's current segment. */
void proximity_open(Proximity *p, SearchContext *c);
/* The proximity part of segment-local passage pid, at or after the last
 * one asked for (cursors only move forward), as a ScoreSum; -1 with
 * err_msg() set when its positions are corrupt. */
int proximity_at(Proximity *p, SearchContext *c, uint32_t pid, ScoreSum *out);
/* BM25TP's part for one passage (Buettcher, Clarke and Lushman 2006):
 * the m words present, word i at the npos[i] ascending positions pos[i].
 * Each pair of neighbouring occurrences of two different words, d
 * positions apart, adds idf[j] / d^2 to word i's accumulator acc_i and
 * idf[i] / d^2 to word j's; the part is the sum over the words of
 * outer[i] * acc_i / (acc_i + norm), norm BM25's length part. head and
 * acc: scratch of m entries. */
ScoreSum proximity_bm25tp(const uint32_t *const *pos, const uint32_t *npos, const float *idf, const float *outer,
                          size_t m, float norm, uint32_t *head, double *acc);
/* A passage's score with its proximity part. */
static inline float proximity_total(float bm25, ScoreSum part) { return score_value(score_fixed(bm25) + part); }

/* proximity_search.c: the top k of the query in c by BM25 plus the
 * proximity part (c->proximity > 0), exactly what scoring every match
 * gives; search_run's answer when there is no proximity part. */
int search_ranked(const Algorithm *alg, SearchContext *c, TopK *top);
/* search_tree_range with the proximity part. */
int search_range_ranked(SearchContext *c, TopK *top, uint32_t first, uint32_t last);
/* The proximity part of global passage pid (explain), 0 when off; -1 on
 * corrupt positions or a bad pid. */
int proximity_of(SearchContext *c, uint32_t pid, ScoreSum *out);

/* ---- explain.c ---- */

/* Why passage pid scored what it did: one entry per matching term or
 * phrase, with its tf (phrase frequency), idf, boost, the passage length
 * and the score it adds. Appends text lines (indent first) or, json set, a
 * JSON array. Returns the total score, or -1 when the query does not match
 * pid. */
float explain_hit(SearchContext *ctx, uint32_t pid, int json, const char *indent, Buf *out);

/* ---- snippet.c ---- */

typedef struct {
    size_t start, end; /* byte range in the passage text */
} Span;

typedef struct {
    size_t max_bytes;   /* snippet length budget */
    const char *open;   /* marker before a highlighted term */
    const char *close;  /* and after it */
} SnippetStyle;

/* Byte ranges of the tokens of text whose analysed form is a query term.
 * Returns the count; *out allocated. */
size_t snippet_matches(Analyzer *an, const Query *q, const char *text, size_t len, Span **out);
/* Writes the best window of text (white space collapsed, invalid UTF-8
 * replaced, matches marked) into out. */
void snippet_make(const char *text, size_t len, const Span *m, size_t nm, const SnippetStyle *st, Buf *out);

#endif
