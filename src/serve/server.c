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
 *
 * /search, /articles, /health and /stats are answered by a backend
 * (ServeBackend): the local index's below, or the one in the options
 * (search-mpi's front end), behind the same routes, limits and checks.
 */
#include "serve/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h" /* Buf, and the JSON writer every front end shares */

#define SCHEMA SERVE_SCHEMA
#define LAT_BUCKETS 160 /* latency histogram: bucket i holds [10 µs * 1.1^i, 10 µs * 1.1^(i+1)) */

/* A request handed from libmicrohttpd's thread to a search thread: its
 * parameters copied (the connection is suspended meanwhile), then the
 * reply. */
typedef struct Job {
    struct Job *next;
    struct MHD_Connection *c;
    char *path;                 /* the URL's path */
    char *q, *k, *offset, *per_article, *explain, *algorithm; /* parameters, NULL when absent */
    unsigned status;            /* the reply */
    const char *type;
    Buf body;
} Job;

typedef struct {
    const ServeOptions *o;
    const ServeBackend *be;     /* what answers: o->backend, or the local index (its ctx the Live) */
    pthread_mutex_t mu;         /* guards the queue */
    pthread_cond_t cv;
    Job *head, *tail;
    unsigned queued;            /* jobs waiting or being answered */
    int stop;
    pthread_t *threads;
    unsigned nthreads;
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

/* ---- replies ---- */

static void reply(Job *j, unsigned status, Buf *body)
{
    j->status = status;
    j->type = "application/json";
    j->body = *body;
    memset(body, 0, sizeof *body);
}

/* {"schema":1,"error":{"status":N,"code":"...","message":"..."}} */
static void reply_error(Server *sv, Job *j, unsigned status, const char *code, const char *fmt, ...)
    PRINTF_LIKE(5, 6);
static void reply_error(Server *sv, Job *j, unsigned status, const char *code, const char *fmt, ...)
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
    reply(j, status, &b);
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

static void reply_api_error(Server *sv, Job *j, const srch_error *e)
{
    reply_error(sv, j, status_of(e->code), srch_code_name(e->code), "%s", e->message);
}

/* ---- parameters ---- */

/* An unsigned parameter: def when absent; -1 when not a number in [0, max]. */
static long long param_uint(const char *v, long long def, long long max)
{
    if (!v || !*v) return def;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    return *end || errno || n < 0 || n > max ? -1 : n;
}

/* A flag: 1 for 1/true/yes/on, 0 for absent or 0/false/no/off, -1 else. */
static int param_flag(const char *v)
{
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

/* ---- endpoints (on the search threads) ---- */

/* The local index as a backend (ctx its Live): a /search answer's body. */
static srch_code local_search(void *ctx, const char *q, const srch_search_options *so, Buf *b, srch_error *err)
{
    Live *live = ctx;
    srch_searcher *s;
    Generation *g = live_acquire(live, &s, err);
    if (!g) return err->code;
    srch_hits *h;
    srch_code rc = srch_search(s, q, so, &h, err);
    if (rc == SRCH_OK) {
        serve_search_body(b, q, generation_name(g), so->k, so->offset, h);
        srch_hits_free(h);
    }
    live_release(live, g, s);
    return rc;
}

static void search(Server *sv, Job *j)
{
    const char *q = j->q;
    if (!q || !*q) return reply_error(sv, j, MHD_HTTP_BAD_REQUEST, "bad argument", "q, the query, is missing");
    size_t qlen = strlen(q);
    if (qlen > sv->o->max_query)
        return reply_error(sv, j, MHD_HTTP_CONTENT_TOO_LARGE, "too large", "q is %zu bytes, at most %zu are taken",
                           qlen, sv->o->max_query);
    srch_search_options so;
    srch_search_options_init(&so);
    long long max = (long long)sv->o->max_k;
    long long k = param_uint(j->k, 10, max), off = param_uint(j->offset, 0, max);
    long long pa = param_uint(j->per_article, 0, 100);
    int explain = param_flag(j->explain);
    if (k < 1 || off < 0 || k + off > max)
        return reply_error(sv, j, MHD_HTTP_BAD_REQUEST, "bad argument",
                           "k must be 1 to %lld, offset 0 or more, k + offset at most %lld", max, max);
    if (pa < 0 || explain < 0)
        return reply_error(sv, j, MHD_HTTP_BAD_REQUEST, "bad argument", "per_article must be 0 to 100, explain 0 or 1");
    so.k = (size_t)k;
    so.offset = (size_t)off;
    so.per_article = (uint32_t)pa;
    so.explain = explain;
    so.algorithm = j->algorithm;
    double t0 = now();
    srch_error err;
    Buf b = {0};
    srch_code rc = sv->be->search(sv->be->ctx, q, &so, &b, &err);
    if (rc != SRCH_OK) {
        buf_free(&b);
        return reply_api_error(sv, j, &err);
    }
    double took = now() - t0;
    buf_printf(&b, ",\"took_ms\":%.3f}\n", took * 1e3);
    atomic_fetch_add(&sv->queries, 1);
    record_latency(sv, took);
    reply(j, MHD_HTTP_OK, &b);
}

/* An /articles/ID answer's body from the local index. */
static srch_code local_article(void *ctx, const char *id, Buf *b, srch_error *err)
{
    Live *live = ctx;
    Generation *g = live_acquire(live, NULL, err);
    if (!g) return err->code;
    srch_hits *h;
    srch_code rc = srch_article(generation_index(g), id, &h, err);
    if (rc == SRCH_OK) {
        serve_article_body(b, id, generation_name(g), h);
        srch_hits_free(h);
    }
    live_release(live, g, NULL);
    return rc;
}

static void article(Server *sv, Job *j, const char *id)
{
    if (!*id) return reply_error(sv, j, MHD_HTTP_NOT_FOUND, "not found", "no article id given");
    srch_error err;
    Buf b = {0};
    srch_code rc = sv->be->article(sv->be->ctx, id, &b, &err);
    if (rc != SRCH_OK) {
        buf_free(&b);
        return reply_api_error(sv, j, &err);
    }
    reply(j, MHD_HTTP_OK, &b);
}

/* The generation and counts of the local index. */
static srch_code local_info(void *ctx, ServeInfo *out, srch_error *err)
{
    Live *live = ctx;
    Generation *g = live_acquire(live, NULL, err);
    if (!g) return err->code;
    srch_index_info info;
    srch_index_stats(generation_index(g), &info);
    snprintf(out->generation, sizeof out->generation, "%s", generation_name(g));
    out->passages = info.passages;
    out->articles = info.articles;
    out->segments = info.segments;
    live_release(live, g, NULL);
    return SRCH_OK;
}

static void stats(Server *sv, Job *j, int health)
{
    srch_error err;
    ServeInfo info;
    if (sv->be->info(sv->be->ctx, &info, &err) != SRCH_OK)
        return reply_api_error(sv, j, &err);
    Buf b = {0};
    if (health) {
        buf_printf(&b, "{\"schema\":%d,\"status\":\"ok\",\"generation\":\"%s\"}\n", SCHEMA, info.generation);
    } else {
        pthread_mutex_lock(&sv->mu);
        unsigned queued = sv->queued;
        pthread_mutex_unlock(&sv->mu);
        buf_printf(&b,
                   "{\"schema\":%d,\"generation\":\"%s\",\"passages\":%llu,\"articles\":%llu,\"segments\":%llu,"
                   "\"queries\":%llu,\"errors\":%llu,\"rejected\":%llu,\"in_progress\":%u,\"threads\":%u,"
                   "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f},\"uptime_s\":%.1f,\"version\":\"%s\"}\n",
                   SCHEMA, info.generation, (unsigned long long)info.passages, (unsigned long long)info.articles,
                   (unsigned long long)info.segments, atomic_load(&sv->queries), atomic_load(&sv->errors),
                   atomic_load(&sv->rejected), queued, sv->nthreads, latency_quantile(sv, 0.5),
                   latency_quantile(sv, 0.9), latency_quantile(sv, 0.99), now() - sv->started, srch_version());
    }
    reply(j, MHD_HTTP_OK, &b);
}

static void answer(Server *sv, Job *j)
{
    const char *url = j->path;
    if (!strcmp(url, "/search")) search(sv, j);
    else if (!strncmp(url, "/articles/", 10)) article(sv, j, url + 10);
    else if (!strcmp(url, "/health")) stats(sv, j, 1);
    else if (!strcmp(url, "/stats")) stats(sv, j, 0);
    else reply_error(sv, j, MHD_HTTP_NOT_FOUND, "not found", "no such page: %s", url);
}

/* ---- the search threads ---- */

static void *search_thread(void *arg)
{
    Server *sv = arg;
    pthread_mutex_lock(&sv->mu);
    for (;;) {
        while (!sv->head && !sv->stop) pthread_cond_wait(&sv->cv, &sv->mu);
        if (!sv->head) break; /* stopping, nothing left */
        Job *j = sv->head;
        sv->head = j->next;
        if (!sv->head) sv->tail = NULL;
        pthread_mutex_unlock(&sv->mu);
        answer(sv, j);
        MHD_resume_connection(j->c); /* libmicrohttpd calls handle() again: it sends the reply */
        pthread_mutex_lock(&sv->mu);
    }
    pthread_mutex_unlock(&sv->mu);
    return NULL;
}

/* Queues j; 0 when the queue is full. */
static int enqueue(Server *sv, Job *j)
{
    pthread_mutex_lock(&sv->mu);
    int room = !sv->stop && sv->queued < sv->o->queue;
    if (room) {
        sv->queued++;
        if (sv->tail) sv->tail->next = j;
        else sv->head = j;
        sv->tail = j;
        pthread_cond_signal(&sv->cv);
    }
    pthread_mutex_unlock(&sv->mu);
    return room;
}

static void job_free(Job *j)
{
    free(j->path);
    free(j->q);
    free(j->k);
    free(j->offset);
    free(j->per_article);
    free(j->explain);
    free(j->algorithm);
    buf_free(&j->body);
    free(j);
}

static char *arg_copy(struct MHD_Connection *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v ? strdup(v) : NULL;
}

/* ---- libmicrohttpd's side ---- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type, Buf *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        buf_free(body);
        return MHD_NO;
    }
    memset(body, 0, sizeof *body); /* the response owns the bytes now */
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

/* An error answered at once, on libmicrohttpd's thread. */
static enum MHD_Result refuse(Server *sv, struct MHD_Connection *c, unsigned status, const char *code,
                              const char *message)
{
    Job j = {0};
    reply_error(sv, &j, status, code, "%s", message);
    return respond(c, status, j.type, &j.body);
}

static enum MHD_Result send_page(struct MHD_Connection *c, const char *url)
{
    if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
        return send_static(c, "text/html; charset=utf-8", _binary_src_serve_web_index_html_start,
                           _binary_src_serve_web_index_html_end);
    if (!strcmp(url, "/app.js"))
        return send_static(c, "text/javascript; charset=utf-8", _binary_src_serve_web_app_js_start,
                           _binary_src_serve_web_app_js_end);
    return send_static(c, "text/css; charset=utf-8", _binary_src_serve_web_app_css_start,
                       _binary_src_serve_web_app_css_end);
}

static int is_page(const char *url)
{
    return !strcmp(url, "/") || !strcmp(url, "/index.html") || !strcmp(url, "/app.js") || !strcmp(url, "/app.css");
}

/* A connection's state: &headers_seen, or its Job while a search thread
 * has it. */
static int headers_seen;

static void job_done(Server *sv, Job *j)
{
    pthread_mutex_lock(&sv->mu);
    sv->queued--;
    pthread_mutex_unlock(&sv->mu);
    job_free(j);
}

/* libmicrohttpd calls this when the headers are in, again for each piece
 * of a body and once after it, and once more after a search thread has
 * answered and resumed the connection. A body is refused: no endpoint
 * takes one. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **state)
{
    Server *sv = cls;
    (void)version;
    (void)upload;
    if (!*state) {
        *state = &headers_seen;
        return MHD_YES; /* answer once the request (and any body) is read */
    }
    if (*state != &headers_seen) { /* resumed: the search thread's reply */
        Job *j = *state;
        enum MHD_Result rc = respond(c, j->status, j->type, &j->body);
        job_done(sv, j);
        *state = &headers_seen;
        return rc;
    }
    if (*upload_size) {
        *upload_size = 0; /* dropped */
        return MHD_YES;
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return refuse(sv, c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed", "only GET is served");
    const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (len && strcmp(len, "0"))
        return refuse(sv, c, MHD_HTTP_CONTENT_TOO_LARGE, "too large", "no endpoint takes a request body");
    if (is_page(url)) return send_page(c, url);
    Job *j = calloc(1, sizeof *j);
    if (!j || !(j->path = strdup(url))) {
        free(j);
        return MHD_NO;
    }
    j->c = c;
    j->q = arg_copy(c, "q");
    j->k = arg_copy(c, "k");
    j->offset = arg_copy(c, "offset");
    j->per_article = arg_copy(c, "per_article");
    j->explain = arg_copy(c, "explain");
    j->algorithm = arg_copy(c, "algorithm");
    if (!enqueue(sv, j)) {
        job_free(j);
        atomic_fetch_add(&sv->rejected, 1);
        return refuse(sv, c, MHD_HTTP_SERVICE_UNAVAILABLE, "overloaded", "too many requests at once; try again");
    }
    *state = j;
    MHD_suspend_connection(c); /* until its search thread resumes it */
    return MHD_YES;
}

/* A request is over: its job, if the client left before the reply was
 * sent, is freed here. */
static void completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode why)
{
    (void)c;
    (void)why;
    if (*state && *state != &headers_seen) job_done(cls, *state);
    *state = NULL;
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

static int start_threads(Server *sv)
{
    sv->threads = calloc(sv->o->threads, sizeof *sv->threads);
    if (!sv->threads) return -1;
    for (unsigned i = 0; i < sv->o->threads; i++) {
        if (pthread_create(&sv->threads[i], NULL, search_thread, sv) != 0) return -1;
        sv->nthreads++;
    }
    return 0;
}

static void stop_threads(Server *sv)
{
    pthread_mutex_lock(&sv->mu);
    sv->stop = 1;
    pthread_cond_broadcast(&sv->cv);
    pthread_mutex_unlock(&sv->mu);
    for (unsigned i = 0; i < sv->nthreads; i++) pthread_join(sv->threads[i], NULL);
    free(sv->threads);
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
    pthread_mutex_init(&sv.mu, NULL);
    pthread_cond_init(&sv.cv, NULL);
    Live *live = NULL; /* a backend has no local index */
    ServeBackend local = {NULL, local_search, local_article, local_info};
    sv.be = o->backend ? o->backend : &local;
    if (!o->backend) {
        local.ctx = live = live_open(o->index, o->refresh_ms, &err);
        if (!live) {
            fprintf(stderr, "search: %s\n", err.message);
            return 2;
        }
    }
    int rc = 2;
    struct MHD_Daemon *d = NULL;
    if (start_threads(&sv) != 0) {
        fprintf(stderr, "search: cannot start the search threads\n");
        goto out;
    }
    /* one thread of libmicrohttpd's parses and sends; --threads of ours search */
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME |
                             MHD_USE_ERROR_LOG,
                         0, NULL, NULL, handle, &sv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_CONNECTION_LIMIT, o->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, o->timeout,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024, MHD_OPTION_NOTIFY_COMPLETED,
                         completed, &sv, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "search: cannot listen on %s:%u: %s\n", o->host, o->port, strerror(errno));
        goto out;
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
    rc = 0;
out:
    stop_threads(&sv); /* the queued jobs answered first, so that their connections resume */
    if (d) MHD_stop_daemon(d);
    if (live) live_close(live);
    pthread_mutex_destroy(&sv.mu);
    pthread_cond_destroy(&sv.cv);
    return rc;
}
