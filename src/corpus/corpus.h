/*
 * corpus.h: where text comes from, and how it is cut into passages.
 *
 *   corpus_reader.c  walks a directory of articles (.txt/.md, any depth) or
 *                    reads a passages file id<TAB>title<TAB>text (plain or
 *                    gzip, through zlib), handing out one Article at a time
 *   jsonl_reader.c   reads a stream of JSON lines {"id": ..., "text": ...}
 *                    into the same Articles, one document a line
 *   passage_split.c  cuts an article into passages: paragraphs, headings
 *                    joined to the paragraph after them, long paragraphs
 *                    windowed at sentence boundaries
 */
#ifndef CORPUS_H
#define CORPUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const char *id;     /* stable article id: path relative to the corpus
                           directory, or the id column of a passages file */
    const char *path;   /* the file the text came from, as named to us */
    const char *title;  /* from a heading first line, the title column, or
                           made from the file name */
    const char *text;   /* the indexed text, not NUL-terminated */
    size_t len;         /* bytes of text */
    uint64_t base;      /* byte offset of text[0] in the (unpacked) file */
    size_t heading_end; /* text[0..heading_end) is a title heading (TSV) */
    size_t title_end;   /* text[0..title_end) ends with the line the title
                           came from (the TSV title, or a file's first line
                           read as its title); 0 when the title is not in the
                           text. The indexer keeps it out of the heading field. */
    uint64_t file_size; /* the file's size and modification time (ns) */
    int64_t file_mtime;
} Article;

/* A file's stamp: a hash of its size, mtime, ctime, inode and device,
 * never 0. Restoring an old copy with its old mtime (cp -p, rsync -a, mv
 * of a backup) changes the ctime or the inode, so an equal stamp means the
 * very file, unmodified. Unless the file was changed too recently to
 * tell: a later write in the same clock tick would leave every field as
 * it is (git's "racy clean" problem). So a file whose mtime or ctime is
 * not safely before `now` (CLOCK_REALTIME_COARSE in ns, read before the
 * stat; with a margin of 10 ms, or 2 s on a filesystem that keeps whole
 * seconds) gets 0: unknown, read it next time. */
struct stat;
uint64_t file_stamp(const struct stat *st, int64_t now);
/* CLOCK_REALTIME_COARSE in ns, the clock file timestamps come from. */
int64_t stamp_clock(void);

/* The corpus reader asks, before a file is read, whether it is the one
 * the index holds: id is the article id of an article file, NULL for a
 * passages file (all its rows); stamp is its file_stamp. Returning 1
 * skips the file unread. It is asked of every file. */
typedef int (*unchanged_fn)(void *ctx, const char *id, const char *path, uint64_t stamp);

/* A one-line warning about a file or row skipped (no newline). */
typedef void (*warn_fn)(void *ctx, const char *message);

typedef struct {
    size_t max_file_bytes; /* larger article files are skipped */
    int strict;            /* 1: a skipped file is an error */
    warn_fn warn;          /* NULL: skips are only counted */
    void *warn_ctx;
    unchanged_fn unchanged; /* NULL: read everything */
    void *unchanged_ctx;
} CorpusOptions;

void corpus_options_default(CorpusOptions *o);

/* Called once per article; a non-zero return stops the walk with it. */
typedef int (*article_fn)(void *ctx, const Article *a);

typedef struct {
    uint64_t articles;    /* handed to the callback */
    uint64_t skipped;     /* empty, binary, unreadable or too large */
    uint64_t bytes;       /* source bytes read */
    uint64_t unchanged;   /* files skipped as unchanged */
} CorpusStats;

/* A source of articles, handing them to fn as corpus_read does (stats
 * filled, o->unchanged asked of each file before it is read, if the source
 * has files): the indexer reads through one (indexer_build_from). */
typedef int (*article_source_fn)(void *src, const CorpusOptions *o, article_fn fn, void *ctx, CorpusStats *stats);

/* The corpus path as the reader uses it, and as article paths start:
 * "." components, repeated and trailing slashes dropped ("./docs.tsv" and
 * "docs.tsv", "corpus/" and "corpus" are one). Symbolic links and ".." are
 * kept as given. Caller frees. */
char *corpus_clean_path(const char *path);

/* Reads a directory tree or a passages file. Problems with single files are
 * warned about (o->warn) and skipped (errors under strict). Returns 0, -1
 * with err_msg() set, or the callback's non-zero value. */
int corpus_read(const char *path, const CorpusOptions *o, article_fn fn, void *ctx,
                CorpusStats *stats);

/* ---- jsonl_reader.c ---- */

/* Reads JSON lines from in, one document a line: an object with "id" (a
 * string, or a number taken as its text) and "text" (a string), in any
 * order, other fields skipped; blank lines skipped. Each document goes to
 * fn as the row id<TAB><TAB>text of a passages file would from
 * corpus_read: no title, tab, newlines, the other white-space controls and
 * NUL as spaces, base the text's offset in that file; path is name (also
 * what messages call the stream), file size and time 0. A document without
 * text is counted as skipped; one with an empty id, or a line over
 * o->max_file_bytes, is warned about (o->warn) and skipped, an error under
 * o->strict. A malformed line stops the reading with err_msg() "NAME line
 * N: what is wrong". o->unchanged is never asked: a stream has no stamp.
 * Returns 0, -1 with err_msg() set (also when no document had an id and
 * text), or the callback's non-zero value. */
int jsonl_read(FILE *in, const char *name, const CorpusOptions *o, article_fn fn, void *ctx, CorpusStats *stats);

/* Title made from a file name: directory and extension dropped, '-' and
 * '_' turned into spaces, first letter upper-cased. Caller frees. */
char *title_from_filename(const char *path);

/* 1 if the line reads as a heading: short, no sentence-ending period, not
 * a run of several sentences. Leading bullets and numbering are allowed. */
int line_is_heading(const char *s, size_t len);

/* White space as far as titles, headings and passages are concerned. */
static inline int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* 1 when s[0..n) is all white space: an article with nothing to find. */
static inline int all_blank(const void *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_blank(((const unsigned char *)s)[i])) return 0;
    return 1;
}

/* ---- passage_split.c ---- */

/* Words (runs of non-blank bytes) in t[a..b). */
size_t count_words(const char *t, size_t a, size_t b);

typedef struct {
    size_t start; /* byte range of the passage within the article text */
    size_t end;
    size_t heads; /* [start, heads) are the heading lines the passage starts
                     with (start when none): the heading field */
} PassageSpan;

#define PASSAGE_WORDS_DEFAULT 250

/* Splits text into passages of at most max_words words (a single sentence
 * longer than that is cut at a word). Headings join the passage after them.
 * Returns the count; *out is allocated (caller frees). */
size_t passages_split(const char *text, size_t len, size_t heading_end, size_t max_words,
                      PassageSpan **out);

#endif
