/* reply.c: the body of GET /search's answer, in one place for search serve
 * and for bench/serve_bench, which times the same work in process. */
#include "serve/serve.h"

#include "api/api.h"

void serve_search_body(Buf *b, const char *q, const char *generation, size_t k, size_t offset, const srch_hits *h)
{
    buf_printf(b, "{\"schema\":%d,\"query\":", SERVE_SCHEMA);
    api_json_string(b, q, strlen(q));
    buf_printf(b, ",\"generation\":\"%s\",\"k\":%zu,\"offset\":%zu,\"hits\":[", generation, k, offset);
    for (size_t i = 0; i < srch_hits_count(h); i++) {
        if (i) buf_put_u8(b, ',');
        api_hit_json(b, srch_hits_get(h, i));
    }
    buf_printf(b, "],\"notes\":");
    const char *notes = srch_hits_notes(h);
    api_json_string(b, notes, strlen(notes));
}
