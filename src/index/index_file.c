/*
 * index_file.c: the frame every index file shares (FORMAT.md, "File
 * frame"): a 32-byte header with magic, kind, version, payload length and
 * CRC32s, then the payload. Writers fsync before returning; readers map
 * the file read-only and check its header. The payload's CRC32 is read
 * at open for the small files (file_map); the large ones are mapped with
 * file_map_lazy, so that an open does not read every byte of the index,
 * and verified in full by file_verify when all of them is read anyway
 * (search check, merges). FORMAT.md, "File frame", says what a reader
 * checks where.
 */
#include "index/writer.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static void path_join(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static int write_all(int fd, const void *p, size_t n, const char *path)
{
    const uint8_t *q = p;
    while (n) {
        ssize_t w = write(fd, q, n > (1u << 30) ? (1u << 30) : n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            err_set("cannot write %s: %s", path, w < 0 ? strerror(errno) : "short write");
            return -1;
        }
        q += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The first failure is kept: later calls do nothing, close reports it. */
static void fail(FileOut *f, const char *what)
{
    if (f->failed) return;
    f->failed = 1;
    snprintf(f->err, sizeof f->err, "cannot %s %.400s: %s", what, f->path, strerror(errno));
}

static int open_out(FileOut *f, const char *dir, const char *name, size_t prefix, int spill)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    path_join(f->path, sizeof f->path, dir, name);
    f->prefix = prefix;
    f->spill = spill;
    f->crc = 0; /* the CRC of nothing */
    f->fd = open(f->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        err_set("cannot create %s: %s", f->path, strerror(errno));
        return -1;
    }
    off_t start = spill ? 0 : (off_t)(FRAME_BYTES + prefix);
    if (start && lseek(f->fd, start, SEEK_SET) != start) fail(f, "seek in");
    f->at = f->writeback = (uint64_t)start;
    return 0;
}

/* Every WRITEBACK_BYTES written, the kernel is asked to start writing them
 * to disk, and not waited for: the fsync at close then finds little left
 * to write, where it waited for all of it (0.46 s of a 1M-passage build's
 * wall time). Spills are read back and removed, never synced. Failures
 * here only lose the head start: the fsync reports errors. */
#define WRITEBACK_BYTES (8u << 20)

static void wrote_out(FileOut *f, uint64_t n)
{
    f->at += n;
    if (f->spill || f->at - f->writeback < WRITEBACK_BYTES) return;
    (void)sync_file_range(f->fd, (off_t)f->writeback, (off_t)(f->at - f->writeback), SYNC_FILE_RANGE_WRITE);
    f->writeback = f->at;
}

/* Writes p[0..n) at the file's end: counted, or f failed (nothing after
 * a failure). */
static void write_out(FileOut *f, const void *p, size_t n)
{
    if (f->failed) return;
    if (write_all(f->fd, p, n, f->path) != 0) fail(f, "write");
    else wrote_out(f, n);
}

int fileout_open(FileOut *f, const char *dir, const char *name, size_t prefix)
{
    return open_out(f, dir, name, prefix, 0);
}

int fileout_open_spill(FileOut *f, const char *dir, const char *name)
{
    return open_out(f, dir, name, 0, 1);
}

/* The buffer's bytes are checksummed here, a buffer at a time: most writes
 * are a few bytes (a lexicon entry, a key), too short for a fast CRC. */
static void flush_out(FileOut *f)
{
    if (f->buf.len && !f->failed) {
        f->crc = crc32_update(f->crc, f->buf.data, f->buf.len);
        write_out(f, f->buf.data, f->buf.len);
    }
    f->buf.len = 0;
}

void fileout_write(FileOut *f, const void *p, size_t n)
{
    if (f->failed || n == 0) return;
    f->len += n;
    if (f->buf.len + n > FILEOUT_BUFFER) flush_out(f);
    if (n >= FILEOUT_BUFFER) {
        f->crc = crc32_update(f->crc, p, n);
        write_out(f, p, n);
        return;
    }
    buf_append(&f->buf, p, n);
}

Buf *fileout_buf(FileOut *f)
{
    if (f->buf.len >= FILEOUT_BUFFER) flush_out(f);
    return &f->buf;
}

void fileout_wrote(FileOut *f, size_t before)
{
    if (f->failed) f->buf.len = before; /* as fileout_write: nothing more after a failure */
    f->len += f->buf.len - before;
}

void fileout_flush(FileOut *f) { flush_out(f); }

/* Copies the spill's bytes to the end of f: in the kernel when it can. */
static void copy_spill(FileOut *f, FileOut *s)
{
    off_t in = 0;
    uint64_t left = s->len;
    while (left && !f->failed) {
        ssize_t n = copy_file_range(s->fd, &in, f->fd, NULL, left > (1u << 30) ? (1u << 30) : left, 0);
        if (n > 0) {
            left -= (uint64_t)n;
            wrote_out(f, (uint64_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
            fail(f, "write");
            return;
        }
        break; /* not supported here (or nothing copied): read and write */
    }
    uint8_t chunk[1 << 16];
    while (left && !f->failed) {
        ssize_t n = pread(s->fd, chunk, left < sizeof chunk ? left : sizeof chunk, in);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            fail(f, "read back the spill for");
            break;
        }
        write_out(f, chunk, (size_t)n);
        in += n;
        left -= (uint64_t)n;
    }
}

int fileout_append_spill(FileOut *f, FileOut *s)
{
    flush_out(s);
    flush_out(f);
    if (s->failed && !f->failed) {
        f->failed = 1;
        memcpy(f->err, s->err, sizeof f->err);
    }
    if (!f->failed) copy_spill(f, s);
    if (!f->failed) {
        f->crc = (uint32_t)crc32_combine64(f->crc, s->crc, (z_off64_t)s->len);
        f->len += s->len;
    }
    fileout_discard(s);
    if (f->failed) err_set("%s", f->err);
    return f->failed ? -1 : 0;
}

int fileout_finish_spill(FileOut *f)
{
    flush_out(f);
    if (close(f->fd) != 0) fail(f, "close");
    f->fd = -1;
    buf_free(&f->buf);
    if (f->failed) err_set("%s", f->err);
    return f->failed ? -1 : 0;
}

int fileout_close(FileOut *f, const char kind[4], const void *prefix, uint64_t *bytes)
{
    flush_out(f);
    uint8_t h[FRAME_BYTES];
    uint32_t pcrc = crc32_of(prefix, f->prefix);
    frame_put(h, kind, f->prefix + f->len, (uint32_t)crc32_combine64(pcrc, f->crc, (z_off64_t)f->len));
    if (!f->failed && f->prefix && pwrite(f->fd, prefix, f->prefix, FRAME_BYTES) != (ssize_t)f->prefix)
        fail(f, "write");
    if (!f->failed && pwrite(f->fd, h, FRAME_BYTES, 0) != FRAME_BYTES) fail(f, "write");
    if (!f->failed && fsync(f->fd) != 0) fail(f, "sync");
    if (close(f->fd) != 0) fail(f, "close");
    f->fd = -1;
    buf_free(&f->buf);
    if (bytes) *bytes += FRAME_BYTES + f->prefix + f->len;
    if (f->failed) err_set("%s", f->err);
    return f->failed ? -1 : 0;
}

void fileout_discard(FileOut *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        unlink(f->path);
    }
    f->fd = -1;
    buf_free(&f->buf);
}

int file_write(const char *dir, const char *name, const char kind[4], const Buf *payload)
{
    FileOut f;
    if (fileout_open(&f, dir, name, 0) != 0) return -1;
    fileout_write(&f, payload->data, payload->len);
    return fileout_close(&f, kind, NULL, NULL);
}

int file_corrupt_v(const char *dir, const char *file, const char *fmt, va_list ap)
{
    char why[256];
    vsnprintf(why, sizeof why, fmt, ap);
    err_set("index file %s%s%s is corrupt: %s (rebuild with: search index --full)", dir ? dir : "", dir ? "/" : "",
            file, why);
    return -1;
}

int file_corrupt(const char *dir, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    file_corrupt_v(dir, file, fmt, ap);
    va_end(ap);
    return -1;
}

static int corrupt(const char *path, const char *why) { return file_corrupt(NULL, path, "%s", why); }

/* The CRC32 of the payload, len bytes from FRAME_BYTES, read from the
 * file with pread into a small buffer rather than through the mapping:
 * on the (virtual) machines we measure on, the first pass over a fresh
 * mapping ran at a third of pread's speed, and the pages it made resident
 * had to be let go of again. One query on the 1M-passage index, most of
 * which is opening it: 0.52 s before, 0.29 s after (bench/README.md). */
static int payload_crc(const char *path, int fd, uint64_t len, uint32_t *crc)
{
    enum { CHUNK = 256 << 10 };
    uint8_t *b = xmalloc(CHUNK);
    uint32_t c = 0;
    uint64_t at = 0;
    while (at < len) {
        size_t want = len - at < CHUNK ? (size_t)(len - at) : CHUNK;
        ssize_t n = pread(fd, b, want, (off_t)(FRAME_BYTES + at));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            free(b);
            if (n == 0) return corrupt(path, "truncated while being read");
            err_set("cannot read index file %s: %s", path, strerror(errno));
            return -1;
        }
        c = crc32_update(c, b, (size_t)n);
        at += (uint64_t)n;
    }
    free(b);
    *crc = c;
    return 0;
}

