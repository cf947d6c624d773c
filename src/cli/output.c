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

static void print_text_hit(size_t rank, const Hit *h, const ArticleInfo *a, const PassageInfo *p, const Buf *snip,
                           int color)
{
    printf("%s%2zu. %.4f%s  ", color ? "\033[1m" : "", rank, h->score, color ? "\033[0m" : "");
    put_text(a->title, a->title_len);
    printf("\n    %s", color ? "\033[2m" : "");
    put_text(a->path, a->path_len);
    printf(", passage %u, bytes %llu-%llu%s\n    %s\n\n", p->ordinal + 1, (unsigned long long)p->start,
           (unsigned long long)p->end, color ? "\033[0m" : "", (const char *)snip->data);
}

static void print_json_hit(size_t rank, const Hit *h, const ArticleInfo *a, const PassageInfo *p, const Buf *text,
                           const Span *m, size_t nm)
{
    printf("{\"rank\":%zu,\"score\":%.6f,\"id\":", rank, h->score);
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
    json_string(stdout, (const char *)text->data, text->len);
    printf(",\"highlights\":[");
    for (size_t i = 0; i < nm; i++) printf("%s[%zu,%zu]", i ? "," : "", m[i].start, m[i].end);
    printf("]}\n");
}

static void print_trec_hit(const char *qid, size_t rank, const Hit *h, const ArticleInfo *a, const char *tag)
{
    printf("%s Q0 %.*s %zu %.6f %s\n", qid, (int)a->id_len, a->id, rank, h->score, tag);
}

int print_hits(const Index *ix, Analyzer *an, const Query *q, const Hit *hits, size_t n, const OutputOptions *o,
               const char *qid)
{
    Buf text = {0}, snip = {0};
    SnippetStyle st = {360, o->color ? "\033[1;31m" : "**", o->color ? "\033[0m" : "**"};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        PassageInfo p;
        ArticleInfo a;
        index_passage(ix, hits[i].pid, &p);
        index_article(ix, p.article, &a);
        if (o->mode == OUT_TREC) {
            print_trec_hit(qid, i + 1, &hits[i], &a, o->tag);
            continue;
        }
        if (index_passage_text(ix, hits[i].pid, &text) != 0) {
            rc = -1;
            break;
        }
        Span *m;
        size_t nm = snippet_matches(an, q, (const char *)text.data, text.len, &m);
        if (o->mode == OUT_JSON) {
            print_json_hit(i + 1, &hits[i], &a, &p, &text, m, nm);
        } else {
            snippet_make((const char *)text.data, text.len, m, nm, &st, &snip);
            print_text_hit(i + 1, &hits[i], &a, &p, &snip, o->color);
        }
        free(m);
    }
    buf_free(&text);
    buf_free(&snip);
    return rc;
}
