/* mpi_exec.c: `search index --mpi` and `search serve --mpi` hand over to
 * search-mpi, found beside this program: ./search itself never links
 * libmpi, whose start-up would cost every CLI query more than the query
 * (ARCHITECTURE.md, "Shards and MPI"). */
#include "cli/cli.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_wants_mpi(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--mpi")) return 1;
    return 0;
}

int cli_mpi_exec(int argc, char **argv)
{
    char self[PATH_MAX], prog[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "search: --mpi: cannot find where this program is: %s\n", strerror(errno));
        return EXIT_ERROR;
    }
    self[n] = 0;
    snprintf(prog, sizeof prog, "%s/search-mpi", dirname(self));
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) return EXIT_ERROR;
    int k = 0;
    args[k++] = prog;
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--mpi")) args[k++] = argv[i];
    execv(prog, args);
    fprintf(stderr, "search: --mpi needs %s (make search-mpi, with Open MPI's libopenmpi-dev): %s\n", prog,
            strerror(errno));
    free(args);
    return EXIT_ERROR;
}
