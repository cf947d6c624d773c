/*
 * server.c: the HTTP daemon. libmicrohttpd (Debian's libmicrohttpd-dev)
 * parses HTTP and runs a pool of request threads; each request takes the
 * live generation and one of its searchers (live.c), answers, and gives
 * them back. Endpoints:
 *
 *   GET /search?q=&k=&offset=&per_article=&explain=&algorithm=
 *   GET /articles/{id}     an article's passages
 *   GET /health, /stats    liveness; generation, counters, latency
 *   GET /, /app.js, /app.css   the web page (web/, linked in)
 *
 * Limits: connections (more are not accepted), requests in progress
 * (past the queue, 503 at once: memory stays bounded), idle time, the
 * request's header size (libmicrohttpd answers 431/414), q's length (413),
 * k and offset (400), bodies (413). Nothing but these routes is served.
 */
#include "serve/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h" /* Buf, and the JSON writer every front end shares */

#define SCHEMA 1
#define LAT_BUCKETS 160 /* latency histogram: bucket i holds [10 µs * 1.1^i, 10 µs * 1.1^(i+1)) */

typedef struct {
    const ServeOptions *o;
    Live *live;
    atomic_uint in_progress;
    atomic_ullong queries, errors, rejected;
    atomic_ullong latency[LAT_BUCKETS];
    double started;
} Server;

/* The web page, its script and style: web/ linked in by the Makefile
 * (ld -r -b binary), so the server needs no files but the index. */
extern const char _binary_src_serve_web_index_html_start[], _binary_src_serve_web_index_html_end[];
extern const char _binary_src_serve_web_app_js_start[], _binary_src_serve_web_app_js_end[];
extern const char _binary_src_serve_web_app_css_start[], _binary_src_serve_web_app_css_end[];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void serve_options_default(ServeOptions *o)
{
    memset(o, 0, sizeof *o);
    o->index = "index";
    o->host = "127.0.0.1";
    o->port = 8080;
    o->threads = 2;
    o->max_connections = 256;
    o->queue = 64;
    o->timeout = 30;
    o->max_query = 1024;
    o->max_k = 1000;
    o->refresh_ms = 250;
}

