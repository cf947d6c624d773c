/* client.c: `search --server URL[,URL...] [options] QUERY`: the query
 * asked of search serve (or a sharded search serve --mpi) over HTTP, the
 * replicas tried in order. A replica that cannot be reached in time,
 * answers 5xx, or whose reply is not a whole search answer (cut short,
 * longer than it says, not the JSON of one) is passed over for the next;
 * the answer is printed only once all of it has been read and checked,
 * so a failover never shows half of one. Our own server is the only peer
 * meant: HTTP/1.1 GET, Content-Length bodies, nothing else; a small
 * client of our own over sockets with a deadline on every wait, rather
 * than libcurl for a few dozen lines of HTTP. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX 16384          /* bytes of status line and headers */
#define BODY_MAX (64u << 20)    /* bytes of a body: 1000 hits are about 2 MB */
#define SERVERS_MAX 16
#define TEXT_SHOWN 300          /* bytes of a hit's text in the text output */
#define SCHEMA_READ 1           /* the "schema" of search serve's answers this reads */

typedef struct {
    const char *url; /* as given, for messages */
    size_t url_len;
    char host[256], port[6];
} Server;

typedef struct {
    Server servers[SERVERS_MAX];
    int nservers;
    long timeout_ms, k;
    int json;
    Buf query;
} ClientArgs;

/* One reply, read whole: its status and body (body_at bytes in). */
typedef struct {
    Buf raw;
    int status;
    size_t body_at, body_len;
} Reply;

/* util's monotonic clock, in the milliseconds of --timeout */
static double now_ms(void) { return now_seconds() * 1e3; }

/* ---- arguments ---- */

/* "http://HOST:PORT" with an optional "/" after; -1 when it is not. */
static int parse_url(const char *u, size_t len, Server *s)
{
    static const char scheme[] = "http://";
    s->url = u;
    s->url_len = len;
    if (len > 0 && u[len - 1] == '/') len--;
    if (len < sizeof scheme || strncmp(u, scheme, sizeof scheme - 1)) return -1;
    const char *h = u + sizeof scheme - 1, *end = u + len, *colon = NULL;
    for (const char *c = h; c < end; c++) {
        if (*c == ':') colon = c;
        else if (*c == '/' || *c == '@' || *c == '?' || *c == '#' || *c <= ' ') return -1;
    }
    if (!colon || colon == h || (size_t)(colon - h) >= sizeof s->host || end - colon - 1 < 1 || end - colon - 1 > 5)
        return -1;
    snprintf(s->host, sizeof s->host, "%.*s", (int)(colon - h), h);
    snprintf(s->port, sizeof s->port, "%.*s", (int)(end - colon - 1), colon + 1);
    char *e;
    long p = strtol(s->port, &e, 10);
    return *e || p < 1 || p > 65535 ? -1 : 0;
}

static int parse_servers(const char *list, ClientArgs *a)
{
    for (const char *p = list;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (a->nservers == SERVERS_MAX) {
            fprintf(stderr, "search: --server takes at most %d URLs\n", SERVERS_MAX);
            return -1;
        }
        if (parse_url(p, len, &a->servers[a->nservers]) != 0) {
            fprintf(stderr, "search: --server: '%.*s' is not http://HOST:PORT\n", (int)len, p);
            return -1;
        }
        a->nservers++;
        if (!comma) return 0;
        p = comma + 1;
    }
}

enum { OPT_SERVER = 256, OPT_TIMEOUT, OPT_JSON };

