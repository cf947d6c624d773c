/* fuzz_index.c: libFuzzer target for the index reader on damaged files.
 * A small sound index is built once, then updated so that it has two
 * segments and deletes: some articles removed, some edited. Each input
 * names one of its files (first byte): a file of its first segment, the
 * commit's manifest.bin, that segment's del-N.bin or CURRENT; whether to
 * rewrite the file's CRCs after the damage (bit 0 of the second byte: then
 * only the structural checks and the decoders stand between the damage
 * and the code) and whether to cut the file short (bit 7: to the last
 * edit's offset, modulo the length + 1); then 5-byte edits: a 32-bit
 * offset and a byte to XOR there. The damaged index is opened; an open
 * reads no large payload, so most damage opens, and then every query path
 * runs on it (run_queries: each union algorithm, the tree scorer's
 * conjunctions, phrases, exclusions and groups, prefixes, counts, k of 10
 * and 1000, per-article grouping, every hit's records, text, snippet and
 * explanation), then `search check`. Any outcome but a clean error or a
 * clean answer (a crash, a sanitizer report, a hang) is a failure; and
 * when the CRCs were left as they were, check must report the damage
 * (every byte of a framed file is under a CRC32 that an open or check
 * reads). The file is restored after each input. */
#include <stdlib.h>

#include "testcorpus.h"

static TestCorpus corpus;
static char idx[512];
/* Seeds (tests/fuzz/index_seeds) name a file by its place here: new
 * files go at the end. */
static const char *const files[] = {"postings.bin", "positions.bin", "lexicon.bin", "passages.bin", "articles.bin",
                                    "store.bin",    "meta.bin",      "manifest.bin", "del-N.bin",   "CURRENT"};
#define NFILES (sizeof files / sizeof *files)
#define SEGMENT_FILES 7           /* files[0..7) are the first segment's */
#define CURRENT_FILE (NFILES - 1) /* not framed: no CRCs to rewrite */
static char *path[NFILES], *orig[NFILES];
static size_t orig_len[NFILES];

static void cleanup(void) { tc_free(&corpus); }

static int put(size_t f, const char *data, size_t len)
{
    int fd = open(path[f], O_WRONLY | O_TRUNC);
    int ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
    if (fd >= 0) close(fd);
    return ok ? 0 : -1;
}

static char *join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Rewrites docs.tsv without its last 60 documents and with the first
 * word of every 50th changed to another of as many digits, and updates
 * the index: the first segment gets a del-N.bin, the changed documents a
 * second segment (too small to be merged). Every other row stays where it
 * was in the file: a row that moves is a changed article (its passages'
 * byte ranges are stored). */
static void update(void)
{
    char tsv[600];
    snprintf(tsv, sizeof tsv, "%s/docs.tsv", corpus.dir);
    FILE *f = fopen(tsv, "w");
    if (!f) abort();
    for (uint32_t d = 0; d + 60 < corpus.ndocs; d++) {
        fprintf(f, "doc%u\t\t", d);
        for (uint32_t i = 0; i < corpus.len[d]; i++) {
            uint32_t w = corpus.words[d][i]; /* < 40 */
            if (i == 0 && d % 50 == 7) w = w < 10 ? (w + 1) % 10 : 10 + (w - 9) % 30;
            fprintf(f, "%sw%u", i ? " " : "", w);
        }
        fputc('\n', f);
    }
    fclose(f);
    IndexerOptions o;
    indexer_options_default(&o);
    snprintf(o.analysis.language, sizeof o.analysis.language, "none");
    o.passage_words = 100000; /* as tc_index_docs built it */
    IndexerReport r;
    if (indexer_build(tsv, idx, &o, &r) != 0) {
        fprintf(stderr, "fuzz_index: the update failed: %s\n", err_msg());
        abort();
    }
}

static void setup(void)
{
    tc_seed = 5;
    Index *ix = tc_build(&corpus, 600, 40, 30);
    if (!ix) abort();
    index_close(ix);
    atexit(cleanup);
    snprintf(idx, sizeof idx, "%s/idx", corpus.dir);
    update();
    ix = index_open(idx);
    if (!ix || index_nsegments(ix) < 2 || !index_deletes(ix, 0)) {
        fprintf(stderr, "fuzz_index: the update did not leave two segments, the first with deletes\n");
        abort();
    }
    char del[32];
    snprintf(del, sizeof del, "del-%06u.bin", index_segment_number(ix, 0));
    for (size_t f = 0; f < NFILES; f++) {
        const char *dir = f < SEGMENT_FILES  ? segment_dir(index_segment(ix, 0))
                          : f < CURRENT_FILE ? index_commit_dir(ix)
                                             : idx;
        path[f] = join(dir, strcmp(files[f], "del-N.bin") == 0 ? del : files[f]);
        if (read_file(path[f], 1u << 28, &orig[f], &orig_len[f]) != 0 || orig_len[f] == 0) abort();
    }
    index_close(ix);
}

