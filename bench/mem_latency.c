/*
 * mem_latency: what a random read costs on this machine, by the size of
 * the memory read from, with and without transparent huge pages. The
 * indexer's hash tables are chosen by it (bench/README.md): on the virtual
 * machines we measure on, a TLB miss walks two page tables, and reads
 * spread over a large table cost far more than the DRAM's own latency.
 *
 * For each size (1 MB to 256 MB by fours) it times a chain of dependent
 * reads through a random cyclic permutation of the 64-byte lines (each read
 * waits for the one before: latency), then as many independent reads at
 * random lines (they overlap: the cost per read when misses can be issued
 * together, as the indexer's prefetching passes do). Prints one JSON line
 * per size and page kind, in ns per read.
 *
 * usage: mem_latency [MAX_MB]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define LINE_WORDS 8 /* 64-byte lines of u64 */
#define READS 4000000

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Links the lines of a (n of them) into one random cycle: line i's first
 * word holds the index of the word where the next read goes. */
static int link_cycle(uint64_t *a, size_t n)
{
    uint32_t *order = malloc(n * sizeof *order);
    if (!order) return -1;
    for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
    uint64_t s = 88172645463325252ull;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(next_random(&s) % (i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < n; i++) a[(size_t)order[i] * LINE_WORDS] = (uint64_t)order[(i + 1) % n] * LINE_WORDS;
    free(order);
    return 0;
}

static int measure(size_t mb, int huge)
{
    size_t bytes = mb << 20, lines = bytes / 64;
    uint64_t *a = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) return -1;
    madvise(a, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    if (link_cycle(a, lines) != 0) return -1;
    uint64_t p = 0, sum = 0, s = 12345;
    double t0 = now();
    for (size_t i = 0; i < READS; i++) p = a[p];
    double t1 = now();
    for (size_t i = 0; i < READS; i++) sum += a[(next_random(&s) % lines) * LINE_WORDS];
    double t2 = now();
    printf("{\"mb\":%zu,\"pages\":\"%s\",\"dependent_ns\":%.1f,\"independent_ns\":%.1f,\"check\":%llu}\n", mb,
           huge ? "huge" : "4k", (t1 - t0) / READS * 1e9, (t2 - t1) / READS * 1e9,
           (unsigned long long)((p + sum) & 1));
    munmap(a, bytes);
    return 0;
}

int main(int argc, char **argv)
{
    size_t max = argc > 1 ? (size_t)atol(argv[1]) : 256;
    for (size_t mb = 1; mb <= max; mb *= 4)
        for (int huge = 0; huge < 2; huge++)
            if (measure(mb, huge) != 0) {
                fprintf(stderr, "mem_latency: cannot map %zu MB\n", mb);
                return 1;
            }
    return 0;
}
