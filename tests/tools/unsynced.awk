# unsynced.awk: what a power cut right after an index build's commit could
# lose, read from the log of tests/tools/faultio.c (FAULTIO_LOG: N, call,
# path[, rename target], tab-separated) of one build of index directory idx
# (awk -F '\t' -v idx=ABSOLUTE_PATH). Prints one line per problem, nothing
# when all is well.
#
# The commit is the rename over idx/CURRENT (FORMAT.md, "Directory"). Before
# it, every file written must be synced after its last write, and every new
# name (a file's first write, a rename's target) by a sync of its directory;
# after it, the index directory must be synced. A file's first write stands
# for its creation, which the shim does not see.
function parent(p) { sub("/[^/]*$", "", p); return p }
function rel(p) { return index(p, idx) == 1 ? "IDX" substr(p, length(idx) + 1) : p }
# moves the state of from and of everything under it to the new name
function move(a, from, to,   k, n, keys) {
    n = 0
    for (k in a) if (k == from || index(k, from "/") == 1) keys[++n] = k
    for (; n > 0; n--) { k = keys[n]; a[to substr(k, length(from) + 1)] = a[k]; delete a[k] }
}
$2 ~ /^(write|pwrite|pwrite64|writev|pwritev|copy_file_range|fwrite|fflush|ftruncate|fallocate|posix_fallocate)$/ {
    if (!($3 in seen)) { seen[$3] = 1; entry[$3] = 1 } # a new file: a new directory entry
    dirty[$3] = 1
    next
}
$2 == "unlink" { # a scratch file removed: nothing of it to lose
    delete dirty[$3]; delete entry[$3]; delete seen[$3]
    next
}
$2 ~ /^f(data)?sync$/ {
    delete dirty[$3]
    for (k in entry) if (parent(k) == $3) gone[k] = 1
    for (k in gone) delete entry[k]
    split("", gone)
    next
}
$2 ~ /^rename/ {
    if ($4 == idx "/CURRENT") {
        commits++
        for (k in dirty) print "written but not synced before the commit: " rel(k)
        for (k in entry) if (k != $3) print "directory entry not synced before the commit: " rel(k)
    }
    move(dirty, $3, $4); move(entry, $3, $4); move(seen, $3, $4)
    entry[$4] = 1
}
END {
    if (!commits) print "no rename over IDX/CURRENT (the commit FORMAT.md describes)"
    else if ((idx "/CURRENT") in entry) print "the rename over CURRENT is not synced (no fsync of IDX after it)"
}
