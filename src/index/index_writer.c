/*
 * index_writer.c: the record files of one segment (passages.bin,
 * articles.bin, store.bin, meta.bin), streamed to disk as the indexer or a
 * segment merge adds passages and articles. The term files come from
 * term_writer.c. FORMAT.md is the spec of every byte.
 */
#include "index/writer.h"

#include <stdio.h>
#include <stdlib.h>

int builder_open(IndexBuilder *b, const char *dir, const AnalysisConfig *a, uint32_t passage_words, int threads)
{
    memset(b, 0, sizeof *b);
    b->passages.fd = b->articles.fd = b->strings.fd = -1;
    b->analysis = *a;
    b->passage_words = passage_words;
    b->dir = xstrdup(dir);
    if (fileout_open(&b->passages, dir, "passages.bin", COUNT_BYTES) != 0 ||
        fileout_open(&b->articles, dir, "articles.bin", COUNT_BYTES) != 0 ||
        fileout_open_spill(&b->strings, dir, "article-strings.tmp") != 0 ||
        !(b->store = docstore_writer_new(dir, threads > 1))) {
        builder_abort(b);
        return -1;
    }
    return 0;
}

void builder_abort(IndexBuilder *b)
{
    fileout_discard(&b->passages);
    fileout_discard(&b->articles);
    fileout_discard(&b->strings);
    if (b->store) docstore_abort(b->store);
    buf_free(&b->lengths);
    buf_free(&b->last_path);
    free(b->dir);
    memset(b, 0, sizeof *b);
    b->passages.fd = b->articles.fd = b->strings.fd = -1;
}

void builder_add_passage(IndexBuilder *b, uint32_t ordinal, uint64_t start, uint64_t end, uint32_t length,
                         const char *text, size_t len)
{
    uint8_t r[PASSAGE_RECORD_BYTES];
    passage_record_put(r, &(PassageInfo){.article = b->narticles, .ordinal = ordinal, .start = start, .end = end});
    fileout_write(&b->passages, r, sizeof r);
    buf_put_u32(&b->lengths, length);
    b->total_length += length;
    docstore_add(b->store, text, len);
    b->npassages++;
}

static uint32_t add_string(IndexBuilder *b, const char *s, size_t n)
{
    uint32_t off = (uint32_t)b->strings.len;
    fileout_write(&b->strings, s, n);
    return off;
}

uint64_t builder_strings_bytes(const IndexBuilder *b) { return b->strings.len; }

void builder_add_article(IndexBuilder *b, const ArticleInfo *a, uint32_t first)
{
    ArticleRecord r = {.id_len = a->id_len, .path_len = a->path_len, .title_len = a->title_len};
    r.id_off = add_string(b, a->id, a->id_len);
    /* the rows of a passages file share its path: store it once */
    if (!b->narticles || a->path_len != b->last_path.len || memcmp(b->last_path.data, a->path, a->path_len) != 0) {
        b->last_path_off = add_string(b, a->path, a->path_len);
        b->last_path.len = 0;
        buf_append(&b->last_path, a->path, a->path_len);
    }
    r.path_off = b->last_path_off;
    r.title_off = add_string(b, a->title, a->title_len);
    r.first_passage = first;
    r.npassages = b->npassages - first;
    r.size = a->size;
    r.mtime = a->mtime;
    r.hash = a->hash;
    uint8_t rec[ARTICLE_RECORD_BYTES];
    article_record_put(rec, &r);
    fileout_write(&b->articles, rec, sizeof rec);
    b->narticles++;
}

static int write_meta(IndexBuilder *b, const char *dir, uint64_t *bytes, const TermWriter *f)
{
    MetaRecord r = {
        .passages = b->npassages,
        .articles = b->narticles,
        .terms = f->terms,
        .postings = f->postings,
        .total_length = b->total_length,
        .passage_words = b->passage_words,
        .stopwords = (uint32_t)b->analysis.stopwords,
        .block_size = BLOCK_SIZE,
        .letters_only = (uint32_t)b->analysis.letters_only,
        .k1 = f->impact.k1, /* what the maxima were computed with */
        .b = f->impact.b,
    };
    snprintf(r.language, sizeof r.language, "%s", b->analysis.language);
    Buf m = {0};
    buf_reserve(&m, META_BYTES);
    meta_put(m.data, &r);
    m.len = META_BYTES;
    int rc = file_write(dir, "meta.bin", "META", &m);
    *bytes += m.len + FRAME_BYTES;
    buf_free(&m);
    return rc;
}

/* passages.bin's short lengths, from the u32 lengths, a chunk at a time. */
static void write_short_lengths(IndexBuilder *b)
{
    uint8_t chunk[4096];
    size_t n = b->lengths.len / PASSAGE_LENGTH_BYTES, used = 0;
    for (size_t i = 0; i < n; i++) {
        wr_u16(chunk + used, short_length(rd_u32(b->lengths.data + i * PASSAGE_LENGTH_BYTES)));
        used += PASSAGE_SHORT_BYTES;
        if (used == sizeof chunk || i + 1 == n) {
            fileout_write(&b->passages, chunk, used);
            used = 0;
        }
    }
}

int builder_finish(IndexBuilder *b, const TermWriter *terms, uint64_t *bytes)
{
    uint8_t np[COUNT_BYTES], na[COUNT_BYTES];
    count_put(np, b->npassages);
    count_put(na, b->narticles);
    fileout_write(&b->passages, b->lengths.data, b->lengths.len);
    write_short_lengths(b);
    int rc = fileout_close(&b->passages, "PASS", np, bytes);
    b->passages.fd = -1;
    if (rc == 0) rc = fileout_append_spill(&b->articles, &b->strings);
    if (rc == 0) rc = fileout_close(&b->articles, "ARTI", na, bytes);
    b->articles.fd = -1;
    if (rc == 0) rc = docstore_finish(b->store, bytes);
    else docstore_abort(b->store);
    b->store = NULL;
    /* meta last: a segment without it is never opened */
    if (rc == 0) rc = write_meta(b, b->dir, bytes, terms);
    builder_abort(b); /* frees the rest; the completed files stay */
    return rc;
}
