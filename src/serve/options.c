/* options.c: search serve's options, read here for both servers that take
 * them: ./search serve (src/cli/cmd_serve.c) and search-mpi's front end
 * (src/mpi/), so that the two take the same names, ranges and messages. */
#include "serve/serve.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole number in [lo, hi] (the CLI's parse_long, whose messages these
 * are: search-mpi does not link the CLI). */
static int number(const char *opt, const char *s, long lo, long hi, long *out, int say)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi) {
        if (say) fprintf(stderr, "search: %s needs a whole number from %ld to %ld, got '%s'\n", opt, lo, hi, s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

/* "ADDR:PORT", ":PORT" or "PORT". */
static int parse_listen(const char *s, ServeOptions *o, char *host, size_t cap, int say)
{
    const char *colon = strrchr(s, ':');
    const char *port = colon ? colon + 1 : s;
    if (colon) snprintf(host, cap, "%.*s", (int)(colon - s), s);
    if (colon && colon > s) o->host = host;
    long p;
    if (number("--listen's port", port, 0, 65535, &p, say) != 0) return -1;
    o->port = (unsigned)p;
    return 0;
}

static const struct option opts[] = {
    {"index", required_argument, 0, 'i'},  {"listen", required_argument, 0, 'l'},
    {"threads", required_argument, 0, 't'}, {"max-connections", required_argument, 0, 'c'},
    {"queue", required_argument, 0, 'Q'},  {"timeout", required_argument, 0, 'T'},
    {"max-query", required_argument, 0, 'm'}, {"max-k", required_argument, 0, 'k'},
    {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0}};

/* One option's value into o; -1 (said when say) when it is not valid. */
static int set_option(int c, const char *v, ServeOptions *o, char *host, size_t cap, int say)
{
    long n = 0;
    int rc = 0;
    switch (c) {
    case 'i': o->index = v; break;
    case 'l': rc = parse_listen(v, o, host, cap, say); break;
    case 't': rc = number("--threads", v, 1, 256, &n, say), o->threads = (unsigned)n; break;
    case 'c': rc = number("--max-connections", v, 1, 100000, &n, say), o->max_connections = (unsigned)n; break;
    case 'Q': rc = number("--queue", v, 1, 100000, &n, say), o->queue = (unsigned)n; break;
    case 'T': rc = number("--timeout", v, 1, 86400, &n, say), o->timeout = (unsigned)n; break;
    case 'm': rc = number("--max-query", v, 1, 1 << 20, &n, say), o->max_query = (size_t)n; break;
    case 'k': rc = number("--max-k", v, 1, 1000000, &n, say), o->max_k = (size_t)n; break;
    case 'q': o->quiet = 1; break;
    default: return -1;
    }
    return rc;
}

int serve_options_parse(int argc, char **argv, ServeOptions *o, char *host, size_t cap, int say)
{
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h') return 1;
        if (c == ':' || c == '?') {
            if (say && c == ':') fprintf(stderr, "search: %s needs a value\n", argv[optind - 1]);
            else if (say) fprintf(stderr, "search: unknown option %s (search serve --help)\n", argv[optind - 1]);
            return -1;
        }
        if (set_option(c, optarg, o, host, cap, say) != 0) return -1;
    }
    if (optind < argc) {
        if (say) fprintf(stderr, "search: unexpected argument '%s' (search serve --help)\n", argv[optind]);
        return -1;
    }
    return 0;
}
