/* test_bisection.c: the article order of recursive graph bisection is a
 * permutation, the same on one thread as on four, and it does what it is
 * for: articles drawn from separate vocabularies, shuffled together, come
 * out grouped, and the log-gap cost of the postings drops. */
#include "check.h"
#include "testcorpus.h"

#include <math.h>
#include <stdlib.h>

#define CLUSTERS 8
#define PER_CLUSTER 200
#define CLUSTER_VOCAB 60
#define TERMS_PER_DOC 12

typedef struct {
    DocTerms g;
    uint64_t *off;
    uint32_t *terms;
    uint32_t *cluster; /* per article */
} Graph;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Articles of CLUSTERS topics in a random order; each holds distinct terms
 * of its topic's vocabulary, plus a few shared by all topics. */
static Graph make_graph(void)
{
    uint32_t n = CLUSTERS * PER_CLUSTER, per = TERMS_PER_DOC + 2;
    Graph gr;
    gr.off = malloc((n + 1) * sizeof *gr.off);
    gr.terms = malloc((size_t)n * per * sizeof *gr.terms);
    gr.cluster = malloc(n * sizeof *gr.cluster);
    for (uint32_t d = 0; d < n; d++) gr.cluster[d] = d % CLUSTERS;
    for (uint32_t d = n; d > 1; d--) { /* shuffle the topics */
        uint32_t j = tc_rand() % d, t = gr.cluster[d - 1];
        gr.cluster[d - 1] = gr.cluster[j];
        gr.cluster[j] = t;
    }
    uint64_t at = 0;
    for (uint32_t d = 0; d < n; d++) {
        gr.off[d] = at;
        uint32_t *t = gr.terms + at, k = 0;
        while (k < TERMS_PER_DOC) {
            uint32_t term = CLUSTERS + gr.cluster[d] * CLUSTER_VOCAB + tc_rand() % CLUSTER_VOCAB, dup = 0;
            for (uint32_t i = 0; i < k; i++) dup |= t[i] == term;
            if (!dup) t[k++] = term;
        }
        t[k++] = tc_rand() % CLUSTERS; /* common terms */
        if (t[k - 1] != 0) t[k++] = 0;
        qsort(t, k, sizeof *t, cmp_u32);
        at += k;
    }
    gr.off[n] = at;
    gr.g = (DocTerms){n, CLUSTERS + CLUSTERS * CLUSTER_VOCAB, gr.off, gr.terms};
    return gr;
}

static void free_graph(Graph *gr)
{
    free(gr->off);
    free(gr->terms);
    free(gr->cluster);
}

/* Sum over terms of log2 of the gaps between the positions of the
 * articles holding it, numbered by order. */
static double log_gap_cost(const Graph *gr, const uint32_t *order)
{
    const DocTerms *g = &gr->g;
    uint32_t *last = calloc(g->nterms, sizeof *last); /* position + 1 */
    double bits = 0;
    for (uint32_t i = 0; i < g->ndocs; i++) {
        uint32_t d = order[i];
        for (uint64_t j = g->off[d]; j < g->off[d + 1]; j++) {
            bits += log2((double)(i + 1 - last[g->terms[j]]));
            last[g->terms[j]] = i + 1;
        }
    }
    free(last);
    return bits;
}

/* order[0..n) holds each of 0..n-1 once. */
static int is_permutation(const uint32_t *order, uint32_t n)
{
    uint8_t *seen = calloc(n ? n : 1, 1);
    int perm = 1;
    for (uint32_t i = 0; i < n && perm; i++) {
        if (order[i] >= n || seen[order[i]]) perm = 0;
        else seen[order[i]] = 1;
    }
    free(seen);
    return perm;
}

static void test_permutation_and_threads(void)
{
    tc_seed = 11;
    Graph gr = make_graph();
    uint32_t n = gr.g.ndocs;
    uint32_t *one = malloc(n * sizeof *one), *four = malloc(n * sizeof *four);
    bisection_order(&gr.g, one, 1);
    bisection_order(&gr.g, four, 4);
    CHECK(is_permutation(one, n));
    CHECK(memcmp(one, four, n * sizeof *one) == 0);
    free(one);
    free(four);
    free_graph(&gr);
}

static void test_topics_come_together(void)
{
    tc_seed = 12;
    Graph gr = make_graph();
    uint32_t n = gr.g.ndocs;
    uint32_t *id = malloc(n * sizeof *id), *order = malloc(n * sizeof *order);
    for (uint32_t i = 0; i < n; i++) id[i] = i;
    bisection_order(&gr.g, order, 2);
    uint32_t changes_before = 0, changes_after = 0;
    for (uint32_t i = 1; i < n; i++) {
        changes_before += gr.cluster[id[i]] != gr.cluster[id[i - 1]];
        changes_after += gr.cluster[order[i]] != gr.cluster[order[i - 1]];
    }
    double before = log_gap_cost(&gr, id), after = log_gap_cost(&gr, order);
    fprintf(stderr, "  topic changes along the order: %u -> %u; log-gap bits %.0f -> %.0f\n", changes_before,
            changes_after, before, after);
    CHECK(changes_before > n / 2);
    CHECK(changes_after <= 4 * CLUSTERS); /* ideally CLUSTERS - 1 */
    CHECK(after < 0.75 * before);
    free(id);
    free(order);
    free_graph(&gr);
}

/* Degenerate inputs: no articles, one, articles without terms. */
static void test_small_inputs(void)
{
    uint64_t off[41] = {0};
    uint32_t terms[1] = {0}, order[40];
    DocTerms none = {0, 0, off, terms};
    bisection_order(&none, order, 2);
    DocTerms empty = {40, 1, off, terms}; /* 40 articles, no terms */
    bisection_order(&empty, order, 2);
    CHECK(is_permutation(order, 40));
}

TEST_MAIN("bisection", T(test_permutation_and_threads), T(test_topics_come_together), T(test_small_inputs))
