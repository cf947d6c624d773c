/* check.c: the test runner behind check.h. */
#include "check.h"

int check_failed_in_test;

int run_tests(const char *suite, const TestCase *cases, size_t n)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        check_failed_in_test = 0;
        cases[i].fn();
        if (check_failed_in_test) {
            fprintf(stderr, "FAIL %s/%s\n", suite, cases[i].name);
            failed++;
        } else {
            passed++;
        }
    }
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed ? 1 : 0;
}
