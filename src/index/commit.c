/*
 * commit.c: the commit protocol, the one place that makes a new index
 * visible: the build lock, the directories of a build and the clean-up of
 * dead builds' ones, a commit's manifest, CURRENT and publication.
 *
 * An index directory holds segment directories (seg-000001, ...), commit
 * directories (gen-000002, ...: a manifest listing segments, and their
 * deletes) and a small file CURRENT naming the live commit. A build writes
 * new segments into "seg-N.tmp-PID" and the commit into "gen-N.tmp-PID";
 * publishing fsyncs and renames the segments, then the commit, writes
 * CURRENT.tmp, fsyncs and renames it over CURRENT (rename is atomic),
 * fsyncs the directory (failing that, CURRENT is pointed back and the
 * build fails), then deletes older commits and the segments the live one
 * does not list. A reader opens whatever CURRENT names, so it sees the old
 * index or the new one, never a mix; a crash at any point leaves CURRENT
 * naming a complete commit. Builds hold an exclusive flock on INDEX/LOCK
 * from start to publication, so two builds never interleave their renames
 * and deletes; the kernel drops the lock when a build dies. So every
 * ".tmp-PID" directory a build finds is a dead build's (whatever process
 * now has that PID) and is removed.
 *
 * Nothing is removed that might be the last good copy: a build removes no
 * commit or segment before its own is published, and when CURRENT is
 * missing or its commit does not open, it updates the newest commit that
 * does (publish_newest). Only names this file makes
 * are ever removed ("gen-N", "seg-N", either with ".tmp-PID"), and a
 * directory that is not an index and holds anything else is refused, so a
 * mistyped --index never clears a user's directory.
 */
#include "index/writer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = xmalloc(n);
    snprintf(s, n, "%s/%s", a, b);
    return s;
}

static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int mkdirs(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) break;
        *s = '/';
    }
    int rc = mkdir(p, 0755) == 0 || errno == EEXIST ? 0 : -1;
    free(p);
    struct stat st;
    if (rc == 0 && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))) rc = -1, errno = ENOTDIR;
    return rc;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue; /* ".", "..", and hidden files (.gitkeep) we never touch */
            char *p = join(path, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Digits only, at most 18 of them: s[0..*len) read as a number. */
static int digits(const char *s, size_t *len, unsigned long long *n)
{
    size_t i = 0;
    *n = 0;
    while (s[i] >= '0' && s[i] <= '9' && i < 18) *n = *n * 10 + (unsigned)(s[i++] - '0');
    *len = i;
    return i > 0 && !(s[i] >= '0' && s[i] <= '9');
}

/* A name this file makes: "gen-N" or "seg-N" (kind 'g' or 's'), maybe
 * with ".tmp-PID" (*tmp set). Returns N, or 0 when the name is not ours. */
static unsigned long our_name(const char *name, char *kind, int *tmp)
{
    size_t len;
    unsigned long long n, pid;
    if (strncmp(name, "gen-", 4) != 0 && strncmp(name, "seg-", 4) != 0) return 0;
    if (!digits(name + 4, &len, &n) || n == 0 || n > UINT32_MAX) return 0;
    const char *rest = name + 4 + len;
    *kind = name[0];
    *tmp = *rest != 0;
    if (!*tmp) return (unsigned long)n;
    if (strncmp(rest, ".tmp-", 5) != 0 || !digits(rest + 5, &len, &pid) || rest[5 + len] != 0) return 0;
    return (unsigned long)n;
}

/* "gen-000012" -> 12; 0 when the name is not a published commit's. */
static unsigned long gen_number(const char *name)
{
    char kind;
    int tmp;
    unsigned long n = our_name(name, &kind, &tmp);
    return kind == 'g' && !tmp ? n : 0;
}

static size_t list_commits(const char *root, char ***out);

char *publish_current(const char *root)
{
    char *path = join(root, "CURRENT");
    FILE *f = fopen(path, "r");
    if (!f) {
        struct stat st;
        char **names;
        size_t n = list_commits(root, &names);
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
        if (stat(root, &st) != 0) err_set("no index at %s (build one with: search index --index %s)", root, root);
        else if (n)
            err_set("index %s is damaged: no CURRENT file (search index repairs it: it updates the newest commit "
                    "that opens)", root);
        else err_set("%s is not an index (no CURRENT file; build one with: search index --index %s)", root, root);
        free(path);
        return NULL;
    }
    char name[64] = {0};
    int ok = fgets(name, sizeof name, f) != NULL;
    fclose(f);
    free(path);
    name[strcspn(name, "\n")] = 0;
    if (!ok || gen_number(name) == 0) {
        err_set("index %s is damaged: CURRENT does not name a commit (search index repairs it: it updates the "
                "newest commit that opens)", root);
        return NULL;
    }
    return join(root, name);
}

/* Published commits, newest first (caller frees each and the list). */
static size_t list_commits(const char *root, char ***out)
{
    *out = NULL;
    size_t n = 0;
    DIR *d = opendir(root);
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (gen_number(e->d_name)) {
            *out = xrealloc(*out, (n + 1) * sizeof **out);
            (*out)[n++] = xstrdup(e->d_name);
        }
    closedir(d);
    for (size_t i = 1; i < n; i++) /* insertion sort, descending: commits are few */
        for (size_t j = i; j > 0 && gen_number((*out)[j - 1]) < gen_number((*out)[j]); j--) {
            char *t = (*out)[j];
            (*out)[j] = (*out)[j - 1];
            (*out)[j - 1] = t;
        }
    return n;
}

char *publish_newest(const char *root, size_t *ncommits)
{
    char **names, *found = NULL;
    size_t n = list_commits(root, &names);
    *ncommits = n;
    for (size_t i = 0; i < n; i++) {
        char *commit = join(root, names[i]);
        Index *ix = found ? NULL : index_open_commit(root, commit);
        if (ix) found = commit;
        else free(commit);
        index_close(ix);
        free(names[i]);
    }
    free(names);
    if (!found) err_set("no commit of index %s opens", root);
    return found;
}

/* The highest commit or segment number present, so the next is new. */
static unsigned long highest_number(const char *root)
{
    unsigned long max = 0;
    DIR *d = opendir(root);
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char kind;
        int tmp;
        unsigned long n = our_name(e->d_name, &kind, &tmp);
        if (n > max) max = n;
    }
    closedir(d);
    return max;
}

