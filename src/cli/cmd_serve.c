/* cmd_serve.c: `search serve`, the HTTP server's options (src/serve/). */
#include "cli/cli.h"
#include "serve/serve.h"

#include <stdlib.h>

static void serve_usage(FILE *f)
{
    fprintf(f, "usage: search serve [--index DIR] [--listen ADDR:PORT] [--threads N] [options]\n"
               "Serves the index over HTTP: GET /search?q=..., /articles/ID, /health, /stats,\n"
               "and a search page at /. Answers from each new generation a build publishes.\n"
               "  --index DIR          index directory (default: index)\n"
               "  --listen ADDR:PORT   address to bind (default 127.0.0.1:8080; port 0: any free)\n"
               "  --threads N          request threads (default 2)\n"
               "  --max-connections N  connections open at once (default 256)\n"
               "  --queue N            requests in progress at most; past it, 503 (default 64)\n"
               "  --timeout SEC        idle seconds before a connection is closed (default 30)\n"
               "  --max-query BYTES    longest query (default 1024; longer: 413)\n"
               "  --max-k N            largest k + offset (default 1000)\n"
               "  --quiet              no start-up line\n");
}

int cmd_serve(int argc, char **argv)
{
    ServeOptions o;
    serve_options_default(&o);
    char host[256];
    int rc = serve_options_parse(argc, argv, &o, host, sizeof host, 1);
    if (rc == 1) {
        serve_usage(stdout);
        return 0;
    }
    return rc == 0 ? serve_run(&o) : 2;
}