static int parse_client_args(int argc, char **argv, ClientArgs *a)
{
    static const struct option opts[] = {{"server", required_argument, NULL, OPT_SERVER},
                                         {"timeout", required_argument, NULL, OPT_TIMEOUT},
                                         {"json", no_argument, NULL, OPT_JSON},
                                         {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->timeout_ms = 5000;
    a->k = 10;
    opterr = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "-:k:", opts, NULL)) != -1) {
        int rc = 0;
        if (c == 1) {
            if (a->query.len) buf_put_u8(&a->query, ' ');
            buf_append(&a->query, optarg, strlen(optarg));
        } else if (c == 'k') rc = parse_long("-k", optarg, 1, 1000000, &a->k);
        else if (c == OPT_TIMEOUT) rc = parse_long("--timeout", optarg, 1, 3600000, &a->timeout_ms);
        else if (c == OPT_JSON) a->json = 1;
        else if (c == OPT_SERVER) rc = a->nservers ? (fprintf(stderr, "search: --server once, its URLs joined by commas\n"), -1)
                                                   : parse_servers(optarg, a);
        else {
            fprintf(stderr, "search: %s %s with --server (it takes -k, --timeout and --json)\n", argv[optind - 1],
                    c == ':' ? "needs a value" : "does not apply");
            return -1;
        }
        if (rc) return -1;
    }
    for (int i = optind; i < argc; i++) { /* after "--" */
        if (a->query.len) buf_put_u8(&a->query, ' ');
        buf_append(&a->query, argv[i], strlen(argv[i]));
    }
    if (!a->query.len) {
        fprintf(stderr, "search: no query given (search --server URL[,URL...] QUERY)\n");
        return -1;
    }
    buf_put_u8(&a->query, 0);
    return 0;
}

/* ---- one exchange, every wait bounded by the deadline ---- */

/* Waits for fd to be ready for events; 0, or -1 with why set. */
static int wait_fd(int fd, short events, double deadline, const char **why)
{
    for (;;) {
        double left = deadline - now_ms();
        if (left <= 0) return *why = "timed out", -1;
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, (int)left + 1);
        if (n > 0) return 0;
        if (n < 0 && errno != EINTR) return *why = strerror(errno), -1;
    }
}

static int connect_one(const struct addrinfo *ai, double deadline, const char **why)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) return *why = strerror(errno), -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
        *why = strerror(errno);
        close(fd);
        return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (wait_fd(fd, POLLOUT, deadline, why) != 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
        if (err) *why = strerror(err);
        close(fd);
        return -1;
    }
    return fd;
}

/* A connected socket to s (its name resolved first: use addresses where
 * a slow resolver must not count), or -1 with why set. */
static int connect_to(const Server *s, double deadline, const char **why)
{
    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(s->host, s->port, &hints, &res);
    if (rc != 0) return *why = gai_strerror(rc), -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) fd = connect_one(ai, deadline, why);
    freeaddrinfo(res);
    return fd;
}

static int send_all(int fd, const Buf *req, double deadline, const char **why)
{
    for (size_t at = 0; at < req->len;) {
        if (wait_fd(fd, POLLOUT, deadline, why) != 0) return -1;
        ssize_t n = send(fd, req->data + at, req->len - at, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) return *why = strerror(errno), -1;
        if (n > 0) at += (size_t)n;
    }
    return 0;
}

/* The value of header name in the header block (NUL-terminated by the
 * caller at the blank line); NULL when absent. Two of it: *twice set. */
static const char *header(const char *head, const char *name, int *twice)
{
    const char *found = NULL;
    size_t nl = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
        const char *h = l + 2;
        if (strncasecmp(h, name, nl) || h[nl] != ':') continue;
        if (found) *twice = 1;
        for (found = h + nl + 1; *found == ' ' || *found == '\t';) found++;
    }
    return found;
}

/* Status and Content-Length of a header block; -1 with why when they do
 * not read. */
static int parse_head(Reply *r, size_t head_len, const char **why)
{
    char *head = (char *)r->raw.data;
    char saved = head[head_len];
    head[head_len] = 0;
    int twice = 0, rc = -1;
    const char *len = header(head, "Content-Length", &twice), *te = header(head, "Transfer-Encoding", &twice);
    char *end;
    if (strncmp(head, "HTTP/1.", 7) || !(head[7] == '0' || head[7] == '1') || head[8] != ' ' ||
        !(head[9] >= '1' && head[9] <= '5') || strspn(head + 9, "0123456789") != 3 || head[12] != ' ')
        *why = "not an HTTP/1.x status line";
    else if (te || !len || twice)
        *why = te ? "a body not sent by Content-Length" : twice ? "a header given twice" : "no Content-Length";
    else if (*len < '0' || *len > '9' || (errno = 0, r->body_len = strtoull(len, &end, 10), errno) ||
             end[strspn(end, " \t")] != '\r' || r->body_len > BODY_MAX)
        *why = "a Content-Length that is not a number up to 64 MiB";
    else
        r->status = atoi(head + 9), rc = 0;
    head[head_len] = saved;
    return rc;
}

/* Reads the whole reply: headers, then exactly Content-Length bytes
 * before the server closes. */