static int in_manifest(const Manifest *m, unsigned long seg)
{
    for (size_t i = 0; m && i < m->n; i++)
        if (m->number[i] == seg) return 1;
    return 0;
}

/* Removes dead builds' temporaries (the caller holds the build lock and
 * has none of its own yet, or none left: every one is a dead build's),
 * and, when keep names a commit whose manifest reads, the other commits
 * and the segments it does not list. With keep NULL or unreadable, no
 * commit or segment is removed. */
static void remove_stale(const char *root, const char *keep)
{
    Manifest m, *live = NULL;
    if (keep) {
        char *commit = join(root, keep);
        if (manifest_read(commit, &m) == 0) live = &m;
        free(commit);
    }
    DIR *d = opendir(root);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char kind;
        int tmp, stale = 0;
        unsigned long n = our_name(e->d_name, &kind, &tmp);
        if (!n) continue;
        if (tmp) stale = 1;
        else if (live && kind == 'g') stale = strcmp(e->d_name, keep) != 0;
        else if (live) stale = !in_manifest(live, n);
        if (stale) {
            char *p = join(root, e->d_name);
            remove_tree(p);
            free(p);
        }
    }
    closedir(d);
}

/* A directory that is not an index yet (no CURRENT, no LOCK: every build
 * leaves both) must be empty but for hidden files and a SHARD record: anything else, even
 * named like ours, means --index names a user's directory. */
static int check_foreign(const char *root)
{
    DIR *d = opendir(root);
    if (!d) return 0;
    struct dirent *e;
    char foreign[256] = "";
    int index = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue; /* ".", "..", and hidden files (.gitkeep) we never touch */
        if (!strcmp(e->d_name, "CURRENT") || !strcmp(e->d_name, "LOCK")) index = 1;
        else if (!strcmp(e->d_name, "SHARD")) continue; /* shard.c's record, written before a shard's first build */
        else if (!foreign[0]) snprintf(foreign, sizeof foreign, "%s", e->d_name);
    }
    closedir(d);
    if (index || !foreign[0]) return 0;
    err_set("%s is not an index and is not empty (it holds '%s'); give --index a new or empty directory", root,
            foreign);
    return -1;
}

