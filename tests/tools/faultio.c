/*
 * faultio.c: an LD_PRELOAD shim that makes one chosen write-side call of a
 * process fail, or kills the process right there, so that tests can prove
 * that every write, sync and rename of a build is checked and that a crash
 * between any two of them is harmless (tests/cli/test_crash.sh).
 *
 * It counts the calls that can lose data: write, pwrite, writev, pwritev,
 * fsync, fdatasync, ftruncate, fallocate, posix_fallocate, rename,
 * renameat, renameat2, copy_file_range (as a write of its output file),
 * and on stdio streams open for writing fwrite,
 * fflush and fclose (glibc flushes a stream with its internal write, which
 * no preloaded symbol can see, so a stream's write errors surface at these
 * three; fprintf and fputs only fill the buffer and are not counted).
 *
 *   FAULTIO_DIR      only calls on files (or renames of paths) inside this
 *                    directory count; unset: every call counts
 *   FAULTIO_FAIL_AT  the Nth counted call fails (1-based); unset: none
 *   FAULTIO_ERRNO    the error it fails with: ENOSPC (default) or EIO
 *   FAULTIO_KILL_AT  the process kills itself with SIGKILL at the Nth counted
 *                    call, before making it: a crash at that exact point
 *   FAULTIO_COUNT    at exit, the number of counted calls is written here
 *   FAULTIO_LOG      if set, one line per counted call, tab-separated:
 *                    N, call, absolute path (for a rename: from, then to);
 *                    also, with N 0, each unlink of a file inside the
 *                    directory (not counted: it cannot lose data), so that
 *                    the log shows which scratch files never reach the index
 *
 * Writes to fd 0, 1 and 2 never count, so the error message of a failed
 * build can always be printed. A failing call does nothing and returns
 * the call's error value with errno set; fclose still closes the stream
 * (as a real fclose that fails to flush does).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_ulong calls;
static _Thread_local int in_shim_log; /* this thread is writing the log: not counted */

/* The real function, looked up once (the lookup is idempotent, so a race
 * between threads only repeats it). */
#define REAL(name)                                                            \
    static __typeof__(name) *real_##name;                                     \
    if (!real_##name) real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

static char dir[PATH_MAX]; /* FAULTIO_DIR resolved, or "" */

__attribute__((constructor)) static void init_dir(void)
{
    const char *d = getenv("FAULTIO_DIR");
    if (d && *d && !realpath(d, dir)) snprintf(dir, sizeof dir, "%s", d);
}

static int inside(const char *path)
{
    if (!dir[0]) return 1;
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

/* What an fd refers to, as /proc shows it. */
static int fd_target(int fd, char *out, size_t cap)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, cap - 1);
    if (n < 0) return -1;
    out[n] = 0;
    return 0;
}

/* A path as an absolute one: relative to dirfd (or the working directory),
 * with its directory part resolved, since the last component of a rename's
 * target may not exist yet. out has room for 2 * PATH_MAX bytes. */
static void abs_path(int dirfd, const char *path, char *out)
{
    char base[PATH_MAX] = "", resolved[PATH_MAX];
    if (path[0] != '/') {
        if (dirfd == AT_FDCWD) {
            if (!getcwd(base, sizeof base)) base[0] = 0;
        } else if (fd_target(dirfd, base, sizeof base) != 0) base[0] = 0;
    }
    if (path[0] == '/') snprintf(out, 2 * PATH_MAX, "%.*s", PATH_MAX - 1, path);
    else snprintf(out, 2 * PATH_MAX, "%.*s/%.*s", PATH_MAX - 1, base, PATH_MAX - 1, path);
    char *slash = strrchr(out, '/');
    *slash = 0;
    int ok = slash != out && realpath(out, resolved);
    *slash = '/';
    if (ok) {
        char name[PATH_MAX];
        snprintf(name, sizeof name, "%s", slash);
        snprintf(out, 2 * PATH_MAX, "%s%s", resolved, name);
    }
}

static void log_call(unsigned long n, const char *call, const char *target, const char *to)
{
    const char *log = getenv("FAULTIO_LOG");
    if (!log || !*log) return;
    in_shim_log = 1;
    FILE *f = fopen(log, "a");
    if (f) {
        fprintf(f, "%lu\t%s\t%s%s%s\n", n, call, target, to ? "\t" : "", to ? to : "");
        fclose(f);
    }
    in_shim_log = 0;
}

/* Counts one call on target (to: a rename's target, or NULL); returns the
 * errno to fail it with, or 0. */
static int count(const char *call, const char *target, const char *to)
{
    if (in_shim_log || !inside(target)) return 0;
    unsigned long n = atomic_fetch_add(&calls, 1) + 1;
    log_call(n, call, target, to);
    const char *kill_at = getenv("FAULTIO_KILL_AT");
    if (kill_at && strtoul(kill_at, NULL, 10) == n) raise(SIGKILL);
    const char *at = getenv("FAULTIO_FAIL_AT");
    if (!at || strtoul(at, NULL, 10) != n) return 0;
    const char *e = getenv("FAULTIO_ERRNO");
    return e && !strcmp(e, "EIO") ? EIO : ENOSPC;
}

static int count_fd(const char *call, int fd)
{
    if (fd <= 2) return 0;
    char target[PATH_MAX];
    if (fd_target(fd, target, sizeof target) != 0) return 0;
    return count(call, target, NULL);
}

