/*
 * dump_passages.c: writes an index's passages as a passages file
 * (id<TAB>title<TAB>text, id = article#passage), so that the peer engines
 * in a benchmark index exactly the passages we rank.
 *
 *   dump_passages INDEXDIR > docs.tsv
 */
#include "index/reader.h"

#include <stdio.h>

/* Tabs and newlines would break the line format: they become spaces. */
static void put_field(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) putchar(s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i]);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: dump_passages INDEXDIR\n");
        return 2;
    }
    Index *ix = index_open(argv[1]);
    if (!ix) {
        fprintf(stderr, "dump_passages: %s\n", err_msg());
        return 2;
    }
    Buf text = {0};
    for (uint64_t pid = 0; pid < index_stats(ix)->passages; pid++) {
        PassageInfo p;
        ArticleInfo a;
        if (index_passage(ix, (uint32_t)pid, &p) || index_article(ix, p.article, &a) ||
            index_passage_text(ix, (uint32_t)pid, &text)) {
            fprintf(stderr, "dump_passages: %s\n", err_msg());
            return 2;
        }
        put_field(a.id, a.id_len);
        printf("#%u\t\t", p.ordinal + 1);
        put_field((const char *)text.data, text.len);
        putchar('\n');
    }
    buf_free(&text);
    index_close(ix);
    return 0;
}
