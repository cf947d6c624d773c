/* test_topk.c: the heap's top-k equals a full sort, ties broken by id. */
#include "check.h"
#include "query/query.h"

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
        size_t got = topk_sorted(&t);
        qsort(all, n, sizeof *all, cmp);
        CHECK_EQ_INT(got, n < k ? n : k);
        for (size_t i = 0; i < got; i++) {
            CHECK_EQ_INT(t.heap[i].pid, all[i].pid);
            CHECK(t.heap[i].score == all[i].score);
        }
        topk_free(&t);
        free(all);
    }
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

TEST_MAIN("topk", T(test_equals_full_sort), T(test_threshold))
