/* reply.c: the body of GET /search's answer, in one place for search serve,
 * search-mpi's front end (its hits merged from the shards) and
 * bench/serve_bench, which times the same work in process; and of GET
 * /articles/ID, which a shard of search-mpi writes too. */
#include "serve/serve.h"

#include <string.h>

#include "api/api.h"

void serve_search_open(Buf *b, const char *q, const char *generation, size_t k, size_t offset)
{
    buf_printf(b, "{\"schema\":%d,\"query\":", SERVE_SCHEMA);
    api_json_string(b, q, strlen(q));
    buf_printf(b, ",\"generation\":\"%s\",\"k\":%zu,\"offset\":%zu,\"hits\":[", generation, k, offset);
}

void serve_search_notes(Buf *b, const char *notes, size_t len)
{
    buf_printf(b, "],\"notes\":");
    api_json_string(b, notes, len);
}

void serve_search_body(Buf *b, const char *q, const char *generation, size_t k, size_t offset, const srch_hits *h)
{
    serve_search_open(b, q, generation, k, offset);
    for (size_t i = 0; i < srch_hits_count(h); i++) {
        if (i) buf_put_u8(b, ',');
        api_hit_json(b, srch_hits_get(h, i));
    }
    const char *notes = srch_hits_notes(h);
    serve_search_notes(b, notes, strlen(notes));
}

void serve_article_body(Buf *b, const char *id, const char *generation, const srch_hits *h)
{
    const srch_hit *first = srch_hits_get(h, 0);
    buf_printf(b, "{\"schema\":%d,\"generation\":\"%s\",\"article\":", SERVE_SCHEMA, generation);
    api_json_string(b, id, strlen(id));
    buf_printf(b, ",\"title\":");
    api_json_string(b, first ? first->title : "", first ? first->title_len : 0);
    buf_printf(b, ",\"path\":");
    api_json_string(b, first ? first->path : "", first ? first->path_len : 0);
    buf_printf(b, ",\"passages\":[");
    for (size_t i = 0; i < srch_hits_count(h); i++) {
        const srch_hit *x = srch_hits_get(h, i);
        buf_printf(b, "%s{\"passage\":%u,\"start\":%llu,\"end\":%llu,\"text\":", i ? "," : "", x->passage,
                   (unsigned long long)x->start, (unsigned long long)x->end);
        api_json_string(b, x->text, x->text_len);
        buf_put_u8(b, '}');
    }
    buf_printf(b, "]}\n");
}
