/* mpi_main.c: search-mpi's dispatch (index or serve), and the shard
 * directory and epoch record every rank reads. */
#include "mpi/mpi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void shard_dir(char *out, size_t cap, const char *dir, int shard) { snprintf(out, cap, "%s/shard-%d", dir, shard); }

/* EPOCH: one line, the decimal epoch, written by rename so that a reader
 * sees the old line or the new one. */
uint64_t epoch_read(const char *sdir)
{
    char path[4096], line[32] = "";
    snprintf(path, sizeof path, "%s/EPOCH", sdir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, line, sizeof line - 1);
    close(fd);
    if (n <= 0) return 0;
    line[n] = 0;
    char *end;
    unsigned long long v = strtoull(line, &end, 10);
    return *end == '\n' && end == line + n - 1 ? (uint64_t)v : 0;
}

int epoch_write(const char *sdir, uint64_t epoch)
{
    char tmp[4096], path[4096], line[32];
    snprintf(tmp, sizeof tmp, "%s/EPOCH.tmp", sdir);
    snprintf(path, sizeof path, "%s/EPOCH", sdir);
    int n = snprintf(line, sizeof line, "%llu\n", (unsigned long long)epoch);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    int ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    return ok && rename(tmp, path) == 0 ? 0 : -1;
}

int mpi_thread_provided;

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "index") && strcmp(argv[1], "serve"))) {
        fprintf(stderr, "usage: mpirun -np N search index --mpi --corpus PATH --index DIR [--full] [--reorder]\n"
                        "       mpirun -np N+1 search serve --mpi --index DIR [--batch N] [--hex]\n"
                        "       mpirun -np N+1 search serve --mpi --index DIR --listen ADDR:PORT [--batch N] [serve options]\n");
        return 2;
    }
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &mpi_thread_provided);
    int rc = !strcmp(argv[1], "index") ? mpi_index(argc - 1, argv + 1) : mpi_serve(argc - 1, argv + 1);
    MPI_Finalize();
    return rc;
}

/* serve's own options (--batch, --hex) out of argv; the rest, search
 * serve's options, into rest (rest[0] the command). */
static int split_args(int argc, char **argv, char **rest, int *batch, int *hex, int *listen)
{
    int n = 0;
    rest[n++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--batch") && i + 1 < argc) *batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--hex")) *hex = 1;
        else rest[n++] = argv[i];
        if (!strcmp(argv[i], "--listen") || !strncmp(argv[i], "--listen=", 9)) *listen = 1;
    }
    rest[n] = NULL;
    return n;
}

/* Without --listen (queries on standard input) only --index and --quiet
 * of search serve's options apply: the first other one, else NULL. */
static const char *http_only(int n, char **rest)
{
    for (int i = 1; i < n; i++) {
        if (!strcmp(rest[i], "--index")) i++;
        else if (strncmp(rest[i], "--index=", 8) && strcmp(rest[i], "--quiet")) return rest[i];
    }
    return NULL;
}

/* serve: rank 0 the front end, ranks 1..N one shard each. Every rank
 * reads the options alike, so that all refuse them together. */
int mpi_serve(int argc, char **argv)
{
    int rank, size, batch = 16, hex = 0, listen = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char **rest = xcalloc((size_t)argc + 1, sizeof *rest), host[256];
    int n = split_args(argc, argv, rest, &batch, &hex, &listen);
    ServeOptions o;
    serve_options_default(&o);
    const char *stray = listen ? NULL : http_only(n, rest);
    int rc = serve_options_parse(n, rest, &o, host, sizeof host, rank == 0 && !stray);
    if (rc == 1 || rc < 0 || stray || batch < 1 || batch > MPI_BATCH_MAX || size < 2 || (hex && listen)) {
        if (rank == 0 && (rc == 0 || (rc < 0 && stray)))
            fprintf(stderr, "search: serve --mpi takes --index DIR, --batch 1-%d, --hex or --listen ADDR:PORT with "
                            "search serve's options, and N+1 ranks for N shards%s%s\n",
                    MPI_BATCH_MAX, stray ? "; not " : "", stray ? stray : "");
        if (rank == 0 && rc == 1) printf("usage: mpirun -np N+1 search serve --mpi --index DIR [--batch N] [--hex | --listen ADDR:PORT [search serve's options]]\n");
        free(rest);
        return rc == 1 ? 0 : 2;
    }
    free(rest);
    MPI_Comm shards;
    MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? MPI_UNDEFINED : 1, rank, &shards);
    if (rank == 0) return listen ? front_http(size - 1, batch, &o) : front_run(size - 1, batch, hex);
    char sdir[4096];
    shard_dir(sdir, sizeof sdir, o.index, rank - 1);
    rc = shard_run(shards, sdir);
    MPI_Comm_free(&shards);
    return rc;
}
