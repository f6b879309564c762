package org.cfsj.dump;

/**
 * The fields of the dumpfile line being parsed, after the checks: one instance, reused for every
 * line ({@link #clear}). The arrays it refers to are the line's own, except the xattr arrays,
 * whose first {@link #xattrCount} slots are: a {@link DumpSink} copies out what it keeps.
 */
final class DumpFields {
    long size;
    int nlink;
    int uid;
    int gid;
    long rdev;
    long mtimeSec;
    int mtimeNsec;
    /** A regular file's backing path or a symlink's target, or null. */
    byte[] payload;
    /** A regular file's inline content, or null (never empty). */
    byte[] content;
    /** An fs-verity digest (raw), or null. */
    byte[] digest;
    byte[][] xattrNames = new byte[4][];
    byte[][] xattrValues = new byte[4][];
    int xattrCount;

    void clear() {
        payload = null;
        content = null;
        digest = null;
        xattrCount = 0;
    }
}
