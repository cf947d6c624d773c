/* cmd_serve.c: `search serve`, the HTTP server's options (src/serve/). */
#include "cli/cli.h"
#include "serve/serve.h"

#include <getopt.h>
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

/* "ADDR:PORT", ":PORT" or "PORT". */
static int parse_listen(const char *s, ServeOptions *o, char *host, size_t cap)
{
    const char *colon = strrchr(s, ':');
    const char *port = colon ? colon + 1 : s;
    if (colon) snprintf(host, cap, "%.*s", (int)(colon - s), s);
    if (colon && colon > s) o->host = host;
    long p;
    if (parse_long("--listen's port", port, 0, 65535, &p) != 0) return -1;
    o->port = (unsigned)p;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    ServeOptions o;
    serve_options_default(&o);
    char host[256];
    static const struct option opts[] = {
        {"index", required_argument, 0, 'i'},  {"listen", required_argument, 0, 'l'},
        {"threads", required_argument, 0, 't'}, {"max-connections", required_argument, 0, 'c'},
        {"queue", required_argument, 0, 'Q'},  {"timeout", required_argument, 0, 'T'},
        {"max-query", required_argument, 0, 'm'}, {"max-k", required_argument, 0, 'k'},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    long v;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'i': o.index = optarg; break;
        case 'l': rc = parse_listen(optarg, &o, host, sizeof host); break;
        case 't': rc = parse_long("--threads", optarg, 1, 256, &v), o.threads = (unsigned)v; break;
        case 'c': rc = parse_long("--max-connections", optarg, 1, 100000, &v), o.max_connections = (unsigned)v; break;
        case 'Q': rc = parse_long("--queue", optarg, 1, 100000, &v), o.queue = (unsigned)v; break;
        case 'T': rc = parse_long("--timeout", optarg, 1, 86400, &v), o.timeout = (unsigned)v; break;
        case 'm': rc = parse_long("--max-query", optarg, 1, 1 << 20, &v), o.max_query = (size_t)v; break;
        case 'k': rc = parse_long("--max-k", optarg, 1, 1000000, &v), o.max_k = (size_t)v; break;
        case 'q': o.quiet = 1; break;
        case 'h': serve_usage(stdout); return 0;
        case ':': fprintf(stderr, "search: %s needs a value\n", argv[optind - 1]); return 2;
        default: fprintf(stderr, "search: unknown option %s (search serve --help)\n", argv[optind - 1]); return 2;
        }
        if (rc != 0) return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "search: unexpected argument '%s' (search serve --help)\n", argv[optind]);
        return 2;
    }
    return serve_run(&o);
}
