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
 * With THREADS > 1, that many threads measure at once, each its own
 * memory, and the line gives their mean: how far the machine's memory
 * keeps up when every core misses the cache (what bounds a parallel
 * build's analysis), against a loop of arithmetic alone ("compute_ns",
 * which any number of cores should run at one core's speed).
 *
 * usage: mem_latency [MAX_MB [THREADS]]
 */
#include <pthread.h>
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

/* One thread's measurement: its memory set up, then (all threads
 * together, at the barrier) the three timed loops. */
typedef struct {
    size_t mb;
    int huge, failed;
    pthread_barrier_t *start;
    double dependent, independent, compute;
    uint64_t check;
} Probe;

static void *measure(void *arg)
{
    Probe *pr = arg;
    size_t bytes = pr->mb << 20, lines = bytes / 64;
    uint64_t *a = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pr->failed = a == MAP_FAILED;
    if (!pr->failed) {
        madvise(a, bytes, pr->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
        pr->failed = link_cycle(a, lines) != 0;
    }
    pthread_barrier_wait(pr->start);
    if (pr->failed) return NULL;
    uint64_t p = 0, sum = 0, s = 12345, x = 1;
    double t0 = now();
    for (size_t i = 0; i < READS; i++) p = a[p];
    double t1 = now();
    for (size_t i = 0; i < READS; i++) sum += a[(next_random(&s) % lines) * LINE_WORDS];
    double t2 = now();
    for (size_t i = 0; i < READS; i++) x += next_random(&s) % 7;
    double t3 = now();
    pr->dependent = (t1 - t0) / READS * 1e9;
    pr->independent = (t2 - t1) / READS * 1e9;
    pr->compute = (t3 - t2) / READS * 1e9;
    pr->check = (p + sum + x) & 1;
    munmap(a, bytes);
    return NULL;
}

#define MAX_THREADS 64

static int measure_all(size_t mb, int huge, int threads)
{
    Probe pr[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    int started = 0, failed = 0;
    for (int i = 0; i < threads; i++) {
        pr[i] = (Probe){.mb = mb, .huge = huge, .start = &start};
        if (i && pthread_create(&th[i], NULL, measure, &pr[i]) != 0) {
            fprintf(stderr, "mem_latency: cannot start a thread\n");
            exit(1); /* the others wait at the barrier for it */
        }
        started++;
    }
    measure(&pr[0]);
    double dep = 0, ind = 0, comp = 0;
    uint64_t check = 0;
    for (int i = 0; i < started; i++) {
        if (i) pthread_join(th[i], NULL);
        failed |= pr[i].failed;
        dep += pr[i].dependent / threads;
        ind += pr[i].independent / threads;
        comp += pr[i].compute / threads;
        check += pr[i].check;
    }
    pthread_barrier_destroy(&start);
    if (failed) return -1;
    printf("{\"mb\":%zu,\"pages\":\"%s\",\"threads\":%d,\"dependent_ns\":%.1f,\"independent_ns\":%.1f,"
           "\"compute_ns\":%.2f,\"check\":%llu}\n",
           mb, huge ? "huge" : "4k", threads, dep, ind, comp, (unsigned long long)(check & 1));
    return 0;
}

int main(int argc, char **argv)
{
    size_t max = argc > 1 ? (size_t)atol(argv[1]) : 256;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "usage: mem_latency [MAX_MB [THREADS (1-%d)]]\n", MAX_THREADS);
        return 2;
    }
    for (size_t mb = 1; mb <= max; mb *= 4)
        for (int huge = 0; huge < 2; huge++)
            if (measure_all(mb, huge, threads) != 0) {
                fprintf(stderr, "mem_latency: cannot map %zu MB\n", mb);
                return 1;
            }
    return 0;
}
