/*
 * json.c: srch_hit_json, a hit as the JSON object every front end prints
 * (search --json, search serve): one writer, so they cannot drift apart.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <utf8proc.h>

/* How many bytes from s on need no escaping: printable ASCII but the
 * quote and the backslash (most of a text, copied at once). */
static size_t plain_run(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\') i++;
    return i;
}

void api_json_string(Buf *b, const char *s, size_t n)
{
    buf_put_u8(b, '"');
    for (size_t i = 0; i < n;) {
        size_t run = plain_run((const unsigned char *)s + i, n - i);
        if (run) {
            buf_append(b, s + i, run);
            i += run;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf_put_u8(b, '\\');
            buf_put_u8(b, c);
            i++;
        } else if (c == '\n' || c == '\t') {
            buf_append(b, c == '\n' ? "\\n" : "\\t", 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            buf_printf(b, "\\u%04x", c);
            i++;
        } else {
            utf8proc_int32_t cp;
            utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
            if (len <= 0) { /* not UTF-8: the replacement character, as the reader will see it */
                buf_append(b, "\\ufffd", 6);
                i++;
            } else {
                buf_append(b, s + i, (size_t)len);
                i += (size_t)len;
            }
        }
    }
    buf_put_u8(b, '"');
}

/* Characters (code points) in s[0..n): a JavaScript or Python reader's
 * offsets, where the hit's are bytes. Counted as api_json_string writes
 * them, so that they index the "text" a reader decodes: a byte that is
 * not UTF-8 is one character (U+FFFD), a stray continuation byte too. */
static size_t chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; k++) {
        if ((unsigned char)s[i] < 0x80) { /* ASCII: one byte, one character */
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        i += len > 0 ? (size_t)len : 1;
    }
    return k;
}

void api_hit_json(Buf *b, const srch_hit *h)
{
    buf_printf(b, "{\"rank\":%zu,", h->rank);
    if (h->article_hit) buf_printf(b, "\"article_hit\":%zu,", h->article_hit);
    buf_printf(b, "\"score\":%.6f,\"id\":", h->score);
    Buf id = {0};
    buf_append(&id, h->id, h->id_len);
    buf_printf(&id, "#%u", h->passage);
    api_json_string(b, (const char *)id.data, id.len);
    buf_free(&id);
    buf_printf(b, ",\"article\":");
    api_json_string(b, h->id, h->id_len);
    buf_printf(b, ",\"passage\":%u,\"path\":", h->passage);
    api_json_string(b, h->path, h->path_len);
    buf_printf(b, ",\"title\":");
    api_json_string(b, h->title, h->title_len);
    buf_printf(b, ",\"start\":%llu,\"end\":%llu,\"text\":", (unsigned long long)h->start,
               (unsigned long long)h->end);
    api_json_string(b, h->text, h->text_len);
    buf_printf(b, ",\"highlights\":[");
    for (size_t i = 0; i < h->nhighlights; i++)
        buf_printf(b, "%s[%zu,%zu]", i ? "," : "", h->highlights[i].start, h->highlights[i].end);
    buf_printf(b, "],\"highlight_chars\":[");
    for (size_t i = 0; i < h->nhighlights; i++) {
        size_t s = h->highlights[i].start, e = h->highlights[i].end;
        if (e > h->text_len || s > e) continue; /* never: spans lie in the text */
        size_t cs = chars(h->text, s);
        buf_printf(b, "%s[%zu,%zu]", i ? "," : "", cs, cs + chars(h->text + s, e - s));
    }
    buf_printf(b, "]");
    if (h->explain_json) buf_printf(b, ",\"explain\":%s", h->explain_json);
    buf_put_u8(b, '}');
}

static char *hit_json_unguarded(const srch_hit *h)
{
    Buf b = {0};
    api_hit_json(&b, h);
    buf_put_u8(&b, 0);
    return (char *)b.data;
}

char *srch_hit_json(const srch_hit *h)
{
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) return NULL;
    char *json = hit_json_unguarded(h);
    oom_leave(&g);
    return json;
}
