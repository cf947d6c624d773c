/*
 * output.c: prints hits as text for people, JSON lines for programs, or a
 * TREC run for evaluation. Text is what a terminal user reads: rank, score,
 * title, where the passage is, and a snippet with the query terms marked.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <utf8proc.h>

void json_string(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
            i++;
        } else if (c == '\n') {
            fputs("\\n", f);
            i++;
        } else if (c == '\t') {
            fputs("\\t", f);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            i++;
        } else {
            utf8proc_int32_t cp;
            utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
            if (len <= 0) {
                fputs("\\ufffd", f);
                i++;
            } else {
                fwrite(s + i, 1, (size_t)len, f);
                i += (size_t)len;
            }
        }
    }
    fputc('"', f);
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

typedef struct {
    SearchContext *ctx;
    Analyzer *an;
    const OutputOptions *o;
    SnippetStyle st;
    Buf text, snip, explain;
} Printer;

static void print_text_article(const Printer *pr, size_t rank, float score, const ArticleInfo *a)
{
    int color = pr->o->color;
    printf("%s%2zu. %.4f%s  ", color ? "\033[1m" : "", rank, score, color ? "\033[0m" : "");
    put_text(a->title, a->title_len);
    printf("\n    %s", color ? "\033[2m" : "");
    put_text(a->path, a->path_len);
}

/* The passage line (after the article's lines), its snippet, its explanation. */
static void print_text_passage(const Printer *pr, const PassageInfo *p, const Hit *h, int with_score)
{
    const char *dim = pr->o->color ? "\033[2m" : "", *off = pr->o->color ? "\033[0m" : "";
    if (with_score)
        printf("    %spassage %u, bytes %llu-%llu, score %.4f%s", dim, p->ordinal + 1, (unsigned long long)p->start,
               (unsigned long long)p->end, h->score, off);
    else
        printf(", passage %u, bytes %llu-%llu%s", p->ordinal + 1, (unsigned long long)p->start,
               (unsigned long long)p->end, off);
    printf("\n    %s\n", (const char *)pr->snip.data);
    if (pr->o->explain) fwrite(pr->explain.data, 1, pr->explain.len, stdout);
}

static void print_json_hit(const Printer *pr, size_t rank, size_t sub, const Hit *h, const ArticleInfo *a,
                           const PassageInfo *p, const Span *m, size_t nm)
{
    printf("{\"rank\":%zu,", rank);
    if (sub) printf("\"article_hit\":%zu,", sub);
    printf("\"score\":%.6f,\"id\":", h->score);
    char id[64];
    int idl = snprintf(id, sizeof id, "#%u", p->ordinal + 1);
    Buf full = {0};
    buf_append(&full, a->id, a->id_len);
    buf_append(&full, id, (size_t)idl);
    json_string(stdout, (const char *)full.data, full.len);
    buf_free(&full);
    printf(",\"article\":");
    json_string(stdout, a->id, a->id_len);
    printf(",\"passage\":%u,\"path\":", p->ordinal + 1);
    json_string(stdout, a->path, a->path_len);
    printf(",\"title\":");
    json_string(stdout, a->title, a->title_len);
    printf(",\"start\":%llu,\"end\":%llu,\"text\":", (unsigned long long)p->start, (unsigned long long)p->end);
    json_string(stdout, (const char *)pr->text.data, pr->text.len);
    printf(",\"highlights\":[");
    for (size_t i = 0; i < nm; i++) printf("%s[%zu,%zu]", i ? "," : "", m[i].start, m[i].end);
    printf("]");
    if (pr->o->explain) printf(",\"explain\":%.*s", (int)pr->explain.len, (const char *)pr->explain.data);
    printf("}\n");
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

/* An article id as one token of a run line (README "Searching"): white
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

static void print_trec_hit(FILE *f, const char *qid, size_t rank, const Hit *h, const ArticleInfo *a, const char *tag)
{
    fprintf(f, "%s Q0 ", qid);
    trec_docid(f, a->id, a->id_len);
    fprintf(f, " %zu %.6f %s\n", rank, h->score, tag);
}

/* One passage: rank is the hit's (or its article's) rank, sub its place
 * within the article (0 when hits are passages). */
static int print_passage(Printer *pr, size_t rank, size_t sub, const Hit *h)
{
    PassageInfo p;
    ArticleInfo a;
    index_passage(pr->ctx->ix, h->pid, &p);
    index_article(pr->ctx->ix, p.article, &a);
    if (index_passage_text(pr->ctx->ix, h->pid, &pr->text) != 0) return -1;
    pr->explain.len = 0;
    if (pr->o->explain) explain_hit(pr->ctx, h->pid, pr->o->mode == OUT_JSON, "      ", &pr->explain);
    Span *m;
    size_t nm = snippet_matches(pr->an, pr->ctx->q, (const char *)pr->text.data, pr->text.len, &m);
    if (pr->o->mode == OUT_JSON) {
        print_json_hit(pr, rank, sub, h, &a, &p, m, nm);
    } else {
        snippet_make((const char *)pr->text.data, pr->text.len, m, nm, &pr->st, &pr->snip);
        if (!sub) print_text_article(pr, rank, h->score, &a);
        print_text_passage(pr, &p, h, sub != 0);
        if (!sub || pr->o->per_article == sub) printf("\n");
    }
    free(m);
    return 0;
}

/* An article hit: its best passages (every passage of it scored). */
static int print_article(Printer *pr, size_t rank, const Hit *best)
{
    PassageInfo p;
    ArticleInfo a;
    index_passage(pr->ctx->ix, best->pid, &p);
    index_article(pr->ctx->ix, p.article, &a);
    TopK top;
    topk_init(&top, pr->o->per_article, NULL);
    int rc = search_tree_range(pr->ctx, &top, a.first_passage, a.first_passage + a.npassages - 1);
    size_t n = rc == 0 ? topk_sorted(&top) : 0;
    if (rc == 0 && pr->o->mode != OUT_JSON) {
        print_text_article(pr, rank, best->score, &a);
        printf("\n");
    }
    for (size_t i = 0; i < n && rc == 0; i++) rc = print_passage(pr, rank, i + 1, &top.heap[i]);
    if (rc == 0 && pr->o->mode != OUT_JSON && n < pr->o->per_article) printf("\n");
    topk_free(&top);
    return rc;
}

int print_hits(SearchContext *ctx, Analyzer *an, const Hit *hits, size_t n, const OutputOptions *o,
               const char *qid)
{
    if (o->mode == OUT_TREC) {
        for (size_t i = 0; i < n; i++) {
            PassageInfo p;
            ArticleInfo a;
            index_passage(ctx->ix, hits[i].pid, &p);
            index_article(ctx->ix, p.article, &a);
            print_trec_hit(o->trec ? o->trec : stdout, qid, i + 1, &hits[i], &a, o->tag);
        }
        return 0;
    }
    Printer pr = {ctx, an, o, {360, o->color ? "\033[1;31m" : "**", o->color ? "\033[0m" : "**"}, {0}, {0}, {0}};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = o->per_article ? print_article(&pr, i + 1, &hits[i]) : print_passage(&pr, i + 1, 0, &hits[i]);
    buf_free(&pr.text);
    buf_free(&pr.snip);
    buf_free(&pr.explain);
    return rc;
}