static int read_reply(int fd, Reply *r, double deadline, const char **why)
{
    size_t head_len = 0;
    for (;;) {
        if (!head_len) {
            uint8_t *blank = r->raw.len >= 4 ? memmem(r->raw.data, r->raw.len, "\r\n\r\n", 4) : NULL;
            if (blank) {
                head_len = (size_t)(blank - r->raw.data) + 2;
                r->body_at = head_len + 2;
                if (parse_head(r, head_len, why) != 0) return -1;
            } else if (r->raw.len > HEAD_MAX) {
                return *why = "headers longer than 16 KiB", -1;
            }
        }
        if (head_len && r->raw.len - r->body_at > r->body_len) return *why = "more bytes than its Content-Length", -1;
        if (head_len && r->raw.len - r->body_at == r->body_len) return 0; /* whole: no need to wait for the close */
        if (wait_fd(fd, POLLIN, deadline, why) != 0) return -1;
        buf_reserve(&r->raw, 65536);
        ssize_t n = recv(fd, r->raw.data + r->raw.len, 65536, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) return *why = strerror(errno), -1;
        if (n == 0) break; /* the server closed: the reply is what came */
        r->raw.len += (size_t)n;
    }
    if (!head_len) return *why = "cut short in its headers", -1;
    if (r->raw.len - r->body_at != r->body_len) return *why = "cut short before its Content-Length", -1;
    return 0;
}

static void url_encode(Buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            buf_put_u8(b, *p);
        else
            buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
}

/* One replica asked, its reply read whole within the timeout. */
static int exchange(const ClientArgs *a, const Server *s, Reply *r, const char **why)
{
    double deadline = now_ms() + (double)a->timeout_ms;
    Buf req = {0};
    buf_printf(&req, "GET /search?k=%ld&q=", a->k);
    url_encode(&req, (const char *)a->query.data);
    buf_printf(&req, " HTTP/1.1\r\nHost: %s:%s\r\nAccept: application/json\r\nConnection: close\r\n\r\n", s->host,
               s->port);
    int fd = connect_to(s, deadline, why), rc = -1;
    if (fd >= 0 && send_all(fd, &req, deadline, why) == 0) rc = read_reply(fd, r, deadline, why);
    if (fd >= 0) close(fd);
    buf_free(&req);
    return rc;
}

/* ---- the answer ---- */

/* 0 when the body is a search answer: {"schema":1, "hits":[{...}], ...}
 * with each hit's fields of the kinds printed. */
static int search_shape(const JDoc *d)
{
    long schema = jdoc_get(d, 0, "schema", J_NUM), hits = jdoc_get(d, 0, "hits", J_ARR);
    if (schema < 0 || jdoc_number(d, schema) != SCHEMA_READ || hits < 0 || jdoc_get(d, 0, "generation", J_STR) < 0)
        return -1;
    for (uint32_t h = d->v[hits].child; h; h = d->v[h].next) {
        static const char *const nums[] = {"rank", "score", "passage", "start", "end"};
        static const char *const strs[] = {"id", "article", "path", "title", "text"};
        for (int i = 0; i < 5; i++)
            if (jdoc_get(d, h, nums[i], J_NUM) < 0 || jdoc_get(d, h, strs[i], J_STR) < 0) return -1;
    }
    return 0;
}

/* A hit as ./search prints one: rank, score, title; path, passage and
 * bytes; the start of its text. */
static void print_hit(Buf *out, const JDoc *d, long h, Buf *tmp)
{
    buf_printf(out, "%2.0f. %.4f  ", jdoc_number(d, jdoc_get(d, h, "rank", J_NUM)), jdoc_number(d, jdoc_get(d, h, "score", J_NUM)));
    jdoc_string(d, jdoc_get(d, h, "title", J_STR), tmp);
    buf_printf(out, "%s\n    ", (char *)tmp->data);
    jdoc_string(d, jdoc_get(d, h, "path", J_STR), tmp);
    buf_printf(out, "%s, passage %.0f, bytes %.0f-%.0f\n    ", (char *)tmp->data,
               jdoc_number(d, jdoc_get(d, h, "passage", J_NUM)), jdoc_number(d, jdoc_get(d, h, "start", J_NUM)),
               jdoc_number(d, jdoc_get(d, h, "end", J_NUM)));
    jdoc_string(d, jdoc_get(d, h, "text", J_STR), tmp);
    size_t n = tmp->len;
    if (n > TEXT_SHOWN) {
        n = TEXT_SHOWN;
        while (n > 0 && (tmp->data[n] & 0xc0) == 0x80) n--; /* not inside a character */
    }
    for (size_t i = 0; i < n; i++)
        buf_put_u8(out, tmp->data[i] == '\n' || tmp->data[i] == '\r' || tmp->data[i] == '\t' ? ' ' : tmp->data[i]);
    buf_printf(out, "%s\n", n < tmp->len ? "…" : "");
}

