/* mpi_index.c: `mpirun -np N search index --mpi`: rank I builds (or
 * updates) shard I of N in DIR/shard-I. When every rank's build succeeded,
 * each records the next epoch in its shard; a server switches to an epoch
 * only once all its shards hold it (mpi_shard.c), so an update that failed
 * anywhere is served nowhere. */
#include "mpi/mpi.h"

#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *corpus, *dir;
    srch_build_options o;
    int quiet;
} MpiIndexArgs;

static int parse(int argc, char **argv, MpiIndexArgs *a)
{
    static const struct option opts[] = {{"corpus", required_argument, 0, 'c'}, {"index", required_argument, 0, 'i'},
                                         {"full", no_argument, 0, 'f'},         {"reorder", no_argument, 0, 'r'},
                                         {"threads", required_argument, 0, 't'}, {"quiet", no_argument, 0, 'q'},
                                         {0, 0, 0, 0}};
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->corpus = optarg; break;
        case 'i': a->dir = optarg; break;
        case 'f': a->o.full = 1; break;
        case 'r': a->o.reorder = 1; break;
        case 't': a->o.threads = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        case 'q': a->quiet = 1; break;
        default: fprintf(stderr, "search: unknown or incomplete option %s for search index --mpi\n", argv[optind - 1]); return -1;
        }
    }
    return 0;
}

int mpi_index(int argc, char **argv)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MpiIndexArgs a = {"corpus", "index", {0}, 0};
    srch_build_options_init(&a.o);
    int ok = parse(argc, argv, &a) == 0;
    char sdir[4096];
    shard_dir(sdir, sizeof sdir, a.dir, rank);
    if (ok && mkdir(a.dir, 0755) != 0 && errno != EEXIST) { /* DIR holds the shards: made by any rank of this host */
        fprintf(stderr, "search: cannot create %s: %s\n", a.dir, strerror(errno));
        ok = 0;
    }
    srch_build_report r;
    srch_error err = {SRCH_OK, ""};
    if (ok && srch_build_shard(a.corpus, sdir, (uint32_t)size, (uint32_t)rank, &a.o, &r, &err) != SRCH_OK) {
        fprintf(stderr, "search: shard %d: %s\n", rank, err.message);
        ok = 0;
    }
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all) {
        if (rank == 0) fprintf(stderr, "search: a shard failed to build: the epoch stays as it was on every shard\n");
        return 2;
    }
    unsigned long long mine = epoch_read(sdir), top = 0;
    MPI_Allreduce(&mine, &top, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    ok = epoch_write(sdir, top + 1) == 0;
    if (!ok) fprintf(stderr, "search: shard %d: cannot write %s/EPOCH\n", rank, sdir);
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (rank == 0 && all && !a.quiet) fprintf(stderr, "built %d shards of %s in %s: epoch %llu\n", size, a.corpus, a.dir, top + 1);
    return all ? 0 : 2;
}
