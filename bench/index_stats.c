/*
 * index_stats.c: where an index's bytes go.
 *
 *   index_stats INDEXDIR
 *
 * Prints one JSON line: the collection counts, the size of every file of
 * the live generation, and the postings split into what ranking needs in
 * any case (the packed id and tf runs) and what block-max pruning adds on
 * top (the 16-byte directory entries and the 12 bytes of floors of
 * multi-block terms, plus the f32 per-term maximum in each lexicon entry). The split is computed by walking
 * the lexicon and the block directories (FORMAT.md), never by decoding.
 * Positions (positions.bin, read only by phrase queries) are reported
 * apart: their bytes, their count and the bytes per position, and how many
 * lexicon keys belong to the title and heading fields.
 */
#include "index/reader.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define DIR_ENTRY 16   /* bytes per block directory entry (FORMAT.md) */
#define FLOORS (TERM_FLOORS * 4) /* a multi-block term's f32 floors, before its directory */
#define TERM_MAX 4     /* bytes of the f32 per-term maximum in a lexicon entry */

typedef struct {
    uint64_t total, meta, lexicon, postings, positions, store, passages, articles;
} FileBytes;

typedef struct {
    uint64_t ids, tfs;       /* packed runs */
    uint64_t directory;      /* block directory entries and floors */
    uint64_t blocks, multi_block_terms, postings;
} PostingBytes;

static uint64_t file_size(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Sums every regular file of the generation, so files added to the format
 * later are counted without changing this tool. */
static int dir_sizes(const char *dir, FileBytes *fb)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    memset(fb, 0, sizeof *fb);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        fb->total += file_size(dir, e->d_name);
    }
    closedir(d);
    fb->meta = file_size(dir, "meta.bin");
    fb->lexicon = file_size(dir, "lexicon.bin");
    fb->postings = file_size(dir, "postings.bin");
    fb->positions = file_size(dir, "positions.bin");
    fb->store = file_size(dir, "store.bin");
    fb->passages = file_size(dir, "passages.bin");
    fb->articles = file_size(dir, "articles.bin");
    return 0;
}

/* Bytes of a packed run of n values starting at p: the width byte tells
 * its length (vertical layout for full blocks, horizontal otherwise). */
static uint64_t run_bytes(const uint8_t *p, uint32_t n)
{
    uint64_t w = p[0];
    return 1 + (n == BLOCK_SIZE ? 16 * w : (n * w + 7) / 8);
}

/* Adds one term: its directory, then each block's id run and tf run. */
static void add_term(const uint8_t *base, const TermInfo *t, PostingBytes *pb)
{
    const uint8_t *dir = base + t->postings_off + (t->nblocks > 1 ? FLOORS : 0);
    const uint8_t *data = t->nblocks > 1 ? dir + (size_t)t->nblocks * DIR_ENTRY : dir;
    uint64_t dir_len = t->nblocks > 1 ? FLOORS + (uint64_t)t->nblocks * DIR_ENTRY : 0;
    uint32_t start = 0;
    for (uint32_t b = 0; b < t->nblocks; b++) {
        uint32_t end = t->nblocks > 1 ? rd_u32(dir + (size_t)b * DIR_ENTRY + 4) : (uint32_t)(t->postings_len - dir_len);
        uint32_t n = b + 1 < t->nblocks ? BLOCK_SIZE : t->df - b * BLOCK_SIZE;
        uint64_t ids = run_bytes(data + start, n);
        pb->ids += ids;
        pb->tfs += end - start - ids;
        start = end;
    }
    pb->directory += dir_len;
    pb->blocks += t->nblocks;
    pb->multi_block_terms += t->nblocks > 1;
    pb->postings += t->df;
}

static void walk_lexicon(const Index *ix, PostingBytes *pb)
{
    size_t len;
    const uint8_t *base = segment_postings_base(index_segment(ix, 0), &len);
    memset(pb, 0, sizeof *pb);
    const char *term;
    size_t tlen;
    TermInfo t;
    for (uint64_t i = 0; segment_term_at(index_segment(ix, 0), i, &term, &tlen, &t); i++) add_term(base, &t, pb);
}

/* The path as a JSON string: quotes, backslashes and control bytes escaped. */
static void put_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static double per(uint64_t bytes, uint64_t n) { return n ? (double)bytes / (double)n : 0.0; }

