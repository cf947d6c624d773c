/* test_ascii_chunk.c: the tokenizer's 16-byte fast path, on its own and
 * against the general tokenizer through analyzer_fold_tokens. */
#include "analysis/analysis.h"
#include "check.h"
#include "util/util.h"

#include <stdlib.h>

/* The decided tokens of a 16-byte chunk as "tok tok|next". */
static const char *scan(const char *chunk)
{
    static char out[128];
    AsciiChunk c;
    CHECK_EQ_INT(strlen(chunk), 16);
    if (!ascii_chunk_scan((const uint8_t *)chunk, &c)) return "unsupported";
    size_t n = 0;
    for (unsigned i = 0; i < c.n; i++)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s", i ? " " : "", (int)(c.end[i] - c.start[i]),
                              (const char *)c.lower + c.start[i]);
    snprintf(out + n, sizeof out - n, "|%u", c.next);
    return out;
}

static void test_chunks(void)
{
    if (!strcmp(scan("0123456789abcdef"), "unsupported")) {
        fprintf(stderr, "  skipped: no SSE2 fast path on this machine\n");
        return;
    }
    CHECK_EQ_STR(scan("The cat, it's 3."), "the cat it's|14"); /* "3." waits: a digit may follow */
    CHECK_EQ_STR(scan("pi is 3.14 or 3,"), "pi is 3.14 or|14");
    CHECK_EQ_STR(scan("a'b don' 'x 1'2 "), "a'b don x 1 2|16"); /* apostrophes join letters only */
    CHECK_EQ_STR(scan("a'b don' 'x 1'2'"), "a'b don x 1|14");  /* "2'" waits: a letter may follow */
    CHECK_EQ_STR(scan("NO  SHOUTING  ok"), "no shouting|14");   /* "ok" touches the end: undecided */
    CHECK_EQ_STR(scan("   ...   ,,,    "), "|16");              /* nothing but separators */
    CHECK_EQ_STR(scan("abcdefghijklmnop"), "|0");               /* one token longer than the chunk */
    CHECK_EQ_STR(scan("caf\xc3\xa9 au lait!!!"), "|0");         /* "caf" may go on: é is a letter */
    CHECK_EQ_STR(scan("tea \xc2\xa0 coffee   "), "tea|4");      /* stops at the non-ASCII byte */
    CHECK_EQ_STR(scan("tea'\xc3\xa9 coffee   "), "|0");         /* "tea" may join through ' */
    CHECK_EQ_STR(scan("it\xe2\x80\x99s here now!"), "|0");      /* "it" may join through ’ */
    CHECK_EQ_STR(scan("x-ray @home #tag"), "x ray home|13");
}

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random text from pieces that exercise every rule at every offset. */
static size_t random_text(char *buf, size_t cap, uint64_t *seed)
{
    static const char *const pieces[] = {
        "a", "Z", "q", "M", "7", "0", " ", " ", " ", "\n", "\t", "'", ".", ",", "-", "!", "(",
        "don't", "3.5", "10,000", "U.S.", "rock'n'roll", "caf\xc3\xa9", "\xc3\x89t\xc3\xa9", "it\xe2\x80\x99s",
        "\xc2\xa0", "\xe2\x80\x94", "\xcc\x81", "\xff", "\x80", "na\xc3\xafve", "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "supercalifragilisticexpialidociousxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    };
    size_t n = 0, want = (size_t)(next_random(seed) % (cap - 100));
    while (n < want) {
        const char *p = pieces[next_random(seed) % (sizeof pieces / sizeof *pieces)];
        size_t l = strlen(p);
        memcpy(buf + n, p, l);
        n += l;
    }
    return n;
}

/* The general tokenizer's folded tokens, one after another. */
typedef struct {
    Buf all;
    uint32_t n;
} Collected;

static void collect_fn(void *ctx, const Token *tok)
{
    Collected *c = ctx;
    buf_append(&c->all, tok->term, tok->len);
    buf_put_u8(&c->all, 0);
    buf_put_u32(&c->all, tok->pos);
    c->n++;
}

static void test_same_as_general_path(void)
{
    AnalysisConfig cfg;
    analysis_config_default(&cfg);
    Analyzer *a = analyzer_new(&cfg);
    CHECK(a != NULL);
    if (!a) return;
    FoldedTokens ft = {0};
    Collected want = {0};
    Buf got = {0};
    uint64_t seed = 20261124;
    size_t tokens = 0, differ = 0;
    char text[700];
    for (int round = 0; round < 4000; round++) {
        size_t len = random_text(text, sizeof text, &seed);
        char *copy = xmalloc(len ? len : 1); /* exactly len bytes: ASan sees any overread */
        memcpy(copy, text, len);
        want.all.len = 0;
        want.n = 0;
        uint32_t wpos = analyzer_run_folded(a, copy, len, collect_fn, &want);
        size_t plen = (size_t)round & 1;
        uint32_t gpos = analyzer_fold_tokens(a, copy, len, "\x01", plen, &ft);
        got.len = 0;
        for (size_t i = 0; i < ft.n; i++) {
            CHECK(ft.tlen[i] > plen);
            if (plen) CHECK_EQ_INT(ft.bytes[ft.off[i]], 1);
            buf_append(&got, ft.bytes + ft.off[i] + plen, ft.tlen[i] - plen);
            buf_put_u8(&got, 0);
            buf_put_u32(&got, ft.pos[i]);
        }
        differ += gpos != wpos || ft.n != want.n || got.len != want.all.len ||
                  memcmp(got.data, want.all.data, got.len) != 0;
        tokens += ft.n;
        free(copy);
    }
    CHECK_EQ_INT(differ, 0);
    CHECK(tokens > 50000);
    buf_free(&got);
    buf_free(&want.all);
    folded_tokens_free(&ft);
    analyzer_free(a);
}

TEST_MAIN("ascii_chunk", T(test_chunks), T(test_same_as_general_path))