static int check_header(const char *path, int fd, const uint8_t *m, size_t size, const char kind[4], int check_crc,
                        MappedFile *out)
{
    if (size < FRAME_BYTES) return corrupt(path, "shorter than its header");
    FrameHeader h;
    frame_get(m, &h);
    if (memcmp(h.magic, FRAME_MAGIC, 8) != 0) return corrupt(path, "bad magic number");
    if (h.header_crc != crc32_of(m, FRAME_CHECKED_BYTES)) return corrupt(path, "header checksum mismatch");
    if (memcmp(h.kind, kind, 4) != 0) return corrupt(path, "wrong file kind");
    if (h.version != FRAME_VERSION) {
        err_set("index file %s has format version %u, this build reads %u (rebuild with: search index)", path,
                h.version, FRAME_VERSION);
        return -1;
    }
    uint64_t len = h.len;
    if (len != size - FRAME_BYTES) return corrupt(path, "truncated or extended (length mismatch)");
    uint32_t crc;
    if (check_crc && payload_crc(path, fd, len, &crc) != 0) return -1;
    if (check_crc && h.crc != crc) return corrupt(path, "checksum mismatch");
    out->payload = m + FRAME_BYTES;
    out->len = len;
    return 0;
}

static int map_checked(const char *dir, const char *name, const char kind[4], int check_crc, MappedFile *out)
{
    char path[4096];
    path_join(path, sizeof path, dir, name);
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err_set("cannot open index file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return corrupt(path, "not a regular file");
    }
    size_t size = (size_t)st.st_size;
    void *m = size ? mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    if (m == MAP_FAILED) {
        close(fd);
        return size ? (err_set("cannot map %s: %s", path, strerror(errno)), -1) : corrupt(path, "empty file");
    }
    out->map = m;
    out->size = size;
    int rc = check_header(path, fd, m, size, kind, check_crc, out);
    close(fd);
    if (rc != 0) file_unmap(out);
    return rc;
}

