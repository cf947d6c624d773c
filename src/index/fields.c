/*
 * fields.c: the lexicon keys of a passage's fields (FORMAT.md, "Fields").
 *
 * The title and heading fields share the lexicon, postings and positions
 * with the body instead of having files of their own: a key is one field
 * byte (below any byte an analysed term can hold) followed by the term, so
 * each field's keys form one contiguous lexicon range, found with
 * index_prefix_range, and every reader of terms works on fields unchanged.
 */
#include "index/index.h"

size_t field_key(int field, const char *term, size_t len, char *out)
{
    if (len > TERM_MAX_BYTES) len = TERM_MAX_BYTES; /* analysed terms never are */
    if (field == FIELD_BODY) {
        memcpy(out, term, len);
        return len;
    }
    out[0] = (char)field;
    memcpy(out + 1, term, len);
    return len + 1;
}
