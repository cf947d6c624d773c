/*
 * output.c: prints hits as text for people, JSON lines for programs, or a
 * TREC run for evaluation. Text is what a terminal user reads: rank, score,
 * title, where the passage is, and a snippet with the query terms marked.
 */
#include "cli/cli.h"
#include "api/api.h"

#include <stdlib.h>

/* The library's escaping (api/json.c), the one the hit objects and the
 * server use, so that every JSON line agrees on it. */
void json_string(FILE *f, const char *s, size_t n)
{
    Buf b = {0};
    api_json_string(&b, s, n);
    fwrite(b.data, 1, b.len, f);
    buf_free(&b);
}

/* Prints a string field that may be cut anywhere, as plain text. */
static void put_text(const char *s, size_t n)
{
    Buf b = {0};
    SnippetStyle st = {n + 1, "", ""};
    snippet_make(s, n, NULL, 0, &st, &b);
    fwrite(b.data, 1, b.len, stdout);
    buf_free(&b);
}

static void print_text_article(const OutputOptions *o, const srch_hit *h, double score)
{
    int color = o->color;
    printf("%s%2zu. %.4f%s  ", color ? "\033[1m" : "", h->rank, score, color ? "\033[0m" : "");
    put_text(h->title, h->title_len);
    printf("\n    %s", color ? "\033[2m" : "");
    put_text(h->path, h->path_len);
}

/* The passage line (after the article's lines), its snippet, its explanation. */
static void print_text_passage(const OutputOptions *o, const srch_hit *h)
{
    const char *dim = o->color ? "\033[2m" : "", *off = o->color ? "\033[0m" : "";
    if (h->article_hit)
        printf("    %spassage %u, bytes %llu-%llu, score %.4f%s", dim, h->passage, (unsigned long long)h->start,
               (unsigned long long)h->end, h->score, off);
    else
        printf(", passage %u, bytes %llu-%llu%s", h->passage, (unsigned long long)h->start,
               (unsigned long long)h->end, off);
    char *snip = srch_snippet(h, 360, o->color ? "\033[1;31m" : "**", o->color ? "\033[0m" : "**");
    printf("\n    %s\n", snip);
    srch_free(snip);
    if (o->explain && h->explain_text) fputs(h->explain_text, stdout);
}

static void print_qid(const OutputOptions *o)
{
    if (!o->qid) return;
    printf(",\"qid\":");
    json_string(stdout, o->qid, strlen(o->qid));
}

/* The library's JSON object of the hit (srch_hit_json: what search serve
 * prints too), with the line's type and, in a --queries run, the qid put
 * first. */
static void print_json_hit(const OutputOptions *o, const srch_hit *h)
{
    char *json = srch_hit_json(h);
    if (!json) {
        fprintf(stderr, "search: out of memory\n");
        exit(EXIT_ERROR);
    }
    printf("{\"type\":\"hit\"");
    print_qid(o);
    printf(",%s\n", json + 1); /* json is {"rank":...} */
    srch_free(json);
}

/* A byte a TREC run cannot hold as it is: trec_eval, awk and split()
 * cut run lines at white space. */
static int trec_unsafe(unsigned char c) { return c <= ' ' || c == 0x7F; }

int trec_token(const char *s)
{
    for (const char *p = s; *p; p++)
        if (trec_unsafe((unsigned char)*p)) return 0;
    return *s != 0;
}

/* An article id as one token of a run line (search(1) "Searching"): white
 * space and control bytes as %XX, the rest as it is. A passages file's
 * ids may hold spaces, and a directory's are paths, which may too. '%'
 * itself is kept, so that an id that was a token already (the ids of
 * every TREC collection) is written unchanged and matches qrels as they
 * are; the price is that ids "a b" and "a%20b" would be written alike. */
static void trec_docid(FILE *f, const char *id, size_t n)
{
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        if (!trec_unsafe((unsigned char)id[i])) continue;
        fprintf(f, "%.*s%%%02X", (int)(i - done), id + done, (unsigned char)id[i]);
        done = i + 1;
    }
    fprintf(f, "%.*s", (int)(n - done), id + done);
}

static void print_trec_hit(FILE *f, const char *qid, const srch_hit *h, size_t rank, const char *tag)
{
    fprintf(f, "%s Q0 ", qid);
    trec_docid(f, h->id, h->id_len);
    fprintf(f, " %zu %.6f %s\n", rank, h->score, tag);
}

/* A run names each document once per query (trec_eval, and search eval,
 * refuse a run that does not): two articles of a passages file may share
 * an id, and then only the better one is written. */
static void print_trec(const srch_hits *hits, const OutputOptions *o, const char *qid)
{
    StrMap seen;
    strmap_init(&seen);
    size_t rank = 0;
    for (size_t i = 0; i < srch_hits_count(hits); i++) {
        const srch_hit *h = srch_hits_get(hits, i);
        int added;
        strmap_upsert(&seen, h->id, h->id_len, &added);
        if (added) print_trec_hit(o->trec ? o->trec : stdout, qid, h, ++rank, o->tag);
    }
    strmap_free(&seen);
}

void print_hits(const srch_hits *hits, const OutputOptions *o, const char *qid)
{
    size_t n = srch_hits_count(hits);
    if (o->mode == OUT_TREC) {
        print_trec(hits, o, qid);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const srch_hit *h = srch_hits_get(hits, i);
        if (o->mode == OUT_JSON) {
            print_json_hit(o, h);
        } else if (!o->per_article) {
            print_text_article(o, h, h->score);
            print_text_passage(o, h);
            printf("\n");
        } else {
            if (h->article_hit == 1) { /* an article: its line, then its best passages */
                print_text_article(o, h, h->score);
                printf("\n");
            }
            print_text_passage(o, h);
            const srch_hit *next = i + 1 < n ? srch_hits_get(hits, i + 1) : NULL;
            if (!next || next->article_hit == 1) printf("\n"); /* after an article's last passage */
        }
    }
}

void json_begin(const OutputOptions *o, const char *query)
{
    printf("{\"type\":\"begin\",\"schema\":%d", JSON_SCHEMA);
    print_qid(o);
    printf(",\"query\":");
    json_string(stdout, query, strlen(query));
    printf("}\n");
}

void json_end(const OutputOptions *o, size_t hits)
{
    printf("{\"type\":\"end\"");
    print_qid(o);
    printf(",\"hits\":%zu}\n", hits);
}

void json_summary(size_t queries, size_t answered, size_t hits)
{
    printf("{\"type\":\"summary\",\"schema\":%d,\"queries\":%zu,\"queries_with_hits\":%zu,\"hits\":%zu}\n",
           JSON_SCHEMA, queries, answered, hits);
}