int file_map(const char *dir, const char *name, const char kind[4], MappedFile *out)
{
    return map_checked(dir, name, kind, 1, out);
}

int file_map_lazy(const char *dir, const char *name, const char kind[4], MappedFile *out)
{
    return map_checked(dir, name, kind, 0, out);
}

/* The payload CRC32 a mapped file's header records. */
static uint32_t frame_crc(const MappedFile *f)
{
    FrameHeader h;
    frame_get(f->map, &h);
    return h.crc;
}

/* The file is read again by its name (with pread, as above); a segment's
 * files are never rewritten, so the name still holds the mapped bytes, and
 * a size that differs from the mapping's says it does not. */
int file_verify(const char *dir, const char *name, const MappedFile *f)
{
    char path[4096];
    path_join(path, sizeof path, dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        /* A reindex published meanwhile and removed this old segment: its
         * inode lives on in our mapping, so the CRC32 is read from there
         * (page by page released again, to hold no more than a chunk). */
        uint32_t c = 0;
        for (uint64_t at = 0; at < f->len;) {
            size_t n = f->len - at < (256u << 10) ? (size_t)(f->len - at) : (256u << 10);
            c = crc32_update(c, f->payload + at, n);
            at += n;
            file_release_below(f, f->payload + at);
        }
        return frame_crc(f) == c ? 0 : corrupt(path, "checksum mismatch");
    }
    if (fd < 0) {
        err_set("cannot open index file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    uint32_t crc = 0;
    int rc = fstat(fd, &st) != 0 || (uint64_t)st.st_size != f->size ? corrupt(path, "changed since it was opened")
                                                                     : payload_crc(path, fd, f->len, &crc);
    close(fd);
    if (rc == 0 && frame_crc(f) != crc) rc = corrupt(path, "checksum mismatch");
    return rc;
}

void file_release_below(const MappedFile *f, const void *upto)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)f->map, hi = (uintptr_t)upto & ~((uintptr_t)page - 1);
    if (f->map && hi > lo && hi <= lo + f->size) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void file_release(const MappedFile *f)
{
    if (f->map) file_release_below(f, f->map + f->size);
}

void file_unmap(MappedFile *f)
{
    if (f->map) munmap((void *)f->map, f->size);
    memset(f, 0, sizeof *f);
}