/* What a front end does with a hit: its records, its text and snippet,
 * its explanation (explain: as text and JSON), and with per_article the
 * best passages of its article (search_tree_range, as output.c does). */
static void show_hit(TcSearch *s, uint32_t pid, int explain, int per_article)
{
    PassageInfo p;
    ArticleInfo a;
    Buf text = {0}, out = {0};
    if (index_passage(s->ix, pid, &p) == 0 && index_article(s->ix, p.article, &a) == 0 && a.title_len)
        buf_append(&out, a.title, a.title_len); /* read it: ASan sees a string out of bounds */
    if (index_passage_text(s->ix, pid, &text) == 0) {
        Span *m;
        size_t nm = snippet_matches(s->an, &s->q, (const char *)text.data, text.len, &m);
        SnippetStyle st = {120, "[", "]"};
        snippet_make((const char *)text.data, text.len, m, nm, &st, &out);
        free(m);
    }
    if (explain) {
        explain_hit(&s->ctx, pid, 0, "  ", &out);
        explain_hit(&s->ctx, pid, 1, "", &out);
    }
    if (per_article && index_passage(s->ix, pid, &p) == 0 && index_article(s->ix, p.article, &a) == 0 &&
        a.npassages) {
        TopK best;
        topk_init(&best, 2, NULL);
        if (search_tree_range(&s->ctx, &best, a.first_passage, a.first_passage + a.npassages - 1) == 0)
            for (size_t i = 0, n = topk_sorted(&best); i < n; i++) index_passage_text(s->ix, best.heap[i].pid, &text);
        topk_free(&best);
    }
    buf_free(&text);
    buf_free(&out);
}

/* Runs alg at k and shows the first `show` hits; 0 or -1 as search_run. */
static int search_and_show(TcSearch *s, const char *alg, size_t k, const Index *group, size_t show)
{
    TopK top;
    topk_init(&top, k, group);
    int rc = search_run(algorithm_find(alg), &s->ctx, &top);
    size_t n = rc == 0 ? topk_sorted(&top) : 0;
    for (size_t j = 0; j < n && j < show; j++) show_hit(s, top.heap[j].pid, j == 0, group != NULL);
    topk_free(&top);
    return rc;
}

/* Every query path on the (damaged) index: the unions with each
 * algorithm, at k 10 and 1000; the conjunction scorer; the tree scorer
 * on phrases (with slop), exclusions and groups; prefixes; fields;
 * counts; hits grouped by article (the TREC run's and --per-article's
 * grouping), and what is shown of hits. Each of a fuzzer's runs has to be
 * quick, so the algorithms other than the default run on the first query
 * only: they read what it reads, in other orders. */
static void run_queries(Index *ix)
{
    static const char *queries[] = {"w1 w2 w3",  "+w0 +w1",          "\"w0 w1\"",   "w1*",
                                    "w3",        "\"w2 w0 w1\"~2",  "w2 -w3 (w4 \"w5 w6\"~1)",
                                    "+w5 w7 w9", "title:w1 body:w2", "+w4 +w1 -w7"};
    static const char *algorithms[] = {"bmw", "maxscore", "wand", "exhaustive"};
    TcSearch s;
    tc_search_open(&s, ix);
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        if (tc_search_parse(&s, queries[i]) != 0) continue;
        search_count(&s.ctx);
        search_and_show(&s, "bmm", 10, NULL, 3);
        if (i == 0) {
            search_and_show(&s, "bmm", 1000, NULL, 0);
            for (size_t a = 0; a < sizeof algorithms / sizeof *algorithms; a++) {
                search_and_show(&s, algorithms[a], 10, NULL, 0);
                search_and_show(&s, algorithms[a], 1000, NULL, 0);
            }
        }
        if (i < 3) search_and_show(&s, "bmm", 10, ix, 2);
    }
    tc_search_close(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) setup();
    if (size < 2) return 0;
    size_t f = data[0] % NFILES, len = orig_len[f];
    int fix_crc = (data[1] & 1) && f != CURRENT_FILE, cut = data[1] & 0x80;
    char *d = malloc(len);
    memcpy(d, orig[f], len);
    uint32_t off = 0;
    for (size_t i = 2; i + 5 <= size; i += 5) {
        memcpy(&off, data + i, 4);
        d[off % len] ^= (char)data[i + 4];
    }
    if (cut) len = off % (len + 1);
    if (fix_crc) tc_fix_crc((uint8_t *)d, len);
    if (put(f, d, len) != 0) abort();
    int changed = len != orig_len[f] || memcmp(d, orig[f], len) != 0;
    free(d);
    Index *ix = index_open(idx);
    if (ix) {
        run_queries(ix);
        IndexCheck r;
        int rc = index_check(ix, &r);
        if (rc == 0 && changed && !fix_crc && f != CURRENT_FILE) {
            fprintf(stderr, "fuzz_index: %s damaged, its CRCs left as they were, and check found nothing\n", files[f]);
            abort();
        }
        buf_free(&r.report);
        index_close(ix);
    }
    if (put(f, orig[f], orig_len[f]) != 0) abort();
    return 0;
}
