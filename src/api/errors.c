/* errors.c: error codes and messages of the public API, and its version. */
#include "api/api.h"

#include <stdarg.h>
#include <stdio.h>

const char *srch_version(void) { return SRCH_VERSION; }

const char *srch_code_name(srch_code code)
{
    static const char *const names[] = {"ok", "not found", "corrupt", "i/o error", "bad query",
                                        "bad argument", "out of memory", "busy", "error"};
    return (unsigned)code < sizeof names / sizeof *names ? names[code] : "unknown";
}

static srch_code code_of(const char *m)
{
    if (strstr(m, "out of memory")) return SRCH_NOMEM;
    if (strstr(m, "corrupt") || strstr(m, "damaged")) return SRCH_CORRUPT;
    if (strstr(m, "another index build is running")) return SRCH_BUSY;
    if (strstr(m, "No such file or directory") || strstr(m, "no index at") || strstr(m, "is not an index"))
        return SRCH_NOT_FOUND;
    if (strstr(m, "cannot ") || strstr(m, "No space") || strstr(m, "Permission denied")) return SRCH_IO;
    return SRCH_ERROR;
}

srch_code api_fail(srch_error *err, srch_code code)
{
    const char *m = err_msg();
    if (code == SRCH_ERROR) code = code_of(m);
    if (err) {
        err->code = code;
        snprintf(err->message, sizeof err->message, "%s", m);
    }
    return code;
}

srch_code api_fail_msg(srch_error *err, srch_code code, const char *fmt, ...)
{
    char m[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    err_set("%s", m);
    return api_fail(err, code);
}

srch_code api_ok(srch_error *err)
{
    if (err) {
        err->code = SRCH_OK;
        err->message[0] = 0;
    }
    return SRCH_OK;
}
