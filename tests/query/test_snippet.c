/* test_snippet.c: snippet_make's text as people read it: white space
 * collapsed, Markdown heading markers dropped, matches marked. */
#include "check.h"
#include "query/query.h"

/* The whole text (budget larger than it) with the given matches marked. */
static void snippet_of(const char *text, const Span *m, size_t nm, Buf *out)
{
    SnippetStyle st = {strlen(text) + 1, "[", "]"};
    snippet_make(text, strlen(text), m, nm, &st, out);
}

static void heading_markers_dropped(void)
{
    Buf b = {0};
    snippet_of("## Reducing Suicidal Ideation\n\nKetamine helps.", NULL, 0, &b);
    CHECK_EQ_STR((const char *)b.data, "Reducing Suicidal Ideation Ketamine helps.");
    snippet_of("# Title\nText\n  ### Sub heading\nmore", NULL, 0, &b);
    CHECK_EQ_STR((const char *)b.data, "Title Text Sub heading more");
    snippet_of("Intro\n#\nafter", NULL, 0, &b); /* an empty heading */
    CHECK_EQ_STR((const char *)b.data, "Intro after");
    /* a match right after the marker is still marked */
    const char *t = "## Benefits of ketamine";
    Span m = {3, 11};
    snippet_of(t, &m, 1, &b);
    CHECK_EQ_STR((const char *)b.data, "[Benefits] of ketamine");
    buf_free(&b);
}

static void other_hashes_kept(void)
{
    Buf b = {0};
    snippet_of("Issue #27 and C# are words", NULL, 0, &b); /* not at a line start */
    CHECK_EQ_STR((const char *)b.data, "Issue #27 and C# are words");
    snippet_of("#hashtag starts a line", NULL, 0, &b); /* no space after it */
    CHECK_EQ_STR((const char *)b.data, "#hashtag starts a line");
    snippet_of("####### seven is not a heading", NULL, 0, &b);
    CHECK_EQ_STR((const char *)b.data, "####### seven is not a heading");
    snippet_of("    # four spaces: code", NULL, 0, &b);
    CHECK_EQ_STR((const char *)b.data, "# four spaces: code");
    buf_free(&b);
}

static void white_space_collapsed(void)
{
    Buf b = {0};
    snippet_of("  a \t b\n\n c  ", NULL, 0, &b);
    CHECK_EQ_STR((const char *)b.data, "a b c");
    buf_free(&b);
}

TEST_MAIN("snippet", T(heading_markers_dropped), T(other_hashes_kept), T(white_space_collapsed))