static void print_json(const char *root, const IndexStats *s, const FileBytes *fb, const PostingBytes *pb)
{
    uint64_t ids_tfs = pb->ids + pb->tfs, blockmax = pb->directory + TERM_MAX * s->terms;
    printf("{\"index\":");
    put_json_string(root);
    printf(",\"passages\":%llu,\"articles\":%llu,\"terms\":%llu,\"postings\":%llu,"
           "\"blocks\":%llu,\"multi_block_terms\":%llu,",
           (unsigned long long)s->passages, (unsigned long long)s->articles, (unsigned long long)s->terms,
           (unsigned long long)s->postings, (unsigned long long)pb->blocks, (unsigned long long)pb->multi_block_terms);
    printf("\"bytes\":%llu,\"meta_file\":%llu,\"postings_file\":%llu,\"lexicon_file\":%llu,\"store_file\":%llu,"
           "\"passages_file\":%llu,\"articles_file\":%llu,",
           (unsigned long long)fb->total, (unsigned long long)fb->meta, (unsigned long long)fb->postings,
           (unsigned long long)fb->lexicon, (unsigned long long)fb->store, (unsigned long long)fb->passages,
           (unsigned long long)fb->articles);
    printf("\"ids_tfs_bytes\":%llu,\"ids_bytes\":%llu,\"tfs_bytes\":%llu,\"directory_bytes\":%llu,\"blockmax_bytes\":%llu,",
           (unsigned long long)ids_tfs, (unsigned long long)pb->ids, (unsigned long long)pb->tfs,
           (unsigned long long)pb->directory, (unsigned long long)blockmax);
    printf("\"ids_tfs_bytes_per_posting\":%.4f,\"ids_tfs_bits_per_posting\":%.3f,"
           "\"blockmax_bytes_per_posting\":%.4f,\"blockmax_bits_per_posting\":%.3f",
           per(ids_tfs, s->postings), 8 * per(ids_tfs, s->postings), per(blockmax, s->postings),
           8 * per(blockmax, s->postings));
}

/* The end of the JSON line print_json began: positions and fields. */
static void print_positions_json(const Index *ix, const FileBytes *fb)
{
    const IndexStats *s = index_stats(ix);
    size_t len;
    segment_positions_base(index_segment(ix, 0), &len);
    uint64_t first, title = 0, heading = 0;
    segment_prefix_range(index_segment(ix, 0), "\001", 1, &first, &title);
    segment_prefix_range(index_segment(ix, 0), "\002", 1, &first, &heading);
    printf(",\"positions_file\":%llu,\"positions\":%llu,\"positions_bytes\":%zu,\"positions_bytes_per_position\":%.4f,"
           "\"title_terms\":%llu,\"heading_terms\":%llu}\n",
           (unsigned long long)fb->positions, (unsigned long long)s->positions, len, per(len, s->positions),
           (unsigned long long)title, (unsigned long long)heading);
}

/* The walk must account for every byte and posting; a mismatch means this
 * tool and FORMAT.md disagree, so say so rather than print wrong splits. */
static void check(const Index *ix, const PostingBytes *pb)
{
    size_t len;
    segment_postings_base(index_segment(ix, 0), &len);
    if (pb->ids + pb->tfs + pb->directory != len || pb->postings != index_stats(ix)->postings)
        fprintf(stderr, "index_stats: warning: the walk found %llu bytes and %llu postings, the index has %zu and %llu\n",
                (unsigned long long)(pb->ids + pb->tfs + pb->directory), (unsigned long long)pb->postings, len,
                (unsigned long long)index_stats(ix)->postings);
}

/* The files measured are the segment's (the tools read segment 0 of a
 * one-segment index). A reindex may replace the index between index_open
 * and our stat() calls; the postings file size ties the directory we
 * measured to the mapping we walked. */
static int measure(Index *ix, FileBytes *fb)
{
    const Segment *sg = index_segment(ix, 0);
    int rc = dir_sizes(segment_dir(sg), fb);
    size_t post_len;
    segment_postings_base(sg, &post_len);
    return rc == 0 && fb->postings == 32 + post_len ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: index_stats INDEXDIR\n");
        return 2;
    }
    for (int attempt = 0; attempt < 5; attempt++) {
        Index *ix = index_open(argv[1]);
        if (!ix) {
            fprintf(stderr, "index_stats: %s\n", err_msg());
            return 2;
        }
        if (index_nsegments(ix) != 1) {
            fprintf(stderr, "index_stats: the index has %zu segments; merge them first: search index --optimize\n",
                    index_nsegments(ix));
            index_close(ix);
            return 2;
        }
        FileBytes fb;
        int rc = measure(ix, &fb);
        if (rc < 0) {
            fprintf(stderr, "index_stats: %s\n", err_msg());
            index_close(ix);
            return 2;
        }
        if (rc == 0) {
            PostingBytes pb;
            walk_lexicon(ix, &pb);
            check(ix, &pb);
            print_json(argv[1], index_stats(ix), &fb, &pb);
            print_positions_json(ix, &fb);
            index_close(ix);
            return 0;
        }
        index_close(ix); /* the generation changed under us: measure again */
    }
    fprintf(stderr, "index_stats: the index keeps changing; try again\n");
    return 2;
}