/* A rename counts when its source is inside FAULTIO_DIR. */
static int count_rename(const char *call, int fromfd, const char *from, int tofd, const char *to)
{
    char source[2 * PATH_MAX], target[2 * PATH_MAX];
    abs_path(fromfd, from, source);
    abs_path(tofd, to, target);
    return count(call, source, target);
}

/* Only streams open for writing: closing a read stream cannot lose data. */
static int count_stream(const char *call, FILE *f)
{
    if (!f) return 0;
    int fd = fileno(f), fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
    return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY ? count_fd(call, fd) : 0;
}

/* Counts the call (once) and returns value with errno set if it fails. */
#define FAIL_IF(counted, value)                                               \
    do {                                                                      \
        int fail_errno_ = (counted);                                          \
        if (fail_errno_) {                                                    \
            errno = fail_errno_;                                              \
            return (value);                                                   \
        }                                                                     \
    } while (0)

ssize_t write(int fd, const void *p, size_t n)
{
    REAL(write);
    FAIL_IF(count_fd("write", fd), -1);
    return real_write(fd, p, n);
}

ssize_t pwrite(int fd, const void *p, size_t n, off_t off)
{
    REAL(pwrite);
    FAIL_IF(count_fd("pwrite", fd), -1);
    return real_pwrite(fd, p, n, off);
}

ssize_t pwrite64(int fd, const void *p, size_t n, off64_t off)
{
    REAL(pwrite64);
    FAIL_IF(count_fd("pwrite64", fd), -1);
    return real_pwrite64(fd, p, n, off);
}

ssize_t writev(int fd, const struct iovec *v, int n)
{
    REAL(writev);
    FAIL_IF(count_fd("writev", fd), -1);
    return real_writev(fd, v, n);
}

ssize_t pwritev(int fd, const struct iovec *v, int n, off_t off)
{
    REAL(pwritev);
    FAIL_IF(count_fd("pwritev", fd), -1);
    return real_pwritev(fd, v, n, off);
}

int fsync(int fd)
{
    REAL(fsync);
    FAIL_IF(count_fd("fsync", fd), -1);
    return real_fsync(fd);
}

int fdatasync(int fd)
{
    REAL(fdatasync);
    FAIL_IF(count_fd("fdatasync", fd), -1);
    return real_fdatasync(fd);
}

int ftruncate(int fd, off_t len)
{
    REAL(ftruncate);
    FAIL_IF(count_fd("ftruncate", fd), -1);
    return real_ftruncate(fd, len);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
    REAL(fallocate);
    FAIL_IF(count_fd("fallocate", fd), -1);
    return real_fallocate(fd, mode, off, len);
}

/* posix_fallocate returns the error instead of setting errno. */
int posix_fallocate(int fd, off_t off, off_t len)
{
    REAL(posix_fallocate);
    int e = count_fd("posix_fallocate", fd);
    return e ? e : real_posix_fallocate(fd, off, len);
}

ssize_t copy_file_range(int in, off64_t *in_off, int out, off64_t *out_off, size_t n, unsigned flags)
{
    REAL(copy_file_range);
    FAIL_IF(count_fd("copy_file_range", out), -1);
    return real_copy_file_range(in, in_off, out, out_off, n, flags);
}

int unlink(const char *path)
{
    REAL(unlink);
    char target[2 * PATH_MAX];
    abs_path(AT_FDCWD, path, target);
    if (!in_shim_log && inside(target)) log_call(0, "unlink", target, NULL);
    return real_unlink(path);
}

int rename(const char *from, const char *to)
{
    REAL(rename);
    FAIL_IF(count_rename("rename", AT_FDCWD, from, AT_FDCWD, to), -1);
    return real_rename(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
    REAL(renameat);
    FAIL_IF(count_rename("renameat", fromfd, from, tofd, to), -1);
    return real_renameat(fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
    REAL(renameat2);
    FAIL_IF(count_rename("renameat2", fromfd, from, tofd, to), -1);
    return real_renameat2(fromfd, from, tofd, to, flags);
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    REAL(fwrite);
    int e = count_stream("fwrite", f);
    if (e) {
        errno = e;
#ifdef _IO_ERR_SEEN
        f->_flags |= _IO_ERR_SEEN; /* ferror(f) reports it, as after a real failure (glibc) */
#endif
        return 0;
    }
    return real_fwrite(p, size, n, f);
}

int fflush(FILE *f)
{
    REAL(fflush);
    FAIL_IF(count_stream("fflush", f), EOF);
    return real_fflush(f);
}

int fclose(FILE *f)
{
    REAL(fclose);
    int e = count_stream("fclose", f);
    int rc = real_fclose(f);
    FAIL_IF(e, EOF);
    return rc;
}

/* Reports the count at exit, with the real write: not a counted call. */
__attribute__((destructor)) static void report_count(void)
{
    const char *path = getenv("FAULTIO_COUNT");
    if (!path || !*path) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    char line[32];
    int n = snprintf(line, sizeof line, "%lu\n", atomic_load(&calls));
    REAL(write);
    if (real_write(fd, line, (size_t)n) != n) { /* nothing to do: the test sees a missing count */ }
    close(fd);
}
