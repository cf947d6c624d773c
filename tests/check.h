/*
 * check.h: the test harness. Each test file defines test functions and a
 * TESTS list; the runner counts checks, prints failures with file:line, and
 * ends with the plain line "N passed, N failed" that CI reads.
 */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

extern int check_failed_in_test; /* failures within the running test */

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failed_in_test++;                                              \
        }                                                                        \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                       \
    do {                                                                         \
        long long va_ = (long long)(a), vb_ = (long long)(b);                    \
        if (va_ != vb_) {                                                        \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, va_, vb_); \
            check_failed_in_test++;                                              \
        }                                                                        \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                       \
    do {                                                                         \
        const char *sa_ = (a), *sb_ = (b);                                       \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                             \
            fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
                    sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                 \
            check_failed_in_test++;                                              \
        }                                                                        \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                    \
    do {                                                                         \
        double va_ = (a), vb_ = (b);                                             \
        if (!(fabs(va_ - vb_) <= (tol))) {                                       \
            fprintf(stderr, "  %s:%d: %s == %.9g, expected %.9g\n", __FILE__, __LINE__, #a, va_, vb_); \
            check_failed_in_test++;                                              \
        }                                                                        \
    } while (0)

typedef struct {
    const char *name;
    void (*fn)(void);
} TestCase;

/* Runs the cases; a test passes when none of its checks failed. */
int run_tests(const char *suite, const TestCase *cases, size_t n);

#define TEST_MAIN(suite, ...)                                                    \
    int main(void)                                                               \
    {                                                                            \
        static const TestCase cases_[] = {__VA_ARGS__};                          \
        return run_tests(suite, cases_, sizeof cases_ / sizeof cases_[0]);       \
    }
#define T(fn) {#fn, fn}

#endif