static int take_lock(const char *root)
{
    char *path = join(root, "LOCK");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    free(path);
    if (fd < 0) {
        err_set("cannot create %s/LOCK: %s", root, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        err_set(busy ? "another index build is running on %s; try again when it has finished"
                     : "cannot lock %s/LOCK", root);
        close(fd);
        return -1;
    }
    return fd;
}

static void remove_temporaries(const Publication *p)
{
    if (p->tmpdir && p->tmpdir[0]) remove_tree(p->tmpdir);
    for (size_t i = 0; i < p->nsegs; i++) remove_tree(p->seg_tmp[i]); /* new, never listed */
}

int publish_begin(Publication *p, const char *root)
{
    memset(p, 0, sizeof *p);
    p->lock_fd = -1;
    if (mkdirs(root) != 0) {
        err_set("cannot create index directory %s: %s", root, strerror(errno));
        return -1;
    }
    if (check_foreign(root) != 0) return -1;
    if ((p->lock_fd = take_lock(root)) < 0) return -1;
    /* Only temporaries: the live commit may be damaged, and an older one
     * the last good copy. Old commits go once the new one is published. */
    remove_stale(root, NULL);
    char name[64], final[32];
    p->next = highest_number(root) + 1;
    snprintf(final, sizeof final, "gen-%06lu", p->next++);
    snprintf(name, sizeof name, "%s.tmp-%ld", final, (long)getpid());
    p->root = xstrdup(root);
    p->final = xstrdup(final);
    p->tmpname = xstrdup(name);
    p->tmpdir = join(root, name);
    if (mkdir(p->tmpdir, 0755) != 0) {
        err_set("cannot create %s: %s", p->tmpdir, strerror(errno));
        publish_abort(p);
        return -1;
    }
    p->current = join(root, "CURRENT");
    p->current_tmp = join(root, "CURRENT.tmp");
    return 0;
}

/* No allocation from here to the switch: running out of memory between
 * the renames of a commit would strand it half published. */
static int write_current(const Publication *p, const char *final)
{
    int rc = -1;
    int fd = open(p->current_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        char line[64];
        size_t n = (size_t)snprintf(line, sizeof line, "%s\n", final);
        int ok = write(fd, line, n) == (ssize_t)n && fsync(fd) == 0;
        ok &= close(fd) == 0;
        if (ok && rename(p->current_tmp, p->current) == 0) rc = 0;
    }
    if (rc != 0) {
        err_set("cannot publish %s: %s", p->current, strerror(errno));
        unlink(p->current_tmp);
    }
    return rc;
}

char *publish_segment(Publication *p, uint32_t *number)
{
    if (p->nsegs == MANIFEST_MAX_SEGMENTS) {
        err_set("too many new segments in one build");
        return NULL;
    }
    char name[64];
    *number = (uint32_t)p->next++;
    snprintf(name, sizeof name, "seg-%06u.tmp-%ld", *number, (long)getpid());
    char *dir = join(p->root, name);
    if (mkdir(dir, 0755) != 0) {
        err_set("cannot create %s: %s", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    p->seg_number[p->nsegs] = *number;
    p->seg_tmp[p->nsegs++] = dir;
    return xstrdup(dir);
}

void publish_drop_segment(Publication *p, uint32_t number)
{
    for (size_t i = 0; i < p->nsegs; i++) {
        if (p->seg_number[i] != number) continue;
        remove_tree(p->seg_tmp[i]);
        free(p->seg_tmp[i]);
        memmove(&p->seg_number[i], &p->seg_number[i + 1], (p->nsegs - i - 1) * sizeof *p->seg_number);
        memmove(&p->seg_tmp[i], &p->seg_tmp[i + 1], (p->nsegs - i - 1) * sizeof *p->seg_tmp);
        p->seg_tmp[--p->nsegs] = NULL;
        return;
    }
}

/* The new segments get their final names; nothing lists them until the
 * commit is published. */
static int publish_segments(Publication *p)
{
    for (size_t i = 0; i < p->nsegs; i++) {
        char *final = index_segment_path(p->root, p->seg_number[i]);
        int rc = sync_path(p->seg_tmp[i]) == 0 && rename(p->seg_tmp[i], final) == 0 ? 0 : -1;
        if (rc != 0) err_set("cannot publish %s: %s", final, strerror(errno));
        if (rc == 0) strcpy(p->seg_tmp[i], final); /* same length: only ".tmp-PID" dropped */
        free(final);
        if (rc != 0) return -1;
    }
    return 0;
}

/* Points CURRENT back at old (a generation path, or NULL: there was no
 * index) after a commit that could not be made durable. */
static int restore_current(const Publication *p, const char *old)
{
    if (old) return write_current(p, strrchr(old, '/') + 1);
    return unlink(p->current);
}

/* Switches CURRENT to the generation just renamed into place, durably.
 * On failure CURRENT names the previous generation again, unless even that
 * fails: *live is then set, as the new generation must stay. */
static int switch_current(Publication *p, const char *old, int *live)
{
    if (sync_path(p->root) != 0) {
        err_set("cannot sync index directory %s: %s", p->root, strerror(errno));
        return -1;
    }
    if (write_current(p, p->final) != 0) return -1;
    /* Only a synced directory makes the switch survive a crash; and exit
     * status 2 promises the previous index, so it must not stay live. */
    if (sync_path(p->root) == 0) return 0;
    err_set("cannot sync index directory %s: %s", p->root, strerror(errno));
    *live = restore_current(p, old) != 0;
    return -1;
}

/* What the commit just published replaced. Running out of memory here
 * leaves it for the next build to remove: the build has succeeded. */
static void remove_stale_after(const Publication *p)
{
    OomGuard g;
    oom_enter(&g);
    if (setjmp(g.jump)) return;
    remove_stale(p->root, p->final);
    oom_leave(&g);
}

int publish_commit(Publication *p, const Manifest *m)
{
    char *final = join(p->root, p->final), *old = publish_current(p->root);
    int rc = -1, live = 0;
    if (publish_segments(p) != 0 || manifest_write(m, p->tmpdir) != 0) {
        /* err_set done */
    } else if (sync_path(p->tmpdir) != 0 || rename(p->tmpdir, final) != 0) {
        err_set("cannot publish %s: %s", final, strerror(errno));
    } else if ((rc = switch_current(p, old, &live)) == 0) {
        p->tmpdir[0] = 0; /* published: nothing of it is a temporary now */
        p->nsegs = 0;
        remove_stale_after(p);
    } else if (!live) {
        rename(final, p->tmpdir); /* back to a temporary, removed below */
    }
    free(final);
    free(old);
    if (rc != 0 && live) p->nsegs = 0; /* CURRENT still lists them: keep */
    publish_abort(p);
    return rc;
}

void publish_abort(Publication *p)
{
    remove_temporaries(p);
    for (size_t i = 0; i < MANIFEST_MAX_SEGMENTS; i++) free(p->seg_tmp[i]);
    if (p->lock_fd >= 0) close(p->lock_fd); /* releases the lock */
    free(p->root);
    free(p->tmpname);
    free(p->tmpdir);
    free(p->final);
    free(p->current);
    free(p->current_tmp);
    memset(p, 0, sizeof *p);
    p->lock_fd = -1;
}

/* ---- the manifest: a commit's segments ---- */

char *index_segment_path(const char *root, uint32_t number)
{
    size_t n = strlen(root) + 16;
    char *s = xmalloc(n);
    snprintf(s, n, "%s/seg-%06u", root, number);
    return s;
}

/* The name of the deletes file of segment number in a commit. */
void commit_deletes_name(uint32_t number, char out[COMMIT_NAME_MAX])
{
    snprintf(out, COMMIT_NAME_MAX, "del-%06u.bin", number);
}

int manifest_read(const char *commit, Manifest *m)
{
    MappedFile f;
    memset(m, 0, sizeof *m);
    if (file_map(commit, "manifest.bin", "MANI", &f) != 0) return -1;
    uint64_t n = f.len >= COUNT_BYTES ? count_get(f.payload) : 0;
    if (n == 0 || n > MANIFEST_MAX_SEGMENTS || f.len != COUNT_BYTES + MANIFEST_ENTRY_BYTES * n) {
        file_unmap(&f);
        return file_corrupt(commit, "manifest.bin", "bad segment list");
    }
    m->n = (size_t)n;
    for (size_t i = 0; i < m->n; i++) {
        ManifestEntry e;
        manifest_entry_get(f.payload + COUNT_BYTES + MANIFEST_ENTRY_BYTES * i, &e);
        m->number[i] = e.number;
        m->has_deletes[i] = e.has_deletes != 0;
    }
    file_unmap(&f);
    return 0;
}

int manifest_write(const Manifest *m, const char *commit)
{
    uint8_t p[COUNT_BYTES + MANIFEST_ENTRY_BYTES * MANIFEST_MAX_SEGMENTS];
    Buf b = {0};
    count_put(p, m->n);
    for (size_t i = 0; i < m->n; i++) {
        ManifestEntry e = {m->number[i], (uint32_t)m->has_deletes[i]};
        manifest_entry_put(p + COUNT_BYTES + MANIFEST_ENTRY_BYTES * i, &e);
    }
    buf_append(&b, p, COUNT_BYTES + MANIFEST_ENTRY_BYTES * m->n);
    int rc = file_write(commit, "manifest.bin", "MANI", &b);
    buf_free(&b);
    return rc;
}
