/* test_json.c: the JSON writer every front end shares (src/api/json.c).
 * Strings come out as JSON a strict reader takes: quotes, backslashes and
 * control characters escaped, UTF-8 passed through, bytes that are not
 * UTF-8 replaced by U+FFFD; plain runs are copied whole and their
 * neighbours still escaped. */
#include "api/api.h"
#include "check.h"

static void expect(const char *in, size_t n, const char *want)
{
    Buf b = {0};
    api_json_string(&b, in, n);
    buf_put_u8(&b, 0);
    CHECK_EQ_STR((const char *)b.data, want);
    buf_free(&b);
}

static void test_strings(void)
{
    expect("", 0, "\"\"");
    expect("ketamine therapy", 16, "\"ketamine therapy\"");
    expect("say \"no\"", 8, "\"say \\\"no\\\"\"");
    expect("a\\b", 3, "\"a\\\\b\"");
    expect("line\nnext\ttab", 13, "\"line\\nnext\\ttab\"");
    expect("\x01x\x1f\x7f", 4, "\"\\u0001x\\u001f\\u007f\"");
    expect("caf\xc3\xa9 \xe2\x80\x94 ok", 12, "\"caf\xc3\xa9 \xe2\x80\x94 ok\"");
    expect("bad \xff byte", 10, "\"bad \\ufffd byte\"");
    expect("cut \xe2\x82", 6, "\"cut \\ufffd\\ufffd\"");
    expect("nul\0in", 6, "\"nul\\u0000in\"");
    expect("\"", 1, "\"\\\"\"");
}

TEST_MAIN("json", T(test_strings))