/* ---- responses ---- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type, Buf *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        buf_free(body);
        return MHD_NO;
    }
    body->data = NULL;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result send_static(struct MHD_Connection *c, const char *type, const char *start, const char *end)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer((size_t)(end - start), (void *)start, MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    /* the page loads nothing from elsewhere, and nothing else may be loaded into it */
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* {"error":{"status":N,"code":"...","message":"..."}} */
static enum MHD_Result send_error(Server *sv, struct MHD_Connection *c, unsigned status, const char *code,
                                  const char *fmt, ...)
{
    char m[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    atomic_fetch_add(&sv->errors, 1);
    Buf b = {0};
    buf_printf(&b, "{\"schema\":%d,\"error\":{\"status\":%u,\"code\":\"%s\",\"message\":", SCHEMA, status, code);
    api_json_string(&b, m, strlen(m));
    buf_printf(&b, "}}\n");
    return respond(c, status, "application/json", &b);
}

static unsigned status_of(srch_code code)
{
    switch (code) {
    case SRCH_BAD_QUERY:
    case SRCH_BAD_ARG: return MHD_HTTP_BAD_REQUEST;
    case SRCH_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
    case SRCH_NOMEM:
    case SRCH_BUSY: return MHD_HTTP_SERVICE_UNAVAILABLE;
    default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

static enum MHD_Result send_api_error(Server *sv, struct MHD_Connection *c, const srch_error *e)
{
    return send_error(sv, c, status_of(e->code), srch_code_name(e->code), "%s", e->message);
}

/* ---- parameters ---- */

/* An unsigned parameter: def when absent; -1 when not a number in [0, max]. */
static long long param_uint(struct MHD_Connection *c, const char *name, long long def, long long max)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    if (!v || !*v) return def;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    return *end || errno || n < 0 || n > max ? -1 : n;
}

/* A flag: 1 for 1/true/yes/on, 0 for absent or 0/false/no/off, -1 else. */
static int param_flag(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    if (!v || !*v || !strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off")) return 0;
    return !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") ? 1 : -1;
}

/* ---- latency ---- */

static void record_latency(Server *sv, double seconds)
{
    double us = seconds * 1e6;
    int i = 0;
    for (double edge = 11.0; us >= edge && i < LAT_BUCKETS - 1; edge *= 1.1) i++;
    atomic_fetch_add(&sv->latency[i], 1);
}

/* The q-quantile in milliseconds: the upper edge of its bucket. */
static double latency_quantile(Server *sv, double q)
{
    unsigned long long n = 0, seen = 0, c[LAT_BUCKETS];
    for (int i = 0; i < LAT_BUCKETS; i++) n += c[i] = atomic_load(&sv->latency[i]);
    if (!n) return 0;
    double edge = 0.011;
    for (int i = 0; i < LAT_BUCKETS; i++, edge *= 1.1)
        if ((seen += c[i]) >= q * (double)n) return edge;
    return edge;
}

/* ---- endpoints ---- */

static enum MHD_Result search(Server *sv, struct MHD_Connection *c)
{
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
    if (!q || !*q) return send_error(sv, c, MHD_HTTP_BAD_REQUEST, "bad argument", "q, the query, is missing");
    size_t qlen = strlen(q);
    if (qlen > sv->o->max_query)
        return send_error(sv, c, MHD_HTTP_CONTENT_TOO_LARGE, "too large", "q is %zu bytes, at most %zu are taken", qlen,
                          sv->o->max_query);
    srch_search_options so;
    srch_search_options_init(&so);
    long long k = param_uint(c, "k", 10, (long long)sv->o->max_k), off = param_uint(c, "offset", 0, (long long)sv->o->max_k),
              pa = param_uint(c, "per_article", 0, 100);
    int explain = param_flag(c, "explain");
    if (k < 1 || off < 0 || (size_t)(k + off) > sv->o->max_k)
        return send_error(sv, c, MHD_HTTP_BAD_REQUEST, "bad argument", "k must be 1 to %zu, offset 0 or more, k + offset at most %zu",
                          sv->o->max_k, sv->o->max_k);
    if (pa < 0 || explain < 0)
        return send_error(sv, c, MHD_HTTP_BAD_REQUEST, "bad argument", "per_article must be 0 to 100, explain 0 or 1");
    so.k = (size_t)k;
    so.offset = (size_t)off;
    so.per_article = (uint32_t)pa;
    so.explain = explain;
    so.algorithm = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "algorithm");
    double t0 = now();
    srch_error err;
    srch_searcher *s;
    Generation *g = live_acquire(sv->live, &s, &err);
    if (!g) return send_api_error(sv, c, &err);
    srch_hits *h;
    srch_code rc = srch_search(s, q, &so, &h, &err);
    Buf b = {0};
    if (rc == SRCH_OK) {
        buf_printf(&b, "{\"schema\":%d,\"query\":", SCHEMA);
        api_json_string(&b, q, qlen);
        buf_printf(&b, ",\"generation\":\"%s\",\"k\":%lld,\"offset\":%lld,\"hits\":[", generation_name(g), k, off);
        for (size_t i = 0; i < srch_hits_count(h); i++) {
            if (i) buf_put_u8(&b, ',');
            api_hit_json(&b, srch_hits_get(h, i));
        }
        buf_printf(&b, "],\"notes\":");
        const char *notes = srch_hits_notes(h);
        api_json_string(&b, notes, strlen(notes));
        srch_hits_free(h);
    }
    live_release(sv->live, g, s);
    if (rc != SRCH_OK) {
        buf_free(&b);
        return send_api_error(sv, c, &err);
    }
    double took = now() - t0;
    buf_printf(&b, ",\"took_ms\":%.3f}\n", took * 1e3);
    atomic_fetch_add(&sv->queries, 1);
    record_latency(sv, took);
    return respond(c, MHD_HTTP_OK, "application/json", &b);
}

static enum MHD_Result article(Server *sv, struct MHD_Connection *c, const char *id)
{
    if (!*id) return send_error(sv, c, MHD_HTTP_NOT_FOUND, "not found", "no article id given");
    srch_error err;
    srch_searcher *s;
    Generation *g = live_acquire(sv->live, &s, &err);
    if (!g) return send_api_error(sv, c, &err);
    srch_hits *h;
    srch_code rc = srch_article(generation_index(g), id, &h, &err);
    Buf b = {0};
    if (rc == SRCH_OK) {
        const srch_hit *first = srch_hits_get(h, 0);
        buf_printf(&b, "{\"schema\":%d,\"generation\":\"%s\",\"article\":", SCHEMA, generation_name(g));
        api_json_string(&b, id, strlen(id));
        buf_printf(&b, ",\"title\":");
        api_json_string(&b, first ? first->title : "", first ? first->title_len : 0);
        buf_printf(&b, ",\"path\":");
        api_json_string(&b, first ? first->path : "", first ? first->path_len : 0);
        buf_printf(&b, ",\"passages\":[");
        for (size_t i = 0; i < srch_hits_count(h); i++) {
            const srch_hit *x = srch_hits_get(h, i);
            buf_printf(&b, "%s{\"passage\":%u,\"start\":%llu,\"end\":%llu,\"text\":", i ? "," : "", x->passage,
                       (unsigned long long)x->start, (unsigned long long)x->end);
            api_json_string(&b, x->text, x->text_len);
            buf_put_u8(&b, '}');
        }
        buf_printf(&b, "]}\n");
        srch_hits_free(h);
    }
    live_release(sv->live, g, s);
    if (rc != SRCH_OK) {
        buf_free(&b);
        return send_api_error(sv, c, &err);
    }
    return respond(c, MHD_HTTP_OK, "application/json", &b);
}

static enum MHD_Result stats(Server *sv, struct MHD_Connection *c, int health)
{
    srch_error err;
    srch_searcher *s;
    Generation *g = live_acquire(sv->live, &s, &err);
    if (!g) return send_api_error(sv, c, &err);
    srch_index_info info;
    srch_index_stats(generation_index(g), &info);
    Buf b = {0};
    if (health) {
        buf_printf(&b, "{\"schema\":%d,\"status\":\"ok\",\"generation\":\"%s\"}\n", SCHEMA, generation_name(g));
    } else {
        buf_printf(&b,
                   "{\"schema\":%d,\"generation\":\"%s\",\"passages\":%llu,\"articles\":%llu,\"segments\":%llu,"
                   "\"queries\":%llu,\"errors\":%llu,\"rejected\":%llu,\"in_progress\":%u,"
                   "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f},\"uptime_s\":%.1f,\"version\":\"%s\"}\n",
                   SCHEMA, generation_name(g), (unsigned long long)info.passages, (unsigned long long)info.articles,
                   (unsigned long long)info.segments, atomic_load(&sv->queries), atomic_load(&sv->errors),
                   atomic_load(&sv->rejected), atomic_load(&sv->in_progress), latency_quantile(sv, 0.5),
                   latency_quantile(sv, 0.9), latency_quantile(sv, 0.99), now() - sv->started, srch_version());
    }
    live_release(sv->live, g, s);
    return respond(c, MHD_HTTP_OK, "application/json", &b);
}

static enum MHD_Result route(Server *sv, struct MHD_Connection *c, const char *url)
{
    if (!strcmp(url, "/search")) return search(sv, c);
    if (!strncmp(url, "/articles/", 10)) return article(sv, c, url + 10);
    if (!strcmp(url, "/health")) return stats(sv, c, 1);
    if (!strcmp(url, "/stats")) return stats(sv, c, 0);
    if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
        return send_static(c, "text/html; charset=utf-8", _binary_src_serve_web_index_html_start,
                           _binary_src_serve_web_index_html_end);
    if (!strcmp(url, "/app.js"))
        return send_static(c, "text/javascript; charset=utf-8", _binary_src_serve_web_app_js_start,
                           _binary_src_serve_web_app_js_end);
    if (!strcmp(url, "/app.css"))
        return send_static(c, "text/css; charset=utf-8", _binary_src_serve_web_app_css_start,
                           _binary_src_serve_web_app_css_end);
    return send_error(sv, c, MHD_HTTP_NOT_FOUND, "not found", "no such page: %s", url);
}

/* libmicrohttpd calls this once when the headers are in, again for each
 * piece of a body, and once more after it. A body is refused: no endpoint
 * takes one. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **state)
{
    Server *sv = cls;
    (void)version;
    (void)upload;
    static int headers_seen;
    if (!*state) {
        *state = &headers_seen;
        return MHD_YES; /* answer once the request (and any body) is read */
    }
    if (*upload_size) {
        *upload_size = 0; /* dropped */
        return MHD_YES;
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return send_error(sv, c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed", "only GET is served");
    const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (len && strcmp(len, "0"))
        return send_error(sv, c, MHD_HTTP_CONTENT_TOO_LARGE, "too large", "no endpoint takes a request body");
    if (atomic_fetch_add(&sv->in_progress, 1) >= sv->o->queue) {
        atomic_fetch_sub(&sv->in_progress, 1);
        atomic_fetch_add(&sv->rejected, 1);
        return send_error(sv, c, MHD_HTTP_SERVICE_UNAVAILABLE, "overloaded", "too many requests at once; try again");
    }
    enum MHD_Result rc = route(sv, c, url);
    atomic_fetch_sub(&sv->in_progress, 1);
    return rc;
}

/* ---- running ---- */

static volatile sig_atomic_t stopping;
static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    (void)fmt;
    (void)ap; /* libmicrohttpd's own messages (a client gone, a bad request line) are not ours to print */
}

int serve_run(const ServeOptions *o)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    if (inet_pton(AF_INET, o->host, &addr.sin_addr) != 1) {
        fprintf(stderr, "search: --listen: not an IPv4 address: %s\n", o->host);
        return 2;
    }
    srch_error err;
    Server sv = {.o = o, .started = now()};
    sv.live = live_open(o->index, o->refresh_ms, &err);
    if (!sv.live) {
        fprintf(stderr, "search: %s\n", err.message);
        return 2;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, &sv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
        MHD_OPTION_CONNECTION_LIMIT, o->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, o->timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "search: cannot listen on %s:%u: %s\n", o->host, o->port, strerror(errno));
        live_close(sv.live);
        return 2;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (!o->quiet) {
        printf("search serve: http://%s:%u/ (index %s, %u threads)\n", o->host, info ? info->port : o->port, o->index,
               o->threads);
        fflush(stdout);
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!stopping) sleep(1); /* a signal cuts the sleep short */
    MHD_stop_daemon(d); /* waits for the requests under way */
    live_close(sv.live);
    return 0;
}