/* The whole output of an answer, made before any of it is written. */
static size_t render(const ClientArgs *a, const Reply *r, const JDoc *d, Buf *out)
{
    long hits = jdoc_get(d, 0, "hits", J_ARR);
    size_t n = 0;
    Buf tmp = {0};
    for (uint32_t h = d->v[hits].child; h; h = d->v[h].next, n++)
        if (!a->json) print_hit(out, d, h, &tmp);
    if (a->json) buf_append(out, r->raw.data + r->body_at, r->body_len);
    buf_free(&tmp);
    return n;
}

/* A 4xx: the query itself is refused, which every replica would do too. */
static void say_refused(const Server *s, const Reply *r, const JDoc *d, int parsed)
{
    long err = parsed ? jdoc_get(d, 0, "error", J_OBJ) : -1, m = jdoc_get(d, err, "message", J_STR);
    Buf msg = {0};
    if (m >= 0) jdoc_string(d, m, &msg);
    fprintf(stderr, "search: %.*s: HTTP %d: %s\n", (int)s->url_len, s->url, r->status,
            m >= 0 ? (char *)msg.data : "the request was refused");
    buf_free(&msg);
}

/* One replica: 0 answered (printed), 1 refused the query (said), -1 to
 * pass over, why in whyb. */
static int try_server(const ClientArgs *a, const Server *s, Buf *whyb, size_t *nhits)
{
    Reply r = {{0}, 0, 0, 0};
    JDoc d;
    const char *why = NULL;
    int rc = -1, parsed = 0;
    if (exchange(a, s, &r, &why) == 0) {
        parsed = jdoc_parse(&d, (const char *)r.raw.data + r.body_at, r.body_len) == 0;
        if (r.status >= 500) why = "answered with a server error";
        else if (r.status >= 400) rc = 1, say_refused(s, &r, &d, parsed);
        else if (r.status != 200) why = "answered with an unexpected status";
        else if (!parsed || search_shape(&d) != 0) why = "answered with something not a search answer";
        else rc = 0;
        if (rc == 0) {
            Buf out = {0};
            *nhits = render(a, &r, &d, &out);
            fwrite(out.data, 1, out.len, stdout); /* all of it at once, whole */
            buf_free(&out);
        }
        jdoc_free(&d);
    }
    if (rc < 0) {
        buf_printf(whyb, "%s%.*s: %s", whyb->len ? "; " : "", (int)s->url_len, s->url, why);
        if (r.status >= 400) buf_printf(whyb, " (HTTP %d)", r.status);
    }
    buf_free(&r.raw);
    return rc;
}

int cli_wants_server(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--server") || !strncmp(argv[i], "--server=", 9)) return 1;
    return 0;
}

int cmd_client(int argc, char **argv)
{
    ClientArgs a;
    if (parse_client_args(argc, argv, &a) != 0) {
        buf_free(&a.query);
        return EXIT_ERROR;
    }
    Buf why = {0};
    size_t nhits = 0;
    int rc = -1;
    for (int i = 0; i < a.nservers && rc < 0; i++) rc = try_server(&a, &a.servers[i], &why, &nhits);
    if (rc < 0) fprintf(stderr, "search: no server answered: %s\n", (char *)why.data);
    else if (rc == 0 && why.len) fprintf(stderr, "search: warning: %s; answered by the next\n", (char *)why.data);
    buf_free(&why);
    buf_free(&a.query);
    if (rc == 0 && fflush(stdout) != 0) {
        fprintf(stderr, "search: cannot write output\n");
        return EXIT_ERROR;
    }
    return rc != 0 ? EXIT_ERROR : nhits ? EXIT_HITS : EXIT_NO_HITS;
}
