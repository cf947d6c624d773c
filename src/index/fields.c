/*
 * fields.c: the lexicon keys of a passage's fields (FORMAT.md, "Fields").
 *
 * The title and heading fields share the lexicon, postings and positions
 * with the body instead of having files of their own: a key is one field
 * byte (below any byte an analysed term can hold) followed by the term, so
 * each field's keys form one contiguous lexicon range, found with
 * index_prefix_range, and every reader of terms works on fields unchanged.
 */
#include "index/format.h"

static const char *const names[NFIELDS] = {"body", "title", "heading"};

const char *field_name(int field) { return field >= 0 && field < NFIELDS ? names[field] : "?"; }

int key_field(const char *key, size_t len, const char **term, size_t *term_len)
{
    int f = len > 0 && (unsigned char)key[0] < NFIELDS && key[0] != FIELD_BODY ? key[0] : FIELD_BODY;
    *term = f == FIELD_BODY ? key : key + 1;
    *term_len = f == FIELD_BODY ? len : len - 1;
    return f;
}

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
