/*
 * index_file.c: the frame every index file shares (FORMAT.md, "File
 * frame"): a 32-byte header with magic, kind, version, payload length and
 * CRC32s, then the payload. Writers fsync before returning; readers map
 * the file read-only and verify everything before any byte is trusted.
 */
#include "index/index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAGIC "PSGINDEX"
#define FILE_VERSION 3
#define HEADER_BYTES 32

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

int file_write(const char *dir, const char *name, const char kind[4], const Buf *payload)
{
    char path[4096];
    path_join(path, sizeof path, dir, name);
    uint8_t h[HEADER_BYTES] = {0};
    memcpy(h, FILE_MAGIC, 8);
    memcpy(h + 8, kind, 4);
    uint32_t version = FILE_VERSION, crc = crc32_of(payload->data, payload->len);
    uint64_t len = payload->len;
    memcpy(h + 12, &version, 4);
    memcpy(h + 16, &len, 8);
    memcpy(h + 24, &crc, 4);
    uint32_t hcrc = crc32_of(h, 28);
    memcpy(h + 28, &hcrc, 4);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        err_set("cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = write_all(fd, h, sizeof h, path);
    if (rc == 0) rc = write_all(fd, payload->data, payload->len, path);
    if (rc == 0 && fsync(fd) != 0) {
        err_set("cannot sync %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (close(fd) != 0 && rc == 0) {
        err_set("cannot close %s: %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

static int corrupt(const char *path, const char *why)
{
    err_set("index file %s is corrupt: %s (rebuild with: search index)", path, why);
    return -1;
}

static int check_header(const char *path, const uint8_t *m, size_t size, const char kind[4], MappedFile *out)
{
    if (size < HEADER_BYTES) return corrupt(path, "shorter than its header");
    if (memcmp(m, FILE_MAGIC, 8) != 0) return corrupt(path, "bad magic number");
    if (rd_u32(m + 28) != crc32_of(m, 28)) return corrupt(path, "header checksum mismatch");
    if (memcmp(m + 8, kind, 4) != 0) return corrupt(path, "wrong file kind");
    if (rd_u32(m + 12) != FILE_VERSION) {
        err_set("index file %s has format version %u, this build reads %u (rebuild with: search index)", path,
                rd_u32(m + 12), FILE_VERSION);
        return -1;
    }
    uint64_t len = rd_u64(m + 16);
    if (len != size - HEADER_BYTES) return corrupt(path, "truncated or extended (length mismatch)");
    if (rd_u32(m + 24) != crc32_of(m + HEADER_BYTES, len)) return corrupt(path, "checksum mismatch");
    out->payload = m + HEADER_BYTES;
    out->len = len;
    return 0;
}

int file_map(const char *dir, const char *name, const char kind[4], MappedFile *out)
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
    close(fd);
    if (m == MAP_FAILED) return size ? (err_set("cannot map %s: %s", path, strerror(errno)), -1)
                                     : corrupt(path, "empty file");
    out->map = m;
    out->size = size;
    if (check_header(path, m, size, kind, out) != 0) {
        file_unmap(out);
        return -1;
    }
    return 0;
}

void file_unmap(MappedFile *f)
{
    if (f->map) munmap((void *)f->map, f->size);
    memset(f, 0, sizeof *f);
}
