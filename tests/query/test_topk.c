/* test_topk.c: the heap's top-k equals a full sort, ties broken by id. */
#include "check.h"
#include "query/query.h"

#include <math.h>
#include <stdlib.h>

static uint32_t seed = 99;
static uint32_t rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

static int cmp(const void *x, const void *y)
{
    const Hit *a = x, *b = y;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* t's sorted hits are the first min(n, k) of all[0..n) sorted; frees
 * both. */
static void check_against_sort(TopK *t, Hit *all, size_t n, size_t k)
{
    size_t got = topk_sorted(t);
    qsort(all, n, sizeof *all, cmp);
    CHECK_EQ_INT(got, n < k ? n : k);
    for (size_t i = 0; i < got; i++) {
        CHECK_EQ_INT(t->heap[i].pid, all[i].pid);
        CHECK(t->heap[i].score == all[i].score);
    }
    topk_free(t);
    free(all);
}

static void test_equals_full_sort(void)
{
    for (int iter = 0; iter < 300; iter++) {
        size_t n = 1 + rnd() % 2000, k = iter % 2 ? 1 + rnd() % 50 : TOPK_BUFFER_FROM + rnd() % 300; /* heap, buffer */
        Hit *all = malloc(n * sizeof *all);
        for (size_t i = 0; i < n; i++) {
            all[i].pid = (uint32_t)i;
            all[i].score = (float)(rnd() % 40); /* many ties */
        }
        TopK t;
        topk_init(&t, k, NULL);
        Hit *order = malloc(n * sizeof *order); /* push in a shuffled order */
        memcpy(order, all, n * sizeof *all);
        for (size_t i = n; i > 1; i--) {
            size_t j = rnd() % i;
            Hit tmp = order[i - 1];
            order[i - 1] = order[j];
            order[j] = tmp;
        }
        for (size_t i = 0; i < n; i++) topk_push(&t, order[i].pid, order[i].score);
        free(order);
        check_against_sort(&t, all, n, k);
    }
}

/* The buffer's sort on scores as BM25 gives them: floats spread over
 * several exponents (every byte of the score differs somewhere), some
 * one ulp apart, runs of ties of every length, one query's worth of a
 * single score; offered in passage order and against it. */
static void test_buffer_sort_real_scores(void)
{
    for (int iter = 0; iter < 200; iter++) {
        size_t n = 1 + rnd() % 6000, k = TOPK_BUFFER_FROM + rnd() % 1500;
        Hit *all = malloc(n * sizeof *all);
        for (size_t i = 0; i < n; i++) {
            all[i].pid = (uint32_t)(i * 9001 + rnd() % 9001); /* increasing, every byte used */
            if (iter % 10 == 0) all[i].score = 3.25f; /* one tie run of all */
            else if (i && rnd() % 3 == 0) all[rnd() % i].score = all[i].score = all[rnd() % i].score;
            else if (i && rnd() % 4 == 0) all[i].score = nextafterf(all[rnd() % i].score, INFINITY); /* its last byte */
            else all[i].score = (float)pow(10.0, (double)(rnd() % 100000) / 20000.0 - 2.0); /* 0.01 .. 1000 */
        }
        TopK t;
        topk_init(&t, k, NULL);
        if (iter % 2) /* in passage order, as the algorithms offer hits */
            for (size_t i = 0; i < n; i++) topk_push(&t, all[i].pid, all[i].score);
        else
            for (size_t i = n; i-- > 0;) topk_push(&t, all[i].pid, all[i].score);
        check_against_sort(&t, all, n, k);
    }
}

/* Ties but for one ulp: the hit just above the rest comes first and the
 * one just below last, whatever their ids. */
static void test_buffer_sort_one_ulp(void)
{
    TopK t;
    size_t n = 300;
    topk_init(&t, n, NULL);
    float s = 7.5f;
    for (uint32_t i = 1; i + 1 < n; i++) topk_push(&t, i, s);
    topk_push(&t, 0, nextafterf(s, 0.0f));
    topk_push(&t, 1000, nextafterf(s, INFINITY));
    CHECK_EQ_INT(topk_sorted(&t), n);
    CHECK_EQ_INT(t.heap[0].pid, 1000);
    CHECK_EQ_INT(t.heap[1].pid, 1);
    CHECK_EQ_INT(t.heap[n - 2].pid, n - 2);
    CHECK_EQ_INT(t.heap[n - 1].pid, 0);
    topk_free(&t);
}

static void test_threshold(void)
{
    TopK t;
    topk_init(&t, 2, NULL);
    CHECK(topk_threshold(&t) < 0);
    topk_push(&t, 1, 5.0f);
    topk_push(&t, 2, 3.0f);
    CHECK_NEAR(topk_threshold(&t), 3.0, 0);
    topk_push(&t, 3, 4.0f);
    CHECK_NEAR(topk_threshold(&t), 4.0, 0);
    topk_push(&t, 0, 4.0f); /* same score, lower id: wins the tie */
    topk_sorted(&t);
    CHECK_EQ_INT(t.heap[0].pid, 1);
    CHECK_EQ_INT(t.heap[1].pid, 0);
    topk_free(&t);
}

TEST_MAIN("topk", T(test_equals_full_sort), T(test_buffer_sort_real_scores), T(test_buffer_sort_one_ulp),
          T(test_threshold))
